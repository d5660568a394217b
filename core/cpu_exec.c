/* cpu_exec.c - the interpreter loop: the engine of every experiment.
 *
 * Direct-threaded dispatch over predecoded instructions (computed goto; every handler ends
 * in its own indirect jump). The program counter is implicit: d points at the current
 * predecoded instruction, nd at the one to run after it (d + 1, or a branch target once a
 * branch has run and its delay slot is d). The PC of d is fpage + 4 * (d - fbase).
 * Two sentinels leave the fast path: the slot after the last instruction of a page
 * (page_end: continue on the next page) and `far` (continue at far_pc: a jump off the page,
 * or any point where the translation of the PC must be looked up again). Loads and stores
 * are served by the per-mode translation cache; everything else is out of line in
 * cpu_mem.c / cp0.c / cpu_exc.c.
 *
 * budget counts the instructions left before cpu_service_events must run (timer, interrupts,
 * instruction limit): icount = stop_at - budget. Slow paths see the state through SYNC()
 * and hand it back through RELOAD_STOP() (same PC) or FULL_RELOAD() (PC from cpu->pc). */
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
    uint32_t *const r = cpu->gpr;
    uint32_t fpage = TC_INVALID, fppn = 0, far_pc = 0;
    struct dinsn *fbase = NULL;
    struct dinsn far = { .h = &&L_FAR_SENTINEL };
    const struct dinsn *d, *nd;
    struct tc_entry *tc;
    uint64_t stop_at;
    int64_t budget;
    /* resolve: continue at res_pc; if res_pending, a branch to res_tgt is pending. */
    uint32_t res_pc, res_tgt = 0;
    int res_pending;

    cpu_undecoded_handler = &&L_DECODE;
    cpu_page_end_handler = &&L_PAGE_END;

#define PC_OF(x) (fpage + (uint32_t)(((x) - fbase) << 2))
#define CUR_PC PC_OF(d)
#define SYNC() do { \
        uint32_t p_ = d == &far ? far_pc : PC_OF(d); \
        cpu->pc = p_; \
        if (d == &far || nd == d + 1) { cpu->npc = p_ + 4; cpu->ds_pc = 1; } \
        else { cpu->npc = nd == &far ? far_pc : PC_OF(nd); cpu->ds_pc = p_; } \
        cpu->icount = stop_at - (uint64_t)budget; } while (0)
#define RELOAD_STOP() do { \
        uint64_t n_ = cpu->icount; \
        budget = cpu->icount_stop <= n_ ? 0 \
                 : cpu->icount_stop - n_ > (uint64_t)INT64_MAX ? INT64_MAX \
                 : (int64_t)(cpu->icount_stop - n_); \
        stop_at = n_ + (uint64_t)budget; \
        tc = cpu->tc[cpu->tc_mode]; } while (0)
/* Continue at cpu->pc (no branch pending), looking its translation up again. */
#define FULL_RELOAD() do { far_pc = cpu->pc; d = &far; RELOAD_STOP(); } while (0)
#define DISPATCH() do { \
        if (unlikely(--budget < 0)) goto events; \
        goto *d->h; } while (0)
#define NEXT() do { d = nd; nd = d + 1; DISPATCH(); } while (0)
/* After a slow path that may have changed translations (it kicked the loop): continue at
 * the next instruction, looked up again. */
#define NEXT_RESOLVE() do { \
        RELOAD_STOP(); \
        if (likely(budget > 0)) NEXT(); \
        far_pc = nd == &far ? far_pc : PC_OF(nd); d = &far; DISPATCH(); } while (0)
/* Raise an exception for the instruction d. */
#define EXC(code) do { SYNC(); cpu_raise_code(cpu, (code)); FULL_RELOAD(); DISPATCH(); } while (0)
/* The predecoded instruction at address t, or the far sentinel. A target equal to the
 * address after the delay slot goes through far too, so that nd != d + 1 still says
 * "branch pending" (EPC/BD of an exception in the delay slot). */
#define TARGET(t) (((((t) ^ fpage) & 0xFFFFF003u) == 0 && (t) != CUR_PC + 8) \
                   ? fbase + (((t) & 0xFFFu) >> 2) : (far_pc = (t), &far))
