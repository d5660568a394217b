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
        for (uint32_t a = target; a <= b + 4; a += 4) {
            if (fetch(ctx, a, &w))
                return 0;
            cpu_decode(w, &d);
            if (!idle_body_op(d.op))
                return 0;
        }
        return 1;
    }
    return 0;
}
