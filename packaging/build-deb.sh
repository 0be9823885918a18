#!/usr/bin/env bash
# Builds the Debian package with cargo-deb: the release binary with the linuxkms backend,
# the systemd units, the first-boot key maker, the example configuration.
#   packaging/build-deb.sh                                  # this machine's architecture
#   packaging/build-deb.sh --target aarch64-unknown-linux-gnu   # arm64 (after cross-aarch64.sh's set-up)
# Prints the path of the .deb, then its control fields and contents (dpkg-deb).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-system-packages.sh packaging >&2
if ! cargo deb --version >/dev/null 2>&1; then
  cargo install cargo-deb --locked >&2
fi

target_args=()
if [ "${1:-}" = "--target" ] && [ -n "${2:-}" ]; then
  target_args=(--target "$2")
  # shellcheck source=packaging/cross-env.sh
  source packaging/cross-env.sh "$2"
fi

deb=$(cargo deb --locked "${target_args[@]}" | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb did not report a package file: $deb" >&2; exit 1; }
echo "$deb"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"
