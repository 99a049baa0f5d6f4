#!/usr/bin/env python3
"""gen-text.py LINES OUT: the console-big guest's ramdisk, LINES lines of
64 bytes: "big NNNNNN " and the 52 letters of the alphabet, then
'\\n' (what run-guest-check.sh's 'console-big' check expects back on the
console, once each and in order)."""
import sys

lines, out = int(sys.argv[1]), sys.argv[2]
abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
with open(out, "w") as f:
    for i in range(lines):
        f.write("big %06u %s\n" % (i, abc))
