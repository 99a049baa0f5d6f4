#!/bin/sh
# The guest header must refuse a 32-bit compile with its own #error (FastABI
# exists only in long mode), and with nothing else: the #error comes before
# any include, so that no other message buries it.
#
# usage: refuse-m32.sh CC HEADER FASTABI_INCLUDE_DIR
set -u
cc=$1 header=$2 inc=$3
want='FastABI is x86-64 long mode only'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '#include "fastabi_guest.h"' >"$tmp/use.c"

# -fsyntax-only: no 32-bit libraries or object output are needed.
"$cc" -m32 -ffreestanding -fsyntax-only -I"$(dirname "$header")" -I"$inc" \
	"$tmp/use.c" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
if [ "$rc" -eq 0 ]; then
	echo "FAIL: $cc -m32 compiled the guest header"
	exit 1
fi
if ! grep -q "$want" "$tmp/out"; then
	echo "FAIL: $cc -m32 failed, but not with the header's message ('$want')"
	exit 1
fi
errors=$(grep -c 'error:' "$tmp/out")
if [ "$errors" -ne 1 ]; then
	echo "FAIL: expected only the #error, got $errors error lines"
	exit 1
fi
echo "PASS: $cc -m32 refuses the header with its #error"
