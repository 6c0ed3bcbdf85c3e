#!/usr/bin/env bash
# The ript command against the real riptd, over HTTP/3 and HTTP/2: every
# command, its --json output (checked with jq), the state it keeps, and
# every failure as one line on stderr with its exit status (1 refused,
# 2 usage, 3 network/TLS). The token must never be printed.
source "$(dirname "$0")/riptd_lib.bash"

RIPT=$RIPT_BIN_DIR/ript
[ -x "$RIPT" ] || fail "$RIPT not built"
command -v jq >/dev/null || fail "'jq' is not installed"

export HOME=$WORK/home
mkdir -p "$HOME"
unset RIPT_TOKEN

# run [ript arguments...]: sets RC, stdout in $WORK/out, stderr in $WORK/err.
# No output may ever hold the token.
run() {
  RC=0
  setpriv --pdeathsig KILL -- "$RIPT" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
  if [ -n "${TOKEN:-}" ] && grep -qF -- "$TOKEN" "$WORK/out" "$WORK/err"; then
    fail "ript $* printed the token"
  fi
}
out() { cat "$WORK/out"; }
jqo() { jq -er "$1" "$WORK/out" || fail "jq '$1' on: $(out)"; }

# ok: the last run succeeded quietly on stderr.
ok() {
  [ "$RC" = 0 ] || fail "exit $RC, want 0: $(cat "$WORK/err")"
  [ ! -s "$WORK/err" ] || fail "stderr: $(cat "$WORK/err")"
}

# refused RC LINE: exactly one stderr line, "ript: LINE", and exit RC;
# nothing on stdout (no --json).
refused() {
  [ "$RC" = "$1" ] || fail "exit $RC, want $1: $(cat "$WORK/err")"
  [ "$(wc -l <"$WORK/err")" = 1 ] || fail "want one line on stderr: $(cat "$WORK/err")"
  [ "$(cat "$WORK/err")" = "ript: $2" ] || fail "stderr '$(cat "$WORK/err")', want 'ript: $2'"
  [ ! -s "$WORK/out" ] || fail "stdout: $(out)"
}

# usage LINE USAGE: exit 2, the problem line and then the usage line.
usage() {
  [ "$RC" = 2 ] || fail "exit $RC, want 2: $(cat "$WORK/err")"
  [ "$(sed -n 1p "$WORK/err")" = "ript: $1" ] || fail "stderr '$(sed -n 1p "$WORK/err")', want 'ript: $1'"
  [ "$(sed -n 2p "$WORK/err")" = "$2" ] || fail "usage line '$(sed -n 2p "$WORK/err")', want '$2'"
  [ "$(wc -l <"$WORK/err")" = 2 ] || fail "stderr: $(cat "$WORK/err")"
}

