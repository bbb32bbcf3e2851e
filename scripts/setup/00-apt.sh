#!/usr/bin/env bash
# Debian packages the suites use. Each part of the tree lists its packages in
# scripts/setup/apt-packages.txt; only missing ones are installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t wanted < <(grep -v '^\s*#' scripts/setup/apt-packages.txt | awk 'NF{print $1}')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
