#!/usr/bin/env bash
# A call's whole signaling driven by curl over HTTP/2 (docs/PROTOCOL.md §8,
# §9): `curl -N` on GET {call}/events shows "[" and the call's events as
# they happen, a `curl -T -` PUT sends a ping (the pong arrives on the GET)
# and then end (end arrives on every GET, the call is ended, its byways
# 404). Also the declined, failed and noanswer flows, 409 for an illegal
# event, 400 for garbage, events kept while no GET is open, and the timer
# that ends a call nobody holds a signaling byway for.
source "$(dirname "$0")/riptd_lib.bash"
command -v mkfifo >/dev/null || fail "'mkfifo' is not installed"

start_riptd 30
FROM=$(dev from 0)
setup_caller phone "1 in: opus; PCMU; 2 out: opus; PCMU;"
JSON=(-H 'Content-Type: application/json')
step "riptd --dev is up at $ROOT"

# line N FILE: line N of an event body.
line() { sed -n "${1}p" "$2"; }
# is_event N FILE TYPE: line N is the s2c event TYPE of CALL.
is_event() {
  local prefix=','
  [ "$1" = 1 ] && prefix='['
  case "$(line "$1" "$2")" in
    "$prefix{\"event\":\"$3\",\"direction\":\"s2c\",\"timestamp\":\"20"*"Z\",\"call\":\"$CALL\""*"}") ;;
    *) fail "line $1 of $2 is not $3: $(line "$1" "$2")" ;;
  esac
}
uuid() { echo "${CALL##*/}"; }

# --- echo: the whole signaling with curl ---------------------------------------
step "curl -N GET /events: [, proceeding, alerting, answered"
new_call "$(dev numbers echo)"
events_get main
MAIN_GET=$GET_PID
wait_for "$WORK/main.events" '"event":"answered"' 10
is_event 1 "$WORK/main.events" proceeding
is_event 2 "$WORK/main.events" alerting
is_event 3 "$WORK/main.events" answered
h2 GET "$CALL" "${AUTH[@]}"
expect 200
[ "$(field state)" = answered ] || fail "state $(field state)"

step "curl -T - PUT /events: ping, then pong on the GET"
mkfifo "$WORK/put.fifo"
setpriv --pdeathsig KILL -- curl -sS --http2 --max-time 60 --cacert "$CACERT" \
  "${AUTH[@]}" "${JSON[@]}" -T - -o "$WORK/put.body" -w '%{http_code}' \
  "$CALL/events" <"$WORK/put.fifo" >"$WORK/put.status" &
PUT_PID=$!
exec 3>"$WORK/put.fifo"
printf '[%s\n' "$(c2s ping ',"nonce":"curl-7f3c"')" >&3
wait_for "$WORK/main.events" '"event":"pong".*"nonce":"curl-7f3c"' 10
is_event 4 "$WORK/main.events" pong

step "end on the PUT: end with the reason on the GET, which closes the array"
printf ',%s\n' "$(c2s end ',"reason":"curl hung up"')" >&3
wait_for "$WORK/main.events" '"event":"end".*"reason":"curl hung up"' 10
is_event 5 "$WORK/main.events" end
exec 3>&-
wait "$MAIN_GET" || fail "curl GET exited with $?"
[ "$(line 6 "$WORK/main.events")" = "]" ] || fail "the GET did not end with ]: $(cat "$WORK/main.events")"
wait "$PUT_PID" || fail "curl PUT exited with $?"
[ "$(cat "$WORK/put.status")" = 200 ] || fail "the PUT answered $(cat "$WORK/put.status")"
h2 GET "$CALL" "${AUTH[@]}"
expect 200
[ "$(field state)" = ended ] || fail "state $(field state)"

