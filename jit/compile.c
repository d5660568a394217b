/* compile.c - a block of predecoded guest instructions -> x86-64 code (docs/engine.md).
 *
 * A block is the straight line of decoded instructions from its head on one page: it ends
 * after a branch and its delay slot, at the page end, before an instruction that is not
 * decoded yet, after an instruction that always leaves the line (syscall, eret, ...), or at
 * JIT_BLOCK_MAX instructions. It is compiled for one virtual page (jpage->va_page): the
 * PCs it stores (links, EPC, the next PC) are that page's.
 *
 * Registers while compiled code runs (set up by the trampoline, jit_emit_runtime):
 *   RBP  struct cpu *            R15  icount before the current block
 *   R13  &cpu->tc[mode][0]       R14  icount_stop, as of the block's entry
 *   RAX RCX RDX  scratch         RBX R12 RSI RDI R8-R11  guest registers (below)
 * The guest registers a block uses most (at least twice) live in host registers for the
 * block: loaded after the entry check when they are read before written, written back at
 * every exit and before every call (a call clobbers RSI RDI R8-R11: they are reloaded
 * after it). HI and LO stay in memory.
 *
 * Exactness, instruction by instruction as the interpreter (cpu_exec.c):
 *   - the entry compares icount + the block's length with icount_stop: a block that an
 *     event would interrupt is not entered (the dispatcher steps up to the event);
 *   - loads and stores look the translation cache up inline (the interpreter's tags, one
 *     hit counted per hit); a miss calls cpu_load_slow/cpu_store_slow with the state the
 *     interpreter's SYNC gives (pc, npc, ds_pc, icount including the instruction);
 *   - instructions without a compiled form call jit_step (the shared instruction bodies);
 *   - after any call that returns, the block goes on only if icount_stop is unchanged (no
 *     kick, no new event in reach) and no block was dropped (self-modifying code); else it
 *     leaves to the dispatcher at the next instruction, as the interpreter ends its run;
 *   - an exception leaves with the state cpu_raise set;
 *   - a branch's condition, link and target are taken before its delay slot, which is
 *     compiled once on each path (so the slot's npc is known); a slot whose instruction has
 *     no compiled form, and a branch in the last word of a page, are left to the stepper.
 * A block ends by chaining: a destination on the same page through this jpage's slot, any
 * other through the fetch translation cache (tag check as the interpreter's far path) and
 * that page's jpage; when no block is there, it returns to the dispatcher. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_ops.h"
#include "jit/jit_int.h"
#include "jit/x86.h"

#define OFF(f) ((int32_t)offsetof(struct cpu, f))
#define GPR(g) (OFF(gpr) + 4 * (int32_t)(g))
#define SCRATCH(i) (OFF(engine_scratch) + 8 * (int32_t)(i))
/* The fetch cache entry of a mode lies a constant distance after its load/store entry. */
#define TF_DELTA (OFF(tf) - OFF(tc))

#define NPOOL 8
static const int pool[NPOOL] = { RBX, R12, RSI, RDI, R8, R9, R10, R11 };
static int caller_saved(int r) { return r != RBX && r != R12; }

/* Where a label or jump lives: the hot sequence or the cold (out-of-line) one. */
enum { HOT, COLD };
#define MAX_LABELS 1024
#define MAX_FIXUPS 2048

struct fixup {
    uint8_t buf;
    uint32_t at;             /* the rel32 field */
    int label;               /* or -1: absolute target abs */
    uintptr_t abs;
};

struct cg {
    struct jit *j;
    struct cpu *cpu;
    struct jpage *jp;
    const struct dinsn *d;   /* the page's instructions */
    uint32_t va_page;
    unsigned head, n;        /* the block: d[head .. head + n - 1] */
    struct x86_buf buf[2];
    struct x86_buf *b;       /* where code goes now */
    struct { uint8_t buf; uint32_t pos; } label[MAX_LABELS];
    unsigned nlabels;
    struct fixup fix[MAX_FIXUPS];
    unsigned nfix;
    int8_t host[33];         /* guest register -> host register, or -1 */
    uint32_t cached;         /* guest registers in host registers */
    uint32_t dirty;          /* ... changed since the entry (on the path being emitted) */
    int failed;
};

/* ---- labels and jumps ---- */

static int new_label(struct cg *c)
{
    if (c->nlabels == MAX_LABELS) {
        c->failed = 1;
        return 0;
    }
    c->label[c->nlabels].buf = 0xFF;
    return (int)c->nlabels++;
}

static void bind(struct cg *c, int l)
{
    c->label[l].buf = (uint8_t)(c->b == &c->buf[COLD]);
    c->label[l].pos = x86_pos(c->b);
}

static void add_fix(struct cg *c, uint32_t at, int label, uintptr_t abs)
{
    if (c->nfix == MAX_FIXUPS) {
        c->failed = 1;
        return;
    }
    c->fix[c->nfix++] = (struct fixup){ .buf = (uint8_t)(c->b == &c->buf[COLD]), .at = at,
                                        .label = label, .abs = abs };
}

static void jcc_to(struct cg *c, enum x86_cc cc, int l) { add_fix(c, x86_jcc32(c->b, cc), l, 0); }
static void jmp_to(struct cg *c, int l) { add_fix(c, x86_jmp32(c->b), l, 0); }
static void jmp_abs(struct cg *c, const void *p) { add_fix(c, x86_jmp32(c->b), -1, (uintptr_t)p); }

static void call_abs(struct cg *c, const void *fn)
{
    x86_mov_ri64(c->b, RAX, (uintptr_t)fn);
    x86_call_r(c->b, RAX);
}

/* ---- guest registers ---- */

static int is_cached(const struct cg *c, unsigned g) { return g < 32 && c->host[g] >= 0; }

/* Puts guest register g's value in host register r. */
static void g_to(struct cg *c, int r, unsigned g)
{
    if (g == 0)
        x86_mov_ri32(c->b, r, 0);
    else if (is_cached(c, g)) {
        if (c->host[g] != r)
            x86_mov_rr(c->b, 0, r, c->host[g]);
    } else
        x86_load(c->b, 0, r, RBP, -1, 0, GPR(g));
}

/* A host register holding g's value: its own, or tmp loaded with it. */
static int g_src(struct cg *c, unsigned g, int tmp)
{
    if (is_cached(c, g) && g != 0)
        return c->host[g];
    g_to(c, tmp, g);
    return tmp;
}

/* op r, g */
static void alu_rg(struct cg *c, enum x86_alu op, int r, unsigned g)
{
    if (g == 0)
        x86_alu_ri(c->b, 0, op, r, 0);
    else if (is_cached(c, g))
        x86_alu_rr(c->b, 0, op, r, c->host[g]);
    else
        x86_alu_rm(c->b, 0, op, r, RBP, GPR(g));
}

/* The register to compute guest register g's new value in: its host register, unless g is
 * also the operand `avoid` read after the result is started (then RAX). */
static int dst_reg(const struct cg *c, unsigned g, unsigned avoid)
{
    return is_cached(c, g) && g != avoid ? c->host[g] : RAX;
}

