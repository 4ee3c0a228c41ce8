#!/usr/bin/env bash
# Alert latency: from the sample that crosses a threshold reaching the monitoring system to
# the webhook receiving the firing notification, rule `latency_probe > 0` with `for: 0s` and
# group_wait 0s, over TRIALS trials; median and max. Parts, in the same run:
#   peer   Prometheus (scrape 1 s, evaluation 1 s) + Alertmanager (group_wait 0s,
#          group_interval 1s, repeat_interval 1h), the fastest settings they allow;
#   vigie  vigied, rule `for: 0s`, the same route (group_wait 0s) to the same webhook,
#          fed by probe_agent (one batch per flip; see measure_vigie).
#
# Usage: tests/bench/alert_latency.sh BUILD_DIR [TRIALS=20]
#   PEER=0 skips Prometheus + Alertmanager; VIGIE=0 skips vigie.
#
# The sample: alert_latency_server.py `probe` serves `latency_probe{trial="N"} V`, N and V
# read from a file this script writes (the flip). A trial: serve N 0 for 2 s, flip to N 1,
# wait (<= 30 s) for the webhook to log "firing N", flip back to N 0, wait (<= 10 s) for
# "resolved N". A new trial label each time makes a new alert (and a new Alertmanager group,
# grouped by alertname + trial), so no grouping or repeat interval holds a notification back.
# Times: the flip (bash $EPOCHREALTIME after the write), the first scrape served with V = 1
# (the probe's time.time() when it answered), the webhook's arrival (time.time()), all on
# this machine's clock (for vigie, the sample's time is probe_agent's send of the batch
# carrying the 1; see measure_vigie). Latency = webhook - first scrape with 1 (the sample reaching
# Prometheus); "from flip" adds the wait for that scrape (0-1 s at a 1 s scrape interval).
# Only loopback is used; every wait is bounded; what is started is killed on exit.
set -euo pipefail

BUILD_DIR=${1:?usage: alert_latency.sh BUILD_DIR [TRIALS]}
TRIALS=${2:-20}
PEER=${PEER:-1}
VIGIE=${VIGIE:-1}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
ALERTMANAGER=${ALERTMANAGER:-/usr/bin/prometheus-alertmanager}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$HERE/lib.sh"

((TRIALS >= 1)) || die "TRIALS must be at least 1"
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 (\$EPOCHREALTIME)"
bench_tmpdir alert-latency
LOAD_START=$(loadavg)

# ---- the two HTTP ends (shared by every part) ----------------------------
STATE_FILE=$TMP/probe.state
SCRAPE_LOG=$TMP/probe-scrapes.log
HOOK_LOG=$TMP/webhook.log
touch "$SCRAPE_LOG" "$HOOK_LOG"
PROBE_PORT=$(free_port)
HOOK_PORT=$(free_port)

# flip TRIAL VALUE: what the probe serves from now on, to the scrape job of slot $SLOT
# (or to any request); sets FLIP_T (epoch seconds).
SLOT=-
flip() {
  printf '%s %s %s\n' "$1" "$SLOT" "$2" >"$STATE_FILE"
  FLIP_T=$EPOCHREALTIME
}
flip init 0
python3 "$HERE/alert_latency_server.py" probe "$PROBE_PORT" "$STATE_FILE" "$SCRAPE_LOG" \
  >"$TMP/probe.out" 2>&1 &
track_pid $!
python3 "$HERE/alert_latency_server.py" webhook "$HOOK_PORT" "$HOOK_LOG" \
  >"$TMP/webhook.out" 2>&1 &
track_pid $!
wait_http "http://127.0.0.1:$PROBE_PORT/metrics" 10 || die "probe server did not start"
wait_until 10 curl -s -o /dev/null --max-time 2 -X POST -d '{}' "http://127.0.0.1:$HOOK_PORT/" ||
  die "webhook receiver did not start"

hook_time() { awk -v s="$1" -v t="$2" '$2 == s && $3 == t {print $1; exit}' "$HOOK_LOG"; }
hook_seen() { [[ -n $(hook_time "$1" "$2") ]]; }
scrape_time() { awk -v t="$1" '$1 == t {print $2; exit}' "$SCRAPE_LOG"; }

