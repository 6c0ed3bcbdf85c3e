#!/usr/bin/env bash
# End-to-end media encryption (docs/PROTOCOL.md §10.2, §10.8) with the real
# riptd and `ript call`: riptd --dev's configuration gets a media key on
# the echo route and none on the conference; then
#   a) --media-key to the echo with the same key: the recording matches;
#   b) two calls with another key into the conference: riptd forwards the
#      chunks it cannot open, and the one playing the sentence is heard by
#      the one recording it (the relay never had the plaintext);
#   c) a wrong secret for a route that plays its tone sealed with key 7:
#      undecryptable chunks reported once, nothing heard, exit 0 (the call
#      itself went fine);
#   d) that route without a key, and a key given to the keyless play
#      route: a clear message and counted drops on each side;
# and --media-key-file, and a bad key before anything is sent.
source "$(dirname "$0")/riptd_lib.bash"
source "$(dirname "$0")/ript_call_lib.bash"

OPUS_MIN=0.85
ECHO_KEY=7:000102030405060708090a0b0c0d0e0f
ECHO_WRONG=7:0f0e0d0c0b0a09080706050403020100
ROOM_KEY=9:vFhxmnMIDs3PVpX23wEYBRFQH6a4gtk2Q6L-yRu8ZUQ

start_riptd 30
stop_riptd 10
# The echo gets key 7, and a new number plays the tone sealed with it.
P7=+15550109000
jq --arg k "$ECHO_KEY" --arg p7 "$P7" \
  '(.tgs[].routes[] | select(.action == "echo")) += {"media-key": $k} |
   .tgs[0].routes += [{"match": $p7, "action": "play", "file": "tone.wav", "media-key": $k}]' \
  "$STATE/riptd.json" >"$STATE/e2e.json" || fail "cannot edit the configuration"
start_riptd_config 30 "$STATE/e2e.json"
FROM=$(dev from 0)
number() { dev numbers "$1"; }
S=(--root "$ROOT" --cacert "$CACERT" --token "$TOKEN")
voice "$WORK/voice.wav"
step "riptd is up at $ROOT, the echo with media key 7, the conference with none"

