#!/usr/bin/env python3
"""jitfuzz.py OUTDIR BASE COUNT - writes COUNT seeded random programs (seeds BASE..) that
exercise the compiling engine: a random body of valid MIPS32r2 instructions (ALU, shifts,
multiply/divide, loads and stores of every width, unaligned lwl/lwr/swl/swr, forward
branches of every kind with random delay slots, branch-likely, calls through jal/jalr/jr,
traps and overflowing adds, mfc0/mtc0 of harmless registers, and now and then a store of a
valid instruction word into the body itself) runs in a loop, so that its blocks become hot
and are compiled, while the timer interrupts it at arbitrary instructions. The exception
handler skips a faulting instruction (EPC += 4) and re-arms the timer on an interrupt. The
program ends with the UHI exit (status 0). tests/e2e/jitfuzz.sh runs each one with
--engine check, which compares the interpreter and the compiled code at every block."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkelf  # noqa: E402

BODY = 0x80100100
DATA = 0x80200000
FUNC = 0x80180000

def r_type(fn, rs=0, rt=0, rd=0, sa=0, op=0):
    return op << 26 | rs << 21 | rt << 16 | rd << 11 | sa << 6 | fn
def i_type(op, rs, rt, imm):
    return op << 26 | rs << 21 | rt << 16 | (imm & 0xFFFF)
def mfc0(rt, rd, sel=0): return 0x40000000 | rt << 16 | rd << 11 | sel
def mtc0(rt, rd, sel=0): return 0x40800000 | rt << 16 | rd << 11 | sel
ERET = 0x42000018
NOP = 0

K0, K1, BASE, CNT = 26, 27, 28, 30
CALL, SMC_VAL, SMC_ADDR = 22, 23, 24      # a forward branch may skip the li that sets
                                          # them: they hold FUNC, a valid instruction and
                                          # a body address from the start
REGS = list(range(1, 22)) + [25]          # what random code may write (jal writes $31;
                                          # k0/k1 are the handler's)

def li(rt, v):
    return [mkelf.lui(rt, (v >> 16) & 0xFFFF), mkelf.ori(rt, rt, v & 0xFFFF)]

def handler():
    """Timer interrupt: Compare = Count + 97..; anything else: EPC += 4. Then eret."""
    return [
        mfc0(K0, 13),                     # Cause
        0x001AD082,                       # srl k0, k0, 2
        0x335A001F,                       # andi k0, k0, 31
        0x17400007,                       # bne k0, zero, +7 (skip)
        NOP,
        mfc0(K1, 9),                      # Count
        0x277B0000,                       # addiu k1, k1, PERIOD (set per program)
        mtc0(K1, 11),                     # Compare (clears the interrupt)
        0x42000018,                       # eret
        NOP, NOP,
        mfc0(K0, 14),                     # skip: EPC
        0x275A0004,                       # addiu k0, k0, 4
        mtc0(K0, 14),
        ERET,
    ]

def gen_insn(r, body_len, pos, allow_branch=True):
    """One random instruction (a list of 1..2 words: a branch comes with its slot)."""
    rs, rt, rd = r.choice(REGS + [0]), r.choice(REGS), r.choice(REGS)
    k = r.random()
    if k < 0.30:                              # three-register ALU
        fn = r.choice([0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x04, 0x06, 0x07,
                       0x0A, 0x0B, 0x20, 0x22])
        return [r_type(fn, rs, r.choice(REGS + [0]), rd)]
    if k < 0.45:                              # immediates
        op = r.choice([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x08])
        imm = r.choice([r.getrandbits(16), r.randint(-8, 8), 0x7FFF, 0x8000])
        return [i_type(op, rs, rt, imm)]
    if k < 0.52:                              # shifts, rotates, bit fields, special3
        c = r.random()
        if c < 0.5:
            fn = r.choice([0x00, 0x02, 0x03])
            rot = 1 if fn == 0x02 and r.random() < 0.3 else 0
            return [r_type(fn, rot, rs, rd, r.randint(0, 31))]
        if c < 0.7:
            pos_ = r.randint(0, 31)
            size = r.randint(1, 32 - pos_)
            if r.random() < 0.5:
                return [0x7C000000 | rs << 21 | rt << 16 | (size - 1) << 11 | pos_ << 6]  # ext
            return [0x7C000004 | rs << 21 | rt << 16 | (pos_ + size - 1) << 11 | pos_ << 6]  # ins
        sa = r.choice([2, 16, 24])
        return [0x7C000020 | rs << 16 | rd << 11 | sa << 6]   # wsbh/seb/seh of rt=rs
    if k < 0.58:                              # multiply, divide, HI/LO
        c = r.random()
        if c < 0.4:
            return [r_type(r.choice([0x18, 0x19, 0x1A, 0x1B]), rs, rt)]
        if c < 0.6:
            return [r_type(r.choice([0x10, 0x12]), rd=rd), r_type(r.choice([0x11, 0x13]), rs)]
        if c < 0.8:
            return [0x70000000 | rs << 21 | rt << 16 | r.choice([0, 1, 4, 5])]  # madd...
        return [0x70000000 | rs << 21 | rt << 16 | rd << 11 | r.choice([2, 0x20, 0x21])]
    if k < 0.72:                              # loads and stores on the data area
        op = r.choice([0x20, 0x21, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2B, 0x22, 0x26, 0x2A, 0x2E,
                       0x23, 0x2B])
        off = r.randrange(0, 4096, 4) + (r.choice([0, 0, 0, 0, 1, 2, 3]) if op not in
                                           (0x22, 0x26, 0x2A, 0x2E) else r.randint(0, 3))
        return [i_type(op, BASE, rt, off)]
    if k < 0.74:                              # movz/movn, clz/clo
        if r.random() < 0.5:
            return [r_type(r.choice([0x0A, 0x0B]), rs, r.choice(REGS + [0]), rd)]
        return [0x70000000 | rs << 21 | rd << 16 | rd << 11 | r.choice([0x20, 0x21])]
    if k < 0.76:                              # traps
        return [r_type(r.choice([0x30, 0x31, 0x32, 0x33, 0x34, 0x36]), rs, rt)]
    if k < 0.78:                              # harmless CP0: read Count/Status/EPC, write EPC
        if r.random() < 0.7:
            return [mfc0(rd, r.choice([9, 12, 14, 8, 13]))]
        return [mtc0(rt, 14)]
    if k < 0.79 and pos + 1 < body_len:       # self-modifying: a valid word into the body
        word = gen_insn(r, body_len, pos, False)[0]
        tgt = BODY + 4 * r.randint(0, body_len - 1)
        return li(SMC_VAL, word) + li(SMC_ADDR, tgt) + [mkelf.sw(SMC_VAL, 0, SMC_ADDR)]
    if allow_branch and k < 0.97:             # branches: forward, with a random slot
        slot = gen_insn(r, body_len, pos, False)[0] if r.random() < 0.8 else NOP
        skip = r.randint(0, 4)
        c = r.random()
        if c < 0.08:                          # a call to the leaf function and back
            if r.random() < 0.5:
                return [0x0C000000 | ((FUNC >> 2) & 0x03FFFFFF), slot]           # jal
            return li(CALL, FUNC) + [r_type(0x09, CALL, 0, 31), slot]            # jalr
        if c < 0.12:
            return [0x08000000 | (((BODY + 4 * (pos + 2 + skip)) >> 2) & 0x03FFFFFF), slot]
        op = r.choice([0x04, 0x05, 0x06, 0x07, 0x14, 0x15, 0x16, 0x17, 1])
        if op == 1:
            rt_ = r.choice([0, 1, 2, 3, 0x10, 0x11, 0x12, 0x13])
            return [i_type(1, rs, rt_, skip + 1), slot]
        return [i_type(op, rs, r.choice(REGS + [0]), skip + 1), slot]
    return [r_type(0x21, rs, rt, rd)]

def program(seed):
    r = random.Random(seed)
    n = r.randint(40, 160)
    body = []
    while len(body) < n:
        body += gen_insn(r, n, len(body))
    body += [NOP] * 6                         # forward branches land inside
    # A leaf function: a few instructions, then return (its own delay slot random too).
    func = []
    for _ in range(r.randint(1, 6)):
        func += gen_insn(r, 1, 0, False)
    # The return's slot cannot fault: the handler would resume at the slot as a plain
    # instruction (EPC = the jr, + 4), fault again and run off the function's end.
    func += [mkelf.jr(31), r_type(0x21, r.choice(REGS), r.choice(REGS), r.choice(REGS))]
    iters = r.randint(3, 12)
    period = r.choice([1009, 2003, 5003, 20011])   # under the VMM, 233 livelocks
    h = handler()
    h[6] = 0x277B0000 | period
    start = [mkelf.MTC0_ZERO_STATUS, NOP]
    for reg in REGS:
        start += li(reg, r.getrandbits(32))
    start += li(BASE, DATA) + li(CNT, iters) + li(CALL, FUNC) + li(SMC_VAL, 0) + \
        li(SMC_ADDR, BODY)
    start += [mfc0(K1, 9), 0x277B0000 | period, mtc0(K1, 11)]     # Compare = Count + period
    start += li(K0, 0x8001) + [mtc0(K0, 12)]                       # Status: IE, IM7
    loop_at = BODY
    pad = (loop_at - 0x80100000) // 4 - len(start)
    assert pad >= 2, "prologue too long"
    start += [NOP] * pad
    end = [0x27DEFFFF,                                             # addiu cnt, cnt, -1
           0, 0]
    back = (loop_at - (BODY + 4 * (len(body) + 1) + 4)) // 4
    end[1] = mkelf.bne(CNT, 0, back)
    end[2] = NOP
    end += [mtc0(0, 12), NOP] + li(25, 1) + li(4, 0) + [mkelf.SDBBP1, NOP]
    return {0x80100000: start + body + end, 0x80000000: h, 0x80000180: h, FUNC: func,
            DATA: [r.getrandbits(32) for _ in range(1100)]}

if __name__ == "__main__":
    out, base, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for seed in range(base, base + count):
        with open("%s/j%010d.elf" % (out, seed), "wb") as f:
            f.write(mkelf.elf(program(seed)))
