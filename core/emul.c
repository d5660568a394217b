/* emul.c - finishing trapped loads and stores for the VMM (see emul.h). */
#include "cpu.h"
#include "cpu_ops.h"
#include "emul.h"

int emul_decode_mem(uint32_t insn, const uint32_t *gpr, struct emul_mem *m)
{
    struct dinsn d;
    cpu_decode(insn, &d);
    switch (d.op) {
    case OP_LB: *m = (struct emul_mem){ .size = 1, .sign = 1 }; break;
    case OP_LBU: *m = (struct emul_mem){ .size = 1 }; break;
    case OP_LH: *m = (struct emul_mem){ .size = 2, .sign = 1 }; break;
    case OP_LHU: *m = (struct emul_mem){ .size = 2 }; break;
    case OP_LW: *m = (struct emul_mem){ .size = 4 }; break;
    case OP_SB: *m = (struct emul_mem){ .store = 1, .size = 1 }; break;
    case OP_SH: *m = (struct emul_mem){ .store = 1, .size = 2 }; break;
    case OP_SW: *m = (struct emul_mem){ .store = 1, .size = 4 }; break;
    default: return -1;
    }
    m->reg = d.rt;
    m->va = gpr[d.rs] + d.imm;
    if (m->store)
        m->value = m->size == 4 ? gpr[d.rt] : gpr[d.rt] & ((1u << (8 * m->size)) - 1);
    return 0;
}

int emul_decode_store(uint32_t insn, const uint32_t *gpr, struct emul_store *s)
{
    struct dinsn d;
    cpu_decode(insn, &d);
    uint32_t va = gpr[d.rs] + d.imm, b = va & 3, rt = gpr[d.rt], mask;
    *s = (struct emul_store){ .va = va, .word_va = va & ~3u };
    switch (d.op) {
    case OP_SB: mask = 0xFFu << (8 * b); s->value = rt << (8 * b); break;
    case OP_SH: mask = 0xFFFFu << (8 * b); s->value = rt << (8 * b); break;
    case OP_SW: mask = 0xFFFFFFFFu; s->value = rt; break;
    case OP_SC:
        mask = 0xFFFFFFFFu;
        s->value = rt;
        s->sc = 1;
        s->sc_reg = d.rt ? d.rt : REG_SINK;
        break;
    /* as cpu_insns.inc: swl writes bytes b..0 from rt's top, swr bytes 3..b from its bottom */
    case OP_SWL: mask = 0xFFFFFFFFu >> (8 * (3 - b)); s->value = rt >> (8 * (3 - b)); break;
    case OP_SWR: mask = ~((1u << (8 * b)) - 1u); s->value = rt << (8 * b); break;
    default: return -1;
    }
    s->mask = mask;
    s->value &= mask;
    return 0;
}

void emul_finish_load(const struct emul_mem *m, uint32_t raw, uint32_t *gpr)
{
    uint32_t v;
    switch (m->size) {
    case 1: v = m->sign ? (uint32_t)(int32_t)(int8_t)raw : (raw & 0xFFu); break;
    case 2: v = m->sign ? (uint32_t)(int32_t)(int16_t)raw : (raw & 0xFFFFu); break;
    default: v = raw; break;
    }
    gpr[m->reg] = v;
}
