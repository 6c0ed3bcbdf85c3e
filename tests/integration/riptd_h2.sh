#!/usr/bin/env bash
# riptd over HTTP/2, driven by curl (a client we did not write): every
# resource of this slice and every error status with its reason; a CSR made
# by openssl gets a certificate that openssl verifies; calls are created
# with PASSporTs signed by ript_itool and refused for each kind of bad one.
source "$(dirname "$0")/riptd_lib.bash"

start_riptd 30
ECHO=$(dev numbers echo)
FROM=$(dev from 0)
step "riptd --dev is up at $ROOT"

# --- bootstrap ---------------------------------------------------------------
step "GET the root document without a token"
h2 GET "$ROOT"
expect 200
[ "$(field providertgs)" = "$ROOT/providertgs" ] || fail "root document: $(body)"
[ "$(field oauth)" = "${ROOT%/ript}/ript-oauth" ] || fail "root document: $(body)"
h2 GET "${ROOT%/ript}/ript-oauth"
expect 200
[ "$(field issuer)" = "${ROOT%/.well-known/ript}" ] || fail "OAuth metadata: $(body)"
[ "$(field token_endpoint)" = "${ROOT%/.well-known/ript}/oauth/token" ] || fail "OAuth metadata: $(body)"

step "401 without a token and with a bad one"
h2 GET "$ROOT/providertgs"
expect 401 unauthorized 'this resource needs "Authorization: Bearer TOKEN"'
[ "$(header www-authenticate)" = 'Bearer realm="ript"' ] || fail "WWW-Authenticate: $(header www-authenticate)"
h2 GET "$ROOT/providertgs" -H "Authorization: Bearer not-the-token-0000"
expect 401 invalid-token "the bearer token is not valid here"
[ "$(header www-authenticate)" = 'Bearer realm="ript", error="invalid_token", error_description="unknown token"' ] ||
  fail "WWW-Authenticate: $(header www-authenticate)"

step "TG list and TG description"
h2 GET "$ROOT/providertgs" "${AUTH[@]}"
expect 200
[ "$(field tgs 0 uri)" = "$TG" ] || fail "TG list: $(body)"
[ "$(header cache-control)" = "private, max-age=300" ] || fail "Cache-Control: $(header cache-control)"
h2 GET "$TG" "${AUTH[@]}"
expect 200
[ "$(field outbound origins)" = "$(cat "$STIRCA")" ] || fail "origins is not the STIR CA certificate"
[ "$(field outbound destinations)" = '+1555*' ] || fail "destinations: $(body)"
[ "$(field advertisement)" = "1 in: opus; PCMU; PCMA; telephone-event; CN; 1 out: opus; PCMU; PCMA; telephone-event; CN;" ] ||
  fail "advertisement: $(body)"

step "404 and 405"
h2 GET "$ROOT/nothing" "${AUTH[@]}"
expect 404 not-found "there is no resource at /.well-known/ript/nothing"
h2 GET "$ROOT/providertgs/other" "${AUTH[@]}"
expect 404 not-found "there is no TG named other"
h2 DELETE "$ROOT"
expect 405 method-not-allowed "DELETE is not allowed on this resource; it allows GET"
[ "$(header allow)" = GET ] || fail "Allow: $(header allow)"

# --- handlers ----------------------------------------------------------------
PHONE='1 in: opus; PCMU; PCMA; 2 out: opus; PCMU; PCMA;'
JSON=(-H 'Content-Type: application/json')
step "POST, GET, PUT, DELETE handlers"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "{\"handler-id\": \"phone\", \"advertisement\": \"$PHONE\"}"
expect 201
HANDLER=$TG/handlers/phone
[ "$(header location)" = "$HANDLER" ] || fail "Location: $(header location)"
[ "$(field uri)" = "$HANDLER" ] || fail "handler echo: $(body)"
[ "$(field advertisement)" = "$PHONE" ] || fail "handler echo: $(body)"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary "{\"handler-id\": \"phone\", \"advertisement\": \"$PHONE\"}"
expect 409 handler-exists "handler-id phone is already registered on TG main; PUT its URI to change it"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary '{"handler-id": "bad", "advertisement": "1 in: opus; 2 out opus;"}'
expect 400 bad-advertisement "the advertisement is not valid: at byte 18 expected ':' after 'in'/'out'"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" --data-binary '{"handler-id": '
expect 400
field reason | grep -q '^the handler description is not valid: at byte ' || fail "reason: $(body)"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary '{"handler-id": "tv", "advertisement": "1 in: H264; 1 out: H264;"}'
expect 201
h2 PUT "$TG/handlers/tv" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary '{"handler-id": "tv", "advertisement": "1 in: VP8; 1 out: VP8;"}'
expect 200
[ "$(field advertisement)" = "1 in: VP8; 1 out: VP8;" ] || fail "PUT echo: $(body)"
h2 GET "$TG/handlers" "${AUTH[@]}"
expect 200
[ "$(field handlers 0 handler-id)/$(field handlers 1 handler-id)" = phone/tv ] || fail "handler list: $(body)"
h2 DELETE "$TG/handlers/tv" "${AUTH[@]}"
expect 204
h2 GET "$TG/handlers/tv" "${AUTH[@]}"
expect 404 not-found "there is no handler tv on TG main"

