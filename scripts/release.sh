#!/usr/bin/env bash
# The release binary: static x86_64-unknown-linux-musl (no glibc dependency, so it
# runs on any x86_64 Linux: every EC2 AMI, Lambda, distroless and scratch images),
# built with the workspace release profile (LTO, one codegen unit, panic=abort,
# stripped). Writes target/dist/cgaws and target/dist/docker-credential-cgaws (a link), and
# fails if the binary is not static or is larger than 4 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl
export CC_x86_64_unknown_linux_musl=${CC_x86_64_unknown_linux_musl:-musl-gcc}
rustup target list --installed | grep -qx "$target" ||
  { echo "release: the Rust target $target is missing: rustup target add $target" >&2; exit 1; }
command -v "$CC_x86_64_unknown_linux_musl" >/dev/null ||
  { echo "release: $CC_x86_64_unknown_linux_musl is missing (Debian: apt-get install musl-tools)" >&2; exit 1; }
cargo build -p cgaws --release --locked --target "$target"
bin="target/$target/release/cgaws"
mkdir -p target/dist
cp "$bin" target/dist/cgaws
ln -sf cgaws target/dist/docker-credential-cgaws
size=$(stat -c %s target/dist/cgaws)
echo "release: target/dist/cgaws ($target), $size bytes"
# A dynamically linked executable names its loader in a PT_INTERP program header.
if readelf -l target/dist/cgaws | grep -q INTERP; then
  echo "release: target/dist/cgaws is dynamically linked" >&2; exit 1
fi
if ((size > 4 * 1024 * 1024)); then
  echo "release: target/dist/cgaws is larger than 4 MB" >&2; exit 1
fi
target/dist/cgaws --version
