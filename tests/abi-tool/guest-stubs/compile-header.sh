#!/bin/sh
# Compile a generated guest header the way a guest kernel would: freestanding,
# -Wall -Wextra -Werror, in one language mode and one optimisation level.
# Every stub's address is taken so that the compiler emits each one and has
# to satisfy its register constraints, not only parse it.
#
# usage: compile-header.sh CC STD OPT HEADER FASTABI_INCLUDE_DIR
set -eu
cc=$1 std=$2 opt=$3 header=$4 inc=$5

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stubs=$(sed -n 's/^static inline int64_t \(xen_hypercall_[A-Za-z0-9_]*\)(.*/\1/p' "$header")
n=$(printf '%s\n' $stubs | grep -c . || true)
if [ "$n" -eq 0 ]; then
	echo "FAIL: no stubs found in $header" >&2
	exit 1
fi
{
	echo '#include "fastabi_guest.h"'
	echo 'void *const fastabi_every_stub[] = {'
	for s in $stubs; do
		echo "	(void *)$s,"
	done
	echo '};'
} >"$tmp/use.c"

set -- "$cc" "-std=$std" "$opt" -ffreestanding -Wall -Wextra -Werror \
	-I"$(dirname "$header")" -I"$inc" -c "$tmp/use.c" -o "$tmp/use.o"
echo "$*"
"$@"
echo "PASS: $n stubs compiled with $cc -std=$std $opt"