step "413 for a body over 64 KiB"
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" --data-binary @"$WORK/big.json"
expect 413 payload-too-large "the request body is larger than this server's limit of 65536 bytes"

# --- certificates --------------------------------------------------------------
step "a CSR made by openssl for $FROM gets a certificate openssl verifies"
new_key "$WORK/leaf.key"
issue_cert "$WORK/leaf.key" "$FROM"
LEAF_URL=$CERT_URL
case "$LEAF_URL" in "$TG/certs/"*) ;; *) fail "certificate URL $LEAF_URL" ;; esac
first_cert "$WORK/chain-$FROM.pem" >"$WORK/leaf.pem"
openssl verify -CAfile "$STIRCA" "$WORK/leaf.pem" >/dev/null || fail "openssl verify refuses the certificate"
openssl x509 -in "$WORK/leaf.pem" -noout -subject | grep -q "CN = \"$FROM\"" || fail "certificate subject"
ext=$(openssl asn1parse -in "$WORK/leaf.pem" | grep -A1 ':1.3.6.1.5.5.7.1.26$' | sed -n 's/.*\[HEX DUMP\]://p')
[ "$ext" = "$(tnauth_hex "${FROM#+}")" ] || fail "TNAuthList is $ext"
step "its URL serves the chain without a token"
h2 GET "$LEAF_URL"
expect 200
cmp -s "$WORK/body" "$WORK/chain-$FROM.pem" || fail "GET of the certificate differs"

step "403 for a number the customer may not use, 400 for a broken CSR, 415"
make_csr "$WORK/leaf.key" +15550100010 "$WORK/other.csr"
h2 POST "$TG/certs" "${AUTH[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$WORK/other.csr"
expect 403 number-not-allowed "customer dev may not use +15550100010 as caller ID"
openssl req -new -key "$WORK/leaf.key" -subj "/CN=\\$FROM" -out "$WORK/plain.csr" 2>/dev/null
h2 POST "$TG/certs" "${AUTH[@]}" -H 'Content-Type: application/pkcs10' --data-binary @"$WORK/plain.csr"
expect 400
[ "$(field error)" = bad-csr ] || fail "a CSR without TNAuthList: $(body)"
h2 POST "$TG/certs" "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary @"$WORK/other.csr"
expect 415 unsupported-media-type "a CSR is sent as application/pkcs10, a PKCS#10 request in PEM or DER"
h2 POST "$TG/certs" "${AUTH[@]}" -H 'Content-Type: application/pkcs10' --data-binary 'hello'
expect 415 unsupported-media-type "a CSR is sent as application/pkcs10, a PKCS#10 request in PEM or DER"

# --- calls ---------------------------------------------------------------------
NOW=$(date +%s)
step "a call from $FROM to $ECHO with a PASSporT signed by ript_itool"
place_call "$HANDLER" "$ECHO" "$(passport "$WORK/leaf.key" "$FROM" "$ECHO" "$NOW" "$LEAF_URL")"
expect 201
CALL=$(header location)
case "$CALL" in "$TG/calls/"????????-????-4???-????-????????????) ;; *) fail "call URI $CALL" ;; esac
[ "$(field uri)" = "$CALL" ] || fail "call description: $(body)"
[ "$(field handler)" = "$HANDLER" ] || fail "call description: $(body)"
[ "$(field direction)/$(field from)/$(field to)" = "outbound/$FROM/$ECHO" ] || fail "call description: $(body)"
[ "$(field clientDirectives)" = "2 to 1: opus;" ] || fail "clientDirectives: $(body)"
[ "$(field serverDirectives)" = "1 to 1: opus;" ] || fail "serverDirectives: $(body)"
[ "$(field state)" = proceeding ] || fail "state: $(body)"
cp "$WORK/body" "$WORK/created.json"
step "GET, POST and DELETE on the call"
h2 GET "$CALL" "${AUTH[@]}"
expect 200
same_call "$WORK/body" "$WORK/created.json" || fail "GET of the call differs from the 201"
h2 POST "$CALL" "${AUTH[@]}"
expect 200
[ "$(field clientDirectives)" = "2 to 1: opus;" ] || fail "re-negotiation: $(body)"
h2 DELETE "$CALL" "${AUTH[@]}"
expect 405 method-not-allowed "DELETE is not allowed on this resource; it allows GET, POST"
[ "$(header allow)" = "GET, POST" ] || fail "Allow: $(header allow)"
h2 GET "$CALL/other" "${AUTH[@]}"
expect 404 not-found "there is no resource at /${CALL#https://*/}/other"