/* Guest register g = host register r. Writes to $zero's sink vanish. */
static void commit(struct cg *c, unsigned g, int r)
{
    if (g == 0 || g >= 32)
        return;
    if (is_cached(c, g)) {
        if (c->host[g] != r)
            x86_mov_rr(c->b, 0, c->host[g], r);
        c->dirty |= 1u << g;
    } else {
        x86_store(c->b, 0, RBP, -1, 0, GPR(g), r);
    }
}

static void write_back(struct cg *c, uint32_t dirty)
{
    for (unsigned g = 1; g < 32; g++)
        if (dirty & (1u << g))
            x86_store(c->b, 0, RBP, -1, 0, GPR(g), c->host[g]);
}

/* After a call: the cached registers in caller-saved host registers come back from memory
 * (all of them when the call may have written guest registers). */
static void reload(struct cg *c, int all)
{
    for (unsigned g = 1; g < 32; g++)
        if (is_cached(c, g) && (all || caller_saved(c->host[g])))
            x86_load(c->b, 0, c->host[g], RBP, -1, 0, GPR(g));
}

/* ---- state for calls and exits ---- */

/* Instruction k of the block: its PC. */
static uint32_t pc_of(const struct cg *c, unsigned k) { return c->va_page + 4 * (c->head + k); }

/* Where the instruction being compiled stands: a delay slot or not, and what follows it. */
struct at {
    unsigned k;              /* index in the block */
    int slot;                /* in a delay slot */
    int dyn_npc;             /* the slot's branch target is in engine_scratch[TARGET] */
    uint32_t npc;            /* otherwise the instruction after it */
};

/* The interpreter's SYNC for instruction a.k, counting it as dispatched when dispatched. */
static void emit_sync(struct cg *c, const struct at *a, int dispatched)
{
    uint32_t pc = pc_of(c, a->k);
    x86_store_i32(c->b, RBP, OFF(pc), pc);
    if (a->dyn_npc) {
        x86_load(c->b, 0, RCX, RBP, -1, 0, SCRATCH(JIT_SCRATCH_TARGET));
        x86_store(c->b, 0, RBP, -1, 0, OFF(npc), RCX);
    } else {
        x86_store_i32(c->b, RBP, OFF(npc), a->npc);
    }
    x86_store_i32(c->b, RBP, OFF(ds_pc), a->slot ? pc : 1);
    x86_lea(c->b, 1, RCX, R15, -1, 0, (int32_t)(a->k + (dispatched ? 1 : 0)));
    x86_store(c->b, 1, RBP, -1, 0, OFF(icount), RCX);
}

/* Leave with the count and state in the CPU already (after a call that raised, or stepped). */
static void exit_synced(struct cg *c)
{
    x86_load(c->b, 1, R15, RBP, -1, 0, OFF(icount));
    jmp_abs(c, c->j->exit);
}

/* Leave to the dispatcher at static pc after `done` instructions of the block. */
static void exit_to(struct cg *c, uint32_t pc, unsigned done, uint32_t dirty)
{
    write_back(c, dirty);
    if (done)
        x86_alu_ri(c->b, 1, ALU_ADD, R15, (int32_t)done);
    x86_store_i32(c->b, RBP, OFF(pc), pc);
    x86_store_i32(c->b, RBP, OFF(npc), pc + 4);
    x86_store_i32(c->b, RBP, OFF(ds_pc), 1);
    jmp_abs(c, c->j->exit);
}

/* The next instruction after a.k, when the block must leave there after a call. */
static void exit_after(struct cg *c, const struct at *a, uint32_t dirty)
{
    if (a->dyn_npc) {
        write_back(c, dirty);
        x86_alu_ri(c->b, 1, ALU_ADD, R15, (int32_t)(a->k + 1));
        x86_load(c->b, 0, RAX, RBP, -1, 0, SCRATCH(JIT_SCRATCH_TARGET));
        x86_store(c->b, 0, RBP, -1, 0, OFF(pc), RAX);
        x86_lea(c->b, 0, RAX, RAX, -1, 0, 4);
        x86_store(c->b, 0, RBP, -1, 0, OFF(npc), RAX);
        x86_store_i32(c->b, RBP, OFF(ds_pc), 1);
        jmp_abs(c, c->j->exit);
    } else {
        exit_to(c, a->npc, a->k + 1, dirty);
    }
}

/* After a call that returned normally: go on only if icount_stop is unchanged and no block
 * was dropped; else leave at the next instruction (label `out`, emitted by the caller). */
static void check_after_call(struct cg *c, int out)
{
    x86_alu_rm(c->b, 1, ALU_CMP, R14, RBP, OFF(icount_stop));
    jcc_to(c, CC_NE, out);
    x86_cmp_m8i(c->b, RBP, SCRATCH(JIT_SCRATCH_EXIT), 0);
    jcc_to(c, CC_NE, out);
}

/* An exception raised by instruction a.k (dispatched): cold code. Returns its label. */
static int exc_stub(struct cg *c, const struct at *a, int code)
{
    struct x86_buf *save = c->b;
    int l = new_label(c);
    c->b = &c->buf[COLD];
    bind(c, l);
    write_back(c, c->dirty);
    emit_sync(c, a, 1);
    x86_mov_rr(c->b, 1, RDI, RBP);
    x86_mov_ri32(c->b, RSI, (uint32_t)code);
    call_abs(c, (const void *)cpu_raise_code);
    exit_synced(c);
    c->b = save;
    return l;
}

/* ---- instructions ---- */

enum kind { K_SIMPLE, K_MEM, K_BRANCH, K_HELPER, K_HELPER_END };

static enum kind kind_of(int op)
{
    switch (op) {
    case OP_LB: case OP_LH: case OP_LW: case OP_LBU: case OP_LHU: case OP_SB: case OP_SH:
    case OP_SW:
        return K_MEM;
    case OP_BLTZ: case OP_BGEZ: case OP_BLTZL: case OP_BGEZL: case OP_BLTZAL: case OP_BGEZAL:
    case OP_BLTZALL: case OP_BGEZALL: case OP_J: case OP_JAL: case OP_BEQ: case OP_BNE:
    case OP_BLEZ: case OP_BGTZ: case OP_BEQL: case OP_BNEL: case OP_BLEZL: case OP_BGTZL:
    case OP_B: case OP_JR: case OP_JALR:
        return K_BRANCH;
    case OP_RI: case OP_CPU1: case OP_CPU2: case OP_SYSCALL: case OP_BREAK: case OP_ERET:
    case OP_DERET:
        return K_HELPER_END;
    case OP_SDBBP: case OP_RDHWR: case OP_LWL: case OP_LWR: case OP_SWL: case OP_SWR:
    case OP_CACHE: case OP_LL: case OP_SC: case OP_MFC0: case OP_MTC0: case OP_DI: case OP_EI:
    case OP_TLBR: case OP_TLBWI: case OP_TLBWR: case OP_TLBP: case OP_WAIT: case OP_RDPGPR:
    case OP_WRPGPR:
        return K_HELPER;
    case OP_DECODE: case OP_PAGE_END: case OP_FAR: case OP_EVENT_BP:
        return K_HELPER_END;                       /* never compiled (block_extent) */
    default:
        return K_SIMPLE;
    }
}

