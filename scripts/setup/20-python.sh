#!/usr/bin/env bash
# A virtual environment at .venv with every Python requirement of the suites
# (tests/requirements.txt and any py/requirements-*.txt). Re-installs only when
# a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
reqs=()
for f in tests/requirements.txt py/requirements-test.txt; do [ -f "$f" ] && reqs+=("$f"); done
((${#reqs[@]})) || exit 0
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.requirements.sha256
sum=$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  echo "setup: installing Python requirements into .venv"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  args=(); for f in "${reqs[@]}"; do args+=(-r "$f"); done
  .venv/bin/pip install -q --disable-pip-version-check "${args[@]}"
  echo "$sum" > "$stamp"
fi
