#!/bin/sh
# Builds the C plugin into build/c-naming.wasm:
#   1. `wit-bindgen c` generates the bindings of the `check` world (cargo install wit-bindgen-cli);
#   2. clang compiles for wasm32-wasi against wasi-libc (Debian: apt install clang lld wasi-libc
#      libclang-rt-14-dev-wasm32);
#   3. wasm-component-ld (shipped with Rust's wasm32-wasip2 target) links a component, adapting
#      WASI preview 1 to preview 2;
#   4. `portico plugin pack` embeds plugin.toml.
set -eu
cd "$(dirname "$0")"
WIT=${WIT:-../../../../wit/v0.1.0}
WIT_BINDGEN=${WIT_BINDGEN:-wit-bindgen}
CLANG=${CLANG:-clang}
WASM_LD=${WASM_LD:-$(command -v wasm-ld || command -v wasm-ld-14)}
WASI_LIB=${WASI_LIB:-/usr/lib/wasm32-wasi}
BUILTINS=${BUILTINS:-$($CLANG --target=wasm32-wasi -print-libgcc-file-name)}
HOST=$(rustc -vV | sed -n 's/^host: //p')
COMPONENT_LD=${COMPONENT_LD:-$(rustc --print sysroot)/lib/rustlib/$HOST/bin/wasm-component-ld}
PORTICO=${PORTICO:-portico}

mkdir -p build/gen
"$WIT_BINDGEN" c "$WIT" --world check --out-dir build/gen >/dev/null 2>&1
for src in app.c build/gen/check.c; do
  "$CLANG" --target=wasm32-wasi -O2 -Wall -Werror -Ibuild/gen -c "$src" -o "build/$(basename "$src" .c).o"
done
"$COMPONENT_LD" --wasm-ld-path "$WASM_LD" --wasi-adapter reactor -o build/c-naming.unpacked.wasm \
  -L"$WASI_LIB" "$WASI_LIB/crt1-reactor.o" --entry _initialize \
  build/app.o build/check.o build/gen/check_component_type.o -lc "$BUILTINS"
"$PORTICO" plugin pack build/c-naming.unpacked.wasm --manifest plugin.toml -o build/c-naming.wasm
rm build/c-naming.unpacked.wasm
echo "built build/c-naming.wasm"
