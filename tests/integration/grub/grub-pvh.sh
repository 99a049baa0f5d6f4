#!/bin/sh
# grub-pvh.sh FASTABI WORKDIR: boot Debian's GRUB for Xen PVH, a kernel
# built for real Xen and not for this project, under `fastabi run`.
#
# The image is made here, at test time, with grub-mkimage (grub-common)
# from the i386-xen_pvh modules of grub-xen-bin, with an embedded
# configuration that echoes a line and halts. GRUB runs 32-bit with paging
# off; it finds Xen through CPUID, fills its hypercall page through the
# MSR, reads the memory map, the console and xenstore HVM params, places
# its grant table and shared_info with XENMEM_add_to_physmap, sets up the
# grant table, asks xenstore for device/vbd, prints through the PV console
# ring, and `halt` powers off with SCHEDOP_shutdown. The test passes if
# fastabi exits 0 (poweroff) and the echoed line is on stdout.
#
# The GRUB packages are a dependency of the test suite
# (scripts/install-deps.sh installs them): without them the test fails,
# it does not skip. Without /dev/kvm it skips, as every guest test does.
set -u
fastabi=$1
work=$2
mods=/usr/lib/grub/i386-xen_pvh
line='fastabi-grub: hello from GRUB for Xen PVH'

if ! command -v grub-mkimage >/dev/null 2>&1; then
	echo "FAIL: grub-mkimage is missing: install grub-common (scripts/install-deps.sh)"
	exit 1
fi
if [ ! -f "$mods/kernel.img" ] || [ ! -f "$mods/echo.mod" ] || [ ! -f "$mods/halt.mod" ]; then
	echo "FAIL: $mods has no GRUB for Xen PVH: install grub-xen-bin (scripts/install-deps.sh)"
	exit 1
fi
. "$(dirname "$0")/../require-kvm.sh"
require_kvm

mkdir -p "$work" || exit 99
cfg=$work/grub-pvh.cfg
img=$work/grub-pvh.elf
printf 'echo "%s"\nhalt\n' "$line" >"$cfg" || exit 99
echo "+ grub-mkimage -O i386-xen_pvh -o $img -p / -c $cfg echo halt"
if ! grub-mkimage -O i386-xen_pvh -d "$mods" -o "$img" -p / -c "$cfg" echo halt; then
	echo "FAIL: grub-mkimage could not build the image"
	exit 1
fi

echo "+ FASTABI_STATS=1 FASTABI_TRACE=1 $fastabi run --timeout 30 $img"
FASTABI_STATS=1 FASTABI_TRACE=1 "$fastabi" run --timeout 30 "$img" >"$work/out" 2>"$work/err"
rc=$?
echo "--- stdout"
cat "$work/out"
echo "--- stderr"
cat "$work/err"
echo "--- exit status $rc"

fail=0
if [ $rc -ne 0 ]; then
	echo "FAIL: exit status $rc, expected 0 (SCHEDOP_shutdown poweroff)"
	fail=1
fi
# GRUB's terminal puts colour escapes before the text: match the end of the line.
if ! grep -q -- "$line\$" "$work/out"; then
	echo "FAIL: the echoed line is not on stdout: $line"
	fail=1
fi
# What it did on the way, from the trace (32-bit legacy calls: number, ebx, ecx, ...).
check() {
	if ! grep -Eq -- "$2" "$work/err"; then
		echo "FAIL: $1"
		fail=1
	fi
}
check "GRUB did not power off with SCHEDOP_shutdown" 'shutdown: poweroff'
check "no SCHEDOP_shutdown(poweroff) in the trace" 'legacy32 0x1d \(0x2, .*\) = 0$'
check "no HVMOP_get_param in the trace" 'legacy32 0x22 \(0x1, .*\) = 0$'
check "no XENMEM_memory_map in the trace" 'legacy32 0xc \(0x9, .*\) = 0$'
n=$(grep -Ec 'legacy32 0xc \(0x7, .*\) = 0$' "$work/err")
if [ "$n" -lt 2 ]; then
	echo "FAIL: $n successful XENMEM_add_to_physmap calls, expected 2 (grant table, shared_info)"
	fail=1
fi
check "nothing went through the PV console ring" 'PV console: [1-9][0-9]* notifications, [1-9][0-9]* bytes'
check "GRUB asked xenstore nothing" 'xenstore: [1-9][0-9]* notifications, [1-9][0-9]* requests'
check "no statistics line (FASTABI_STATS)" 'exits, [0-9]+ hypercalls'

[ $fail = 0 ] && echo PASS
exit $fail
