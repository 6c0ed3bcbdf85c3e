#!/usr/bin/env bash
# Runs every libFuzzer target in BIN_DIR for SECONDS each, one per core at a
# time, merging new inputs into fuzz/corpus/<name>/. A crash stops the run and
# leaves the input in build/fuzz/artifacts/ (turn it into a unit test).
set -euo pipefail
bin_dir=${1:?usage: fuzz-run.sh BIN_DIR SECONDS}
seconds=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$root/build/fuzz/artifacts"
mkdir -p "$artifacts"
jobs=$(nproc)

run_one() {
  local exe=$1 name=${1##*/fuzz_}
  local corpus="$root/fuzz/corpus/$name" fresh="$root/build/fuzz/new-$name"
  mkdir -p "$corpus" "$fresh"
  echo "fuzz: $name for ${seconds}s"
  "$exe" -max_total_time="$seconds" -artifact_prefix="$artifacts/$name-" \
    -print_final_stats=1 "$fresh" "$corpus" >"$root/build/fuzz/$name.log" 2>&1 || {
    echo "fuzz: $name FAILED, see build/fuzz/$name.log"; tail -30 "$root/build/fuzz/$name.log"; return 1; }
  "$exe" -merge=1 "$corpus" "$fresh" >/dev/null 2>&1
  rm -rf "$fresh"
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$root/build/fuzz/$name.log" \
    | sed "s/^/fuzz: $name /"
}
export -f run_one
export root seconds artifacts
ls "$bin_dir"/fuzz_* | xargs -P "$jobs" -I{} bash -c 'run_one {}'
