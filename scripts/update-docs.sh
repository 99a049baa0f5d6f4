#!/bin/sh
# Refreshes docs/abi-reference.md, the committed copy of the generated ABI
# reference (for readers who browse the sources on the web), from abi/*.yml
# with the abi-tool of BUILD_DIR. The 'docs' test suite fails while the
# copy differs from what the build generates.
#
# usage: scripts/update-docs.sh BUILD_DIR
set -eu

build=${1:?usage: scripts/update-docs.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)

meson compile -C "$build" abi-gen-doc
cp "$build/abi/abi-reference.md" "$root/docs/abi-reference.md"
echo "updated docs/abi-reference.md"
