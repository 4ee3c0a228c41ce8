#!/usr/bin/env bash
# Agent footprint beside node_exporter, same machine, same run.
#
# Usage: tests/bench/footprint.sh BUILD_DIR [DURATION_S=600] [IDLE_S=60]
#
# Work phase (DURATION_S): vigied + vigie-agent (interval 1s) reporting to it,
# and prometheus-node-exporter scraped by curl every second. Idle phase
# (IDLE_S): the agent restarted at its default 15s interval, node_exporter not
# scraped. Prints a markdown table. Only loopback addresses are used.
set -euo pipefail

BUILD_DIR=${1:?usage: footprint.sh BUILD_DIR [DURATION_S] [IDLE_S]}
DURATION=${2:-600}
IDLE=${3:-60}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

[[ -x $NODE_EXPORTER ]] || die "missing executable: $NODE_EXPORTER"

bench_tmpdir footprint
VIGIED=$(snapshot_bin "$BUILD_DIR/daemon/vigied" bench-daemon)
AGENT=$(snapshot_bin "$BUILD_DIR/agent/vigie-agent" bench-agent)
GRPC_PORT=$(free_port)
HTTP_PORT=$(free_port)
NE_PORT=$(free_port)
start_vigied "$VIGIED" "$GRPC_PORT" "$HTTP_PORT"

# AGENT_DISABLE="processes,..." turns agent collectors off (e.g. to match node_exporter's
# defaults, which leave its processes collector off).
write_agent_config() {  # FILE INTERVAL
  cat >"$1" <<CFG
server: 127.0.0.1:$GRPC_PORT
interval: $2
host:
  name: footprint-agent
collectors:
  disabled: [${AGENT_DISABLE:-}]
log:
  level: warn
CFG
}
write_agent_config "$TMP/agent-1s.yaml" 1s
write_agent_config "$TMP/agent-15s.yaml" 15s

AGENT_SAMPLES=$("$AGENT" --config "$TMP/agent-1s.yaml" once | wc -l)

"$AGENT" --config "$TMP/agent-1s.yaml" >"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
track_pid "$AGENT_PID"
"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_PORT" >"$TMP/node_exporter.log" 2>&1 &
NE_PID=$!
track_pid "$NE_PID"
wait_http "http://127.0.0.1:$NE_PORT/" 10 || die "node_exporter did not start"
sleep 2
AGENT_RSS_START=$(rss_kib "$AGENT_PID")
AGENT_THREADS_START=$(threads "$AGENT_PID")
NE_RSS_IDLE=$(rss_kib "$NE_PID")
NE_THREADS_START=$(threads "$NE_PID")
NE_SAMPLES=$(curl -s --max-time 5 "http://127.0.0.1:$NE_PORT/metrics" | grep -vc '^#')

LOAD_START=$(loadavg)
A_CPU0=$(cpu_seconds "$AGENT_PID")
N_CPU0=$(cpu_seconds "$NE_PID")
B0=$(vigied_metric "$HTTP_PORT" 'vigie_ingest_batches_total{outcome="applied"}')
T0=$(now_s)
SCRAPES=0
END=$((SECONDS + DURATION))
while ((SECONDS < END)); do
  if curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$NE_PORT/metrics"; then
    SCRAPES=$((SCRAPES + 1))
  fi
  sleep 1
done
T1=$(now_s)
A_CPU1=$(cpu_seconds "$AGENT_PID")
N_CPU1=$(cpu_seconds "$NE_PID")
B1=$(vigied_metric "$HTTP_PORT" 'vigie_ingest_batches_total{outcome="applied"}')
AGENT_RSS_END=$(rss_kib "$AGENT_PID")
AGENT_THREADS_END=$(threads "$AGENT_PID")
NE_RSS_END=$(rss_kib "$NE_PID")
NE_THREADS_END=$(threads "$NE_PID")
LOAD_WORK=$(loadavg)
kill -0 "$VIGIED_PID" 2>/dev/null || die "vigied died during the run (see $TMP/vigied.log)"
ROUNDS=$(calc "$B1 - $B0")

# Idle phase: agent at its default interval (15s), node_exporter not scraped.
stop_pid "$AGENT_PID"
"$AGENT" --config "$TMP/agent-15s.yaml" >"$TMP/agent-idle.log" 2>&1 &
AGENT_PID=$!
track_pid "$AGENT_PID"
sleep 5
A_IDLE0=$(cpu_seconds "$AGENT_PID")
N_IDLE0=$(cpu_seconds "$NE_PID")
sleep "$IDLE"
A_IDLE1=$(cpu_seconds "$AGENT_PID")
N_IDLE1=$(cpu_seconds "$NE_PID")
LOAD_IDLE=$(loadavg)

mib() { calc "$1 / 1024" 1; }
A_CPU=$(calc "$A_CPU1 - $A_CPU0" 2)
N_CPU=$(calc "$N_CPU1 - $N_CPU0" 2)
A_PER_ROUND=$(calc "($A_CPU1 - $A_CPU0) * 1000 / $ROUNDS" 3)
N_PER_SCRAPE=$(calc "($N_CPU1 - $N_CPU0) * 1000 / $SCRAPES" 3)
A_IDLE=$(calc "($A_IDLE1 - $A_IDLE0) * 1000 * 60 / $IDLE" 1)
N_IDLE=$(calc "($N_IDLE1 - $N_IDLE0) * 1000 * 60 / $IDLE" 1)
RATIO=$(calc "($A_CPU1 - $A_CPU0) / $ROUNDS / (($N_CPU1 - $N_CPU0) / $SCRAPES)" 3)

cat <<REPORT

## Agent footprint vs node_exporter ($(nproc) cores, $(cpu_model))

Work phase: $(calc "$T1 - $T0" 0) s; agent interval 1 s${AGENT_DISABLE:+ (collectors off: $AGENT_DISABLE)} (rounds applied by vigied: $ROUNDS),
node_exporter scraped every 1 s ($SCRAPES scrapes). Idle phase: $IDLE s, agent interval 15 s,
node_exporter not scraped.
Load average: start $LOAD_START | end of work $LOAD_WORK | end of idle $LOAD_IDLE

| figure | vigie-agent | node_exporter |
|---|---|---|
| samples per round / scrape | $AGENT_SAMPLES | $NE_SAMPLES |
| threads after start | $AGENT_THREADS_START | $NE_THREADS_START |
| threads after work | $AGENT_THREADS_END | $NE_THREADS_END |
| RSS after start (MiB) | $(mib "$AGENT_RSS_START") | $(mib "$NE_RSS_IDLE") |
| RSS after ${DURATION} s of work (MiB) | $(mib "$AGENT_RSS_END") | $(mib "$NE_RSS_END") |
| CPU during work (s) | $A_CPU | $N_CPU |
| CPU per round / per scrape (ms) | $A_PER_ROUND | $N_PER_SCRAPE |
| CPU per sample (us) | $(calc "$A_PER_ROUND * 1000 / $AGENT_SAMPLES" 1) | $(calc "$N_PER_SCRAPE * 1000 / $NE_SAMPLES" 1) |
| idle CPU (ms per minute; 10 ms resolution) | $A_IDLE | $N_IDLE |

Agent CPU per round / node_exporter CPU per scrape: $RATIO (target <= 0.2).
Agent RSS after work / node_exporter RSS after work: $(calc "$AGENT_RSS_END / $NE_RSS_END" 3) (target < 1).
REPORT