#define JUMP_TO(t) do { \
        uint32_t t_ = (t); const struct dinsn *n_ = TARGET(t_); \
        d = d + 1; nd = n_; DISPATCH(); } while (0)
#define BRANCH(cond) do { \
        if (cond) JUMP_TO(CUR_PC + 4 + d->imm); \
        d = d + 1; nd = d + 1; DISPATCH(); } while (0)
#define BRANCH_LIKELY(cond) do { \
        if (cond) JUMP_TO(CUR_PC + 4 + d->imm); \
        far_pc = CUR_PC + 8; d = &far; DISPATCH(); } while (0)
#define RS r[d->rs]
#define RT r[d->rt]
#define TC_IDX(va) (((va) >> 12) & (TC_SIZE - 1))
/* Load of type T into r[d->rt]; misaligned or uncached addresses take the slow path. */
#define LOAD(T) do { \
        uint32_t va_ = RS + d->imm; struct tc_entry *e_ = &tc[TC_IDX(va_)]; \
        if (likely(e_->tag_r == (va_ & (0xFFFFF000u | (sizeof(T) - 1))))) { \
            T v_; memcpy(&v_, (const void *)(uintptr_t)(va_ + e_->addend), sizeof(T)); \
            r[d->rt] = (uint32_t)(int32_t)v_; \
        } else { \
            uint32_t v_; SYNC(); \
            if (!cpu_load_slow(cpu, va_, sizeof(T), &v_)) { FULL_RELOAD(); DISPATCH(); } \
            RELOAD_STOP(); r[d->rt] = (uint32_t)(int32_t)(T)v_; \
        } } while (0)
#define STORE(T) do { \
        uint32_t va_ = RS + d->imm; struct tc_entry *e_ = &tc[TC_IDX(va_)]; \
        if (likely(e_->tag_w == (va_ & (0xFFFFF000u | (sizeof(T) - 1))))) { \
            T v_ = (T)RT; memcpy((void *)(uintptr_t)(va_ + e_->addend), &v_, sizeof(T)); \
        } else { \
            SYNC(); \
            if (!cpu_store_slow(cpu, va_, sizeof(T), RT)) { FULL_RELOAD(); DISPATCH(); } \
            RELOAD_STOP(); \
        } } while (0)

    FULL_RELOAD();
    nd = NULL;
    DISPATCH();

events:
    budget++;                                   /* d has not run yet */
    {
        SYNC();
        uint32_t pc_before = cpu->pc;
        cpu_service_events(cpu);
        if (cpu->stop)
            goto out;
        RELOAD_STOP();
        if (budget <= 0) {
            /* Nothing more is due before the next instruction. */
            budget = 1;
            stop_at = cpu->icount + 1;
        }
        if (cpu->pc != pc_before) {
            FULL_RELOAD();                      /* an interrupt was taken */
            DISPATCH();
        }
        /* Translations may have changed (the loop was kicked): look the PC up again. */
        res_pc = cpu->pc;
        res_pending = cpu->ds_pc == cpu->pc;
        res_tgt = cpu->npc;
        goto resolve;
    }

L_FAR_SENTINEL:
    budget++;                                   /* a sentinel is not an instruction */
    res_pc = far_pc;
    res_pending = 0;
    goto resolve;
L_PAGE_END:
    budget++;
    res_pc = fpage + 0x1000;
    res_pending = nd != d + 1;
    if (res_pending)
        res_tgt = nd == &far ? far_pc : PC_OF(nd);
    goto resolve;
resolve: {
        const struct tc_fetch *f = &cpu->tf[cpu->tc_mode][TC_IDX(res_pc)];
        if (unlikely(f->tag != (res_pc & 0xFFFFF003u))) {
            cpu->pc = res_pc;
            cpu->npc = res_pending ? res_tgt : res_pc + 4;
            cpu->ds_pc = res_pending ? res_pc : 1;
            cpu->icount = stop_at - (uint64_t)budget;
            if (!cpu_fetch_slow(cpu, res_pc)) {
                if (cpu->stop)
                    goto out;
                FULL_RELOAD();
                DISPATCH();
            }
            RELOAD_STOP();
        }
        fpage = f->tag;
        fppn = f->ppn;
        fbase = f->base;
        d = fbase + ((res_pc & 0xFFFu) >> 2);
        if (res_pending) {
            uint32_t t = res_tgt;
            /* TARGET() compares with the address after d's delay slot; d is the slot here. */
            nd = (((t ^ fpage) & 0xFFFFF003u) == 0 && t != res_pc + 4)
                     ? fbase + ((t & 0xFFFu) >> 2) : (far_pc = t, &far);
        } else {
            nd = d + 1;
        }
        DISPATCH();
    }

