#!/usr/bin/env bash
# Emulator suite: the emulators' own tests, which start and stop the emulators
# themselves. skopeo (Debian package) is required here, not skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=tests CGAWS_REQUIRE_SKOPEO=1
exec .venv/bin/pytest tests/emulators -q -p no:cacheprovider "$@"
