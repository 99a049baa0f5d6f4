#!/bin/bash
# run-domains.sh DOMAINS_BOOT RING_ELF FRONT_EXTRA BACK_EXTRA FRONT_FLAGS BACK_FLAGS:
# a frontend (domain 1) and a backend (domain 2) of the interdom-ring guest
# program meet through the agreed numbers (backend=2 / frontend=1, gref 8)
# and exchange messages. Passes when both domains succeed (exit status 0),
# the frontend reported its round trips, and the VMM's CPU time stayed well
# below two vCPUs' worth of wall time (the waits sleep in SCHEDOP_poll).
set -u
boot=$1 elf=$2 fx=$3 bx=$4 ff=$5 bf=$6
. "$(dirname "$0")/../require-kvm.sh"
require_kvm
out=$(mktemp)
tm=$(mktemp)
trap 'rm -f "$out" "$tm"' EXIT
TIMEFORMAT='%3R %3U %3S'
# shellcheck disable=SC2086
{ time "$boot" --timeout 60 \
	name=front kernel="$elf" fixed_mem_layout=1 cmdline="role=frontend backend=${BACK_DOMID:-1} gref=8 msgs=300 $fx" $ff \
	-- name=back kernel="$elf" fixed_mem_layout=1 cmdline="role=backend frontend=${FRONT_DOMID:-0} gref=8 $bx" $bf \
	>"$out" 2>&1; } 2>"$tm"
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || { echo "domains: exit status $rc"; exit 1; }
grep -q '^\[front\] DEMO ' "$out" || { echo "domains: no DEMO line from the frontend"; exit 1; }
read -r wall user sys <"$tm"
echo "check: VMM wall $wall s, user $user s, sys $sys s"
exit 0
