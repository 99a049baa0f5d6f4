#!/bin/sh
# Builds rust-run.rs (a hosted test program) with a generated Rust module as
# its `mod fastabi;` and runs it, unoptimised and optimised. See rust-run.rs.
#
# usage: rust-run.sh RUSTC MODULE.rs TEST.rs
# RUSTC may be empty: rustc was not found, and the test is skipped (exit 77).
set -eu

rustc=${1-}
module=${2:?usage: rust-run.sh RUSTC MODULE.rs TEST.rs}
test_src=${3:?usage: rust-run.sh RUSTC MODULE.rs TEST.rs}

if [ -z "$rustc" ] || ! "$rustc" --version >/dev/null 2>&1; then
	echo "SKIP: rustc not found; the generated Rust bindings were not run"
	echo "SKIP: rustc not found; the generated Rust bindings were not run" >&2
	exit 77
fi
host=$("$rustc" -vV | sed -n 's/^host: //p')
case $host in
x86_64-*-linux-gnu) ;;
*)
	echo "SKIP: rustc's host is $host, not x86_64 Linux with glibc; the Rust stubs were not run"
	exit 77
	;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$module" "$tmp/fastabi.rs"
cp "$test_src" "$tmp/main.rs"

for opt in 0 2; do
	echo "== opt-level $opt"
	"$rustc" --edition=2021 -D warnings -C opt-level=$opt -o "$tmp/run-$opt" "$tmp/main.rs"
	"$tmp/run-$opt"
done
