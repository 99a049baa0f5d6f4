#!/usr/bin/env python3
"""gen-module.py SEED SIZE OUT: a boot module of SIZE known bytes for the
'modules' guest program: byte j is (SEED * 37 + j * 13 + (j >> 8)) & 0xff,
the formula modules/main.c checks (a byte out of place or from another
module shows)."""
import sys

seed, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(out, "wb") as f:
    f.write(bytes((seed * 37 + j * 13 + (j >> 8)) & 0xFF for j in range(size)))
