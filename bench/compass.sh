#!/bin/sh
# The partitioner comparison of the README: VGG-16, ResNet-18 and
# SqueezeNet 1.1 (ONNX from tests/data/models, the zoo where missing) at
# batch 16 on compass-s/m/l, every partitioner, throughput and EDP against
# greedy, and how far the cost model is from the simulation.
# Usage: sh bench/compass.sh   (from the repository root, after make)
set -eu
bin=./build/pimstream
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| model | chip | partitions opt / GA / greedy / layerwise | optimal | compass-ga | greedy | layerwise | optimal vs greedy | GA vs greedy | EDP optimal | EDP GA | cost model vs sim (optimal) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for model in vgg16 resnet18 squeezenet1_1; do
  src=tests/data/models/$model.onnx
  [ -f "$src" ] || src=$model
  "$bin" compare --model "$src" --arch compass-s,compass-m,compass-l --batch 16 \
    --partitioner optimal,compass-ga,greedy,layerwise --csv "$tmp/$model.csv" > /dev/null
  # columns: arch,partitioner,placement,weights,tiles,area,ips,ipj,energy,edp,partitions,
  # cycles,cost model cycles, ...
  awk -F, -v model="$model" '
    NR > 1 { k = $1 SUBSEP $2; ips[k] = $7; edp[k] = $10; parts[k] = $11
             cyc[k] = $12; est[k] = $13; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    END {
      for (i = 1; i <= n; i++) {
        a = order[i]; o = a SUBSEP "optimal"; g = a SUBSEP "compass-ga"
        r = a SUBSEP "greedy"; l = a SUBSEP "layerwise"
        chip = toupper(substr(a, 9))
        printf "| %s | %s | %d / %d / %d / %d | %.0f | %.0f | %.0f | %.0f | %.2fx | %.2fx | %.2fx | %.2fx | %+.1f%% |\n",
          model, chip, parts[o], parts[g], parts[r], parts[l], ips[o], ips[g], ips[r], ips[l],
          ips[o] / ips[r], ips[g] / ips[r], edp[r] / edp[o], edp[r] / edp[g], 100 * (est[o] / cyc[o] - 1)
        printf "%.9g %.9g %.9g %.9g %.9g %.9g\n", ips[o] / ips[r], ips[g] / ips[r],
          edp[r] / edp[o], edp[r] / edp[g], ips[o] / ips[g], est[o] / cyc[o] > "/dev/stderr"
      }
    }' "$tmp/$model.csv" 2>> "$tmp/ratios"
done
awk '{ for (c = 1; c <= 5; c++) s[c] += $c; e = $6 - 1; e = e < 0 ? -e : e; if (e > w) w = e
       if (NR == 1 || $5 < lo) lo = $5 }
     END { printf "\nmean over %d: optimal vs greedy %.2fx throughput, %.2fx EDP; compass-ga vs greedy %.2fx, %.2fx; optimal vs compass-ga at worst %.4fx; cost model within %.1f%% of the simulation\n",
             NR, s[1] / NR, s[3] / NR, s[2] / NR, s[4] / NR, lo, 100 * w }' "$tmp/ratios"
