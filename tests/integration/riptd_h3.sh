#!/usr/bin/env bash
# riptd over HTTP/3 with libript's own client (ript_fetch; curl here has no
# HTTP/3): the bootstrap, authenticated GETs, a handler and a call created
# over HTTP/3, and the same state seen over HTTP/2 by curl on the same port
# (state lives in riptd's store, not in a connection).
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
ECHO=$(dev numbers echo)
FROM=$(dev from 0)
step "riptd --dev is up at $ROOT"

step "HTTP/3: GET the root document without a token"
h3 GET "$ROOT"
expect 200
[ "$(field providertgs)" = "$ROOT/providertgs" ] || fail "root document: $(body)"
[ "$(header content-type)" = application/json ] || fail "content type $(header content-type)"

step "HTTP/3 interop: gtlsclient (ngtcp2's example client, not ours) fetches it too"
mkdir -p "$WORK/gtls"
PORT=${ROOT##*:}
PORT=${PORT%%/*}
timeout 30 setpriv --pdeathsig KILL -- gtlsclient -q --exit-on-all-streams-close \
  --timeout=10s --download="$WORK/gtls" 127.0.0.1 "$PORT" "$ROOT" >"$WORK/gtls.log" 2>&1 ||
  fail "gtlsclient could not fetch $ROOT: $(tail -3 "$WORK/gtls.log")"
[ "$(jq -r .providertgs "$WORK/gtls/ript")" = "$ROOT/providertgs" ] ||
  fail "gtlsclient got: $(cat "$WORK/gtls/ript")"

step "HTTP/3: 401 without a token, the TG list and TG with one"
h3 GET "$ROOT/providertgs"
expect 401 unauthorized 'this resource needs "Authorization: Bearer TOKEN"'
[ "$(header www-authenticate)" = 'Bearer realm="ript"' ] || fail "WWW-Authenticate: $(header www-authenticate)"
h3 GET "$ROOT/providertgs" -H "authorization: Bearer $TOKEN"
expect 200
[ "$(field tgs 0 uri)" = "$TG" ] || fail "TG list: $(body)"
h3 GET "$TG" -H "authorization: Bearer $TOKEN"
expect 200
[ "$(field outbound origins)" = "$(cat "$STIRCA")" ] || fail "origins is not the STIR CA certificate"

step "HTTP/3: POST a handler; HTTP/2 sees it"
printf '{"handler-id": "h3phone", "advertisement": "1 in: PCMU; 2 out: PCMU;"}' >"$WORK/handler.json"
h3 POST "$TG/handlers" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  --data-file "$WORK/handler.json"
expect 201
[ "$(header location)" = "$TG/handlers/h3phone" ] || fail "Location: $(header location)"
h2 GET "$TG/handlers/h3phone" "${AUTH[@]}"
expect 200
[ "$(field advertisement)" = "1 in: PCMU; 2 out: PCMU;" ] || fail "over HTTP/2: $(body)"

step "a certificate over HTTP/2, a call over HTTP/3, read back over HTTP/2"
new_key "$WORK/leaf.key"
issue_cert "$WORK/leaf.key" "$FROM"
call_request "$TG/handlers/h3phone" "$ECHO" \
  "$(passport "$WORK/leaf.key" "$FROM" "$ECHO" "$(date +%s)" "$CERT_URL")" >"$WORK/call.json"
h3 POST "$TG/calls" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  --data-file "$WORK/call.json"
expect 201
CALL=$(header location)
[ "$(field serverDirectives)" = "1 to 1: PCMU;" ] || fail "serverDirectives: $(body)"
cp "$WORK/body" "$WORK/created.json"
h2 GET "$CALL" "${AUTH[@]}"
expect 200
same_call "$WORK/body" "$WORK/created.json" || fail "the call over HTTP/2 differs"
h3 DELETE "$CALL" -H "authorization: Bearer $TOKEN"
expect 405 method-not-allowed "DELETE is not allowed on this resource; it allows GET, POST"

step "SIGTERM: riptd exits 0"
stop_riptd 10

step "a restart on [::1] keeps the token and the certificates"
OLD_TOKEN=$TOKEN
OLD_CA=$(cat "$CACERT")
LISTEN='[::1]:0' start_riptd 30
case "$ROOT" in "https://[::1]:"*"/.well-known/ript") ;; *) fail "root $ROOT" ;; esac
[ "$TOKEN" = "$OLD_TOKEN" ] || fail "the token changed across a restart"
[ "$(cat "$CACERT")" = "$OLD_CA" ] || fail "the TLS CA changed across a restart"
h3 GET "$TG" -H "authorization: Bearer $TOKEN"
expect 200
h2 GET "$TG" "${AUTH[@]}"
expect 200
step "SIGINT: riptd exits 0"
stop_riptd 10 INT
step "all checks passed"
