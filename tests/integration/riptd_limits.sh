#!/usr/bin/env bash
# riptd's per-customer and per-call limits (docs/SECURITY.md), each with
# its status and reason, driven by curl over HTTP/2 against a riptd whose
# configuration makes them small: signaling byways per call, ten thousand
# media byways on one call (only the first ones are held; the rest get 429
# at once, and riptd keeps no more; small flow-control windows), an event
# stream longer than allowed
# (413), calls per customer (429); floods from ngtcp2's gtlsclient; garbage: truncated chunks, chunks
# meant for another call, events a client may not send. Through all this a
# call's media keeps flowing: ript_mcall echoes 3 s of speech through it
# afterwards, and riptd exits 0 (under ASan in `make check-sanitize`, which
# then also finds any leak).
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
FROM=$(dev from 0)
ECHO=$(dev numbers echo)
CONFIG=$(dev config)
stop_riptd 10
jq '.limits = {"signaling-byways-per-call": 3, "media-byways-per-call": 20,
               "event-stream-max-bytes": 4096, "calls-per-customer": 2}
    | .["transport-limits"] = {"stream-window": 65536, "connection-window": 262144}' \
  "$CONFIG" >"$STATE/limits.json" || fail "jq on riptd.json"
start_riptd_config 30 "$STATE/limits.json"
setup_caller phone "1 in: PCMU; 1 out: PCMU;"
new_call "$ECHO"
FIRST=$CALL
step "riptd with small limits is up at $ROOT; call $CALL"

step "three reverse signaling byways are held; the fourth gets 429"
GETS=()
for i in 1 2 3; do
  events_get "get$i"
  GETS+=("$GET_PID")
done
for i in 1 2 3; do wait_for "$WORK/get$i.events" 'proceeding' 10; done
h2 GET "$CALL/events" "${AUTH[@]}"
expect 429 too-many-byways "call ${CALL##*/} already has 3 reverse signaling byways open"

step "ten thousand reverse media byways on one connection: 20 held, the rest 429"
: >"$WORK/many.cfg"
for _ in $(seq 10000); do
  printf 'url = "%s/media"\noutput = "/dev/null"\n' "$CALL" >>"$WORK/many.cfg"
done
start=$(date +%s)
setpriv --pdeathsig KILL -- curl -sS --http2 --cacert "$CACERT" "${AUTH[@]}" \
  --parallel --parallel-max 300 --max-time 8 -w '%{http_code}\n' \
  -K "$WORK/many.cfg" >"$WORK/many.codes" 2>"$WORK/many.err" || true
refused=$(grep -c '^429$' "$WORK/many.codes" || true)
held=$(grep -vc '^429$' "$WORK/many.codes" || true)
step "  $refused refused, $held held until curl gave up, in $(( $(date +%s) - start )) s"
[ "$refused" = 9980 ] || fail "$refused media byways refused, want 9980 ($held others)"
kill -0 "$RIPTD_PID" || fail "riptd died"

step "ngtcp2's gtlsclient: 2000 streams without a token on one call's byways, and a 1 MB PUT body"
PORT=${ROOT##*:}
PORT=${PORT%%/*}
head -c 1000000 /dev/zero >"$WORK/big.bin"
for args in "-n 2000 $CALL/media" "-n 20 -m PUT -d $WORK/big.bin $CALL/media"; do
  # shellcheck disable=SC2086 # the arguments are split on purpose
  timeout 60 setpriv --pdeathsig KILL -- gtlsclient -q --exit-on-all-streams-close \
    --timeout=10s $args 127.0.0.1 "$PORT" >"$WORK/gtls.log" 2>&1 || true
done
kill -0 "$RIPTD_PID" || fail "riptd died under gtlsclient"

step "an event stream longer than event-stream-max-bytes: 413"
{
  printf '['
  for i in $(seq 40); do
    [ "$i" = 1 ] || printf ','
    c2s ping ",\"nonce\":\"n$i-0123456789abcdef0123456789abcdef\""
  done
  printf ']'
} >"$WORK/long.json"
[ "$(wc -c <"$WORK/long.json")" -gt 4096 ] || fail "the event stream is too short"
h2 PUT "$CALL/events" "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/long.json"
expect 413 payload-too-large "a signaling byway carries at most 4096 bytes; open another"

step "garbage media: a truncated chunk, a chunk of another stream, a chunk into another call"
CHUNK=060101070101010800000000000000010208000001702c654800030100000a0408fffefdfc7c7d7e7f
unhex() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
unhex "${CHUNK:0:40}" >"$WORK/truncated.bin"
unhex "$CHUNK" >"$WORK/chunk.bin"
[ "$(wc -c <"$WORK/chunk.bin")" = 41 ] || fail "the chunk is $(wc -c <"$WORK/chunk.bin") bytes"
for body in truncated chunk; do
  h2 PUT "$CALL/media" "${AUTH[@]}" -H 'Content-Type: application/ript-chunks' \
    --data-binary @"$WORK/$body.bin"
  [ "$STATUS" = 200 ] || fail "PUT $body: $STATUS $(body)"
done

step "an event in an illegal state: a client cannot answer"
printf '[%s]' "$(c2s answered)" >"$WORK/illegal.json"
h2 PUT "$CALL/events" "${AUTH[@]}" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/illegal.json"
[ "$STATUS" = 409 ] && [ "$(field error)" = illegal-event ] || fail "answered from the client: $STATUS $(body)"

step "two calls per customer: the third is refused"
new_call "$ECHO"
SECOND=$CALL
h2 PUT "$SECOND/media" "${AUTH[@]}" -H 'Content-Type: application/ript-chunks' \
  --data-binary @"$WORK/chunk.bin"
[ "$STATUS" = 200 ] || fail "PUT a chunk into the second call: $STATUS $(body)"
place_call "$HANDLER" "$ECHO" "$(passport "$WORK/leaf.key" "$FROM" "$ECHO" "$(date +%s)" "$CERT_URL")"
expect 429 too-many-calls "customer dev already has 2 calls; end one first"

step "the first call still carries media both ways"
kill -0 "$RIPTD_PID" || fail "riptd died"
kill "${GETS[@]}" 2>/dev/null || true # its signaling byways, for ript_mcall
wait "${GETS[@]}" 2>/dev/null || true
CALL=$FIRST
mcall --seconds 3 --min-correlation 0.9
echo_ok
stop_riptd 10
step "all checks passed"
