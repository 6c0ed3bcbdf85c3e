#!/usr/bin/env bash
# riptd under valgrind: start-up in --dev, requests over both HTTP versions
# (bootstrap, a handler, a certificate, a call and an error of each kind the
# front answers itself), calls carrying media (echo over HTTP/3 datagrams
# and HTTP/2 byways, play, record, conference, a client that drops its
# connection, SIGUSR1's migration), signaling events, then SIGTERM with
# calls still going.
# riptd must exit 0: valgrind makes it exit 99 on any memory error or leak.
# Registered only where valgrind runs.
source "$(dirname "$0")/riptd_lib.bash"
: "${RIPT_VALGRIND:?RIPT_VALGRIND must name valgrind}"

start_riptd 120 "$RIPT_VALGRIND" --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect,possible
ECHO=$(dev numbers echo)
FROM=$(dev from 0)
step "riptd --dev is up under valgrind at $ROOT"

h2 GET "$ROOT"
expect 200
h3 GET "$ROOT/providertgs" -H "authorization: Bearer $TOKEN"
expect 200
h2 GET "$TG" "${AUTH[@]}"
expect 200
h2 GET "$TG"
expect 401 unauthorized 'this resource needs "Authorization: Bearer TOKEN"'
h2 POST "$TG/handlers" "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary '{"handler-id": "phone", "advertisement": "1 in: opus; 2 out: opus;"}'
expect 201
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
h2 POST "$TG/handlers" "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$WORK/big.json"
expect 413 payload-too-large "the request body is larger than this server's limit of 65536 bytes"
h3 POST "$TG/handlers" -H "authorization: Bearer $TOKEN" --data-file "$WORK/big.json"
expect 413 payload-too-large "the request body is larger than this server's limit of 65536 bytes"
new_key "$WORK/leaf.key"
issue_cert "$WORK/leaf.key" "$FROM"
place_call "$TG/handlers/phone" "$ECHO" \
  "$(passport "$WORK/leaf.key" "$FROM" "$ECHO" "$(date +%s)" "$CERT_URL")"
expect 201
h3 GET "$(header location)" -H "authorization: Bearer $TOKEN"
expect 200
place_call "$TG/handlers/phone" "$ECHO" \
  "$(passport "$WORK/leaf.key" +15550100001 "$ECHO" "$(date +%s)" "$CERT_URL")"
expect 403

HANDLER=$TG/handlers/phone
step "media: echo over HTTP/3 datagrams and HTTP/2 byways"
new_call "$ECHO"
mcall --seconds 2
new_call "$ECHO"
mcall --http2 --seconds 2
step "media: POST {call} on an answered echo call, then media"
new_call "$ECHO"
wait_for_state() { # STATE SECONDS
  local tenths=0
  until h2 GET "$CALL" "${AUTH[@]}" && [ "$(field state)" = "$1" ]; do
    [ "$tenths" -lt $(($2 * 10)) ] || fail "state $(field state), want $1"
    sleep 0.1
    tenths=$((tenths + 1))
  done
}
wait_for_state answered 60
h2 POST "$CALL" "${AUTH[@]}"
expect 200
mcall --seconds 1
step "media: play, record, conference, a client that drops its connection"
new_call "$(dev numbers play)"
mcall --seconds 1
new_call "$(dev numbers record)"
mcall --seconds 1
new_call "$(dev numbers conference)"
mcall --seconds 1
new_call "$ECHO"
mcall --byways --seconds 3 --drop-at 1000 --down-ms 500
step "media: SIGUSR1 asks calls over datagrams and HTTP/2 byways to migrate"
PIDS=()
for transport in "" --http2; do
  new_call "$ECHO"
  setpriv --pdeathsig KILL -- "$MCALL_BIN" call --cacert "$CACERT" --token "$TOKEN" \
    --call "$CALL" $transport --seconds 4 >"$WORK/mcall${transport}.out" &
  PIDS+=($!)
done
sleep 3
kill -USR1 "$RIPTD_PID"
wait_for "$LOG" '^riptd: SIGUSR1: asked [0-9]+ live calls? to migrate$' 30
for pid in "${PIDS[@]}"; do
  wait "$pid" || fail "ript_mcall: $(cat "$WORK"/mcall*.out)"
done
sed "s/^/$TEST_NAME:   /" "$WORK"/mcall*.out
step "signaling: a ping, an illegal event, garbage"
new_call "$(dev numbers decline)"
events_get declined
wait "$GET_PID" || fail "curl GET exited with $?"
new_call "$ECHO"
h2 PUT "$CALL/events" "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary "[$(c2s ping ',"nonce":"v"'),$(c2s answered)"
expect 409
h2 PUT "$CALL/events" "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary '[{]'
expect 400
step "calls still going at SIGTERM: one with an events GET, one ringing"
events_get going
wait_for "$WORK/going.events" '"event":"answered"' 60
new_call "$(dev numbers noanswer)"

step "SIGTERM: riptd exits 0 with no leak"
stop_riptd 60
step "all checks passed"
