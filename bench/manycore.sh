#!/bin/sh
# The manycore tables of the README: ResNet-50 and DenseNet-121 with their
# weights resident and VGG-16 streamed (partitioned) on manycore-2d,
# manycore-25d, floret and manycore-3d at batch 16, for every placement:
# throughput (whole batch, and the pipeline's steady state), the share of
# layer time spent waiting on the network, and the network's and the
# run's energy. Then two and four CNNs at once on floret and on the same
# chiplets with a mesh interposer.
# Usage: sh bench/manycore.sh   (from the repository root, after make)
set -eu
bin=./build/pimstream
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
archs=manycore-2d,manycore-25d,floret,manycore-3d
places=row-major,snake,hilbert,random,optimized

# columns: arch,partitioner,placement,weights,tiles,area,ips,ipj,energy,edp,partitions,cycles,
# cost model cycles,steady ips,noc latency share,noc energy
table() {
  echo "| chip | placement | inferences/s | steady state /s | NoC latency share | NoC energy (uJ) | energy (mJ) | vs row-major |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F, 'NR > 1 { if ($3 == "row-major") base = $7
                    steady = ($14 > 0) ? sprintf("%.1f", $14) : "-"
                    printf "| %s | %s | %.1f | %s | %.1f%% | %.0f | %.1f | %.2fx |\n", $1, $3, $7,
                      steady, 100 * $15, $16 / 1e6, $9 / 1e9, $7 / base }' "$1"
}

for model in resnet50 densenet121 vgg16; do
  weights=resident
  [ "$model" = vgg16 ] && weights=stream
  "$bin" compare --model "$model" --arch "$archs" --placement "$places" --weights "$weights" \
    --batch 16 --csv "$tmp/$model.csv" > /dev/null
  echo
  echo "$model, batch 16, weights $weights:"
  echo
  table "$tmp/$model.csv"
done

sq=tests/data/models/squeezenet1_1.onnx
for models in resnet18,densenet121 "resnet18,densenet121,mobilenet_v2,$sq"; do
  echo
  echo "at once: $models, batch 16 each, weights resident:"
  echo
  echo "| chip | placement | model | inferences/s | steady state /s | its link traffic on shared links |"
  echo "|---|---|---|---|---|---|"
  for arch in floret manycore-25d; do
    for place in hilbert optimized; do
      # the per-model lines of the text report:
      #   "    NAME   L layers: X inferences/s (steady Y); Z% of its link traffic on shared links"
      "$bin" run --model "$models" --arch "$arch" --placement "$place" --batch 16 |
        awk -v arch="$arch" -v place="$place" '
          / layers: / { steady = $7; sub(/\);?$/, "", steady)
                        printf "| %s | %s | %s | %s | %s | %s |\n", arch, place, $1, $4, steady, $8 }'
    done
  done
done
