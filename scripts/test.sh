#!/usr/bin/env bash
# The full test suite: what CI runs (.ci/run) and what README.md gives.
#   1. build/      gcc, -Werror: every test
#   2. build-san/  AddressSanitizer + UndefinedBehaviorSanitizer: every test
#   3. build-fuzz/ clang with libFuzzer: the same tests plus short bounded
#                  fuzz runs (scripts/fuzz.sh runs long ones)
#   4. build-cov/  gcc with coverage: line and branch coverage of hv/ by its
#                  unit tests (scripts/coverage.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

run_suite() { # DIR [meson setup options...]
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null
	fi
	echo "== $dir: build"
	meson compile -C "$dir" >/dev/null
	echo "== $dir: test"
	meson test -C "$dir" --print-errorlogs --num-processes 2
}

run_suite build
run_suite build-san -Db_sanitize=address,undefined -Db_lundef=false
CC=clang run_suite build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
scripts/coverage.sh
echo "all test suites passed"
