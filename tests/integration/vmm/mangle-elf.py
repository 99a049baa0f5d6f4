#!/usr/bin/env python3
"""mangle-elf.py MODE IN OUT: write a broken (or unusual) copy of the ELF
kernel IN for the VMM's loader tests (tests/integration/vmm/meson.build).

Modes:
  not-elf          a text file
  empty            an empty file
  big-endian       EI_DATA says big-endian
  wrong-arch       e_machine AArch64 (ELF64) or ARM (ELF32)
  truncated-header the first 40 bytes only
  truncated        cut in the middle of the last PT_LOAD segment's file data
  no-note          no PT_NOTE segment and no SHT_NOTE section
  note-in-section  no PT_NOTE segment, the note only in its SHT_NOTE section
  outside-ram      the first PT_LOAD moved to 1 GiB (beyond a small guest's RAM)
  no-room          the last PT_LOAD moved to end at 64 MiB: no room for the start info
  other-x86        the other x86 machine: ELF64 with EM_386, ELF32 with EM_X86_64
                   (Xen boots both: the class and the entry say how to run it)
"""
import struct
import sys

PT_LOAD, PT_NOTE, PT_NULL = 1, 4, 0
SHT_NOTE, SHT_PROGBITS = 7, 1


def headers(b):
    """ELF class, and where the program and section header tables are."""
    is64 = b[4] == 2
    if is64:
        phoff, shoff = struct.unpack_from("<QQ", b, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", b, 0x36)
    else:
        phoff, shoff = struct.unpack_from("<II", b, 0x1c)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", b, 0x2a)
    return is64, phoff, phentsize, phnum, shoff, shentsize, shnum


def phdrs(b):
    is64, phoff, phentsize, phnum, _, _, _ = headers(b)
    for i in range(phnum):
        off = phoff + i * phentsize
        if is64:
            p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", b, off)
            yield off, p_type, p_offset, p_paddr, p_filesz, 24, 8
        else:
            p_type, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIIII", b, off)
            yield off, p_type, p_offset, p_paddr, p_filesz, 12, 4


def move_last_load(b, end):
    """Move the PT_LOAD with the highest address so that it ends at 'end'."""
    last = max((p for p in phdrs(b) if p[1] == PT_LOAD), key=lambda p: p[3])
    off, _, _, _, _, paddr_at, size = last
    memsz_at = paddr_at + 2 * size  # p_paddr, p_filesz, p_memsz follow each other
    (memsz,) = struct.unpack_from("<Q" if size == 8 else "<I", b, off + memsz_at)
    struct.pack_into("<Q" if size == 8 else "<I", b, off + paddr_at, end - memsz)


def move_first_load(b, paddr):
    for off, p_type, _, _, _, paddr_at, size in phdrs(b):
        if p_type == PT_LOAD:
            struct.pack_into("<Q" if size == 8 else "<I", b, off + paddr_at, paddr)
            return
    raise SystemExit("no PT_LOAD")


def drop_pt_note(b):
    for off, p_type, *_ in phdrs(b):
        if p_type == PT_NOTE:
            struct.pack_into("<I", b, off, PT_NULL)


def drop_sht_note(b):
    _, _, _, _, shoff, shentsize, shnum = headers(b)
    for i in range(shnum):
        off = shoff + i * shentsize + 4
        (sh_type,) = struct.unpack_from("<I", b, off)
        if sh_type == SHT_NOTE:
            struct.pack_into("<I", b, off, SHT_PROGBITS)


def main():
    mode, src, dst = sys.argv[1:4]
    b = bytearray(open(src, "rb").read())
    if mode == "not-elf":
        b = bytearray(b"This is a text file, not a kernel.\n")
    elif mode == "empty":
        b = bytearray()
    elif mode == "big-endian":
        b[5] = 2
    elif mode == "wrong-arch":
        struct.pack_into("<H", b, 0x12, 183 if b[4] == 2 else 40)
    elif mode == "truncated-header":
        b = b[:40]
    elif mode == "truncated":
        last = max((p for p in phdrs(b) if p[1] == PT_LOAD and p[4]), key=lambda p: p[2])
        b = b[: last[2] + last[4] // 2]
    elif mode == "no-note":
        drop_pt_note(b)
        drop_sht_note(b)
    elif mode == "note-in-section":
        drop_pt_note(b)
    elif mode == "outside-ram":
        move_first_load(b, 1 << 30)
    elif mode == "no-room":
        move_last_load(b, 64 << 20)
    elif mode == "other-x86":
        struct.pack_into("<H", b, 0x12, 3 if b[4] == 2 else 62)
    else:
        raise SystemExit("unknown mode " + mode)
    open(dst, "wb").write(bytes(b))


main()
