#!/bin/sh
# Regenerates the golden files tests/abi-tool/golden/expected/* with the
# abi-tool of BUILD_DIR.
#
# Use it only when a generator's output changes ON PURPOSE, then review
# `git diff tests/abi-tool/golden/expected` before committing: the golden
# tests exist to catch the changes that nobody intended.
#
# It runs the golden tests with FASTABI_GOLDEN_UPDATE=1, so the list of kinds,
# expected files and spec files lives in one place
# (tests/abi-tool/golden/meson.build).
#
# usage: scripts/regen-golden.sh BUILD_DIR
set -eu

build=${1:?usage: scripts/regen-golden.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)

meson compile -C "$build" abi-tool
FASTABI_GOLDEN_UPDATE=1 meson test -C "$build" --no-rebuild --suite golden-expected
echo
echo "Regenerated. Review before committing:"
git -C "$root" status --short -- tests/abi-tool/golden/expected || true