# run_trials PART [PREPARE]: TRIALS trials with labels PART-1..PART-N, calling PREPARE N
# (if given) before each; one line per trial in $TMP/PART.trials:
# "trial latency_from_sample_s latency_from_flip_s" ("timeout" if none).
run_trials() {
  local part=$1 prepare=${2:-} n trial t_flip t_scrape t_hook
  : >"$TMP/$part.trials"
  for ((n = 1; n <= TRIALS; n++)); do
    trial=$part-$n
    [[ -z $prepare ]] || "$prepare" "$n"
    flip "$trial" 0
    sleep 2
    flip "$trial" 1
    t_flip=$FLIP_T
    if wait_until 30 hook_seen firing "$trial"; then
      t_hook=$(hook_time firing "$trial")
      t_scrape=$(scrape_time "$trial")
      [[ -n $t_scrape ]] || t_scrape=$t_flip # the sample's arrival is not observable
      printf '%s %s %s\n' "$trial" "$(calc "$t_hook - $t_scrape" 3)" \
        "$(calc "$t_hook - $t_flip" 3)" | tee -a "$TMP/$part.trials" >&2
    else
      echo "$trial timeout timeout" | tee -a "$TMP/$part.trials" >&2
    fi
    flip "$trial" 0
    wait_until 10 hook_seen resolved "$trial" || echo "$trial: no resolved notification in 10 s" >&2
  done
}

# stats PART COLUMN: "median max timeouts" of a column of $TMP/PART.trials (seconds).
stats() {
  awk -v c="$2" '$c == "timeout" {to++; next} {print $c}' "$TMP/$1.trials" | sort -g |
    awk -v to="$(awk '$2 == "timeout"' "$TMP/$1.trials" | wc -l)" '
      {v[NR] = $1}
      END {
        if (NR == 0) {print "- - " to; exit}
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f %d\n", med, v[NR], to
      }'
}

# ---- peer: Prometheus + Alertmanager --------------------------------------
measure_peer() {
  [[ -x $PROMETHEUS && -x $ALERTMANAGER ]] || {
    echo "peer: $PROMETHEUS or $ALERTMANAGER missing, skipped" >&2
    return 1
  }
  local am_port prom_port
  am_port=$(free_port)
  prom_port=$(free_port)
  cat >"$TMP/alertmanager.yml" <<CFG
route:
  receiver: hook
  group_by: [alertname, trial]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$HOOK_PORT/
        send_resolved: true
CFG
  cat >"$TMP/rules.yml" <<CFG
groups:
  - name: latency
    rules:
      - alert: LatencyProbe
        expr: latency_probe > 0
        for: 0s
CFG
  # A scrape loop's phase comes from a hash of its target, the rule group's from its name:
  # with one scrape job every trial would measure the same scrape-to-evaluation offset.
  # So there is one job per trial (probe-N, `?slot=N`), each at its own phase, and trial N
  # flips the value served to job probe-N only.
  {
    cat <<CFG
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [$TMP/rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$am_port']
scrape_configs:
CFG
    for ((n = 1; n <= TRIALS; n++)); do
      cat <<CFG
  - job_name: probe-$n
    params: {slot: ['$n']}
    static_configs:
      - targets: ['127.0.0.1:$PROBE_PORT']
CFG
    done
  } >"$TMP/prometheus.yml"
  peer_slot() { SLOT=$1; }
  # --cluster.listen-address= : no gossip cluster (a single instance would otherwise wait
  # for its peers to settle before its first notification).
  "$ALERTMANAGER" --config.file="$TMP/alertmanager.yml" --storage.path="$TMP/am-data" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
    >"$TMP/alertmanager.log" 2>&1 &
  AM_PID=$!
  track_pid "$AM_PID"
  "$PROMETHEUS" --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom-data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$TMP/prometheus.log" 2>&1 &
  PROM_PID=$!
  track_pid "$PROM_PID"
  wait_http "http://127.0.0.1:$am_port/-/ready" 30 || die "alertmanager did not start"
  wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || die "prometheus did not start"
  prom_up() {
    curl -s --max-time 2 "http://127.0.0.1:$prom_port/api/v1/query?query=sum(up)" |
      grep -q "\"value\":\\[[0-9.]*,\"$TRIALS\"\\]"
  }
  wait_until 30 prom_up || die "prometheus did not scrape the probe within 30 s"
  prom_has_am() {
    curl -s --max-time 2 "http://127.0.0.1:$prom_port/api/v1/alertmanagers" |
      grep -q "\"activeAlertmanagers\":\\[{"
  }
  wait_until 30 prom_has_am || die "prometheus did not discover alertmanager within 30 s"
  PEER_VERSIONS="$("$PROMETHEUS" --version 2>&1 | awk 'NR == 1 {print $1, $3}'), $(
    "$ALERTMANAGER" --version 2>&1 | awk 'NR == 1 {print $1, $3}')"
  echo "peer: $PEER_VERSIONS, $TRIALS trials" >&2
  run_trials peer peer_slot
  SLOT=-
  stop_pid "$PROM_PID"
  stop_pid "$AM_PID"
}