/* rd = rs op rt */
static void alu3(struct cg *c, enum x86_alu op, unsigned rd, unsigned rs, unsigned rt)
{
    int r = dst_reg(c, rd, rt);
    g_to(c, r, rs);
    alu_rg(c, op, r, rt);
    commit(c, rd, r);
}

/* rt = rs op imm */
static void alu_imm(struct cg *c, enum x86_alu op, unsigned rt, unsigned rs, uint32_t imm)
{
    int r = dst_reg(c, rt, 99);
    g_to(c, r, rs);
    x86_alu_ri(c->b, 0, op, r, (int32_t)imm);
    commit(c, rt, r);
}

static void shift_imm(struct cg *c, enum x86_shift op, unsigned rd, unsigned rt, unsigned n)
{
    int r = dst_reg(c, rd, 99);
    g_to(c, r, rt);
    if (n)
        x86_shift_ri(c->b, op, r, n);
    commit(c, rd, r);
}

static void shift_var(struct cg *c, enum x86_shift op, unsigned rd, unsigned rt, unsigned rs)
{
    g_to(c, RCX, rs);
    int r = dst_reg(c, rd, 99);
    g_to(c, r, rt);
    x86_shift_rcl(c->b, op, r);
    commit(c, rd, r);
}

/* rd = (rs cc rt) as 0/1; rt_imm: compare with imm instead of register rt. */
static void set_cc(struct cg *c, enum x86_cc cc, unsigned rd, unsigned rs, int use_imm,
                   unsigned rt, uint32_t imm)
{
    int s = g_src(c, rs, RCX);
    x86_mov_ri32(c->b, RAX, 0);                     /* xor: before the compare (flags) */
    if (use_imm)
        x86_alu_ri(c->b, 0, ALU_CMP, s, (int32_t)imm);
    else
        alu_rg(c, ALU_CMP, s, rt);
    x86_setcc(c->b, cc, RAX);
    commit(c, rd, RAX);
}

/* Compares rs with rt (or imm) and raises Tr when cc holds. */
static void trap_cc(struct cg *c, const struct at *a, enum x86_cc cc, unsigned rs, int use_imm,
                    unsigned rt, uint32_t imm)
{
    int s = g_src(c, rs, RCX);
    if (use_imm)
        x86_alu_ri(c->b, 0, ALU_CMP, s, (int32_t)imm);
    else
        alu_rg(c, ALU_CMP, s, rt);
    jcc_to(c, cc, exc_stub(c, a, EXC_TR));
}

/* Writes the 64-bit RAX to HI:LO. */
static void hilo_put(struct cg *c)
{
    x86_store(c->b, 0, RBP, -1, 0, OFF(lo), RAX);
    x86_rex(c->b, 1, 0, 0, RAX, 0);                   /* shr rax, 32 */
    x86_byte(c->b, 0xC1);
    x86_modrm_reg(c->b, SH_SHR, RAX);
    x86_byte(c->b, 32);
    x86_store(c->b, 0, RBP, -1, 0, OFF(hi), RAX);
}

/* RAX = the 64-bit product of rs and rt (signed or unsigned). */
static void mul64(struct cg *c, unsigned rs, unsigned rt, int sign)
{
    int s = g_src(c, rs, RAX);
    int t = g_src(c, rt, RCX);
    if (sign) {
        x86_movsxd(c->b, RAX, s);
        x86_movsxd(c->b, RCX, t);
    } else {
        if (s != RAX)
            x86_mov_rr(c->b, 0, RAX, s);
        if (t != RCX)
            x86_mov_rr(c->b, 0, RCX, t);
    }
    x86_imul_rr(c->b, 1, RAX, RCX);
}

/* RDX = HI << 32 | LO (64 bits) */
static void hilo_get(struct cg *c)
{
    x86_load(c->b, 0, RDX, RBP, -1, 0, OFF(hi));
    x86_rex(c->b, 1, 0, 0, RDX, 0);                   /* shl rdx, 32 */
    x86_byte(c->b, 0xC1);
    x86_modrm_reg(c->b, SH_SHL, RDX);
    x86_byte(c->b, 32);
    x86_load(c->b, 0, RCX, RBP, -1, 0, OFF(lo));
    x86_alu_rr(c->b, 1, ALU_OR, RDX, RCX);
}

static void emit_div(struct cg *c, unsigned rs, unsigned rt, int sign)
{
    g_to(c, RCX, rt);
    x86_test_rr(c->b, 0, RCX, RCX);
    uint32_t zero = x86_jcc8(c->b, CC_E);          /* b == 0: HI and LO unchanged */
    g_to(c, RAX, rs);
    uint32_t ovf = 0, done1 = 0;
    if (sign) {
        x86_alu_ri(c->b, 0, ALU_CMP, RCX, -1);
        uint32_t ok1 = x86_jcc8(c->b, CC_NE);
        x86_alu_ri(c->b, 0, ALU_CMP, RAX, (int32_t)0x80000000u);
        uint32_t ok2 = x86_jcc8(c->b, CC_NE);
        /* INT32_MIN / -1: LO = INT32_MIN, HI = 0 */
        x86_store(c->b, 0, RBP, -1, 0, OFF(lo), RAX);
        x86_store_i32(c->b, RBP, OFF(hi), 0);
        done1 = x86_jmp8(c->b);
        x86_bind8(c->b, ok1);
        x86_bind8(c->b, ok2);
        x86_byte(c->b, 0x99);                        /* cdq */
        x86_f7(c->b, 0, 7, RCX);                     /* idiv ecx */
        ovf = 1;
    } else {
        x86_mov_ri32(c->b, RDX, 0);
        x86_f7(c->b, 0, 6, RCX);                     /* div ecx */
    }
    x86_store(c->b, 0, RBP, -1, 0, OFF(lo), RAX);
    x86_store(c->b, 0, RBP, -1, 0, OFF(hi), RDX);
    if (ovf)
        x86_bind8(c->b, done1);
    x86_bind8(c->b, zero);
}

/* clz/clo of rs into rd */
static void emit_clz(struct cg *c, unsigned rd, unsigned rs, int ones)
{
    g_to(c, RCX, rs);
    if (ones)
        x86_f7(c->b, 0, 2, RCX);                     /* not ecx */
    x86_mov_ri32(c->b, RAX, 32);
    x86_test_rr(c->b, 0, RCX, RCX);
    uint32_t z = x86_jcc8(c->b, CC_E);
    x86_bsr(c->b, RAX, RCX);
    x86_alu_ri(c->b, 0, ALU_XOR, RAX, 31);
    x86_bind8(c->b, z);
    commit(c, rd, RAX);
}

