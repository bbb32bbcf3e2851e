#!/usr/bin/env bash
# Runs each suite script given, all of them even after a failure, then prints
# one closing line and exits non-zero if any failed or was missing.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0; failures=()
for suite in "$@"; do
  echo "=== suite: $suite"
  if [ ! -f "$suite" ]; then
    echo "suite $suite does not exist"; failed=$((failed + 1)); failures+=("$suite (missing)"); continue
  fi
  start=$(date +%s)
  if bash "$suite"; then
    passed=$((passed + 1)); echo "=== suite $suite passed in $(( $(date +%s) - start ))s"
  else
    failed=$((failed + 1)); failures+=("$suite"); echo "=== suite $suite FAILED after $(( $(date +%s) - start ))s"
  fi
done
((failed)) && printf 'failed suite: %s\n' "${failures[@]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
