#!/usr/bin/env bash
# Installs the Debian 12 packages the kiosk needs to build, run and be tested.
# Used by scripts/demo.sh (the README's first command) and by .ci/run.
# Extra groups, for IT and releases (packaging/README.md):
#   packaging   the linuxkms backend's libraries, dpkg-dev, debootstrap (packaging/*.sh)
#   cross       the aarch64 cross compiler, arm64 libraries and qemu-user
#   bench       Chromium and xdotool (scripts/bench.sh)
set -euo pipefail

groups=("$@")
wants() { local g; for g in "${groups[@]}"; do [ "$g" = "$1" ] && return 0; done; return 1; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if wants cross && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "system packages: adding the arm64 architecture"
  $sudo dpkg --add-architecture arm64
fi

packages=(
  # build: Slint's font stack links fontconfig; rusqlite builds SQLCipher with the C
  # compiler and links OpenSSL's libcrypto (libssl-dev)
  build-essential pkg-config libfontconfig-dev libssl-dev
  # run: fonts and the X11/Wayland client libraries winit loads at run time
  fontconfig fonts-dejavu-core
  libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon0 libxkbcommon-x11-0
  libwayland-client0 libwayland-cursor0
  # Read aloud: the local text-to-speech engine (every shipped language has a voice)
  espeak-ng
  # tests and screenshots of a real window
  xvfb xauth
  ca-certificates curl git
)
# Slint's linuxkms backend (DRM/KMS + libinput through libseat), for the packaged build.
linuxkms=(libudev-dev libinput-dev libgbm-dev libxkbcommon-dev libdrm-dev libseat-dev)
if wants packaging || wants cross; then
  packages+=("${linuxkms[@]}" dpkg-dev debootstrap systemd)
fi
if wants bench; then
  packages+=(chromium xdotool)
fi
if wants cross; then
  packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
    libfontconfig-dev:arm64 libssl-dev:arm64)
  for p in "${linuxkms[@]}"; do packages+=("$p:arm64"); done
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
else
  echo "system packages: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js >= 20.19 for the FHIR test peer (tests/fhir-server, Medplum's router). Debian 12
# ships Node 18: then npm installs Node 22 from the npm registry as /usr/local/bin/node.
node_major() { node -e 'const [a, b] = process.versions.node.split(".").map(Number); console.log(a * 100 + b)' 2>/dev/null || echo 0; }
if ! command -v npm >/dev/null 2>&1; then
  echo "system packages: installing nodejs npm"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ "$(node_major)" -lt 2019 ]; then
  echo "node $(node --version 2>/dev/null || echo none) is too old for the FHIR test peer: installing Node 22 from npm"
  $sudo npm install -g --no-audit --no-fund node@22
  hash -r
fi
echo "node: $(node --version)"
