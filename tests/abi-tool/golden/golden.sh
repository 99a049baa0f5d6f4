#!/bin/sh
# One golden test: `abi-tool gen KIND SPEC...` must reproduce EXPECTED byte
# for byte. On a mismatch it prints a unified diff (expected -> generated).
#
# With FASTABI_GOLDEN_UPDATE=1 in the environment it rewrites EXPECTED
# instead; scripts/regen-golden.sh does that when a generator changes on
# purpose.
#
# usage: golden.sh ABI_TOOL KIND EXPECTED SPEC...
set -eu

if [ $# -lt 4 ]; then
	echo "usage: golden.sh ABI_TOOL KIND EXPECTED SPEC..." >&2
	exit 2
fi
tool=$1
kind=$2
expected=$3
shift 3

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM

if ! "$tool" gen "$kind" "$@" >"$tmp"; then
	echo "FAIL: abi-tool gen $kind failed on the small spec (its messages are above)"
	exit 1
fi

if [ "${FASTABI_GOLDEN_UPDATE-}" = 1 ]; then
	cat "$tmp" >"$expected"
	echo "updated $expected"
	exit 0
fi

if [ ! -f "$expected" ]; then
	echo "FAIL: $expected does not exist; create it with scripts/regen-golden.sh BUILD_DIR"
	exit 1
fi
if ! diff -u --label "expected/$(basename "$expected")" --label "abi-tool gen $kind" \
	"$expected" "$tmp"; then
	echo
	echo "FAIL: abi-tool gen $kind no longer matches $expected."
	echo "If the change is intended, run scripts/regen-golden.sh BUILD_DIR and commit"
	echo "the reviewed diff of tests/abi-tool/golden/expected/."
	exit 1
fi
echo "OK: abi-tool gen $kind matches $(basename "$expected")"