# riptd_line UUID: riptd's log line for the end of call UUID.
riptd_line() {
  local uuid=${1##*/}
  for _ in $(seq 50); do
    grep -q "^riptd: call $uuid ended: " "$LOG" && break
    sleep 0.1
  done
  grep "^riptd: call $uuid ended: " "$LOG" || fail "no log line for call $uuid"
}

step "a) the echo with its key: sealed both ways, the recording matches"
call echo "${S[@]}" call --from "$FROM" --to "$(number echo)" --media-key "$ECHO_KEY" \
  --play "$WORK/voice.wav" --record "$WORK/echo.wav"
answered_ok echo
[ "$(q echo '.chunks.undecryptable')/$(q echo '."media-key"')" = 0/7 ] || fail "echo: $(cat "$WORK/echo.json")"
similar echo "$WORK/voice.wav" "$WORK/echo.wav" "$OPUS_MIN"
LINE=$(riptd_line "$(q echo .call)")
[[ $LINE =~ media\ key\ 7,\ received\ ([0-9]+),\ undecryptable\ 0,\ forwarded\ 0$ ]] || fail "echo: $LINE"
at_least "${BASH_REMATCH[1]}" 500 || fail "echo: riptd opened too little: $LINE"
step "  riptd: $LINE"

step "b) two calls with a key riptd lacks into the conference: forwarded unopened"
printf '%s\n' "$ROOM_KEY" >"$WORK/room.key"
chmod 600 "$WORK/room.key"
call_bg listener "${S[@]}" call --from "$FROM" --to "$(number conference)" \
  --media-key-file "$WORK/room.key" --duration 16 --record "$WORK/heard.wav"
sleep 1.5
call talker "${S[@]}" call --from "$FROM" --to "$(number conference)" --media-key "$ROOM_KEY" \
  --play "$WORK/voice.wav"
answered_ok talker
call_wait listener
answered_ok listener
[ "$(q talker .chunks.undecryptable)/$(q listener .chunks.undecryptable)" = 0/0 ] ||
  fail "conference: undecryptable: $(cat "$WORK/talker.json") $(cat "$WORK/listener.json")"
at_least "$(q listener .chunks.received)" 500 || fail "listener: $(cat "$WORK/listener.json")"
similar listener "$WORK/voice.wav" "$WORK/heard.wav" "$OPUS_MIN" 5000
LINE=$(riptd_line "$(q talker .call)")
[[ $LINE =~ media\ key\ none,\ received\ 0,\ undecryptable\ ([0-9]+),\ forwarded\ ([0-9]+)$ ]] ||
  fail "talker: $LINE"
at_least "${BASH_REMATCH[2]}" 500 || fail "talker: riptd forwarded too little: $LINE"
at_least "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" || fail "talker: $LINE"
step "  riptd: $LINE"

# silent NAME: the recording of call NAME holds no sound: nothing was
# decoded (0 s), or what was is silence (RMS below 0.001).
silent() {
  [ "$(q "$1" '."recorded-s"')" = 0 ] && return
  local r
  r=$(sox "$WORK/$1.wav" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')
  at_least 0.001 "$r" || fail "$1: the recording is not silence (RMS $r)"
}

step "c) the right key ID with a wrong secret: counted, reported, nothing heard"
call wrong "${S[@]}" call --from "$FROM" --to "$P7" --media-key "$ECHO_WRONG" \
  --play "$WORK/voice.wav" --record "$WORK/wrong.wav" --duration 3
[ "$RC" = 0 ] || fail "wrong: exit $RC: $(cat "$WORK/wrong.err")"
at_least "$(q wrong .chunks.undecryptable)" 50 || fail "wrong: $(cat "$WORK/wrong.json")"
[ "$(q wrong .chunks.received)" = 0 ] || fail "wrong: $(cat "$WORK/wrong.json")"
grep -q 'undecryptable media: media from the far end cannot be decrypted: key 7 does not authenticate it' \
  "$WORK/wrong.err" || fail "wrong: $(cat "$WORK/wrong.err")"
[ "$(grep -c 'undecryptable media' "$WORK/wrong.err")" = 1 ] || fail "wrong: told more than once"
silent wrong
LINE=$(riptd_line "$(q wrong .call)")
[[ $LINE =~ media\ key\ 7,\ received\ 0,\ undecryptable\ ([0-9]+) ]] && at_least "${BASH_REMATCH[1]}" 50 ||
  fail "wrong: $LINE"
step "  riptd: $LINE"

step "d) riptd has a key and the call none, then the reverse"
call nokey "${S[@]}" call --from "$FROM" --to "$P7" --play "$WORK/voice.wav" \
  --record "$WORK/nokey.wav" --duration 3
[ "$RC" = 0 ] || fail "nokey: exit $RC: $(cat "$WORK/nokey.err")"
grep -qE 'undecryptable media: media from the far end is encrypted with key 7 \(key id 0x0007[89a-f][0-9a-f]{3}\)' \
  "$WORK/nokey.err" || fail "nokey: $(cat "$WORK/nokey.err")"
at_least "$(q nokey .chunks.undecryptable)" 50 || fail "nokey: $(cat "$WORK/nokey.json")"
[ "$(q nokey '."media-key"')" = null ] || fail "nokey: $(cat "$WORK/nokey.json")"
silent nokey
LINE=$(riptd_line "$(q nokey .call)")
[[ $LINE =~ media\ key\ 7,\ received\ 0,\ undecryptable\ ([0-9]+) ]] && at_least "${BASH_REMATCH[1]}" 50 ||
  fail "nokey: $LINE $(cat "$WORK/nokey.json")"
step "  riptd: $LINE"
call plain "${S[@]}" call --from "$FROM" --to "$(number play)" --media-key "$ECHO_KEY" \
  --record "$WORK/plain.wav" --duration 2
[ "$RC" = 0 ] || fail "plain: exit $RC: $(cat "$WORK/plain.err")"
grep -q 'undecryptable media: media from the far end is not encrypted, but --media-key was given' \
  "$WORK/plain.err" || fail "plain: $(cat "$WORK/plain.err")"
at_least "$(q plain .chunks.undecryptable)" 50 || fail "plain: $(cat "$WORK/plain.json")"
[ "$(q plain .chunks.received)" = 0 ] || fail "plain: $(cat "$WORK/plain.json")"
silent plain

step "bad keys: exit 2 before anything is sent, the secret never shown"
call badkey "${S[@]}" call --from "$FROM" --to "$(number echo)" --media-key 7:00112233
[ "$RC" = 2 ] && grep -qxF "ript: --media-key: at character 2 expected a secret of 32 or 64 hex digits or 22 or 43 base64url characters" \
  "$WORK/badkey.err" || fail "badkey: $RC $(cat "$WORK/badkey.err")"
printf 'x%s\n' "$ECHO_KEY" >"$WORK/bad.key"
call badfile "${S[@]}" call --from "$FROM" --to "$(number echo)" --media-key-file "$WORK/bad.key"
refused_call badfile 2 "$WORK/bad.key: not a media key: at character 0 expected a decimal key ID"
call nofile "${S[@]}" call --from "$FROM" --to "$(number echo)" --media-key-file "$WORK/none.key"
refused_call nofile 2 "cannot read $WORK/none.key: No such file or directory"
! grep -qF "${ECHO_KEY#7:}" "$WORK"/*.err || fail "a secret was printed"

stop_riptd 10
step "all checks passed"
