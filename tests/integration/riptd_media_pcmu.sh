#!/usr/bin/env bash
# Media through riptd with G.711 mu-law: riptd configured to prefer PCMU
# and a handler that lists only PCMU, so both directions are PCMU. 5 s of a
# voice-like signal to the echo number over HTTP/3 datagrams, HTTP/3 byways
# and HTTP/2 byways must come back with an aligned normalized
# cross-correlation of at least 0.9; DTMF comes back as telephone-events; a
# recording into a directory is named after the call; a conference gives
# each participant the others (N-1); riptd stopped during a recording exits
# once the file is complete.
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
stop_riptd 10
mkdir "$STATE/recordings"
sed -e 's/"ring-timeout-ms": 3000/"ring-timeout-ms": 3000}, "advertisement": "1 in: PCMU; opus; PCMA; telephone-event; CN; 1 out: PCMU; opus; PCMA; telephone-event; CN;", "_": {/' \
  -e 's/"file": "record.wav"/"file": "recordings"/' "$STATE/riptd.json" >"$STATE/pcmu.json"
grep -q '"file": "recordings"' "$STATE/pcmu.json" || fail "cannot edit the configuration"
start_riptd_config 30 "$STATE/pcmu.json"
FROM=$("$ITOOL" json "$STATE/dev.json" from 0)
number() { "$ITOOL" json "$STATE/dev.json" numbers "$1"; }
setup_caller pcmu "1 in: PCMU; 2 out: PCMU;"
step "riptd is up at $ROOT, preferring PCMU"

for transport in datagrams byways http2; do
  case $transport in
    datagrams) args=() ;;
    byways) args=(--byways) ;;
    http2) args=(--http2) ;;
  esac
  step "echo, PCMU, 5 s over $transport"
  new_call "$(number echo)"
  [ "$(field clientDirectives)/$(field serverDirectives)" = "2 to 1: PCMU;/1 to 1: PCMU;" ] ||
    fail "directives: $(body)"
  mcall "${args[@]}" --seconds 5 --min-correlation 0.9
  echo_ok
done

step "POST {call} after answered: the echo moves to the new directives"
setup_caller renego "1 in: opus; 2 out: PCMU;"
new_call "$(number echo)"
[ "$(field serverDirectives)" = "1 to 1: opus;" ] || fail "directives: $(body)"
sleep 0.8
h2 PUT "$HANDLER" "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary '{"handler-id": "renego", "advertisement": "1 in: PCMU; 2 out: PCMU;"}'
expect 200
h2 POST "$CALL" "${AUTH[@]}"
expect 200
[ "$(field serverDirectives)/$(field state)" = "1 to 1: PCMU;/answered" ] || fail "after POST: $(body)"
mcall --seconds 3 --min-correlation 0.9
echo_ok

step "a sender whose timestamps wobble by 1 ms: the echo's do not run ahead of the clock"
new_call "$(number echo)"
mcall --seconds 5 --ts-wobble 1 --min-correlation 0.9
# Each wobble used to count as a 1 ms pause the echo had to keep, 25 ms a
# second: after 5 s the echo's timestamps were about 125 ms in the future.
at_least "$(figure min_delay_ms)" -20 || fail "the echo's timestamps ran ahead: $(figure min_delay_ms) ms"

step "telephone-events come back as telephone-events"
setup_caller dtmf "1 in: PCMU; telephone-event; 2 out: PCMU; telephone-event;"
new_call "$(number echo)"
[ "$(field clientDirectives)" = "2 to 1: PCMU; telephone-event;" ] || fail "directives: $(body)"
mcall --seconds 3 --dtmf '159#' --min-correlation 0.9
[ "$(figure dtmf)" = '159#' ] || fail "DTMF heard: $(figure dtmf)"

step "record into a directory: recordings/UUID.wav"
new_call "$(number record)"
mcall --seconds 3 --sent "$WORK/sent.wav"
REC=$STATE/recordings/${CALL##*/}.wav
wait_file "$REC" 5
CMP=$("$RIPT_BIN_DIR/ript-wav-compare" "$WORK/sent.wav" "$REC") || fail "compare: $CMP"
echo "$TEST_NAME:   $CMP"
at_least "$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$CMP")" 0.9 || fail "the recording: $CMP"

step "conference: B hears A, A does not hear itself"
new_call "$(number conference)"
B=$CALL
new_call "$(number conference)"
A=$CALL
CALL=$B setpriv --pdeathsig KILL -- "$MCALL_BIN" call --cacert "$CACERT" --token "$TOKEN" \
  --call "$B" --seconds 6 --silent --received "$WORK/b.wav" >"$WORK/b.out" &
B_PID=$!
sleep 1
CALL=$A
mcall --seconds 3 --sent "$WORK/a.wav" --received "$WORK/a-heard.wav"
wait "$B_PID" || fail "the listener failed: $(cat "$WORK/b.out")"
CMP=$("$RIPT_BIN_DIR/ript-wav-compare" "$WORK/a.wav" "$WORK/b.wav") || fail "compare: $CMP"
echo "$TEST_NAME:   B: $CMP"
at_least "$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$CMP")" 0.9 || fail "B heard: $CMP"
CMP=$("$RIPT_BIN_DIR/ript-wav-compare" "$WORK/a.wav" "$WORK/a-heard.wav") || fail "compare: $CMP"
echo "$TEST_NAME:   A: $CMP"
at_least 0.2 "$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$CMP")" || fail "A heard itself: $CMP"

step "SIGTERM during a recording: riptd exits 0 once the file is complete"
new_call "$(number record)"
setpriv --pdeathsig KILL -- "$MCALL_BIN" call --cacert "$CACERT" --token "$TOKEN" \
  --call "$CALL" --seconds 6 >"$WORK/cut.out" 2>&1 &
CUT_PID=$!
sleep 3
REC=$STATE/recordings/${CALL##*/}.wav
[ -f "$REC.part" ] || fail "no $REC.part while the call goes: $(ls "$STATE/recordings")"
stop_riptd 10
kill "$CUT_PID" 2>/dev/null || true
wait "$CUT_PID" 2>/dev/null || true
[ -f "$REC" ] || fail "no $REC once riptd exited: $(ls "$STATE/recordings")"
[ ! -e "$REC.part" ] || fail "$REC.part is left behind"
# answered 0.5 s in, ended 2.5 s later: more than 2 s of 8 kHz 16-bit PCM.
[ "$(stat -c %s "$REC")" -gt $((44 + 2 * 8000 * 2)) ] || fail "$REC is short: $(stat -c %s "$REC") bytes"
step "all checks passed"
