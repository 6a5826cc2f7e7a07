#!/bin/sh
# Builds the plugin into build/{{id}}.wasm with componentize-py and packs plugin.toml into it.
# Needs: pip install -r requirements.txt (and `portico` on PATH to validate the manifest).
set -eu
cd "$(dirname "$0")"
exec "${PYTHON:-python3}" -m portico_sdk.build . "$@"
