# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run).
# Every process started through track_pid is killed on exit.

die() {
  echo "error: $*" >&2
  exit 1
}

_BENCH_PIDS=()
track_pid() { _BENCH_PIDS+=("$1"); }

_bench_cleanup() {
  local pid
  for pid in "${_BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${_BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n ${TMP:-} && -z ${KEEP_TMP:-} ]]; then
    rm -rf "$TMP"
  fi
}

# bench_tmpdir NAME: sets TMP to a fresh directory, removed on exit (unless KEEP_TMP=1).
# The name avoids "vigie" so that nobody's `pkill vigied` on a shared machine hits a run.
bench_tmpdir() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-$1.XXXXXX")
  trap _bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

# snapshot_bin PATH NAME: copies an executable into $TMP/bin as NAME and prints the copy's
# path. The run then uses one fixed build even if the tree is rebuilt meanwhile, and its
# processes are not matched by name-based kills aimed at vigied / vigie-agent.
snapshot_bin() {
  [[ -x $1 ]] || die "missing executable: $1"
  mkdir -p "$TMP/bin"
  cp "$1" "$TMP/bin/$2"
  echo "$TMP/bin/$2"
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# A free TCP port on 127.0.0.1 (bound then released).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

CLK_TCK=$(getconf CLK_TCK)
# utime+stime of PID in seconds (fields 14 and 15 of /proc/PID/stat).
cpu_seconds() {
  sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$CLK_TCK" '{printf "%.3f\n", ($12 + $13) / hz}'
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now_s() { date +%s.%N; }
cpu_model() { awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo; }

# calc EXPR [DECIMALS]: floating point arithmetic.
calc() { awk "BEGIN {printf \"%.${2:-0}f\n\", $1}"; }

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds; returns 1 after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# wait_http URL SECONDS: returns 0 once URL answers.
wait_http() { wait_until "$2" curl -s -o /dev/null --max-time 2 "$1"; }

# start_vigied VIGIED GRPC_PORT HTTP_PORT: starts vigied with a data dir in
# $TMP; sets VIGIED_PID. VIGIED_LOG_LEVEL (default warn) sets its log level;
# VIGIED_EXTRA_CONFIG, if set, is appended to its config (top-level keys).
start_vigied() {
  cat >"$TMP/vigied.yaml" <<CFG
listen:
  grpc: 127.0.0.1:$2
  http: 127.0.0.1:$3
storage:
  path: $TMP/vigied-data
ingest:
  max_inflight_batches: ${VIGIED_MAX_INFLIGHT:-64}
log:
  level: ${VIGIED_LOG_LEVEL:-warn}
${VIGIED_EXTRA_CONFIG:-}
CFG
  "$1" --config "$TMP/vigied.yaml" >"$TMP/vigied.log" 2>&1 &
  VIGIED_PID=$!
  track_pid "$VIGIED_PID"
  wait_http "http://127.0.0.1:$3/metrics" 15 || die "vigied did not start (see $TMP/vigied.log)"
}

# vigied_metric HTTP_PORT SERIES: value of one series on vigied's /metrics
# (0 if absent).
vigied_metric() {
  curl -s --max-time 10 "http://127.0.0.1:$1/metrics" |
    awk -v s="$2" '$1 == s {v = $2} END {print (v == "" ? 0 : v)}'
}

# vigied_metric_sum HTTP_PORT METRIC: sum over every series of METRIC.
vigied_metric_sum() {
  curl -s --max-time 10 "http://127.0.0.1:$1/metrics" |
    awk -v m="$2" 'index($1, m "{") == 1 || $1 == m {v += $2} END {printf "%.0f\n", v}'
}
