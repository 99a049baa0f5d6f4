#!/bin/bash
# run-domains.sh FASTABI ELF CHECK [DOMAIN...]: writes one xl config file per
# DOMAIN ("name|extra|more keys", keys separated by ';') into a temporary
# folder and runs `fastabi create` on them (domain ids 1, 2, ... in that
# order: the numbers the domains' extra= lines agree on). Then checks:
#   - the exit status is the one CHECK names: "ok" (0), "busy" (0, domains
#     that compute all the time: no CPU check) or "crash" (3: one domain
#     crashed on purpose, every other one must report SUCCESS);
#   - every domain reported SUCCESS, except a crashed one;
#   - a domain that printed xenbus state changes ("frontend: state A -> B",
#     guest/tests/common/xsdev.c) went through its role's whole sequence,
#     Initialising to Closed (frontend: Initialised, Connected, Closing,
#     Closed; backend: InitWait, Connected, Closing, Closed);
#   - no access to a confidential domain's private memory was refused (a
#     correct FastABI guest causes none), and a confidential domain's count
#     (0) is there;
#   - for a run of a second or more (a domain idles while its peer is
#     blocked), the VMM's CPU time stayed below a third of its wall time,
#     beyond 0.5 s allowed for what every run costs whatever its length
#     (building the domains, their xenbus handshake: 0.3 to 0.4 s of CPU
#     measured): nobody spins while waiting.
# Each domain has 32 MiB of RAM, or RUN_DOMAINS_MEMORY MiB.
set -u
fastabi=$1 elf=$2 check=$3
shift 3
here=$(dirname "$0")
. "$here/../require-kvm.sh"
require_kvm
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cfgs=()
n=0
for d in "$@"; do
	IFS='|' read -r name extra keys <<<"$d"
	n=$((n + 1))
	{
		echo "# domain $n of this test"
		echo "name = \"$name\""
		echo "type = \"pvh\""
		echo "kernel = \"$elf\""
		echo "memory = ${RUN_DOMAINS_MEMORY:-32}"
		echo "fixed_mem_layout = 1"
		echo "extra = \"$extra\""
		tr ';' '\n' <<<"$keys"
	} >"$dir/$name.cfg"
	cfgs+=("$dir/$name.cfg")
done
out=$dir/out
tm=$dir/time
TIMEFORMAT='%3R %3U %3S'
{ time FASTABI_STATS=1 "$fastabi" create "${cfgs[@]}" --timeout 60 >"$out" 2>&1; } 2>"$tm"
rc=$?
cat "$out"
fail() {
	echo "domains: FAILED: $*"
	exit 1
}
case $check in
ok | busy) [ "$rc" -eq 0 ] || fail "exit status $rc, 0 expected" ;;
crash) [ "$rc" -eq 3 ] || fail "exit status $rc, 3 (a domain crashed) expected" ;;
*) fail "unknown check '$check'" ;;
esac
for d in "$@"; do
	IFS='|' read -r name extra keys <<<"$d"
	case " $extra " in
	*" crash"*) grep -q "^fastabi: \[$name\] .*crash" "$out" || fail "$name did not crash" ;;
	*) grep -q "^\[$name\] Test result: SUCCESS" "$out" || fail "$name did not succeed" ;;
	esac
	for role in frontend backend; do
		states=$(sed -n "s/^\[$name\] $role: state [A-Za-z]* -> \([A-Za-z]*\)\r*$/\1/p" "$out" | tr '\n' ' ')
		[ -n "$states" ] || continue
		case $role in
		frontend) want="Initialised Connected Closing Closed " ;;
		backend) want="InitWait Connected Closing Closed " ;;
		esac
		[ "$states" = "$want" ] || fail "$name: $role states '$states', '$want' expected"
		echo "check: $name: $role Initialising -> ${want% }"
	done
	case "$keys" in
	*confidential*=*1*)
		grep -q "\[$name\] confidential: 0 accesses to private memory refused" "$out" ||
			fail "$name: no refused-access count of 0" ;;
	esac
done
if grep -q 'confidential: [1-9][0-9]* accesses to private memory refused' "$out"; then
	fail "the hypervisor refused accesses to private memory"
fi
read -r wall user sys <"$tm"
echo "check: VMM wall $wall s, user $user s, sys $sys s"
if [ "$check" != busy ] && ! awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { exit !(w < 1.0 || (u + s - 0.5) * 3 < w) }'; then
	fail "the VMM used $user + $sys s of CPU in $wall s, more than 0.5 s + a third (a spinning wait?)"
fi
echo "domains: OK"
