#!/usr/bin/env bash
# `make demo`: a real call on this machine. Starts `riptd --dev` on a free
# loopback port, has espeak-ng speak a sentence into a WAV file, calls the
# echo number with `ript call` over HTTP/3 datagrams (sending the sentence,
# recording what comes back), prints the call's summary and how closely the
# recording matches what was sent, and stops riptd. The files stay in a
# temporary directory for listening.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/build/bin
for prog in "$BIN/riptd" "$BIN/ript" "$BIN/ript-wav-compare"; do
  [ -x "$prog" ] || { echo "demo: $prog is not built (make build)" >&2; exit 1; }
done
for prog in espeak-ng jq; do
  command -v "$prog" >/dev/null ||
    { echo "demo: '$prog' is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ript-demo.XXXXXX")
cd "$WORK"
RIPTD_PID=""
stop_riptd() {
  [ -n "$RIPTD_PID" ] || return 0
  kill -TERM "$RIPTD_PID" 2>/dev/null || true
  local status=0
  wait "$RIPTD_PID" || status=$?
  RIPTD_PID=""
  return "$status"
}
trap stop_riptd EXIT
say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
# shown PROGRAM ARGS...: prints the command, then runs it from build/bin.
shown() {
  show "$@"
  "$BIN/$1" "${@:2}"
}

say "1. Start a RIPT server: riptd in development mode"
echo "   (in $WORK; port 0: any free port; --dev makes the CAs, a token and a trunk group)"
show riptd --dev --listen 127.0.0.1:0 --state riptd "&"
"$BIN/riptd" --dev --listen 127.0.0.1:0 --state riptd >riptd.log 2>&1 &
RIPTD_PID=$!
for _ in $(seq 300); do
  [ -f riptd/dev.json ] && break
  kill -0 "$RIPTD_PID" 2>/dev/null ||
    { echo "demo: riptd stopped:" >&2; cat riptd.log >&2; exit 1; }
  sleep 0.1
done
[ -f riptd/dev.json ] || { echo "demo: riptd wrote no dev.json in 30 s" >&2; exit 1; }
cat riptd.log
FROM=$(jq -r '.from[0]' riptd/dev.json)
ECHO=$(jq -r '.numbers.echo' riptd/dev.json)
echo "   dev.json: root, token and CA for clients; $ECHO echoes what it hears"

say "2. A spoken sentence, made by espeak-ng"
SENTENCE="Hello from ript. This sentence travels to a RIPT server over HTTP three and comes back as an echo."
show espeak-ng -w sentence.wav "'$SENTENCE'"
espeak-ng -w sentence.wav "$SENTENCE"

say "3. Call the echo number over HTTP/3 datagrams, send the sentence, record the echo"
shown ript --dev riptd --state ript call --from "$FROM" --to "$ECHO" \
  --play sentence.wav --record echo.wav --media datagram

say "4. How closely the recording matches what was sent"
show ript-wav-compare sentence.wav echo.wav
LINE=$("$BIN/ript-wav-compare" sentence.wav echo.wav)
echo "$LINE"
CORR=$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$LINE")
LAG=$(sed -n 's/.* lag_ms=\([^ ]*\).*/\1/p' <<<"$LINE")
echo "   aligned normalized cross-correlation $CORR (1 means identical, 0 unrelated),"
echo "   with the echo $LAG ms later than the sentence (the delay of opus, which coded it there and back)"

say "5. Stop riptd"
show kill -TERM "$RIPTD_PID"
stop_riptd || { echo "demo: riptd exited with status $?" >&2; exit 1; }
echo "   riptd exited cleanly"

say "Listen to them: $WORK/sentence.wav (sent) and $WORK/echo.wav (received)"
echo "   (e.g. play FILE, or aplay FILE). To see the bytes of each protocol layer: build/bin/ript-core-tour"
