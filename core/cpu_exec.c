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
 * Fused pairs: a decoded instruction may get a fused handler (F_*) that also runs the next
 * instruction (cpu_fuse picks the pairs). Only dispatch in sequence uses it; a fused pair
 * is split while an event breakpoint sits on its second instruction (plant, DISARM) and for
 * good when that instruction is forgotten (cpu_mem.c), also by the pair's own first half
 * (SPLIT_CHECK).
 *
 * Counting: instructions are counted per straight-line run, not one by one, as one biased
 * pointer: kb = 16 * (instructions before the run) - (uintptr_t)(its first dinsn), so the
 * count before an instruction x of the run is CNT_AT(x) = (kb + x) / 16 and SYNC sets
 * icount = CNT_AT(d) + 1. A run ends at each taken branch, page crossing and exception; a
 * taken branch closes it through the delay slot before it dispatches the slot (TAKE: kb
 * then refers to the target), a branch not taken leaves it running. At the start of a run
 * (RUN_START; for a branch target, in TAKE) the count is compared with stop, the count at
 * which cpu_service_events must run (timer, interrupts, the instruction limit); only when
 * stop falls within reach of this run (RUN_MAX) is anything done (run_start; after a delay
 * slot, through the check sentinel chk): an event breakpoint is planted on the exact
 * instruction at which icount reaches stop (its handler and op are swapped for EVENT_BP,
 * and put back when the run ends), so events are exact to the instruction at no cost per
 * instruction. stop_lim is the value the run-start test compares 16 * count with:
 * run_limit(stop), or 0 while a breakpoint is planted, so that the end of the run removes
 * it. Slow paths that change translations or interrupt state kick the loop (cpu_kick); the
 * handler then ends the run at once (NEXT_RESOLVE).
 *
 * Three sentinels leave the fast path: the entry after the last instruction of a page
 * (page_end: continue on the next page), `far` (continue at far_pc, looked up again: a
 * jump off the page, an exception vector, or after anything that changed translations)
 * and `chk` (after a delay slot: the run-start test, then tgt_real). */
#include <string.h>

#include "bus.h"
#include "cpu.h"
#include "cpu_engine.h"
#include "cpu_ops.h"
#include "cpu_priv.h"
#include "mmu.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

const void *cpu_undecoded_handler;
const void *const *cpu_handlers;
const void *cpu_page_end_handler;

/* The longest run: a page of instructions plus a delay slot. */
#define RUN_MAX (DPAGE_INSNS + 2)

/* The run-start test is 16 * cnt >= run_limit(stop), i.e. cnt + RUN_MAX >= stop: a run that
 * starts with cnt instructions before it may reach stop. No count reaches 2^58. cpu_run
 * keeps run_limit(cpu->run_stop) in run_lim. */
static inline uint64_t run_limit(uint64_t stop)
{
    if (stop <= RUN_MAX)
        return 0;
    stop -= RUN_MAX;
    return (stop < (1ull << 58) ? stop : 1ull << 58) << 4;
}

enum cpu_stop cpu_interp_run(struct cpu *cpu)
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
    static void *const fused_labels[FUSE_COUNT] = {
        [FUSE_NONE] = NULL,
#define CPU_FUSE_LABEL(n) [FUSE_##n] = &&F_##n,
        CPU_FUSED(CPU_FUSE_LABEL)
#undef CPU_FUSE_LABEL
    };
    uint32_t *const r = cpu->gpr;
    uint32_t fpage = 0, fppn = 0, far_pc = 0;
    struct dinsn *fbase = NULL;
    struct dinsn far = { .h = &&L_FAR, .op = OP_FAR };
    struct dinsn chk = { .h = &&L_CHK, .op = OP_FAR };
    const struct dinsn *d, *tgt = NULL, *tgt_real = NULL;
    struct tc_entry *tc;
    uint64_t kb = 0, cnt, stop_lim, run_lim = run_limit(cpu->run_stop);
    uint32_t res_pc, tgt_pc = 0;
    /* The planted event breakpoint and what it replaced live in cpu->bp*: they are only
     * touched off the fast path, so they stay out of the registers. */

    cpu_undecoded_handler = &&L_DECODE;
    cpu_handlers = (const void *const *)labels;
    cpu_page_end_handler = &&L_PAGE_END;

