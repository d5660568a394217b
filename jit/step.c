/* step.c - the engine's single-step interpreter: one instruction at a time, state in the CPU.
 *
 * It runs what the compiled blocks do not: code that is not hot yet, the instructions around
 * an event (a stop inside a block's reach), a delay slot left pending by a stop, and the
 * instructions a block hands to a helper. The instruction bodies are the interpreter's own,
 * core/cpu_insns.inc, included a third time with macros that keep the state in struct cpu
 * (pc, npc, ds_pc, icount) instead of the interpreter's implicit PC and runs, so both
 * engines share one definition of every instruction.
 *
 * State before and after a step: cpu->pc is the next instruction; it is a delay slot iff
 * cpu->ds_pc == cpu->pc, and then cpu->npc is the branch's destination; otherwise
 * cpu->npc == cpu->pc + 4 and cpu->ds_pc == 1. cpu->icount counts the instructions before
 * cpu->pc. */
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/cpu_ops.h"
#include "core/cpu_priv.h"
#include "core/mmu.h"
#include "jit/jit_int.h"

int jit_step(struct cpu *cpu, const struct dinsn *d)
{
    uint32_t *const r = cpu->gpr;
    const uint32_t pc = cpu->pc;
    const uint32_t npc0 = cpu->npc;
    const int slot = cpu->ds_pc == pc;
    const uint64_t cnt = cpu->icount;
    struct tc_entry *const tc = cpu->tc[cpu->tc_mode];
    uint32_t target = 0;

#define V(name) case OP_##name
#define RS r[d->rs]
#define RT r[d->rt]
#define CUR_PC pc
/* The state of a dispatched instruction that calls out (the interpreter's SYNC). */
#define SYNC() do { \
        cpu->pc = pc; cpu->npc = slot ? npc0 : pc + 4; cpu->ds_pc = slot ? pc : 1; \
        cpu->icount = cnt + 1; } while (0)
#define NEXT() goto next
#define NEXT_RESOLVE() goto next_resolve
#define RESTART() goto restart
#define AFTER_SLOW() do { } while (0)
#define NO_SLOT() do { if (slot) EXC(EXC_RI); } while (0)
/* A branch, eret or wait in a delay slot raises RI (after any link write, as the
 * interpreter's slot variants do). */
#define JUMP_TO(t) do { uint32_t t_ = (t); if (slot) EXC(EXC_RI); target = t_; goto branch; } \
    while (0)
#define JUMP_REGION(low28) JUMP_TO(((pc + 4) & 0xF0000000u) | (low28))
#define BRANCH(cond) do { int c_ = (cond); if (slot) EXC(EXC_RI); \
        target = c_ ? pc + 4 + d->imm : pc + 8; goto branch; } while (0)
#define BRANCH_LIKELY(cond) do { int c_ = (cond); if (slot) EXC(EXC_RI); \
        if (!c_) goto skip_slot; \
        target = pc + 4 + d->imm; goto branch; } while (0)
#define LOAD_VA(T, va, out) do { \
        uint32_t va_ = (va); struct tc_entry *e_ = &tc[(va_ >> 12) & (TC_SIZE - 1)]; \
        if (((e_->tag_r ^ va_) & (0xFFFFF000u | (sizeof(T) - 1))) == 0) { \
            T v_; memcpy(&v_, (const void *)(uintptr_t)(va_ + e_->addend), sizeof(T)); \
            r[d->rt] = (out) = (uint32_t)(int32_t)v_; cpu->n.tc_hits++; \
        } else { \
            uint32_t v_; SYNC(); \
            if (!cpu_load_slow(cpu, va_, sizeof(T), &v_)) RESTART(); \
            r[d->rt] = (out) = (uint32_t)(int32_t)(T)v_; \
        } } while (0)
#define LOAD(T) do { uint32_t o_; LOAD_VA(T, RS + d->imm, o_); (void)o_; } while (0)
#define STORE(T) do { \
        uint32_t va_ = RS + d->imm; struct tc_entry *e_ = &tc[(va_ >> 12) & (TC_SIZE - 1)]; \
        if (((e_->tag_w ^ va_) & (0xFFFFF000u | (sizeof(T) - 1))) == 0) { \
            T v_ = (T)RT; memcpy((void *)(uintptr_t)(va_ + e_->addend), &v_, sizeof(T)); \
            cpu->n.tc_hits++; \
        } else { \
            SYNC(); \
            if (!cpu_store_slow(cpu, va_, sizeof(T), RT)) RESTART(); \
        } } while (0)

    switch (d->op) {
#include "core/cpu_insns.inc"
    default:
        abort();                                /* the dispatcher decodes before a step */
    }

next:
    /* Done; in sequence, or at the branch's destination after a delay slot. */
    cpu->icount = cnt + 1;
    if (slot) {
        cpu->pc = npc0;
        cpu->npc = npc0 + 4;
        cpu->ds_pc = 1;
        return STEP_HEAD;
    }
    cpu->pc = pc + 4;
    cpu->npc = pc + 8;
    cpu->ds_pc = 1;
    return (pc & 0xFFF) == 0xFFC ? STEP_HEAD : STEP_SEQ;
next_resolve:
    /* Done, and translations or interrupt state may have changed: the interpreter ends its
     * run here, so the next instruction starts one. */
    cpu->icount = cnt + 1;
    cpu->pc = slot ? npc0 : pc + 4;
    cpu->npc = cpu->pc + 4;
    cpu->ds_pc = 1;
    return STEP_HEAD;
branch:
    /* A branch or jump: its delay slot comes next, then target. */
    cpu->icount = cnt + 1;
    cpu->pc = pc + 4;
    cpu->npc = target;
    cpu->ds_pc = pc + 4;
    return STEP_SEQ;
skip_slot:
    /* A branch-likely not taken: the delay slot is nullified. */
    cpu->icount = cnt + 1;
    cpu->pc = pc + 8;
    cpu->npc = pc + 12;
    cpu->ds_pc = 1;
    return STEP_HEAD;
restart:
    /* An exception or eret set cpu->pc (and the count). */
    return STEP_HEAD;
out:
    return STEP_OUT;

#undef V
#undef RS
#undef RT
#undef CUR_PC
#undef SYNC
#undef NEXT
#undef NEXT_RESOLVE
#undef RESTART
#undef AFTER_SLOW
#undef EXC
#undef PRIV
#undef NO_SLOT
#undef JUMP_TO
#undef JUMP_REGION
#undef BRANCH
#undef BRANCH_LIKELY
#undef LOAD_VA
#undef LOAD
#undef STORE
}
