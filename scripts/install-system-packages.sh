#!/usr/bin/env bash
# Installs the Debian 12 packages the kiosk needs to build, run and be tested.
# Used by scripts/demo.sh (the README's first command) and by .ci/run.
set -euo pipefail

packages=(
  # build: Slint's font stack links fontconfig; rusqlite builds SQLCipher with the C
  # compiler and links OpenSSL's libcrypto (libssl-dev)
  build-essential pkg-config libfontconfig-dev libssl-dev
  # run: fonts and the X11/Wayland client libraries winit loads at run time
  fontconfig fonts-dejavu-core
  libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon0 libxkbcommon-x11-0
  libwayland-client0 libwayland-cursor0
  # tests and screenshots of a real window
  xvfb xauth
  ca-certificates curl git
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
