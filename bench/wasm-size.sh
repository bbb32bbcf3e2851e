#!/bin/sh
# Size of the cgaws-core token path compiled to WebAssembly.
#
# 1. Checks that cgaws-core itself builds for wasm32-unknown-unknown with the
#    workspace's `wasm` profile (an rlib: it has no meaningful size).
# 2. Builds bench/wasm-size, a tiny cdylib exporting `cgaws_token`, which links
#    the whole token path, with the same profile, and prints its size raw and
#    gzipped (-9).
#
# Usage: bench/wasm-size.sh            (target ≤ 25 KB gzipped)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}

cd "$root"
cargo build --quiet -p cgaws-core --target wasm32-unknown-unknown --profile wasm

cd "$root/bench/wasm-size"
CARGO_TARGET_DIR="$target_dir/wasm-size" cargo build --quiet --target wasm32-unknown-unknown --profile wasm
wasm="$target_dir/wasm-size/wasm32-unknown-unknown/wasm/cgaws_wasm_size.wasm"

raw=$(wc -c <"$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "cgaws_wasm_size.wasm (token path, profile wasm: opt-level z, LTO, panic=abort, strip)"
echo "  raw:       $raw bytes ($(awk "BEGIN{printf \"%.1f\", $raw/1024}") KiB)"
echo "  gzip -9:   $gz bytes ($(awk "BEGIN{printf \"%.1f\", $gz/1024}") KiB)"
if command -v wasm-opt >/dev/null 2>&1; then
    wasm-opt -Oz --strip-debug "$wasm" -o "$wasm.opt"
    echo "  wasm-opt -Oz: $(wc -c <"$wasm.opt") bytes raw, $(gzip -9 -c "$wasm.opt" | wc -c) gzipped"
fi