L_DECODE: {
        uint32_t w;
        struct dinsn *wd = (struct dinsn *)d;
        memcpy(&w, cpu->ram + ((size_t)fppn << 12) + ((size_t)(d - fbase) << 2), 4);
        cpu_decode(w, wd);
        wd->h = labels[wd->op];
        cpu->n.decoded_insns++;
        goto *d->h;
    }
L_NOP: NEXT();
L_RI: EXC(EXC_RI);
L_CPU1: L_CPU2: {
        struct cpu_exc e = { .code = EXC_CPU, .ce = (int)d->imm };
        SYNC(); cpu_raise(cpu, &e); FULL_RELOAD(); DISPATCH();
    }

L_SLL: r[d->rd] = RT << d->imm; NEXT();
L_SRL: r[d->rd] = RT >> d->imm; NEXT();
L_SRA: r[d->rd] = (uint32_t)((int32_t)RT >> d->imm); NEXT();
L_ROTR: { uint32_t s = d->imm; r[d->rd] = s ? (RT >> s) | (RT << (32 - s)) : RT; NEXT(); }
L_SLLV: r[d->rd] = RT << (RS & 31); NEXT();
L_SRLV: r[d->rd] = RT >> (RS & 31); NEXT();
L_SRAV: r[d->rd] = (uint32_t)((int32_t)RT >> (RS & 31)); NEXT();
L_ROTRV: { uint32_t s = RS & 31; r[d->rd] = s ? (RT >> s) | (RT << (32 - s)) : RT; NEXT(); }
L_JR: JUMP_TO(RS);
L_JALR: { uint32_t t = RS; r[d->rd] = CUR_PC + 8; JUMP_TO(t); }
L_MOVZ: if (RT == 0) r[d->rd] = RS; NEXT();
L_MOVN: if (RT != 0) r[d->rd] = RS; NEXT();
L_SYSCALL: EXC(EXC_SYS);
L_BREAK: EXC(EXC_BP);
L_MFHI: r[d->rd] = cpu->hi; NEXT();
L_MTHI: cpu->hi = RS; NEXT();
L_MFLO: r[d->rd] = cpu->lo; NEXT();
L_MTLO: cpu->lo = RS; NEXT();
L_MULT: { int64_t p = (int64_t)(int32_t)RS * (int32_t)RT;
        cpu->lo = (uint32_t)p; cpu->hi = (uint32_t)((uint64_t)p >> 32); NEXT(); }
L_MULTU: { uint64_t p = (uint64_t)RS * RT;
        cpu->lo = (uint32_t)p; cpu->hi = (uint32_t)(p >> 32); NEXT(); }
L_DIV: {
        int32_t a = (int32_t)RS, b = (int32_t)RT;
        if (b == 0) { /* UNPREDICTABLE: leave HI/LO as they are */ }
        else if (a == INT32_MIN && b == -1) { cpu->lo = (uint32_t)a; cpu->hi = 0; }
        else { cpu->lo = (uint32_t)(a / b); cpu->hi = (uint32_t)(a % b); }
        NEXT();
    }
L_DIVU: {
        uint32_t a = RS, b = RT;
        if (b != 0) { cpu->lo = a / b; cpu->hi = a % b; }
        NEXT();
    }
L_ADD: { int32_t v;
        if (__builtin_add_overflow((int32_t)RS, (int32_t)RT, &v)) EXC(EXC_OV);
        r[d->rd] = (uint32_t)v; NEXT(); }
L_ADDU: r[d->rd] = RS + RT; NEXT();
L_SUB: { int32_t v;
        if (__builtin_sub_overflow((int32_t)RS, (int32_t)RT, &v)) EXC(EXC_OV);
        r[d->rd] = (uint32_t)v; NEXT(); }