step "refused calls, each with its own reason"
REASONS=()
refused() { # STATUS ERROR REASON
  expect "$@"
  REASONS+=("$3")
}
place_call "$HANDLER" "$ECHO" "$(passport "$WORK/leaf.key" "$FROM" "$ECHO" $((NOW - 120)) "$LEAF_URL")"
refused 403 stale-passport "the PASSporT's iat $((NOW - 120)) is more than 60 s away from the server's clock ($(field reason | sed -n 's/.*clock (\([0-9]*\)).*/\1/p'))"
place_call "$HANDLER" "$ECHO" "$(passport "$WORK/leaf.key" +15550100001 "$ECHO" "$NOW" "$LEAF_URL")"
refused 403 number-not-covered "the caller ID +15550100001 is not covered by the TNAuthList of the certificate at the PASSporT's x5u"
JWS=$(passport "$WORK/leaf.key" "$FROM" "$ECHO" "$NOW" "$LEAF_URL")
SIG=${JWS##*.}
MID=$((${#SIG} / 2))
[ "${SIG:$MID:1}" = A ] && NEW=B || NEW=A
place_call "$HANDLER" "$ECHO" "${JWS%.*}.${SIG:0:$MID}$NEW${SIG:$((MID + 1))}"
refused 403 bad-signature "the PASSporT's signature does not verify with the key of the certificate at its x5u"
step "a PASSporT whose certificate another CA issued, at an x5u elsewhere"
new_key "$WORK/other.key"
OTHER_URL=https://other-ca.example/certs/15550100000.pem
place_call "$HANDLER" "$ECHO" "$(passport "$WORK/other.key" "$FROM" "$ECHO" "$NOW" "$OTHER_URL")"
refused 403 untrusted-certificate "the PASSporT's x5u $OTHER_URL is not a certificate this server issued"
place_call "$HANDLER" "$ECHO" "$(passport "$WORK/leaf.key" "$FROM" "$(dev numbers play)" "$NOW" "$LEAF_URL")"
refused 403 dest-mismatch "the PASSporT's dest is not the destination $ECHO"
[ "$(printf '%s\n' "${REASONS[@]}" | sort -u | wc -l)" = "${#REASONS[@]}" ] || fail "reasons repeat"

step "destination policy, routes, handler and media"
NOW=$(date +%s)
JWS=$(passport "$WORK/leaf.key" "$FROM" "$ECHO" "$NOW" "$LEAF_URL")
place_call "$HANDLER" +19005550100 "$(passport "$WORK/leaf.key" "$FROM" +19005550100 "$NOW" "$LEAF_URL")"
expect 403 destination-excluded 'destination +19005550100 is excluded by TG main (destinations "+1555*")'
place_call "$HANDLER" +15559999999 "$(passport "$WORK/leaf.key" "$FROM" +15559999999 "$NOW" "$LEAF_URL")"
expect 404 no-route "no route of TG main reaches destination +15559999999"
place_call "$TG/handlers/nobody" "$ECHO" "$JWS"
expect 422 unknown-handler "$TG/handlers/nobody is not a handler of customer dev on TG main"
h2 POST "$TG/handlers" "${AUTH[@]}" "${JSON[@]}" \
  --data-binary '{"handler-id": "video", "advertisement": "1 in: H264; 1 out: H264;"}'
expect 201
place_call "$TG/handlers/video" "$ECHO" "$JWS"
expect 422 no-common-media "the handler's advertisement and this server's share no media in either direction"
call_request "$HANDLER" "$ECHO" "not a passport" >"$WORK/call.json"
h2 POST "$TG/calls" "${AUTH[@]}" "${JSON[@]}" --data-binary @"$WORK/call.json"
expect 400

step "SIGTERM: riptd exits 0"
stop_riptd 10
step "all checks passed"
