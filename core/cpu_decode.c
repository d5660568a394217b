/* cpu_decode.c - MIPS32r2 instruction word -> predecoded struct dinsn.
 *
 * Fields are pre-extracted so that handlers do no bit twiddling: immediates are sign- or
 * zero-extended as the instruction wants, branch offsets are pre-shifted, and a destination
 * of $zero is redirected to REG_SINK (or the instruction becomes a NOP when it has no other
 * effect). Anything not in MIPS32r2's integer ISA decodes to RI, COP1/COP1X/FPU loads and
 * stores to CpU(1), COP2 to CpU(2). */
#include "cpu.h"
#include "cpu_ops.h"

static uint8_t dst(unsigned r) { return r ? (uint8_t)r : REG_SINK; }

static void set(struct dinsn *d, int op, unsigned rs, unsigned rt, unsigned rd, uint32_t imm)
{
    d->op = (uint8_t)op;
    d->rs = (uint8_t)rs;
    d->rt = (uint8_t)rt;
    d->rd = (uint8_t)rd;
    d->imm = imm;
}

static void decode_special(uint32_t w, struct dinsn *d)
{
    unsigned rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31, sa = (w >> 6) & 31;
    unsigned fn = w & 63;
    /* Non-trapping ALU results written to $zero have no effect at all. */
    static const uint8_t alu[64] = {
        [0] = OP_SLL, [3] = OP_SRA, [4] = OP_SLLV, [7] = OP_SRAV, [10] = OP_MOVZ,
        [11] = OP_MOVN, [16] = OP_MFHI, [18] = OP_MFLO, [33] = OP_ADDU, [35] = OP_SUBU,
        [36] = OP_AND, [37] = OP_OR, [38] = OP_XOR, [39] = OP_NOR, [42] = OP_SLT,
        [43] = OP_SLTU,
    };
    switch (fn) {
    case 2: /* SRL / ROTR */
        if (rs > 1) break;
        set(d, rd == 0 ? OP_NOP : (rs ? OP_ROTR : OP_SRL), rs, rt, dst(rd), sa);
        return;
    case 6: /* SRLV / ROTRV */
        if (sa > 1) break;
        set(d, rd == 0 ? OP_NOP : (sa ? OP_ROTRV : OP_SRLV), rs, rt, dst(rd), 0);
        return;
    case 1: set(d, OP_CPU1, 0, 0, 0, 1); return;            /* MOVF/MOVT: FPU condition */
    case 8: set(d, OP_JR, rs, 0, 0, 0); return;
    case 9: set(d, OP_JALR, rs, 0, dst(rd), 0); return;
    case 12: set(d, OP_SYSCALL, 0, 0, 0, (w >> 6) & 0xFFFFF); return;
    case 13: set(d, OP_BREAK, 0, 0, 0, (w >> 6) & 0xFFFFF); return;
    case 15: set(d, OP_NOP, 0, 0, 0, 0); return;             /* SYNC */
    case 17: set(d, OP_MTHI, rs, 0, 0, 0); return;
    case 19: set(d, OP_MTLO, rs, 0, 0, 0); return;
    case 24: set(d, OP_MULT, rs, rt, 0, 0); return;
    case 25: set(d, OP_MULTU, rs, rt, 0, 0); return;
    case 26: set(d, OP_DIV, rs, rt, 0, 0); return;
    case 27: set(d, OP_DIVU, rs, rt, 0, 0); return;
    case 32: set(d, OP_ADD, rs, rt, dst(rd), 0); return;
    case 34: set(d, OP_SUB, rs, rt, dst(rd), 0); return;
    case 48: set(d, OP_TGE, rs, rt, 0, 0); return;
    case 49: set(d, OP_TGEU, rs, rt, 0, 0); return;
    case 50: set(d, OP_TLT, rs, rt, 0, 0); return;
    case 51: set(d, OP_TLTU, rs, rt, 0, 0); return;
    case 52: set(d, OP_TEQ, rs, rt, 0, 0); return;
    case 54: set(d, OP_TNE, rs, rt, 0, 0); return;
    default:
        if (alu[fn]) {
            int op = alu[fn];
            if (rd == 0)
                op = OP_NOP;
            else if (op == OP_ADDU && rt == 0)
                op = OP_MOVE;
            else if (op == OP_OR && rt == 0)
                op = OP_MOVE;
            set(d, op, rs, rt, dst(rd), sa);
            return;
        }
    }
    set(d, OP_RI, 0, 0, 0, 0);
}

