#!/usr/bin/env bash
# riptd survives its own restart (issue 9 §4): with its SQLite store
# (`riptd --dev --durable`), riptd is killed with SIGKILL 4 s into two 15 s
# calls to the echo, one over HTTP/3 datagrams and one over HTTP/2 media
# byways, and started again 1 s later on the same address and state
# directory. Each client re-opens its byways on the same call URI, the new
# riptd finds the call in the store, takes it over (the owner was this
# node's earlier life) and the echo echoes again; each call completes, and
# what came back matches what was sent before the gap and after it as well
# as an uninterrupted call of the same sentence does (measured first, on
# the same riptd). The test prints the media gap each client measured. With the memory store the same kill ends the call: the
# restarted riptd knows no such call, and ript says so in one line and
# exits 1.
source "$(dirname "$0")/riptd_lib.bash"
source "$(dirname "$0")/ript_call_lib.bash"

# As in ript_call_reconnect.sh: the parts of an echoed sentence, aligned on
# their own, measure 0.87 to 0.94 with opus. A part of a call that went
# through the restart may measure a little below the same part of the
# uninterrupted call (opus and the echo's playout differ from run to run),
# never more than this below it.
OPUS_MIN=0.85
NOISE=0.03

voice "$WORK/voice.wav"
FROM=""
ECHO=""

# The port riptd listened on the first time, for the restart.
port_of_root() {
  local port=${ROOT##*:}
  echo "${port%%/*}"
}

# kill_and_restart: SIGKILL, 1 s, then riptd again on the same port.
kill_and_restart() {
  kill -KILL "$RIPTD_PID"
  wait "$RIPTD_PID" 2>/dev/null || true
  RIPTD_PID=""
  mv "$LOG" "$WORK/riptd-first.log"
  sleep 1
  LISTEN=127.0.0.1:$(port_of_root) start_riptd 30
}

# start_calls PREFIX: the two calls, in the background.
start_calls() {
  call_bg "$1h3" --dev "$STATE" call --from "$FROM" --to "$ECHO" \
    --play "$WORK/voice.wav" --record "$WORK/$1h3.wav" --duration 15
  call_bg "$1h2" --dev "$STATE" --transport h2 call --from "$FROM" \
    --to "$ECHO" --play "$WORK/voice.wav" --record "$WORK/$1h2.wav" \
    --duration 15
  wait_for "$WORK/$1h3.err" '^\+[0-9.]+ s  answered$' 10
  wait_for "$WORK/$1h2.err" '^\+[0-9.]+ s  answered$' 10
}

step "with the SQLite store: riptd --dev --durable"
RIPTD_ARGS=(--durable)
start_riptd 30
FROM=$(dev from 0)
ECHO=$(dev numbers echo)
[ -f "$STATE/riptd.db" ] || fail "no riptd.db in the state directory"
# The sentence before the kill (0.5 to 3.5 s) and after the restart (5.5
# to 8 s: what the client sent while riptd was down is replayed to the new
# one and echoed then, so the echo comes back later after the gap and the
# end of the sentence may miss the end of the call). Each part is aligned
# on its own.
sox "$WORK/voice.wav" "$WORK/before.wav" trim 0.5 3 || fail "sox trim"
sox "$WORK/voice.wav" "$WORK/after.wav" trim 5.5 2.5 || fail "sox trim"
step "an uninterrupted call: what each part measures without a restart"
call whole --dev "$STATE" call --from "$FROM" --to "$ECHO" \
  --play "$WORK/voice.wav" --record "$WORK/whole.wav" --duration 15
answered_ok whole
similar "uninterrupted before" "$WORK/before.wav" "$WORK/whole.wav" "$OPUS_MIN" 10000
WHOLE_BEFORE=$CORR
similar "uninterrupted after" "$WORK/after.wav" "$WORK/whole.wav" "$OPUS_MIN" 10000
WHOLE_AFTER=$CORR
below() { awk -v a="$1" -v n="$NOISE" 'BEGIN { printf "%.3f", a - n }'; }
start_calls durable-
sleep 4
step "SIGKILL 4 s into the calls; riptd again 1 s later"
kill_and_restart
for name in durable-h3 durable-h2; do
  call_wait "$name"
  answered_ok "$name" cut
  grep -q "riptd: call .*: taken over from the store (state answered)" "$LOG" ||
    fail "$name: the restarted riptd did not take a call over"
  [ "$(grep -c '^+[0-9.]* s  call: ' "$WORK/$name.err")" = 1 ] ||
    fail "$name: a new call URI: $(cat "$WORK/$name.err")"
  at_least "$(q "$name" .migrations)" 1 || fail "$name: no migration"
  similar "$name before the kill" "$WORK/before.wav" "$WORK/$name.wav" \
    "$(below "$WHOLE_BEFORE")" 10000
  similar "$name after the restart" "$WORK/after.wav" "$WORK/$name.wav" \
    "$(below "$WHOLE_AFTER")" 10000
  step "  $name: media gap $(q "$name" '.chunks."longest-gap-ms"') ms, $(q "$name" .migrations) migration(s)"
done
[ "$(grep -c 'taken over from the store' "$LOG")" = 2 ] ||
  fail "not both calls taken over"

step "with the memory store the kill ends the call, in one line"
stop_riptd 10
RIPTD_ARGS=()
start_riptd 30
call_bg mem --dev "$STATE" call --from "$FROM" --to "$ECHO" \
  --play "$WORK/voice.wav" --duration 15
wait_for "$WORK/mem.err" '^\+[0-9.]+ s  answered$' 10
sleep 4
kill_and_restart
call_wait mem
[ "$RC" = 1 ] || fail "mem: exit $RC, want 1: $(cat "$WORK/mem.err")"
grep -qE '^ript: GET https://127\.0\.0\.1:[0-9]+/\.well-known/ript/providertgs/main/calls/[0-9a-f-]{36}/events: 404 not-found: there is no call [0-9a-f-]{36} on TG main$' "$WORK/mem.err" ||
  fail "mem: not one clear line: $(cat "$WORK/mem.err")"
[ "$(grep -c '^ript: ' "$WORK/mem.err")" = 1 ] || fail "mem: more than one line: $(cat "$WORK/mem.err")"
step "all checks passed"
