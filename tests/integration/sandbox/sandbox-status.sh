#!/bin/sh
# sandbox-status.sh FASTABI KERNEL [--no-sandbox]
#
# Boot KERNEL (vmm-guest64 test=hang: it runs until killed) and read
# /proc/PID/task/*/status of the running VMM: every thread must show
# Seccomp: 2 (a filter), NoNewPrivs: 1, CapEff/CapPrm/CapBnd: 0, and, when
# started as root, the uid 65534 (--user's default); no fd may point at
# /dev/kvm. With --no-sandbox the same reading must show none of that
# (Seccomp: 0), so the check can fail.
set -u
. "$(dirname "$0")/../require-kvm.sh"
require_kvm
fastabi=$1 kernel=$2
mode=${3:-sandbox}
set -- run "$kernel" --timeout 30 --cmdline test=hang
[ "$mode" = --no-sandbox ] && set -- "$@" --no-sandbox
"$fastabi" "$@" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT

# Running: 4 threads (main, timer, backend, vCPU 0), each past its filter.
i=0
while :; do
	n=$(ls /proc/$pid/task 2>/dev/null | wc -l)
	filtered=$(grep -l '^Seccomp:[[:space:]]*2' /proc/$pid/task/*/status 2>/dev/null | wc -l)
	[ "$n" -ge 4 ] && { [ "$filtered" -ge "$n" ] || [ "$mode" = --no-sandbox ]; } && break
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
		echo "FAIL: the VMM did not reach 4 confined threads in 10 s ($n threads, $filtered filtered)"
		exit 1
	fi
	sleep 0.1
done
[ "$mode" = --no-sandbox ] && sleep 0.5

fail=0
for st in /proc/$pid/task/*/status; do
	echo "--- $st"
	grep -E '^(Name|Uid|Gid|NoNewPrivs|Seccomp|CapEff|CapPrm|CapBnd|CapAmb):' "$st"
	if [ "$mode" = --no-sandbox ]; then
		grep -q '^Seccomp:[[:space:]]*0$' "$st" || { echo "FAIL: a filter with --no-sandbox"; fail=1; }
		continue
	fi
	grep -q '^Seccomp:[[:space:]]*2$' "$st" || { echo "FAIL: no seccomp filter"; fail=1; }
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || { echo "FAIL: NoNewPrivs is not 1"; fail=1; }
	for c in CapEff CapPrm CapBnd CapAmb CapInh; do
		grep -q "^$c:[[:space:]]*0000000000000000$" "$st" || { echo "FAIL: $c is not 0"; fail=1; }
	done
	if [ "$(id -u)" = 0 ]; then
		grep -qE '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$' "$st" ||
			{ echo "FAIL: not running as uid 65534"; fail=1; }
		grep -qE '^Gid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$' "$st" ||
			{ echo "FAIL: not running as gid 65534"; fail=1; }
	fi
done
kvm=0
for f in /proc/$pid/fd/*; do
	t=$(readlink "$f" 2>/dev/null) || continue
	echo "fd ${f##*/} -> $t"
	[ "$t" = /dev/kvm ] && kvm=1
done
if [ "$mode" != --no-sandbox ] && [ $kvm = 1 ]; then
	echo "FAIL: /dev/kvm is still open"
	fail=1
fi
if [ "$mode" = --no-sandbox ] && [ $kvm = 0 ]; then
	echo "FAIL: /dev/kvm closed with --no-sandbox"
	fail=1
fi
[ $fail = 0 ] && echo PASS
exit $fail