start_riptd 30
FROM=$(dev from 0)
PORT=${ROOT#https://127.0.0.1:}
PORT=${PORT%%/*}
STATE_DIR=$HOME/.ript/127.0.0.1_$PORT
step "riptd --dev is up at $ROOT"

for T in h3 h2; do
  D=(--dev "$STATE" --transport "$T")

  step "$T: discover, as text and as JSON"
  run "${D[@]}" discover
  ok
  grep -qxF "TG $TG" "$WORK/out" || fail "discover: $(out)"
  grep -qxF "  destinations   +1555*" "$WORK/out" || fail "discover: $(out)"
  grep -qxF "  origins        +15550100000 to +15550100009 (10 numbers)" "$WORK/out" ||
    fail "discover: $(out)"
  grep -qxF "  retry-backoff  2000 ms" "$WORK/out" || fail "discover: $(out)"
  run "${D[@]}" --json discover
  ok
  [ "$(jqo '.tgs | length')" = 1 ] || fail "discover --json: $(out)"
  [ "$(jqo '.tgs[0].uri')" = "$TG" ] || fail "discover --json: $(out)"
  [ "$(jqo '.tgs[0].name')" = main ] || fail "discover --json: $(out)"
  [ "$(jqo '.tgs[0].destinations')" = '+1555*' ] || fail "discover --json: $(out)"
  [ "$(jqo '.tgs[0].origins[0] | "\(.first) \(.last) \(.count)"')" = "+15550100000 +15550100009 10" ] ||
    fail "origins: $(out)"
  [ "$(jqo '.tgs[0]."retry-backoff"') $(jqo '.tgs[0]."media-timeout"')" = "2000 5000" ] ||
    fail "timers: $(out)"
  [ "$(jqo '.tgs[0].advertisement')" = "1 in: opus; PCMU; PCMA; telephone-event; CN; 1 out: opus; PCMU; PCMA; telephone-event; CN;" ] ||
    fail "advertisement: $(out)"

  step "$T: handler add with --id, and with the device id and default advertisement"
  run "${D[@]}" --json handler add --id "phone-$T" --advertisement "1 in: PCMU; 2 out: PCMU;"
  ok
  [ "$(jqo .uri)" = "$TG/handlers/phone-$T" ] || fail "handler add: $(out)"
  [ "$(jqo '."handler-id"')/$(jqo .advertisement)" = "phone-$T/1 in: PCMU; 2 out: PCMU;" ] ||
    fail "handler add: $(out)"
  jq -e --arg u "$TG/handlers/phone-$T" --arg tg "$TG" \
    '.handlers | map(select(.uri == $u and .tg == $tg and ."handler-id" != null)) | length == 1' \
    "$STATE_DIR/handlers.json" >/dev/null || fail "handlers.json: $(cat "$STATE_DIR/handlers.json")"
  run "${D[@]}" handler add
  ok
  DEVICE=$(cat "$HOME/.ript/device-id")
  [[ $DEVICE =~ ^ript-[0-9a-f]{16}$ ]] || fail "device id $DEVICE"
  [ "$(out)" = "handler $DEVICE registered at $TG/handlers/$DEVICE" ] || fail "handler add: $(out)"
  h2 GET "$TG/handlers/$DEVICE" "${AUTH[@]}"
  expect 200
  [ "$(field advertisement)" = "1 in: opus; PCMU; PCMA; telephone-event; CN; 1 out: opus; PCMU; PCMA; telephone-event; CN;" ] ||
    fail "default advertisement: $(body)"
  run "${D[@]}" handler add
  refused 1 "POST $TG/handlers: 409 handler-exists: handler-id $DEVICE is already registered on TG main; PUT its URI to change it"

  step "$T: handler list"
  run "${D[@]}" --json handler list
  ok
  [ "$(jqo .tg)" = "$TG" ] || fail "handler list: $(out)"
  [ "$(jqo '[.handlers[]."handler-id"] | sort | join(",")')" = "$(printf '%s\n' "phone-$T" "$DEVICE" | sort | paste -sd,)" ] ||
    fail "handler list: $(out)"
  run "${D[@]}" handler list --tg "$TG"
  ok
  grep -qxF "phone-$T $TG/handlers/phone-$T 1 in: PCMU; 2 out: PCMU;" "$WORK/out" || fail "handler list: $(out)"

  step "$T: handler rm by remembered id, by URI, by an id only the server knows"
  run "${D[@]}" --json handler rm "phone-$T"
  ok
  [ "$(jqo .removed)" = "$TG/handlers/phone-$T" ] || fail "handler rm: $(out)"
  grep -qF "phone-$T" "$STATE_DIR/handlers.json" && fail "handlers.json still has phone-$T"
  run "${D[@]}" handler rm "phone-$T"
  refused 1 "there is no handler phone-$T on TG $TG"
  run "${D[@]}" handler rm "$TG/handlers/$DEVICE"
  ok
  [ "$(out)" = "handler removed: $TG/handlers/$DEVICE" ] || fail "handler rm: $(out)"
  h2 POST "$TG/handlers" "${AUTH[@]}" -H 'Content-Type: application/json' \
    --data-binary "{\"handler-id\": \"curl-$T\", \"advertisement\": \"1 in: PCMA;\"}"
  expect 201
  run "${D[@]}" handler rm "curl-$T" --tg "$TG"
  ok
  h2 GET "$TG/handlers/curl-$T" "${AUTH[@]}"
  expect 404
  run "${D[@]}" handler rm "$TG/handlers/nothing"
  refused 1 "DELETE $TG/handlers/nothing: 404 not-found: there is no handler nothing on TG main"

  step "$T: cert for $FROM: a key made once (0600), a chain openssl verifies, x5u serving it"
  rm -f "$STATE_DIR/$FROM".*
  run "${D[@]}" --json cert --from "$FROM"
  ok
  [ "$(jqo .number)" = "$FROM" ] || fail "cert: $(out)"
  [ "$(jqo .tg)" = "$TG" ] || fail "cert: $(out)"
  [ "$(jqo '."key-created"')" = true ] || fail "cert: $(out)"
  [ "$(jqo .key)" = "$STATE_DIR/$FROM.key" ] || fail "cert: $(out)"
  [ "$(jqo .chain)" = "$STATE_DIR/$FROM.pem" ] || fail "cert: $(out)"
  X5U=$(jqo .x5u)
  case "$X5U" in "$TG/certs/"*) ;; *) fail "x5u $X5U" ;; esac
  [ "$(stat -c %a "$STATE_DIR/$FROM.key")" = 600 ] || fail "key mode $(stat -c %a "$STATE_DIR/$FROM.key")"
  cmp -s <(jq -r .x5u "$STATE_DIR/$FROM.json") <(echo "$X5U") || fail "$FROM.json: $(cat "$STATE_DIR/$FROM.json")"
  first_cert "$STATE_DIR/$FROM.pem" >"$WORK/leaf.pem"
  openssl verify -CAfile "$STIRCA" "$WORK/leaf.pem" >/dev/null || fail "openssl verify refuses the certificate"
  [ "$(openssl x509 -in "$WORK/leaf.pem" -noout -pubkey)" = "$(openssl pkey -in "$STATE_DIR/$FROM.key" -pubout)" ] ||
    fail "the certificate is not for the kept key"
  NB=$(jqo '."not-before"')
  [ "$(date -u -d "$(openssl x509 -in "$WORK/leaf.pem" -noout -startdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)" = "$NB" ] ||
    fail "not-before $NB"
  h2 GET "$X5U"
  expect 200
  cmp -s "$WORK/body" "$STATE_DIR/$FROM.pem" || fail "the x5u serves another chain"
  KEYSUM=$(sha256sum <"$STATE_DIR/$FROM.key")
  run "${D[@]}" cert --from "$FROM"
  ok
  grep -q "^certificate for $FROM, valid from 20..-..-..T..:..:..Z to 20..-..-..T..:..:..Z$" "$WORK/out" ||
    fail "cert: $(out)"
  grep -qxF "  key            $STATE_DIR/$FROM.key" "$WORK/out" || fail "cert: $(out)"
  [ "$(sha256sum <"$STATE_DIR/$FROM.key")" = "$KEYSUM" ] || fail "the key changed"

  step "$T: 403 for a number the customer may not use; no key is left for it"
  run "${D[@]}" cert --from +15550100010
  refused 1 "POST $TG/certs: 403 number-not-allowed: customer dev may not use +15550100010 as caller ID"
  [ ! -e "$STATE_DIR/+15550100010.key" ] || fail "a key was kept for a refused number"
  run "${D[@]}" --json cert --from +15550100010
  [ "$RC" = 1 ] || fail "exit $RC"
  [ "$(jqo '.error | "\(.exit) \(.status) \(.error)"')" = "1 403 number-not-allowed" ] || fail "--json failure: $(out)"
  [ "$(jqo .error.reason)" = "customer dev may not use +15550100010 as caller ID" ] || fail "--json failure: $(out)"

  step "$T: tokens: 401 for a wrong one and for none; --token-file and RIPT_TOKEN"
  C=(--root "$ROOT" --cacert "$CACERT" --transport "$T")
  run "${C[@]}" --token not-the-token-0000 discover
  refused 1 "GET $ROOT/providertgs: 401 invalid-token: the bearer token is not valid here"
  grep -q not-the-token "$WORK/err" && fail "the wrong token was printed"
  run "${C[@]}" discover
  refused 1 "GET $ROOT/providertgs: 401 unauthorized: this resource needs \"Authorization: Bearer TOKEN\""
  printf '  %s\n\n' "$TOKEN" >"$WORK/token"
  run "${C[@]}" --token-file "$WORK/token" handler list
  ok
  RIPT_TOKEN=$TOKEN run "${C[@]}" handler list
  ok
  run --authority "127.0.0.1:$PORT" --cacert "$CACERT" --transport "$T" --token "$TOKEN" discover
  ok

  step "$T: TLS: a CA that did not sign riptd's certificate, and no CA at all"
  run --root "$ROOT" --cacert "$STIRCA" --transport "$T" --token "$TOKEN" discover
  refused 3 "GET $ROOT: TLS with 127.0.0.1:$PORT failed: its certificate is not trusted here or does not name 127.0.0.1 (trusted: the system's CAs and $STIRCA)"
  run --root "$ROOT" --transport "$T" discover
  refused 3 "GET $ROOT: TLS with 127.0.0.1:$PORT failed: its certificate is not trusted here or does not name 127.0.0.1 (trust its CA with --cacert FILE)"
  HOST=$(hostname)
  if [ "$HOST" != localhost ] && getent ahostsv4 "$HOST" | grep -q '^127\.0\.0\.1 '; then
    run --authority "$HOST:$PORT" --cacert "$CACERT" --transport "$T" discover
    refused 3 "GET https://$HOST:$PORT/.well-known/ript: TLS with $HOST:$PORT failed: its certificate is not trusted here or does not name $HOST (trusted: the system's CAs and $CACERT)"
  else
    step "$T: (no second name for 127.0.0.1 here: the wrong-host check is left to tests/transport)"
  fi
done

step "bad arguments: one line, then the usage line, exit 2"
run --dev "$STATE" --root http://example.com/ discover
usage "--root 'http://example.com/' is not an https URL: at byte 4 expected \"https://\"" \
  "usage: ript [OPTIONS] discover"
run --dev "$STATE" handler list --tg "https://exa mple/"
usage "--tg 'https://exa mple/' is not an https URL: at byte 11 expected a host character" \
  "usage: ript [OPTIONS] handler list [--tg URI]"
run --dev "$STATE" --tokn=SECRET-VALUE discover
usage "unknown option '--tokn'" "usage: ript [OPTIONS] discover"
run --dev "$STATE"
usage "give a command: discover, handler, cert or call" \
  "usage: ript [OPTIONS] discover|handler|cert|call ... (ript --help tells more)"
run --dev "$STATE" handler
usage "ript handler needs add, list or rm" "usage: ript [OPTIONS] handler add|list|rm ..."
run --dev "$STATE" discover --from "$FROM"
usage "--from is not an option of this command" "usage: ript [OPTIONS] discover"
run --dev "$STATE" cert
usage "ript cert needs --from NUMBER" "usage: ript [OPTIONS] cert --from NUMBER [--tg URI]"
run --dev "$STATE" cert --from 12ab
usage "--from '12ab': expected an E.164 number such as +15550100000" \
  "usage: ript [OPTIONS] cert --from NUMBER [--tg URI]"
run --dev "$STATE" --transport h1 discover
usage "--transport 'h1': expected h3 or h2" "usage: ript [OPTIONS] discover"
run --dev "$STATE" handler add --advertisement "1 in opus;"
usage "--advertisement is not an advertisement: at byte 5 expected ':' after 'in'/'out'" \
  "usage: ript [OPTIONS] handler add [--id ID] [--advertisement TEXT] [--tg URI]"
run --dev "$STATE" handler rm 'a b'
usage "'a b' is neither a handler URI nor a handler id (1 to 128 of A-Z a-z 0-9 . _ ~ -)" \
  "usage: ript [OPTIONS] handler rm ID|URI [--tg URI]"
run --dev "$STATE" discover extra
usage "unexpected argument 'extra'" "usage: ript [OPTIONS] discover"

step "input files that cannot be used: exit 2, one line"
run --dev "$WORK/nothing.json" discover
refused 2 "--dev $WORK/nothing.json: No such file or directory"
run discover
refused 2 "no server: give --root URL, --authority HOST[:PORT] or --dev FILE"
printf 'two words\n' >"$WORK/badtoken"
run --dev "$STATE" --token-file "$WORK/badtoken" discover
refused 2 "the token from --token-file is not a bearer token (RFC 6750: letters, digits and -._~+/, then any '=')"
run --root "$ROOT" --cacert "$WORK/nothing.pem" discover
refused 2 "cannot load CA certificates from $WORK/nothing.pem (a PEM file)"
run --dev "$STATE/dev.json" --state "$WORK/token/state" handler add
refused 4 "state directory $WORK/token/state: Not a directory"

step "help"
run --help
ok
grep -qxF "  3  the server cannot be reached: no connection, connection lost, TLS" "$WORK/out" || fail "ript --help: $(out)"
run cert -h
ok
[ "$(sed -n 1p "$WORK/out")" = "usage: ript [OPTIONS] cert --from NUMBER [--tg URI]" ] || fail "ript cert -h: $(out)"
run handler rm --help
ok
grep -qF "ript [OPTIONS] handler rm ID|URI [--tg URI]" "$WORK/out" || fail "ript handler rm --help: $(out)"

step "nothing listening: a network line, exit 3, over both versions"
stop_riptd 10
for T in h3 h2; do
  run --dev "$STATE" --transport "$T" discover
  refused 3 "GET $ROOT: cannot reach 127.0.0.1:$PORT over HTTP/${T#h}: no server answered there, or the connection was lost"
done
step "all checks passed"
