# Shared by the `ript call` tests (sourced after riptd_lib.bash; not a test
# of its own): the ript and ript-wav-compare programs, a spoken test
# signal, and helpers that run calls in the foreground or the background
# and check their --json summaries with jq.

RIPT=$RIPT_BIN_DIR/ript
COMPARE=$RIPT_BIN_DIR/ript-wav-compare
for prog in "$RIPT" "$COMPARE"; do
  [ -x "$prog" ] || fail "$prog not built"
done
for prog in jq espeak-ng sox; do
  command -v "$prog" >/dev/null || fail "'$prog' is not installed (scripts/install-deps.sh)"
done
export HOME=$WORK/home
mkdir -p "$HOME"
unset RIPT_TOKEN

# voice FILE: about 11 s of speech from espeak-ng (22050 Hz mono), with
# the pauses of a sentence between words.
voice() {
  espeak-ng -w "$1" "RIPT carries a telephone call over HTTP three. This sentence goes to the echo number and comes back, and the test compares what was sent with what was recorded. One, two, three." ||
    fail "espeak-ng could not speak"
}

# call NAME [ript arguments...]: `ript ARGS --json` in the foreground;
# stdout in $WORK/NAME.json, stderr in $WORK/NAME.err, the exit status in
# RC.
call() {
  local name=$1
  shift
  RC=0
  setpriv --pdeathsig KILL -- "$RIPT" "$@" --json >"$WORK/$name.json" 2>"$WORK/$name.err" || RC=$?
}

# call_bg NAME [ript arguments...]: the same in the background; PIDS[NAME]
# is its PID, for call_wait.
declare -A PIDS
call_bg() {
  local name=$1
  shift
  setpriv --pdeathsig KILL -- "$RIPT" "$@" --json >"$WORK/$name.json" 2>"$WORK/$name.err" &
  PIDS[$name]=$!
}

# call_wait NAME: waits for a background call; RC is its exit status.
call_wait() {
  RC=0
  wait "${PIDS[$1]}" || RC=$?
}

# q NAME FILTER: a value of the summary of call NAME.
q() { jq -er "$2" "$WORK/$1.json" || fail "$1: jq '$2' on: $(cat "$WORK/$1.json") $(cat "$WORK/$1.err")"; }

# events NAME: the names of the events call NAME printed, one a line.
events() { sed -n 's/^+[0-9.]* s  \([a-z -]*\).*/\1/p' "$WORK/$1.err"; }

# answered_ok NAME [cut]: call NAME exited 0 after its own end, with its
# events on stderr in order (pongs aside; with "cut", anything between the
# answer and the end; the signaling byway starts with the call's state, so
# proceeding and alerting may be past when it opens), no chunk lost, every
# chunk acknowledged but the last few.
answered_ok() {
  [ "$RC" = 0 ] || fail "$1: exit $RC: $(cat "$WORK/$1.err")"
  [ "$(q "$1" '"\(.final) \(."ended-by")"')" = "end ript" ] || fail "$1: $(cat "$WORK/$1.json")"
  local seen
  seen=$(events "$1" | grep -vx pong | paste -sd' ')
  [ "${2:-}" = cut ] && seen=$(sed -E 's/ answered .* end$/ answered end/' <<<"$seen")
  [[ $seen =~ ^call( proceeding)?( alerting)?\ answered\ end$ ]] ||
    fail "$1: events: $(cat "$WORK/$1.err")"
  [ "$(q "$1" .chunks.lost)" = 0 ] || fail "$1: lost chunks: $(cat "$WORK/$1.json")"
  at_least "$(q "$1" .chunks.acknowledged)" "$(($(q "$1" .chunks.sent) - 5))" ||
    fail "$1: acknowledgements: $(cat "$WORK/$1.json")"
}

# similar NAME SENT.wav RECORDING MIN [MAX-LAG-MS]: the recording matches
# what was sent with an aligned correlation of at least MIN, searching lags
# up to MAX-LAG-MS (3000) either way; sets CORR.
similar() {
  local line
  line=$("$COMPARE" --max-lag-ms "${5:-3000}" "$2" "$3") || fail "$1: ript-wav-compare: $line"
  CORR=$(sed -n 's/^correlation=\([^ ]*\).*/\1/p' <<<"$line")
  step "  $1: $line"
  at_least "$CORR" "$4" || fail "$1: correlation $CORR below $4"
}

# refused_call NAME RC LINE: call NAME exited RC with "ript: LINE" as the
# last line of stderr (the events, if any, come before it) and the --json
# failure document on stdout.
refused_call() {
  [ "$RC" = "$2" ] || fail "$1: exit $RC, want $2: $(cat "$WORK/$1.err")"
  [ "$(tail -n1 "$WORK/$1.err")" = "ript: $3" ] ||
    fail "$1: stderr '$(tail -n1 "$WORK/$1.err")', want 'ript: $3'"
  [ "$(q "$1" .error.exit)" = "$2" ] || fail "$1: --json: $(cat "$WORK/$1.json")"
}
