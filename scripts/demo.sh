#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running kiosk in demo mode:
# installs system packages and Rust if missing, builds the release binary, starts it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-system-packages.sh

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

cargo build --release --locked
data_dir="${CHECKIN_KIOSK_DATA_DIR:-$PWD/.demo-data}"
echo "Starting the kiosk in demo mode (data in $data_dir). Close the window to stop."
exec target/release/checkin-kiosk --data-dir "$data_dir" run "$@"
