#!/usr/bin/env python3
# Writes the seeds of xenstore_ring_fuzz (one operation byte: op | domain << 4,
# then its operands; see xenstore_ring_fuzz.c) into seeds/xenstore-ring/.
import os
import struct

def req(dom, typ, req_id, path, tail=b""):
    return bytes([1 | dom << 4, typ, req_id, 0, path, len(tail)]) + tail

SERVE = lambda dom: bytes([12 | dom << 4])
READ_ALL = lambda dom: bytes([6 | dom << 4])
STALL = lambda dom: bytes([7 | dom << 4])
XS_DIRECTORY, XS_READ, XS_WATCH, XS_TRANSACTION_START, XS_WRITE, XS_MKDIR = 1, 2, 4, 6, 11, 12

seeds = {
    # a write, a read, a directory
    "basic": req(0, XS_WRITE, 1, 0, b"hello") + req(0, XS_READ, 2, 0) +
             req(0, XS_DIRECTORY, 3, 9) + SERVE(0) + READ_ALL(0) + SERVE(0),
    # domain 2 watches domain 1's shared directory and stops reading; domain 1
    # writes there; 20 s pass; the timed round
    "stalled-watcher": req(1, XS_WATCH, 1, 2, b"tok\0") + SERVE(1) + READ_ALL(1) + STALL(1) +
                       b"".join(req(0, XS_WRITE, i, 3, b"v") for i in range(24)) + SERVE(0) +
                       bytes([10]) + struct.pack("<H", 1300) + bytes([11 | 1 << 4]) + SERVE(0),
    # the toolstack's writes for a watcher that never reads
    "tool-events": req(1, XS_WATCH, 1, 2, b"t\0") + SERVE(1) + STALL(1) +
                   b"".join(bytes([9, i]) for i in range(40)) + SERVE(1),
    # a request split over sends, across the ring's end
    "split": bytes([2]) + struct.pack("<I", 1020) + bytes([3]) + struct.pack("<I", 1020) +
             bytes([4]) + struct.pack("<I", 1022) + bytes([5]) + struct.pack("<I", 1022) +
             bytes([0, 9]) + struct.pack("<IIII", XS_READ, 7, 0, 5)[:10] + SERVE(0) +
             bytes([0, 10]) + struct.pack("<IIII", XS_READ, 7, 0, 5)[10:] + b"name\0" + SERVE(0),
    # over-long length, and an index that jumps
    "hostile": bytes([0, 15]) + struct.pack("<IIII", XS_WRITE, 1, 0, 4097) + SERVE(0) +
               bytes([2 | 1 << 4]) + struct.pack("<I", 5000) + SERVE(1),
    # transactions and a byte of the page changed
    "txn": req(0, XS_TRANSACTION_START, 1, 0, b"") + SERVE(0) + READ_ALL(0) +
           bytes([1, XS_WRITE, 2, 1, 0, 1]) + b"x" + SERVE(0) +
           bytes([8]) + struct.pack("<H", 2048 + 4) + bytes([0x55]) + SERVE(0),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "xenstore-ring")
for name, data in seeds.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
