/* cpu_ops.h - predecoded operation numbers shared by the decoder and the interpreter.
 * X(name) order defines the numbering; DECODE must stay first (0 = not decoded yet); PAGE_END, FAR and EVENT_BP
 * are the interpreter's sentinels, never produced by the decoder. */
#ifndef TLBVISOR_CPU_OPS_H
#define TLBVISOR_CPU_OPS_H

#define CPU_OPS(X) \
    X(DECODE) X(PAGE_END) X(FAR) X(EVENT_BP) X(RI) X(CPU1) X(CPU2) X(NOP) \
    X(SLL) X(SRL) X(SRA) X(ROTR) X(SLLV) X(SRLV) X(SRAV) X(ROTRV) X(JR) X(JALR) \
    X(MOVZ) X(MOVN) X(SYSCALL) X(BREAK) X(MFHI) X(MTHI) X(MFLO) X(MTLO) \
    X(MULT) X(MULTU) X(DIV) X(DIVU) X(ADD) X(ADDU) X(SUB) X(SUBU) X(AND) X(OR) X(XOR) \
    X(NOR) X(SLT) X(SLTU) X(TGE) X(TGEU) X(TLT) X(TLTU) X(TEQ) X(TNE) \
    X(BLTZ) X(BGEZ) X(BLTZL) X(BGEZL) X(TGEI) X(TGEIU) X(TLTI) X(TLTIU) X(TEQI) X(TNEI) \
    X(BLTZAL) X(BGEZAL) X(BLTZALL) X(BGEZALL) \
    X(J) X(JAL) X(BEQ) X(BNE) X(BLEZ) X(BGTZ) X(ADDI) X(ADDIU) X(SLTI) X(SLTIU) X(ANDI) \
    X(ORI) X(XORI) X(LUI) X(BEQL) X(BNEL) X(BLEZL) X(BGTZL) X(B) X(MOVE) \
    X(MADD) X(MADDU) X(MUL) X(MSUB) X(MSUBU) X(CLZ) X(CLO) X(SDBBP) \
    X(EXT) X(INS) X(WSBH) X(SEB) X(SEH) X(RDHWR) \
    X(LB) X(LH) X(LWL) X(LW) X(LBU) X(LHU) X(LWR) X(SB) X(SH) X(SWL) X(SW) X(SWR) \
    X(CACHE) X(LL) X(SC) \
    X(MFC0) X(MTC0) X(DI) X(EI) X(TLBR) X(TLBWI) X(TLBWR) X(TLBP) X(ERET) X(WAIT) \
    X(RDPGPR) X(WRPGPR) X(DERET)

enum cpu_op {
#define CPU_OP_ENUM(n) OP_##n,
    CPU_OPS(CPU_OP_ENUM)
#undef CPU_OP_ENUM
    OP_COUNT
};

/* Fused pairs (superinstructions): two adjacent instructions on one predecoded page that the
 * interpreter runs with one handler when the first is dispatched in sequence. The first
 * keeps its op; only its handler changes. Most pairs pass the first's result straight to
 * the second; a branch pair runs its delay slot (a simple ALU instruction) inline. */
#define CPU_FUSED(X) \
    X(ADDU_LW) X(ADDU_LBU) X(ADDIU_ADDU) X(SLL_ADDU) X(LW_SLT) X(XOR_SLL) X(ADDIU_SLTU) \
    X(ORI_SLTU) X(SLT_BEQZ) X(SLT_BNEZ) X(SLTU_BEQZ) X(SLTU_BNEZ) X(SLTIU_BEQZ) \
    X(SLTIU_BNEZ) X(SLL_ORI) X(SLT_MOVN) X(LW_JR) X(ADDIU_SW) X(MOVE_LW) X(ANDI_XOR) \
    X(SLL_XOR) X(SW_SW) X(LW_LW) X(LW_SLL) X(SLL_ADDIU) X(ADDU_ADDIU) X(SW_SLL) X(LBU_ANDI) \
    X(LW_SRL) X(SRL_BNE) X(ADDIU_ADDIU) \
    X(BEQ_NOP) X(BEQ_MOVE) X(BEQ_ADDIU) X(BEQ_ADDU) X(BNE_NOP) X(BNE_MOVE) X(BNE_ADDIU) \
    X(BNE_ADDU) X(BNE_XOR) X(B_NOP) X(B_MOVE) X(B_ADDIU) X(B_ADDU) X(J_NOP) X(J_MOVE) \
    X(J_ADDIU) X(J_ADDU) X(JAL_NOP) X(JAL_MOVE) X(JAL_ADDIU) X(JAL_ADDU) X(JR_NOP) \
    X(JR_MOVE) X(JR_ADDIU) X(JR_ADDU)

enum cpu_fused {
    FUSE_NONE,
#define CPU_FUSE_ENUM(n) FUSE_##n,
    CPU_FUSED(CPU_FUSE_ENUM)
#undef CPU_FUSE_ENUM
    FUSE_COUNT
};

struct dinsn;
/* The fused kind of the pair a, a + 1 (both decoded), or FUSE_NONE. */
int cpu_fuse(const struct dinsn *a, const struct dinsn *b);

/* Register index that absorbs writes to $zero, so handlers never test rd == 0. */
#define REG_SINK 32

#endif
