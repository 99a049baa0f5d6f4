#!/usr/bin/env bash
# The generators' output must not depend on the order of the spec files on
# the command line: `abi-tool gen KIND` over the files in the given order, in
# reverse order and rotated by one must give the same bytes.
#
# usage: order.sh ABI_TOOL KIND SPEC...
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: order.sh ABI_TOOL KIND SPEC..." >&2
	exit 2
fi
tool=$1
kind=$2
shift 2
specs=("$@")

reversed=()
for ((i = ${#specs[@]} - 1; i >= 0; i--)); do
	reversed+=("${specs[i]}")
done
rotated=("${specs[@]:1}" "${specs[0]}")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$tool" gen "$kind" "${specs[@]}" >"$tmp/given"
"$tool" gen "$kind" "${reversed[@]}" >"$tmp/reversed"
"$tool" gen "$kind" "${rotated[@]}" >"$tmp/rotated"

status=0
for order in reversed rotated; do
	if ! diff -u --label "given order" --label "$order order" "$tmp/given" "$tmp/$order"; then
		echo "FAIL: abi-tool gen $kind depends on the order of the spec files ($order)"
		status=1
	fi
done
[ $status -ne 0 ] || echo "OK: abi-tool gen $kind gives the same bytes in every file order"
exit $status
