#!/usr/bin/env bash
# OAuth 2.0 end to end, with software we did not write on the other side:
# curl gets tokens from riptd's built-in authorization server (client
# credentials over HTTP Basic and in the form, a refresh token) and uses
# them; the jose library (npm) mints ES256 and RS256 access tokens of an
# outside issuer whose JWKS riptd reads from a file, and riptd accepts them
# and refuses tampered, expired, wrong-audience and wrong-issuer ones.
source "$(dirname "$0")/riptd_lib.bash"
JOSE=$(cd "$(dirname "$0")/../interop/jose" && pwd)
command -v jq >/dev/null || fail "jq is not installed (scripts/install-deps.sh)"
command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh)"
[ -f "$JOSE/node_modules/jose/package.json" ] ||
  fail "jose is not installed (scripts/install-deps.sh)"

start_riptd 30
BASE=${ROOT%/.well-known/ript}
ENDPOINT=$(dev oauth token_endpoint)
CLIENT=$(dev oauth client_id)
SECRET=$(dev oauth client_secret)
REFRESH=$(dev oauth refresh_token)
[ "$ENDPOINT" = "$BASE/oauth/token" ] || fail "dev.json token_endpoint: $ENDPOINT"

step "the metadata names the token endpoint"
h2 GET "$BASE/.well-known/ript-oauth"
expect 200
[ "$(field token_endpoint)" = "$ENDPOINT" ] || fail "metadata: $(body)"
[ "$(field jwks_uri)" = "$BASE/oauth/jwks" ] || fail "metadata: $(body)"

step "curl: client credentials (HTTP Basic), then the token opens the TGs"
h2 POST "$ENDPOINT" -u "$CLIENT:$SECRET" -d grant_type=client_credentials
expect 200
[ "$(field token_type)" = Bearer ] || fail "token response: $(body)"
[ "$(header cache-control)" = no-store ] || fail "Cache-Control: $(header cache-control)"
AT=$(field access_token)
h2 GET "$ROOT/providertgs" -H "Authorization: Bearer $AT"
expect 200
[ "$(field tgs 0 uri)" = "$TG" ] || fail "TG list: $(body)"

step "curl: client_secret_post with scope ript only cannot provision"
h2 POST "$ENDPOINT" -d grant_type=client_credentials -d "client_id=$CLIENT" \
  -d "client_secret=$SECRET" -d scope=ript
expect 200
AT=$(field access_token)
h2 POST "$TG/handlers" -H "Authorization: Bearer $AT" -H 'Content-Type: application/json' \
  -d '{"handler-id": "h", "advertisement": "1 in: PCMU; 1 out: PCMU;"}'
expect 403 insufficient-scope 'this needs a token with scope "ript-admin"'
[ "$(header www-authenticate)" = 'Bearer realm="ript", error="insufficient_scope", scope="ript-admin"' ] ||
  fail "WWW-Authenticate: $(header www-authenticate)"

step "curl: a refresh token, and the errors of the token endpoint"
h2 POST "$ENDPOINT" -d grant_type=refresh_token -d "refresh_token=$REFRESH"
expect 200
h2 POST "$ENDPOINT" -u "$CLIENT:wrong-secret" -d grant_type=client_credentials
[ "$STATUS" = 401 ] && [ "$(field error)" = invalid_client ] || fail "wrong secret: $STATUS $(body)"
h2 POST "$ENDPOINT" -d grant_type=refresh_token -d refresh_token=not-a-refresh-token-000
[ "$STATUS" = 400 ] && [ "$(field error)" = invalid_grant ] || fail "bad refresh token: $STATUS $(body)"
h2 POST "$ENDPOINT" -u "$CLIENT:$SECRET" -d grant_type=password
[ "$STATUS" = 400 ] && [ "$(field error)" = unsupported_grant_type ] || fail "password grant: $STATUS $(body)"

step "jose: keys of an outside issuer; riptd restarted with it in its configuration"
mkdir -p "$WORK/jose"
node "$JOSE/mint.mjs" keys "$WORK/jose" || fail "jose could not make keys"
CONFIG=$(dev config)
stop_riptd 10
jq --arg jwks "$WORK/jose/jwks.json" \
  '.oauth.issuers = [{"issuer": "https://jose.test", "jwks-file": $jwks, "customer-claim": "ript_customer"}]' \
  "$CONFIG" >"$STATE/riptd-jose.json" || fail "cannot write the configuration"
