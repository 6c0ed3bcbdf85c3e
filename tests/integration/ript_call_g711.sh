#!/usr/bin/env bash
# `ript call --codec PCMU` and `--codec PCMA` against riptd configured to
# prefer that codec (the sink's preference decides, so riptd's decides
# what the client sends): G.711 both ways, the spoken sentence to the echo
# number over HTTP/3 datagrams, HTTP/3 media byways and HTTP/2 media byways
# at once, each recording with an aligned correlation of at least 0.9
# (measured: 1.000 for both codecs on every transport).
source "$(dirname "$0")/riptd_lib.bash"
source "$(dirname "$0")/ript_call_lib.bash"

G711_MIN=0.9

start_riptd 30
FROM=$(dev from 0)
ECHO=$(dev numbers echo)
stop_riptd 10
voice "$WORK/voice.wav"

for codec in PCMU PCMA; do
  others=$(printf 'opus; PCMU; PCMA;' | sed "s/ $codec;//; s/^$codec; //")
  jq --arg a "1 in: $codec; $others telephone-event; CN; 1 out: $codec; $others telephone-event; CN;" \
    '.advertisement = $a' "$STATE/riptd.json" >"$STATE/$codec.json" || fail "jq on riptd.json"
  start_riptd_config 30 "$STATE/$codec.json"
  C=(--root "$ROOT" --token "$TOKEN" --cacert "$CACERT")
  step "riptd prefers $codec: the sentence over h3 datagrams, h3 byways and h2 byways at once"
  call_bg "$codec-dgram" "${C[@]}" call --codec "$codec" --from "$FROM" --to "$ECHO" \
    --play "$WORK/voice.wav" --record "$WORK/$codec-dgram.wav" --media datagram
  call_bg "$codec-h3byway" "${C[@]}" call --codec "$codec" --from "$FROM" --to "$ECHO" \
    --play "$WORK/voice.wav" --record "$WORK/$codec-h3byway.wav" --media byway
  call_bg "$codec-h2byway" "${C[@]}" --transport h2 call --codec "$codec" --from "$FROM" \
    --to "$ECHO" --play "$WORK/voice.wav" --record "$WORK/$codec-h2byway.wav"
  for way in dgram h3byway h2byway; do
    name=$codec-$way
    call_wait "$name"
    answered_ok "$name"
    [ "$(q "$name" '.codecs | "\(.sent) \(.received)"')" = "$codec $codec" ] ||
      fail "$name: codecs $(q "$name" .codecs)"
    similar "$name" "$WORK/voice.wav" "$WORK/$name.wav" "$G711_MIN"
  done
  DEVICE=$(cat "$HOME/.ript/device-id")
  h2 GET "$TG/handlers/$DEVICE-call-${codec,,}" "${AUTH[@]}"
  expect 200
  [ "$(field advertisement)" = "1 in: $codec; $others telephone-event; CN; 1 out: $codec; $others telephone-event; CN;" ] ||
    fail "the handler of --codec $codec: $(body)"
  stop_riptd 10
done
step "all checks passed"
