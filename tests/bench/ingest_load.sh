#!/usr/bin/env bash
# Sustained ingest: vigied fed by load_agents over real gRPC, then (same run)
# the peer, Prometheus, scraping as many targets as there are agents.
#
# Usage: tests/bench/ingest_load.sh BUILD_DIR [AGENTS=1000] [SAMPLES=500] [INTERVAL_S=5] [DURATION_S=120]
#   PEER=0 skips Prometheus.
#
# Figures are taken between the end of the warm-up (two intervals) and the end
# of the run, from the servers' own counters and /proc. Only loopback is used;
# every process is bounded in time and killed on exit.
# V_RATE, V_CORES, ... are set through printf -v (figures()).
# shellcheck disable=SC2153
set -euo pipefail

BUILD_DIR=${1:?usage: ingest_load.sh BUILD_DIR [AGENTS] [SAMPLES] [INTERVAL_S] [DURATION_S]}
AGENTS=${2:-1000}
SAMPLES=${3:-500}
INTERVAL=${4:-5}
DURATION=${5:-120}
PEER=${PEER:-1}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

WARMUP=$((2 * INTERVAL))
((DURATION >= WARMUP + INTERVAL + 5)) || die "duration must be at least three intervals + 5 s"
OFFERED=$(calc "$AGENTS * $SAMPLES / $INTERVAL")

bench_tmpdir ingest-load
VIGIED=$(snapshot_bin "$BUILD_DIR/daemon/vigied" bench-daemon)
LOAD=$(snapshot_bin "$BUILD_DIR/tests/bench/load_agents" load_agents)
kib_to_mib() { calc "$1 / 1024" 1; }

# ---- vigied --------------------------------------------------------------
GRPC_PORT=$(free_port)
HTTP_PORT=$(free_port)
start_vigied "$VIGIED" "$GRPC_PORT" "$HTTP_PORT"
sleep 1
V_RSS0=$(rss_kib "$VIGIED_PID")
V_CPU_START=$(cpu_seconds "$VIGIED_PID")
LOAD_BEFORE=$(loadavg)

"$LOAD" --server "127.0.0.1:$GRPC_PORT" --agents "$AGENTS" --samples "$SAMPLES" \
  --interval "${INTERVAL}s" --duration "${DURATION}s" --warmup "${WARMUP}s" \
  >"$TMP/load.out" 2>"$TMP/load.err" &
LOAD_PID=$!
track_pid "$LOAD_PID"
# load_agents announces itself once every Hello is done and the streams are open.
load_started() {
  kill -0 "$LOAD_PID" 2>/dev/null || die "load_agents exited: $(cat "$TMP/load.err")"
  grep -qs 'load_agents:' "$TMP/load.err"
}
wait_until 120 load_started || die "load_agents did not start: $(cat "$TMP/load.err")"
sleep "$(calc "$WARMUP + 0.5" 1)"
L_CPU1=$(cpu_seconds "$LOAD_PID")
V_CPU1=$(cpu_seconds "$VIGIED_PID")
T1=$(now_s)
S1=$(vigied_metric "$HTTP_PORT" vigie_ingest_samples_total)
# End the window 3 s before load_agents stops (reading /metrics can take a while under load).
sleep $((DURATION - WARMUP - 3))
L_CPU2=$(cpu_seconds "$LOAD_PID")
V_CPU2=$(cpu_seconds "$VIGIED_PID")
T2=$(now_s)
S2=$(vigied_metric "$HTTP_PORT" vigie_ingest_samples_total)
V_RSS_LOAD=$(rss_kib "$VIGIED_PID")
V_THREADS=$(threads "$VIGIED_PID")
V_SERIES=$(vigied_metric_sum "$HTTP_PORT" vigie_host_series)
LOAD_DURING=$(loadavg)
kill -0 "$VIGIED_PID" 2>/dev/null || die "vigied died during the run (see $TMP/vigied.log)"
wait "$LOAD_PID" || echo "warning: load_agents exited with $?" >&2
sleep 2
V_RSS_AFTER=$(rss_kib "$VIGIED_PID")
V_CPU_END=$(cpu_seconds "$VIGIED_PID")
S_END=$(vigied_metric "$HTTP_PORT" vigie_ingest_samples_total)
DROPPED=$(vigied_metric_sum "$HTTP_PORT" vigie_ingest_samples_dropped_total)
REJECTED=$(vigied_metric_sum "$HTTP_PORT" vigie_ingest_batches_rejected_total)
LAT_SUM=$(vigied_metric "$HTTP_PORT" vigie_ingest_latency_seconds_sum)
LAT_COUNT=$(vigied_metric "$HTTP_PORT" vigie_ingest_latency_seconds_count)
COMMITS=$(vigied_metric "$HTTP_PORT" 'vigie_store_commits_total{outcome="ok"}')
stop_pid "$VIGIED_PID"

