#!/bin/sh
# fifo-files.sh FASTABI KERNEL
#
# A FIFO given as KERNEL, --ramdisk, --module or a `create` FILE.cfg is
# refused at once with "not a regular file" (exit status 2), as a
# directory is, instead of blocking forever in open() (each try gets 10 s).
set -u
fastabi=$1 kernel=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/fifo" || exit 99
fail=0
check() { # what, expected message, command...
	what=$1 msg=$2
	shift 2
	timeout 10 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	echo "+ $* -> $rc"
	cat "$tmp/err"
	if [ $rc = 124 ]; then
		echo "FAIL: $what: still blocked after 10 s"
		fail=1
	elif [ $rc != 2 ] || ! grep -qF "$msg" "$tmp/err"; then
		echo "FAIL: $what: exit status $rc (expected 2) or no '$msg'"
		fail=1
	fi
}
check KERNEL "fastabi: $tmp/fifo: not a regular file" "$fastabi" run "$tmp/fifo"
check --ramdisk "fastabi: --ramdisk $tmp/fifo: not a regular file" "$fastabi" run "$kernel" --ramdisk "$tmp/fifo"
check --module "fastabi: --module $tmp/fifo: not a regular file" "$fastabi" run "$kernel" --module "$tmp/fifo,x"
check FILE.cfg "$tmp/fifo: error: not a regular file" "$fastabi" create "$tmp/fifo"
printf 'name = "f"\ntype = "pvh"\nkernel = "%s"\nmemory = 8\n' "$tmp/fifo" >"$tmp/k.cfg"
check "kernel = FIFO" "not a regular file" "$fastabi" create "$tmp/k.cfg"
[ $fail = 0 ] && echo PASS
exit $fail
