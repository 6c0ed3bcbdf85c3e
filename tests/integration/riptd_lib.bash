# Shared by tests/integration/*.sh (sourced; not a test of its own).
#
# Starts the real riptd --dev on 127.0.0.1 port 0 in a temporary state
# directory, reads dev.json, and offers request and check helpers. Every
# process is started under `setpriv --pdeathsig KILL` so it dies with the
# test, riptd is also stopped by its PID in the EXIT trap, and every wait is
# bounded. Needs RIPT_BIN_DIR (riptd, ript_itool, ript_fetch).
set -euo pipefail

: "${RIPT_BIN_DIR:?RIPT_BIN_DIR must name the directory holding riptd}"
RIPTD=$RIPT_BIN_DIR/riptd
ITOOL=$RIPT_BIN_DIR/ript_itool
FETCH=$RIPT_BIN_DIR/ript_fetch
TEST_NAME=$(basename "$0" .sh)
for prog in "$RIPTD" "$ITOOL" "$FETCH"; do
  [ -x "$prog" ] || { echo "$TEST_NAME: FAIL: $prog not built" >&2; exit 1; }
done
for prog in curl openssl setpriv od; do
  command -v "$prog" >/dev/null ||
    { echo "$TEST_NAME: FAIL: '$prog' is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d)
STATE=$WORK/state
LOG=$WORK/riptd.log
RIPTD_PID=""

cleanup() {
  if [ -n "$RIPTD_PID" ]; then
    kill -KILL "$RIPTD_PID" 2>/dev/null || true
    wait "$RIPTD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "$TEST_NAME: FAIL: $*" >&2
  [ -f "$LOG" ] && sed 's/^/  riptd| /' "$LOG" >&2
  exit 1
}
step() { echo "$TEST_NAME: $*"; }

# A value of dev.json.
dev() { "$ITOOL" json "$STATE/dev.json" "$@"; }

# start_riptd SECONDS [WRAPPER...]: riptd --dev --listen $LISTEN (default
# 127.0.0.1:0) plus the options in the array RIPTD_ARGS, waiting up to
# SECONDS for dev.json; sets ROOT, TG, TOKEN, CACERT, STIRCA, AUTH (curl
# arguments).
start_riptd() {
  local seconds=$1 listen=${LISTEN:-127.0.0.1:0}
  shift
  local addr=${listen%:*}
  addr=${addr#[}
  addr=${addr%]}
  rm -f "$STATE/dev.json"
  setpriv --pdeathsig KILL -- "$@" "$RIPTD" --dev --listen "$listen" \
    --state "$STATE" ${RIPTD_ARGS[@]+"${RIPTD_ARGS[@]}"} >"$LOG" 2>&1 &
  RIPTD_PID=$!
  local tenths=0
  while [ ! -f "$STATE/dev.json" ]; do
    kill -0 "$RIPTD_PID" 2>/dev/null || fail "riptd exited before writing dev.json"
    [ "$tenths" -lt $((seconds * 10)) ] || fail "no dev.json after $seconds s"
    sleep 0.1
    tenths=$((tenths + 1))
  done
  ROOT=$(dev root)
  TG=$(dev tg)
  TOKEN=$(dev token)
  CACERT=$(dev cacert)
  STIRCA=$(dev stircacert)
  AUTH=(-H "Authorization: Bearer $TOKEN")
  local port=${ROOT##*:}
  port=${port%%/*}
  grep -qF "riptd: listening on $addr port $port (HTTP/3 and HTTP/2), root $ROOT, dev.json at $STATE/dev.json" "$LOG" ||
    fail "riptd did not announce where it listens"
}

# stop_riptd SECONDS [SIGNAL]: SIGTERM (or SIGNAL), then exit status 0
# within SECONDS.
stop_riptd() {
  local seconds=$1 tenths=0 status=0
  kill -"${2:-TERM}" "$RIPTD_PID"
  while kill -0 "$RIPTD_PID" 2>/dev/null; do
    [ "$tenths" -lt $((seconds * 10)) ] || fail "riptd still running $seconds s after SIG${2:-TERM}"
    sleep 0.1
    tenths=$((tenths + 1))
  done
  wait "$RIPTD_PID" || status=$?
  RIPTD_PID=""
  [ "$status" -eq 0 ] || fail "riptd exited with status $status after SIG${2:-TERM}"
}

# h2 METHOD URL [curl arguments...]: one request with curl over HTTP/2;
# sets STATUS, the body in $WORK/body and the header block in $WORK/head.
h2() {
  local method=$1 url=$2
  shift 2
  STATUS=$(setpriv --pdeathsig KILL -- curl -sS --http2 --max-time 10 \
    --cacert "$CACERT" -X "$method" -o "$WORK/body" -D "$WORK/head" \
    -w '%{http_code} %{http_version}' "$@" "$url") || fail "curl $method $url failed"
  [ "${STATUS#* }" = 2 ] || fail "curl $method $url did not use HTTP/2 ($STATUS)"
  STATUS=${STATUS% *}
}

# h3 METHOD URL [ript_fetch arguments...]: the same with our own client
# over HTTP/3.
h3() {
  local method=$1 url=$2
  shift 2
  STATUS=$(setpriv --pdeathsig KILL -- "$FETCH" --http3 --cacert "$CACERT" \
    -X "$method" --out "$WORK/body" --head "$WORK/head" "$@" "$url") ||
    fail "ript_fetch $method $url failed"
}

body() { cat "$WORK/body"; }
field() { "$ITOOL" json "$WORK/body" "$@"; }
header() { grep -i "^$1:" "$WORK/head" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

# expect STATUS [ERROR REASON]: the last response had STATUS and, for an
# error, the error document with that token and exactly that reason.
expect() {
  [ "$STATUS" = "$1" ] || fail "status $STATUS, want $1: $(body)"
  [ $# -ge 2 ] || return 0
  [ "$(header content-type)" = application/json ] || fail "error body is not JSON"
  [ "$(field status)" = "$1" ] || fail "error document status $(field status)"
  [ "$(field error)" = "$2" ] || fail "error $(field error), want $2: $(body)"
  [ "$(field reason)" = "$3" ] || fail "reason '$(field reason)', want '$3'"
}

# DER hex of a TNAuthList holding one number (canonical digits).
tnauth_hex() {
  local digits=$1 len=${#1}
  printf '30%02XA2%02X16%02X%s' $((len + 4)) $((len + 2)) "$len" \
    "$(printf '%s' "$digits" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
}

# make_csr KEY E164 OUT: a PKCS#10 request made by openssl.
make_csr() {
  openssl req -new -key "$1" -subj "/CN=\\$2" \
    -addext "1.3.6.1.5.5.7.1.26=DER:$(tnauth_hex "${2#+}")" -out "$3" 2>/dev/null ||
    fail "openssl req for $2"
}

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ||
    fail "openssl genpkey"
}

# call_request HANDLER DEST PASSPORT > file
call_request() {
  printf '{"handler": "%s", "destination": "%s", "passport": "%s"}' "$1" "$2" "$3"
}

# The first certificate of a PEM chain.
first_cert() { sed -n '1,/-----END CERTIFICATE-----/p' "$1"; }

# issue_cert KEY E164: POST a CSR for E164 to the TG's /certs; expects 201
# and sets CERT_URL, the chain in $WORK/chain-E164.pem.
issue_cert() {
  make_csr "$1" "$2" "$WORK/csr.pem"
  h2 POST "$TG/certs" "${AUTH[@]}" -H 'Content-Type: application/pkcs10' \
    --data-binary @"$WORK/csr.pem"
  expect 201
  [ "$(header content-type)" = application/pem-certificate-chain ] ||
    fail "certificate content type $(header content-type)"
  CERT_URL=$(header location)
  cp "$WORK/body" "$WORK/chain-$2.pem"
}

# place_call HANDLER DEST PASSPORT: POST {tg}/calls over HTTP/2.
place_call() {
  call_request "$1" "$2" "$3" >"$WORK/call.json"
  h2 POST "$TG/calls" "${AUTH[@]}" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/call.json"
}

# passport KEY ORIG DEST IAT X5U
passport() { "$ITOOL" passport "$@" || fail "ript_itool passport $*"; }

# start_riptd_config SECONDS FILE: riptd --config FILE (a copy of the dev
# configuration, say, edited by the test) with the dev state's token and
# CA; waits for its "listening" line and sets ROOT, TG, AUTH like
# start_riptd (TG is the dev TG "main").
start_riptd_config() {
  local seconds=$1 file=$2 tenths=0
  : >"$LOG"
  setpriv --pdeathsig KILL -- "$RIPTD" --config "$file" >"$LOG" 2>&1 &
  RIPTD_PID=$!
  while ! grep -q '^riptd: listening on ' "$LOG"; do
    kill -0 "$RIPTD_PID" 2>/dev/null || fail "riptd --config exited"
    [ "$tenths" -lt $((seconds * 10)) ] || fail "riptd not listening after $seconds s"
    sleep 0.1
    tenths=$((tenths + 1))
  done
  ROOT=$(sed -n 's/^riptd: listening on .*, root \(https:[^ ,]*\).*/\1/p' "$LOG")
  TG=$ROOT/providertgs/main
  TOKEN=$(cat "$STATE/token")
  CACERT=$STATE/ca.pem
  AUTH=(-H "Authorization: Bearer $TOKEN")
}

# wait_for FILE PATTERN SECONDS: until FILE has a line matching the
# extended regular expression PATTERN.
wait_for() {
  local tenths=0
  until [ -f "$1" ] && grep -Eq "$2" "$1"; do
    [ "$tenths" -lt $(($3 * 10)) ] || fail "no '$2' in $1 after $3 s: $(cat "$1" 2>/dev/null)"
    sleep 0.1
    tenths=$((tenths + 1))
  done
}

# wait_file FILE SECONDS: until FILE exists. riptd writes a recording off
# its loop and renames it into place just after the call ends.
wait_file() {
  local tenths=0
  until [ -f "$1" ]; do
    [ "$tenths" -lt $(($2 * 10)) ] || fail "no $1 after $2 s: $(ls "$(dirname "$1")")"
    sleep 0.1
    tenths=$((tenths + 1))
  done
}

# setup_caller HANDLER-ID ADVERTISEMENT: registers the handler and gets a
# certificate for FROM (the first number of dev.json) with a new key; sets
# HANDLER and CERT_URL.
setup_caller() {
  h2 POST "$TG/handlers" "${AUTH[@]}" -H 'Content-Type: application/json' \
    --data-binary "{\"handler-id\": \"$1\", \"advertisement\": \"$2\"}"
  expect 201
  HANDLER=$(header location)
  new_key "$WORK/leaf.key"
  issue_cert "$WORK/leaf.key" "$FROM"
}

# new_call DEST: a call from FROM to DEST with HANDLER; sets CALL.
new_call() {
  place_call "$HANDLER" "$1" "$(passport "$WORK/leaf.key" "$FROM" "$1" "$(date +%s)" "$CERT_URL")"
  expect 201
  CALL=$(header location)
}

# events_get NAME: GET $CALL/events with curl -N over HTTP/2 in the
# background, the body into $WORK/NAME.events; sets GET_PID.
events_get() {
  rm -f "$WORK/$1.events"
  setpriv --pdeathsig KILL -- curl -sS -N --http2 --max-time 60 --cacert "$CACERT" \
    "${AUTH[@]}" -o "$WORK/$1.events" "$CALL/events" 2>>"$WORK/curl.err" &
  GET_PID=$!
}

# c2s TYPE [,"member":value...]: a client event for CALL, compact JSON.
c2s() {
  printf '{"event":"%s","direction":"c2s","timestamp":"%s","call":"%s"%s}' \
    "$1" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$CALL" "${2:-}"
}

# mcall ARGS...: ript_mcall call on CALL with the dev token and CA; its
# figures line goes to MCALL (and the log), a failed check fails the test.
MCALL_BIN=$RIPT_BIN_DIR/ript_mcall
mcall() {
  MCALL=$(setpriv --pdeathsig KILL -- "$MCALL_BIN" call --cacert "$CACERT" \
    --token "$TOKEN" --call "$CALL" "$@") || fail "ript_mcall $*: $MCALL"
  echo "$TEST_NAME:   $MCALL"
}
# figure NAME: a value of the last mcall's figures line.
figure() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$MCALL"; }
# at_least A B: A >= B (A may have decimals).
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# echo_ok: the last mcall got back nearly all it sent, acknowledged.
echo_ok() {
  local sent received acks
  sent=$(figure sent)
  received=$(figure received)
  acks=$(figure acks_received)
  at_least "$received" $((sent * 95 / 100)) || fail "received $received of $sent"
  at_least "$acks" $((sent * 95 / 100)) || fail "$acks acknowledgements for $sent chunks"
  at_least $((sent / 20)) "$(figure lost)" || fail "lost $(figure lost)"
}

# same_call A B: two call descriptions are the same call (the state moves
# on by itself: it is left out).
same_call() { cmp -s <(grep -v '"state":' "$1") <(grep -v '"state":' "$2"); }