/* A load or store with the translation cache inline; a miss calls the slow path. */
static void emit_mem(struct cg *c, const struct at *a, const struct dinsn *d)
{
    int store = d->op == OP_SB || d->op == OP_SH || d->op == OP_SW;
    unsigned size = d->op == OP_LB || d->op == OP_LBU || d->op == OP_SB ? 1
                    : d->op == OP_LH || d->op == OP_LHU || d->op == OP_SH ? 2 : 4;
    /* va in EAX */
    if (is_cached(c, d->rs) && d->rs != 0)
        x86_lea(c->b, 0, RAX, c->host[d->rs], -1, 0, (int32_t)d->imm);
    else {
        g_to(c, RAX, d->rs);
        if (d->imm)
            x86_alu_ri(c->b, 0, ALU_ADD, RAX, (int32_t)d->imm);
    }
    x86_mov_rr(c->b, 0, RCX, RAX);
    x86_shift_ri(c->b, SH_SHR, RCX, 8);
    x86_alu_ri(c->b, 0, ALU_AND, RCX, (TC_SIZE - 1) << 4);
    x86_mov_rr(c->b, 0, RDX, RAX);
    x86_alu_ri(c->b, 0, ALU_AND, RDX, (int32_t)(0xFFFFF000u | (size - 1)));
    x86_op_rm(c->b, 0, 0x3B, RDX, R13, RCX, 0,
              store ? (int32_t)offsetof(struct tc_entry, tag_w)
                    : (int32_t)offsetof(struct tc_entry, tag_r));     /* cmp edx, tag */
    int slow = new_label(c), rejoin = new_label(c);
    jcc_to(c, CC_NE, slow);
    x86_load(c->b, 1, RDX, R13, RCX, 0, (int32_t)offsetof(struct tc_entry, addend));
    x86_alu_mi(c->b, 1, ALU_ADD, RBP, OFF(n.tc_hits), 1);
    uint32_t dirty = c->dirty;
    if (store) {
        int v = g_src(c, d->rt, RCX);
        if (size == 1)
            x86_store8(c->b, RDX, RAX, 0, 0, v);
        else if (size == 2)
            x86_store16(c->b, RDX, RAX, 0, 0, v);
        else
            x86_store(c->b, 0, RDX, RAX, 0, 0, v);
        bind(c, rejoin);
    } else {
        int r = dst_reg(c, d->rt, 99);
        if (d->rt >= 32 || d->rt == 0)
            r = RAX;
        switch (d->op) {
        case OP_LB: x86_loadx(c->b, 0xBE, r, RDX, RAX, 0, 0); break;
        case OP_LBU: x86_loadx(c->b, 0xB6, r, RDX, RAX, 0, 0); break;
        case OP_LH: x86_loadx(c->b, 0xBF, r, RDX, RAX, 0, 0); break;
        case OP_LHU: x86_loadx(c->b, 0xB7, r, RDX, RAX, 0, 0); break;
        default: x86_load(c->b, 0, r, RDX, RAX, 0, 0); break;
        }
        commit(c, d->rt, r);
        bind(c, rejoin);
    }

    /* The slow path (cold). */
    struct x86_buf *save = c->b;
    c->b = &c->buf[COLD];
    bind(c, slow);
    write_back(c, dirty);
    emit_sync(c, a, 1);                              /* (uses RCX) */
    if (store)
        g_to(c, RCX, d->rt);                         /* before RSI/RDI are arguments */
    else
        x86_mov_rr(c->b, 1, RCX, RSP);               /* the loaded value: [rsp] */
    x86_mov_rr(c->b, 1, RDI, RBP);
    x86_mov_rr(c->b, 0, RSI, RAX);
    x86_mov_ri32(c->b, RDX, size);
    call_abs(c, store ? (const void *)cpu_store_slow : (const void *)cpu_load_slow);
    int raised = new_label(c), out = new_label(c);
    x86_test_ri(c->b, RAX, 0xFF);
    jcc_to(c, CC_E, raised);
    uint32_t after_dirty = dirty;
    if (!store) {
        x86_load(c->b, 0, RAX, RSP, -1, 0, 0);
        switch (d->op) {
        case OP_LB: x86_movx_rr(c->b, 0xBE, RAX, RAX); break;
        case OP_LH: x86_movx_rr(c->b, 0xBF, RAX, RAX); break;
        default: break;                              /* lbu/lhu/lw: zero-extended already */
        }
        if (d->rt != 0 && d->rt < 32) {
            x86_store(c->b, 0, RBP, -1, 0, GPR(d->rt), RAX);
            if (is_cached(c, d->rt)) {
                after_dirty |= 1u << d->rt;
                if (!caller_saved(c->host[d->rt]))
                    x86_mov_rr(c->b, 0, c->host[d->rt], RAX);
            }
        }
    }
    reload(c, 0);
    check_after_call(c, out);
    jmp_to(c, rejoin);
    bind(c, out);
    exit_after(c, a, after_dirty);
    bind(c, raised);
    exit_synced(c);
    c->b = save;
}

/* An instruction without a compiled form: jit_step runs it with the state in the CPU.
 * Never in a delay slot. */
static void emit_helper(struct cg *c, const struct at *a, const struct dinsn *d)
{
    write_back(c, c->dirty);
    emit_sync(c, a, 0);
    x86_mov_rr(c->b, 1, RDI, RBP);
    x86_mov_ri64(c->b, RSI, (uintptr_t)d);
    call_abs(c, (const void *)jit_step);
    int out = new_label(c), cont = new_label(c);
    x86_alu_mi(c->b, 0, ALU_CMP, RBP, OFF(pc), (int32_t)(pc_of(c, a->k) + 4));
    jcc_to(c, CC_NE, out);                          /* raised, returned, or stopped */
    check_after_call(c, out);
    jmp_to(c, cont);
    struct x86_buf *save = c->b;
    c->b = &c->buf[COLD];
    bind(c, out);
    exit_synced(c);
    c->b = save;
    bind(c, cont);
    reload(c, 1);
    /* Everything is in memory now and reloaded: nothing is dirty. */
    c->dirty = 0;
}

