#!/bin/bash
# run-domains.sh DOMAINS_BOOT RING_ELF FRONT_EXTRA BACK_EXTRA FRONT_FLAGS BACK_FLAGS:
# a frontend (domain 1) and a backend (domain 2) of the interdom-ring guest
# program meet through the agreed numbers (backend=2 / frontend=1, gref 8)
# and exchange messages. Passes when both domains succeed (exit status 0),
# the frontend reported its round trips, no access to a confidential
# domain's private memory was refused (a correct FastABI guest causes none),
# and, for a run of a second or more (the frontend's delay_ms, while the
# backend is blocked), the VMM's CPU time stayed below a third of its wall
# time: nobody spins while waiting.
set -u
boot=$1 elf=$2 fx=$3 bx=$4 ff=$5 bf=$6
. "$(dirname "$0")/../require-kvm.sh"
require_kvm
out=$(mktemp)
tm=$(mktemp)
trap 'rm -f "$out" "$tm"' EXIT
TIMEFORMAT='%3R %3U %3S'
# shellcheck disable=SC2086
{ time FASTABI_STATS=1 "$boot" --timeout 60 \
	name=front kernel="$elf" fixed_mem_layout=1 cmdline="role=frontend backend=${BACK_DOMID:-1} gref=8 msgs=300 $fx" $ff \
	-- name=back kernel="$elf" fixed_mem_layout=1 cmdline="role=backend frontend=${FRONT_DOMID:-0} gref=8 $bx" $bf \
	>"$out" 2>&1; } 2>"$tm"
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || { echo "domains: exit status $rc"; exit 1; }
grep -q '^\[front\] DEMO ' "$out" || { echo "domains: no DEMO line from the frontend"; exit 1; }
if grep -q 'confidential: [1-9][0-9]* accesses to private memory refused' "$out"; then
	echo "domains: the hypervisor refused accesses to private memory"
	exit 1
fi
case "$ff $bf" in
*confidential=1*)
	grep -q 'confidential: 0 accesses to private memory refused' "$out" ||
		{ echo "domains: no refused-access count for the confidential domain"; exit 1; } ;;
esac
read -r wall user sys <"$tm"
echo "check: VMM wall $wall s, user $user s, sys $sys s"
if ! awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { exit !(w < 1.0 || (u + s) * 3 < w) }'; then
	echo "check: FAILED: the VMM used $user + $sys s of CPU in $wall s (a spinning wait?)"
	exit 1
fi
exit 0