#define PC_OF(x) (fpage + (uint32_t)(((x) - fbase) << 2))
#define CUR_PC PC_OF(d)
/* The instruction after the delay slot: tgt, unless tgt is the check sentinel. */
#define TGT_REAL (tgt == &chk ? tgt_real : tgt)
#define TGT_PC() (TGT_REAL == &far ? far_pc : PC_OF(TGT_REAL))
#define RS r[d->rs]
#define RT r[d->rt]
#define TC_IDX(va) (((va) >> 12) & (TC_SIZE - 1))
/* &tc[TC_IDX(va)] with one shift: a tc_entry is 16 bytes. */
#define TC_ENTRY(va) ((struct tc_entry *)((char *)tc + (((va) >> 8) & ((TC_SIZE - 1) << 4))))
_Static_assert(sizeof(struct tc_entry) == 16, "TC_ENTRY assumes 16-byte entries");
_Static_assert(sizeof(struct dinsn) == 16, "BRANCH_TAKEN assumes 16-byte dinsns");
/* The instruction count before x, for x on the current run (or the run's target). */
#define CNT_AT(x) ((kb + (uintptr_t)(x)) >> 4)
#define SET_CNT(x, c) (kb = ((uint64_t)(c) << 4) - (uintptr_t)(x))
#define RELOAD_STOP() do { \
        if (cpu->run_stop != cpu->icount_stop) { \
            cpu->run_stop = cpu->icount_stop; run_lim = run_limit(cpu->run_stop); \
        } \
        stop_lim = cpu->bp ? 0 : run_lim; \
        tc = cpu->tc[cpu->tc_mode]; } while (0)
#define DISARM() do { \
        struct dinsn *b_ = cpu->bp; \
        if (b_) { \
            if (b_->h == &&L_EVENT_BP) { b_->h = cpu->bp_h; b_->op = cpu->bp_op; } \
            cpu->bp = NULL; \
        } \
        b_ = cpu->bp_prev; \
        if (b_) { \
            if (b_->h == labels[b_->op]) b_->h = cpu->bp_prev_h; \
            cpu->bp_prev = NULL; \
        } \
        stop_lim = run_lim; } while (0)
/* Makes pc's page the current one and d the instruction at pc, starting a run with cnt
 * instructions before it; raises the fetch exception (with cpu->npc = npc_ and
 * cpu->ds_pc = ds_) if pc cannot be fetched. */
#define FETCH_PAGE(npc_, ds_) do { \
        const struct tc_fetch *f_ = &cpu->tf[cpu->tc_mode][TC_IDX(res_pc)]; \
        if (unlikely(f_->tag != (res_pc & 0xFFFFF003u))) { \
            cpu->pc = res_pc; cpu->npc = (npc_); cpu->ds_pc = (ds_); cpu->icount = cnt; \
            if (!cpu_fetch_slow(cpu, res_pc)) { \
                if (cpu->stop) \
                    goto out; \
                RESTART(); \
            } \
            RELOAD_STOP(); \
        } \
        fpage = f_->tag; fppn = f_->ppn; fbase = f_->base; \
        d = fbase + ((res_pc & 0xFFFu) >> 2); SET_CNT(d, cnt); } while (0)
/* Gives a (plain, on the page, followed by a decoded b on the page) its fused handler. */
#define FUSE(a, b) do { \
        int k_ = (a)->h == labels[(a)->op] ? cpu_fuse((a), (b)) : FUSE_NONE; \
        if (k_ != FUSE_NONE) (a)->h = fused_labels[k_]; } while (0)
