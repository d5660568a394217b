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

/* A store of any width the ISA has (sb/sh/sw/swl/swr/sc), as the change it makes to the
 * aligned word that holds it (little-endian): new word = (old & ~mask) | value. A
 * hypervisor that write-protects memory the guest stores to (shadow page tables) finishes
 * the store with this, whatever its width, instead of letting it run again. */
struct emul_store {
    uint32_t va;        /* effective address as the instruction computes it (BadVAddr) */
    uint32_t word_va;   /* va & ~3: the word changed */
    uint32_t mask;      /* the bytes of the word the store writes */
    uint32_t value;     /* their new values, in place (value & ~mask == 0) */
    int sc;             /* sc: on success the VMM writes 1 to sc_reg and clears LLbit */
    unsigned sc_reg;    /* sc: its rt (REG_SINK for $zero) */
};

/* Decodes insn as a store with the register values in gpr, with the interpreter's merge
 * rules for swl/swr (core/cpu_insns.inc). Returns 0, or -1 if it is not a store. (An sc
 * whose LLbit is clear stores nothing and never faults: the caller sees only the sc that
 * succeeds.) */
int emul_decode_store(uint32_t insn, const uint32_t *gpr, struct emul_store *s);

/* The word at s->word_va after the store, given the word old that was there. */
static inline uint32_t emul_store_merge(const struct emul_store *s, uint32_t old)
{
    return (old & ~s->mask) | s->value;
}

/* Completes a load: writes raw (the size bytes read) into the destination register with the
 * load's sign or zero extension. */
void emul_finish_load(const struct emul_mem *m, uint32_t raw, uint32_t *gpr);

#endif
