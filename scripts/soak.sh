#!/usr/bin/env bash
# The hostile-guest, inter-domain race and soak suites, long
# (docs/security.md, "Hostile guests, races and the soak"). The default test
# suite runs short slices of the same programs (tests/integration/hostile/,
# guest-hostile); this runs them for minutes:
#
#   scripts/soak.sh [--build DIR] [--calls N] [--races N] [--seconds S] [--seed N]
#
#   --build DIR    the build to use (default build/; build-san/ runs them
#                  under AddressSanitizer and UBSan); built if needed
#   --calls N      hostile calls per ABI on vCPU 0 (default 50000: 100k in all)
#   --races N      runs of the two-domain races, each with 2000 racing copies,
#                  ABIs alternating (default 10)
#   --seconds S    the soak's steady phase (default 300), 4 domains
#   --seed N       the hostile guest's seed (default: from the clock, printed;
#                  give it again to replay the same calls)
#
# Prints each program's figures and exits non-zero at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build calls=50000 races=10 secs=300 seed=$(($(date +%s) % 100000))
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2 ;;
	--calls) calls=$2 ;;
	--races) races=$2 ;;
	--seconds) secs=$2 ;;
	--seed) seed=$2 ;;
	*)
		echo "usage: $0 [--build DIR] [--calls N] [--races N] [--seconds S] [--seed N]" >&2
		exit 2
		;;
	esac
	shift 2
done
for v in "$calls" "$races" "$secs" "$seed"; do
	case $v in '' | *[!0-9]*) echo "$0: not a number: '$v'" >&2 && exit 2 ;; esac
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" >/dev/null
fi
meson compile -C "$build" >/dev/null
fastabi=$build/vmm/fastabi
elfs=$build/guest/tests
here=tests/integration

# Each run's whole output goes to a log in the build; on a failure it is printed.
run() { # LOG COMMAND...: run it, print the log if it fails
	local log=$1
	shift
	"$@" >"$log" 2>&1 || { cat "$log"; echo "FAILED: $*" >&2; exit 1; }
}

echo "== hostile guest: seed $seed, $calls calls per ABI"
start=$(date +%s)
# The options of its guest-hostile test (guest/tests/meson.build), with more calls.
run "$build/soak-hostile.log" "$here/guest/run-guest.sh" "$fastabi" "$elfs/hostile.elf" \
	--timeout $((calls / 10 + 600)) --fixed-mem-layout --vcpus 2 --memory 512 \
	--cmdline "seed=$seed calls=$calls"
grep -a '^\[hostile\] hostile: \(legacy\|FastABI\|vCPU\)' "$build/soak-hostile.log"
echo "hostile guest: $(($(date +%s) - start)) s"

echo "== inter-domain races: $races runs"
for i in $(seq 1 "$races"); do
	if [ $((i % 2)) = 1 ]; then a=fast b=legacy; else a="legacy fifo" b=fast; fi
	run "$build/soak-race.log" "$here/domains/run-domains.sh" "$fastabi" \
		"$elfs/interdom-race.elf" busy "granter|role=granter peer=2 gref=20 abi=$a|" \
		"mapper|role=mapper peer=1 gref=20 copies=2000 abi=$b|"
	grep -a "copies from S while" "$build/soak-race.log"
done

echo "== soak: 4 domains, $secs s"
run "$build/soak-soak.log" "$here/hostile/run-soak.sh" "$fastabi" "$elfs/soak.elf" "$secs" 4
grep -a '^soak:' "$build/soak-soak.log"
echo "all long runs passed"