# ---- vigie ----------------------------------------------------------------
# vigied (rule `latency_probe > 0`, for: 0s, its group at the default interval; the route
# of the peer, a webhook receiver) fed by probe_agent, a one-sample agent driven from this
# script (a coprocess): each line "TRIAL VALUE" becomes one batch at once, and the probe
# answers "TRIAL SENT ACK" (its wall clock, seconds) once vigied acknowledged it. vigied
# evaluates the rules reading a host when that host's batch has been applied. The sample
# reaching vigied = SENT (loopback: sent ~ received; ACK - SENT, the whole ingest round
# trip, is printed too). The probe announces a 1 s interval and repeats its value after
# 2.5 s without a line, so that the host never goes down (hosts.stale_after_intervals is
# raised too), and no keepalive batch comes within 2 s before a trial's crossing batch:
# vigied rate-limits host-triggered evaluations of a rule (min_host_eval_interval, 100 ms)
# and defers one that comes sooner, which a batch just before the trial's would bring in
# (VIGIE_KEEPALIVE_MS changes the keepalive; 0: none).
VIGIE_KEEPALIVE_MS=${VIGIE_KEEPALIVE_MS:-2500}

# probe_send TRIAL VALUE: one batch; sets PROBE_SENT and PROBE_ACK; fails after 10 s.
probe_send() {
  local line trial sent ack
  printf '%s %s\n' "$1" "$2" >&"${PROBE[1]}"
  IFS=' ' read -r -t 10 line <&"${PROBE[0]}" || return 1
  read -r trial sent ack <<<"$line"
  [[ $trial == "$1" ]] || return 1
  PROBE_SENT=$sent
  PROBE_ACK=$ack
}

