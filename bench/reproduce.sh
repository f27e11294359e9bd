#!/bin/sh
# The seeds' headline experiments under their own assumptions, beside
# pimstream's defaults: prints the tables of REPRODUCING.md (which says
# where each setting comes from and why the figures differ).
# Usage: sh bench/reproduce.sh [--quick] [SECTION...]   (after make)
#   SECTION: gpp, compass, neuralpim (the default: every section)
#   --quick: a subset (gpp: B = 8 and 16; compass: SqueezeNet on S;
#            neuralpim: GoogLeNet); the test runs it
set -eu
. bench/common.sh
quick=0
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
sections=${*:-gpp compass neuralpim}

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
    # shellcheck disable=SC2046 # three numbers, split on purpose
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

# COMPASS, arXiv 2501.06780: batch 16 on compass-s/m/l, VGG-16, ResNet-18
# and SqueezeNet 1.1 (ONNX in tests/data/models). Its execution model runs
# partitions as sequential phases (compile.overlap=false); its GA chooses
# replication, its greedy and layerwise baselines are taken without it
# (compile.replicate=false: the paper does not say they copy layers).
# pimstream's defaults overlap and copy for every partitioner.
ips_edp() { # model chip partitioner [--set ...] -> "inferences/s edp"
  m=$1 chip=$2 part=$3
  shift 3
  "$bin" run --model "tests/data/models/$m.onnx" --arch "compass-$chip" --batch 16 \
    --partitioner "$part" "$@" --json "$tmp/c.json" > /dev/null
  echo "$(field inferences_per_second "$tmp/c.json") $(field edp "$tmp/c.json")"
}

# One row of $tmp/compass: model chip, then inf/s and EDP of GA, greedy,
# layerwise under three execution models: sequential with one-copy
# baselines (the paper's, as far as it is known), sequential with copies
# everywhere, and pimstream's defaults.
compass_runs() {
  m=$1 chip=$2 seq="--set compile.overlap=false"
  single="$seq --set compile.replicate=false"
  # shellcheck disable=SC2086 # options split on purpose
  ga=$(ips_edp "$m" "$chip" compass-ga $seq) # the same in both sequential views
  # shellcheck disable=SC2046,SC2086 # pairs of numbers; options split on purpose
  echo "$m $chip" $ga $(ips_edp "$m" "$chip" greedy $single) \
    $(ips_edp "$m" "$chip" layerwise $single) $ga \
    $(ips_edp "$m" "$chip" greedy $seq) $(ips_edp "$m" "$chip" layerwise $seq) \
    $(ips_edp "$m" "$chip" compass-ga) $(ips_edp "$m" "$chip" greedy) \
    $(ips_edp "$m" "$chip" layerwise) >> "$tmp/compass"
}

# compass_table ips|edp: GA against greedy and layerwise in each model, per
# network and chip, then each network's mean over its chips
compass_table() {
  awk -v what="$1" '
    function r(v, ga, base) { return what == "ips" ? v[ga] / v[base] : v[base + 1] / v[ga + 1] }
    { split($0, v, " ")
      row = sprintf("| %s | %s", v[1], toupper(v[2]))
      for (k = 0; k < 3; k++) {
        g = r(v, 3 + 6 * k, 5 + 6 * k); l = r(v, 3 + 6 * k, 7 + 6 * k)
        row = row sprintf(" | %.2fx | %.2fx", g, l)
        sg[v[1], k] += g; sl[v[1], k] += l
      }
      print row " |"
      if (!(v[1] in n)) order[++models] = v[1]
      n[v[1]]++ }
    END {
      for (i = 1; i <= models; i++) {
        m = order[i]; row = sprintf("| %s | mean", m)
        if (n[m] < 2) continue
        for (k = 0; k < 3; k++)
          row = row sprintf(" | %.2fx | %.2fx", sg[m, k] / n[m], sl[m, k] / n[m])
        print row " |"
      }
    }' "$tmp/compass"
}

