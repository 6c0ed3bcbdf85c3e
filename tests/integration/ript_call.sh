#!/usr/bin/env bash
# `ript call` against the real riptd --dev (which prefers opus): a spoken
# sentence to the echo number over HTTP/3 datagrams, HTTP/3 media byways
# and HTTP/2 media byways, five calls at once (one process each); early
# media from the play number; DTMF coming back in order; the declined,
# failed and noanswer flows; refusals (401, 403, 404) with the server's
# reason; bad arguments and files; SIGINT; no server. Every summary is read
# from --json with jq.
source "$(dirname "$0")/riptd_lib.bash"
source "$(dirname "$0")/ript_call_lib.bash"

# Opus at riptd's defaults, echoed (decoded and encoded again by riptd):
# the espeak-ng sentence measured 0.892 on every transport.
OPUS_MIN=0.85

start_riptd 30
FROM=$(dev from 0)
number() { dev numbers "$1"; }
D=(--dev "$STATE")
voice "$WORK/voice.wav"
step "riptd --dev is up at $ROOT"

step "early media from the play number; the first call gets the certificate and the handler"
call play "${D[@]}" call --from "$FROM" --to "$(number play)" --duration 3 --record "$WORK/play.wav"
answered_ok play
at_least "$(q play .chunks.early)" 10 || fail "play: no early media: $(cat "$WORK/play.json")"
at_least "$(q play '."answered-after-s"')" 0.8 || fail "play: answered at once: $(cat "$WORK/play.json")"
[ "$(q play '.codecs | "\(.sent) \(.received)"')" = "opus opus" ] || fail "play: codecs"
at_least "$(q play '."recorded-s"')" 2 || fail "play: recorded $(q play '."recorded-s"') s"
STATE_DIR=$HOME/.ript/$(sed -E 's,https://([^/]*)/.*,\1,; s/:/_/' <<<"$ROOT")
[ -s "$STATE_DIR/$FROM.json" ] || fail "no certificate kept in $STATE_DIR"
DEVICE=$(cat "$HOME/.ript/device-id")
jq -e --arg id "$DEVICE-call-opus" '.handlers | map(select(."handler-id" == $id)) | length == 1' \
  "$STATE_DIR/handlers.json" >/dev/null || fail "handlers.json: $(cat "$STATE_DIR/handlers.json")"
X5U=$(jq -r .x5u "$STATE_DIR/$FROM.json")

step "five calls at once: the sentence over h3 datagrams, h3 byways, h2 byways; DTMF over h3 and h2"
call_bg dgram "${D[@]}" call --from "$FROM" --to "$(number echo)" --play "$WORK/voice.wav" \
  --record "$WORK/dgram.wav" --media datagram
call_bg h3byway "${D[@]}" call --from "$FROM" --to "$(number echo)" --play "$WORK/voice.wav" \
  --record "$WORK/h3byway.wav" --media byway
call_bg h2byway "${D[@]}" --transport h2 call --from "$FROM" --to "$(number echo)" \
  --play "$WORK/voice.wav" --record "$WORK/h2byway.wav"
call_bg dtmf3 "${D[@]}" call --from "$FROM" --to "$(number echo)" --dtmf '159#*0AD' --duration 3
call_bg dtmf2 "${D[@]}" --transport h2 call --from "$FROM" --to "$(number echo)" --dtmf '2468' --duration 3
for name in dgram h3byway h2byway; do
  call_wait "$name"
  answered_ok "$name"
  [ "$(q "$name" .codecs.sent)/$(q "$name" .codecs.received)" = opus/opus ] || fail "$name: codecs"
  at_least "$(q "$name" '."duration-s"')" 11 || fail "$name: lasted $(q "$name" '."duration-s"') s"
  similar "$name" "$WORK/voice.wav" "$WORK/$name.wav" "$OPUS_MIN"
done
[ "$(q dgram .media)/$(q h3byway .media)/$(q h2byway '"\(.transport) \(.media)"')" = "datagram/byway/h2 byway" ] ||
  fail "transports"
[ "$(jq -r .x5u "$STATE_DIR/$FROM.json")" = "$X5U" ] || fail "the certificate was not reused"
call_wait dtmf3
answered_ok dtmf3
[ "$(q dtmf3 '."dtmf-heard"')" = '159#*0AD' ] || fail "dtmf3: heard $(q dtmf3 '."dtmf-heard"')"
at_least "$(q dtmf3 .chunks.dtmf)" 32 || fail "dtmf3: $(q dtmf3 .chunks.dtmf) telephone-event chunks"
call_wait dtmf2
answered_ok dtmf2
[ "$(q dtmf2 '."dtmf-heard"')" = 2468 ] || fail "dtmf2: heard $(q dtmf2 '."dtmf-heard"')"
at_least "$(q dtmf2 '.chunks."comfort-noise"')" 1 || fail "dtmf2: no comfort noise in silence"

step "declined, failed and noanswer: the event, then exit 1 with the reason"
call_bg decline "${D[@]}" call --from "$FROM" --to "$(number decline)"
call_bg failed "${D[@]}" --transport h2 call --from "$FROM" --to "$(number fail)"
call_bg noanswer "${D[@]}" call --from "$FROM" --to "$(number noanswer)"
call_wait decline
refused_call decline 1 "the call was declined: the callee declined the call"
[[ $(events decline | paste -sd' ') =~ ^call( proceeding)?( alerting)?\ declined$ ]] ||
  fail "decline: $(cat "$WORK/decline.err")"
