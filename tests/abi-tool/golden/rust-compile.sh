#!/bin/sh
# Compiles a generated Rust module the way a guest kernel uses it: as a
# module (`mod fastabi;`, and again through include!) of a #![no_std] library
# crate that denies every warning and every missing doc comment. rustdoc
# (beside rustc) must accept its docs too.
#
# usage: rust-compile.sh RUSTC MODULE.rs
# RUSTC may be empty: rustc was not found, and the test is skipped (exit 77).
set -eu

rustc=${1-}
module=${2:?usage: rust-compile.sh RUSTC MODULE.rs}

if [ -z "$rustc" ] || ! "$rustc" --version >/dev/null 2>&1; then
	echo "SKIP: rustc not found; the generated Rust bindings were not compiled"
	echo "SKIP: rustc not found; the generated Rust bindings were not compiled" >&2
	exit 77
fi
host=$("$rustc" -vV | sed -n 's/^host: //p')
case $host in
x86_64-*) ;;
*)
	echo "SKIP: rustc's host is $host, not x86-64; the generated Rust bindings were not compiled"
	exit 77
	;;
esac

case $module in
/*) ;;
*) module=$PWD/$module ;;
esac
[ -s "$module" ] || { echo "FAIL: $module is missing or empty"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The path goes into a Rust string literal: escape \ and ".
lit=$(printf '%s' "$module" | sed 's/[\\"]/\\&/g')
cat >"$tmp/lib.rs" <<RUST
//! Test crate: the generated FastABI module, mounted both ways a guest may.
#![no_std]
#![deny(warnings, missing_docs)]

/// FastABI bindings, as \`mod fastabi;\`.
#[path = "$lit"]
pub mod fastabi;

/// FastABI bindings, through include! (as from a build script's OUT_DIR).
pub mod fastabi_included {
    include!("$lit");
}
RUST

# Edition 2021 always; 2024 too when this rustc knows it (1.85 and later),
# because it turns unsafe operations in unsafe fns into warnings.
editions=2021
minor=$("$rustc" --version | sed -n 's/^rustc 1\.\([0-9]*\)\..*/\1/p')
if [ -n "$minor" ] && [ "$minor" -ge 85 ]; then
	editions="2021 2024"
fi

echo "rustc: $("$rustc" --version)"
for edition in $editions; do
	echo "compiling $module (edition $edition)"
	"$rustc" --edition="$edition" --crate-type=lib --crate-name=fastabi_check \
		--out-dir "$tmp" "$tmp/lib.rs"
done

rustdoc=$(dirname "$rustc")/rustdoc
if "$rustdoc" --version >/dev/null 2>&1; then
	echo "rustdoc: checking the doc comments"
	"$rustdoc" --edition=2021 --crate-type=lib --crate-name=fastabi_check \
		-D warnings -o "$tmp/doc" "$tmp/lib.rs"
else
	echo "note: rustdoc not found beside rustc; doc comments not checked"
fi
echo "OK"
