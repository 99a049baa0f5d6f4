#!/usr/bin/env bash
# The main job: build everything, validate the FastABI specification, then
# boot guest programs under the hypervisor (`fastabi run`, KVM) and show what
# they report: each program calls every operation of a family through the
# legacy ABI and through FastABI and compares the results. Ends with a table
# of results. Without /dev/kvm it says so and shows the simulated-hypervisor
# run of every generated stub instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

echo "== abi-tool check abi/*.yml"
build/tools/abi-tool/abi-tool check abi/*.yml
echo "the specification is valid: $(ls abi/*.yml | wc -l) families, $(grep -c '^  [a-z_]*:$' abi/*.yml | awk -F: '{s += $2} END {print s}') operations"
echo

if [ ! -e /dev/kvm ]; then
	echo "!! /dev/kvm is missing: guests cannot boot on this machine."
	echo "== instead: every FastABI stub through the doorbell, simulated hypervisor"
	build/tests/abi-tool/guest-stubs/guest-stubs-selftest-real
	exit 0
fi

# program, fastabi run options, what it shows
programs=(
	"hello||boots through the PVH entry and reports"
	"discovery||finds the Xen CPUID leaves, the FastABI bit and the doorbell trap"
	"memmap|--fixed-mem-layout|finds shared_info and the grant table in the memory map"
	"version||xen_version through both ABIs"
	"evtchn|--fixed-mem-layout|every event-channel operation through both ABIs"
	"evtchn-fifo||the FIFO event-channel ABI through both ABIs"
	"gnttab|--fixed-mem-layout|grants: map, unmap, copy through both ABIs"
	"gnttab-batch|--fixed-mem-layout|FastABI grant batches against the legacy arrays"
	"smp|--vcpus 3|vCPUs brought up and down through both ABIs"
	"pvclock||guest time from the TSC agrees with the hypervisor's"
	"noclobber||FastABI changes only rax and the declared outputs"
	"confidential|--confidential|FastABI works where the hypervisor may not read guest memory"
	"vmcall-ud||a stray vmcall raises #UD and the guest survives"
	"legacy32||a 32-bit guest through the hypercall page"
)

declare -a summary
status=0
for entry in "${programs[@]}"; do
	IFS='|' read -r name opts what <<<"$entry"
	echo "== fastabi run $name.elf $opts    ($what)"
	set +e
	# shellcheck disable=SC2086
	build/vmm/fastabi run "build/guest/tests/$name.elf" $opts --timeout 60
	rc=$?
	set -e
	case $rc in
	0) result=SUCCESS ;;
	77) result=SKIP ;;
	1) result=FAILURE ;;
	*) result="ERROR (exit $rc)" ;;
	esac
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || status=1
	summary+=("$(printf '  %-14s %-18s %s' "$name" "$result" "$what")")
	echo
done

echo "== results"
printf '%s\n' "${summary[@]}"
exit $status
