#!/usr/bin/env bash
# Every benchmark, each in one run with its same-run comparison; the figures
# they print are what BENCHMARKS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/core-bench.sh            # core: token and request signing vs aws-sigv4, wasm size
bash bench/cli.sh                   # CLI: per-process times (hyperfine), release binary size
bash wasm/build.sh && node bench/js/bench.mjs   # npm package vs aws4, aws4fetch, @smithy/signature-v4
.venv/bin/python bench/py_bench.py  # Python: generate_token vs botocore, import time, wheel size
