#!/bin/sh
# Whole networks against the tight bound: for every zoo model and the ONNX
# models in tests/data/models, at batch 8, 32 and 128 on gpp-sram, each
# schedule's simulated cycles as a fraction of the plan's tight lower bound
# (bounds.tight_cycles). With BEFORE=path/to/older/pimstream, also that
# binary's cycles against the same bound (the plans, and so their bounds,
# are the same; only the engine differs).
# Usage: sh bench/efficiency.sh [LIMIT_SECONDS]  (after make; per-run limit, default 120)
set -eu
limit=${1:-120}
. bench/common.sh
strategy() { sed -n 's/^ *"strategy": "\([a-z]*\)",\{0,1\}$/\1/p' "$1" | head -n 1; }
cycles_of() { # binary model batch schedule -> "cycles tight strategy" or "-"
  if timeout "$limit" "$1" run --model "$2" --batch "$3" --schedule "$4" --json "$tmp/r.json" \
      > /dev/null 2>&1; then
    echo "$(field cycles "$tmp/r.json") $(field tight_cycles "$tmp/r.json") $(strategy "$tmp/r.json")"
  else
    echo "- - -"
  fi
}
pct() { awk "BEGIN { if (\"$1\" == \"-\" || \"$2\" == \"-\") print \"—\"; else printf \"%.1f%%\", 100 * $2 / $1 }"; }

models=$("$bin" models | awk '{print $1}' | grep -v '^llama2-7b-prefill$')
for f in tests/data/models/*.onnx; do models="$models $f"; done
printf '| model | batch | insitu | pingpong | gpp | auto (picks) |%s\n' \
  "${BEFORE:+ before: insitu | pingpong | gpp | auto |}"
printf '|---|---|---|---|---|---|%s\n' "${BEFORE:+---|---|---|---|}"
for m in $models; do
  for b in 8 32 128; do
    row="| $(basename "$m" .onnx) | $b"
    old=""
    for s in insitu pingpong gpp auto; do
      set -- $(cycles_of "$bin" "$m" "$b" "$s")
      cell=$(pct "$1" "$2")
      [ "$s" = auto ] && [ "$3" != "-" ] && cell="$cell ($3)"
      row="$row | $cell"
      if [ -n "${BEFORE:-}" ]; then
        tight=$2
        set -- $(cycles_of "$BEFORE" "$m" "$b" "$s")
        old="$old | $(pct "$1" "$tight")"
      fi
    done
    echo "$row$old |"
  done
done
