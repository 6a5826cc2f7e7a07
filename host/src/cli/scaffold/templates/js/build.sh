#!/bin/sh
# Builds the plugin into build/{{id}}.wasm with componentize-js and packs plugin.toml into it.
# Needs: npm install (once), and `portico` on PATH to validate the manifest.
set -eu
cd "$(dirname "$0")"
[ -d node_modules/@bytecodealliance/componentize-js ] || npm install --no-audit --no-fund
exec node portico/build.mjs . "$@"
