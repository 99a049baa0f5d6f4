#!/bin/bash
# run-soak.sh FASTABI ELF SECONDS DOMAINS [TOLERANCE_KIB]: the soak
# (guest/tests/soak, docs/security.md "Soak"). DOMAINS domains in one
# `fastabi create` pass a token round a ring for SECONDS of steady phase,
# each hop an event and a grant copy; their ABIs and event ABIs alternate
# (domain 1 is legacy with 2-level events: it talks to XenStore).
#
# The VMM's memory: when domain 1 writes data/soak-phase = "steady" (after
# the warm-up rounds) and "end", this script reads VmRSS and RssAnon from
# /proc/PID/status, then writes data/soak-sampled through the control
# socket (`fastabi xenstore-write`) so that the domains finish. RssAnon is
# the VMM's own memory (heap, stacks), without the guests' RAM (RssShmem,
# the memfds, which the guests' touching grows): a leak shows there. It may
# grow by at most TOLERANCE_KIB (default 256, docs/security.md says why).
#
# Then: exit status 0, every domain SUCCESS, and every domain's count of
# events received equal to its count sent and to the rounds.
set -u
fastabi=$1 elf=$2 secs=$3 n=$4 tol=${5:-256}
here=$(dirname "$0")
. "$here/../require-kvm.sh"
require_kvm
dir=$(mktemp -d)
trap 'rm -rf "$dir"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
export XDG_RUNTIME_DIR=$dir/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
fail() {
	echo "soak: FAILED: $*"
	exit 1
}

cfgs=()
for k in $(seq 1 "$n"); do
	case $((k % 4)) in
	1) abi="abi=legacy" ;;
	2) abi="abi=fast fifo" ;;
	3) abi="abi=fast" ;;
	0) abi="abi=legacy fifo" ;;
	esac
	{
		echo "name = \"soak$k\""
		echo "type = \"pvh\""
		echo "kernel = \"$elf\""
		echo "memory = 32"
		echo "fixed_mem_layout = 1"
		echo "extra = \"n=$n gref=40 secs=$secs $abi\""
	} >"$dir/soak$k.cfg"
	cfgs+=("$dir/soak$k.cfg")
done

out=$dir/out
FASTABI_STATS=1 "$fastabi" create "${cfgs[@]}" --timeout $((secs + 300)) >"$out" 2>&1 &
pid=$!

# Wait for domain 1's mark (polled every 50 ms while the VMM lives; no time limit of
# our own: the VMM's --timeout bounds the run).
await() {
	while kill -0 "$pid" 2>/dev/null; do
		v=$("$fastabi" xenstore-read --pid "$pid" /local/domain/1/data/soak-phase 2>/dev/null)
		[ "$v" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
sample() { # VmRSS and RssAnon in KiB
	awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } END { print r, a }' "/proc/$pid/status"
}

ok=1
if await steady; then
	read -r rss0 anon0 < <(sample)
	if await end; then
		read -r rss1 anon1 < <(sample)
		"$fastabi" xenstore-write --pid "$pid" /local/domain/1/data/soak-sampled 1 ||
			ok=0
	else
		ok=0
	fi
else
	ok=0
fi
wait "$pid"
rc=$?
pid=
cat "$out"
[ "$ok" = 1 ] || fail "the VMM ended before the steady phase was sampled (exit status $rc)"
[ "$rc" -eq 0 ] || fail "exit status $rc, 0 expected"
for k in $(seq 1 "$n"); do
	grep -q "^\[soak$k\] Test result: SUCCESS" "$out" || fail "soak$k did not succeed"
done
rounds=$(sed -n 's/^\[soak1\] soak: domain 1 .*: \([0-9]*\) events received.*/\1/p' "$out")
events=$(sed -n 's/^\[soak[0-9]*\] soak: domain .*: \([0-9]*\) events received.*/\1/p' "$out" |
	awk '{ s += $1 } END { print s }')
bytes=$(sed -n 's/^\[soak[0-9]*\] soak: .*sent, \([0-9]*\) bytes copied.*/\1/p' "$out" |
	awk '{ s += $1 } END { print s }')
grow=$((anon1 - anon0))
echo "soak: $n domains, ${secs} s steady, $rounds rounds, $events events received (as many sent), $bytes bytes copied and checked"
echo "soak: VMM VmRSS ${rss0} -> ${rss1} KiB, RssAnon ${anon0} -> ${anon1} KiB (${grow} KiB, at most ${tol})"
if grep -qa __asan_init "$fastabi"; then
	# AddressSanitizer's runtime grows RssAnon by itself here (about 65 KiB/s in
	# this test, with its quarantine off too): the limit holds for the build
	# without sanitizers; this build's own check is every access.
	echo "soak: a sanitizer build: the VMM's memory is checked in the build without sanitizers"
else
	[ "$grow" -le "$tol" ] || fail "the VMM's own memory grew by $grow KiB in the steady phase"
fi
echo "soak: OK"