kv() { awk -F= -v k="$1" '$1 == k {print $2}' "$TMP/load.out"; }
# figures PREFIX SAMPLES1 SAMPLES2 T1 T2 CPU1 CPU2 CPU_START SAMPLES_END RSS0 RSS SERIES:
# sets PREFIX_RATE, _CPU_PER_M (steady), _CPU_PER_M_ALL (whole run), _CORES, _PER_SERIES.
figures() {
  printf -v "$1_RATE" '%s' "$(calc "($3 - $2) / ($5 - $4)")"
  printf -v "$1_CPU_PER_M" '%s' "$(calc "($7 - $6) / (($3 - $2) / 1000000)" 3)"
  printf -v "$1_CPU_PER_M_ALL" '%s' "$(calc "($7 - $8) / ($9 / 1000000)" 3)"
  printf -v "$1_CORES" '%s' "$(calc "($7 - $6) / ($5 - $4)" 2)"
  printf -v "$1_PER_SERIES" '%s' "$(calc "(${11} - ${10}) * 1024 / ${12}")"
}
figures V "$S1" "$S2" "$T1" "$T2" "$V_CPU1" "$V_CPU2" "$V_CPU_START" "$S_END" \
  "$V_RSS0" "$V_RSS_LOAD" "$V_SERIES"
# whole run: include the samples and CPU after the steady window
V_CPU_PER_M_ALL=$(calc "($V_CPU_END - $V_CPU_START) / ($S_END / 1000000)" 3)
L_CORES=$(calc "($L_CPU2 - $L_CPU1) / ($T2 - $T1)" 2)
V_PER_SERIES_AFTER=$(calc "($V_RSS_AFTER - $V_RSS0) * 1024 / $V_SERIES")

