#!/usr/bin/env bash
# Run each libFuzzer target for SECONDS seconds from its seed corpus.
# Fails (and keeps the crashing input in build/fuzz/) if any target finds one.
set -uo pipefail
seconds=${1:-60}
status=0
for t in arch model onnx csv hier mapping sweep table journal; do
  maxlen=4096
  [ "$t" = onnx ] && maxlen=65536 # seeds are real models of 10-20 KB
  [ "$t" = journal ] && maxlen=16384 # a seed is an 8-point sweep's journal
  mkdir -p "build/fuzz/corpus-$t"
  log="build/fuzz/$t.log"
  (cd build/fuzz && "./fuzz_$t" -max_total_time="$seconds" -max_len="$maxlen" -timeout=10 \
     -print_final_stats=1 "corpus-$t" "../../tests/fuzz/corpus/$t") >"$log" 2>&1
  rc=$?
  runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  echo "fuzz_$t: ${runs:-0} inputs in ${seconds}s, exit $rc"
  if [ "$rc" -ne 0 ]; then
    grep -E '^(==|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -20
    status=1
  fi
done
exit $status