/* Decodes the instruction at d (on the current page) in place, and fuses it with its
 * neighbours where a fused handler exists. */
#define DECODE_HERE() do { \
        uint32_t w_; \
        struct dinsn *wd_ = (struct dinsn *)d; \
        memcpy(&w_, cpu->ram + ((size_t)fppn << 12) + ((size_t)(d - fbase) << 2), 4); \
        cpu_decode(w_, wd_); \
        wd_->h = labels[wd_->op]; \
        if (wd_ > fbase) FUSE(wd_ - 1, wd_); \
        if (wd_ < fbase + (DPAGE_INSNS - 1)) FUSE(wd_, wd_ + 1); \
        cpu->n.decoded_insns++; } while (0)
/* State for an event before d runs, d in sequence (or &far). */
#define SYNC_BEFORE() do { \
        cpu->pc = d == &far ? far_pc : PC_OF(d); cpu->npc = cpu->pc + 4; cpu->ds_pc = 1; \
        cpu->icount = CNT_AT(d); } while (0)
/* A run starts at d (a dinsn, or &far when it must be looked up first). */
#define RUN_START() do { \
        if (unlikely(kb + (uintptr_t)d >= stop_lim)) goto run_start; \
        goto *d->h; } while (0)
/* Continue at cpu->pc (an exception vector, an eret target), looked up again. */
#define RESTART() do { \
        DISARM(); SET_CNT(&far, cpu->icount); far_pc = cpu->pc; d = &far; RELOAD_STOP(); \
        RUN_START(); } while (0)
/* The predecoded instruction at address t on the current page, or the far sentinel. */
#define TARGET(t) ((((t) ^ fpage) & 0xFFFFF003u) == 0 ? fbase + (((t) & 0xFFFu) >> 2) \
                                                       : (far_pc = (t), &far))
/* Plants the event breakpoint on the instruction at which icount reaches stop, if it lies
 * on this page after run_at (the first instruction of a run, which has cnt_ before it). */
#define plant(run_at, cnt_) do { \
        uint64_t k_ = cpu->run_stop - (cnt_); \
        if (k_ < RUN_MAX && (uint64_t)((run_at) - fbase) + k_ < DPAGE_INSNS) { \
            struct dinsn *b_ = (struct dinsn *)(run_at) + k_; \
            cpu->bp = b_; cpu->bp_h = b_->h; cpu->bp_op = b_->op; \
            b_->h = &&L_EVENT_BP; b_->op = OP_EVENT_BP; stop_lim = 0; \
            if (b_ > fbase && b_[-1].h != labels[b_[-1].op]) { \
                cpu->bp_prev = b_ - 1; cpu->bp_prev_h = b_[-1].h; \
                b_[-1].h = labels[b_[-1].op]; \
            } \
        } } while (0)
/* Close the run through d and continue at next (a dinsn pointer, or &far). */
#define CLOSE_RUN_TO(next) do { \
        kb += (uintptr_t)d + sizeof(struct dinsn) - (uintptr_t)(next); d = (next); \
        RUN_START(); } while (0)
/* A branch at d transfers control to t (a dinsn pointer, or &far) after its delay slot:
 * the run is closed through the slot before the slot runs, and the slot continues at tgt.
 * When the new run needs the run-start test, the slot continues at the check sentinel. */
#define TAKE(t) do { \
        const struct dinsn *to_ = (t); \
        uint64_t c_ = kb + (uintptr_t)d + 2 * sizeof(struct dinsn); \
        kb = c_ - (uintptr_t)to_; tgt = to_; \
        if (unlikely(c_ >= stop_lim)) { tgt_real = to_; tgt = &chk; } \
        d++; goto *slot_labels[d->op]; } while (0)
/* After a slow path that succeeded: a kick means translations or interrupt state changed;
 * a stop moved within reach (cycles charged by a page walk) means the run must be re-planned. */