/* Compiles instruction d (not a branch) at a. */
static void emit_insn(struct cg *c, const struct at *a, const struct dinsn *d)
{
    unsigned rs = d->rs, rt = d->rt, rd = d->rd;
    uint32_t imm = d->imm;
    switch (d->op) {
    case OP_NOP: break;
    case OP_SLL: shift_imm(c, SH_SHL, rd, rt, imm); break;
    case OP_SRL: shift_imm(c, SH_SHR, rd, rt, imm); break;
    case OP_SRA: shift_imm(c, SH_SAR, rd, rt, imm); break;
    case OP_ROTR: shift_imm(c, SH_ROR, rd, rt, imm); break;
    case OP_SLLV: shift_var(c, SH_SHL, rd, rt, rs); break;
    case OP_SRLV: shift_var(c, SH_SHR, rd, rt, rs); break;
    case OP_SRAV: shift_var(c, SH_SAR, rd, rt, rs); break;
    case OP_ROTRV: shift_var(c, SH_ROR, rd, rt, rs); break;
    case OP_MOVZ: case OP_MOVN: {
        int r = dst_reg(c, rd, 99);
        if (rd != 0 && rd < 32)
            g_to(c, r, rd);
        int s = g_src(c, rs, RCX);
        if (rt == 0) {                               /* movz always moves, movn never */
            if (d->op == OP_MOVZ)
                x86_mov_rr(c->b, 0, r, s);
        } else {
            int t = g_src(c, rt, RDX);
            x86_test_rr(c->b, 0, t, t);
            x86_cmov(c->b, d->op == OP_MOVZ ? CC_E : CC_NE, r, s);
        }
        commit(c, rd, r);
        break;
    }
    case OP_MFHI: x86_load(c->b, 0, RAX, RBP, -1, 0, OFF(hi)); commit(c, rd, RAX); break;
    case OP_MFLO: x86_load(c->b, 0, RAX, RBP, -1, 0, OFF(lo)); commit(c, rd, RAX); break;
    case OP_MTHI: x86_store(c->b, 0, RBP, -1, 0, OFF(hi), g_src(c, rs, RAX)); break;
    case OP_MTLO: x86_store(c->b, 0, RBP, -1, 0, OFF(lo), g_src(c, rs, RAX)); break;
    case OP_MULT: mul64(c, rs, rt, 1); hilo_put(c); break;
    case OP_MULTU: mul64(c, rs, rt, 0); hilo_put(c); break;
    case OP_MADD: case OP_MADDU: case OP_MSUB: case OP_MSUBU:
        mul64(c, rs, rt, d->op == OP_MADD || d->op == OP_MSUB);
        hilo_get(c);
        if (d->op == OP_MADD || d->op == OP_MADDU)
            x86_alu_rr(c->b, 1, ALU_ADD, RAX, RDX);
        else {
            x86_alu_rr(c->b, 1, ALU_SUB, RDX, RAX);
            x86_mov_rr(c->b, 1, RAX, RDX);
        }
        hilo_put(c);
        break;
    case OP_MUL: {
        int r = dst_reg(c, rd, rt);
        g_to(c, r, rs);
        if (rt == 0)
            x86_mov_ri32(c->b, r, 0);
        else
            x86_imul_rr(c->b, 0, r, g_src(c, rt, RCX));
        commit(c, rd, r);
        break;
    }
    case OP_DIV: emit_div(c, rs, rt, 1); break;
    case OP_DIVU: emit_div(c, rs, rt, 0); break;
    case OP_ADD: case OP_SUB: {
        g_to(c, RAX, rs);
        alu_rg(c, d->op == OP_ADD ? ALU_ADD : ALU_SUB, RAX, rt);
        jcc_to(c, CC_O, exc_stub(c, a, EXC_OV));
        commit(c, rd, RAX);
        break;
    }
    case OP_ADDI:
        g_to(c, RAX, rs);
        x86_alu_ri(c->b, 0, ALU_ADD, RAX, (int32_t)imm);
        jcc_to(c, CC_O, exc_stub(c, a, EXC_OV));
        commit(c, rt, RAX);
        break;
    case OP_ADDU: alu3(c, ALU_ADD, rd, rs, rt); break;
    case OP_SUBU: alu3(c, ALU_SUB, rd, rs, rt); break;
    case OP_AND: alu3(c, ALU_AND, rd, rs, rt); break;
    case OP_OR: alu3(c, ALU_OR, rd, rs, rt); break;
    case OP_XOR: alu3(c, ALU_XOR, rd, rs, rt); break;
    case OP_NOR: {
        int r = dst_reg(c, rd, rt);
        g_to(c, r, rs);
        alu_rg(c, ALU_OR, r, rt);
        x86_f7(c->b, 0, 2, r);
        commit(c, rd, r);
        break;
    }
    case OP_SLT: set_cc(c, CC_L, rd, rs, 0, rt, 0); break;
    case OP_SLTU: set_cc(c, CC_B, rd, rs, 0, rt, 0); break;
    case OP_SLTI: set_cc(c, CC_L, rt, rs, 1, 0, imm); break;
    case OP_SLTIU: set_cc(c, CC_B, rt, rs, 1, 0, imm); break;
    case OP_MOVE: {
        int r = dst_reg(c, rd, 99);
        g_to(c, r, rs);
        commit(c, rd, r);
        break;
    }
    case OP_ADDIU: {
        int r = dst_reg(c, rt, 99);
        if (is_cached(c, rs) && rs != 0)
            x86_lea(c->b, 0, r, c->host[rs], -1, 0, (int32_t)imm);
        else {
            g_to(c, r, rs);
            if (imm)
                x86_alu_ri(c->b, 0, ALU_ADD, r, (int32_t)imm);
        }
        commit(c, rt, r);
        break;
    }
    case OP_ANDI: alu_imm(c, ALU_AND, rt, rs, imm); break;
    case OP_ORI: alu_imm(c, ALU_OR, rt, rs, imm); break;
    case OP_XORI: alu_imm(c, ALU_XOR, rt, rs, imm); break;
    case OP_LUI: {
        int r = dst_reg(c, rt, 99);
        x86_mov_ri32(c->b, r, imm);
        commit(c, rt, r);
        break;
    }
    case OP_CLZ: emit_clz(c, rd, rs, 0); break;
    case OP_CLO: emit_clz(c, rd, rs, 1); break;
    case OP_EXT: {
        unsigned pos = imm & 31, size = (imm >> 8) + 1;
        int r = dst_reg(c, rt, 99);
        g_to(c, r, rs);
        if (pos)
            x86_shift_ri(c->b, SH_SHR, r, pos);
        if (size < 32)
            x86_alu_ri(c->b, 0, ALU_AND, r, (int32_t)((1u << size) - 1));
        commit(c, rt, r);
        break;
    }
    case OP_INS: {
        unsigned lsb = imm & 31, msb = imm >> 8;
        uint32_t mask = (msb - lsb == 31) ? 0xFFFFFFFFu : (((1u << (msb - lsb + 1)) - 1) << lsb);
        g_to(c, RAX, rs);
        if (lsb)
            x86_shift_ri(c->b, SH_SHL, RAX, lsb);
        x86_alu_ri(c->b, 0, ALU_AND, RAX, (int32_t)mask);
        g_to(c, RCX, rt);
        x86_alu_ri(c->b, 0, ALU_AND, RCX, (int32_t)~mask);
        x86_alu_rr(c->b, 0, ALU_OR, RAX, RCX);
        commit(c, rt, RAX);
        break;
    }
    case OP_WSBH:
        g_to(c, RAX, rt);
        x86_mov_rr(c->b, 0, RCX, RAX);
        x86_alu_ri(c->b, 0, ALU_AND, RAX, 0x00FF00FF);
        x86_shift_ri(c->b, SH_SHL, RAX, 8);
        x86_shift_ri(c->b, SH_SHR, RCX, 8);
        x86_alu_ri(c->b, 0, ALU_AND, RCX, 0x00FF00FF);
        x86_alu_rr(c->b, 0, ALU_OR, RAX, RCX);
        commit(c, rd, RAX);
        break;
    case OP_SEB: case OP_SEH: {
        int s = g_src(c, rt, RAX);
        x86_movx_rr(c->b, d->op == OP_SEB ? 0xBE : 0xBF, RAX, s);
        commit(c, rd, RAX);
        break;
    }
    case OP_TGE: trap_cc(c, a, CC_GE, rs, 0, rt, 0); break;
    case OP_TGEU: trap_cc(c, a, CC_AE, rs, 0, rt, 0); break;
    case OP_TLT: trap_cc(c, a, CC_L, rs, 0, rt, 0); break;
    case OP_TLTU: trap_cc(c, a, CC_B, rs, 0, rt, 0); break;
    case OP_TEQ: trap_cc(c, a, CC_E, rs, 0, rt, 0); break;
    case OP_TNE: trap_cc(c, a, CC_NE, rs, 0, rt, 0); break;
    case OP_TGEI: trap_cc(c, a, CC_GE, rs, 1, 0, imm); break;
    case OP_TGEIU: trap_cc(c, a, CC_AE, rs, 1, 0, imm); break;
    case OP_TLTI: trap_cc(c, a, CC_L, rs, 1, 0, imm); break;
    case OP_TLTIU: trap_cc(c, a, CC_B, rs, 1, 0, imm); break;
    case OP_TEQI: trap_cc(c, a, CC_E, rs, 1, 0, imm); break;
    case OP_TNEI: trap_cc(c, a, CC_NE, rs, 1, 0, imm); break;
    case OP_LB: case OP_LH: case OP_LW: case OP_LBU: case OP_LHU: case OP_SB: case OP_SH:
    case OP_SW:
        emit_mem(c, a, d);
        break;
    default:
        emit_helper(c, a, d);
        break;
    }
}

