#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (FUZZ_SECONDS each, default 30)
# over the corpus kept in fuzz/corpus/TARGET. New inputs libFuzzer finds go to a
# scratch directory, not into the repo; a crash or hang fails the suite and is
# saved under fuzz/artifacts/TARGET (gitignored) for `cargo +nightly fuzz run TARGET FILE`.
#
# With a nightly toolchain the targets run under AddressSanitizer; a machine with
# only stable (no other toolchain can be fetched on some) runs them without a
# sanitizer (`-s none`, which stable supports): the core forbids unsafe code, so
# panics, hangs and aborts are what there is to find either way.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PWD/../.tools/bin:$PATH"
seconds="${FUZZ_SECONDS:-30}"
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: run scripts/setup/60-fuzz.sh"; exit 1; }

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz); sanitizer=()
else
  echo "no nightly toolchain: fuzzing on stable without a sanitizer"
  fuzz=(cargo fuzz); sanitizer=(-s none)
fi
targets=$("${fuzz[@]}" list)
"${fuzz[@]}" build "${sanitizer[@]}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0; failed=0
for target in $targets; do
  mkdir -p "$scratch/$target" "corpus/$target"
  echo "--- fuzz $target for ${seconds}s ($(ls "corpus/$target" | wc -l) seeds)"
  # -timeout: one input taking longer than 10 s is a hang.
  if "${fuzz[@]}" run "${sanitizer[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
      >"$scratch/$target.log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$scratch/$target.log" | tr '\n' ' '; echo
  else
    failed=$((failed + 1))
    tail -60 "$scratch/$target.log"
    echo "FAILED: fuzz target $target (artifacts in fuzz/artifacts/$target)"
  fi
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