#define AFTER_SLOW() do { \
        if (unlikely(cpu->kick_pending || \
                     (cpu->icount_stop != cpu->run_stop && \
                      CUR_CNT + RUN_MAX >= cpu->icount_stop))) \
            NEXT_RESOLVE(); \
        RELOAD_STOP(); } while (0)
/* After a slow path of the first half of a fused pair: if the slow path wrote over the
 * second instruction (a store to code, a walker A/D update), the pair was split, and the
 * second must be dispatched afresh. A load or store handler goes on with NEXT anyway, so
 * the test is right for every handler. */
#define SPLIT_CHECK() do { if (d->h == labels[d->op]) NEXT(); } while (0)
/* Loads rt from va; out gets the value too. */
#define LOAD_VA(T, va, out) do { \
        uint32_t va_ = (va); struct tc_entry *e_ = TC_ENTRY(va_); \
        if (likely(((e_->tag_r ^ va_) & (0xFFFFF000u | (sizeof(T) - 1))) == 0)) { \
            T v_; memcpy(&v_, (const void *)(uintptr_t)(va_ + e_->addend), sizeof(T)); \
            r[d->rt] = (out) = (uint32_t)(int32_t)v_; cpu->n.tc_hits++; \
        } else { \
            uint32_t v_; SYNC(); \
            if (!cpu_load_slow(cpu, va_, sizeof(T), &v_)) RESTART(); \
            r[d->rt] = (out) = (uint32_t)(int32_t)(T)v_; \
            AFTER_SLOW(); SPLIT_CHECK(); \
        } } while (0)
#define LOAD(T) do { uint32_t o_; LOAD_VA(T, RS + d->imm, o_); (void)o_; } while (0)
#define STORE(T) STORE_VA(T, RS + d->imm)
#define STORE_VA(T, va) do { \
        uint32_t va_ = (va); struct tc_entry *e_ = TC_ENTRY(va_); \
        if (likely(((e_->tag_w ^ va_) & (0xFFFFF000u | (sizeof(T) - 1))) == 0)) { \
            T v_ = (T)RT; memcpy((void *)(uintptr_t)(va_ + e_->addend), &v_, sizeof(T)); \
            cpu->n.tc_hits++; \
        } else { \
            SYNC(); \
            if (!cpu_store_slow(cpu, va_, sizeof(T), RT)) RESTART(); \
            AFTER_SLOW(); SPLIT_CHECK(); \
        } } while (0)

    /* ---- instructions in sequence ---- */
#define V(name) L_##name
#define NEXT() do { d++; goto *d->h; } while (0)
#define CUR_CNT CNT_AT(d)
#define SYNC() do { \
        cpu->pc = CUR_PC; cpu->npc = cpu->pc + 4; cpu->ds_pc = 1; \
        cpu->icount = CNT_AT(d) + 1; } while (0)
#define NEXT_RESOLVE() do { \
        RELOAD_STOP(); far_pc = CUR_PC + 4; CLOSE_RUN_TO(&far); } while (0)
#define NO_SLOT() do { } while (0)
#define JUMP_TO(t) do { uint32_t j_ = (t); TAKE(TARGET(j_)); } while (0)
/* A PC-relative branch: the target is found by pointer arithmetic when it is on the page
 * (imm is the byte offset from the delay slot; a dinsn is 4 times as large as a word). */
#define BRANCH_TAKEN() do { \
        uintptr_t t_ = (uintptr_t)(d + 1) + (uintptr_t)((intptr_t)(int32_t)d->imm * 4); \
        if (likely(t_ - (uintptr_t)fbase < DPAGE_INSNS * sizeof(struct dinsn))) \
            TAKE((const struct dinsn *)t_); \
        far_pc = CUR_PC + 4 + d->imm; TAKE(&far); } while (0)
/* Not taken: the run goes on through the slot (tgt = the instruction after it). */
#define BRANCH(cond) do { \
        if (cond) BRANCH_TAKEN(); \
        tgt = d + 2; d++; goto *slot_labels[d->op]; } while (0)