static void decode_regimm(uint32_t w, struct dinsn *d)
{
    unsigned rs = (w >> 21) & 31, rt = (w >> 16) & 31;
    uint32_t off = (uint32_t)(int32_t)(int16_t)(w & 0xFFFF) << 2;
    uint32_t simm = (uint32_t)(int32_t)(int16_t)(w & 0xFFFF);
    static const uint8_t br[32] = {
        [0] = OP_BLTZ, [1] = OP_BGEZ, [2] = OP_BLTZL, [3] = OP_BGEZL, [16] = OP_BLTZAL,
        [17] = OP_BGEZAL, [18] = OP_BLTZALL, [19] = OP_BGEZALL,
    };
    static const uint8_t tr[32] = {
        [8] = OP_TGEI, [9] = OP_TGEIU, [10] = OP_TLTI, [11] = OP_TLTIU, [12] = OP_TEQI,
        [14] = OP_TNEI,
    };
    if (br[rt]) {
        int op = br[rt];
        if (op == OP_BGEZ && rs == 0)
            op = OP_B;
        set(d, op, rs, 0, 0, off);
    } else if (tr[rt]) {
        set(d, tr[rt], rs, 0, 0, simm);
    } else if (rt == 31) {
        set(d, OP_NOP, 0, 0, 0, 0);                          /* SYNCI: no caches to sync */
    } else {
        set(d, OP_RI, 0, 0, 0, 0);
    }
}

static void decode_cop0(uint32_t w, struct dinsn *d)
{
    unsigned rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    if (rs >= 16) {
        switch (w & 63) {
        case 1: set(d, OP_TLBR, 0, 0, 0, 0); return;
        case 2: set(d, OP_TLBWI, 0, 0, 0, 0); return;
        case 6: set(d, OP_TLBWR, 0, 0, 0, 0); return;
        case 8: set(d, OP_TLBP, 0, 0, 0, 0); return;
        case 24: set(d, OP_ERET, 0, 0, 0, 0); return;
        case 31: set(d, OP_DERET, 0, 0, 0, 0); return;
        case 32: set(d, OP_WAIT, 0, 0, 0, 0); return;
        }
        set(d, OP_RI, 0, 0, 0, 0);
        return;
    }
    switch (rs) {
    case 0: set(d, OP_MFC0, 0, dst(rt), rd, w & 7); return;
    case 4: set(d, OP_MTC0, 0, rt, rd, w & 7); return;
    case 10: set(d, OP_RDPGPR, 0, rt, dst(rd), 0); return;
    case 14: set(d, OP_WRPGPR, 0, rt, dst(rd), 0); return;
    case 11:
        if ((w & 0xFFDF) == 0x6000) {                        /* DI / EI (sc = bit 5) */
            set(d, (w & 0x20) ? OP_EI : OP_DI, 0, dst(rt), 0, 0);
            return;
        }
        break;
    }
    set(d, OP_RI, 0, 0, 0, 0);
}

static void decode_special2(uint32_t w, struct dinsn *d)
{
    unsigned rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31;
    switch (w & 63) {
    case 0: set(d, OP_MADD, rs, rt, 0, 0); return;
    case 1: set(d, OP_MADDU, rs, rt, 0, 0); return;
    case 2: set(d, OP_MUL, rs, rt, dst(rd), 0); return;
    case 4: set(d, OP_MSUB, rs, rt, 0, 0); return;
    case 5: set(d, OP_MSUBU, rs, rt, 0, 0); return;
    case 32: set(d, OP_CLZ, rs, rt, dst(rd), 0); return;
    case 33: set(d, OP_CLO, rs, rt, dst(rd), 0); return;
    case 63: set(d, OP_SDBBP, 0, 0, 0, (w >> 6) & 0xFFFFF); return;
    }
    set(d, OP_RI, 0, 0, 0, 0);
}

static void decode_special3(uint32_t w, struct dinsn *d)
{
    unsigned rs = (w >> 21) & 31, rt = (w >> 16) & 31, rd = (w >> 11) & 31, sa = (w >> 6) & 31;
    switch (w & 63) {
    case 0: /* EXT: pos = sa, size = rd + 1 */
        if (sa + rd + 1 > 32)
            break;
        set(d, OP_EXT, rs, dst(rt), 0, sa | (rd << 8));
        return;
    case 4: /* INS: lsb = sa, msb = rd */
        if (rd < sa)
            break;
        set(d, OP_INS, rs, dst(rt), 0, sa | (rd << 8));
        return;
    case 32:
        switch (sa) {
        case 2: set(d, OP_WSBH, 0, rt, dst(rd), 0); return;
        case 16: set(d, OP_SEB, 0, rt, dst(rd), 0); return;
        case 24: set(d, OP_SEH, 0, rt, dst(rd), 0); return;
        }
        break;
    case 59: set(d, OP_RDHWR, 0, dst(rt), rd, 0); return;
    }
    set(d, OP_RI, 0, 0, 0, 0);
}

