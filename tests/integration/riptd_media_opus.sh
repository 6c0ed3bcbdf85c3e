#!/usr/bin/env bash
# Media through riptd with opus (the dev configuration prefers it both
# ways), driven by ript_mcall (libript's HTTP client, a client media
# session and the audio toolkit): 5 s of a voice-like signal to the echo
# number over HTTP/3 datagrams, HTTP/3 byways and HTTP/2 byways, checked by
# aligned correlation, loss and acknowledgements; early media from play;
# record into a file; the 31st reverse media byway refused with 429; and a
# client that drops its connection mid-call and comes back to the same call
# URI (events resume with the current state, media is replayed both ways).
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
FROM=$(dev from 0)
setup_caller opus "1 in: opus; 2 out: opus;"
step "riptd --dev is up at $ROOT"

# Opus runs twice (client and riptd) on a signal full of sweeps and noise:
# about 0.90 here, where G.711 gets 1.00 (riptd_media_pcmu).
for transport in datagrams byways http2; do
  case $transport in
    datagrams) args=() ;;
    byways) args=(--byways) ;;
    http2) args=(--http2) ;;
  esac
  step "echo, opus, 5 s over $transport"
  new_call "$(dev numbers echo)"
  mcall "${args[@]}" --seconds 5 --min-correlation 0.8
  echo_ok
  [ "$(figure panics)" = 0 ] || fail "media-panic during a plain echo"
done

step "play: early media (the tone) before answered, then the tone"
new_call "$(dev numbers play)"
mcall --seconds 2 --expect-early --received "$WORK/play.wav"
at_least "$(figure early)" 25 || fail "only $(figure early) frames before answered"
CMP=$("$RIPT_BIN_DIR/ript-wav-compare" "$STATE/tone.wav" "$WORK/play.wav") || fail "compare: $CMP"
echo "$TEST_NAME:   $CMP"
at_least "$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$CMP")" 0.9 || fail "the tone: $CMP"

step "record: the configured file (one file: the last call wins)"
rm -f "$STATE/record.wav"
new_call "$(dev numbers record)"
mcall --seconds 3 --sent "$WORK/sent.wav"
wait_file "$STATE/record.wav" 5
CMP=$("$RIPT_BIN_DIR/ript-wav-compare" "$WORK/sent.wav" "$STATE/record.wav") || fail "compare: $CMP"
echo "$TEST_NAME:   $CMP"
at_least "$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$CMP")" 0.8 || fail "the recording: $CMP"

step "31 reverse media byways: the 31st is refused with 429"
new_call "$(dev numbers echo)"
mcall --byways --gets 31 --seconds 2 --min-correlation 0.8
[ "$(figure gets_429)" = 1 ] || fail "$(figure gets_429) GETs refused"

for transport in datagrams http2; do
  args=()
  [ $transport = http2 ] && args=(--http2)
  step "a client drops its connection for 1 s mid-call ($transport) and comes back"
  new_call "$(dev numbers echo)"
  mcall "${args[@]}" --seconds 5 --drop-at 2000 --down-ms 1000 --min-correlation 0.8
  echo_ok
  [ "$(figure reconnected)" = 1 ] || fail "no reconnection"
  [ "$(figure first_event)" = answered ] || fail "the new GET began with $(figure first_event)"
  at_least "$(figure replayed)" 25 || fail "only $(figure replayed) chunks replayed"
  at_least "$(figure panics)" 1 || fail "riptd had media to send and did not panic"
done

step "SIGTERM: riptd exits 0"
stop_riptd 10
step "all checks passed"
