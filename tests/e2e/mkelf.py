#!/usr/bin/env python3
"""mkelf.py OUT PROGRAM - writes a tiny MIPS32 little-endian ELF for the CLI tests.

Each program is a few hand-encoded instructions at 0x80100000, so the tests do not depend
on the cross compiler. PROGRAM is one of the names in PROGRAMS."""
import struct
import sys

T0, T1, T2, T9, A0 = 8, 9, 10, 25, 4

def lui(rt, imm): return 0x3C000000 | rt << 16 | (imm & 0xFFFF)
def ori(rt, rs, imm): return 0x34000000 | rs << 21 | rt << 16 | (imm & 0xFFFF)
def sw(rt, off, rs): return 0xAC000000 | rs << 21 | rt << 16 | (off & 0xFFFF)
def sb(rt, off, rs): return 0xA0000000 | rs << 21 | rt << 16 | (off & 0xFFFF)
def li(rt, v): return [lui(rt, v >> 16), ori(rt, rt, v & 0xFFFF)]
def jr(rs): return 0x00000008 | rs << 21
def addiu(rt, rs, imm): return 0x24000000 | rs << 21 | rt << 16 | (imm & 0xFFFF)
def bne(rs, rt, off): return 0x14000000 | rs << 21 | rt << 16 | (off & 0xFFFF)
NOP = 0
SDBBP1 = 0x7000007F
SELF_LOOP = 0x1000FFFF  # b .
WAIT = 0x42000020
MTC0_ZERO_STATUS = 0x40806000  # mtc0 $0, Status: BEV=0, EXL=0, kernel mode
LW_MISALIGNED = 0x8C000001     # lw $0, 1($0): AdEL

def putc(ch):
    return li(T0, 0xB80003F8) + li(T1, ord(ch)) + [sb(T1, 0, T0)]

PROGRAMS = {
    # UHI semihosting exit with status 7
    "exit7": li(T9, 1) + li(A0, 7) + [SDBBP1, NOP],
    # prints "ok" and powers off through SOFTRES
    "hello": putc("o") + putc("k") + putc("\n") + li(T0, 0xBF000500) + li(T1, 0x42) + [sw(T1, 0, T0), SELF_LOOP, NOP],
    # UHI exit with status 256: not an exit status a process can have
    "exit256": li(T9, 1) + li(A0, 256) + [SDBBP1, NOP],
    # prints a line of 10000 'x' and powers off
    "longline": li(T0, 0xB80003F8) + li(T1, ord("x")) + li(T2, 10000) +
                [sb(T1, 0, T0), addiu(T2, T2, -1), bne(T2, 0, -3), NOP] + putc("\n") +
                li(T0, 0xBF000500) + li(T1, 0x42) + [sw(T1, 0, T0), SELF_LOOP, NOP],
    # runs forever
    "spin": [SELF_LOOP, NOP],
    # waits with interrupts disabled: nothing can wake it
    "wait": [WAIT, SELF_LOOP, NOP],
    # jumps to a physical address with nothing behind it: IBE, whose BEV vector has nothing
    # behind it either: an exception loop that retires no instruction
    "ibe_loop": li(T0, 0xBE000000) + [jr(T0), NOP],
    # faults; its handler (at EBase + 0x180) faults again, for ever, at EXL=1
    "nested_fault": {0x80100000: [MTC0_ZERO_STATUS, NOP, LW_MISALIGNED, SELF_LOOP, NOP],
                     0x80000180: [LW_MISALIGNED, SELF_LOOP, NOP]},
}

def elf(program, entry=0x80100000):
    """program: a list of words at entry, or {address: [words]} for several segments."""
    segs = program if isinstance(program, dict) else {entry: program}
    ehdr_size, phdr_size = 52, 32
    off = ehdr_size + phdr_size * len(segs)
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 8, 1, entry, ehdr_size, 0, 0x1000,
                               ehdr_size, phdr_size, len(segs), 40, 0, 0)
    phdrs, body = b"", b""
    for addr, code in segs.items():
        text = b"".join(struct.pack("<I", w) for w in code)
        phdrs += struct.pack("<IIIIIIII", 1, off + len(body), addr, addr, len(text), len(text), 5, 4)
        body += text
    return ehdr + phdrs + body

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in PROGRAMS:
        sys.exit("usage: mkelf.py OUT " + "|".join(PROGRAMS))
    with open(sys.argv[1], "wb") as f:
        f.write(elf(PROGRAMS[sys.argv[2]]))
