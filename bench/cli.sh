#!/usr/bin/env bash
# Per-process timings of the cgaws binary with hyperfine, and its size; writes
# bench/RESULTS-cli.md. Times the static release binary (scripts/release.sh)
# unless CGAWS_BIN names another one.
#
#   cgaws token, environment credentials              target <= 3 ms median
#   cgaws exchange, warm cache (emulators running)    target <= 3 ms
#   docker-credential-cgaws get, warm cache           target <= 3 ms
#   stripped release binary                           target <= 4 MB
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make setup installs it)" >&2; exit 1; }

if [ -z "${CGAWS_BIN:-}" ]; then
  bash scripts/release.sh >/dev/null
  CGAWS_BIN=$root/target/dist/cgaws
fi
bin=$(realpath "$CGAWS_BIN")

source scripts/lib/emulator-stack.sh
new_work_dir

# The emulators, for the exchange that warms the cache.
start_emulator_stack "$work"

mkdir -p "$work/home" "$work/bin"
ln -s "$bin" "$work/bin/docker-credential-cgaws"
export HOME="$work/home" XDG_CACHE_HOME="$work/cache" XDG_CONFIG_HOME="$work/config"
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_STS=$(state sts_url)
export AWS_ACCESS_KEY_ID=$(state user_access_key_id) AWS_SECRET_ACCESS_KEY=$(state user_secret_access_key)
export CHAINGUARD_ISSUER=$(state issuer_url) CHAINGUARD_IDENTITY=$(state identity)
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE HTTPS_PROXY HTTP_PROXY ALL_PROXY

"$bin" exchange >/dev/null           # warms the cache
echo cgr.dev >"$work/server.txt"
"$work/bin/docker-credential-cgaws" get <"$work/server.txt" >/dev/null

runs=${BENCH_RUNS:-300}
hyperfine -N --warmup 30 --runs "$runs" --export-json "$work/token.json" \
  "$bin token --identity $CHAINGUARD_IDENTITY" >&2
hyperfine -N --warmup 30 --runs "$runs" --export-json "$work/exchange.json" \
  "$bin exchange" >&2
# hyperfine 1.15 has no --input: the helper gets its stdin through `sh -c`, timed
# whole (an upper bound), next to `sh -c` alone with the same redirection.
hyperfine -N --warmup 30 --runs "$runs" --export-json "$work/helper.json" \
  "sh -c 'exec $work/bin/docker-credential-cgaws get < $work/server.txt'" >&2
hyperfine -N --warmup 30 --runs "$runs" --export-json "$work/shell.json" \
  "sh -c 'exec true < $work/server.txt'" >&2

size=$(stat -c %s "$bin")
target=$(file -b "$bin" 2>/dev/null | grep -o 'static-pie linked\|statically linked\|dynamically linked' || true)
.venv/bin/python - "$work" "$size" "$bin" "$target" >bench/RESULTS-cli.md <<'PY'
import json, os, platform, subprocess, sys
work, size, binary, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def stats(name):
    r = json.load(open(os.path.join(work, name + ".json")))["results"][0]
    return r["median"] * 1000, r["mean"] * 1000, r["stddev"] * 1000, r["min"] * 1000, len(r["times"])
rows = [
    ("`cgaws token`, environment credentials", "token", 3.0),
    ("`cgaws exchange`, warm cache", "exchange", 3.0),
    ("`docker-credential-cgaws get`, warm cache, including `sh -c` for its stdin", "helper", 3.0),
    ("(`sh -c 'exec true < file'` alone, for reference)", "shell", None),
]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
print("# cgaws CLI: per-process time and binary size\n")
print(f"Measured by `bench/cli.sh` (hyperfine `-N`, {os.cpu_count()} CPUs, {cpu}) on `{version}`,")
print(f"the release build for x86_64-unknown-linux-musl ({kind or 'see scripts/release.sh'}).\n")
print("| what | median | mean ± sd | min | runs | target | ok |")
print("|---|---|---|---|---|---|---|")
for label, name, target in rows:
    med, mean, sd, mn, n = stats(name)
    verdict = "" if target is None else ("yes" if med <= target else "NO")
    shown = "" if target is None else f"≤ {target:.0f} ms"
    print(f"| {label} | {med:.2f} ms | {mean:.2f} ± {sd:.2f} ms | {mn:.2f} ms | {n} | {shown} | {verdict} |")
mb = size / 1024 / 1024
print(f"| stripped release binary (x86_64-unknown-linux-musl, static) | {size} bytes ({mb:.2f} MiB) | | | | ≤ 4 MB | {'yes' if size <= 4 * 1024 * 1024 else 'NO'} |")
print("""
Notes:
- `token` resolves the AWS credential chain (environment first; the shared
  config files are looked for and absent), signs the GetCallerIdentity request
  and prints the blob: no network.
- The warm-cache rows read the cgaws config file and one cache file and print;
  no AWS credentials are resolved and nothing is sent.
- The helper row is timed through `sh -c 'exec helper get < server.txt'`
  (hyperfine 1.15 has no `--input`), so it includes a shell start; the next row
  is that shell alone.
- Medians are the figure of merit: the machine is shared, and the means carry
  its noise.
""")
PY
cat bench/RESULTS-cli.md
