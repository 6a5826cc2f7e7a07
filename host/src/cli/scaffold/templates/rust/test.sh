#!/bin/sh
# Unit tests of the plugin's logic, run natively.
set -eu
cd "$(dirname "$0")"
cargo test
