#!/bin/sh
# Run one of the project's libFuzzer targets for a while (docs/security.md,
# "Fuzzing").
# usage: scripts/fuzz.sh TARGET [SECONDS]   (default 600)
#        scripts/fuzz.sh --merge TARGET     (the seed corpus, minimized)
#   TARGET: abi-spec        abi-tool's parser, validator and generators
#           hv              the hypervisor core through both decoders
#           xenstore        the xs_wire parser and the store behind it
#           xenstore-store  the store driven by several domains' requests
#           xenstore-ring   the xenstore connection layer fed hostile rings
#           xencons         the PV console ring as a hostile guest drives it
#           insn            the instruction completer (vmm/insn/)
#           elf             the kernel loader through the domain builder
#           xlcfg           the xl.cfg reader
#
# Builds the target in build-fuzz/ (clang, -Dfuzz=true) if needed, keeps its
# corpus in build-fuzz/TARGET-corpus/ between runs, seeded from the
# committed corpus tests/fuzz/seeds/TARGET/ (and, for abi-spec, abi/*.yml
# and tests/abi-tool/specs/), and writes any crashing input to
# build-fuzz/TARGET-artifacts/ (replay one with
# build-fuzz/tests/fuzz/<binary> FILE). Prints the executions, their rate,
# the coverage and the corpus at the end; exits non-zero if the fuzzer found
# a problem. On the shared machine, run it under nice.
#
# --merge replaces tests/fuzz/seeds/TARGET/ with the smallest subset of
# build-fuzz/TARGET-corpus/ and the current seeds that keeps their coverage
# (libFuzzer's -merge=1, by edges only: -use_counters=0, which keeps it
# small): what is committed after a campaign.
set -eu

usage() {
	echo "usage: $0 TARGET [SECONDS] | $0 --merge TARGET" >&2
	echo "  TARGET: abi-spec hv xenstore xenstore-store xenstore-ring xencons insn elf xlcfg" >&2
	exit 2
}
merge=false
if [ "${1:-}" = --merge ]; then
	merge=true
	shift
fi
[ $# -ge 1 ] || usage
target=$1
seconds=${2:-600}
case $seconds in
'' | *[!0-9]*) usage ;;
esac
opts=
dict=
case $target in
abi-spec) binary=abi_spec_fuzz dict=abi_spec.dict ;;
hv) binary=hv_fuzz dict=hv_fuzz.dict ;;
xenstore) binary=xenstore_wire_fuzz dict=xenstore_wire.dict ;;
xenstore-store) binary=xenstore_store_fuzz ;;
xenstore-ring) binary=xenstore_ring_fuzz ;;
xencons) binary=xencons_fuzz ;;
insn) binary=insn_fuzz dict=insn.dict ;;
elf) binary=elf_fuzz opts=-max_len=70000 ;;
xlcfg) binary=xlcfg_fuzz ;;
*) usage ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
seeds=$root/tests/fuzz/seeds/$target
cd "$root"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build" "tests/fuzz/$binary"

corpus=$build/$target-corpus
artifacts=$build/$target-artifacts
mkdir -p "$corpus" "$artifacts"
dict_opt=
[ -z "$dict" ] || dict_opt=-dict=$root/tests/fuzz/$dict

if $merge; then
	fresh=$build/$target-merged
	rm -rf "$fresh"
	mkdir -p "$fresh" "$seeds"
	# shellcheck disable=SC2086 # opts is a list of options
	"$build/tests/fuzz/$binary" -merge=1 -use_counters=0 $opts -rss_limit_mb=2048 "$fresh" "$seeds" "$corpus" \
		2>"$build/$target-merge.log" || {
		tail -n 20 "$build/$target-merge.log" >&2
		exit 1
	}
	rm -f "$seeds"/*
	for f in "$fresh"/*; do
		# The spec fuzzer's seeds are found by their .yml name (tests/fuzz/meson.build).
		if [ "$target" = abi-spec ]; then
			cp "$f" "$seeds/$(basename "$f").yml"
		else
			cp "$f" "$seeds/"
		fi
	done
	echo "$seeds: $(find "$seeds" -type f | wc -l) inputs," \
		"$(find "$seeds" -type f -exec cat {} + | wc -c) bytes"
	exit 0
fi

if [ -d "$seeds" ]; then
	cp "$seeds"/* "$corpus/" 2>/dev/null || true
fi
if [ "$target" = abi-spec ]; then
	find abi tests/abi-tool/specs -name '*.yml' -type f | while read -r f; do
		cp "$f" "$corpus/seed_$(echo "$f" | tr '/' '_')"
	done
fi

log=$build/$target-fuzz.log
status=0
# shellcheck disable=SC2086 # opts is a list of options
"$build/tests/fuzz/$binary" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	$dict_opt $opts -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$corpus" 2>"$log" || status=$?

grep -E '^(#[0-9]+|Done|stat::)' "$log" | grep -v '^#.*pulse' | tail -n 8 >&2
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
echo "$target: executions ${execs:-unknown} in ${seconds}s (${rate:-?}/s), ${cov:-cov unknown}," \
	"corpus $(find "$corpus" -type f | wc -l) inputs"
if [ "$status" -ne 0 ]; then
	echo "the fuzzer found a problem: see $log and $artifacts/" >&2
fi
exit "$status"
