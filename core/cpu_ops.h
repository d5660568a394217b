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

/* Register index that absorbs writes to $zero, so handlers never test rd == 0. */
#define REG_SINK 32

#endif