step "an ended call's byways answer 404; DELETE is still 405"
h2 GET "$CALL/events" "${AUTH[@]}"
expect 404 not-found "call $(uuid) has ended (state ended)"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary '['
expect 404 not-found "call $(uuid) has ended (state ended)"
h2 GET "$CALL/media" "${AUTH[@]}"
expect 404 not-found "call $(uuid) has ended (state ended)"
h2 DELETE "$CALL" "${AUTH[@]}"
expect 405 method-not-allowed "DELETE is not allowed on this resource; it allows GET, POST"
h2 DELETE "$CALL/events" "${AUTH[@]}"
expect 405 method-not-allowed "DELETE is not allowed on this resource; it allows GET, PUT"

# --- the other endings -----------------------------------------------------------
step "decline: declined with a reason after alerting"
new_call "$(dev numbers decline)"
events_get declined
wait "$GET_PID" || fail "curl GET exited with $?"
is_event 1 "$WORK/declined.events" proceeding
is_event 2 "$WORK/declined.events" alerting
is_event 3 "$WORK/declined.events" declined
grep -q '"reason":"the callee declined the call"}$' "$WORK/declined.events" || fail "no reason"
[ "$(line 4 "$WORK/declined.events")" = "]" ] || fail "no ]"
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = declined ] || fail "state $(field state)"

step "fail: failed at once; the next GET still learns how, once"
new_call "$(dev numbers fail)"
sleep 0.3
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = failed ] || fail "state $(field state)"
events_get failed
wait "$GET_PID" || fail "curl GET exited with $?"
is_event 1 "$WORK/failed.events" failed
grep -q "\"reason\":\"calls to $(dev numbers fail) fail on this server\"}$" "$WORK/failed.events" ||
  fail "no reason: $(cat "$WORK/failed.events")"
[ "$(line 2 "$WORK/failed.events")" = "]" ] || fail "no ]"
h2 GET "$CALL/events" "${AUTH[@]}"
expect 404 not-found "call $(uuid) has ended (state failed)"

step "noanswer: alerting, then noanswer after the ring timeout (3 s)"
new_call "$(dev numbers noanswer)"
events_get noanswer
START=$(date +%s%N)
wait_for "$WORK/noanswer.events" '"event":"alerting"' 5
wait "$GET_PID" || fail "curl GET exited with $?"
ELAPSED=$((($(date +%s%N) - START) / 1000000))
[ "$ELAPSED" -ge 2500 ] || fail "noanswer after $ELAPSED ms"
is_event 3 "$WORK/noanswer.events" noanswer
grep -q '"reason":"nobody answered within 3000 ms"}$' "$WORK/noanswer.events" || fail "no reason"

# --- refused events; the call goes on ------------------------------------------
step "an illegal event: 409 on that PUT, the call goes on"
new_call "$(dev numbers echo)"
events_get two
TWO_GET=$GET_PID
wait_for "$WORK/two.events" '"event":"answered"' 10
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "[$(c2s answered)"
expect 409 illegal-event "answered from the client is not allowed in state answered"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "[$(c2s migrate)"
expect 409 illegal-event "migrate from the client is not allowed in state answered"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(c2s ping ',"nonce":"after-409"')]"
expect 200
wait_for "$WORK/two.events" '"nonce":"after-409"' 10

