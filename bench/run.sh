#!/usr/bin/env bash
# bench/run.sh - the benchmark of docs/BENCHMARKS.md.
#
#   bench/run.sh [--quick] [--out DIR] [--profile] [SCENARIO...]
#
# Makes a state directory with `riptd --dev --listen 127.0.0.1:PORT --state
# DIR/state`, and a configuration riptd-bench.json there: the dev one with
# an advertisement that prefers CODEC. For each scenario: starts a fresh
# riptd with it pinned to core 0 (taskset -c 0), runs build/bin/ript-load
# pinned to core 1 against it with --riptd-pid, stops riptd by its PID and
# keeps ript-load's JSON in DIR/SCENARIO.json (and riptd's log beside it).
# Prints a table of the results at the end.
#
# Scenarios (default: all four, in this order):
#   h3-datagram  1000 calls over HTTP/3 datagrams, ramp 100/s, hold 30 s
#   h3-byway      300 calls over HTTP/3 byways,    ramp 100/s, hold 30 s
#   h2-byway      600 calls over HTTP/2 byways,    ramp 100/s, hold 30 s
#                (about as many as riptd holds within the targets)
#   setup-rate   1000 calls over HTTP/3 datagrams, ramp 250/s, hold 5 s
# Sizes can be changed with the environment: DATAGRAM_CALLS, H3_BYWAY_CALLS,
# H2_BYWAY_CALLS, SETUP_CALLS, SETUP_RAMP, RAMP, HOLD, CODEC (PCMU); and
# where riptd keeps its calls: STORE=memory (the default) or STORE=sqlite
# (a database file in the state directory, made anew for each scenario).
#   --quick    a tenth of the calls and a 5 s hold: checks the set-up
#   --out DIR  where the results go (default: a new directory under /tmp)
#   --profile  also record riptd with `perf record -g` during each run and
#              write DIR/SCENARIO.perf.txt (a flat profile by library and
#              function); the numbers of a profiled run are not the
#              benchmark's
# Before each scenario it waits (at most QUIET_WAIT s, default 900) for both
# cores to be under QUIET_BUSY % busy (default 25): the machine is shared.
# The table's last column says how busy each core was during the run.
# Needs: build/bin/riptd and build/bin/ript-load (make build), taskset,
# setpriv; perf (Debian: linux-perf) for --profile.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${RIPT_BIN_DIR:-$HERE/../build/bin}
RIPTD=$BIN/riptd
LOAD=$BIN/ript-load
OUT=""
QUICK=0
PROFILE=0
SCENARIOS=()

die() { echo "bench/run.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --profile) PROFILE=1 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift ;;
    --help|-h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    h3-datagram|h3-byway|h2-byway|setup-rate) SCENARIOS+=("$1") ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(h3-datagram h3-byway h2-byway setup-rate)

for prog in "$RIPTD" "$LOAD"; do
  [ -x "$prog" ] || die "$prog is not built (make build)"
done
for prog in taskset setpriv; do
  command -v "$prog" >/dev/null || die "'$prog' is not installed"
done
[ "$PROFILE" = 0 ] || command -v perf >/dev/null ||
  die "--profile needs perf (apt-get install linux-perf)"
[ "$(nproc)" -ge 2 ] || die "needs 2 cores: riptd on core 0, ript-load on core 1"

