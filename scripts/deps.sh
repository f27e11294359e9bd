#!/bin/sh
# Make sure the Debian packages the build needs are present (with "fuzz":
# also clang and its libFuzzer runtime). As root it
# installs what is missing with apt-get; otherwise it prints the command.
set -eu
need=""
have_header() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1; }
# shellcheck disable=SC2086 # CC may carry flags; need is a list of words
command -v ${CC:-cc} >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
have_header yaml.h || need="$need libyaml-dev"
have_header protobuf-c/protobuf-c.h || need="$need libprotobuf-c-dev"
command -v protoc-c >/dev/null 2>&1 || need="$need protobuf-c-compiler"
[ -f "${ONNX_PROTO:-/usr/include/onnx/onnx.proto}" ] || need="$need libonnx-dev"
have_header jansson.h || need="$need libjansson-dev"
# plots: PLplot with its SVG driver, and its cairo driver for PNG
have_header plplot/plplot.h || need="$need libplplot-dev"
ls /usr/lib/*/plplot*/drivers*/cairo.so >/dev/null 2>&1 || need="$need plplot-driver-cairo"
fc-list 2>/dev/null | grep -qi dejavu || need="$need fonts-dejavu-core"
if [ "${1:-}" = fuzz ]; then
  command -v clang >/dev/null 2>&1 || need="$need clang"
  printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' |
    clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1 || need="$need libclang-rt-14-dev"
fi
# optional: OpenMPI for sweeps over MPI ranks; installed as root, else noted
optional=""
command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1 ||
  optional="libopenmpi-dev openmpi-bin"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need="$need${optional:+ $optional}"
elif [ -n "$optional" ]; then
  echo "pimstream: optional, for sweeps over MPI: sudo apt-get install -y $optional" >&2
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pimstream: installing Debian packages:$need" >&2
  apt-get update -qq >&2 || true
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >&2
else
  echo "pimstream: missing Debian packages; run: sudo apt-get install -y$need" >&2
  exit 1
fi
