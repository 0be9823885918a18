#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every unit and integration test.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
# The loopback FHIR server the sync tests start (exact versions from package-lock.json).
if [ ! -d tests/fhir-server/node_modules/@medplum/fhir-router ]; then
  (cd tests/fhir-server && npm ci --no-audit --no-fund)
fi
# nextest runs each test in its own process: Slint's platform is per process.
cargo nextest run --locked --no-fail-fast
