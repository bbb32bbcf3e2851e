#!/usr/bin/env bash
# cargo-fuzz (into the gitignored .tools/) and, where it can be had, the nightly
# toolchain, for fuzz/test.sh. Idempotent: does nothing once both are there.
# A machine that cannot fetch nightly still fuzzes, on stable without a sanitizer.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! rustup toolchain list | grep -q '^nightly'; then
  timeout 300 rustup toolchain install nightly --profile minimal \
    || echo "60-fuzz: nightly cannot be installed here; fuzz/test.sh will use stable without a sanitizer"
fi
if [ ! -x .tools/bin/cargo-fuzz ]; then
  cargo install --locked --root .tools cargo-fuzz
fi