section_compass() {
  models="vgg16 resnet18 squeezenet1_1" chips="s m l"
  [ "$quick" = 1 ] && models=squeezenet1_1 chips=s
  : > "$tmp/compass"
  for m in $models; do
    for chip in $chips; do
      compass_runs "$m" "$chip"
    done
  done
  head="| model | chip | sequential, baselines one copy: vs greedy | vs layerwise | sequential, all copy: vs greedy | vs layerwise | defaults: vs greedy | vs layerwise |"
  rule="|---|---|---|---|---|---|---|---|"
  echo "Throughput of compass-ga against greedy and layerwise"
  echo
  echo "$head"
  echo "$rule"
  compass_table ips
  echo
  echo "EDP of greedy and layerwise over compass-ga's"
  echo
  echo "$head"
  echo "$rule"
  compass_table edp
}

# Neural-PIM (IEEE TC 2022) against ISAAC and CASCADE: equal area (each
# chip scaled to the neural-pim preset's 280-tile chip), 8-bit weights and
# inputs for all three, weights resident and the batch layer-pipelined (the
# ISAAC pipeline), each network on as many of its chips as it needs (the
# tiles of several chips on one ideal interconnect; each chip's own link
# and other chip-level components counted once per chip).
NP_ARCHS="neural-pim isaac cascade" # the first sets the area
NP_BATCH=16

# One design of a table as an architecture file: its preset at 8-bit
# weights and inputs; with NP_TABLE=same every chip has ISAAC's arrays
# (128x128, 2-bit cells, flipped weights), so that only the dataflows and
# their converters differ. With a tile count, that many tiles a chip; with
# a chip count above 1, that many chips, each with its own off-chip link
# and chip-level parts, joined (NP_LINKS=ideal) by an ideal interconnect:
# the tiles of all chips work as one chip's; or (NP_LINKS=ht) by links,
# each chip a node of a simulated mesh as square as the count allows. A
# link is one of ISAAC's HyperTransport links (DaDianNao's, as the isaac
# preset's off-chip port: 6.4 GB/s, 640 B a 100 ns cycle); its power is in
# each chip's offchip_link component already, so it costs no energy per
# bit.
np_design() { # arch file [tiles chips]
  macro="weight_bits: 8, input_bits: 8" comps=""
  [ "$NP_TABLE" = same ] && macro="rows: 128, columns: 128, cell_bits: 2, $macro"
  [ "$NP_TABLE" = same ] && [ "$1" = cascade ] && # its 64x64 rows back to 128x128
    comps="dac: {count: 128}, sample_hold: {count: 128}, crossbar: {mw: 0.3, mm2: 0.000025}, tia_buffer: {count: 64}"
  chips=${4:-1}
  [ "$chips" -gt 1 ] && comps="${comps:+$comps, }offchip_link: {count: $chips}"
  {
    printf 'base: %s\nname: %s\nchip:\n  macro: {%s}\n' "$1" "$1" "$macro"
    [ -n "${3:-}" ] && printf '  tiles: %d\n' $(($3 * chips))
    [ "$NP_TABLE" = same ] && printf '  analog: {encoding: isaac-flip}\n'
    [ -n "$comps" ] && printf 'components: {%s}\n' "$comps"
    if [ "$chips" -gt 1 ] && [ "$NP_LINKS" = ht ]; then
      k=1 i=1
      while [ $((i * i)) -le "$chips" ]; do
        [ $((chips % i)) -eq 0 ] && k=$i
        i=$((i + 1))
      done
      printf 'noc:\n  topology: mesh\n  k: %d\n  m: %d\n  tiles_per_node: %d\n' \
        "$k" $((chips / k)) "$3"
      printf '  onchip: {bytes_per_cycle: 640, latency_cycles: 1, pj_per_bit: 0}\n'
      printf '  router: {pipeline_cycles: 0, head_cycles: 0, pj_per_bit: 0}\n'
    fi
  } > "$2"
}

np_arch_files() {
  mkdir -p "$tmp/np"
  for a in $NP_ARCHS; do
    np_design "$a" "$tmp/np/$a.yaml"
  done
}

# Tiles per chip at equal area, "arch tiles" per line
np_tiles() {
  "$bin" compare --arch "$tmp/np/neural-pim.yaml,$tmp/np/isaac.yaml,$tmp/np/cascade.yaml" \
    --equal-area --model vmm512 --batch 1 --weights resident --csv "$tmp/np.csv" > /dev/null
  awk -F, 'NR > 1 { print $1, $5 }' "$tmp/np.csv" # columns: arch, ..., tiles (the fifth)
}

