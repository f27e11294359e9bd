#!/bin/sh
# The WWW study's questions (what, when, where to compute in memory),
# measured with pimstream's mapper: the README's tables. Usage:
#   sh bench/www.sh [BINARY]     (default ./build/pimstream)
# Prints markdown tables; writes the all-gemms CSV to build/www/.
set -eu
bin=${1:-./build/pimstream}
out=build/www
mkdir -p "$out"
designs="www-tensor-core www-rf-analog6t www-rf-analog8t www-rf-digital6t www-rf-digital8t www-smem-analog6t www-smem-analog8t www-smem-digital6t www-smem-digital8t"
list=$(echo "$designs" | tr ' ' ',')

# one workload on a list of hierarchies: a row per hierarchy from compare's JSON
table() { # model archs
  "$bin" compare --arch "$2" --model "$1" --json "$out/c.json" >/dev/null
  { tr -d ' \n' < "$out/c.json"; echo; } | tr '{' '\n' | grep '"arch"' | \
    sed 's/"arch":"\([^"]*\)","cycles":\([^,]*\),"energy_pj":\([^,]*\),"edp":\([^,]*\),"macs":\([^,]*\),"wins":\([^,]*\).*/\1 \2 \3 \5/'
}

echo "### What: each design on the study's workloads (EDP-optimal mappings)"
echo
echo "| workload | design | cycles | energy (uJ) | TOPS/W | speedup | energy vs baseline |"
echo "|---|---|---|---|---|---|---|"
for w in bert-large gpt-j-decode gpt-j-prefill resnet50-gemms dlrm; do
  table "models/www/$w.yaml" "$list" | awk -v w="$w" '
    NR == 1 { c0 = $2; e0 = $3 }
    { printf "| %s | %s | %.0f | %.2f | %.3f | %.2fx | %.3fx |\n", w, $1, $2, $3 / 1e6,
      2 * $4 / $3, c0 / $2, $3 / e0 }'
done

echo
echo "### Iso-area and iso-capacity, and weight duplication (BERT-Large)"
echo
echo "| design | cycles | energy (uJ) | speedup | energy vs baseline |"
echo "|---|---|---|---|---|"
iso="www-tensor-core"
for p in analog6t analog8t digital6t digital8t; do
  iso="$iso,www-rf-$p-isoarea,www-smem-$p-isoarea,www-rf-$p-isocap,www-smem-$p-isocap"
done
table models/www/bert-large.yaml "$iso" | awk '
  NR == 1 { c0 = $2; e0 = $3 }
  { printf "| %s | %.0f | %.2f | %.2fx | %.3fx |\n", $1, $2, $3 / 1e6, c0 / $2, $3 / e0 }'
echo
echo "Weight duplication (the same weights in several banks, M on the bank fan-out:"
echo "\`--set CiMBank.factor.M=free\`), ResNet-50's GEMMs (many have weights too few to"
echo "fill every bank):"
echo
echo "| design | cycles without | cycles with | speedup | energy with / without |"
echo "|---|---|---|---|---|"
for a in www-rf-analog6t www-rf-digital6t www-smem-analog6t www-smem-digital6t www-rf-digital6t-isoarea www-smem-analog6t-isocap; do
  "$bin" map --arch "$a" --model models/www/resnet50-gemms.yaml --json "$out/a.json" >/dev/null
  "$bin" map --arch "$a" --set CiMBank.factor.M=free --model models/www/resnet50-gemms.yaml \
    --json "$out/b.json" >/dev/null
  c1=$(grep -m1 '^  "cycles"' "$out/a.json" | sed 's/.*: *//; s/,//')
  e1=$(grep -m1 '^  "energy_pj"' "$out/a.json" | sed 's/.*: *//; s/,//')
  c2=$(grep -m1 '^  "cycles"' "$out/b.json" | sed 's/.*: *//; s/,//')
  e2=$(grep -m1 '^  "energy_pj"' "$out/b.json" | sed 's/.*: *//; s/,//')
  awk -v a="$a" -v c1="$c1" -v c2="$c2" -v e1="$e1" -v e2="$e2" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.2fx | %.3f |\n", a, c1, c2, c1 / c2, e2 / e1 }'