/* j/jal: the target keeps the 256 MiB region of the delay slot; when the slot is on this
 * page, that is fpage's region, and a target on this page is found without the PC. */
#define JUMP_REGION(low28) do { \
        uint32_t l_ = (low28); \
        if (likely(((l_ ^ fpage) & 0x0FFFF000u) == 0 && d < fbase + (DPAGE_INSNS - 1))) { \
            TAKE(fbase + ((l_ & 0xFFFu) >> 2)); } \
        JUMP_TO(((CUR_PC + 4) & 0xF0000000u) | l_); } while (0)
#define BRANCH_LIKELY(cond) do { \
        if (cond) BRANCH_TAKEN(); \
        far_pc = CUR_PC + 8; CLOSE_RUN_TO(&far); } while (0)

    RELOAD_STOP();
    if (cpu->ds_pc == cpu->pc) {
        /* Stopped between a branch and its delay slot: resume with the branch pending. */
        cnt = cpu->icount;
        res_pc = cpu->pc;
        tgt_pc = cpu->npc;
        goto resolve_slot;
    }
    RESTART();

#include "cpu_insns.inc"

L_DECODE:
    DECODE_HERE();
    goto *d->h;
L_PAGE_END:
    /* Sequential execution ran off the page: the run through d-1 has run. */
    kb += (uintptr_t)d - (uintptr_t)&far;
    far_pc = fpage + 0x1000;
    d = &far;
    DISARM();
    RUN_START();
L_FAR:
    cnt = CNT_AT(d);
    res_pc = far_pc;
    FETCH_PAGE(res_pc + 4, 1);
    RUN_START();

L_EVENT_BP:
    /* icount has reached stop before d runs. */
    DISARM();
    SYNC_BEFORE();
    goto service;
L_CHK:
    /* A delay slot has run; the run that starts at its branch's target needs the test. */
    d = tgt_real;
    RUN_START();

    /* ---- fused pairs, in sequence only: the first instruction's result goes straight to
     * the second (cpu_fuse says which operand); each half behaves as its own handler. ---- */
F_ADDU_LW: { uint32_t v = RS + RT, o; r[d->rd] = v; d++; LOAD_VA(uint32_t, v + d->imm, o); NEXT(); }
F_ADDU_LBU: { uint32_t v = RS + RT, o; r[d->rd] = v; d++; LOAD_VA(uint8_t, v + d->imm, o); NEXT(); }
F_ADDIU_ADDU: { uint32_t v = RS + d->imm; r[d->rt] = v; d++; r[d->rd] = v + RT; NEXT(); }
F_SLL_ADDU: { uint32_t v = RT << d->imm; r[d->rd] = v; d++; r[d->rd] = RS + v; NEXT(); }
F_LW_SLT: { uint32_t o; LOAD_VA(uint32_t, RS + d->imm, o); d++;
        r[d->rd] = (int32_t)o < (int32_t)RT; NEXT(); }