L_SUBU: r[d->rd] = RS - RT; NEXT();
L_AND: r[d->rd] = RS & RT; NEXT();
L_OR: r[d->rd] = RS | RT; NEXT();
L_XOR: r[d->rd] = RS ^ RT; NEXT();
L_NOR: r[d->rd] = ~(RS | RT); NEXT();
L_SLT: r[d->rd] = (int32_t)RS < (int32_t)RT; NEXT();
L_SLTU: r[d->rd] = RS < RT; NEXT();
L_MOVE: r[d->rd] = RS; NEXT();
L_TGE: if ((int32_t)RS >= (int32_t)RT) EXC(EXC_TR); NEXT();
L_TGEU: if (RS >= RT) EXC(EXC_TR); NEXT();
L_TLT: if ((int32_t)RS < (int32_t)RT) EXC(EXC_TR); NEXT();
L_TLTU: if (RS < RT) EXC(EXC_TR); NEXT();
L_TEQ: if (RS == RT) EXC(EXC_TR); NEXT();
L_TNE: if (RS != RT) EXC(EXC_TR); NEXT();
L_TGEI: if ((int32_t)RS >= (int32_t)d->imm) EXC(EXC_TR); NEXT();
L_TGEIU: if (RS >= d->imm) EXC(EXC_TR); NEXT();
L_TLTI: if ((int32_t)RS < (int32_t)d->imm) EXC(EXC_TR); NEXT();
L_TLTIU: if (RS < d->imm) EXC(EXC_TR); NEXT();
L_TEQI: if (RS == d->imm) EXC(EXC_TR); NEXT();
L_TNEI: if (RS != d->imm) EXC(EXC_TR); NEXT();

L_B: BRANCH(1);
L_BEQ: BRANCH(RS == RT);
L_BNE: BRANCH(RS != RT);
L_BLEZ: BRANCH((int32_t)RS <= 0);
L_BGTZ: BRANCH((int32_t)RS > 0);
L_BLTZ: BRANCH((int32_t)RS < 0);
L_BGEZ: BRANCH((int32_t)RS >= 0);
L_BLTZAL: { int c = (int32_t)RS < 0; r[31] = CUR_PC + 8; BRANCH(c); }
L_BGEZAL: { int c = (int32_t)RS >= 0; r[31] = CUR_PC + 8; BRANCH(c); }
L_BEQL: BRANCH_LIKELY(RS == RT);
L_BNEL: BRANCH_LIKELY(RS != RT);
L_BLEZL: BRANCH_LIKELY((int32_t)RS <= 0);
L_BGTZL: BRANCH_LIKELY((int32_t)RS > 0);
L_BLTZL: BRANCH_LIKELY((int32_t)RS < 0);
L_BGEZL: BRANCH_LIKELY((int32_t)RS >= 0);
L_BLTZALL: { int c = (int32_t)RS < 0; r[31] = CUR_PC + 8; BRANCH_LIKELY(c); }
L_BGEZALL: { int c = (int32_t)RS >= 0; r[31] = CUR_PC + 8; BRANCH_LIKELY(c); }
L_J: JUMP_TO(((CUR_PC + 4) & 0xF0000000u) | d->imm);
L_JAL: r[31] = CUR_PC + 8; JUMP_TO(((CUR_PC + 4) & 0xF0000000u) | d->imm);

L_ADDI: { int32_t v;
        if (__builtin_add_overflow((int32_t)RS, (int32_t)d->imm, &v)) EXC(EXC_OV);
        r[d->rt] = (uint32_t)v; NEXT(); }
L_ADDIU: r[d->rt] = RS + d->imm; NEXT();
L_SLTI: r[d->rt] = (int32_t)RS < (int32_t)d->imm; NEXT();
L_SLTIU: r[d->rt] = RS < d->imm; NEXT();
L_ANDI: r[d->rt] = RS & d->imm; NEXT();
L_ORI: r[d->rt] = RS | d->imm; NEXT();
L_XORI: r[d->rt] = RS ^ d->imm; NEXT();
L_LUI: r[d->rt] = d->imm; NEXT();

L_MADD: { uint64_t acc = ((uint64_t)cpu->hi << 32) | cpu->lo;
        acc += (uint64_t)((int64_t)(int32_t)RS * (int32_t)RT);
        cpu->lo = (uint32_t)acc; cpu->hi = (uint32_t)(acc >> 32); NEXT(); }
