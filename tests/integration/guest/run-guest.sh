#!/bin/sh
# run-guest.sh FASTABI ELF [OPTION...]: boot one guest program under
# `fastabi run OPTION... ELF` and exit with its verdict: 0 SUCCESS, 77 SKIP
# (meson's skip code), anything else a failure (docs/guest.md).
set -u
fastabi=$1
elf=$2
shift 2

. "$(dirname "$0")/../require-kvm.sh"
require_kvm

echo "+ $fastabi run $* $elf"
"$fastabi" run "$@" "$elf"
rc=$?
case $rc in
0) echo "guest: SUCCESS" ;;
77) echo "guest: SKIP" ;;
1) echo "guest: FAILURE (exit 1)" ;;
2) echo "guest: ERROR (exit 2)" ;;
3) echo "guest: crashed or an unhandled exit (exit 3)" ;;
4) echo "guest: timed out (exit 4)" ;;
*) echo "guest: exit status $rc" ;;
esac
exit $rc
