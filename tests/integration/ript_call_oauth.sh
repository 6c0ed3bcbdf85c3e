#!/usr/bin/env bash
# Access tokens that expire during a call never drop it: riptd --dev gives
# tokens that live 5 s; `ript call` gets its token from riptd's token
# endpoint (client credentials) and renews it while it talks, over HTTP/3
# datagrams and over HTTP/2 byways (where every media chunk is a request
# that carries the token). Both calls play the spoken sentence to the echo
# number: nothing may be lost, the recordings must match (the Opus bound of
# ript_call.sh), and each call renews its token at least twice. Then the
# failures: a wrong client secret, a refresh token that is not valid, and
# an expired token given as a fixed one.
source "$(dirname "$0")/riptd_lib.bash"
source "$(dirname "$0")/ript_call_lib.bash"

OPUS_MIN=0.85
RIPTD_ARGS=(--token-lifetime 5)
start_riptd 30
FROM=$(dev from 0)
ECHO=$(dev numbers echo)
voice "$WORK/voice.wav"
O=(--dev "$STATE" --client-id "$(dev oauth client_id)" --client-secret-file "$STATE/client-secret")

step "two calls of about 11 s with 5 s tokens: h3 datagrams and h2 byways"
call_bg dgram "${O[@]}" call --from "$FROM" --to "$ECHO" --play "$WORK/voice.wav" \
  --record "$WORK/dgram.wav" --media datagram
call_bg byway "${O[@]}" --transport h2 call --from "$FROM" --to "$ECHO" \
  --play "$WORK/voice.wav" --record "$WORK/byway.wav" --media byway
for name in dgram byway; do
  call_wait "$name"
  # Renewed ahead of time: never "after the server refused the old one".
  renewed=$(grep -c '^ript: access token renewed (valid for 5 s)$' "$WORK/$name.err" || true)
  ! grep -q 'refused the old one' "$WORK/$name.err" ||
    fail "$name: a server refused the token: $(cat "$WORK/$name.err")"
  grep -v '^ript: access token renewed' "$WORK/$name.err" >"$WORK/$name.events"
  mv "$WORK/$name.events" "$WORK/$name.err"
  answered_ok "$name"
  at_least "$renewed" 2 || fail "$name: the token was renewed $renewed times"
  step "  $name: token renewed $renewed times"
  similar "$name" "$WORK/voice.wav" "$WORK/$name.wav" "$OPUS_MIN"
done

step "a wrong client secret is refused with the token endpoint's reason"
echo "not-the-secret-0123456789" >"$WORK/wrong-secret"
call wrong --dev "$STATE" --client-id dev --client-secret-file "$WORK/wrong-secret" discover
refused_call wrong 1 "POST $(dev oauth token_endpoint): 401 invalid_client: unknown client or wrong secret"

step "so is a refresh token that is not valid"
echo "not-a-refresh-token-000" >"$WORK/wrong-refresh"
call wrong-refresh --dev "$STATE" --refresh-token-file "$WORK/wrong-refresh" discover
refused_call wrong-refresh 1 "POST $(dev oauth token_endpoint): 400 invalid_grant: the refresh token is not valid for this client"

step "the refresh token of dev.json, with the endpoint found through /.well-known/ript-oauth"
dev oauth refresh_token >"$WORK/refresh"
call refresh --root "$ROOT" --cacert "$CACERT" --refresh-token-file "$WORK/refresh" discover
[ "$RC" = 0 ] || fail "refresh: exit $RC: $(cat "$WORK/refresh.err")"

step "an expired token given as a fixed token: 401 with the reason"
h2 POST "$(dev oauth token_endpoint)" -u "dev:$(cat "$STATE/client-secret")" -d grant_type=client_credentials
expect 200
field access_token >"$WORK/expiring"
sleep 6
call expired --root "$ROOT" --cacert "$CACERT" --token-file "$WORK/expiring" discover
[ "$RC" = 1 ] || fail "expired: exit $RC: $(cat "$WORK/expired.err")"
grep -q "401 invalid-token" "$WORK/expired.err" || fail "expired: $(cat "$WORK/expired.err")"
stop_riptd 10
step "all checks passed"
