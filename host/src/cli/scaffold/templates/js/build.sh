#!/bin/sh
# Builds the plugin into build/{{id}}.wasm with componentize-js and packs plugin.toml into it.
# Needs: npm ci (once; build.sh runs it), and `portico` on PATH to validate the manifest.
set -eu
cd "$(dirname "$0")"
[ -d node_modules/@bytecodealliance/componentize-js ] || npm ci --no-audit --no-fund
exec node portico/build.mjs . "$@"