measure_vigie() {
  local vigied probe grpc_port http_port n trial t_flip t_sample t_hook
  vigied=$(snapshot_bin "$BUILD_DIR/daemon/vigied" bench-daemon)
  probe=$(snapshot_bin "$BUILD_DIR/tests/bench/probe_agent" probe_agent)
  grpc_port=$(free_port)
  http_port=$(free_port)
  cat >"$TMP/vigie-rules.yml" <<CFG
groups:
  - name: latency
    rules:
      - alert: LatencyProbe
        expr: latency_probe > 0
        for: 0s
CFG
  VIGIED_EXTRA_CONFIG="hosts:
  stale_after_intervals: 30
rule_files: [$TMP/vigie-rules.yml]
route:
  receiver: hook
  group_by: [alertname, trial]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$HOOK_PORT/" VIGIED_LOG_LEVEL=${VIGIED_LOG_LEVEL:-info} \
    start_vigied "$vigied" "$grpc_port" "$http_port"
  coproc PROBE {
    exec "$probe" --server "127.0.0.1:$grpc_port" --host probe --interval 1000 \
      --keepalive "$VIGIE_KEEPALIVE_MS" 2>"$TMP/probe_agent.log"
  }
  # shellcheck disable=SC2153 # PROBE_PID is set by coproc
  track_pid "$PROBE_PID"
  if ! probe_send init 0; then
    vigie_fail "probe_agent got no ack (see $TMP/probe_agent.log)"
    return 1
  fi
  echo "vigie: $TRIALS trials (log level ${VIGIED_LOG_LEVEL:-info}," \
    "keepalive $VIGIE_KEEPALIVE_MS ms)" >&2
  : >"$TMP/vigie.trials"
  : >"$TMP/vigie.acks"
  for ((n = 1; n <= TRIALS; n++)); do
    trial=vigie-$n
    probe_send "$trial" 0 || { vigie_fail "$trial: no ack for the 0 batch"; return 1; }
    sleep 2
    t_flip=$EPOCHREALTIME
    probe_send "$trial" 1 || { vigie_fail "$trial: no ack for the 1 batch"; return 1; }
    t_sample=$PROBE_SENT
    echo "$trial $t_sample" >>"$SCRAPE_LOG"
    echo "$trial $(calc "$PROBE_ACK - $PROBE_SENT" 6)" >>"$TMP/vigie.acks"
    if wait_until 30 hook_seen firing "$trial"; then
      t_hook=$(hook_time firing "$trial")
      printf '%s %s %s\n' "$trial" "$(calc "$t_hook - $t_sample" 3)" \
        "$(calc "$t_hook - $t_flip" 3)" | tee -a "$TMP/vigie.trials" >&2
    else
      echo "$trial timeout timeout" | tee -a "$TMP/vigie.trials" >&2
    fi
    probe_send "$trial" 0 || { vigie_fail "$trial: no ack for the 0 batch"; return 1; }
    wait_until 10 hook_seen resolved "$trial" || echo "$trial: no resolved notification in 10 s" >&2
  done
  VIGIE_ACK_MS=$(awk '{print $2 * 1000}' "$TMP/vigie.acks" | sort -g |
    awk '{v[NR] = $1} END {printf "median %.2f ms, max %.2f ms", v[int((NR + 1) / 2)], v[NR]}')
  echo "vigie: ingest round trip (probe's send -> ack) of the crossing batches: $VIGIE_ACK_MS" >&2
  vigie_stop
}

vigie_stop() {
  stop_pid "$PROBE_PID"
  stop_pid "$VIGIED_PID"
}

# vigie_fail MESSAGE: stops the vigie part (the peer's figures are still reported).
vigie_fail() {
  echo "vigie: $*" >&2
  vigie_stop
  return 1
}

PEER_OK=0
VIGIE_OK=0
PEER_VERSIONS=""
VIGIE_ACK_MS=""
if [[ $PEER == 1 ]] && measure_peer; then PEER_OK=1; fi
if [[ $VIGIE == 1 ]] && measure_vigie; then VIGIE_OK=1; fi
LOAD_END=$(loadavg)

# ---- report ---------------------------------------------------------------
row() { # PART LABEL OK
  if (($3)); then
    read -r med max to <<<"$(stats "$1" 2)"
    read -r fmed fmax _ <<<"$(stats "$1" 3)"
    echo "| $2 | $med | $max | $fmed | $fmax | $to |"
  else
    echo "| $2 | not measured | | | | |"
  fi
}
echo
echo "machine: $(nproc) cores, $(cpu_model); load average start $LOAD_START, end $LOAD_END"
[[ -n $PEER_VERSIONS ]] && echo "peer: $PEER_VERSIONS"
[[ -n $VIGIE_ACK_MS ]] && echo "vigie: ingest round trip of the crossing batches $VIGIE_ACK_MS"
echo "$TRIALS trials each; seconds; 'from sample' = webhook arrival - the sample reaching the system"
echo
echo "| system | median from sample | max from sample | median from flip | max from flip | timeouts |"
echo "|---|---|---|---|---|---|"
row peer "Prometheus (scrape 1 s, eval 1 s) + Alertmanager (group_wait 0s)" "$PEER_OK"
row vigie "vigied (for: 0s, group_wait 0s)" "$VIGIE_OK"