/* Decodes one instruction word. */
void cpu_decode(uint32_t w, struct dinsn *d)
{
    unsigned op = w >> 26, rs = (w >> 21) & 31, rt = (w >> 16) & 31;
    uint32_t simm = (uint32_t)(int32_t)(int16_t)(w & 0xFFFF);
    uint32_t zimm = w & 0xFFFF;
    uint32_t off = simm << 2;

    switch (op) {
    case 0: decode_special(w, d); return;
    case 1: decode_regimm(w, d); return;
    case 2: set(d, OP_J, 0, 0, 0, (w & 0x03FFFFFF) << 2); return;
    case 3: set(d, OP_JAL, 0, 0, 0, (w & 0x03FFFFFF) << 2); return;
    case 4: set(d, (rs == 0 && rt == 0) ? OP_B : OP_BEQ, rs, rt, 0, off); return;
    case 5: set(d, OP_BNE, rs, rt, 0, off); return;
    case 6: set(d, OP_BLEZ, rs, 0, 0, off); return;
    case 7: set(d, OP_BGTZ, rs, 0, 0, off); return;
    case 8: set(d, OP_ADDI, rs, dst(rt), 0, simm); return;
    case 9: set(d, rt ? OP_ADDIU : OP_NOP, rs, dst(rt), 0, simm); return;
    case 10: set(d, rt ? OP_SLTI : OP_NOP, rs, dst(rt), 0, simm); return;
    case 11: set(d, rt ? OP_SLTIU : OP_NOP, rs, dst(rt), 0, simm); return;
    case 12: set(d, rt ? OP_ANDI : OP_NOP, rs, dst(rt), 0, zimm); return;
    case 13: set(d, rt ? OP_ORI : OP_NOP, rs, dst(rt), 0, zimm); return;
    case 14: set(d, rt ? OP_XORI : OP_NOP, rs, dst(rt), 0, zimm); return;
    case 15: set(d, rt ? OP_LUI : OP_NOP, 0, dst(rt), 0, zimm << 16); return;
    case 16: decode_cop0(w, d); return;
    case 17: case 19: set(d, OP_CPU1, 0, 0, 0, 1); return;   /* COP1, COP1X */
    case 18: set(d, OP_CPU2, 0, 0, 0, 2); return;             /* COP2 */
    case 20: set(d, OP_BEQL, rs, rt, 0, off); return;
    case 21: set(d, OP_BNEL, rs, rt, 0, off); return;
    case 22: set(d, OP_BLEZL, rs, 0, 0, off); return;
    case 23: set(d, OP_BGTZL, rs, 0, 0, off); return;
    case 28: decode_special2(w, d); return;
    case 31: decode_special3(w, d); return;
    case 32: set(d, OP_LB, rs, dst(rt), 0, simm); return;
    case 33: set(d, OP_LH, rs, dst(rt), 0, simm); return;
    case 34: set(d, OP_LWL, rs, dst(rt), 0, simm); return;
    case 35: set(d, OP_LW, rs, dst(rt), 0, simm); return;
    case 36: set(d, OP_LBU, rs, dst(rt), 0, simm); return;
    case 37: set(d, OP_LHU, rs, dst(rt), 0, simm); return;
    case 38: set(d, OP_LWR, rs, dst(rt), 0, simm); return;
    case 40: set(d, OP_SB, rs, rt, 0, simm); return;
    case 41: set(d, OP_SH, rs, rt, 0, simm); return;
    case 42: set(d, OP_SWL, rs, rt, 0, simm); return;
    case 43: set(d, OP_SW, rs, rt, 0, simm); return;
    case 46: set(d, OP_SWR, rs, rt, 0, simm); return;
    case 47: set(d, OP_CACHE, rs, 0, 0, simm); return;
    case 48: set(d, OP_LL, rs, dst(rt), 0, simm); return;
    case 51: set(d, OP_NOP, 0, 0, 0, 0); return;              /* PREF */
    case 56: set(d, OP_SC, rs, rt, 0, simm); return;
    case 49: case 53: case 57: case 61: set(d, OP_CPU1, 0, 0, 0, 1); return;
    case 50: case 54: case 58: case 62: set(d, OP_CPU2, 0, 0, 0, 2); return;
    }
    set(d, OP_RI, 0, 0, 0, 0);
}

/* Which fused handler may run the adjacent pair a; b. Dependent pairs require b to read
 * a's destination in the operand the fused handler takes from a's result (rd for R-type
 * results, rt for immediate and load results); conditional branches on a set-on-less-than
 * result require the compare with $zero. */
