#!/bin/sh
# Regenerate the README's figures (docs/figures/*.svg) from sweeps, with
# `pimstream sweep` and `pimstream plot` alone. Run from the repository root.
set -eu
# shellcheck source=bench/common.sh
. bench/common.sh
out=docs/figures
mkdir -p "$out"

# Generalized ping-pong against its baselines on vmm512 (the README's GPP
# table: 64 macros, 32 vectors per load), throughput against bandwidth.
"$bin" sweep run --model vmm512 --set schedule.macros=64 --set schedule.vectors_per_load=32 \
  --sweep bandwidth=8,16,32,64,128,256,512 --sweep schedule=gpp,pingpong,insitu \
  --out "$tmp/vmm512" >/dev/null
"$bin" plot "$tmp/vmm512" --x bandwidth --y inferences_per_second --group schedule \
  --out "$out/vmm512-bandwidth.svg"

# An architecture sweep of ResNet-18 (batch 8) on gpp-sram: cores, macros
# per core and bandwidth; energy against latency with its Pareto front
# (coloured by bandwidth: chips with as many macros in all give the same
# point, so a colour per core count would hide most of them).
"$bin" sweep run --model resnet18 --batch 8 --sweep chip.cores=4,8,16,32 \
  --sweep chip.core.macros=4,8,16,32 --sweep bandwidth=8,16,32,64,128 \
  --out "$tmp/resnet18" >/dev/null
"$bin" plot "$tmp/resnet18" --x seconds --y energy_pj --group bandwidth \
  --pareto seconds,energy_pj --out "$out/resnet18-pareto.svg"