F_XOR_SLL: { uint32_t v = RS ^ RT; r[d->rd] = v; d++; r[d->rd] = v << d->imm; NEXT(); }
F_ADDIU_SLTU: { uint32_t v = RS + d->imm; r[d->rt] = v; d++; r[d->rd] = v < RT; NEXT(); }
F_ORI_SLTU: { uint32_t v = RS | d->imm; r[d->rt] = v; d++; r[d->rd] = v < RT; NEXT(); }
F_SLT_BEQZ: { uint32_t v = (int32_t)RS < (int32_t)RT; r[d->rd] = v; d++; BRANCH(v == 0); }
F_SLT_BNEZ: { uint32_t v = (int32_t)RS < (int32_t)RT; r[d->rd] = v; d++; BRANCH(v != 0); }
F_SLTU_BEQZ: { uint32_t v = RS < RT; r[d->rd] = v; d++; BRANCH(v == 0); }
F_SLTU_BNEZ: { uint32_t v = RS < RT; r[d->rd] = v; d++; BRANCH(v != 0); }
F_SLTIU_BEQZ: { uint32_t v = RS < d->imm; r[d->rt] = v; d++; BRANCH(v == 0); }
F_SLTIU_BNEZ: { uint32_t v = RS < d->imm; r[d->rt] = v; d++; BRANCH(v != 0); }
F_SLL_ORI: { uint32_t v = RT << d->imm; r[d->rd] = v; d++; r[d->rt] = v | d->imm; NEXT(); }
F_SLL_XOR: { uint32_t v = RT << d->imm; r[d->rd] = v; d++; r[d->rd] = v ^ RT; NEXT(); }
F_SLT_MOVN: { uint32_t v = (int32_t)RS < (int32_t)RT; r[d->rd] = v; d++;
        if (v != 0) r[d->rd] = RS;
        NEXT(); }
F_LW_JR: { uint32_t o; LOAD_VA(uint32_t, RS + d->imm, o); d++; JUMP_TO(o); }
F_ADDIU_SW: { uint32_t v = RS + d->imm; r[d->rt] = v; d++; STORE_VA(uint32_t, v + d->imm); NEXT(); }
F_MOVE_LW: { uint32_t v = RS, o; r[d->rd] = v; d++; LOAD_VA(uint32_t, v + d->imm, o); NEXT(); }
F_ANDI_XOR: { uint32_t v = RS & d->imm; r[d->rt] = v; d++; r[d->rd] = v ^ RT; NEXT(); }
    /* Independent pairs: one dispatch fewer. */
F_SW_SW: STORE(uint32_t); d++; STORE(uint32_t); NEXT();
F_LW_LW: LOAD(uint32_t); d++; LOAD(uint32_t); NEXT();
F_LW_SLL: LOAD(uint32_t); d++; r[d->rd] = RT << d->imm; NEXT();
F_LW_SRL: LOAD(uint32_t); d++; r[d->rd] = RT >> d->imm; NEXT();
F_LBU_ANDI: LOAD(uint8_t); d++; r[d->rt] = RS & d->imm; NEXT();
F_SLL_ADDIU: r[d->rd] = RT << d->imm; d++; r[d->rt] = RS + d->imm; NEXT();
F_ADDU_ADDIU: r[d->rd] = RS + RT; d++; r[d->rt] = RS + d->imm; NEXT();
F_SW_SLL: STORE(uint32_t); d++; r[d->rd] = RT << d->imm; NEXT();
F_SRL_BNE: r[d->rd] = RT >> d->imm; d++; BRANCH(RS != RT);
F_ADDIU_ADDIU: r[d->rt] = RS + d->imm; d++; r[d->rt] = RS + d->imm; NEXT();
    /* A branch and its delay slot: the branch's condition, link and target are taken before
     * the slot runs, as the architecture orders them; the slot cannot fault. */
#define SLOT_NOP do { } while (0)
#define SLOT_MOVE r[d->rd] = RS
#define SLOT_ADDIU r[d->rt] = RS + d->imm
#define SLOT_ADDU r[d->rd] = RS + RT
#define SLOT_XOR r[d->rd] = RS ^ RT
/* A PC-relative branch at d and its slot. */
#define BRANCH_SLOT(cond, slot) do { \
        if (cond) { \
            const struct dinsn *to_; \
            uintptr_t t_ = (uintptr_t)(d + 1) + (uintptr_t)((intptr_t)(int32_t)d->imm * 4); \
            if (likely(t_ - (uintptr_t)fbase < DPAGE_INSNS * sizeof(struct dinsn))) \
                to_ = (const struct dinsn *)t_; \
            else { far_pc = CUR_PC + 4 + d->imm; to_ = &far; } \
            d++; slot; CLOSE_RUN_TO(to_); \
        } \
        d++; slot; NEXT(); } while (0)
