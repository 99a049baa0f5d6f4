#!/bin/sh
# vmm-test.sh [--kvm] STATUS [CHECK...] -- COMMAND [ARG...]
#
# Run COMMAND (`fastabi ...`), show what it printed, and pass if it exits
# with STATUS and every CHECK holds:
#   out:REGEX   some line of stdout matches (grep -E)
#   err:REGEX   some line of stderr matches
#   !out:REGEX  no line of stdout matches
#   !err:REGEX  no line of stderr matches
# With --kvm the test boots a guest: without a usable /dev/kvm it is
# skipped loudly (exit 77, meson's skip code).
set -u

if [ "$1" = --kvm ]; then
	shift
	. "$(dirname "$0")/../require-kvm.sh"
	require_kvm
fi
want=$1
shift
checks=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	checks="$checks$1
"
	shift
done
if [ $# -eq 0 ]; then
	echo "vmm-test.sh: no '--' before the command" >&2
	exit 99
fi
shift

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
echo "+ $*"
"$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
echo "--- stdout"
cat "$tmp/out"
echo "--- stderr"
cat "$tmp/err"
echo "--- exit status $rc (expected $want)"

fail=0
if [ "$rc" != "$want" ]; then
	echo "FAIL: exit status $rc, expected $want"
	fail=1
fi
old_ifs=$IFS
IFS='
'
for c in $checks; do
	IFS=$old_ifs
	case $c in
	'!out:'*) file=out neg=1 re=${c#!out:} ;;
	'!err:'*) file=err neg=1 re=${c#!err:} ;;
	out:*) file=out neg=0 re=${c#out:} ;;
	err:*) file=err neg=0 re=${c#err:} ;;
	*) echo "vmm-test.sh: bad check '$c'" >&2; exit 99 ;;
	esac
	if grep -Eq -- "$re" "$tmp/$file"; then found=1; else found=0; fi
	if [ $neg = 0 ] && [ $found = 0 ]; then
		echo "FAIL: no line of std$file matches: $re"
		fail=1
	elif [ $neg = 1 ] && [ $found = 1 ]; then
		echo "FAIL: a line of std$file matches: $re"
		fail=1
	fi
done
IFS=$old_ifs
[ $fail = 0 ] && echo PASS
exit $fail
