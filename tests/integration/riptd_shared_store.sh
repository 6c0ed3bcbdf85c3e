#!/usr/bin/env bash
# Two riptd processes share one SQLite database file on one machine, the
# simplest shared store (issue 9 §4; docs/PROTOCOL.md decision 82). Node a
# creates calls; their byways are then sent to node b, the client pointed
# there as a load balancer would do. While a's lease on a call runs, b sends
# the client to a (`migrate` with a's URI on the events GET, 421 on the
# other byways) and never answers 404; the client follows and the call
# goes on on a. Once a is killed and its lease has run out, b takes the
# call over (compare-and-set) and the call goes on on b.
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
stop_riptd 10
FROM=$(dev from 0)
ECHO=$(dev numbers echo)
# One configuration for both nodes: the dev one with its calls in
# shared.db and a short lease, so that the test does not wait long for a
# dead node's to run out.
LEASE_MS=3000
"$ITOOL" json "$STATE/riptd.json" >/dev/null || fail "no riptd.json"
sed 's/"store": {[^}]*}/"store": {"type": "sqlite", "path": "shared.db", "lease-ms": '"$LEASE_MS"'}/' \
  <(tr -d '\n' <"$STATE/riptd.json") >"$STATE/shared.json"
grep -q '"lease-ms": 3000' "$STATE/shared.json" || fail "cannot edit the configuration"

# start_node NAME: riptd --config shared.json --node-id NAME on a free port;
# sets NODE_PID[NAME] and NODE_ROOT[NAME]; its log is $WORK/NAME.log.
declare -A NODE_PID NODE_ROOT
start_node() {
  local name=$1 tenths=0 log=$WORK/$1.log
  setpriv --pdeathsig KILL -- "$RIPTD" --config "$STATE/shared.json" \
    --listen 127.0.0.1:0 --node-id "$name" >"$log" 2>&1 &
  NODE_PID[$name]=$!
  until grep -q '^riptd: listening on ' "$log"; do
    kill -0 "${NODE_PID[$name]}" 2>/dev/null || fail "node $name exited: $(cat "$log")"
    [ "$tenths" -lt 300 ] || fail "node $name not listening after 30 s"
    sleep 0.1
    tenths=$((tenths + 1))
  done
  NODE_ROOT[$name]=$(sed -n 's/^riptd: listening on .*, root \(https:[^ ,]*\).*/\1/p' "$log")
}
stop_nodes() {
  for pid in "${NODE_PID[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap 'stop_nodes; cleanup' EXIT

start_node a
start_node b
step "node a at ${NODE_ROOT[a]}, node b at ${NODE_ROOT[b]}, one database"
ROOT=${NODE_ROOT[a]}
TG=$ROOT/providertgs/main
TOKEN=$(cat "$STATE/token")
CACERT=$STATE/ca.pem
AUTH=(-H "Authorization: Bearer $TOKEN")
setup_caller phone "1 in: PCMU; 2 out: PCMU;"
LOG=$WORK/a.log # what fail() shows

# at_b URI: the same call URI with node b's authority.
at_b() { echo "${NODE_ROOT[b]}${1#"${NODE_ROOT[a]}"}"; }

step "a call made on a, asked at b: b knows it and sends the client to a"
new_call "$ECHO"
CALL_A=$CALL
CALL_B=$(at_b "$CALL_A")
h2 GET "$CALL_B" "${AUTH[@]}"
expect 200
[ "$(field uri)" = "$CALL_B" ] || fail "b describes the call as $(field uri)"
h2 GET "$CALL_B/events" "${AUTH[@]}"
expect 200
[ "$(header content-type)" = application/json ] || fail "events content type"
grep -q "^\[{\"event\":\"migrate\",\"direction\":\"s2c\",.*\"call\":\"$CALL_B\",\"uri\":\"$CALL_A\"}$" "$WORK/body" ||
  fail "no migrate to a: $(body)"
[ "$(tail -n1 "$WORK/body")" = "]" ] || fail "the array is not closed: $(body)"
misdirected() {
  expect 421 misdirected "call $(basename "$CALL_A") is held by another riptd node; its byways go to $CALL_A"
  [ "$(header retry-after)" = 1 ] || fail "no Retry-After on the 421"
}
h2 GET "$CALL_B/media" "${AUTH[@]}"
misdirected
h2 PUT "$CALL_B/media" "${AUTH[@]}" -H 'Content-Type: application/ript-chunks' --data-binary x
misdirected
grep -q 'taken over' "$WORK/b.log" && fail "b took the call over while a holds it"

step "a client pointed at b follows to a, and its echo comes back"
CALL=$CALL_B
mcall --byways --seconds 3 --min-correlation 0.9
echo_ok
at_least "$(figure migrations)" 1 || fail "the client did not migrate to a"
grep -q 'taken over' "$WORK/b.log" && fail "b took the call over while a holds it"

step "a dies (SIGKILL): until its lease runs out b still sends clients to a"
CALL=$CALL_A
new_call "$ECHO"
CALL_A=$CALL
CALL_B=$(at_b "$CALL_A")
sleep 0.7 # answered, the state written by a
kill -KILL "${NODE_PID[a]}"
wait "${NODE_PID[a]}" 2>/dev/null || true
h2 GET "$CALL_B/events" "${AUTH[@]}"
expect 200
grep -q "\"uri\":\"$CALL_A\"" "$WORK/body" || fail "b did not send the client to a: $(body)"

step "once a's lease ran out, b takes the call over and the call goes on"
sleep $(((LEASE_MS + 500) / 1000 + 1))
CALL=$CALL_B
mcall --seconds 3 --min-correlation 0.9
echo_ok
grep -q "riptd: call $(basename "$CALL_A"): taken over from the store (state answered)" "$WORK/b.log" ||
  fail "b did not take the call over: $(cat "$WORK/b.log")"
h2 GET "$CALL_B" "${AUTH[@]}"
expect 200
[ "$(field state)" = ended ] || fail "state $(field state) after the client's end"
step "all checks passed"
