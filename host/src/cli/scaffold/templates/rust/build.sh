#!/bin/sh
# Builds the plugin into build/{{id}}.wasm (the manifest is embedded by `portico_sdk::manifest!`).
set -eu
cd "$(dirname "$0")"
rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --release --target wasm32-wasip2
mkdir -p build
cp "${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/{{crate_file}}.wasm" build/{{id}}.wasm
echo "built build/{{id}}.wasm"
