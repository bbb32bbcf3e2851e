#!/usr/bin/env bash
# Installs everything the suites need, idempotently: each part of the tree keeps
# its own step in scripts/setup/NN-name.sh, run here in name order.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/setup/*.sh; do
  bash "$step"
done
