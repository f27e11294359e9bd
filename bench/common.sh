# shellcheck shell=sh disable=SC2034 # sourced: its variables are the scripts'
# Shared by the bench scripts (sourced, from the repository root): the
# binary, a scratch directory removed on exit, and small helpers.
bin=${BIN:-./build/pimstream}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# First occurrence of a numeric field in the pretty-printed JSON (the
# run-level one: per-layer fields come later).
field() { sed -n "s/^ *\"$1\": \([0-9.e+-]*\),\{0,1\}$/\1/p" "$2" | head -n 1; }
# The same for a field holding a lower-case word ("strategy", "order").
word_field() { sed -n "s/^ *\"$1\": \"\([a-z]*\)\",\{0,1\}$/\1/p" "$2" | head -n 1; }
calc() { awk "BEGIN { printf \"%.9f\n\", $1 }"; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
