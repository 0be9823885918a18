#!/usr/bin/env bash
# Every benchmark, then one table: the kiosk against a Chromium web kiosk measured in the
# same run (start, memory, idle CPU), and our own budgets (docs/benchmarks.md).
# Slow (about 20 minutes) and not part of the test command. BENCH_QUICK=1: a short smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-system-packages.sh bench
if [ ! -d tests/fhir-server/node_modules/@medplum/fhir-router ]; then
  (cd tests/fhir-server && npm ci --no-audit --no-fund)
fi

out=target/bench
mkdir -p "$out"
results=$PWD/$out/results.jsonl
rm -f "$results"
export BENCH_RESULTS=$results
runs=5 idle=60
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  runs=1 idle=5
  export BENCH_SYNC_CHECK_INS=500 BENCH_MEMORY_CHECK_INS=300
fi

cargo build --release --locked
size=$(stat -c %s target/release/checkin-kiosk)
echo "{\"name\": \"binary_size\", \"bytes\": $size, \"mb\": $(python3 -c "print($size / 1e6)")}" >>"$results"

cargo bench --locked --bench core -- --noplot
cargo bench --locked --bench memory
cargo bench --locked --bench sync_drain
python3 benches/ui/measure.py --kiosk target/release/checkin-kiosk --runs "$runs" --idle "$idle" \
  --results "$results"

{
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(uname -r); $(rustc --version); $(chromium --version 2>/dev/null | head -n1)"
  echo
  python3 benches/table.py "$results"
} | tee "$out/table.md"
