#!/bin/sh
# Whole networks against the tight bound: for every zoo model and the ONNX
# models in tests/data/models, at off-chip bandwidth B = 8, 32 and 128
# bytes/cycle on gpp-sram (each model's default batch), each schedule's
# simulated cycles as a fraction of the row's tight lower bound. Each run
# reports the tight bound of its own plan (bounds.tight_cycles); gpp and
# auto may run the model with its wide layers cut (src/cut), whose plan and
# bound are their own (auto's pick then says "cut"), so a row's columns
# are all taken against the least bound any of its runs reported: one
# yardstick per row, so columns compare as their cycles do. With
# BEFORE=path/to/older/pimstream, also that binary's cycles against the
# same bound. BEFORE_SKIP lists models not to run with the older binary
# (minutes per run).
# Usage: [BEFORE=old [BEFORE_SKIP="m1 m2"]] [MODELS="m1 m2"] sh bench/efficiency.sh [LIMIT_SECONDS]
#        (after make; per-run limit, default 120)
set -eu
limit=${1:-120}
. bench/common.sh
cycles_of() { # binary model B schedule -> "cycles tight strategy" or "- - -"
  if timeout "$limit" "$1" run --model "$2" --bandwidth "$3" --schedule "$4" --json "$tmp/r.json" \
      > /dev/null 2>&1; then
    o=$(word_field order "$tmp/r.json")
    cut=$(field cut_layers "$tmp/r.json")
    echo "$(field cycles "$tmp/r.json") $(field tight_cycles "$tmp/r.json") $(word_field strategy "$tmp/r.json")${o:+,$o}${cut:+,cut}"
  else
    echo "- - -"
  fi
}
skipped() { case " ${BEFORE_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }

models=$("$bin" models | awk '{print $1}')
for f in tests/data/models/*.onnx; do models="$models $f"; done
models=${MODELS:-$models} # MODELS="m1 m2": only those (zoo names or files)
printf '| model | B | insitu | pingpong | gpp | auto (picks) |%s\n' \
  "${BEFORE:+ before: insitu | pingpong | gpp | auto |}"
printf '|---|---|---|---|---|---|%s\n' "${BEFORE:+---|---|---|---|}"
# One row from lines "strategy cycles tight pick [old_cycles]": every
# figure against the least tight bound of the row's runs.
row() {
  awk -v name="$1" -v bw="$2" -v before="${BEFORE:+1}" '
    function pct(c) { return (c == "-" || bound == "-") ? "—" : sprintf("%.1f%%", 100 * bound / c) }
    { s[NR] = $1; c[NR] = $2; pick[NR] = $4; old[NR] = $5
      if ($3 != "-" && (bound == "" || $3 + 0 < bound + 0)) bound = $3 }
    END {
      if (bound == "") bound = "-"
      line = "| " name " | " bw
      for (i = 1; i <= NR; i++)
        line = line " | " pct(c[i]) (s[i] == "auto" && pick[i] != "-" ? " (" pick[i] ")" : "")
      for (i = 1; before && i <= NR; i++) line = line " | " pct(old[i])
      print line " |"
    }'
}
for m in $models; do
  name=$(basename "$m" .onnx)
  for bw in 8 32 128; do
    for s in insitu pingpong gpp auto; do
      old=""
      if [ -n "${BEFORE:-}" ]; then
        old=-
        skipped "$name" || old=$(cycles_of "$BEFORE" "$m" "$bw" "$s" | awk '{print $1}')
      fi
      echo "$s $(cycles_of "$bin" "$m" "$bw" "$s") $old"
    done | row "$name" "$bw"
  done
done
