#!/usr/bin/env bash
# Runs every benchmark in sequence (`./dev bench` calls this). See README.md.
#
# Usage: tests/bench/run_all.sh BUILD_DIR
#   FOOTPRINT_S (600), IDLE_S (60), LOAD_S (120), AGENTS (1000), SAMPLES (500), INTERVAL_S (5),
#   PEER (1)
#   override the defaults. Results are printed and kept in $BENCH_OUT (default
#   BUILD_DIR/bench-results).
set -euo pipefail

BUILD_DIR=${1:?usage: run_all.sh BUILD_DIR}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_OUT:-$BUILD_DIR/bench-results}
mkdir -p "$OUT"

machine() {
  echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
}

step() {
  echo
  echo "==> $1"
  machine
}

step "series ring (memory per series, append, scan)"
"$BUILD_DIR/tests/bench/series_ring_bench" --benchmark_min_time=0.2 | tee "$OUT/series_ring.txt"

step "ingest path (decode + validate + apply)"
"$BUILD_DIR/tests/bench/ingest_bench" --benchmark_min_time=1 | tee "$OUT/ingest_bench.txt"

step "agent footprint vs node_exporter (${FOOTPRINT_S:-600} s + ${IDLE_S:-60} s idle)"
"$HERE/footprint.sh" "$BUILD_DIR" "${FOOTPRINT_S:-600}" "${IDLE_S:-60}" | tee "$OUT/footprint.md"

step "ingest under load vs Prometheus (${LOAD_S:-120} s each)"
"$HERE/ingest_load.sh" "$BUILD_DIR" "${AGENTS:-1000}" "${SAMPLES:-500}" "${INTERVAL_S:-5}" \
  "${LOAD_S:-120}" | tee "$OUT/ingest_load.md"

echo
echo "results in $OUT"
