#!/usr/bin/env bash
# The load generator works (not how fast: that is bench/run.sh's job):
# ript-load holds 5 calls for 3 s against riptd over HTTP/3 datagrams and
# over HTTP/2 byways, and its JSON report has every
# field, no failed call, media both ways and riptd's figures. riptd runs
# as bench/run.sh runs it: the --dev configuration with an advertisement
# that prefers PCMU (the default prefers opus). Then 100 calls pinging every 20 ms all end at once: ending
# takes longer than a ping interval, which once made the client library
# re-arm a call's timer at 0 for ever and freeze the loop until the calls
# timed out. A bad option is one line on stderr and exit status 2.
source "$(dirname "$0")/riptd_lib.bash"

LOAD=$RIPT_BIN_DIR/ript-load
[ -x "$LOAD" ] || fail "$LOAD not built"

start_riptd 20
stop_riptd 20
sed '1a\  "advertisement": "1 in: PCMU; opus; 1 out: PCMU; opus;",' \
  "$STATE/riptd.json" >"$STATE/bench.json"
start_riptd_config 20 "$STATE/bench.json"
TARGET=(--root "$ROOT" --token "$TOKEN" --cacert "$CACERT" --tg "$TG"
  --from "$(dev from 0)" --to "$(dev numbers echo)")

# r KEY...: a value of the last report.
r() { "$ITOOL" json "$WORK/report.json" "$@"; }

# smoke NAME CALLS ARGS...: one run, and what every run must show.
smoke() {
  local name=$1 calls=$2 status=0
  shift 2
  step "$name: ript-load --calls $calls $*"
  setpriv --pdeathsig KILL -- timeout 120 "$LOAD" "${TARGET[@]}" \
    --calls "$calls" --riptd-pid "$RIPTD_PID" --json "$@" \
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
  [ "$(r ok)" = "$calls" ] && [ "$(r answered)" = "$calls" ] || fail "$name: ok $(r ok), answered $(r answered)"
  [ "$(r timed_out)" = false ] || fail "$name: the run timed out"
  [ "$(r setup_ms samples)" = "$calls" ] || fail "$name: $(r setup_ms samples) setup times"
  # 5 calls for 3 s (or 100 for 1 s), 50 frames/s each way: far more than
  # 100 chunks, whatever the machine's load.
  [ "$(r chunks sent)" -gt 100 ] || fail "$name: sent $(r chunks sent) chunks"
  [ "$(r chunks received)" -gt 100 ] || fail "$name: received $(r chunks received) chunks"
  [ "$(r latency_all_ms samples)" -gt 100 ] || fail "$name: $(r latency_all_ms samples) latency samples"
  [ "$(r riptd rss_base_kib)" -gt 0 ] || fail "$name: riptd's memory was not read"
  step "  $name: $(r chunks sent) sent, $(r chunks received) received, loss $(r chunks loss_pct) %, latency p50 $(r latency_ms p50) ms"
}

smoke h3-datagram 5 --ramp 10 --hold 3 --give-up-ms 1000 --transport h3 \
  --media datagram
smoke h2-byway 5 --ramp 10 --hold 3 --transport h2 --media byway --byways 4
smoke end-while-ping-due 100 --ramp 200 --hold 1 --ping-ms 20 --transport h3

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

step "a refused token is one line and exit status 1"
status=0
"$LOAD" --root "$ROOT" --token wrong-token-0123456789 --cacert "$CACERT" --tg "$TG" \
  --from "$(dev from 0)" --to "$(dev numbers echo)" --calls 1 \
  2>"$WORK/refused.err" >/dev/null || status=$?
[ "$status" -eq 1 ] || fail "wrong token: exit status $status: $(cat "$WORK/refused.err")"
[ "$(wc -l <"$WORK/refused.err")" -eq 1 ] && grep -q "401" "$WORK/refused.err" ||
  fail "wrong token: $(cat "$WORK/refused.err")"

stop_riptd 20
step "ok"
