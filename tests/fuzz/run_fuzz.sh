#!/bin/sh
# A bounded fuzz run for `meson test --suite fuzz`: fails on any crash, leak,
# sanitizer report or timeout. Seeds are copied into a fresh corpus in the
# build tree; the source tree is never written.
# usage: run_fuzz.sh FUZZER WORKDIR SECONDS DICT SEED_DIR...
# DICT may be '-' (none). The seeds are the *.yml files of each SEED_DIR,
# or those matching FUZZ_SEEDS (a find -name pattern, e.g. '*'); more
# libFuzzer options may come in FUZZ_OPTIONS (e.g. -max_len=70000).
set -eu
fuzzer=$1 work=$2 seconds=$3 dict=$4
shift 4
pattern=${FUZZ_SEEDS:-*.yml}

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
for dir in "$@"; do
	find "$dir" -name "$pattern" -type f | while read -r f; do
		cp "$f" "$work/corpus/$(echo "$f" | tr '/' '_')"
	done
done

dict_opt=
[ "$dict" = - ] || dict_opt=-dict=$dict
# shellcheck disable=SC2086 # FUZZ_OPTIONS is a list of options
exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	$dict_opt ${FUZZ_OPTIONS:-} -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus"
