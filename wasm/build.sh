#!/usr/bin/env bash
# Builds the npm package `cgaws` into wasm/pkg (`make wasm`; `make test` runs it).
#
# 1. cargo: cgaws-wasm for wasm32-unknown-unknown with the workspace's size
#    profile (`wasm`: opt-level z, LTO), std rebuilt for size with the
#    immediate-abort panic strategy (RUSTC_BOOTSTRAP, see wasm/README.md),
#    in its own target directory so that it never fights other builds.
# 2. wasm-bindgen (the version in Cargo.lock, installed by
#    scripts/setup/50-wasm.sh): ES module glue (--target web) and CommonJS glue
#    (--target nodejs) over one .wasm.
# 3. wasm-opt -Oz (binaryen, from npm).
# 4. The hand-written JavaScript (wasm/js), a CommonJS copy of api.js, types,
#    package.json; then the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg=wasm/pkg
target_dir=target/cgaws-wasm
wasm_bindgen=.tools/bin/wasm-bindgen
wasm_opt=wasm/node_modules/.bin/wasm-opt

locked=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$("$wasm_bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$locked" ]; then
  echo "wasm/build.sh: wasm-bindgen $locked is needed (Cargo.lock), found '${have:-none}'; run scripts/setup/50-wasm.sh" >&2
  exit 1
fi
[ -x "$wasm_opt" ] || { echo "wasm/build.sh: $wasm_opt missing; run scripts/setup/50-wasm.sh" >&2; exit 1; }

# +simd128: wasm SIMD (every current browser, Node, workerd; Safari since 16.4)
# gives sha2 its SIMD message schedule: the HMACs (and, off Node, the canonical
# request) hash faster, and the .wasm is 2 KB smaller gzipped (wasm/README.md).
echo "wasm: cargo build (wasm32 + simd128, profile wasm, std rebuilt for size)"
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=+simd128" \
  cargo build --quiet -p cgaws-wasm --target wasm32-unknown-unknown --profile wasm \
  --target-dir "$target_dir" ${CGAWS_WASM_CARGO_CONFIG:+--config "$CGAWS_WASM_CARGO_CONFIG"} -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
raw="$target_dir/wasm32-unknown-unknown/wasm/cgaws_wasm.wasm"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$wasm_bindgen" --target web --out-dir "$tmp/web" --out-name cgaws "$raw"
"$wasm_bindgen" --target nodejs --out-dir "$tmp/node" --out-name cgaws "$raw"
cmp -s "$tmp/web/cgaws_bg.wasm" "$tmp/node/cgaws_bg.wasm" || {
  echo "wasm/build.sh: the two wasm-bindgen runs produced different .wasm files" >&2
  exit 1
}

rm -rf "$pkg"
mkdir -p "$pkg"
# --all-features would also write several imports of one module as a compact
# import section, which Node 20 and browsers reject ("unknown import kind 0x7f").
"$wasm_opt" -Oz --all-features --disable-compact-imports --strip-debug --strip-producers "$tmp/web/cgaws_bg.wasm" -o "$pkg/cgaws_bg.wasm"

# The glue: ES module as it is; CommonJS renamed to .cjs (the package is
# "type": "module") and made to hand out the raw exports, as api.js uses them.
cp "$tmp/web/cgaws.js" "$pkg/cgaws.js"
anchor='let wasm = wasmInstance.exports;'
grep -qxF "$anchor" "$tmp/node/cgaws.js" || {
  echo "wasm/build.sh: the nodejs glue of this wasm-bindgen has no line '$anchor'" >&2
  exit 1
}
{ cat "$tmp/node/cgaws.js"; echo 'exports.__wasm = wasm;'; } > "$pkg/cgaws.cjs"
sed -i '1s#^/\* @ts-self-types=.*\*/$##' "$pkg/cgaws.js" "$pkg/cgaws.cjs"

cp wasm/js/api.js wasm/js/node.js wasm/js/node.cjs wasm/js/web.js wasm/js/workerd.js wasm/js/README.md "$pkg/"
node wasm/js/to-cjs.mjs wasm/js/api.js "$pkg/api.cjs"
cp wasm/js/index.d.ts "$pkg/index.d.ts"
cp wasm/js/index.d.ts "$pkg/index.d.cts"
version=$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" wasm/js/package.json > "$pkg/package.json"

size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
glue_files=("$pkg/cgaws.js" "$pkg/api.js" "$pkg/web.js")
glue_raw=0; glue_gz=0
for f in "${glue_files[@]}"; do glue_raw=$((glue_raw + $(size "$f"))); glue_gz=$((glue_gz + $(gz "$f"))); done
echo "wasm: built $pkg (cgaws $version)"
echo "wasm:   cgaws_bg.wasm $(size "$pkg/cgaws_bg.wasm") bytes, $(gz "$pkg/cgaws_bg.wasm") gzipped"
echo "wasm:   JS for a browser (cgaws.js + api.js + web.js) $glue_raw bytes, $glue_gz gzipped"
