#!/bin/sh
# Line and branch coverage of the hypervisor core (hv/) by its unit tests.
# usage: scripts/coverage.sh [--html]
#
# Builds build-cov/ with gcc and -Db_coverage=true, runs the 'hv' test suite,
# and prints gcovr's per-file table and the line and branch summary for
# hv/*.c (the generated decoders in the build tree are left out). --html also
# writes build-cov/coverage/index.html. Exits non-zero if a test fails.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-cov
cd "$root"

# Atomic counters: the core's tests run threads (hv-locking, the race tests),
# and plain counters updated from several threads can come out negative,
# which gcovr refuses ("branch taken -2").
if [ ! -f "$build/build.ninja" ]; then
	CC=gcc meson setup "$build" -Db_coverage=true -Dbuildtype=debug \
		-Dc_args=-fprofile-update=atomic -Dc_link_args=-fprofile-update=atomic >/dev/null
fi
ninja -C "$build" >/dev/null
# Counters from an earlier run would inflate the numbers.
find "$build" -name '*.gcda' -delete
meson test -C "$build" --suite hv --print-errorlogs --num-processes 2 >/dev/null

# Only this build's counters: other build trees under the root may have their own.
set -- --root "$root" --object-directory "$build" --filter "$root/hv/" \
	--exclude-unreachable-branches "$build"
echo "== coverage of hv/ by the hv suite"
gcovr "$@" --txt - --print-summary
if [ "${1:-}" = --html ] || [ "${COVERAGE_HTML:-}" = 1 ]; then
	mkdir -p "$build/coverage"
	gcovr "$@" --html-details "$build/coverage/index.html"
	echo "html: $build/coverage/index.html"
fi