# model arch tiles -> "chips inferences/s inferences/J"
np_run() {
  m=$1 a=$2 tiles=$3 chips=1
  if ! msg=$("$bin" run --model "$m" --arch "$tmp/np/$a.yaml" --set chip.tiles="$tiles" \
    --weights resident --batch "$NP_BATCH" --json "$tmp/r.json" 2>&1 > /dev/null); then
    need=$(echo "$msg" | sed -n 's/.*take \([0-9]*\) macros, the chip has \([0-9]*\).*/\1 \2/p')
    [ -n "$need" ] || { echo "reproduce.sh: $m on $a: $msg" >&2; exit 1; }
    # shellcheck disable=SC2086
    set -- $need
    chips=$(( ($1 + $2 - 1) / $2 ))
    np_design "$a" "$tmp/np/$a-chips.yaml" "$tiles" "$chips"
    "$bin" run --model "$m" --arch "$tmp/np/$a-chips.yaml" --weights resident \
      --batch "$NP_BATCH" --json "$tmp/r.json" > /dev/null
  fi
  # inferences per joule: the batch over the inference's energy (the
  # one-time load of resident weights is reported apart)
  echo "$chips $(field inferences_per_second "$tmp/r.json")" \
    "$(awk -v pj="$(field total "$tmp/r.json")" -v n="$NP_BATCH" 'BEGIN { printf "%.9g", n / (pj * 1e-12) }')"
}

np_table() { # own | same, ideal | ht -> the table
  NP_TABLE=$1 NP_LINKS=$2
  np_arch_files
  np_tiles > "$tmp/np_tiles"
  echo "| network | chips N / I / C | Neural-PIM inf/s | vs ISAAC: throughput | energy efficiency | vs CASCADE: throughput | energy efficiency |"
  echo "|---|---|---|---|---|---|---|"
  : > "$tmp/np_rows"
  for m in $models; do
    row=$m
    for a in $NP_ARCHS; do
      row="$row $(np_run "$m" "$a" "$(awk -v a="$a" '$1 == a { print $2 }' "$tmp/np_tiles")")"
    done
    echo "$row" >> "$tmp/np_rows"
  done
  awk '{ t1 = $3 / $6; e1 = $4 / $7; t2 = $3 / $9; e2 = $4 / $10
         printf "| %s | %d / %d / %d | %.0f | %.2fx | %.2fx | %.2fx | %.2fx |\n",
           $1, $2, $5, $8, $3, t1, e1, t2, e2
         s1 += t1; s2 += e1; s3 += t2; s4 += e2; n++
         g1 += log(t1); g2 += log(e1); g3 += log(t2); g4 += log(e2) }
       END { if (n > 1) {
               printf "| mean of %d | | | %.2fx | %.2fx | %.2fx | %.2fx |\n",
                 n, s1 / n, s2 / n, s3 / n, s4 / n
               printf "| geometric mean | | | %.2fx | %.2fx | %.2fx | %.2fx |\n",
                 exp(g1 / n), exp(g2 / n), exp(g3 / n), exp(g4 / n) } }' "$tmp/np_rows"
}

section_neuralpim() {
  models="alexnet resnet50 resnet101 vgg16 vgg19 inception_v3 googlenet mobilenet_v2"
  [ "$quick" = 1 ] && models=googlenet
  echo "Each chip's own arrays (Neural-PIM: 1-bit cells, W+ and W- columns), chips joined by an ideal interconnect"
  echo
  np_table own ideal
  echo
  echo "Each chip's own arrays, chips joined by HyperTransport links (a simulated network, a node a chip)"
  echo
  np_table own ht
  echo
  echo "Every chip with ISAAC's arrays (128x128, 2-bit cells, flipped weights), ideal interconnect"
  echo
  np_table same ideal
}

for s in $sections; do
  case $s in
    gpp) section_gpp ;;
    compass) section_compass ;;
    neuralpim) section_neuralpim ;;
    *)
      echo "reproduce.sh: unknown section '$s' (gpp, compass, neuralpim)" >&2
      exit 2
      ;;
  esac
done
