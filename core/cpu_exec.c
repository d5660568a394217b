/* cpu_exec.c - the interpreter loop: the engine of every experiment.
 *
 * Direct-threaded dispatch over predecoded instructions: every handler ends in its own
 * indirect jump (computed goto). The program counter is implicit: d points at the current
 * predecoded instruction and its PC is fpage + 4 * (d - fbase). An instruction in sequence
 * continues with d + 1 and nothing else: no PC update, no counter, no check.
 *
 * Delay slots: a branch (taken or not) sets tgt, the instruction to run after the slot,
 * and dispatches the slot through slot_labels: every handler exists twice (cpu_insns.inc
 * is included twice), and the slot variant knows that it is in a delay slot (for EPC and
 * Cause.BD) and continues at tgt.
 *
 * Counting: instructions are counted per straight-line run, not one by one. run is the
 * first instruction of the current run and cnt the number dispatched before it; while d
 * runs, icount = cnt + (d - run) + 1. Each branch (when its slot completes) and each page
 * crossing closes the run, and only there is cnt compared with stop_at, the count at which
 * cpu_service_events must run (timer, interrupts, instruction limit). Runs are at most one
 * page long, so events are seen within 1026 instructions, always at the same point for the
 * same inputs. Slow paths that change translations or interrupt state kick the loop
 * (cpu_kick); the handler then closes the run at once (NEXT_RESOLVE).
 *
 * Two sentinels leave the fast path: the entry after the last instruction of a page
 * (page_end: continue on the next page) and `far` (continue at far_pc, looked up again: a
 * jump off the page, an exception vector, or after anything that changed translations). */
#include <string.h>

#include "bus.h"
#include "cpu.h"
#include "cpu_ops.h"
#include "mmu.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

const void *cpu_undecoded_handler;
const void *cpu_page_end_handler;

enum cpu_stop cpu_run(struct cpu *cpu)
{
    static void *const labels[OP_COUNT] = {
#define CPU_OP_LABEL(n) [OP_##n] = &&L_##n,
        CPU_OPS(CPU_OP_LABEL)
#undef CPU_OP_LABEL
    };
    static void *const slot_labels[OP_COUNT] = {
#define CPU_OP_LABEL(n) [OP_##n] = &&S_##n,
        CPU_OPS(CPU_OP_LABEL)
#undef CPU_OP_LABEL
    };
    uint32_t *const r = cpu->gpr;
    uint32_t fpage = TC_INVALID, fppn = 0, far_pc = 0;
    struct dinsn *fbase = NULL;
    struct dinsn far = { .h = &&L_FAR, .op = OP_FAR };
    const struct dinsn *d, *run = NULL, *tgt = NULL;
    struct tc_entry *tc;
    uint64_t cnt, stop_at;
    uint32_t res_pc, tgt_pc = 0;

    cpu_undecoded_handler = &&L_DECODE;
    cpu_page_end_handler = &&L_PAGE_END;

#define PC_OF(x) (fpage + (uint32_t)(((x) - fbase) << 2))
#define CUR_PC PC_OF(d)
#define TGT_PC() (tgt == &far ? far_pc : PC_OF(tgt))
#define RS r[d->rs]
#define RT r[d->rt]
#define TC_IDX(va) (((va) >> 12) & (TC_SIZE - 1))
/* &tc[TC_IDX(va)] with one shift: a tc_entry is 16 bytes. */
#define TC_ENTRY(va) ((struct tc_entry *)((char *)tc + (((va) >> 8) & ((TC_SIZE - 1) << 4))))
_Static_assert(sizeof(struct tc_entry) == 16, "TC_ENTRY assumes 16-byte entries");
_Static_assert(sizeof(struct dinsn) == 16, "BRANCH_TAKEN assumes 16-byte dinsns");
#define RELOAD_STOP() do { stop_at = cpu->icount_stop; tc = cpu->tc[cpu->tc_mode]; } while (0)
/* Continue at cpu->pc (an exception vector, an eret target), looked up again. */
#define RESTART() do { \
        cnt = cpu->icount; far_pc = cpu->pc; d = &far; run = d; RELOAD_STOP(); \
        if (unlikely(cnt >= stop_at)) goto events; \
        goto *d->h; } while (0)
/* The predecoded instruction at address t on the current page, or the far sentinel. */
#define TARGET(t) ((((t) ^ fpage) & 0xFFFFF003u) == 0 ? fbase + (((t) & 0xFFFu) >> 2) \
                                                       : (far_pc = (t), &far))
