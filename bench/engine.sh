#!/bin/sh
# Engine speed on issue 13's four cases: `run --model M --threads 1` (auto:
# three strategies, each simulated whole), wall seconds and the ratio to the
# yardstick (bench/yardstick.c) timed just before each run, median of RUNS
# runs (default 5; the prefill at seq_len 4096, PREFILL_RUNS, default 3).
# With BEFORE=path/to/old/pimstream, each run of it alternates with one of
# the current binary, and both columns are printed.
# Usage: [BEFORE=old-binary] sh bench/engine.sh [RUNS]   (after make)
set -eu
runs=${1:-5}
prefill_runs=${PREFILL_RUNS:-3}
before=${BEFORE:-}
. bench/common.sh

${CC:-cc} -O2 -o "$tmp/yardstick" bench/yardstick.c

# time_one BIN ARGS...: one run after one yardstick; appends to $tmp/w.BIN
# and $tmp/x.BIN (wall seconds, ratio)
time_one() {
  tag=$1; b=$2; shift 2
  y=$("$tmp/yardstick" 2>/dev/null)
  echo "$y" >> "$tmp/yard"
  t0=$(date +%s.%N)
  "$b" run "$@" --threads 1 > /dev/null
  t1=$(date +%s.%N)
  calc "$t1 - $t0" >> "$tmp/w.$tag"
  calc "($t1 - $t0) / $y" >> "$tmp/x.$tag"
}

: > "$tmp/yard"
if [ -n "$before" ]; then
  echo "| case | before: wall s | x yardstick | after: wall s | x yardstick |"
  echo "|---|---|---|---|---|"
else
  echo "| case | wall s | x yardstick |"
  echo "|---|---|---|"
fi
for case in "resnet18" "bert-base" "llama2-7b-decode" "llama2-7b-prefill --set model.seq_len=4096"; do
  n=$runs
  case "$case" in *prefill*) n=$prefill_runs ;; esac
  rm -f "$tmp"/w.* "$tmp"/x.*
  i=0
  while [ "$i" -lt "$n" ]; do
    # shellcheck disable=SC2086 # the case holds the model and its options
    [ -z "$before" ] || time_one before "$before" --model $case
    # shellcheck disable=SC2086
    time_one after "$bin" --model $case
    i=$((i + 1))
  done
  if [ -n "$before" ]; then
    printf '| %s | %.4f | %.4f | %.4f | %.4f |\n' "$case" "$(median < "$tmp/w.before")" \
      "$(median < "$tmp/x.before")" "$(median < "$tmp/w.after")" "$(median < "$tmp/x.after")"
  else
    printf '| %s | %.4f | %.4f |\n' "$case" "$(median < "$tmp/w.after")" "$(median < "$tmp/x.after")"
  fi
done
echo
echo "yardstick (20 M heap push/pop pairs): median $(median < "$tmp/yard") s over $(wc -l < "$tmp/yard") runs"
