#!/usr/bin/env bash
# The Python package's suite: build the wheel, install it into a FRESH virtual
# environment (so a missing packaging step fails here), and run pytest on
# py/tests from outside the source tree against the installed package. The
# end-to-end tests start the emulators with the repository's .venv Python.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
[ -x .venv/bin/maturin ] || bash scripts/setup/20-python.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/cgaws-py-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "py: building the wheel"
.venv/bin/maturin build --release --locked -m py/Cargo.toml -o "$work/dist" --quiet 2>&1 | grep -v '^$' || true
wheel=$(ls "$work"/dist/cgaws-*.whl 2>/dev/null | head -n1)
[ -n "$wheel" ] || { echo "py: no wheel was built" >&2; exit 1; }
echo "py: built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

# A fresh environment from the same interpreter as .venv, with the wheel and
# the test dependencies only (not maturin).
base_python=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
"$base_python" -m venv "$work/venv"
grep -v '^maturin' py/requirements-test.txt > "$work/requirements.txt"
"$work/venv/bin/pip" install -q --disable-pip-version-check "$wheel" -r "$work/requirements.txt"

cd "$work"
CGAWS_REQUIRE_INSTALLED=1 CGAWS_REPO_ROOT="$root" CGAWS_EMULATOR_PYTHON="$root/.venv/bin/python" \
  "$work/venv/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$root/py/tests" "$root/py/tests" "$@"
