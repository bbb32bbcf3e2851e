#!/bin/sh
# cgaws-core benchmarks in one go: criterion (medians), the min-of-batches
# timing (robust on shared machines), and the wasm size of the token path.
#
# Usage: bench/core-bench.sh        (results go to stdout; see bench/RESULTS-core.md)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
cd "$root"

echo "== machine"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null || true
echo "cpus: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
grep -qw sha_ni /proc/cpuinfo 2>/dev/null && echo "sha_ni: yes" || echo "sha_ni: no"
rustc --version

echo "== criterion: cargo bench -p cgaws-core --bench signing"
# Fresh results only (criterion keeps the directories of earlier runs).
rm -rf "$target_dir/criterion/token" "$target_dir/criterion/request"
cargo bench --quiet -p cgaws-core --bench signing >/dev/null 2>&1
python3 - "$target_dir/criterion" <<'PY'
import json, os, sys
base = sys.argv[1]
for group in ("token", "request"):
    d = os.path.join(base, group)
    rows = {}
    for name in sorted(os.listdir(d)):
        f = os.path.join(d, name, "new", "estimates.json")
        if os.path.exists(f):
            rows[name] = json.load(open(f))["median"]["point_estimate"] / 1000
    for name, us in rows.items():
        print(f"{group}/{name}: median {us:.3f} µs")
    for name, us in rows.items():
        if name.startswith("cgaws"):
            other = name.replace("cgaws", "aws-sigv4", 1)
            if other in rows:
                print(f"{group}/{name}: aws-sigv4 / cgaws = {rows[other] / us:.1f}x")
PY

echo "== min of batches: bench/token-timing"
CARGO_TARGET_DIR="$target_dir/token-timing" cargo run --quiet --release --manifest-path bench/token-timing/Cargo.toml

echo "== wasm size: bench/wasm-size.sh"
bench/wasm-size.sh