/* j/jal at d (the slot is on this page) and its slot. */
#define JUMP_SLOT(low28, slot) do { \
        uint32_t l_ = (low28); const struct dinsn *to_; \
        if (likely(((l_ ^ fpage) & 0x0FFFF000u) == 0)) to_ = fbase + ((l_ & 0xFFFu) >> 2); \
        else { uint32_t j_ = ((CUR_PC + 4) & 0xF0000000u) | l_; to_ = TARGET(j_); } \
        d++; slot; CLOSE_RUN_TO(to_); } while (0)
/* jr at d and its slot. */
#define JR_SLOT(slot) do { \
        uint32_t j_ = RS; const struct dinsn *to_ = TARGET(j_); \
        d++; slot; CLOSE_RUN_TO(to_); } while (0)
F_BEQ_NOP: BRANCH_SLOT(RS == RT, SLOT_NOP);
F_BEQ_MOVE: BRANCH_SLOT(RS == RT, SLOT_MOVE);
F_BEQ_ADDIU: BRANCH_SLOT(RS == RT, SLOT_ADDIU);
F_BEQ_ADDU: BRANCH_SLOT(RS == RT, SLOT_ADDU);
F_BNE_NOP: BRANCH_SLOT(RS != RT, SLOT_NOP);
F_BNE_MOVE: BRANCH_SLOT(RS != RT, SLOT_MOVE);
F_BNE_ADDIU: BRANCH_SLOT(RS != RT, SLOT_ADDIU);
F_BNE_ADDU: BRANCH_SLOT(RS != RT, SLOT_ADDU);
F_BNE_XOR: BRANCH_SLOT(RS != RT, SLOT_XOR);
F_B_NOP: BRANCH_SLOT(1, SLOT_NOP);
F_B_MOVE: BRANCH_SLOT(1, SLOT_MOVE);
F_B_ADDIU: BRANCH_SLOT(1, SLOT_ADDIU);
F_B_ADDU: BRANCH_SLOT(1, SLOT_ADDU);
F_J_NOP: JUMP_SLOT(d->imm, SLOT_NOP);
F_J_MOVE: JUMP_SLOT(d->imm, SLOT_MOVE);
F_J_ADDIU: JUMP_SLOT(d->imm, SLOT_ADDIU);
F_J_ADDU: JUMP_SLOT(d->imm, SLOT_ADDU);
F_JAL_NOP: r[31] = CUR_PC + 8; JUMP_SLOT(d->imm, SLOT_NOP);
F_JAL_MOVE: r[31] = CUR_PC + 8; JUMP_SLOT(d->imm, SLOT_MOVE);
F_JAL_ADDIU: r[31] = CUR_PC + 8; JUMP_SLOT(d->imm, SLOT_ADDIU);
F_JAL_ADDU: r[31] = CUR_PC + 8; JUMP_SLOT(d->imm, SLOT_ADDU);
F_JR_NOP: JR_SLOT(SLOT_NOP);
F_JR_MOVE: JR_SLOT(SLOT_MOVE);
F_JR_ADDIU: JR_SLOT(SLOT_ADDIU);
F_JR_ADDU: JR_SLOT(SLOT_ADDU);

#undef V
#undef NEXT
#undef CUR_CNT
#undef SYNC
#undef NEXT_RESOLVE
#undef NO_SLOT
#undef JUMP_TO
#undef BRANCH
#undef BRANCH_TAKEN
#undef JUMP_REGION
#undef BRANCH_LIKELY

    /* ---- instructions in a delay slot: continue at tgt ---- */
#define V(name) S_##name
/* The branch has closed the run through the slot: the count before TGT_REAL includes d. */
#define NEXT() do { d = tgt; goto *d->h; } while (0)
#define CUR_CNT (CNT_AT(TGT_REAL) - 1)
#define SYNC() do { \
        cpu->pc = CUR_PC; cpu->npc = TGT_PC(); cpu->ds_pc = cpu->pc; \
        cpu->icount = CNT_AT(TGT_REAL); } while (0)
