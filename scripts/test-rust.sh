#!/usr/bin/env bash
# Format, lint, every Rust test, and the core's wasm32 build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
cargo build -p cgaws-core --target wasm32-unknown-unknown --profile wasm --locked