call_wait failed
refused_call failed 1 "the call failed: calls to $(number fail) fail on this server"
call_wait noanswer
refused_call noanswer 1 "the call was not answered: nobody answered within 3000 ms"

step "refusals with the server's reason: 401, 403, 404"
call bad401 --root "$ROOT" --cacert "$CACERT" --token not-the-token-0000 call --from "$FROM" --to "$(number echo)"
refused_call bad401 1 "GET $ROOT/providertgs: 401 invalid-token: the bearer token is not valid here"
[ "$(q bad401 .error.status)" = 401 ] || fail "bad401: $(cat "$WORK/bad401.json")"
call notmine "${D[@]}" call --from +15550100010 --to "$(number echo)"
refused_call notmine 1 "POST $TG/certs: 403 number-not-allowed: customer dev may not use +15550100010 as caller ID"
call excluded "${D[@]}" call --from "$FROM" --to +15560000000
refused_call excluded 1 "POST $TG/calls: 403 destination-excluded: destination +15560000000 is excluded by TG main (destinations \"+1555*\")"
call noroute "${D[@]}" --transport h2 call --from "$FROM" --to +15550109999 --record "$WORK/noroute.wav"
refused_call noroute 1 "POST $TG/calls: 404 no-route: no route of TG main reaches destination +15550109999"
[ ! -e "$WORK/noroute.wav" ] || fail "noroute: a recording was left behind"
[ "$(q noroute '.error | "\(.status) \(.error)"')" = "404 no-route" ] || fail "noroute: $(cat "$WORK/noroute.json")"

step "a handler riptd forgot (422 unknown-handler) is registered again"
h2 DELETE "$TG/handlers/$DEVICE-call-opus" "${AUTH[@]}"
expect 204
call again "${D[@]}" call --from "$FROM" --to "$(number echo)" --duration 0.5
answered_ok again

step "bad arguments and input files: exit 2 before anything is sent"
call noto "${D[@]}" call --from "$FROM"
[ "$RC" = 2 ] && grep -qxF "ript: ript call needs --from NUMBER and --to DESTINATION" "$WORK/noto.err" ||
  fail "noto: $RC $(cat "$WORK/noto.err")"
call h2dgram "${D[@]}" --transport h2 call --from "$FROM" --to "$(number echo)" --media datagram
[ "$RC" = 2 ] && grep -qxF "ript: --media datagram needs HTTP/3 (--transport h3)" "$WORK/h2dgram.err" ||
  fail "h2dgram: $RC $(cat "$WORK/h2dgram.err")"
call noplay "${D[@]}" call --from "$FROM" --to "$(number echo)" --play "$WORK/none.wav"
refused_call noplay 2 "cannot read $WORK/none.wav: No such file or directory"
call notwav "${D[@]}" call --from "$FROM" --to "$(number echo)" --play "$STATE/dev.json"
refused_call notwav 2 "$STATE/dev.json is not a WAV file ript can read: at byte 0 expected \"RIFF\""
call norec "${D[@]}" call --from "$FROM" --to "$(number echo)" --record "$WORK/none/x.wav"
refused_call norec 2 "cannot write $WORK/none/x.wav: No such file or directory"

step "SIGINT ends the call cleanly (text output this time)"
setpriv --pdeathsig KILL -- "$RIPT" "${D[@]}" call --from "$FROM" --to "$(number echo)" \
  --duration 60 >"$WORK/int.out" 2>"$WORK/int.err" &
INT_PID=$!
wait_for "$WORK/int.out" '^\+[0-9.]+ s  answered$' 10
kill -INT "$INT_PID"
RC=0
wait "$INT_PID" || RC=$?
[ "$RC" = 0 ] || fail "SIGINT: exit $RC: $(cat "$WORK/int.err")"
grep -qE '^\+[0-9.]+ s  hanging up: interrupted$' "$WORK/int.out" || fail "SIGINT: $(cat "$WORK/int.out")"
grep -qE '^call https://.*: end: .* \(ended by ript\)$' "$WORK/int.out" || fail "SIGINT: $(cat "$WORK/int.out")"
grep -qE '^  chunks received  [0-9]+, lost 0 \(0\.0%\)' "$WORK/int.out" || fail "SIGINT: $(cat "$WORK/int.out")"

step "TLS failure and no server: exit 3"
call tls --root "$ROOT" --cacert "$STIRCA" --token "$TOKEN" call --from "$FROM" --to "$(number echo)"
PORT=${ROOT#https://127.0.0.1:}
PORT=${PORT%%/*}
refused_call tls 3 "GET $ROOT: TLS with 127.0.0.1:$PORT failed: its certificate is not trusted here or does not name 127.0.0.1 (trusted: the system's CAs and $STIRCA)"
stop_riptd 10
call down "${D[@]}" call --from "$FROM" --to "$(number echo)"
refused_call down 3 "GET $ROOT: cannot reach 127.0.0.1:$PORT over HTTP/3: no server answered there, or the connection was lost"
step "all checks passed"
