#!/usr/bin/env bash
# The aarch64 (Raspberry Pi 4/5, arm64 boards) build from an x86-64 Debian 12:
#   1. installs Debian's aarch64 cross gcc, the arm64 -dev libraries and qemu-user
#      (scripts/install-system-packages.sh cross) and the Rust target (rustup);
#   2. builds the release binary with the linuxkms backend for aarch64-unknown-linux-gnu;
#   3. runs it under qemu-aarch64: --version, hash-pin, doctor, and a render of the
#      welcome screen to PNG (the software renderer, no display needed).
# Slow (about 25 minutes on 2 cores from nothing); not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-unknown-linux-gnu

scripts/install-system-packages.sh cross
rustup target add "$target"
source packaging/cross-env.sh "$target"

start=$(date +%s)
cargo build --release --locked --features linuxkms --target "$target"
echo "cross build: $(( $(date +%s) - start )) s"

bin=target/$target/release/checkin-kiosk
file "$bin" 2>/dev/null || true
echo "size: $(stat -c %s "$bin") bytes"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { echo "+ qemu-aarch64 checkin-kiosk $*"; qemu-aarch64 "$bin" "$@"; }
run --version
echo 2468 | run hash-pin | cut -c1-30
printf 'data_dir = "%s/data"\n' "$work" > "$work/kiosk.toml"
# The doctor finds no display here (and says so): its exit status is not the point.
run --config "$work/kiosk.toml" doctor || true
run --config "$work/kiosk.toml" render --screen welcome --lang en,es --size 800x480 --out-dir "$work/png"
ls -l "$work/png"
cp "$work/png/welcome-es-800x480.png" target/aarch64-welcome-es-800x480.png
echo "aarch64: ok (a render is in target/aarch64-welcome-es-800x480.png)"
