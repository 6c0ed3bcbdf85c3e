#!/usr/bin/env bash
# SIGUSR1 asks every live call to migrate (draft §9.13, docs/PROTOCOL.md
# decision 78). With curl over HTTP/2: `migrate` (no "uri": the call stays
# at its URI) arrives on every open GET {call}/events, which riptd then
# closes with "]"; a pong answered before the new GET is kept for it; the
# new GET starts with the current state; the call goes on and `end` works.
# Calls with no GET open (their client is already re-opening) and ended
# calls are not asked. Then ript_mcall, which honours migrate like a client
# must (every exchange dropped, a new connection without cookies), keeps
# calls going across SIGUSR1 over HTTP/3 datagrams and HTTP/2 byways: the
# play number's media, which riptd sends all the time, arrives without a
# gap (what went out on the old byways just before is replayed), and an
# echo comes back whole.
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
FROM=$(dev from 0)
setup_caller phone "1 in: PCMU; 2 out: PCMU;"
JSON=(-H 'Content-Type: application/json')
step "riptd --dev is up at $ROOT"

line() { sed -n "${1}p" "$2"; }
# is_event N FILE TYPE [END]: line N is the s2c event TYPE of CALL, and
# ends with END when given.
is_event() {
  local prefix=',' text
  [ "$1" = 1 ] && prefix='['
  text=$(line "$1" "$2")
  case "$text" in
    "$prefix{\"event\":\"$3\",\"direction\":\"s2c\",\"timestamp\":\"20"*"Z\",\"call\":\"$CALL\""*) ;;
    *) fail "line $1 of $2 is not $3: $text" ;;
  esac
  [ -z "${4:-}" ] || [[ "$text" == *"\"call\":\"$CALL\"$4" ]] ||
    fail "line $1 of $2 does not end with $4: $text"
}
# migrate_signal: SIGUSR1 to riptd; waits for the line it logs for it and
# sets ASKED to that line.
SIGNALS=0
migrate_signal() {
  SIGNALS=$((SIGNALS + 1))
  kill -USR1 "$RIPTD_PID"
  local tenths=0
  until [ "$(grep -c '^riptd: SIGUSR1: asked ' "$LOG")" -ge "$SIGNALS" ]; do
    [ "$tenths" -lt 100 ] || fail "riptd did not log SIGUSR1 number $SIGNALS"
    sleep 0.1
    tenths=$((tenths + 1))
  done
  ASKED=$(grep '^riptd: SIGUSR1: asked ' "$LOG" | sed -n "${SIGNALS}p")
}
# migrate_until N: SIGUSR1 again every 0.2 s (up to 20 s) until riptd asks
# N calls: on a slow machine a client's GET may open, or its close reach
# riptd, later than the test expects.
migrate_until() {
  local want="riptd: SIGUSR1: asked $1 live call" tries=0
  [ "$1" = 1 ] || want="${want}s"
  migrate_signal
  until [ "$ASKED" = "$want to migrate" ]; do
    [ "$tries" -lt 100 ] || fail "riptd logged: $ASKED"
    sleep 0.2
    tries=$((tries + 1))
    migrate_signal
  done
}

step "two GETs open on an answered call; SIGUSR1"
new_call "$(dev numbers echo)"
events_get first
FIRST_GET=$GET_PID
wait_for "$WORK/first.events" '"event":"answered"' 10
events_get second
SECOND_GET=$GET_PID
wait_for "$WORK/second.events" '"event":"answered"' 10
migrate_signal
[ "$ASKED" = "riptd: SIGUSR1: asked 1 live call to migrate" ] || fail "riptd logged: $ASKED"

step "migrate, without uri, on both GETs, then ] and their end"
wait "$FIRST_GET" || fail "the first curl GET exited with $?"
wait "$SECOND_GET" || fail "the second curl GET exited with $?"
is_event 4 "$WORK/first.events" migrate "}"
is_event 2 "$WORK/second.events" migrate "}"
[ "$(line 5 "$WORK/first.events")" = "]" ] || fail "first GET: $(cat "$WORK/first.events")"
[ "$(line 3 "$WORK/second.events")" = "]" ] || fail "second GET: $(cat "$WORK/second.events")"