OUT=${OUT:-$(mktemp -d /tmp/ript-bench.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
STATE=$OUT/state
RIPTD_PID=""
PERF_PID=""

cleanup() {
  [ -z "$PERF_PID" ] || kill -INT "$PERF_PID" 2>/dev/null || true
  if [ -n "$RIPTD_PID" ]; then
    kill -KILL "$RIPTD_PID" 2>/dev/null || true
    wait "$RIPTD_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

scale() { [ "$QUICK" = 1 ] && echo $(( ($1 + 9) / 10 )) || echo "$1"; }
HOLD=${HOLD:-$([ "$QUICK" = 1 ] && echo 5 || echo 30)}
RAMP=${RAMP:-100}
CODEC=${CODEC:-PCMU}
STORE=${STORE:-memory}
case $STORE in memory|sqlite) ;; *) die "STORE=$STORE: memory or sqlite" ;; esac

# A free port for the whole run (dev.json's URIs name it).
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

# prepare: `riptd --dev` once makes the state directory (certificates,
# token, dev.json); the benchmark's riptd then runs with a copy of its
# riptd.json whose advertisement prefers CODEC. riptd's default prefers
# opus, and the sink's preference picks the codec of each directive
# (docs/PROTOCOL.md §6), so without this the callers would send opus.
prepare() {
  rm -rf "$STATE"
  setpriv --pdeathsig KILL -- "$RIPTD" --dev --listen "127.0.0.1:$PORT" \
    --state "$STATE" >"$OUT/prepare.log" 2>&1 &
  RIPTD_PID=$!
  local tenths=0
  until [ -f "$STATE/dev.json" ]; do
    kill -0 "$RIPTD_PID" 2>/dev/null || die "riptd --dev exited: $(cat "$OUT/prepare.log")"
    [ $tenths -lt 300 ] || die "riptd --dev wrote no dev.json in 30 s"
    sleep 0.1
    tenths=$((tenths + 1))
  done
  stop_riptd
  python3 - "$STATE/riptd.json" "$STATE/riptd-bench.json" "$CODEC" "$STORE" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
first = sys.argv[3]
codecs = [first] + [c for c in ("opus", "PCMU", "PCMA") if c != first]
side = "; ".join(codecs + ["telephone-event", "CN"]) + ";"
cfg["_comment"] = "riptd --dev's configuration; bench/run.sh: " + first + " first"
cfg["advertisement"] = f"1 in: {side} 1 out: {side}"
if sys.argv[4] == "sqlite":
    cfg["store"] = {"type": "sqlite", "path": "riptd-bench.db"}
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
PY
}

# start_riptd LOG: riptd --config riptd-bench.json pinned to core 0; waits
# (at most 30 s) for the line saying it listens.
start_riptd() {
  rm -f "$STATE"/riptd-bench.db*
  setpriv --pdeathsig KILL -- taskset -c 0 "$RIPTD" \
    --config "$STATE/riptd-bench.json" --listen "127.0.0.1:$PORT" >"$1" 2>&1 &
  RIPTD_PID=$!
  local tenths=0
  until grep -qs '^riptd: listening on ' "$1"; do
    kill -0 "$RIPTD_PID" 2>/dev/null || die "riptd exited: $(cat "$1")"
    [ $tenths -lt 300 ] || die "riptd is not listening after 30 s"
    sleep 0.1
    tenths=$((tenths + 1))
  done
}

# stop_riptd: SIGTERM, then at most 30 s for a clean exit.
stop_riptd() {
  local tenths=0
  kill -TERM "$RIPTD_PID"
  while kill -0 "$RIPTD_PID" 2>/dev/null; do
    if [ $tenths -ge 300 ]; then
      echo "bench/run.sh: riptd did not stop in 30 s; killing it" >&2
      kill -KILL "$RIPTD_PID" 2>/dev/null || true
      break
    fi
    sleep 0.1
    tenths=$((tenths + 1))
  done
  wait "$RIPTD_PID" 2>/dev/null || true
  RIPTD_PID=""
}

# cores: "busy idle" jiffies of cpu0 and cpu1 from /proc/stat, one line.
cores() {
  awk '/^cpu[01] / { idle = $5 + $6; busy = 0
                     for (i = 2; i <= NF; i++) busy += $i
                     printf "%d %d ", busy - idle, idle }' /proc/stat
}

# wait_quiet: the machine is shared; a scenario measured while other
# programs keep the cores busy measures them. Waits (at most QUIET_WAIT
# seconds, default 900) until both cores are under QUIET_BUSY % busy
# (default 25) over 3 s, then goes on either way.
wait_quiet() {
  local waited=0 a b
  while :; do
    a=$(cores); sleep 3; b=$(cores)
    if awk -v a="$a" -v b="$b" -v max="${QUIET_BUSY:-25}" 'BEGIN {
         split(a, x); split(b, y)
         for (c = 0; c < 2; c++) {
           busy = y[1 + 2 * c] - x[1 + 2 * c]; idle = y[2 + 2 * c] - x[2 + 2 * c]
           if (busy + idle > 0 && 100 * busy / (busy + idle) >= max) exit 1
         }
       }'; then
      return 0
    fi
    waited=$((waited + 3))
    if [ $waited -ge "${QUIET_WAIT:-900}" ]; then
      echo "bench/run.sh: the cores are still busy after ${QUIET_WAIT:-900} s; measuring anyway" >&2
      return 0
    fi
  done
}

