/* x86.h - a small x86-64 instruction encoder for the compiler (compile.c): exactly the
 * forms it emits, each a static inline function that appends bytes to a buffer.
 *
 * Registers are numbered as the hardware encodes them (RAX = 0 ... R15 = 15). Memory
 * operands are [base + disp32] or [base + index * 2^scale + disp32]; the encoder picks the
 * short forms (no displacement, disp8) and adds the SIB byte that RSP/R12 as a base need
 * and the displacement that RBP/R13 as a base need. Operations on 32-bit registers
 * zero-extend into the 64-bit register, as the hardware does. A buffer that would overflow
 * stops growing and remembers it (x86_buf.overflow); the caller checks once at the end. */
#ifndef TLBVISOR_JIT_X86_H
#define TLBVISOR_JIT_X86_H

#include <stdint.h>
#include <string.h>

enum x86_reg { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum x86_cc { CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP,
              CC_L, CC_GE, CC_LE, CC_G };

/* The ALU group: the /digit of 81/83 and the opcode base of the r/m forms (base + 1: op
 * r/m, r; base + 3: op r, r/m). */
enum x86_alu { ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5,
               ALU_XOR = 6, ALU_CMP = 7 };
/* The shift group: the /digit of C1/D3. */
enum x86_shift { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

struct x86_buf {
    uint8_t *p, *start, *end;
    int overflow;
};

static inline void x86_init(struct x86_buf *b, uint8_t *mem, size_t bytes)
{
    b->p = b->start = mem;
    b->end = mem + bytes;
    b->overflow = 0;
}

static inline uint32_t x86_pos(const struct x86_buf *b) { return (uint32_t)(b->p - b->start); }

static inline void x86_byte(struct x86_buf *b, unsigned v)
{
    if (b->p < b->end)
        *b->p++ = (uint8_t)v;
    else
        b->overflow = 1;
}

static inline void x86_u32(struct x86_buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        x86_byte(b, (v >> (8 * i)) & 0xFF);
}

static inline void x86_u64(struct x86_buf *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        x86_byte(b, (unsigned)(v >> (8 * i)) & 0xFF);
}

/* REX with W, and the high bits of reg (ModRM.reg), index (SIB) and base (ModRM.rm/SIB);
 * emitted when any bit is set or when force (byte registers SPL..DIL). */
static inline void x86_rex(struct x86_buf *b, int w, int reg, int index, int base, int force)
{
    unsigned rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 |
                   ((base >> 3) & 1);
    if (rex != 0x40 || force)
        x86_byte(b, rex);
}

/* ModRM (+ SIB + displacement) for reg and [base + disp] (index < 0) or
 * [base + index << scale + disp]. */
static inline void x86_modrm_mem(struct x86_buf *b, int reg, int base, int index, int scale,
                                 int32_t disp)
{
    int mod = disp == 0 && (base & 7) != RBP ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
    if (index < 0 && (base & 7) != RSP) {
        x86_byte(b, (unsigned)(mod << 6 | (reg & 7) << 3 | (base & 7)));
    } else {
        x86_byte(b, (unsigned)(mod << 6 | (reg & 7) << 3 | 4));
        x86_byte(b, (unsigned)(scale << 6 | (index < 0 ? 4 : (index & 7)) << 3 | (base & 7)));
    }
    if (mod == 1)
        x86_byte(b, (unsigned)disp & 0xFF);
    else if (mod == 2)
        x86_u32(b, (uint32_t)disp);
}

static inline void x86_modrm_reg(struct x86_buf *b, int reg, int rm)
{
    x86_byte(b, (unsigned)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* One-byte opcode op, register reg, register rm (w: 64-bit operation). */
static inline void x86_op_rr(struct x86_buf *b, int w, unsigned op, int reg, int rm)
{
    x86_rex(b, w, reg, 0, rm, 0);
    x86_byte(b, op);
    x86_modrm_reg(b, reg, rm);
}

/* One-byte opcode op, register reg, memory [base + index << scale + disp]. */
static inline void x86_op_rm(struct x86_buf *b, int w, unsigned op, int reg, int base, int index,
                             int scale, int32_t disp)
{
    x86_rex(b, w, reg, index < 0 ? 0 : index, base, 0);
    x86_byte(b, op);
    x86_modrm_mem(b, reg, base, index, scale, disp);
}

/* Two-byte opcode 0F op2. */
static inline void x86_op2_rr(struct x86_buf *b, int w, unsigned op2, int reg, int rm)
{
    x86_rex(b, w, reg, 0, rm, 0);
    x86_byte(b, 0x0F);
    x86_byte(b, op2);
    x86_modrm_reg(b, reg, rm);
}

static inline void x86_op2_rm(struct x86_buf *b, int w, unsigned op2, int reg, int base,
                              int index, int scale, int32_t disp)
{
    x86_rex(b, w, reg, index < 0 ? 0 : index, base, 0);
    x86_byte(b, 0x0F);
    x86_byte(b, op2);
    x86_modrm_mem(b, reg, base, index, scale, disp);
}

/* ---- moves ---- */
static inline void x86_mov_rr(struct x86_buf *b, int w, int dst, int src)
{
    x86_op_rr(b, w, 0x89, src, dst);
}

static inline void x86_mov_ri32(struct x86_buf *b, int dst, uint32_t imm)
{
    if (imm == 0) {                                  /* xor dst, dst */
        x86_op_rr(b, 0, 0x31, dst, dst);
        return;
    }
    x86_rex(b, 0, 0, 0, dst, 0);
    x86_byte(b, 0xB8 + (dst & 7));
    x86_u32(b, imm);
}

/* mov r32, imm32 without touching the flags (never the xor form). */
static inline void x86_mov_ri32_keep(struct x86_buf *b, int dst, uint32_t imm)
{
    x86_rex(b, 0, 0, 0, dst, 0);
    x86_byte(b, 0xB8 + (dst & 7));
    x86_u32(b, imm);
}

static inline void x86_mov_ri64(struct x86_buf *b, int dst, uint64_t imm)
{
    if (imm <= 0xFFFFFFFFu) {
        x86_mov_ri32(b, dst, (uint32_t)imm);
        return;
    }
    x86_rex(b, 1, 0, 0, dst, 0);
    x86_byte(b, 0xB8 + (dst & 7));
    x86_u64(b, imm);
}

/* mov r, [mem] / mov [mem], r (32 or 64 bits). */
static inline void x86_load(struct x86_buf *b, int w, int dst, int base, int index, int scale,
                            int32_t disp)
{
    x86_op_rm(b, w, 0x8B, dst, base, index, scale, disp);
}

static inline void x86_store(struct x86_buf *b, int w, int base, int index, int scale,
                             int32_t disp, int src)
{
    x86_op_rm(b, w, 0x89, src, base, index, scale, disp);
}

/* Byte and halfword stores of the low part of src. */
static inline void x86_store8(struct x86_buf *b, int base, int index, int scale, int32_t disp,
                              int src)
{
    x86_rex(b, 0, src, index < 0 ? 0 : index, base, src >= 4);
    x86_byte(b, 0x88);
    x86_modrm_mem(b, src, base, index, scale, disp);
}

static inline void x86_store16(struct x86_buf *b, int base, int index, int scale, int32_t disp,
                               int src)
{
    x86_byte(b, 0x66);
    x86_op_rm(b, 0, 0x89, src, base, index, scale, disp);
}

/* mov dword [base + disp], imm32 */
static inline void x86_store_i32(struct x86_buf *b, int base, int32_t disp, uint32_t imm)
{
    x86_rex(b, 0, 0, 0, base, 0);
    x86_byte(b, 0xC7);
    x86_modrm_mem(b, 0, base, -1, 0, disp);
    x86_u32(b, imm);
}

/* movzx/movsx dst, byte/word [mem] (op2: B6 movzx8, B7 movzx16, BE movsx8, BF movsx16). */
static inline void x86_loadx(struct x86_buf *b, unsigned op2, int dst, int base, int index,
                             int scale, int32_t disp)
{
    x86_op2_rm(b, 0, op2, dst, base, index, scale, disp);
}

/* movzx/movsx dst, low byte/word of src. */
static inline void x86_movx_rr(struct x86_buf *b, unsigned op2, int dst, int src)
{
    x86_rex(b, 0, dst, 0, src, (op2 == 0xB6 || op2 == 0xBE) && src >= 4);
    x86_byte(b, 0x0F);
    x86_byte(b, op2);
    x86_modrm_reg(b, dst, src);
}

/* lea dst, [base + index << scale + disp] (w: 64-bit result). */
static inline void x86_lea(struct x86_buf *b, int w, int dst, int base, int index, int scale,
                           int32_t disp)
{
    x86_op_rm(b, w, 0x8D, dst, base, index, scale, disp);
}

/* mov rax, [abs64] */
static inline void x86_load_abs_rax(struct x86_buf *b, uint64_t addr)
{
    x86_byte(b, 0x48);
    x86_byte(b, 0xA1);
    x86_u64(b, addr);
}

/* ---- arithmetic ---- */
static inline void x86_alu_rr(struct x86_buf *b, int w, enum x86_alu op, int dst, int src)
{
    x86_op_rr(b, w, (unsigned)op * 8 + 1, src, dst);
}

static inline void x86_alu_rm(struct x86_buf *b, int w, enum x86_alu op, int dst, int base,
                              int32_t disp)
{
    x86_op_rm(b, w, (unsigned)op * 8 + 3, dst, base, -1, 0, disp);
}

static inline void x86_alu_ri(struct x86_buf *b, int w, enum x86_alu op, int dst, int32_t imm)
{
    x86_rex(b, w, 0, 0, dst, 0);
    if (imm >= -128 && imm <= 127) {
        x86_byte(b, 0x83);
        x86_modrm_reg(b, op, dst);
        x86_byte(b, (unsigned)imm & 0xFF);
    } else {
        x86_byte(b, 0x81);
        x86_modrm_reg(b, op, dst);
        x86_u32(b, (uint32_t)imm);
    }
}

/* op [base + disp], imm (w: qword). */
static inline void x86_alu_mi(struct x86_buf *b, int w, enum x86_alu op, int base, int32_t disp,
                              int32_t imm)
{
    x86_rex(b, w, 0, 0, base, 0);
    if (imm >= -128 && imm <= 127) {
        x86_byte(b, 0x83);
        x86_modrm_mem(b, op, base, -1, 0, disp);
        x86_byte(b, (unsigned)imm & 0xFF);
    } else {
        x86_byte(b, 0x81);
        x86_modrm_mem(b, op, base, -1, 0, disp);
        x86_u32(b, (uint32_t)imm);
    }
}

/* cmp byte [base + disp], imm8 */
static inline void x86_cmp_m8i(struct x86_buf *b, int base, int32_t disp, uint8_t imm)
{
    x86_rex(b, 0, 0, 0, base, 0);
    x86_byte(b, 0x80);
    x86_modrm_mem(b, ALU_CMP, base, -1, 0, disp);
    x86_byte(b, imm);
}

static inline void x86_test_rr(struct x86_buf *b, int w, int a, int c)
{
    x86_op_rr(b, w, 0x85, c, a);
}

static inline void x86_test_ri(struct x86_buf *b, int r, uint32_t imm)
{
    if (imm <= 0xFF && r < 4) {                      /* test r8, imm8 (AL, CL, DL, BL) */
        x86_byte(b, 0xF6);
        x86_modrm_reg(b, 0, r);
        x86_byte(b, imm);
        return;
    }
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0xF7);
    x86_modrm_reg(b, 0, r);
    x86_u32(b, imm);
}

static inline void x86_shift_ri(struct x86_buf *b, enum x86_shift op, int r, unsigned n)
{
    x86_rex(b, 0, 0, 0, r, 0);
    if (n == 1) {
        x86_byte(b, 0xD1);
        x86_modrm_reg(b, op, r);
    } else {
        x86_byte(b, 0xC1);
        x86_modrm_reg(b, op, r);
        x86_byte(b, n & 31);
    }
}

static inline void x86_shift_rcl(struct x86_buf *b, enum x86_shift op, int r)
{
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0xD3);
    x86_modrm_reg(b, op, r);
}

/* The F7 group on a register: 2 not, 3 neg, 4 mul, 5 imul, 6 div, 7 idiv (w: 64-bit). */
static inline void x86_f7(struct x86_buf *b, int w, unsigned digit, int r)
{
    x86_rex(b, w, 0, 0, r, 0);
    x86_byte(b, 0xF7);
    x86_modrm_reg(b, digit, r);
}

/* imul dst, src (w: 64-bit) */
static inline void x86_imul_rr(struct x86_buf *b, int w, int dst, int src)
{
    x86_op2_rr(b, w, 0xAF, dst, src);
}

/* bsr dst, src */
static inline void x86_bsr(struct x86_buf *b, int dst, int src)
{
    x86_op2_rr(b, 0, 0xBD, dst, src);
}

/* bswap */
static inline void x86_bswap(struct x86_buf *b, int r)
{
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0x0F);
    x86_byte(b, 0xC8 + (r & 7));
}

static inline void x86_setcc(struct x86_buf *b, enum x86_cc cc, int r)
{
    x86_rex(b, 0, 0, 0, r, r >= 4);
    x86_byte(b, 0x0F);
    x86_byte(b, 0x90 + cc);
    x86_modrm_reg(b, 0, r);
}

static inline void x86_cmov(struct x86_buf *b, enum x86_cc cc, int dst, int src)
{
    x86_op2_rr(b, 0, 0x40 + cc, dst, src);
}

/* movsxd dst64, src32 */
static inline void x86_movsxd(struct x86_buf *b, int dst, int src)
{
    x86_op_rr(b, 1, 0x63, dst, src);
}

/* ---- control ---- */
/* jcc/jmp rel32 to be patched: returns the offset of the rel32 field. */
static inline uint32_t x86_jcc32(struct x86_buf *b, enum x86_cc cc)
{
    x86_byte(b, 0x0F);
    x86_byte(b, 0x80 + cc);
    uint32_t at = x86_pos(b);
    x86_u32(b, 0);
    return at;
}

static inline uint32_t x86_jmp32(struct x86_buf *b)
{
    x86_byte(b, 0xE9);
    uint32_t at = x86_pos(b);
    x86_u32(b, 0);
    return at;
}

/* Short forward jumps inside one sequence: returns the offset of the rel8 field. */
static inline uint32_t x86_jcc8(struct x86_buf *b, enum x86_cc cc)
{
    x86_byte(b, 0x70 + cc);
    uint32_t at = x86_pos(b);
    x86_byte(b, 0);
    return at;
}

static inline uint32_t x86_jmp8(struct x86_buf *b)
{
    x86_byte(b, 0xEB);
    uint32_t at = x86_pos(b);
    x86_byte(b, 0);
    return at;
}

/* Points the rel8 at offset at to the current position. */
static inline void x86_bind8(struct x86_buf *b, uint32_t at)
{
    int32_t rel = (int32_t)(x86_pos(b) - (at + 1));
    if (b->overflow || at >= (uint32_t)(b->end - b->start))
        return;
    if (rel > 127)
        b->overflow = 2;                             /* the compiler's bug: caught in tests */
    b->start[at] = (uint8_t)rel;
}

/* jmp/call r64 */
static inline void x86_jmp_r(struct x86_buf *b, int r)
{
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0xFF);
    x86_modrm_reg(b, 4, r);
}

static inline void x86_call_r(struct x86_buf *b, int r)
{
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0xFF);
    x86_modrm_reg(b, 2, r);
}

static inline void x86_push(struct x86_buf *b, int r)
{
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0x50 + (r & 7));
}

static inline void x86_pop(struct x86_buf *b, int r)
{
    x86_rex(b, 0, 0, 0, r, 0);
    x86_byte(b, 0x58 + (r & 7));
}

static inline void x86_ret(struct x86_buf *b) { x86_byte(b, 0xC3); }

#endif