L_MADDU: { uint64_t acc = ((uint64_t)cpu->hi << 32) | cpu->lo;
        acc += (uint64_t)RS * RT;
        cpu->lo = (uint32_t)acc; cpu->hi = (uint32_t)(acc >> 32); NEXT(); }
L_MSUB: { uint64_t acc = ((uint64_t)cpu->hi << 32) | cpu->lo;
        acc -= (uint64_t)((int64_t)(int32_t)RS * (int32_t)RT);
        cpu->lo = (uint32_t)acc; cpu->hi = (uint32_t)(acc >> 32); NEXT(); }
L_MSUBU: { uint64_t acc = ((uint64_t)cpu->hi << 32) | cpu->lo;
        acc -= (uint64_t)RS * RT;
        cpu->lo = (uint32_t)acc; cpu->hi = (uint32_t)(acc >> 32); NEXT(); }
L_MUL: r[d->rd] = (uint32_t)((int32_t)RS * (int64_t)(int32_t)RT); NEXT();
L_CLZ: r[d->rd] = RS ? (uint32_t)__builtin_clz(RS) : 32; NEXT();
L_CLO: r[d->rd] = ~RS ? (uint32_t)__builtin_clz(~RS) : 32; NEXT();
L_SDBBP: {
        SYNC();
        if (d->imm == 1 && r[25] == 1) {          /* UHI exit: $a0 is the status */
            cpu_request_stop(cpu, CPU_STOP_EXIT, (int)r[4]);
            goto out;
        }
        cpu_raise_code(cpu, EXC_BP);
        FULL_RELOAD();
        DISPATCH();
    }
L_EXT: { uint32_t pos = d->imm & 31, size = (d->imm >> 8) + 1;
        uint32_t v = RS >> pos;
        r[d->rt] = size == 32 ? v : v & ((1u << size) - 1); NEXT(); }
L_INS: { uint32_t lsb = d->imm & 31, msb = d->imm >> 8;
        uint32_t mask = (msb - lsb == 31) ? 0xFFFFFFFFu : (((1u << (msb - lsb + 1)) - 1) << lsb);
        r[d->rt] = (RT & ~mask) | ((RS << lsb) & mask); NEXT(); }
L_WSBH: { uint32_t v = RT; r[d->rd] = ((v & 0x00FF00FFu) << 8) | ((v >> 8) & 0x00FF00FFu); NEXT(); }
L_SEB: r[d->rd] = (uint32_t)(int32_t)(int8_t)RT; NEXT();
L_SEH: r[d->rd] = (uint32_t)(int32_t)(int16_t)RT; NEXT();
L_RDHWR: {
        unsigned hw = d->rd;
        if (cpu->tc_mode < TC_KERNEL && !(cpu->cp0.status & ST_CU0) &&
            !(cpu->cp0.hwrena & (1u << hw)))
            EXC(EXC_RI);
        uint32_t v;
        switch (hw) {
        case 0: v = 0; break;                                    /* CPUNum */
        case 1: v = CP0_SYNCI_STEP; break;
        case 2: SYNC(); v = cpu_count(cpu); break;                /* CC */
        case 3: v = CP0_CCRES; break;
        default: EXC(EXC_RI);
        }
        r[d->rt] = v;
        NEXT();
    }

L_LB: LOAD(int8_t); NEXT();
L_LBU: LOAD(uint8_t); NEXT();
L_LH: LOAD(int16_t); NEXT();
L_LHU: LOAD(uint16_t); NEXT();
L_LW: LOAD(uint32_t); NEXT();
L_SB: STORE(uint8_t); NEXT();
L_SH: STORE(uint16_t); NEXT();
L_SW: STORE(uint32_t); NEXT();
L_LWL: L_LWR: L_SWL: L_SWR: {
        /* Unaligned word access: one aligned word read (and write), merged by byte offset. */
        uint32_t va = RS + d->imm, b = va & 3, w, v;
        int store = d->op == OP_SWL || d->op == OP_SWR;
        SYNC();
        if (!(store ? cpu_store_slow(cpu, va, 0, 0) : cpu_load_slow(cpu, va, 0, &w))) {
            FULL_RELOAD();
            DISPATCH();
        }
        if (store && !cpu_load_slow(cpu, va, 0, &w)) { FULL_RELOAD(); DISPATCH(); }
        switch (d->op) {
        case OP_LWL: v = (w << (8 * (3 - b))) | (RT & ((1u << (8 * (3 - b))) - 1)); r[d->rt] = v; break;
        case OP_LWR: v = (w >> (8 * b)) | (RT & ~(0xFFFFFFFFu >> (8 * b))); r[d->rt] = v; break;
        case OP_SWL: v = (w & ~(0xFFFFFFFFu >> (8 * (3 - b)))) | (RT >> (8 * (3 - b)));
            cpu_store_slow(cpu, va & ~3u, 4, v); break;
        default: v = (w & ((1u << (8 * b)) - 1)) | (RT << (8 * b));
            cpu_store_slow(cpu, va & ~3u, 4, v); break;
        }
        RELOAD_STOP();
        NEXT();
    }
