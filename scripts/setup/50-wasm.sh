#!/usr/bin/env bash
# What wasm/build.sh and wasm/test.sh need, idempotently:
# - rust-src, for rebuilding std for size (wasm/build.sh);
# - wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in
#   Cargo.lock, in .tools/bin;
# - the npm dev dependencies of wasm/ (binaryen's wasm-opt, playwright-core,
#   miniflare/workerd, the benchmark's reference signers), from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(.tools/bin/wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want" ] && [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want into .tools"
  cargo install --quiet --locked --force --root .tools wasm-bindgen-cli --version "$want"
fi
stamp=wasm/node_modules/.package-lock.sha256
sum=$(sha256sum wasm/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  echo "setup: npm ci in wasm/"
  (cd wasm && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sum" > "$stamp"
fi