# ---- Prometheus (peer) ---------------------------------------------------
P_ROW_RATE="not run"
if [[ $PEER == 1 && -x $PROMETHEUS && -x $NODE_EXPORTER ]]; then
  NE_PORT=$(free_port)
  "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_PORT" >"$TMP/ne.log" 2>&1 &
  NE_PID=$!
  track_pid "$NE_PID"
  wait_http "http://127.0.0.1:$NE_PORT/metrics" 10 || die "node_exporter did not start"
  SNAPS=()
  for i in 1 2 3 4 5 6; do
    curl -s --max-time 10 "http://127.0.0.1:$NE_PORT/metrics" >"$TMP/snap$i.txt"
    SNAPS+=("$TMP/snap$i.txt")
    sleep 1
  done
  NE_SAMPLES=$(grep -vc '^#' "$TMP/snap1.txt")
  stop_pid "$NE_PID"
  TARGET_PORT=$(free_port)
  python3 "$HERE/metrics_snapshot_server.py" "$TARGET_PORT" "${SNAPS[@]}" &
  SRV_PID=$!
  track_pid "$SRV_PID"
  wait_http "http://127.0.0.1:$TARGET_PORT/metrics" 10 || die "snapshot server did not start"

  PROM_PORT=$(free_port)
  {
    echo "global:"
    echo "  scrape_interval: ${INTERVAL}s"
    echo "  scrape_timeout: ${INTERVAL}s"
    echo "scrape_configs:"
    echo "  - job_name: node"
    echo "    static_configs:"
    for ((i = 0; i < AGENTS; i++)); do
      echo "      - targets: ['127.0.0.1:$TARGET_PORT']"
      echo "        labels: {replica: '$i'}"
    done
  } >"$TMP/prometheus.yml"
  "$PROMETHEUS" --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
  PROM_PID=$!
  track_pid "$PROM_PID"
  wait_http "http://127.0.0.1:$PROM_PORT/-/ready" 30 || die "prometheus did not start"
  P_RSS0=$(rss_kib "$PROM_PID")
  P_CPU_START=$(cpu_seconds "$PROM_PID")
  prom_metric() { vigied_metric_sum "$PROM_PORT" "$1"; }
  # Prometheus applies new targets on a 5 s tick: the warm-up starts at the first series.
  prom_scraping() { (($(prom_metric prometheus_tsdb_head_series) > 0)); }
  wait_until 30 prom_scraping || die "prometheus did not scrape within 30 s"
  sleep "$(calc "$WARMUP + 0.5" 1)"
  P_CPU1=$(cpu_seconds "$PROM_PID")
  SRV_CPU1=$(cpu_seconds "$SRV_PID")
  PT1=$(now_s)
  PS1=$(prom_metric prometheus_tsdb_head_samples_appended_total)
  sleep $((DURATION - WARMUP - 3))
  P_CPU2=$(cpu_seconds "$PROM_PID")
  SRV_CPU2=$(cpu_seconds "$SRV_PID")
  PT2=$(now_s)
  PS2=$(prom_metric prometheus_tsdb_head_samples_appended_total)
  P_RSS=$(rss_kib "$PROM_PID")
  P_SERIES=$(prom_metric prometheus_tsdb_head_series)
  P_TARGETS=$(curl -s --max-time 10 "http://127.0.0.1:$PROM_PORT/api/v1/query?query=count(up)" |
    sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p')
  P_UP=$(curl -s --max-time 10 "http://127.0.0.1:$PROM_PORT/api/v1/query?query=sum(up)" |
    sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p')
  LOAD_PEER=$(loadavg)
  stop_pid "$PROM_PID"
  stop_pid "$SRV_PID"
  figures P "$PS1" "$PS2" "$PT1" "$PT2" "$P_CPU1" "$P_CPU2" "$P_CPU_START" "$PS2" \
    "$P_RSS0" "$P_RSS" "$P_SERIES"
  SRV_CORES=$(calc "($SRV_CPU2 - $SRV_CPU1) / ($PT2 - $PT1)" 2)
  P_ROW_RATE=$P_RATE
fi

cat <<REPORT

## Ingest under load ($(nproc) cores, $(cpu_model))

vigied: $AGENTS simulated agents (load_agents, one TCP connection each) x $SAMPLES samples
every ${INTERVAL} s = $OFFERED samples/s offered, ${DURATION} s, measured after a ${WARMUP} s warm-up.
Load average: before $LOAD_BEFORE | end of vigied run $LOAD_DURING${LOAD_PEER:+ | end of Prometheus run $LOAD_PEER}

| figure | vigied | Prometheus 2.42 |
|---|---|---|
| samples/s sustained | $V_RATE | $P_ROW_RATE |
| CPU-s per million samples (steady) | $V_CPU_PER_M | ${P_CPU_PER_M:-} |
| CPU-s per million samples (whole run, incl. series creation) | $V_CPU_PER_M_ALL | ${P_CPU_PER_M_ALL:-} |
| cores used (steady) | $V_CORES | ${P_CORES:-} |
| series | $V_SERIES | ${P_SERIES:-} |
| RSS before load (MiB) | $(kib_to_mib "$V_RSS0") | ${P_RSS0:+$(kib_to_mib "$P_RSS0")} (at ready) |
| RSS at end of load (MiB) | $(kib_to_mib "$V_RSS_LOAD") | ${P_RSS:+$(kib_to_mib "$P_RSS")} |
| RSS per series (bytes, end - before) | $V_PER_SERIES | ${P_PER_SERIES:-} |

vigied: threads $V_THREADS; RSS 2 s after the agents left $(kib_to_mib "$V_RSS_AFTER") MiB
($V_PER_SERIES_AFTER B/series); samples dropped $DROPPED, batches rejected $REJECTED; store commits $COMMITS;
mean server-side ingest latency $(calc "$LAT_SUM * 1000 / ($LAT_COUNT + 1e-9)" 2) ms over $LAT_COUNT batches.
load_agents (client): $(kv batches_per_s) batches/s, $(kv acks_per_s) acks/s, $(kv samples_per_s) samples/s acked,
ack latency p50 $(kv p50_ms) ms, p99 $(kv p99_ms) ms, max $(kv max_ms) ms; sent $(kv sent), acked $(kv acked),
skipped $(kv skipped), failed streams $(kv failed_streams); its own CPU $L_CORES cores (steady).
REPORT
if [[ -n ${P_RATE:-} ]]; then
  cat <<REPORT
Prometheus: $AGENTS targets (count(up) = ${P_TARGETS:-?}, sum(up) = ${P_UP:-?}) serving node_exporter
pages ($NE_SAMPLES samples each) replayed by metrics_snapshot_server.py (its CPU: $SRV_CORES cores),
scrape_interval ${INTERVAL}s.
REPORT
fi
cat <<REPORT

Targets: >= 100000 samples/s; CPU per million <= half of Prometheus'; RSS per series <= Prometheus'.
REPORT