L_CACHE:
        if (cpu->tc_mode < TC_KERNEL && !(cpu->cp0.status & ST_CU0)) {
            struct cpu_exc e = { .code = EXC_CPU, .ce = 0 };
            SYNC(); cpu_raise(cpu, &e); FULL_RELOAD(); DISPATCH();
        }
        NEXT();
L_LL: {
        uint32_t va = RS + d->imm, v;
        SYNC();
        if (!cpu_load_slow(cpu, va, 4, &v)) { FULL_RELOAD(); DISPATCH(); }
        RELOAD_STOP();
        r[d->rt] = v;
        cpu->llbit = 1;
        cpu->ll_va = va;
        NEXT();
    }
L_SC: {
        uint32_t va = RS + d->imm;
        unsigned dst = d->rt ? d->rt : REG_SINK;
        if (!cpu->llbit || va != cpu->ll_va) {
            r[dst] = 0;
            NEXT();
        }
        SYNC();
        if (!cpu_store_slow(cpu, va, 4, RT)) { FULL_RELOAD(); DISPATCH(); }
        RELOAD_STOP();
        cpu->llbit = 0;
        r[dst] = 1;
        NEXT();
    }

    /* Privileged instructions: CpU(0) unless kernel mode or Status.CU0. */
#define PRIV() do { if (cpu->tc_mode < TC_KERNEL && !(cpu->cp0.status & ST_CU0)) { \
        struct cpu_exc e_ = { .code = EXC_CPU, .ce = 0 }; \
        SYNC(); cpu_raise(cpu, &e_); FULL_RELOAD(); DISPATCH(); } } while (0)
L_MFC0: PRIV(); SYNC(); r[d->rt] = cpu_cp0_read(cpu, d->rd, (int)d->imm); NEXT();
L_MTC0:
        PRIV(); SYNC();
        cpu_cp0_write(cpu, d->rd, (int)d->imm, RT);
        NEXT_RESOLVE();
L_DI: L_EI: {
        PRIV();
        uint32_t old = cpu->cp0.status;
        r[d->rt] = old;
        SYNC();
        cpu_cp0_write(cpu, CP0_STATUS, 0, d->op == OP_EI ? (old | ST_IE) : (old & ~ST_IE));
        NEXT_RESOLVE();
    }
L_RDPGPR: L_WRPGPR: PRIV(); r[d->rd] = RT; NEXT();
L_TLBR: L_TLBWI: L_TLBWR: L_TLBP: {
        PRIV();
        static const int tlbop[] = { [OP_TLBR - OP_TLBR] = MMU_TLBR, [OP_TLBWI - OP_TLBR] = MMU_TLBWI,
                                     [OP_TLBWR - OP_TLBR] = MMU_TLBWR, [OP_TLBP - OP_TLBR] = MMU_TLBP };
        SYNC();
        int exc = cpu->mmu->ops->tlb_op(cpu->mmu, tlbop[d->op - OP_TLBR]);
        if (exc) { cpu_raise_code(cpu, exc); FULL_RELOAD(); DISPATCH(); }
        NEXT_RESOLVE();
    }
L_ERET: PRIV(); SYNC(); cpu_eret(cpu); FULL_RELOAD(); DISPATCH();
L_DERET: EXC(EXC_RI);                      /* not in debug mode */
L_WAIT:
        PRIV(); SYNC(); cpu_wait(cpu);
        if (cpu->stop) goto out;
        NEXT_RESOLVE();

out:
    return cpu->stop;
}
