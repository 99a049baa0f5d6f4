#!/bin/sh
# sandbox-memory.sh FASTABI KERNEL
#
# The host-memory rule (docs/security.md): two domains of `fastabi create`
# whose RAM together (but not each alone) exceeds MemAvailable + SwapFree
# are refused, the second with the message that names the figures; with
# --overcommit the same two run. Sizes come from this host's /proc/meminfo.
set -u
. "$(dirname "$0")/../require-kvm.sh"
require_kvm
fastabi=$1 kernel=$2
avail=$(awk '/^MemAvailable:/ { a = $2 } /^SwapFree:/ { s = $2 } END { print int((a + s) / 1024) }' /proc/meminfo)
half=$((avail / 2 + 256))
if [ "$half" -gt 65536 ] || [ "$half" -ge "$avail" ]; then
	echo "FAIL: cannot build the case on this host: $avail MiB backable, at most 65536 MiB a domain"
	exit 1
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
for n in a b; do
	printf 'name = "%s"\ntype = "pvh"\nkernel = "%s"\nmemory = %s\n' "$n" "$kernel" "$half" >"$tmp/$n.cfg"
done
echo "host: $avail MiB backable; two domains of $half MiB"
"$fastabi" create "$tmp/a.cfg" "$tmp/b.cfg" --timeout 20 >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
fail=0
[ $rc = 2 ] || { echo "FAIL: exit status $rc, expected 2"; fail=1; }
grep -q "^fastabi: \[b\] not enough host memory: the domain's $half MiB and the other domains' $half MiB exceed the [0-9]* MiB the host can back" "$tmp/err" ||
	{ echo "FAIL: no refusal naming the figures"; fail=1; }
"$fastabi" create "$tmp/a.cfg" "$tmp/b.cfg" --timeout 20 --overcommit >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ $rc = 0 ] || { echo "FAIL: with --overcommit: exit status $rc, expected 0"; fail=1; }
grep -q '^\[b\] hello, world' "$tmp/out" || { echo "FAIL: domain b did not run with --overcommit"; fail=1; }
[ $fail = 0 ] && echo PASS
exit $fail
