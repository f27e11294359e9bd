#!/bin/sh
# Sweep speed: a 1,000-point ResNet-18 sweep on 1 and 2 threads (and under
# mpirun when it is there), checking the results are byte-identical, and
# on 2 threads with the search capped (schedule.search_events); and
# 10,000 trivial points (vmm512, batch 1) for the time spent outside the
# runs. Run from the repository root; times come with the yardstick's.
set -eu
# shellcheck source=bench/common.sh
. bench/common.sh
cc -O2 -o "$tmp/yardstick" bench/yardstick.c
yard() { /usr/bin/time -f %e "$tmp/yardstick" 2>&1 >/dev/null | tail -n 1; }
grid="--sweep bandwidth=4,8,16,32,64,128,256,512,1024,2048 --sweep chip.core.macros=4,8,16,32,64
      --sweep schedule=gpp,pingpong,insitu,auto --sweep batch=1,2,4,8,16"
echo "yardstick: $(yard) s"
for t in 1 2; do
  # shellcheck disable=SC2086 # the grid is several words on purpose
  "$bin" sweep run --model resnet18 $grid --threads "$t" --out "$tmp/t$t" | head -n 1
done
cmp "$tmp/t1/results.csv" "$tmp/t2/results.csv" && cmp "$tmp/t1/results.jsonl" "$tmp/t2/results.jsonl" &&
  echo "1 and 2 threads: identical results"
# the same grid with gpp's whole-network search capped (README: auto)
# shellcheck disable=SC2086
"$bin" sweep run --model resnet18 $grid --set schedule.search_events=20000000 --threads 2 \
  --out "$tmp/cap" | head -n 1
if command -v mpirun >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -n 2 --oversubscribe \
    "$bin" sweep run --model resnet18 $grid --out "$tmp/mpi" | head -n 1
  cmp "$tmp/t1/results.csv" "$tmp/mpi/results.csv" && echo "mpirun -n 2: identical results"
fi
"$bin" sweep run --model vmm512 --batch 1 --sweep "bandwidth=$(seq -s, 1 100)" \
  --sweep "chip.core.macros=$(seq -s, 1 100)" --threads 1 --out "$tmp/trivial"
echo "yardstick: $(yard) s"
