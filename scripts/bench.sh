#!/bin/sh
# The benchmarks in one command (docs/benchmarks.md): builds build/ if needed,
# runs every benchmark, prints a table and writes JSON (and gnuplot plots
# beside it).
#   scripts/bench.sh [--quick] [--json FILE] [--build DIR]
#   --quick      every benchmark briefly (about a minute), same output
#   --json FILE  where the JSON goes (default bench/results/latest.json)
#   --build DIR  an existing meson build directory (default build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
json=$top/bench/results/latest.json
quick=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=--quick ;;
	--json) [ $# -ge 2 ] || { echo "bench.sh: --json needs a file" >&2; exit 2; }; json=$2; shift ;;
	--json=*) json=${1#--json=} ;;
	--build) [ $# -ge 2 ] || { echo "bench.sh: --build needs a directory" >&2; exit 2; }; build=$2; shift ;;
	--build=*) build=${1#--build=} ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ -e /dev/kvm ] || { echo "bench.sh: no /dev/kvm: the benchmarks boot guests" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" >/dev/null
fi
meson compile -C "$build" >/dev/null
mkdir -p "$(dirname "$json")"
exec python3 "$top/bench/bench.py" --build "$build" --json "$json" $quick
