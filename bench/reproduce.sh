#!/bin/sh
# The seeds' headline experiments under their own assumptions, beside
# pimstream's defaults: prints the tables of REPRODUCING.md (which says
# where each setting comes from and why the figures differ).
# Usage: sh bench/reproduce.sh [--quick] [SECTION...]   (after make)
#   SECTION: gpp (the default: every section)
#   --quick: B = 8 and 16 only (the test runs this)
set -eu
. bench/common.sh
quick=0
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
sections=${*:-gpp}

# cycles ARGS...: a run's simulated cycles
cycles() {
  "$bin" run "$@" --json "$tmp/r.json" > /dev/null
  field cycles "$tmp/r.json"
}
ratio() { awk "BEGIN { printf \"%.2fx\", $1 / $2 }"; }

# Generalized ping-pong, arXiv 2411.13054, on its 512x512 int8 VMM (vmm512,
# 1024 vectors). Per strategy: macros N, write port s (B/cycle), vectors per
# load b. The open design's usage guide gives B = 16 (GPP 16 macros, s 8,
# b 28; naive ping-pong 32 macros, s 1, b 4; in-situ 16 macros, s 1, b 4);
# GPP's other rows follow the paper's N = B/s + B*b*32/1024 (issue 14).
gpp_settings() { # B -> "N s b"
  case $1 in
    8) echo "11 8 40" ;;
    16) echo "16 8 28" ;;
    32) echo "24 8 20" ;;
    64) echo "36 16 16" ;;
    128) echo "49 16 12" ;;
    256) echo "80 16 8" ;;
  esac
}

fixed() { # strategy N s b B -> cycles
  cycles --model vmm512 --schedule "$1" --bandwidth "$5" --set schedule.macros="$2" \
    --set schedule.write_bytes_per_cycle="$3" --set schedule.vectors_per_load="$4"
}

section_gpp() {
  bws="8 16 32 64 128 256"
  [ "$quick" = 1 ] && bws="8 16"
  echo "| B | GPP N, s, b | GPP cycles | naive (32, 1, 4) | GPP vs naive | naive, s = B/16 | GPP vs it | in-situ (16, 1, 4) | GPP vs in-situ | equal settings: GPP vs naive |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for bw in $bws; do
    set -- $(gpp_settings "$bw")
    n=$1 s=$2 b=$3
    gpp=$(fixed gpp "$n" "$s" "$b" "$bw")
    naive=$(fixed pingpong 32 1 4 "$bw")
    port=$((bw / 16))
    [ "$port" -ge 1 ] || port=1
    [ "$port" -le 16 ] || port=16
    scaled=$(fixed pingpong 32 "$port" 4 "$bw")
    insitu=$(fixed insitu 16 1 4 "$bw")
    eq_gpp=$(cycles --model vmm512 --schedule gpp --bandwidth "$bw" --set schedule.macros=64 \
      --set schedule.vectors_per_load=32)
    eq_naive=$(cycles --model vmm512 --schedule pingpong --bandwidth "$bw" \
      --set schedule.macros=64 --set schedule.vectors_per_load=32)
    echo "| $bw | $n, $s, $b | $gpp | $naive | $(ratio "$naive" "$gpp") | $scaled | $(ratio "$scaled" "$gpp") | $insitu | $(ratio "$insitu" "$gpp") | $(ratio "$eq_naive" "$eq_gpp") |"
  done
}

for s in $sections; do
  case $s in
    gpp) section_gpp ;;
    *)
      echo "reproduce.sh: unknown section '$s' (gpp)" >&2
      exit 2
      ;;
  esac
done
