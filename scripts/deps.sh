#!/usr/bin/env bash
# Installs the Debian packages hnn builds with (idempotent: apt-get runs only when one is missing).
set -euo pipefail
packages=(build-essential cmake pkg-config git libgmp-dev libboost-dev libsodium-dev
          libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libutf8proc-dev nlohmann-json3-dev
          libcli11-dev python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[deps] installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
