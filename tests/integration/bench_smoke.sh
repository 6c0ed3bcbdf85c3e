#!/usr/bin/env bash
# The load generator works (not how fast: that is bench/run.sh's job):
# ript-load holds 5 calls for 3 s against riptd --dev over HTTP/3
# datagrams and over HTTP/2 byways, and its JSON report has every field,
# no failed call, media both ways and riptd's figures. A bad option is one
# line on stderr and exit status 2.
source "$(dirname "$0")/riptd_lib.bash"

LOAD=$RIPT_BIN_DIR/ript-load
[ -x "$LOAD" ] || fail "$LOAD not built"

start_riptd 20

# r KEY...: a value of the last report.
r() { "$ITOOL" json "$WORK/report.json" "$@"; }

# smoke NAME ARGS...: one run, and what every run must show.
smoke() {
  local name=$1 status=0
  shift
  step "$name: ript-load $*"
  setpriv --pdeathsig KILL -- timeout 120 "$LOAD" --dev-json "$STATE" \
    --calls 5 --ramp 10 --hold 3 --riptd-pid "$RIPTD_PID" --json "$@" \
    >"$WORK/report.json" 2>"$WORK/load.err" || status=$?
  [ "$status" -eq 0 ] || fail "$name: exit status $status: $(cat "$WORK/load.err") $(cat "$WORK/report.json")"
  for key in transport media codec calls connections started described \
    answered ok errors timed_out error_samples setup_ms answer_ms \
    setups_per_s chunks latency_ms latency_all_ms migrations media_panics \
    byways_refused window_s riptd load_cpu_pct; do
    r "$key" >/dev/null 2>&1 || fail "$name: no \"$key\" in the report: $(cat "$WORK/report.json")"
  done
  for key in sent acked received lost loss_pct; do
    r chunks "$key" >/dev/null 2>&1 || fail "$name: no chunks.$key in the report"
  done
  for key in cpu_pct rss_base_kib rss_full_kib kib_per_call; do
    r riptd "$key" >/dev/null 2>&1 || fail "$name: no riptd.$key in the report"
  done
  [ "$(r errors)" = 0 ] || fail "$name: $(r errors) calls failed: $(r error_samples)"
  [ "$(r ok)" = 5 ] && [ "$(r answered)" = 5 ] || fail "$name: ok $(r ok), answered $(r answered)"
  [ "$(r timed_out)" = false ] || fail "$name: the run timed out"
  [ "$(r setup_ms samples)" = 5 ] || fail "$name: $(r setup_ms samples) setup times"
  # 5 calls, 3 s, 50 frames/s each way: far more than 100 chunks, whatever
  # the machine's load.
  [ "$(r chunks sent)" -gt 100 ] || fail "$name: sent $(r chunks sent) chunks"
  [ "$(r chunks received)" -gt 100 ] || fail "$name: received $(r chunks received) chunks"
  [ "$(r latency_all_ms samples)" -gt 100 ] || fail "$name: $(r latency_all_ms samples) latency samples"
  [ "$(r riptd rss_base_kib)" -gt 0 ] || fail "$name: riptd's memory was not read"
  step "  $name: $(r chunks sent) sent, $(r chunks received) received, loss $(r chunks loss_pct) %, latency p50 $(r latency_ms p50) ms"
}

smoke h3-datagram --transport h3 --media datagram
smoke h2-byway --transport h2 --media byway --byways 4

step "a bad option is refused with one line"
status=0
"$LOAD" --calls 0 2>"$WORK/usage.err" >/dev/null || status=$?
[ "$status" -eq 2 ] || fail "--calls 0: exit status $status"
[ "$(wc -l <"$WORK/usage.err")" -eq 1 ] && grep -q -- "--calls 0" "$WORK/usage.err" ||
  fail "--calls 0: $(cat "$WORK/usage.err")"
status=0
"$LOAD" --transport h2 --media datagram --dev-json "$STATE" 2>"$WORK/usage.err" >/dev/null || status=$?
[ "$status" -eq 2 ] && grep -q "needs --transport h3" "$WORK/usage.err" ||
  fail "h2 datagram: status $status: $(cat "$WORK/usage.err")"

stop_riptd 20
step "ok"