/* ---- block ends ---- */

/* Continue at the instruction with PC in EAX (any page): this page's slot when on it, else
 * through the fetch translation cache and the destination page's jpage; back to the
 * dispatcher when there is no block (or the fetch cache misses: the dispatcher's fetch
 * does what the interpreter's far path does). R15 counts the block already. */
static void emit_lookup(struct cg *c)
{
    int out = new_label(c), far = new_label(c);
    if (!c->j->cfg.no_chain) {
        x86_mov_rr(c->b, 0, RCX, RAX);
        x86_alu_ri(c->b, 0, ALU_XOR, RCX, (int32_t)c->va_page);
        x86_test_ri(c->b, RCX, 0xFFFFF003u);
        jcc_to(c, CC_NE, far);
        x86_mov_ri64(c->b, RDX, (uintptr_t)c->jp->slot);
        x86_load(c->b, 1, RDX, RDX, RCX, 1, 0);          /* slot[off / 4]: 8 bytes each */
        x86_test_ri(c->b, RDX, 1);
        jcc_to(c, CC_NE, out);
        x86_jmp_r(c->b, RDX);
        bind(c, far);
        x86_mov_rr(c->b, 0, RCX, RAX);
        x86_shift_ri(c->b, SH_SHR, RCX, 8);
        x86_alu_ri(c->b, 0, ALU_AND, RCX, (TC_SIZE - 1) << 4);
        x86_mov_rr(c->b, 0, RDX, RAX);
        x86_alu_ri(c->b, 0, ALU_AND, RDX, (int32_t)0xFFFFF003u);
        x86_op_rm(c->b, 0, 0x3B, RDX, R13, RCX, 0,
                  TF_DELTA + (int32_t)offsetof(struct tc_fetch, tag));
        jcc_to(c, CC_NE, out);
        x86_load(c->b, 1, RCX, R13, RCX, 0, TF_DELTA + (int32_t)offsetof(struct tc_fetch, base));
        x86_load(c->b, 1, RCX, RCX, -1, 0, (int32_t)offsetof(struct dpage, engine));
        x86_test_rr(c->b, 1, RCX, RCX);
        jcc_to(c, CC_E, out);
        x86_mov_rr(c->b, 0, RDX, RAX);
        x86_alu_ri(c->b, 0, ALU_AND, RDX, (int32_t)0xFFFFF000u);
        x86_op_rm(c->b, 0, 0x3B, RDX, RCX, -1, 0, (int32_t)offsetof(struct jpage, va_page));
        jcc_to(c, CC_NE, out);
        x86_mov_rr(c->b, 0, RDX, RAX);
        x86_alu_ri(c->b, 0, ALU_AND, RDX, 0xFFC);
        x86_load(c->b, 1, RCX, RCX, RDX, 1, (int32_t)offsetof(struct jpage, slot));
        x86_test_ri(c->b, RCX, 1);
        jcc_to(c, CC_NE, out);
        x86_jmp_r(c->b, RCX);
    }
    bind(c, out);
    x86_store(c->b, 0, RBP, -1, 0, OFF(pc), RAX);
    x86_lea(c->b, 0, RAX, RAX, -1, 0, 4);
    x86_store(c->b, 0, RBP, -1, 0, OFF(npc), RAX);
    x86_store_i32(c->b, RBP, OFF(ds_pc), 1);
    jmp_abs(c, c->j->exit);
}

/* The block ends after `done` instructions; the next PC is static pc. */
static void end_static(struct cg *c, uint32_t pc, unsigned done)
{
    write_back(c, c->dirty);
    x86_alu_ri(c->b, 1, ALU_ADD, R15, (int32_t)done);
    if (!c->j->cfg.no_chain && ((pc ^ c->va_page) & 0xFFFFF003u) == 0) {
        /* On this page: through its slot. */
        int out = new_label(c);
        x86_load_abs_rax(c->b, (uintptr_t)&c->jp->slot[(pc & 0xFFF) >> 2]);
        x86_test_ri(c->b, RAX, 1);
        jcc_to(c, CC_NE, out);
        x86_jmp_r(c->b, RAX);
        bind(c, out);
        x86_store_i32(c->b, RBP, OFF(pc), pc);
        x86_store_i32(c->b, RBP, OFF(npc), pc + 4);
        x86_store_i32(c->b, RBP, OFF(ds_pc), 1);
        jmp_abs(c, c->j->exit);
        return;
    }
    x86_mov_ri32(c->b, RAX, pc);
    emit_lookup(c);
}

/* The block ends after `done` instructions at the PC in scratch[TARGET]. */
static void end_dynamic(struct cg *c, unsigned done)
{
    write_back(c, c->dirty);
    x86_alu_ri(c->b, 1, ALU_ADD, R15, (int32_t)done);
    x86_load(c->b, 0, RAX, RBP, -1, 0, SCRATCH(JIT_SCRATCH_TARGET));
    emit_lookup(c);
}

