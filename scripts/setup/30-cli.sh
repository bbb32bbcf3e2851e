#!/usr/bin/env bash
# The CLI's static release build (make release) targets x86_64-unknown-linux-musl:
# add the Rust target if it is missing (musl-gcc comes from apt-packages.txt).
# Only `make release` needs it, so a failure here warns instead of stopping the
# test suites; scripts/release.sh then says what is missing.
set -euo pipefail
if ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
  rustup target add x86_64-unknown-linux-musl ||
    echo "setup: warning: could not add the x86_64-unknown-linux-musl target; make release will not work" >&2
fi
