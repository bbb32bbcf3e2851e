#!/usr/bin/env bash
# cargo-fuzz and the nightly toolchain it needs, for fuzz/test.sh.
# Idempotent: does nothing once both are there.
set -euo pipefail
cd "$(dirname "$0")/../.."
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
if [ ! -x .tools/bin/cargo-fuzz ]; then
  cargo install --locked --root .tools cargo-fuzz
fi