/* A branch at block index k (its slot at k + 1). */
static void emit_branch(struct cg *c, unsigned k, const struct dinsn *d)
{
    const struct dinsn *s = d + 1;
    uint32_t pc = pc_of(c, k);
    uint32_t target = pc + 4 + d->imm;                 /* PC-relative forms */
    struct at sa = { .k = k + 1, .slot = 1 };
    enum x86_cc not_taken = CC_O;                      /* unused for unconditional */
    int cond = 1, likely = 0;
    unsigned rs = d->rs, rt = d->rt;

    switch (d->op) {
    case OP_J: case OP_JAL:
        target = ((pc + 4) & 0xF0000000u) | d->imm;
        cond = 0;
        break;
    case OP_B:
        cond = 0;
        break;
    case OP_JR: case OP_JALR: {
        g_to(c, RAX, rs);                               /* the target before the link */
        x86_store(c->b, 0, RBP, -1, 0, SCRATCH(JIT_SCRATCH_TARGET), RAX);
        if (d->op == OP_JALR && d->rd != 0 && d->rd < 32) {
            int r = dst_reg(c, d->rd, 99);
            x86_mov_ri32(c->b, r, pc + 8);
            commit(c, d->rd, r);
        }
        sa.dyn_npc = 1;
        emit_insn(c, &sa, s);
        end_dynamic(c, k + 2);
        return;
    }
    default:
        break;
    }
    if (d->op == OP_JAL || d->op == OP_BLTZAL || d->op == OP_BGEZAL || d->op == OP_BLTZALL ||
        d->op == OP_BGEZALL) {
        /* The condition reads rs before the link writes $ra. */
        if (cond && rs == 31) {
            g_to(c, RDX, rs);
            x86_alu_ri(c->b, 0, ALU_CMP, RDX, 0);
        }
        int r = dst_reg(c, 31, 99);
        x86_mov_ri32_keep(c->b, r, pc + 8);            /* keeps the flags of the compare */
        commit(c, 31, r);
        if (cond && rs == 31)
            goto compared;
    }
    if (cond) {
        switch (d->op) {
        case OP_BEQ: case OP_BEQL: case OP_BNE: case OP_BNEL: {
            int a = g_src(c, rs, RCX);
            if (rt == 0)
                x86_test_rr(c->b, 0, a, a);
            else
                alu_rg(c, ALU_CMP, a, rt);
            break;
        }
        default: {
            int a = g_src(c, rs, RCX);
            x86_alu_ri(c->b, 0, ALU_CMP, a, 0);
            break;
        }
        }
    }
compared:
    switch (d->op) {
    case OP_BEQL: likely = 1; /* fall through */
    case OP_BEQ: not_taken = CC_NE; break;
    case OP_BNEL: likely = 1; /* fall through */
    case OP_BNE: not_taken = CC_E; break;
    case OP_BLEZL: likely = 1; /* fall through */
    case OP_BLEZ: not_taken = CC_G; break;
    case OP_BGTZL: likely = 1; /* fall through */
    case OP_BGTZ: not_taken = CC_LE; break;
    case OP_BLTZL: case OP_BLTZALL: likely = 1; /* fall through */
    case OP_BLTZ: case OP_BLTZAL: not_taken = CC_GE; break;
    case OP_BGEZL: case OP_BGEZALL: likely = 1; /* fall through */
    case OP_BGEZ: case OP_BGEZAL: not_taken = CC_L; break;
    default: break;
    }
    if (!cond) {
        sa.npc = target;
        emit_insn(c, &sa, s);
        end_static(c, target, k + 2);
        return;
    }
    int nt = new_label(c);
    jcc_to(c, not_taken, nt);
    uint32_t dirty = c->dirty;
    sa.npc = target;
    emit_insn(c, &sa, s);
    end_static(c, target, k + 2);
    bind(c, nt);
    c->dirty = dirty;
    if (likely) {
        end_static(c, pc + 8, k + 1);                /* the slot is nullified */
    } else {
        sa.npc = pc + 8;
        emit_insn(c, &sa, s);
        end_static(c, pc + 8, k + 2);
    }
}

/* ---- the block ---- */

static int slot_ok(int op)
{
    enum kind k = kind_of(op);
    return k == K_SIMPLE || k == K_MEM;
}

/* How many instructions from head form the block (0: none). */
static unsigned block_extent(const struct dinsn *d, unsigned head)
{
    unsigned n = 0;
    for (unsigned i = head; i < DPAGE_INSNS && n < JIT_BLOCK_MAX; i++) {
        int op = d[i].op;
        if (op == OP_DECODE)
            break;
        enum kind k = kind_of(op);
        if (k == K_BRANCH) {
            if (i == DPAGE_INSNS - 1 || d[i + 1].op == OP_DECODE || !slot_ok(d[i + 1].op) ||
                n + 2 > JIT_BLOCK_MAX)
                break;
            return n + 2;
        }
        n++;
        if (k == K_HELPER_END)
            break;
    }
    return n;
}

/* Uses of each guest register in the block, and whether its first use reads it. */
static void count_uses(const struct dinsn *d, unsigned n, unsigned *uses, uint32_t *read_first)
{
    uint32_t written = 0;
    for (unsigned k = 0; k < n; k++) {
        const struct dinsn *x = &d[k];
        unsigned src[3] = { 0, 0, 0 }, dst = 0;
        switch (x->op) {
        case OP_NOP: case OP_J: case OP_B: case OP_LUI:
            break;
        default:
            break;
        }
        /* Conservative and simple: rs and rt are sources of everything that reads them;
         * the destination is rd or rt. Helpers read and write memory anyway. */
        enum kind kd = kind_of(x->op);
        if (kd == K_HELPER || kd == K_HELPER_END)
            continue;
        switch (x->op) {
        case OP_SLL: case OP_SRL: case OP_SRA: case OP_ROTR: case OP_WSBH: case OP_SEB:
        case OP_SEH:
            src[0] = x->rt; dst = x->rd; break;
        case OP_SLLV: case OP_SRLV: case OP_SRAV: case OP_ROTRV: case OP_ADD: case OP_ADDU:
        case OP_SUB: case OP_SUBU: case OP_AND: case OP_OR: case OP_XOR: case OP_NOR:
        case OP_SLT: case OP_SLTU: case OP_MUL:
            src[0] = x->rs; src[1] = x->rt; dst = x->rd; break;
        case OP_MOVZ: case OP_MOVN:
            src[0] = x->rs; src[1] = x->rt; src[2] = x->rd; dst = x->rd; break;
        case OP_CLZ: case OP_CLO: case OP_MOVE:
            src[0] = x->rs; dst = x->rd; break;
        case OP_MFHI: case OP_MFLO:
            dst = x->rd; break;
        case OP_MTHI: case OP_MTLO: case OP_JR:
            src[0] = x->rs; break;
        case OP_JALR:
            src[0] = x->rs; dst = x->rd; break;
        case OP_MULT: case OP_MULTU: case OP_DIV: case OP_DIVU: case OP_MADD: case OP_MADDU:
        case OP_MSUB: case OP_MSUBU: case OP_TGE: case OP_TGEU: case OP_TLT: case OP_TLTU:
        case OP_TEQ: case OP_TNE: case OP_BEQ: case OP_BNE: case OP_BEQL: case OP_BNEL:
        case OP_SB: case OP_SH: case OP_SW:
            src[0] = x->rs; src[1] = x->rt; break;
        case OP_BLEZ: case OP_BGTZ: case OP_BLTZ: case OP_BGEZ: case OP_BLEZL: case OP_BGTZL:
        case OP_BLTZL: case OP_BGEZL: case OP_TGEI: case OP_TGEIU: case OP_TLTI: case OP_TLTIU:
        case OP_TEQI: case OP_TNEI:
            src[0] = x->rs; break;
        case OP_BLTZAL: case OP_BGEZAL: case OP_BLTZALL: case OP_BGEZALL:
            src[0] = x->rs; dst = 31; break;
        case OP_JAL:
            dst = 31; break;
        case OP_INS:
            src[0] = x->rs; src[1] = x->rt; dst = x->rt; break;
        case OP_LUI:
            dst = x->rt; break;
        default:                                  /* immediates and loads: rt = f(rs) */
            src[0] = x->rs; dst = x->rt; break;
        }
        for (int i = 0; i < 3; i++) {
            unsigned g = src[i];
            if (g == 0 || g >= 32)
                continue;
            uses[g]++;
            if (!(written & (1u << g)))
                *read_first |= 1u << g;
        }
        if (dst && dst < 32) {
            uses[dst]++;
            written |= 1u << dst;
        }
    }
}

