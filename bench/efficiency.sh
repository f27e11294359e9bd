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
strategy() { sed -n 's/^ *"strategy": "\([a-z]*\)",\{0,1\}$/\1/p' "$1" | head -n 1; }
order() { sed -n 's/^ *"order": "\([a-z]*\)",\{0,1\}$/\1/p' "$1" | head -n 1; }
cycles_of() { # binary model B schedule -> "cycles tight strategy" or "- - -"
  if timeout "$limit" "$1" run --model "$2" --bandwidth "$3" --schedule "$4" --json "$tmp/r.json" \
      > /dev/null 2>&1; then
    o=$(order "$tmp/r.json")
    cut=$(field cut_layers "$tmp/r.json")
    echo "$(field cycles "$tmp/r.json") $(field tight_cycles "$tmp/r.json") $(strategy "$tmp/r.json")${o:+,$o}${cut:+,cut}"
  else
    echo "- - -"
  fi
}
pct() { awk -v b="$1" -v c="$2" 'BEGIN { if (b == "-" || c == "-") print "—"; else printf "%.1f%%", 100 * c / b }'; }
skipped() { case " ${BEFORE_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }

models=$("$bin" models | awk '{print $1}')
for f in tests/data/models/*.onnx; do models="$models $f"; done
models=${MODELS:-$models} # MODELS="m1 m2": only those (zoo names or files)
printf '| model | B | insitu | pingpong | gpp | auto (picks) |%s\n' \
  "${BEFORE:+ before: insitu | pingpong | gpp | auto |}"
printf '|---|---|---|---|---|---|%s\n' "${BEFORE:+---|---|---|---|}"
least() { awk 'BEGIN { m = "-" } $2 != "-" && (m == "-" || $2 + 0 < m + 0) { m = $2 } END { print m }'; }
for m in $models; do
  name=$(basename "$m" .onnx)
  for bw in 8 32 128; do
    runs=""
    for s in insitu pingpong gpp auto; do
      runs="$runs$(cycles_of "$bin" "$m" "$bw" "$s")
"
    done
    bound=$(printf '%s' "$runs" | least)
    row="| $name | $bw"
    old=""
    s_i=0
    for s in insitu pingpong gpp auto; do
      s_i=$((s_i + 1))
      # shellcheck disable=SC2046 # the three fields, split on purpose
      set -- $(printf '%s' "$runs" | sed -n "${s_i}p")
      cell=$(pct "$1" "$bound")
      [ "$s" = auto ] && [ "$3" != "-" ] && cell="$cell ($3)"
      row="$row | $cell"
      if [ -n "${BEFORE:-}" ]; then
        if skipped "$name"; then
          old="$old | —"
        else
          # shellcheck disable=SC2046
          set -- $(cycles_of "$BEFORE" "$m" "$bw" "$s")
          old="$old | $(pct "$1" "$bound")"
        fi
      fi
    done
    echo "$row$old |"
  done
done
