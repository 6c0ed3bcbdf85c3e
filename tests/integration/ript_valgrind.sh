#!/usr/bin/env bash
# The ript command under valgrind, against the real riptd, over HTTP/3 and
# HTTP/2: every command (a short call over HTTP/3), a refusal, a TLS
# failure and an unreachable server, and tokens from riptd's OAuth token
# endpoint.
# Each run must end with ript's own exit status: valgrind turns any memory
# error or leak into 99. Registered only where valgrind runs.
source "$(dirname "$0")/riptd_lib.bash"
: "${RIPT_VALGRIND:?RIPT_VALGRIND must name valgrind}"

RIPT=$RIPT_BIN_DIR/ript
[ -x "$RIPT" ] || fail "$RIPT not built"
export HOME=$WORK/home
mkdir -p "$HOME"
unset RIPT_TOKEN

# vg STATUS [ript arguments...]: ript under valgrind exits with STATUS.
vg() {
  local want=$1 rc=0
  shift
  setpriv --pdeathsig KILL -- "$RIPT_VALGRIND" --quiet --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    "$RIPT" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  [ "$rc" = "$want" ] || fail "valgrind ript $*: exit $rc, want $want: $(cat "$WORK/err")"
}

start_riptd 30
FROM=$(dev from 0)
step "riptd --dev is up at $ROOT"

for T in h3 h2; do
  D=(--dev "$STATE" --transport "$T")
  step "$T: every command under valgrind"
  vg 0 "${D[@]}" --json discover
  vg 0 "${D[@]}" handler add --id "vg-$T"
  vg 0 "${D[@]}" handler list
  vg 0 "${D[@]}" handler rm "vg-$T"
  vg 0 "${D[@]}" --json cert --from "$FROM"
  step "$T: failures under valgrind"
  vg 1 "${D[@]}" cert --from +15550100010
  vg 1 "${D[@]}" --json --token not-the-token-0000 discover
  vg 3 --root "$ROOT" --transport "$T" discover
done
vg 2 --dev "$STATE" --tokn=x discover

# What comes back is checked by ript_call.sh: under valgrind on a loaded
# machine the media may take seconds to flow.
step "a short call under valgrind: play, record, DTMF, then a declined one"
vg 0 --dev "$STATE" --json call --from "$FROM" --to "$(dev numbers echo)" \
  --play "$STATE/tone.wav" --record "$WORK/rec.wav" --duration 4 --dtmf 12
[ "$(jq -r '"\(.final) \(.chunks.dtmf > 0)"' "$WORK/out")" = "end true" ] ||
  fail "valgrind call: $(cat "$WORK/out")"
vg 1 --dev "$STATE" call --from "$FROM" --to "$(dev numbers decline)"

step "OAuth under valgrind: client credentials, a refresh token with discovery, a wrong secret"
O=(--dev "$STATE" --client-id "$(dev oauth client_id)" --client-secret-file "$STATE/client-secret")
vg 0 "${O[@]}" --json discover
dev oauth refresh_token >"$WORK/refresh"
vg 0 --root "$ROOT" --cacert "$CACERT" --refresh-token-file "$WORK/refresh" discover
echo "not-the-secret-0123456789" >"$WORK/wrong"
vg 1 --dev "$STATE" --client-id dev --client-secret-file "$WORK/wrong" discover

step "nothing listening"
stop_riptd 10
vg 3 --dev "$STATE" --transport h3 discover
vg 3 --dev "$STATE" --transport h2 handler list
step "all checks passed"