static void alloc_regs(struct cg *c)
{
    unsigned uses[32] = { 0 };
    uint32_t read_first = 0;
    memset(c->host, -1, sizeof(c->host));
    c->cached = 0;
    count_uses(c->d + c->head, c->n, uses, &read_first);
    for (int p = 0; p < NPOOL && !c->j->cfg.no_regs; p++) {
        unsigned best = 0, bu = 1;                     /* at least two uses */
        for (unsigned g = 1; g < 32; g++)
            if (c->host[g] < 0 && uses[g] > bu) {
                best = g;
                bu = uses[g];
            }
        if (!best)
            break;
        c->host[best] = (int8_t)pool[p];
        c->cached |= 1u << best;
    }
    for (unsigned g = 1; g < 32; g++)
        if (is_cached(c, g) && (read_first & (1u << g)))
            x86_load(c->b, 0, c->host[g], RBP, -1, 0, GPR(g));
    c->dirty = 0;
}

/* Lays the hot and cold code out at dst and resolves the jumps. */
static void relocate(struct cg *c, uint8_t *dst)
{
    uint32_t hot = x86_pos(&c->buf[HOT]);
    memcpy(dst, c->buf[HOT].start, hot);
    memcpy(dst + hot, c->buf[COLD].start, x86_pos(&c->buf[COLD]));
    for (unsigned i = 0; i < c->nfix; i++) {
        const struct fixup *f = &c->fix[i];
        uint8_t *field = dst + (f->buf == COLD ? hot : 0) + f->at;
        uintptr_t to;
        if (f->label >= 0) {
            to = (uintptr_t)dst + (c->label[f->label].buf == COLD ? hot : 0) +
                 c->label[f->label].pos;
        } else {
            to = f->abs;
        }
        int32_t rel = (int32_t)(to - ((uintptr_t)field + 4));
        memcpy(field, &rel, 4);
    }
}

struct jblock *jit_compile(struct jit *j, struct jpage *jp, unsigned head)
{
    struct cg *c = j->cg;
    if (!c)
        return NULL;
    c->j = j;
    c->cpu = j->base.cpu;
    c->jp = jp;
    c->d = jp->dp->d;
    c->va_page = jp->va_page;
    c->head = head;
    c->n = block_extent(c->d, head);
    if (c->n == 0)
        return NULL;
    c->nlabels = c->nfix = 0;
    c->failed = 0;
    x86_init(&c->buf[HOT], j->hotbuf, JIT_HOT_BYTES);
    x86_init(&c->buf[COLD], j->coldbuf, JIT_COLD_BYTES);
    c->b = &c->buf[HOT];

    /* The entry: the whole block must fit before icount_stop. */
    int budget = new_label(c);
    x86_lea(c->b, 1, RAX, R15, -1, 0, (int32_t)c->n);
    x86_alu_rr(c->b, 1, ALU_CMP, RAX, R14);
    jcc_to(c, CC_A, budget);
    alloc_regs(c);

    unsigned k = 0;
    int ended = 0;
    while (k < c->n) {
        const struct dinsn *d = &c->d[head + k];
        if (kind_of(d->op) == K_BRANCH) {
            emit_branch(c, k, d);
            ended = 1;
            break;
        }
        struct at a = { .k = k, .npc = pc_of(c, k) + 4 };
        emit_insn(c, &a, d);
        k++;
    }
    if (!ended)
        end_static(c, pc_of(c, k), k);

    c->b = &c->buf[COLD];
    bind(c, budget);
    x86_store_i32(c->b, RBP, OFF(pc), pc_of(c, 0));
    x86_store_i32(c->b, RBP, OFF(npc), pc_of(c, 0) + 4);
    x86_store_i32(c->b, RBP, OFF(ds_pc), 1);
    jmp_abs(c, j->exit_budget);

    struct jblock *b = NULL;
    uint32_t size = x86_pos(&c->buf[HOT]) + x86_pos(&c->buf[COLD]);
    if (c->failed || c->buf[HOT].overflow || c->buf[COLD].overflow) {
        fprintf(stderr, "tlbvisor: internal error: jit block at 0x%08x does not compile\n",
                pc_of(c, 0));
        abort();
    }
    uint8_t *dst = jit_cache_alloc(j, size);
    if (dst) {
        relocate(c, dst);
        b = calloc(1, sizeof(*b));
        if (!b)
            abort();
        b->jp = jp;
        b->head = (uint16_t)head;
        b->ninsns = (uint16_t)c->n;
        b->code = dst;
        b->code_bytes = size;
        j->n.insns_compiled += c->n;
        j->n.code_bytes += size;
        const char *dump = getenv("TLBVISOR_JIT_DUMP");
        if (dump) {                             /* for objdump -b binary -m i386:x86-64 */
            char path[512];
            snprintf(path, sizeof(path), "%s/%08x-%p.bin", dump, pc_of(c, 0), (void *)dst);
            FILE *f = fopen(path, "wb");
            if (f) {
                fwrite(dst, 1, size, f);
                fclose(f);
            }
        }
    }
    return b;
}

/* The trampoline at the start of the code cache:
 *   enter(cpu, code, tc): saves the callee-saved registers, sets RBP/R13/R14/R15 and jumps
 *   to code; exit / exit_budget: store R15 as icount, restore, return 0 / 1. The stack
 *   stays 16-byte aligned for calls, with [rsp] .. [rsp + 23] free for compiled code. */
struct cg *jit_cg_new(void)
{
    return calloc(1, sizeof(struct cg));
}

void jit_emit_runtime(struct jit *j)
{
    struct x86_buf b;
    x86_init(&b, j->cache, 256);
    static const int saved[] = { RBX, RBP, R12, R13, R14, R15 };
    for (int i = 0; i < 6; i++)
        x86_push(&b, saved[i]);
    x86_alu_ri(&b, 1, ALU_SUB, RSP, 24);
    x86_mov_rr(&b, 1, RBP, RDI);
    x86_mov_rr(&b, 1, R13, RDX);
    x86_load(&b, 1, R15, RBP, -1, 0, OFF(icount));
    x86_load(&b, 1, R14, RBP, -1, 0, OFF(icount_stop));
    x86_jmp_r(&b, RSI);
    j->exit_budget = b.p;
    x86_mov_ri32(&b, RAX, JIT_EXIT_BUDGET);
    uint32_t to_common = x86_jmp8(&b);
    j->exit = b.p;
    x86_mov_ri32(&b, RAX, JIT_EXIT_NORMAL);
    x86_bind8(&b, to_common);
    x86_store(&b, 1, RBP, -1, 0, OFF(icount), R15);
    x86_alu_ri(&b, 1, ALU_ADD, RSP, 24);
    for (int i = 5; i >= 0; i--)
        x86_pop(&b, saved[i]);
    x86_ret(&b);
    j->enter = (jit_enter_fn)(void *)j->cache;
    j->cache_blocks = j->cache + 256;
    j->cache_next = j->cache_blocks;
}
