#!/bin/sh
# Compiles the example of docs/rust-bindings.md (the first ```rust block
# after its "## An example" heading) against a generated Rust module, so that
# the page cannot drift from what the generator emits.
#
# usage: rust-doc-example.sh RUSTC MODULE.rs DOC.md
# RUSTC may be empty: rustc was not found, and the test is skipped (exit 77).
set -eu

rustc=${1-}
module=${2:?usage: rust-doc-example.sh RUSTC MODULE.rs DOC.md}
doc=${3:?usage: rust-doc-example.sh RUSTC MODULE.rs DOC.md}

if [ -z "$rustc" ] || ! "$rustc" --version >/dev/null 2>&1; then
	echo "SKIP: rustc not found; the example of docs/rust-bindings.md was not compiled"
	echo "SKIP: rustc not found; the example of docs/rust-bindings.md was not compiled" >&2
	exit 77
fi
case $("$rustc" -vV | sed -n 's/^host: //p') in
x86_64-*) ;;
*) echo "SKIP: rustc's host is not x86-64; the example was not compiled"; exit 77 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$module" "$tmp/fastabi.rs"
awk '/^## An example/ { sect = 1 }
     sect && /^```rust$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' "$doc" >"$tmp/lib.rs"
if ! grep -q 'mod fastabi' "$tmp/lib.rs"; then
	echo "FAIL: no \`\`\`rust example with 'mod fastabi' under '## An example' in $doc"
	exit 1
fi
# Edition 2024 too when this rustc knows it (1.85 and later).
editions=2021
minor=$("$rustc" --version | sed -n 's/^rustc 1\.\([0-9]*\)\..*/\1/p')
if [ -n "$minor" ] && [ "$minor" -ge 85 ]; then
	editions="2021 2024"
fi
for edition in $editions; do
	echo "compiling the example (edition $edition)"
	"$rustc" --edition=$edition --crate-type=lib -D warnings --out-dir "$tmp" "$tmp/lib.rs"
done
echo "OK: the example of $(basename "$doc") compiles"