# run NAME ript-load-arguments...
run() {
  local name=$1 status=0
  shift
  wait_quiet
  echo "== $name: ript-load $*"
  start_riptd "$OUT/$name.riptd.log"
  if [ "$PROFILE" = 1 ]; then
    perf record -q -F 499 -g -p "$RIPTD_PID" -o "$OUT/$name.perf.data" \
      >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  local before after
  before=$(cores)
  setpriv --pdeathsig KILL -- taskset -c 1 "$LOAD" --dev-json "$STATE" \
    --riptd-pid "$RIPTD_PID" --codec "$CODEC" --json "$@" \
    >"$OUT/$name.json" 2>"$OUT/$name.err" || status=$?
  after=$(cores)
  # How busy each core was over the whole run, whoever used it: the
  # machine is shared, and this shows what else ran beside the two.
  echo "$before $after" >"$OUT/$name.cores"
  if [ -n "$PERF_PID" ]; then
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=""
    perf report -i "$OUT/$name.perf.data" --no-children --sort dso,symbol -g none \
      --stdio 2>/dev/null | grep -v '^$' | head -80 >"$OUT/$name.perf.txt" || true
  fi
  stop_riptd
  [ "$status" -ne 1 ] && [ "$status" -ne 2 ] ||
    die "$name: ript-load failed (status $status): $(cat "$OUT/$name.err")"
  sed 's/^/   /' "$OUT/$name.err" >&2
}

prepare
for s in "${SCENARIOS[@]}"; do
  case $s in
    h3-datagram) run "$s" --transport h3 --media datagram \
      --calls "$(scale "${DATAGRAM_CALLS:-1000}")" --ramp "$RAMP" --hold "$HOLD" ;;
    h3-byway) run "$s" --transport h3 --media byway \
      --calls "$(scale "${H3_BYWAY_CALLS:-300}")" --ramp "$RAMP" --hold "$HOLD" ;;
    h2-byway) run "$s" --transport h2 --media byway \
      --calls "$(scale "${H2_BYWAY_CALLS:-600}")" --ramp "$RAMP" --hold "$HOLD" ;;
    setup-rate) run "$s" --transport h3 --media datagram \
      --calls "$(scale "${SETUP_CALLS:-1000}")" --ramp "${SETUP_RAMP:-250}" \
      --hold "$([ "$QUICK" = 1 ] && echo 2 || echo 5)" ;;
  esac
done

# The table, from the JSON files (jq-free: python3 is in Debian's base).
python3 - "$OUT" "${SCENARIOS[@]}" <<'PY' | tee "$OUT/summary.txt"
import json, sys
out = sys.argv[1]
cols = ("scenario", "calls ok/n", "setup p50/p99 ms", "setups/s", "loss %",
        "1-way p50/p99 ms", "riptd CPU %", "KiB/call", "load CPU %",
        "core0/core1 busy %")

def busy(name):
    v = [int(x) for x in open(f"{out}/{name}.cores").read().split()]
    pct = []
    for core in (0, 1):
        db = v[4 + 2 * core] - v[2 * core]
        di = v[5 + 2 * core] - v[2 * core + 1]
        pct.append(f"{100.0 * db / (db + di):.0f}" if db + di else "-")
    return "/".join(pct)

rows = [cols]
for name in sys.argv[2:]:
    d = json.load(open(f"{out}/{name}.json"))
    m, r = d["chunks"], d["riptd"] or {}
    f = lambda v, p=1: "-" if v is None else f"{v:.{p}f}"
    rows.append((name, f'{d["ok"]}/{d["calls"]}',
                 f'{f(d["setup_ms"]["p50"])}/{f(d["setup_ms"]["p99"])}',
                 f(d["setups_per_s"]), f(m["loss_pct"], 3),
                 f'{d["latency_ms"]["p50"]}/{d["latency_ms"]["p99"]}',
                 f(r.get("cpu_pct")), f(r.get("kib_per_call")),
                 f(d["load_cpu_pct"]), busy(name)))
w = [max(len(row[i]) for row in rows) for i in range(len(cols))]
for row in rows:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(row)))
PY
echo "results in $OUT"