/* Close the run through d and continue at next (a dinsn pointer, or &far). */
#define CLOSE_RUN_TO(next) do { \
        cnt += (uint64_t)(d - run) + 1; d = (next); run = d; \
        if (unlikely(cnt >= stop_at)) goto events; \
        goto *d->h; } while (0)
#define PRIV() do { if (cpu->tc_mode < TC_KERNEL && !(cpu->cp0.status & ST_CU0)) { \
        struct cpu_exc e_ = { .code = EXC_CPU, .ce = 0 }; \
        SYNC(); cpu_raise(cpu, &e_); RESTART(); } } while (0)
#define EXC(code) do { SYNC(); cpu_raise_code(cpu, (code)); RESTART(); } while (0)
/* After a slow path that succeeded: a kick means translations or interrupt state changed. */
#define AFTER_SLOW() do { RELOAD_STOP(); if (unlikely(cpu->kick_pending)) NEXT_RESOLVE(); } while (0)
#define LOAD(T) do { \
        uint32_t va_ = RS + d->imm; struct tc_entry *e_ = TC_ENTRY(va_); \
        if (likely(e_->tag_r == (va_ & (0xFFFFF000u | (sizeof(T) - 1))))) { \
            T v_; memcpy(&v_, (const void *)(uintptr_t)(va_ + e_->addend), sizeof(T)); \
            r[d->rt] = (uint32_t)(int32_t)v_; cpu->n.tc_hits++; \
        } else { \
            uint32_t v_; SYNC(); \
            if (!cpu_load_slow(cpu, va_, sizeof(T), &v_)) RESTART(); \
            r[d->rt] = (uint32_t)(int32_t)(T)v_; \
            AFTER_SLOW(); \
        } } while (0)
#define STORE(T) do { \
        uint32_t va_ = RS + d->imm; struct tc_entry *e_ = TC_ENTRY(va_); \
        if (likely(e_->tag_w == (va_ & (0xFFFFF000u | (sizeof(T) - 1))))) { \
            T v_ = (T)RT; memcpy((void *)(uintptr_t)(va_ + e_->addend), &v_, sizeof(T)); \
            cpu->n.tc_hits++; \
        } else { \
            SYNC(); \
            if (!cpu_store_slow(cpu, va_, sizeof(T), RT)) RESTART(); \
            AFTER_SLOW(); \
        } } while (0)

    /* ---- instructions in sequence ---- */
#define V(name) L_##name
#define NEXT() do { d++; goto *d->h; } while (0)
#define SYNC() do { \
        cpu->pc = CUR_PC; cpu->npc = cpu->pc + 4; cpu->ds_pc = 1; \
        cpu->icount = cnt + (uint64_t)(d - run) + 1; } while (0)
#define NEXT_RESOLVE() do { \
        RELOAD_STOP(); far_pc = CUR_PC + 4; CLOSE_RUN_TO(&far); } while (0)
#define NO_SLOT() do { } while (0)
#define JUMP_TO(t) do { \
        uint32_t t_ = (t); tgt = TARGET(t_); d++; goto *slot_labels[d->op]; } while (0)
/* A PC-relative branch: the target is found by pointer arithmetic when it is on the page
 * (imm is the byte offset from the delay slot; a dinsn is 4 times as large as a word). */
#define BRANCH_TAKEN() do { \
        uintptr_t t_ = (uintptr_t)(d + 1) + (uintptr_t)((intptr_t)(int32_t)d->imm * 4); \
        if (likely(t_ - (uintptr_t)fbase < DPAGE_INSNS * sizeof(struct dinsn))) \
            tgt = (const struct dinsn *)t_; \
        else { far_pc = CUR_PC + 4 + d->imm; tgt = &far; } \
        d++; goto *slot_labels[d->op]; } while (0)
#define BRANCH(cond) do { \
        if (cond) BRANCH_TAKEN(); \
        tgt = d + 2; d++; goto *slot_labels[d->op]; } while (0)
#define BRANCH_LIKELY(cond) do { \
        if (cond) BRANCH_TAKEN(); \
        far_pc = CUR_PC + 8; CLOSE_RUN_TO(&far); } while (0)

    RESTART();

#include "cpu_insns.inc"

L_DECODE: {
        uint32_t w;
        struct dinsn *wd = (struct dinsn *)d;
        memcpy(&w, cpu->ram + ((size_t)fppn << 12) + ((size_t)(d - fbase) << 2), 4);
        cpu_decode(w, wd);
        wd->h = labels[wd->op];
        cpu->n.decoded_insns++;
        goto *d->h;
    }
