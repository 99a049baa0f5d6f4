#!/bin/sh
# Run one of the project's libFuzzer targets for a while.
# usage: scripts/fuzz.sh TARGET [SECONDS]   (default 600)
#   TARGET: abi-spec  abi-tool's parser, validator and generators
#           hv        the hypervisor core through both decoders
#           xenstore  the xs_wire parser and the store behind it
#
# Builds the target in build-fuzz/ (clang, -Dfuzz=true) if needed, keeps its
# corpus in build-fuzz/TARGET-corpus/ between runs (the spec fuzzer's is
# seeded from abi/*.yml and tests/abi-tool/specs/), and writes any crashing
# input to build-fuzz/TARGET-artifacts/ (replay one with
# build-fuzz/tests/fuzz/<binary> FILE). Prints the number of executions at
# the end; exits non-zero if the fuzzer found a problem.
set -eu

usage() {
	echo "usage: $0 abi-spec|hv|xenstore [SECONDS]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
target=$1
seconds=${2:-600}
case $seconds in
'' | *[!0-9]*) usage ;;
esac
case $target in
abi-spec) binary=abi_spec_fuzz dict=abi_spec.dict ;;
hv) binary=hv_fuzz dict=hv_fuzz.dict ;;
xenstore) binary=xenstore_wire_fuzz dict=xenstore_wire.dict ;;
*) usage ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
cd "$root"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true
fi
ninja -C "$build" "tests/fuzz/$binary"

corpus=$build/$target-corpus
artifacts=$build/$target-artifacts
mkdir -p "$corpus" "$artifacts"
if [ "$target" = abi-spec ]; then
	find abi tests/abi-tool/specs -name '*.yml' -type f | while read -r f; do
		cp "$f" "$corpus/seed_$(echo "$f" | tr '/' '_')"
	done
fi

log=$build/$target-fuzz.log
status=0
"$build/tests/fuzz/$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	-dict="$root/tests/fuzz/$dict" -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$corpus" 2>"$log" || status=$?

tail -n 20 "$log" >&2
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "executions: ${execs:-unknown} in ${seconds}s (corpus: $(ls "$corpus" | wc -l) inputs)"
if [ "$status" -ne 0 ]; then
	echo "the fuzzer found a problem: see $log and $artifacts/" >&2
fi
exit "$status"