#define NEXT_RESOLVE() do { \
        RELOAD_STOP(); far_pc = TGT_PC(); kb += (uintptr_t)TGT_REAL - (uintptr_t)&far; \
        d = &far; RUN_START(); } while (0)
#define NO_SLOT() EXC(EXC_RI)
#define JUMP_TO(t) do { (void)(t); EXC(EXC_RI); } while (0)
#define BRANCH_TAKEN() EXC(EXC_RI)
#define JUMP_REGION(low28) do { (void)(low28); EXC(EXC_RI); } while (0)
#define BRANCH(cond) do { (void)(cond); EXC(EXC_RI); } while (0)
#define BRANCH_LIKELY(cond) do { (void)(cond); EXC(EXC_RI); } while (0)

#include "cpu_insns.inc"

S_DECODE:
    DECODE_HERE();
    goto *slot_labels[d->op];
S_PAGE_END:
    /* The delay slot is the first instruction of the next page. */
    cnt = CNT_AT(TGT_REAL) - 1;
    tgt_pc = TGT_PC();
    res_pc = fpage + 0x1000;
    DISARM();
    goto resolve_slot;
S_EVENT_BP:
    /* icount has reached stop before the delay slot d runs. */
    DISARM();
    cnt = CNT_AT(TGT_REAL) - 1;
    goto service_slot;
S_FAR:
    goto L_FAR;                                  /* not reachable: far is never a slot */

resolve_slot: {
        /* Run the instruction at res_pc, with cnt instructions before it, as the delay slot
         * of a branch to tgt_pc; a fault fetching it is in the delay slot. */
        FETCH_PAGE(tgt_pc, res_pc);
        tgt = TARGET(tgt_pc);
        if (unlikely((cnt << 4) >= stop_lim)) {
            if (cnt >= cpu->run_stop)
                goto service_slot;
            plant(d, cnt);
        }
        goto slot_pending;
    }

service_slot: {
        /* d, a delay slot with cnt instructions before it, has not run; the branch to
         * TGT_REAL is pending. */
        cpu->pc = PC_OF(d);
        cpu->npc = TGT_PC();
        cpu->ds_pc = cpu->pc;
        cpu->icount = cnt;
        uint32_t pc_before = cpu->pc;
        cpu_service_events(cpu);
        if (cpu->stop)
            goto out;
        RELOAD_STOP();
        if (cpu->pc != pc_before)
            RESTART();                           /* an interrupt was taken: EPC = branch */
        cnt = cpu->icount;
        if (unlikely((cnt << 4) >= stop_lim))
            plant(d, cnt);
        goto slot_pending;
    }

slot_pending: {
        /* Run the delay slot d (cnt instructions before it) and then the run-start test at
         * the branch's target. */
        const struct dinsn *t_ = TGT_REAL;
        SET_CNT(t_, cnt + 1);
        tgt_real = t_;
        tgt = &chk;
        goto *slot_labels[d->op];
    }

run_start:
    /* A run starts at d, and stop is within reach. */
    DISARM();
    cnt = CNT_AT(d);
    if (cnt >= cpu->run_stop) {
        SYNC_BEFORE();
        goto service;
    }
    if (d != &far)
        plant(d, cnt);
    goto *d->h;

service: {
        /* d has not run (run == d, or the state was synced by SYNC_BEFORE). */
        uint32_t pc_before = cpu->pc;
        cpu_service_events(cpu);
        if (cpu->stop)
            goto out;
        RELOAD_STOP();
        if (cpu->pc != pc_before || d == &far)
            RESTART();                           /* an interrupt was taken, or d unknown */
        SET_CNT(d, cpu->icount);
        RUN_START();
    }

out:
    DISARM();
    return cpu->stop;
}
