#!/usr/bin/env bash
# The suite of the npm package `cgaws` (make test): builds wasm/pkg, then runs
# with `node --test` the Node tests (vectors, SigV4 suite, same token as the
# CLI, errors, exchange against the issuer emulator, exports and types),
# headless Chromium (playwright-core) and workerd (miniflare).
set -euo pipefail
cd "$(dirname "$0")/.."
bash wasm/build.sh
# The host-side tests of the verify and oidc builds (scripts/test-rust.sh runs the default build's).
cargo test --quiet -p cgaws-wasm --no-default-features --features verify
cargo test --quiet -p cgaws-wasm --no-default-features --features oidc
ln -sfn ../pkg wasm/node_modules/cgaws

cargo build --quiet -p cgaws
export CGAWS_CLI=$PWD/target/debug/cgaws

source scripts/lib/emulator-stack.sh
new_work_dir
start_emulator_stack "$work"
export CGAWS_EMULATOR_STATE=$work/state.json

node --test --test-concurrency=1 --test-timeout=120000 wasm/test/*.test.mjs
