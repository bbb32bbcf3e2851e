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
# Steps 1-3 run three times, each its own .wasm: the main entry (`cgaws`,
# feature `token`), `method: "oidc"`'s STS call (feature `oidc`, which the main
# entry loads on first use) and the relying party's (`cgaws/verify`, feature
# `verify`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg=wasm/pkg
target_dir=target/cgaws-wasm
wasm_bindgen=.tools/bin/wasm-bindgen
wasm_opt=wasm/node_modules/.bin/wasm-opt
# +simd128 (rustc and wasm-opt): wasm SIMD, in every current browser (Safari
# since 16.4), Node and workerd, gives sha2 its SIMD message schedule: faster
# HMACs (and, off Node, canonical-request hashing), and 2 KB less gzipped.
wasm_features="--enable-simd --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types"

locked=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$("$wasm_bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$locked" ]; then
  echo "wasm/build.sh: wasm-bindgen $locked is needed (Cargo.lock), found '${have:-none}'; run scripts/setup/50-wasm.sh" >&2
  exit 1
fi
[ -x "$wasm_opt" ] || { echo "wasm/build.sh: $wasm_opt missing; run scripts/setup/50-wasm.sh" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$pkg"
mkdir -p "$pkg"

# build_wasm NAME CARGO_FEATURE_ARGS...: pkg/NAME_bg.wasm, NAME.js (ES module
# glue), NAME.cjs (CommonJS glue).
build_wasm() {
  local name=$1
  shift
  echo "wasm: cargo build $name (wasm32 + simd128, profile wasm, std rebuilt for size)"
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=+simd128" \
    cargo build --quiet -p cgaws-wasm "$@" --target wasm32-unknown-unknown --profile wasm \
    --target-dir "$target_dir" ${CGAWS_WASM_CARGO_CONFIG:+--config "$CGAWS_WASM_CARGO_CONFIG"} -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
  local raw="$target_dir/wasm32-unknown-unknown/wasm/cgaws_wasm.wasm"
  "$wasm_bindgen" --target web --out-dir "$tmp/$name/web" --out-name "$name" "$raw"
  "$wasm_bindgen" --target nodejs --out-dir "$tmp/$name/node" --out-name "$name" "$raw"
  cmp -s "$tmp/$name/web/${name}_bg.wasm" "$tmp/$name/node/${name}_bg.wasm" || {
    echo "wasm/build.sh: the two wasm-bindgen runs produced different .wasm files" >&2
    exit 1
  }
  # The features rustc's wasm32 output uses, named: with --all-features this
  # binaryen types some locals as stringref, which no engine ships. -Oz twice:
  # the second run finds more (about 80 bytes gzipped off the main .wasm).
  "$wasm_opt" -Oz -Oz $wasm_features --strip-debug --strip-producers "$tmp/$name/web/${name}_bg.wasm" -o "$pkg/${name}_bg.wasm"

  # The glue: ES module as it is; CommonJS renamed to .cjs (the package is
  # "type": "module") and made to hand out the raw exports, as api.js uses them.
  cp "$tmp/$name/web/$name.js" "$pkg/$name.js"
  local anchor='let wasm = wasmInstance.exports;'
  grep -qxF "$anchor" "$tmp/$name/node/$name.js" || {
    echo "wasm/build.sh: the nodejs glue of this wasm-bindgen has no line '$anchor'" >&2
    exit 1
  }
  { cat "$tmp/$name/node/$name.js"; echo 'exports.__wasm = wasm;'; } > "$pkg/$name.cjs"
  sed -i '1s#^/\* @ts-self-types=.*\*/$##' "$pkg/$name.js" "$pkg/$name.cjs"
}

# The main entry (`cgaws`); `method: "oidc"`'s GetWebIdentityToken call (the
# STS XML reader and call policy: a quarter of the main .wasm, which every user
# downloads, for a method few use); the relying party's (`cgaws/verify`, with
# the identity rules and so the regex crate, which the main entry must not carry).
build_wasm cgaws
build_wasm cgaws_oidc --no-default-features --features oidc
build_wasm cgaws_verify --no-default-features --features verify

cp wasm/js/api.js wasm/js/node.js wasm/js/node.cjs wasm/js/web.js wasm/js/workerd.js wasm/js/README.md "$pkg/"
cp wasm/js/verify-api.js wasm/js/verify.js wasm/js/verify-node.js wasm/js/verify-node.cjs wasm/js/verify-workerd.js "$pkg/"
node wasm/js/to-cjs.mjs wasm/js/api.js "$pkg/api.cjs"
node wasm/js/to-cjs.mjs wasm/js/verify-api.js "$pkg/verify-api.cjs"
cp wasm/js/index.d.ts "$pkg/index.d.ts"
cp wasm/js/index.d.ts "$pkg/index.d.cts"
cp wasm/js/verify.d.ts "$pkg/verify.d.ts"
# CommonJS types import the CommonJS types of the main entry.
sed 's#"\./index\.js"#"./index.cjs"#g' wasm/js/verify.d.ts > "$pkg/verify.d.cts"
version=$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" wasm/js/package.json > "$pkg/package.json"

size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
glue() {
  local raw=0 gzipped=0 f
  for f in "$@"; do raw=$((raw + $(size "$pkg/$f"))); gzipped=$((gzipped + $(gz "$pkg/$f"))); done
  echo "$raw bytes, $gzipped gzipped"
}
echo "wasm: built $pkg (cgaws $version)"
echo "wasm:   cgaws_bg.wasm $(size "$pkg/cgaws_bg.wasm") bytes, $(gz "$pkg/cgaws_bg.wasm") gzipped"
echo "wasm:   JS for a browser (cgaws.js + api.js + web.js) $(glue cgaws.js api.js web.js)"
echo "wasm:   cgaws_oidc_bg.wasm (method oidc, loaded on first use) $(size "$pkg/cgaws_oidc_bg.wasm") bytes, $(gz "$pkg/cgaws_oidc_bg.wasm") gzipped"
echo "wasm:   JS for a browser, method oidc (cgaws_oidc.js) $(glue cgaws_oidc.js)"
echo "wasm:   cgaws_verify_bg.wasm (cgaws/verify) $(size "$pkg/cgaws_verify_bg.wasm") bytes, $(gz "$pkg/cgaws_verify_bg.wasm") gzipped"
echo "wasm:   JS for a browser, cgaws/verify (cgaws_verify.js + api.js + verify-api.js + verify.js) $(glue cgaws_verify.js api.js verify-api.js verify.js)"