L_PAGE_END:
    /* Sequential execution ran off the page: run..d-1 have run. */
    cnt += (uint64_t)(d - run);
    far_pc = fpage + 0x1000;
    d = &far;
    run = d;
    if (unlikely(cnt >= stop_at))
        goto events;
    /* fall through */
L_FAR:
    res_pc = far_pc;
    {
        const struct tc_fetch *f = &cpu->tf[cpu->tc_mode][TC_IDX(res_pc)];
        if (unlikely(f->tag != (res_pc & 0xFFFFF003u))) {
            cpu->pc = res_pc;
            cpu->npc = res_pc + 4;
            cpu->ds_pc = 1;
            cpu->icount = cnt;
            if (!cpu_fetch_slow(cpu, res_pc)) {
                if (cpu->stop)
                    goto out;
                RESTART();
            }
            RELOAD_STOP();
        }
        fpage = f->tag;
        fppn = f->ppn;
        fbase = f->base;
        d = fbase + ((res_pc & 0xFFFu) >> 2);
        run = d;
        goto *d->h;
    }

#undef V
#undef NEXT
#undef SYNC
#undef NEXT_RESOLVE
#undef NO_SLOT
#undef JUMP_TO
#undef BRANCH
#undef BRANCH_TAKEN
#undef BRANCH_LIKELY

    /* ---- instructions in a delay slot: continue at tgt ---- */
#define V(name) S_##name
#define NEXT() CLOSE_RUN_TO(tgt)
#define SYNC() do { \
        cpu->pc = CUR_PC; cpu->npc = TGT_PC(); cpu->ds_pc = cpu->pc; \
        cpu->icount = cnt + (uint64_t)(d - run) + 1; } while (0)
#define NEXT_RESOLVE() do { \
        RELOAD_STOP(); far_pc = TGT_PC(); CLOSE_RUN_TO(&far); } while (0)
#define NO_SLOT() EXC(EXC_RI)
#define JUMP_TO(t) do { (void)(t); EXC(EXC_RI); } while (0)
#define BRANCH_TAKEN() EXC(EXC_RI)
#define BRANCH(cond) do { (void)(cond); EXC(EXC_RI); } while (0)
#define BRANCH_LIKELY(cond) do { (void)(cond); EXC(EXC_RI); } while (0)

#include "cpu_insns.inc"

S_DECODE: {
        uint32_t w;
        struct dinsn *wd = (struct dinsn *)d;
        memcpy(&w, cpu->ram + ((size_t)fppn << 12) + ((size_t)(d - fbase) << 2), 4);
        cpu_decode(w, wd);
        wd->h = labels[wd->op];
        cpu->n.decoded_insns++;
        goto *slot_labels[d->op];
    }
S_PAGE_END:
    /* The delay slot is the first instruction of the next page. */
    cnt += (uint64_t)(d - run);
    tgt_pc = TGT_PC();
    res_pc = fpage + 0x1000;
    {
        const struct tc_fetch *f = &cpu->tf[cpu->tc_mode][TC_IDX(res_pc)];
        if (unlikely(f->tag != (res_pc & 0xFFFFF003u))) {
            cpu->pc = res_pc;
            cpu->npc = tgt_pc;
            cpu->ds_pc = res_pc;                 /* a fault here is in the delay slot */
            cpu->icount = cnt;
            if (!cpu_fetch_slow(cpu, res_pc)) {
                if (cpu->stop)
                    goto out;
                RESTART();
            }
            RELOAD_STOP();
        }
        fpage = f->tag;
        fppn = f->ppn;
        fbase = f->base;
        d = fbase + ((res_pc & 0xFFFu) >> 2);
        run = d;
        tgt = TARGET(tgt_pc);
        goto *slot_labels[d->op];
    }
S_FAR:
    goto L_FAR;                                  /* not reachable: far is never a slot */

events:
    /* d has not run; run == d. */
    cpu->pc = d == &far ? far_pc : PC_OF(d);
    cpu->npc = cpu->pc + 4;
    cpu->ds_pc = 1;
    cpu->icount = cnt;
    cpu_service_events(cpu);
    if (cpu->stop)
        goto out;
    /* Continue at cpu->pc (moved if an interrupt was taken), looked up again: the loop may
     * have been kicked because translations changed. */
    RESTART();

out:
    return cpu->stop;
}
