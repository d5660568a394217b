/* idle.c - inferring a spinning idle loop from the guest's code (idle.h). */
#include "cpu.h"
#include "cpu_ops.h"
#include "idle.h"

/* May the body of an idle loop contain this operation? Not a store (the loop would change
 * memory), a privileged or trapping instruction (it would enter the VMM anyway) or a call. */
static int idle_body_op(int op)
{
    switch (op) {
    case OP_SB: case OP_SH: case OP_SW: case OP_SWL: case OP_SWR: case OP_SC:
    case OP_MFC0: case OP_MTC0: case OP_DI: case OP_EI: case OP_TLBR: case OP_TLBWI:
    case OP_TLBWR: case OP_TLBP: case OP_ERET: case OP_WAIT: case OP_CACHE:
    case OP_SYSCALL: case OP_BREAK: case OP_SDBBP: case OP_RI: case OP_CPU1:
    case OP_CPU2: case OP_JAL: case OP_JALR: case OP_BLTZAL: case OP_BGEZAL:
        return 0;
    default:
        return 1;
    }
}

#define R_HILO (1ull << 33)

/* The registers an instruction of an idle-loop body reads and writes (bit 33: HI/LO);
 * returns 0 for an operation not listed here (the loop is then not taken as idle). */
static int regs_of(const struct dinsn *d, uint64_t *rd_set, uint64_t *wr_set)
{
    uint64_t rs = 1ull << d->rs, rt = 1ull << d->rt, rdm = 1ull << d->rd;
    switch (d->op) {
    case OP_NOP: *rd_set = 0; *wr_set = 0; return 1;
    case OP_SLL: case OP_SRL: case OP_SRA: case OP_ROTR: case OP_WSBH: case OP_SEB:
    case OP_SEH:
        *rd_set = rt; *wr_set = rdm; return 1;
    case OP_MOVE: case OP_CLZ: case OP_CLO: *rd_set = rs; *wr_set = rdm; return 1;
    case OP_SLLV: case OP_SRLV: case OP_SRAV: case OP_ROTRV: case OP_ADDU: case OP_SUBU:
    case OP_ADD: case OP_SUB: case OP_AND: case OP_OR: case OP_XOR: case OP_NOR:
    case OP_SLT: case OP_SLTU: case OP_MUL:
        *rd_set = rs | rt; *wr_set = rdm; return 1;
    case OP_MOVZ: case OP_MOVN: *rd_set = rs | rt | rdm; *wr_set = rdm; return 1;
    case OP_ADDIU: case OP_ADDI: case OP_SLTI: case OP_SLTIU: case OP_ANDI: case OP_ORI:
    case OP_XORI: case OP_EXT: case OP_LB: case OP_LBU: case OP_LH: case OP_LHU: case OP_LW:
    case OP_LL:
        *rd_set = rs; *wr_set = rt; return 1;
    case OP_LWL: case OP_LWR: case OP_INS: *rd_set = rs | rt; *wr_set = rt; return 1;
    case OP_LUI: *rd_set = 0; *wr_set = rt; return 1;
    case OP_MFHI: case OP_MFLO: *rd_set = R_HILO; *wr_set = rdm; return 1;
    case OP_MTHI: case OP_MTLO: *rd_set = rs; *wr_set = R_HILO; return 1;
    case OP_MULT: case OP_MULTU: case OP_DIV: case OP_DIVU: *rd_set = rs | rt; *wr_set = R_HILO; return 1;
    case OP_MADD: case OP_MADDU: case OP_MSUB: case OP_MSUBU:
        *rd_set = rs | rt | R_HILO; *wr_set = R_HILO; return 1;
    case OP_B: *rd_set = 0; *wr_set = 0; return 1;
    case OP_BEQ: case OP_BNE: *rd_set = rs | rt; *wr_set = 0; return 1;
    case OP_BLEZ: case OP_BGTZ: case OP_BLTZ: case OP_BGEZ: *rd_set = rs; *wr_set = 0; return 1;
    default: return 0;
    }
}

static int loop_branch(int op)
{
    return op == OP_B || op == OP_BEQ || op == OP_BNE || op == OP_BLEZ || op == OP_BGTZ ||
           op == OP_BLTZ || op == OP_BGEZ;
}

int idle_spinning(const struct cpu *v, uint32_t pc, idle_fetch_fn fetch, void *ctx)
{
    const uint32_t im7 = 1u << (ST_IM_SHIFT + 7);
    if (v->tc_mode != TC_KERNEL || (v->cp0.status & (ST_IE | ST_EXL | ST_ERL)) != ST_IE ||
        !(v->cp0.status & im7))
        return 0;                          /* idle loops are the kernel's, interrupts on */
    pc &= ~3u;
    /* From the instruction before pc: pc may be the loop branch's delay slot. */
    for (uint32_t b = pc - 4; b < pc + 4 * IDLE_LOOP_MAX; b += 4) {
        uint32_t w;
        struct dinsn d;
        if (fetch(ctx, b, &w))
            return 0;
        cpu_decode(w, &d);
        if (!loop_branch(d.op))
            continue;
        uint32_t target = b + 4 + d.imm;
        if (target > b || target > pc || b + 4 - target > 4 * IDLE_LOOP_MAX)
            return 0;                      /* not a short backward loop around pc */
        /* A register the body reads before writing it in the same pass, and writes
         * somewhere, carries a value from one pass to the next (a countdown, a delay
         * loop): the loop makes progress by itself and is not waiting. Only loops whose
         * registers are recomputed each pass (from memory, from registers the loop does
         * not touch) wait for something outside them. */
        uint64_t written = 0, live_in = 0;
        for (uint32_t a = target; a <= b + 4; a += 4) {
            uint64_t r, wr;
            if (fetch(ctx, a, &w))
                return 0;
            cpu_decode(w, &d);
            if (!idle_body_op(d.op) || !regs_of(&d, &r, &wr))
                return 0;
            live_in |= r & ~written;
            written |= wr & ~(1ull << REG_SINK);
        }
        return (live_in & written) == 0;
    }
    return 0;
}
