#!/usr/bin/env bash
# The CLI's static release build (make release) targets x86_64-unknown-linux-musl:
# add the Rust target if it is missing (musl-gcc comes from apt-packages.txt).
set -euo pipefail
rustup target list --installed | grep -qx x86_64-unknown-linux-musl || rustup target add x86_64-unknown-linux-musl
