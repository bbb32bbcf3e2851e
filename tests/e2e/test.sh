#!/usr/bin/env bash
# End-to-end suite: builds the cgaws binary, then runs pytest against the local
# emulators (tests/emulators), which the tests start and stop themselves.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -p cgaws --locked
export PYTHONPATH=tests
# The skopeo tests skip in a bare pytest run without skopeo; the suite requires it.
export CGAWS_REQUIRE_SKOPEO=1
exec .venv/bin/pytest tests/e2e -q -p no:cacheprovider "$@"