done

echo
echo "### Where: on an A100-like GPU (BERT-Large and GPT-J decode)"
echo
echo "| workload | design | cycles | energy (uJ) | speedup | energy vs a100 |"
echo "|---|---|---|---|---|---|"
a100="a100"
for place in rf smem l2; do
  for p in analog6t digital6t digital8t; do a100="$a100,a100-$place-$p"; done
done
for w in bert-large gpt-j-decode; do
  table "models/www/$w.yaml" "$a100" | awk -v w="$w" '
    NR == 1 { c0 = $2; e0 = $3 }
    { printf "| %s | %s | %.0f | %.2f | %.2fx | %.3fx |\n", w, $1, $2, $3 / 1e6, c0 / $2, $3 / e0 }'
done

echo
echo "### When: the 1,000 GEMMs of all-gemms, which design has the least EDP"
echo
start=$(date +%s.%N)
"$bin" compare --arch "$list" --model models/www/all-gemms.yaml --threads 2 \
  --csv "$out/all-gemms.csv" >"$out/all-gemms.txt"
end=$(date +%s.%N)
awk 'NR > 2 && NF > 3 && $1 ~ /^www/ { printf "%s %s wins\n", $1, $(NF-1) }' "$out/all-gemms.txt"
echo "(9,000 mappings in $(echo "$end - $start" | bc) s on 2 threads; per GEMM in $out/all-gemms.csv)"
# by M: how often the best CiM design beats the baseline on EDP
awk -F, 'NR > 1 { key = $3 "," $4 "," $5; edp = $9 * $7;
           if ($1 == "www-tensor-core") base[key] = edp;
           else if (!(key in cim) || edp < cim[key]) cim[key] = edp }
         END { for (k in base) { split(k, d, ","); n[d[1]]++; if (cim[k] < base[k]) w[d[1]]++ }
               for (m in n) printf "M=%s: CiM wins %d of %d\n", m, w[m], n[m] }' \
  "$out/all-gemms.csv" | sort -t= -k2 -n
# the winner of each GEMM
awk -F, 'NR > 1 { key = $3 "," $4 "," $5; edp = $9 * $7;
           if (!(key in best) || edp < best[key]) { best[key] = edp; who[key] = $1 }
           if ($1 == "www-tensor-core") base[key] = edp }
         END { print "m,n,k,least_edp_design,edp,baseline_edp";
               for (k in best) printf "%s,%s,%.6g,%.6g\n", k, who[k], best[k], base[k] }' \
  "$out/all-gemms.csv" | sort -t, -k1,1n -k2,2n -k3,3n >"$out/all-gemms-winners.csv"
echo "(the winner of each GEMM: $out/all-gemms-winners.csv)"

echo
echo "### The mapper's optimum against the study's priority dataflow"
echo
echo "| workload | design | cycles, priority | cycles, optimum | speedup | energy optimum / priority |"
echo "|---|---|---|---|---|---|"
num() { grep -m1 "^  \"$1\"" "$2" | sed 's/.*: *//; s/,//'; }
for w in bert-large resnet50-gemms; do
  for a in www-rf-analog6t www-rf-digital6t www-smem-analog6t www-smem-digital6t www-rf-digital6t-isoarea www-smem-analog6t-isocap; do
    "$bin" map --arch "$a" --constraints priority --model "models/www/$w.yaml" --json "$out/p.json" >/dev/null
    "$bin" map --arch "$a" --set CiMBank.factor.M=free --model "models/www/$w.yaml" --json "$out/o.json" >/dev/null
    awk -v w="$w" -v a="$a" -v c1="$(num cycles "$out/p.json")" -v c2="$(num cycles "$out/o.json")" \
      -v e1="$(num energy_pj "$out/p.json")" -v e2="$(num energy_pj "$out/o.json")" \
      'BEGIN { printf "| %s | %s | %.0f | %.0f | %.2fx | %.3f |\n", w, a, c1, c2, c1 / c2, e2 / e1 }'
  done
done
