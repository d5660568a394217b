/* emul.h - instruction emulation helpers for the VMM's trap-and-emulate paths.
 *
 * When a guest access traps to the VMM (a device register behind a page the VMM never
 * maps), the VMM must finish the instruction itself. These helpers decode with the
 * interpreter's own decoder (cpu_decode), so the VMM and the CPU cannot disagree on what an
 * instruction means. Registers are a CPU register file of 33 words: gpr[32] is the sink
 * that absorbs writes to $zero (cpu_ops.h).
 *
 * After emulating the instruction at cpu->pc, the VMM continues at cpu->npc: when the
 * trapping instruction sat in a delay slot, the interpreter has already put the branch's
 * destination there (and the branch's link register was written when the branch ran), so
 * no branch needs evaluating again. */
#ifndef TLBVISOR_EMUL_H
#define TLBVISOR_EMUL_H

#include <stdint.h>

/* A load or store: lb/lbu/lh/lhu/lw/sb/sh/sw (lwl/lwr/swl/swr/ll/sc are not device
 * accesses and are refused). */
struct emul_mem {
    int store;          /* 1 for a store */
    unsigned size;      /* 1, 2 or 4 bytes */
    int sign;           /* loads: sign-extend */
    unsigned reg;       /* loads: destination register (32 for $zero); stores: source */
    uint32_t va;        /* effective address */
    uint32_t value;     /* stores: the bytes to write (low size bytes of the register) */
};

/* Decodes insn as a load or store with the register values in gpr. Returns 0, or -1 if it
 * is not one of the simple loads and stores. */
int emul_decode_mem(uint32_t insn, const uint32_t *gpr, struct emul_mem *m);

/* Completes a load: writes raw (the size bytes read) into the destination register with the
 * load's sign or zero extension. */
void emul_finish_load(const struct emul_mem *m, uint32_t raw, uint32_t *gpr);

#endif
