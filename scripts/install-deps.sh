#!/usr/bin/env bash
# Install the Debian packages that the build and the tests need, and only
# those that are missing. Safe to run again; both README commands call it.
set -euo pipefail

packages=(
	meson ninja-build pkg-config gcc
	clang libclang-rt-14-dev   # the fuzzers (libFuzzer) and the clang builds
	libyaml-dev                # abi-tool's YAML parser
	libcmocka-dev              # host unit tests
	libxen-dev                 # the Xen public headers; libxlutil and libxenlight: `fastabi create` reads xl.cfg files with Xen's own parser
	libseccomp-dev             # the VMM's per-thread seccomp allowlists (vmm/sandbox.c)
	libzydis-dev               # Zydis 4: the VMM decodes and re-encodes the instructions it completes (vmm/insn/)
	gcovr                      # coverage reports
	grub-common grub-xen-bin   # grub-mkimage and GRUB for Xen PVH: an unmodified Xen guest (tests/integration/grub)
	gnuplot-nox                # scripts/bench.sh's plots (docs/benchmarks.md)
	python3-yaml               # bench/bench.py reads the op names from abi/*.yml
	valgrind                   # bench/bench.py: the core's instructions per call (callgrind)
)
# The generated Rust bindings are compiled when rustc exists; Debian's
# rustc is enough when no other toolchain is on PATH.
command -v rustc >/dev/null 2>&1 || packages+=(rustc)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