int cpu_fuse(const struct dinsn *a, const struct dinsn *b)
{
    switch (a->op) {
    case OP_ADDU:
        if (b->op == OP_LW && b->rs == a->rd) return FUSE_ADDU_LW;
        if (b->op == OP_LBU && b->rs == a->rd) return FUSE_ADDU_LBU;
        if (b->op == OP_ADDIU) return FUSE_ADDU_ADDIU;
        break;
    case OP_ADDIU:
        if (b->op == OP_ADDU && b->rs == a->rt) return FUSE_ADDIU_ADDU;
        if (b->op == OP_SLTU && b->rs == a->rt) return FUSE_ADDIU_SLTU;
        if (b->op == OP_ADDIU) return FUSE_ADDIU_ADDIU;
        if (b->op == OP_SW && b->rs == a->rt) return FUSE_ADDIU_SW;
        break;
    case OP_SLL:
        if (b->op == OP_ADDU && b->rt == a->rd) return FUSE_SLL_ADDU;
        if (b->op == OP_ORI && b->rs == a->rd) return FUSE_SLL_ORI;
        if (b->op == OP_XOR && b->rs == a->rd) return FUSE_SLL_XOR;
        if (b->op == OP_ADDIU) return FUSE_SLL_ADDIU;
        break;
    case OP_SRL:
        if (b->op == OP_BNE) return FUSE_SRL_BNE;
        break;
    case OP_LW:
        if (b->op == OP_SLT && b->rs == a->rt) return FUSE_LW_SLT;
        if (b->op == OP_JR && b->rs == a->rt) return FUSE_LW_JR;
        if (b->op == OP_LW) return FUSE_LW_LW;
        if (b->op == OP_SLL) return FUSE_LW_SLL;
        if (b->op == OP_SRL) return FUSE_LW_SRL;
        break;
    case OP_LBU:
        if (b->op == OP_ANDI) return FUSE_LBU_ANDI;
        break;
    case OP_MOVE:
        if (b->op == OP_LW && b->rs == a->rd) return FUSE_MOVE_LW;
        break;
    case OP_ANDI:
        if (b->op == OP_XOR && b->rs == a->rt) return FUSE_ANDI_XOR;
        break;
    case OP_XOR:
        if (b->op == OP_SLL && b->rt == a->rd) return FUSE_XOR_SLL;
        break;
    case OP_ORI:
        if (b->op == OP_SLTU && b->rs == a->rt) return FUSE_ORI_SLTU;
        break;
    case OP_SW:
        if (b->op == OP_SW) return FUSE_SW_SW;
        if (b->op == OP_SLL) return FUSE_SW_SLL;
        break;
    case OP_BEQ: case OP_BNE: case OP_B: case OP_J: case OP_JAL: case OP_JR: {
        /* A branch and a delay slot that cannot fault: the slot runs inline. */
        static const uint8_t br[][4] = {
            { FUSE_BEQ_NOP, FUSE_BEQ_MOVE, FUSE_BEQ_ADDIU, FUSE_BEQ_ADDU },
            { FUSE_BNE_NOP, FUSE_BNE_MOVE, FUSE_BNE_ADDIU, FUSE_BNE_ADDU },
            { FUSE_B_NOP, FUSE_B_MOVE, FUSE_B_ADDIU, FUSE_B_ADDU },
            { FUSE_J_NOP, FUSE_J_MOVE, FUSE_J_ADDIU, FUSE_J_ADDU },
            { FUSE_JAL_NOP, FUSE_JAL_MOVE, FUSE_JAL_ADDIU, FUSE_JAL_ADDU },
            { FUSE_JR_NOP, FUSE_JR_MOVE, FUSE_JR_ADDIU, FUSE_JR_ADDU },
        };
        int i = a->op == OP_BEQ ? 0 : a->op == OP_BNE ? 1 : a->op == OP_B ? 2 :
                a->op == OP_J ? 3 : a->op == OP_JAL ? 4 : 5;
        switch (b->op) {
        case OP_NOP: return br[i][0];
        case OP_MOVE: return br[i][1];
        case OP_ADDIU: return br[i][2];
        case OP_ADDU: return br[i][3];
        case OP_XOR: if (a->op == OP_BNE) return FUSE_BNE_XOR; break;
        }
        break;
    }
    case OP_SLT: case OP_SLTU: case OP_SLTIU: {
        unsigned dst = a->op == OP_SLTIU ? a->rt : a->rd;
        if (a->op == OP_SLT && b->op == OP_MOVN && b->rt == dst)
            return FUSE_SLT_MOVN;
        if ((b->op != OP_BEQ && b->op != OP_BNE) || b->rs != dst || b->rt != 0)
            break;
        static const uint8_t k[3][2] = { { FUSE_SLT_BEQZ, FUSE_SLT_BNEZ },
                                         { FUSE_SLTU_BEQZ, FUSE_SLTU_BNEZ },
                                         { FUSE_SLTIU_BEQZ, FUSE_SLTIU_BNEZ } };
        return k[a->op == OP_SLT ? 0 : a->op == OP_SLTU ? 1 : 2][b->op == OP_BNE];
    }
    }
    return FUSE_NONE;
}
