#!/bin/sh
# Fuzz the hypervisor core (tests/fuzz/hv_fuzz.c) for a while.
# usage: scripts/fuzz-hv.sh [SECONDS]   (default 600)
#
# Builds the libFuzzer target in build-fuzz/ (clang, -Dfuzz=true) if needed,
# keeps its corpus in build-fuzz/hv-corpus/ between runs, and writes any
# crashing input to build-fuzz/hv-artifacts/ (replay one with
# build-fuzz/tests/fuzz/hv_fuzz FILE). Prints the number of executions at
# the end; exits non-zero if the fuzzer found a problem.
set -eu

seconds=${1:-600}
case $seconds in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
cd "$root"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true
fi
ninja -C "$build" tests/fuzz/hv_fuzz

corpus=$build/hv-corpus
artifacts=$build/hv-artifacts
mkdir -p "$corpus" "$artifacts"

log=$build/hv-fuzz.log
status=0
"$build/tests/fuzz/hv_fuzz" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	-dict="$root/tests/fuzz/hv_fuzz.dict" -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$corpus" 2>"$log" || status=$?

tail -n 20 "$log" >&2
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "executions: ${execs:-unknown} in ${seconds}s (corpus: $(ls "$corpus" | wc -l) inputs)"
if [ "$status" -ne 0 ]; then
	echo "the fuzzer found a problem: see $log and $artifacts/" >&2
fi
exit "$status"
