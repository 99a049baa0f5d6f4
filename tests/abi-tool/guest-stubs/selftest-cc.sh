#!/bin/sh
# Build the generated self-test with another compiler or optimisation level
# than the build's own and run it: the stubs must behave the same with gcc
# and clang, inlined (-O2) or not (-O0). (The --clobber check needs an
# optimising build and runs from meson's own executable.)
#
# usage: selftest-cc.sh CC OPT SELFTEST_C FASTABI_INCLUDE_DIR
set -eu
cc=$1 opt=$2 src=$3 inc=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set -- "$cc" -std=gnu11 "$opt" -Wall -Wextra -Werror -I"$(dirname "$src")" -I"$inc" \
	"$src" -o "$tmp/selftest"
echo "$*"
"$@"
"$tmp/selftest"
