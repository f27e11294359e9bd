#!/bin/sh
# Simulator speed: wall time and simulated events per second for the
# models of BENCHMARKS.md, median of RUNS runs each (default 5), and each
# one-thread time as a multiple of the yardstick (bench/yardstick.c: a bare
# binary heap doing 20 M push/pop pairs), timed in the same run between the
# simulator's runs, so figures from a loaded machine still compare.
# Usage: sh bench/run.sh [RUNS]   (from the repository root, after make)
set -eu
runs=${1:-5}
. bench/common.sh

${CC:-cc} -O2 -o "$tmp/yardstick" bench/yardstick.c
: > "$tmp/yard"

echo "| model | batch | wall s, 1 thread | x yardstick | wall s, default threads | simulations | events (all) | events/s, 1 thread | simulated cycles |"
echo "|---|---|---|---|---|---|---|---|---|"
for case in resnet18:1 resnet18:16 bert-base:1 bert-base:16 llama2-7b-decode:1 llama2-7b-decode:16; do
  model=${case%:*}; batch=${case#*:}
  : > "$tmp/wall1"; : > "$tmp/walln"; : > "$tmp/rate"; : > "$tmp/ratio"
  i=0
  while [ "$i" -lt "$runs" ]; do
    y=$("$tmp/yardstick" 2>/dev/null)
    echo "$y" >> "$tmp/yard"
    t0=$(date +%s.%N)
    "$bin" run --model "$model" --batch "$batch" --threads 1 --json "$tmp/r.json" > /dev/null
    t1=$(date +%s.%N)
    "$bin" run --model "$model" --batch "$batch" > /dev/null
    t2=$(date +%s.%N)
    calc "$t1 - $t0" >> "$tmp/wall1"
    calc "($t1 - $t0) / $y" >> "$tmp/ratio"
    calc "$t2 - $t1" >> "$tmp/walln"
    ev=$(field search_events "$tmp/r.json"); ws=$(field wall_seconds "$tmp/r.json")
    calc "$ev / $ws" >> "$tmp/rate"
    i=$((i + 1))
  done
  printf '| %s | %s | %.3f | %.3f | %.3f | %s | %s | %.1f M | %s |\n' "$model" "$batch" \
    "$(median < "$tmp/wall1")" "$(median < "$tmp/ratio")" "$(median < "$tmp/walln")" \
    "$(field search_simulations "$tmp/r.json")" \
    "$(field search_events "$tmp/r.json")" "$(calc "$(median < "$tmp/rate") / 1000000")" \
    "$(field cycles "$tmp/r.json")"
done

# Compile time of the optimal partitioner (the search alone, as reported in
# the JSON's compile_seconds) and the whole compile command (search, program
# and its simulation), on the largest COMPASS preset.
echo
echo "| model | arch | batch | partitions | compile_seconds (search) | wall s, whole command | instructions |"
echo "|---|---|---|---|---|---|---|"
for case in resnet50:16 llama2-7b-decode:1; do
  model=${case%:*}; batch=${case#*:}
  : > "$tmp/search"; : > "$tmp/wall"
  i=0
  while [ "$i" -lt "$runs" ]; do
    t0=$(date +%s.%N)
    "$bin" compile --model "$model" --arch compass-l --batch "$batch" --json "$tmp/c.json" > "$tmp/c.txt"
    t1=$(date +%s.%N)
    calc "$t1 - $t0" >> "$tmp/wall"
    field compile_seconds "$tmp/c.json" >> "$tmp/search"
    i=$((i + 1))
  done
  parts=$(sed -n 's/.*: \([0-9]*\) partitions,.*/\1/p' "$tmp/c.txt" | head -n 1)
  printf '| %s | compass-l | %s | %s | %.4f | %.3f | %s |\n' "$model" "$batch" "$parts" \
    "$(median < "$tmp/search")" "$(median < "$tmp/wall")" "$(field instructions "$tmp/c.json")"
done

# Networks-on-chip: a manycore run with every transfer simulated (ResNet-50,
# batch 16, weights resident, optimized placement) on each manycore preset,
# and the noc microbenchmark's batch of 100 four-flit packets per node on an
# 8x8 mesh; each against the yardstick timed just before it.
echo
echo "| case | wall s | x yardstick | transfers | events |"
echo "|---|---|---|---|---|"
for case in manycore-2d manycore-25d floret manycore-3d noc; do
  : > "$tmp/wall"; : > "$tmp/ratio"
  i=0
  while [ "$i" -lt "$runs" ]; do
    y=$("$tmp/yardstick" 2>/dev/null)
    echo "$y" >> "$tmp/yard"
    t0=$(date +%s.%N)
    if [ "$case" = noc ]; then
      "$bin" noc --size 8x8 --traffic uniform --packets 100 --flits 4 --json "$tmp/n.json" > /dev/null
    else
      "$bin" run --model resnet50 --arch "$case" --batch 16 --weights resident \
        --json "$tmp/n.json" > /dev/null
    fi
    t1=$(date +%s.%N)
    calc "$t1 - $t0" >> "$tmp/wall"
    calc "($t1 - $t0) / $y" >> "$tmp/ratio"
    i=$((i + 1))
  done
  if [ "$case" = noc ]; then
    label="noc 8x8 uniform, 100 x 4-flit packets per node"
    transfers=$(field packets "$tmp/n.json"); events=-
  else
    label="resnet50 batch 16 on $case"
    transfers=$(field transfers "$tmp/n.json"); events=$(field events "$tmp/n.json")
  fi
  printf '| %s | %.3f | %.3f | %s | %s |\n' "$label" "$(median < "$tmp/wall")" \
    "$(median < "$tmp/ratio")" "$transfers" "$events"
done

# The mapper: BERT-Large's 512x1024x1024 GEMM on each of the WWW study's
# nine designs, one thread (the search's own time, from map's JSON), and
# the 1,000 all-gemms on all nine at two threads (wall time).
echo
echo "| mapper case | search s | x yardstick | mappings evaluated | partial mappings cut |"
echo "|---|---|---|---|---|"
designs="www-tensor-core www-rf-analog6t www-rf-analog8t www-rf-digital6t www-rf-digital8t www-smem-analog6t www-smem-analog8t www-smem-digital6t www-smem-digital8t"
for a in $designs a100; do
  : > "$tmp/wall"; : > "$tmp/ratio"
  i=0
  while [ "$i" -lt "$runs" ]; do
    y=$("$tmp/yardstick" 2>/dev/null)
    echo "$y" >> "$tmp/yard"
    "$bin" map --arch "$a" --threads 1 --json "$tmp/m.json" > /dev/null
    sec=$(field seconds "$tmp/m.json")
    echo "$sec" >> "$tmp/wall"
    calc "$sec / $y" >> "$tmp/ratio"
    i=$((i + 1))
  done
  printf '| BERT-Large GEMM on %s | %.4f | %.4f | %s | %s |\n' "$a" "$(median < "$tmp/wall")" \
    "$(median < "$tmp/ratio")" "$(field considered "$tmp/m.json")" "$(field pruned "$tmp/m.json")"
done
list=$(echo "$designs" | tr ' ' ',')
: > "$tmp/wall"; : > "$tmp/ratio"
i=0
while [ "$i" -lt 3 ]; do
  y=$("$tmp/yardstick" 2>/dev/null)
  echo "$y" >> "$tmp/yard"
  t0=$(date +%s.%N)
  "$bin" compare --arch "$list" --model models/www/all-gemms.yaml --threads 2 > /dev/null
  t1=$(date +%s.%N)
  calc "$t1 - $t0" >> "$tmp/wall"
  calc "($t1 - $t0) / $y" >> "$tmp/ratio"
  i=$((i + 1))
done
printf '| all-gemms (1,000 GEMMs) on the nine designs, 2 threads, wall | %.2f | %.2f | - | - |\n' \
  "$(median < "$tmp/wall")" "$(median < "$tmp/ratio")"

echo
printf 'yardstick (bench/yardstick.c, 20 M heap push/pop pairs): median %.3f s over %s runs\n' \
  "$(median < "$tmp/yard")" "$(wc -l < "$tmp/yard")"