step "garbage, a wrong direction, another call, a wrong type: 400 and 415"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary '[{"event": "ping", garbage}]'
expect 400
[ "$(field error)" = bad-request ] || fail "garbage: $(body)"
field reason | grep -q '^the event stream is not valid: at byte [0-9]* expected ' || fail "reason: $(body)"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary 'hello'
expect 400 bad-request "the event stream is not valid: at byte 0 expected '[' opening the event array"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(c2s ping | sed 's/"c2s"/"s2c"/')"
expect 400 bad-request "an event on a forward signaling byway has direction c2s"
OTHER=${CALL%/*}/3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(CALL=$OTHER c2s ping)"
expect 400 bad-request "the event names call $OTHER, not this byway's call $CALL"
h2 PUT "$CALL/events" "${AUTH[@]}" -H 'Content-Type: text/plain' --data-binary '['
expect 415 unsupported-media-type "a signaling byway is sent as application/json"
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = answered ] || fail "the call did not go on: $(field state)"

step "a second GET starts with the current state; end reaches both"
events_get three
wait_for "$WORK/three.events" '"event":"answered"' 10
is_event 1 "$WORK/three.events" answered
[ "$(line 1 "$WORK/three.events" | sed 's/^\[//')" = "$(line 3 "$WORK/two.events" | sed 's/^,//')" ] ||
  fail "the announcement is not the answered event as first sent"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "[$(c2s end)"
expect 200
wait "$GET_PID" || fail "curl GET exited with $?"
wait "$TWO_GET" || fail "curl GET exited with $?"
for f in two three; do
  grep -q '"event":"end".*"reason":"the caller ended the call"}$' "$WORK/$f.events" ||
    fail "no end on $f: $(cat "$WORK/$f.events")"
done

# --- events kept while no GET is open (§9.12) ---------------------------------------
step "no GET open: a pong is kept and follows the announcement on the next GET"
new_call "$(dev numbers echo)"
sleep 0.8
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(c2s ping ',"nonce":"kept-1"')]"
expect 200
events_get kept
wait_for "$WORK/kept.events" '"nonce":"kept-1"' 5
is_event 1 "$WORK/kept.events" answered
is_event 2 "$WORK/kept.events" pong
kill "$GET_PID"
wait "$GET_PID" 2>/dev/null || true
step "... only once, and only for 5 s"
events_get again
wait_for "$WORK/again.events" '"event":"answered"' 5
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "[$(c2s end)]"
expect 200
wait "$GET_PID" || fail "curl GET exited with $?"
grep -q kept-1 "$WORK/again.events" && fail "the kept pong was sent twice"
new_call "$(dev numbers echo)"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(c2s ping ',"nonce":"stale-1"')]"
expect 200
sleep 5.5
events_get stale
wait_for "$WORK/stale.events" '"event":"answered"' 5
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "[$(c2s end)]"
wait "$GET_PID" || fail "curl GET exited with $?"
grep -q stale-1 "$WORK/stale.events" && fail "a pong older than 5 s was sent"
stop_riptd 10

# --- the no-byway timer ------------------------------------------------------------
step "no signaling byway for the configured time (2 s here) ends a call"
sed 's/"ring-timeout-ms": 3000/"no-byway-timeout-ms": 2000, "ring-timeout-ms": 3000, "ended-call-keep-ms": 4000/' \
  "$STATE/riptd.json" >"$STATE/short.json"
grep -q '"no-byway-timeout-ms": 2000' "$STATE/short.json" || fail "cannot shorten the timer"
start_riptd_config 30 "$STATE/short.json"
setup_caller phone "1 in: opus; 2 out: opus;"
new_call "$(dev numbers echo)"
sleep 2.6
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = ended ] || fail "state $(field state) after 2.6 s without byways"
events_get lonely
wait "$GET_PID" || fail "curl GET exited with $?"
is_event 1 "$WORK/lonely.events" end
grep -q '"reason":"no signaling byway was open for 2000 ms"}$' "$WORK/lonely.events" ||
  fail "reason: $(cat "$WORK/lonely.events")"
LONELY=$CALL
step "... but not while a GET is open, and again once it is gone"
new_call "$(dev numbers echo)"
events_get held
sleep 3
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = answered ] || fail "state $(field state) with a GET open"
kill "$GET_PID"
wait "$GET_PID" 2>/dev/null || true
sleep 2.6
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = ended ] || fail "state $(field state) 2.6 s after the GET went"
step "an ended call's record goes after ended-call-keep-ms (4 s here)"
CALL=$LONELY
h2 GET "$CALL" "${AUTH[@]}"
expect 404 not-found "there is no call $(uuid) on TG main"
h2 GET "$CALL/events" "${AUTH[@]}"
expect 404 not-found "there is no call $(uuid) on TG main"
step "SIGTERM: riptd exits 0"
stop_riptd 10
step "all checks passed"
