#!/usr/bin/env bash
# A connection cut mid-call (`ript call --cut-at`: the client's connections
# dropped for a second, as a network failure would): over HTTP/3 datagrams
# and HTTP/2 media byways at once, the call reconnects to the same call
# URI and goes on; nothing is lost: every chunk sent is acknowledged (those
# of the outage replayed), none of those coming back is missing, and the
# sentence before and after the cut both come back whole. The same when
# riptd asks the call to migrate (SIGUSR1, draft §9.13).
source "$(dirname "$0")/riptd_lib.bash"
source "$(dirname "$0")/ript_call_lib.bash"

# As in ript_call.sh (opus, echoed: 0.892 there); each part measured
# 0.90 to 0.94.
OPUS_MIN=0.85

start_riptd 30
FROM=$(dev from 0)
ECHO=$(dev numbers echo)
voice "$WORK/voice.wav"
step "riptd --dev is up at $ROOT"

step "cut 3 s into the call, over h3 datagrams and h2 byways at once"
call_bg cut3 --dev "$STATE" call --from "$FROM" --to "$ECHO" --play "$WORK/voice.wav" \
  --record "$WORK/cut3.wav" --cut-at 3
call_bg cut2 --dev "$STATE" --transport h2 call --from "$FROM" --to "$ECHO" \
  --play "$WORK/voice.wav" --record "$WORK/cut2.wav" --cut-at 3
# The sentence before the cut (0.5 to 2.5 s) and well after it (5.5 to
# 10.5 s): the echo comes back later after the outage, so each part is
# aligned on its own.
sox "$WORK/voice.wav" "$WORK/before.wav" trim 0.5 2 || fail "sox trim"
sox "$WORK/voice.wav" "$WORK/after.wav" trim 5.5 5 || fail "sox trim"
for name in cut3 cut2; do
  call_wait "$name"
  answered_ok "$name" cut
  [ "$(grep -c '^+[0-9.]* s  call: ' "$WORK/$name.err")" = 1 ] || fail "$name: a new call URI: $(cat "$WORK/$name.err")"
  grep -qE '^\+[0-9.]+ s  cutting the connections: --cut-at$' "$WORK/$name.err" || fail "$name: no cut"
  # One cut, one migration: timers that ran out while the path was down
  # must not start a second one once it is back.
  [ "$(q "$name" .migrations)" = 1 ] || fail "$name: not one migration: $(cat "$WORK/$name.json")"
  at_least "$(q "$name" .chunks.replayed)" 10 || fail "$name: nothing replayed: $(cat "$WORK/$name.json")"
  [ "$(q "$name" .chunks.acknowledged)" = "$(q "$name" .chunks.sent)" ] ||
    fail "$name: not every chunk acknowledged: $(cat "$WORK/$name.json")"
  [ "$(q "$name" .chunks.lost)/$(q "$name" .chunks.concealed)" = 0/0 ] ||
    fail "$name: lost: $(cat "$WORK/$name.json")"
  similar "$name before the cut" "$WORK/before.wav" "$WORK/$name.wav" "$OPUS_MIN" 10000
  similar "$name after the cut" "$WORK/after.wav" "$WORK/$name.wav" "$OPUS_MIN" 10000
done
step "riptd asks the call to migrate (SIGUSR1) 3 s in: ript honours it"
call_bg moved --dev "$STATE" call --from "$FROM" --to "$ECHO" --play "$WORK/voice.wav" \
  --record "$WORK/moved.wav"
wait_for "$WORK/moved.err" '^\+[0-9.]+ s  answered$' 10
sleep 3
kill -USR1 "$RIPTD_PID"
call_wait moved
answered_ok moved cut
grep -qE '^\+[0-9.]+ s  migrate$' "$WORK/moved.err" || fail "moved: no migrate event: $(cat "$WORK/moved.err")"
[ "$(grep -c '^+[0-9.]* s  call: ' "$WORK/moved.err")" = 1 ] || fail "moved: a new call URI"
[ "$(q moved .migrations)" = 1 ] || fail "moved: not one migration: $(cat "$WORK/moved.json")"
[ "$(q moved .chunks.acknowledged)/$(q moved .chunks.lost)" = "$(q moved .chunks.sent)/0" ] ||
  fail "moved: $(cat "$WORK/moved.json")"
similar "moved before" "$WORK/before.wav" "$WORK/moved.wav" "$OPUS_MIN" 10000
similar "moved after" "$WORK/after.wav" "$WORK/moved.wav" "$OPUS_MIN" 10000
step "all checks passed"
