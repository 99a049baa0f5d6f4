#!/bin/sh
# A bounded fuzz run for `meson test --suite fuzz`: fails on any crash, leak,
# sanitizer report or timeout. Seeds are copied into a fresh corpus in the
# build tree; the source tree is never written.
# usage: run_fuzz.sh FUZZER WORKDIR SECONDS DICT SEED_DIR...
set -eu
fuzzer=$1 work=$2 seconds=$3 dict=$4
shift 4

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
for dir in "$@"; do
	find "$dir" -name '*.yml' -type f | while read -r f; do
		cp "$f" "$work/corpus/$(echo "$f" | tr '/' '_')"
	done
done

exec "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	-dict="$dict" -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus"
