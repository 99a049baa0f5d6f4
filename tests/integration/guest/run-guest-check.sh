#!/bin/bash
# run-guest-check.sh CHECK FASTABI ELF [OPTION...]: run-guest.sh, and then a
# check of the VMM that the guest cannot make itself:
#
#   cpu      the VMM's CPU time (user + sys of the fastabi process, from
#            bash's `time`) stays below a third of its wall time: a guest
#            that sleeps in SCHEDOP_poll most of the run must not make the
#            VMM spin (a busy poll costs as much CPU as wall time).
#   balloon  the VMM's exit line "balloon: ... host memory freed (memfd
#            blocks): N KiB" reports at least 16 MiB: the kernel's own count
#            of the memory behind guest RAM (fstat st_blocks of the memfd)
#            dropped by what the guest released, so nothing released means
#            failure.
#   quiet    the VMM printed no message of its own ("fastabi: ..."): what
#            the guest did (refused calls, many times over) is no reason
#            for a host log line.
#   poweroff the domain ended in SCHEDOP_shutdown(poweroff) (the VMM's
#            "shutdown: poweroff" line of --stats), not in a test verdict: exit status
#            0 alone would also be a SUCCESS reported on the console.
#   console-escaped  the console-escape guest's line reached the VMM's output
#            three times (console_io, port 0xe9, the PV ring) with every
#            control and non-ASCII byte as \xNN and '\' as '\\', and no
#            ESC byte reached it at all (the default console).
#   console-big  the console-big guest's one 2 MiB console_io write reached
#            the VMM's output whole: lines "big 000000 " .. "big 032767 "
#            once each, in order, each with the 52 letters after the number.
#   console-raw  the same line three times with the guest's bytes as they
#            are ('\r' dropped): `--console raw`.
set -u
check=$1
shift
here=$(dirname "$0")
out=$(mktemp)
tm=$(mktemp)
trap 'rm -f "$out" "$tm"' EXIT

TIMEFORMAT='%3R %3U %3S'
{ time "$here/run-guest.sh" "$@" >"$out" 2>&1; } 2>"$tm"
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || exit "$rc"

case $check in
cpu)
	read -r wall user sys <"$tm"
	echo "check: VMM wall ${wall} s, user ${user} s, sys ${sys} s"
	if ! awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { exit !(w >= 1.0 && (u + s) * 3 < w) }'; then
		echo "check: FAILED: the VMM used $user + $sys s of CPU in $wall s (a spinning poll?)"
		exit 1
	fi
	;;
balloon)
	kib=$(sed -n 's/.*balloon: .*host memory freed (memfd blocks): \([0-9]*\) KiB.*/\1/p' "$out" | tail -n 1)
	echo "check: host memory freed by ballooning: ${kib:-none} KiB"
	if [ -z "$kib" ] || [ "$kib" -lt 16384 ]; then
		echo "check: FAILED: the host got less than the 16 MiB the guest released back"
		exit 1
	fi
	;;
quiet)
	if grep '^fastabi:' "$out"; then
		echo "check: FAILED: the VMM logged the lines above for what the guest did"
		exit 1
	fi
	;;
poweroff)
	if ! grep -q '\] shutdown: poweroff;' "$out"; then
		echo "check: FAILED: the VMM did not report a poweroff"
		exit 1
	fi
	;;
console-big)
	abc=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
	if ! awk -v abc="$abc" '
		/^\[console-big\] big / {
			if ($0 != sprintf("[console-big] big %06d %s", n, abc)) {
				printf "check: line %d is \"%s\"\n", n, substr($0, 1, 80); bad = 1; exit
			}
			n++
		}
		END { printf "check: %d lines of the 2 MiB write\n", n; exit bad || n != 32768 }' "$out"; then
		echo "check: FAILED: the 2 MiB write did not arrive whole and in order"
		exit 1
	fi
	;;
console-escaped | console-raw)
	# The guest's payload (guest/tests/console-escape/main.c), as the console must show it.
	if [ "$check" = console-escaped ]; then
		want=$' \\x1b]0;pwned\\x07\\x1b[2J\\x1b]52;c;aGk=\\x07 tab\there back\\\\slash \\x7f\\x80\\xff\\x01 end'
	else
		want=$' \x1b]0;pwned\x07\x1b[2J\x1b]52;c;aGk=\x07 tab\there back\\slash \x7f\x80\xff\x01 end'
	fi
	for via in 'via console_io:' 'via port 0xe9:' 'via the ring:'; do
		n=$(LC_ALL=C grep -aF -- "$via$want" "$out" | LC_ALL=C sed 's/^\[[^]]*\] //' |
			LC_ALL=C grep -axcF -- "$via$want")
		echo "check: '$via' line as expected ($check): $n time(s)"
		if [ "$n" != 1 ]; then
			echo "check: FAILED: the line written $via is not shown as expected"
			exit 1
		fi
	done
	if [ "$check" = console-escaped ] && LC_ALL=C grep -aq $'\x1b' "$out"; then
		echo "check: FAILED: an ESC byte reached the VMM's output"
		exit 1
	fi
	;;
*)
	echo "check: unknown check '$check'"
	exit 2
	;;
esac
echo "check: OK"