setpriv --pdeathsig KILL -- "$RIPTD" --config "$STATE/riptd-jose.json" \
  --listen 127.0.0.1:0 >"$LOG" 2>&1 &
RIPTD_PID=$!
for _ in $(seq 100); do
  grep -q "riptd: listening on" "$LOG" && break
  kill -0 "$RIPTD_PID" 2>/dev/null || fail "riptd --config exited"
  sleep 0.1
done
ROOT=$(sed -n 's/.* root \(https:[^ ,]*\).*/\1/p' "$LOG" | head -n1)
[ -n "$ROOT" ] || fail "riptd did not say where it listens"

mint() { node "$JOSE/mint.mjs" token "$WORK/jose" "$@" || fail "jose could not mint"; }
refused() { # refused TOKEN DESCRIPTION
  h2 GET "$ROOT/providertgs" -H "Authorization: Bearer $1"
  expect 401 invalid-token "the bearer token is not valid here"
  [ "$(header www-authenticate)" = "Bearer realm=\"ript\", error=\"invalid_token\", error_description=\"$2\"" ] ||
    fail "WWW-Authenticate: $(header www-authenticate)"
}

for alg in ES256 RS256; do
  step "jose $alg: accepted"
  AT=$(mint $alg https://jose.test "$ROOT" dev)
  h2 GET "$ROOT/providertgs" -H "Authorization: Bearer $AT"
  expect 200
  step "jose $alg: tampered, expired, wrong audience, wrong issuer, unknown customer refused"
  sig=$(echo "$AT" | cut -d. -f3)
  forged=$(echo "$sig" | sed 's/^\(.\)\(.\)\(.\)/\1\3\2/')
  [ "$forged" != "$sig" ] || forged=$(echo "$sig" | sed 's/^\(.\)\(.\)/\2\1/')
  refused "$(echo "$AT" | cut -d. -f1-2).$forged" "invalid signature"
  refused "$(mint $alg https://jose.test "$ROOT" dev "ript ript-admin" -120)" "token expired"
  refused "$(mint $alg https://jose.test "https://elsewhere.test/.well-known/ript" dev)" "wrong audience"
  refused "$(mint $alg https://other.test "$ROOT" dev)" "unknown issuer"
  refused "$(mint $alg https://jose.test "$ROOT" nobody)" "the token names a customer this server does not have"
done

step "a second riptd trusts the first one's authorization server through its jwks_uri"
J_ROOT=$ROOT
J_BASE=${J_ROOT%/.well-known/ript}
jq --arg iss "$J_BASE" --arg aud "$J_ROOT" --arg ca "$CACERT" \
  '.oauth.audience = $aud | .oauth.issuers = [{"issuer": $iss, "jwks-uri": ($iss + "/oauth/jwks"), "jwks-cacert": $ca, "customer-claim": "ript_customer"}]' \
  "$CONFIG" >"$STATE/riptd-b.json" || fail "cannot write the configuration"
setpriv --pdeathsig KILL -- "$RIPTD" --config "$STATE/riptd-b.json" \
  --listen 127.0.0.1:0 >"$WORK/b.log" 2>&1 &
B_PID=$!
for _ in $(seq 100); do
  grep -q "riptd: listening on" "$WORK/b.log" && break
  kill -0 "$B_PID" 2>/dev/null || fail "the second riptd exited: $(cat "$WORK/b.log")"
  sleep 0.1
done
B_ROOT=$(sed -n 's/.* root \(https:[^ ,]*\).*/\1/p' "$WORK/b.log" | head -n1)
h2 POST "$J_BASE/oauth/token" -u "$CLIENT:$SECRET" -d grant_type=client_credentials
expect 200
AT=$(field access_token)
ok=0
for _ in $(seq 50); do # the key set arrives shortly after start
  h2 GET "$B_ROOT/providertgs" -H "Authorization: Bearer $AT"
  [ "$STATUS" = 200 ] && { ok=1; break; }
  sleep 0.1
done
[ "$ok" = 1 ] || fail "the second riptd refused the first one's token: $STATUS $(body) $(cat "$WORK/b.log")"
kill -TERM "$B_PID"
wait "$B_PID" || fail "the second riptd did not exit 0"
stop_riptd 10
step "ok"