step "before the new GET: a ping on a PUT is answered, its pong kept"
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(c2s ping ',"nonce":"between"')]"
expect 200
h2 GET "$CALL" "${AUTH[@]}"
expect 200
[ "$(field state)" = answered ] || fail "state $(field state) after migrate"

step "the new GET: the current state first, the kept pong, no second migrate"
events_get after
AFTER_GET=$GET_PID
wait_for "$WORK/after.events" '"nonce":"between"' 10
is_event 1 "$WORK/after.events" answered
[ "$(line 1 "$WORK/after.events" | sed 's/^\[//')" = "$(line 3 "$WORK/first.events" | sed 's/^,//')" ] ||
  fail "the announcement is not the answered event as first sent"
is_event 2 "$WORK/after.events" pong
grep -q '"event":"migrate"' "$WORK/after.events" && fail "migrate was sent again"

step "no GET open at SIGUSR1: not asked (it is already re-opening)"
kill "$AFTER_GET"
wait "$AFTER_GET" 2>/dev/null || true
migrate_until 0

step "end works after the migration, on a new GET (no migrate kept)"
events_get last
LAST_GET=$GET_PID
wait_for "$WORK/last.events" '"event":"answered"' 10
h2 PUT "$CALL/events" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "[$(c2s end ',"reason":"done after migrating"')]"
expect 200
wait "$LAST_GET" || fail "curl GET exited with $?"
is_event 2 "$WORK/last.events" end ',"reason":"done after migrating"}'
[ "$(line 3 "$WORK/last.events")" = "]" ] || fail "last: $(cat "$WORK/last.events")"
h2 GET "$CALL" "${AUTH[@]}"
[ "$(field state)" = ended ] || fail "state $(field state)"

step "an ended call is not asked"
migrate_signal
[ "$ASKED" = "riptd: SIGUSR1: asked 0 live calls to migrate" ] || fail "riptd logged: $ASKED"

# mcall_migrating NUMBER ARGS...: ript_mcall on a new call to NUMBER with
# ARGS, SIGUSR1 3 s later (about 2.5 s into its media); sets MCALL.
mcall_migrating() {
  new_call "$(dev numbers "$1")"
  shift
  setpriv --pdeathsig KILL -- "$MCALL_BIN" call --cacert "$CACERT" --token "$TOKEN" \
    --call "$CALL" "$@" >"$WORK/mcall.out" &
  local pid=$!
  sleep 3
  migrate_until 1
  wait "$pid" || fail "ript_mcall $*: $(cat "$WORK/mcall.out")"
  MCALL=$(cat "$WORK/mcall.out")
  echo "$TEST_NAME:   $MCALL"
  # (the client may also migrate on its own, e.g. 1 s without acks on a
  # loaded machine)
  at_least "$(figure migrations)" 1 || fail "no migration"
  [ "$(figure first_event)" = answered ] || fail "the new GET began with $(figure first_event)"
}

# Over HTTP/2 nothing may go missing; over datagrams UDP itself may drop one.
for transport in datagrams http2; do
  args=()
  [ $transport = http2 ] && args=(--http2)
  step "play over $transport, migrating mid-call: riptd's media all arrives"
  mcall_migrating play "${args[@]}" --seconds 4
  at_least "$(figure received)" 200 || fail "received $(figure received) chunks"
  [ $transport = datagrams ] || [ "$(figure lost)" = 0 ] || fail "lost $(figure lost) chunks"
  step "echo over $transport, migrating mid-call: the echo comes back whole"
  mcall_migrating echo "${args[@]}" --seconds 5 --min-correlation 0.9
  echo_ok
  # (play may panic at its start, before the client's GETs are in; echo
  # sends only what arrives)
  [ "$(figure panics)" = 0 ] || fail "media-panic during a migration riptd asked for"
  [ $transport = datagrams ] || [ "$(figure lost)" = 0 ] || fail "lost $(figure lost) chunks"
done

step "SIGTERM: riptd exits 0"
stop_riptd 10
step "all checks passed"
