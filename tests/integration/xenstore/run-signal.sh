#!/bin/bash
# run-signal.sh FASTABI ELF CASE: the host's shutdown request (docs/xenstore.md).
#   poweroff: the guest (mode=shutdown) watches control/shutdown; one SIGTERM
#     to `fastabi run` makes the VMM write "poweroff" there, the guest powers
#     off: exit status 0, and the guest said it obeyed; FASTABI_XENSTORE_DUMP
#     printed its nodes as it ended.
#   reboot-int: the same with SIGINT, a guest that watches nothing
#     (mode=sleep): the first signal only asks, a second destroys it (exit
#     status 3, "destroyed by a second SIGINT").
#   ctl: the control socket (mode 0600 in $XDG_RUNTIME_DIR): fastabi
#     xenstore-ls shows the domain's tree as `xenstore-ls -f -p` does,
#     xenstore-read reads, a missing node is ENOENT (exit status 1), and
#     xenstore-write control/shutdown poweroff is `xl shutdown`; the socket
#     is gone after the VMM ends.
set -u
fastabi=$1 elf=$2 case=$3
. "$(dirname "$0")/../require-kvm.sh"
require_kvm
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export XDG_RUNTIME_DIR=$dir/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
out=$dir/out
fail() {
	cat "$out"
	echo "xenstore-signal: FAILED: $*"
	exit 1
}
# Wait (at most 20 s) for a line matching $1 in the output.
wait_for() {
	for _ in $(seq 200); do
		grep -q "$1" "$out" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
case $case in
poweroff) mode=shutdown sig=TERM ;;
destroy) mode=sleep sig=INT ;;
ctl) mode=shutdown sig= ;;
*) echo "unknown case $case"; exit 2 ;;
esac
FASTABI_XENSTORE_DUMP=1 "$fastabi" run "$elf" --cmdline "mode=$mode" --timeout 60 >"$out" 2>&1 &
pid=$!
wait_for "watching control/shutdown" || fail "the guest never watched control/shutdown"
[ -z "$sig" ] || kill -"$sig" "$pid"
case $case in
ctl)
	sock=$XDG_RUNTIME_DIR/fastabi/fastabi-$pid.sock
	[ -S "$sock" ] || fail "no socket $sock"
	[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock"), 600 expected"
	"$fastabi" xenstore-ls /local/domain/0 >"$dir/ls" || fail "xenstore-ls failed"
	cat "$dir/ls"
	grep -qx '/local/domain/0/name = "xenstore"  (n0,r0)' "$dir/ls" || fail "no name line"
	grep -qx '/local/domain/0/control/shutdown = ""  (n0)' "$dir/ls" || fail "no control/shutdown"
	[ "$("$fastabi" xenstore-read --pid "$pid" /local/domain/0/domid)" = 0 ] || fail "domid"
	"$fastabi" xenstore-read /local/domain/0/nothing 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q ENOENT "$dir/err" || fail "missing node: status $rc, $(cat "$dir/err")"
	"$fastabi" xenstore-write /local/domain/0/control/shutdown poweroff || fail "xenstore-write"
	wait "$pid"
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || fail "exit status $rc, 0 (poweroff) expected"
	grep -q "poweroff as asked" "$out" || fail "the guest did not obey"
	[ ! -e "$sock" ] || fail "the socket is still there"
	;;
poweroff)
	wait "$pid"
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || fail "exit status $rc, 0 (poweroff) expected"
	grep -q 'control/shutdown = "poweroff" written' "$out" || fail "the VMM did not write it"
	grep -q "poweroff as asked" "$out" || fail "the guest did not obey"
	# FASTABI_XENSTORE_DUMP: the domain's nodes as it ended (the guest cleared control/shutdown)
	grep -qx '/local/domain/0/control/shutdown = ""  (n0)' "$out" || fail "no dump at the end"
	grep -q '^/vm/.*/name = "xenstore"  (n0,r0)$' "$out" || fail "no /vm in the dump"
	;;
destroy)
	wait_for 'control/shutdown = "poweroff" written' || fail "the VMM did not write it"
	sleep 0.3
	kill -0 "$pid" 2>/dev/null || fail "the guest stopped after one signal"
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	cat "$out"
	[ "$rc" -eq 3 ] || fail "exit status $rc, 3 (destroyed) expected"
	grep -q "destroyed by a second SIGINT" "$out" || fail "no message for the second signal"
	;;
esac
echo "xenstore-signal: OK"
