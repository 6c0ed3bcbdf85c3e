#!/usr/bin/env bash
# Hostile peers at the HTTP/2, HTTP/3 and QUIC layers (docs/SECURITY.md):
# while ript-load runs a few well-behaved echo calls, ript-attack performs
# one attack at a time (Rapid Reset over h2 and h3, a CONTINUATION flood,
# too many header fields, a header section that never ends, never-ending
# bodies over h2 and h3, a QUIC connection flood from many ports), and curl
# sends a huge header and a never-ending upload. Each attack must be cut
# off, the good calls must complete with no media lost, riptd's counters
# must show every limit at work, its memory must come back near where it
# was, and it must exit clean.
source "$(dirname "$0")/riptd_lib.bash"

LOAD=$RIPT_BIN_DIR/ript-load
ATTACK=$RIPT_BIN_DIR/ript-attack
[ -x "$LOAD" ] && [ -x "$ATTACK" ] || fail "ript-load or ript-attack not built"

start_riptd 20
stop_riptd 20
# Short deadlines, a low handshake cap and a small reset budget, so that
# each attack meets its limit within seconds, also when ASan slows the
# attacker (the reset budget is a rate: a slow enough attacker never
# trips it, whatever it is).
sed -e '1a\  "advertisement": "1 in: PCMU; opus; 1 out: PCMU; opus;",' \
  -e '1a\  "transport-limits": {"header-timeout-ms": 2000, "body-timeout-ms": 3000, "max-handshakes-per-address": 50, "reset-burst": 500, "reset-rate": 50},' \
  "$STATE/riptd.json" >"$STATE/hostile.json"
start_riptd_config 20 "$STATE/hostile.json"
PORT=${ROOT##*:}
PORT=${PORT%%/*}
TARGET=(--root "$ROOT" --token "$TOKEN" --cacert "$CACERT" --tg "$TG"
  --from "$(dev from 0)" --to "$(dev numbers echo)")
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$RIPTD_PID/status"; }
r() { "$ITOOL" json "$WORK/report.json" "$@"; }

# good TRANSPORT: ript-load with 3 echo calls over byways in the
# background; LOAD_PID.
good() {
  setpriv --pdeathsig KILL -- timeout 120 "$LOAD" "${TARGET[@]}" --calls 3 \
    --ramp 10 --hold 6 --transport "$1" --media byway --byways 4 --json \
    >"$WORK/report.json" 2>"$WORK/load.err" &
  LOAD_PID=$!
  sleep 2 # the calls are up before the attack starts
}
good_ok() {
  local status=0
  wait "$LOAD_PID" || status=$?
  [ "$status" -eq 0 ] || fail "$1: the good calls failed ($status): $(cat "$WORK/load.err") $(r error_samples)"
  [ "$(r ok)" = 3 ] || fail "$1: $(r ok) of 3 good calls completed"
  [ "$(r chunks lost)" = 0 ] || fail "$1: the good calls lost $(r chunks lost) chunks"
  step "  good calls: $(r chunks sent) chunks sent, $(r chunks received) received, none lost"
}
# attack NAME MODE ARGS...: ript-attack must report the attack cut off.
attack() {
  local name=$1 out status=0
  shift
  out=$(setpriv --pdeathsig KILL -- timeout 60 "$ATTACK" "$@" --port "$PORT" \
    --ca "$CACERT") || status=$?
  step "  $out"
  [ "$status" -eq 0 ] || fail "$name: not cut off (status $status): $out"
}

step "warm-up: the good calls alone"
good h3
good_ok warm-up
RSS0=$(rss)

for t in h2 h3; do
  step "$t Rapid Reset (CVE-2023-44487) during good calls"
  good $t
  attack "$t rapid reset" $t-rapid-reset --count 100000 --seconds 20
  good_ok "$t rapid reset"
done

step "CONTINUATION flood, too many header fields, a header section that never ends"
good h2
attack continuation h2-continuation --count 5000 --seconds 10
attack "many headers" h2-many-headers --count 300 --seconds 10
attack "slow headers" h2-slow-headers --seconds 10
good_ok "header attacks"

for t in h2 h3; do
  step "$t never-ending request bodies during good calls"
  good $t
  attack "$t slow body" $t-slow-body --count 50 --seconds 15
  good_ok "$t slow body"
done

step "QUIC connection flood from many source ports during good calls"
good h3
attack "quic flood" quic-flood --count 2000 --seconds 10
good_ok "quic flood"

step "curl: a huge header section (4 fields of 20 kB) is refused (431, or the connection ends)"
BIG=$(head -c 20000 /dev/zero | tr '\0' a)
STATUS=$(setpriv --pdeathsig KILL -- curl -sS --http2 --max-time 10 --cacert "$CACERT" \
  -o /dev/null -w '%{http_code}' -H "x-big1: $BIG" -H "x-big2: $BIG" \
  -H "x-big3: $BIG" -H "x-big4: $BIG" "$ROOT" 2>"$WORK/curl.err") || true
[ "$STATUS" = 431 ] || [ "$STATUS" = 000 ] || fail "huge header: status $STATUS $(cat "$WORK/curl.err")"
step "  curl: status $STATUS $(tr -d '\n' <"$WORK/curl.err")"
h2 GET "$ROOT"
expect 200

step "curl: a never-ending upload is reset at the body deadline (counted below)"
setpriv --pdeathsig KILL -- curl -sS --http2 --max-time 8 --cacert "$CACERT" \
  --limit-rate 1k -X POST -T /dev/zero "${AUTH[@]}" -o /dev/null "$TG/handlers" \
  2>"$WORK/curl.err" || true

step "riptd's memory comes back (idle connections close)"
sleep 2
RSS1=$(rss)
step "  RSS $RSS0 KiB before the attacks, $RSS1 KiB after"
if ldd "$RIPTD" | grep -q libasan; then
  # ASan keeps freed memory in quarantine (256 MiB), so RSS says nothing
  # here; its leak check at riptd's exit (stop_riptd wants status 0) does.
  step "  (an ASan build: the leak check at exit stands in for the RSS bound)"
else
  [ "$RSS1" -lt $((RSS0 + 32768)) ] || fail "RSS grew from $RSS0 to $RSS1 KiB"
fi

stop_riptd 20
LINE=$(grep 'riptd: transport limits' "$LOG" | tail -n1)
step "  $LINE"
count() { sed -n "s/.*$1 \\([0-9]*\\).*/\\1/p" <<<"$LINE"; }
[ "$(count reset-floods)" -ge 2 ] || fail "reset floods not counted: $LINE"
[ "$(count headers-too-large)" -ge 1 ] || fail "431s not counted: $LINE"
[ "$(count header-timeouts)" -ge 1 ] || fail "header timeouts not counted: $LINE"
[ "$(count body-timeouts)" -ge 101 ] || fail "body timeouts not counted: $LINE"
[ "$(count retries-sent)" -ge 1 ] || fail "no Retry sent: $LINE"
[ "$(count protocol-errors)" -ge 1 ] || fail "the CONTINUATION flood was not counted: $LINE"
step "PASS"
