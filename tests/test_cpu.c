/* tests/test_cpu.c — instruction semantics of the interpreter (core/cpu_exec.c) on a real CPU.
 *
 * Hand-encoded MIPS32r2 words are placed in a 1 MiB RAM and run in kernel mode from kseg0,
 * with Status.BEV=0 so that the vectors (0x80000000 refill, 0x80000180 general) are in RAM.
 * Each vector holds the UHI exit (`sdbbp 1`, $t9=1), so an exception ends the run and the
 * test reads EPC/Cause/BadVAddr. Single-instruction cases are followed by `sdbbp 1` too, so
 * no test depends on where the interpreter checks the instruction limit, except the tests
 * of the limit itself. The emulator is deterministic: every value is exact.
 *
 * Layout: vectors at PA 0x0/0x180, code at 0x80010000.., data at 0x80020000.., user code
 * (mapped through the R4K TLB) at VA 0x00400000 -> PA 0x00030000. */
#include <criterion/criterion.h>

#include <string.h>

#include "core/cp0.h"
#include "fixture.h"

#define RAM_BYTES (1u << 20)
#define CODE 0x80010000u
#define DATA 0x80020000u
#define VEC_REFILL 0x80000000u
#define VEC_GENERAL 0x80000180u
#define SENTINEL 0xDEADBEEFu

static struct fx fx;
static struct cpu *cpu;                             /* fx.cpu */
static struct mmu *mmu;                             /* fx.mmu */

/* ---- encoders ------------------------------------------------------------------------ */

#define R_(rs, rt, rd, sa, fn) \
    ((uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | (uint32_t)(rd) << 11 | (uint32_t)(sa) << 6 | (uint32_t)(fn))
#define I_(op, rs, rt, imm) \
    ((uint32_t)(op) << 26 | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | ((uint32_t)(imm) & 0xFFFFu))
#define SPECIAL(rs, rt, rd, sa, fn) R_(rs, rt, rd, sa, fn)
#define SP2(rs, rt, rd, fn) (0x70000000u | R_(rs, rt, rd, 0, fn))
#define SP3(rs, rt, rd, sa, fn) (0x7C000000u | R_(rs, rt, rd, sa, fn))
#define REGIMM(rs, code, imm) I_(1, rs, code, imm)

#define NOP 0u
#define ADD(d, s, t) SPECIAL(s, t, d, 0, 0x20)
#define ADDU(d, s, t) SPECIAL(s, t, d, 0, 0x21)
#define SUB(d, s, t) SPECIAL(s, t, d, 0, 0x22)
#define SUBU(d, s, t) SPECIAL(s, t, d, 0, 0x23)
#define AND(d, s, t) SPECIAL(s, t, d, 0, 0x24)
#define OR(d, s, t) SPECIAL(s, t, d, 0, 0x25)
#define XOR(d, s, t) SPECIAL(s, t, d, 0, 0x26)
#define NOR(d, s, t) SPECIAL(s, t, d, 0, 0x27)
#define SLT(d, s, t) SPECIAL(s, t, d, 0, 0x2A)
#define SLTU(d, s, t) SPECIAL(s, t, d, 0, 0x2B)
#define SLL(d, t, sa) SPECIAL(0, t, d, sa, 0x00)
#define SRL(d, t, sa) SPECIAL(0, t, d, sa, 0x02)
#define ROTR(d, t, sa) SPECIAL(1, t, d, sa, 0x02)
#define SRA(d, t, sa) SPECIAL(0, t, d, sa, 0x03)
#define SLLV(d, t, s) SPECIAL(s, t, d, 0, 0x04)
#define SRLV(d, t, s) SPECIAL(s, t, d, 0, 0x06)
#define ROTRV(d, t, s) SPECIAL(s, t, d, 1, 0x06)
#define SRAV(d, t, s) SPECIAL(s, t, d, 0, 0x07)
#define JR(s) SPECIAL(s, 0, 0, 0, 0x08)
#define JALR(d, s) SPECIAL(s, 0, d, 0, 0x09)
#define MOVZ(d, s, t) SPECIAL(s, t, d, 0, 0x0A)
#define MOVN(d, s, t) SPECIAL(s, t, d, 0, 0x0B)
#define SYSCALL_ 0x0000000Cu
#define BREAK_ 0x0000000Du
#define MFHI(d) SPECIAL(0, 0, d, 0, 0x10)
#define MTHI(s) SPECIAL(s, 0, 0, 0, 0x11)
#define MFLO(d) SPECIAL(0, 0, d, 0, 0x12)
#define MTLO(s) SPECIAL(s, 0, 0, 0, 0x13)
#define MULT(s, t) SPECIAL(s, t, 0, 0, 0x18)
#define MULTU(s, t) SPECIAL(s, t, 0, 0, 0x19)
#define DIV(s, t) SPECIAL(s, t, 0, 0, 0x1A)
#define DIVU(s, t) SPECIAL(s, t, 0, 0, 0x1B)
#define TRAP(s, t, fn) SPECIAL(s, t, 0, 0, fn)       /* code field 0 */
#define ADDI(t, s, i) I_(8, s, t, i)
#define ADDIU(t, s, i) I_(9, s, t, i)
#define SLTI(t, s, i) I_(10, s, t, i)
#define SLTIU(t, s, i) I_(11, s, t, i)
#define ANDI(t, s, i) I_(12, s, t, i)
#define ORI(t, s, i) I_(13, s, t, i)
#define XORI(t, s, i) I_(14, s, t, i)
#define LUI(t, i) I_(15, 0, t, i)
#define BEQ(s, t, off) I_(4, s, t, off)
#define BNE(s, t, off) I_(5, s, t, off)
#define BLEZ(s, off) I_(6, s, 0, off)
#define BGTZ(s, off) I_(7, s, 0, off)
#define BEQL(s, t, off) I_(20, s, t, off)
#define BNEL(s, t, off) I_(21, s, t, off)
#define BLEZL(s, off) I_(22, s, 0, off)
#define BGTZL(s, off) I_(23, s, 0, off)
#define J(a) (0x08000000u | (((uint32_t)(a) >> 2) & 0x03FFFFFFu))
#define JAL(a) (0x0C000000u | (((uint32_t)(a) >> 2) & 0x03FFFFFFu))
#define MADD(s, t) SP2(s, t, 0, 0x00)
#define MADDU(s, t) SP2(s, t, 0, 0x01)
#define MUL(d, s, t) SP2(s, t, d, 0x02)
#define MSUB(s, t) SP2(s, t, 0, 0x04)
#define MSUBU(s, t) SP2(s, t, 0, 0x05)
#define CLZ(d, s) SP2(s, d, d, 0x20)
#define CLO(d, s) SP2(s, d, d, 0x21)
#define SDBBP(code) (0x7000003Fu | (uint32_t)(code) << 6)
#define EXT(t, s, pos, size) SP3(s, t, (size) - 1, pos, 0x00)
#define INS(t, s, pos, size) SP3(s, t, (pos) + (size) - 1, pos, 0x04)
#define WSBH(d, t) SP3(0, t, d, 0x02, 0x20)
#define SEB(d, t) SP3(0, t, d, 0x10, 0x20)
#define SEH(d, t) SP3(0, t, d, 0x18, 0x20)
#define RDHWR(t, hw) SP3(0, t, hw, 0, 0x3B)
#define LB(t, o, b) I_(32, b, t, o)
#define LH(t, o, b) I_(33, b, t, o)
#define LWL(t, o, b) I_(34, b, t, o)
#define LW(t, o, b) I_(35, b, t, o)
#define LBU(t, o, b) I_(36, b, t, o)
#define LHU(t, o, b) I_(37, b, t, o)
#define LWR(t, o, b) I_(38, b, t, o)
#define SB(t, o, b) I_(40, b, t, o)
#define SH(t, o, b) I_(41, b, t, o)
#define SWL(t, o, b) I_(42, b, t, o)
#define SW(t, o, b) I_(43, b, t, o)
#define SWR(t, o, b) I_(46, b, t, o)
#define CACHE(o, b) I_(47, b, 0, o)
#define LL(t, o, b) I_(48, b, t, o)
#define SC(t, o, b) I_(56, b, t, o)
#define MFC0(t, rd, sel) (0x40000000u | (uint32_t)(t) << 16 | (uint32_t)(rd) << 11 | (sel))
#define MTC0(t, rd, sel) (0x40800000u | (uint32_t)(t) << 16 | (uint32_t)(rd) << 11 | (sel))
#define ERET 0x42000018u
#define WAIT 0x42000020u
#define TLBWI 0x42000002u
#define DI(t) (0x41606000u | (uint32_t)(t) << 16)

enum { ZERO = 0, AT = 1, V0 = 2, A0 = 4, T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, T5 = 13,
       T6 = 14, T7 = 15, K0 = 26, T9 = 25, RA = 31 };

/* ---- harness ------------------------------------------------------------------------- */

static uint32_t rd32(uint32_t va)
{
    uint32_t v;
    memcpy(&v, fx.ram + (va & 0x1FFFFFFFu), 4);
    return v;
}

/* Places n words at kseg0/kseg1 address va (written behind the CPU's back). */
static void put(uint32_t va, const uint32_t *w, size_t n) { fx_put(&fx, va & 0x1FFFFFFFu, w, n); }
static void wr32(uint32_t va, uint32_t v) { put(va, &v, 1); }
#define PUT(va, ...) do { static const uint32_t p_[] = { __VA_ARGS__ }; \
        put((va), p_, sizeof(p_) / sizeof(p_[0])); } while (0)

static void set_status(uint32_t v) { cpu_cp0_write(cpu, CP0_STATUS, 0, v); }

static void setup(void)
{
    fx_setup(&fx, RAM_BYTES, 64, NULL);
    cpu = fx.cpu;
    mmu = fx.mmu;
    cpu_register_stats(cpu, &fx.st);
    set_status(0);                                  /* kernel, BEV=0: vectors in kseg0 */
    PUT(VEC_REFILL, SDBBP(1));
    PUT(VEC_GENERAL, SDBBP(1));
}

static void teardown(void) { fx_teardown(&fx); }

TestSuite(cpu, .init = setup, .fini = teardown);

/* Runs from pc until the UHI exit (at most 10000 instructions). */
static void run_exit(uint32_t pc)
{
    enum cpu_stop s = fx_run_at(&fx, pc, 10000);
    cr_assert_eq(s, CPU_STOP_EXIT, "stop %d at pc %#x", s, cpu->pc);
}

static unsigned cause_ce(void) { return (cpu->cp0.cause >> CA_CE_SHIFT) & 3; }
static int cause_bd(void) { return (cpu->cp0.cause & CA_BD) != 0; }

/* Asserts that an exception was taken: code, EPC, BD, vector. */
static void expect_exc(unsigned code, uint32_t epc, int bd, uint32_t vector)
{
    cr_assert_eq(fx_exccode(&fx), code, "ExcCode %u, want %u (pc %#x)", fx_exccode(&fx), code,
                 cpu->pc);
    cr_assert_eq(cpu->cp0.epc, epc, "EPC %#x, want %#x", cpu->cp0.epc, epc);
    cr_assert_eq(cause_bd(), bd, "Cause.BD %d, want %d", cause_bd(), bd);
    cr_assert_eq(cpu->pc, vector, "pc %#x, want vector %#x", cpu->pc, vector);
    cr_assert(cpu->cp0.status & ST_EXL);
}

/* Maps the 8 KiB pair at va (even -> pa0, odd -> pa1), global, valid, dirty, at TLB index. */
static void tlb_map(unsigned index, uint32_t va, uint32_t pa0, uint32_t pa1)
{
    cpu_cp0_write(cpu, CP0_INDEX, 0, index);
    cpu_cp0_write(cpu, CP0_PAGEMASK, 0, 0);
    cpu_cp0_write(cpu, CP0_ENTRYHI, 0, va & 0xFFFFE000u);
    cpu_cp0_write(cpu, CP0_ENTRYLO0, 0, (pa0 >> 12) << 6 | 0x7u << 3 | 7);
    cpu_cp0_write(cpu, CP0_ENTRYLO1, 0, (pa1 >> 12) << 6 | 0x7u << 3 | 7);
    cr_assert_eq(mmu->ops->tlb_op(mmu, MMU_TLBWI), 0);
}

/* ---- single-instruction table -------------------------------------------------------- */

#define NO_EXC (-1)
struct alu_case {
    const char *name;
    uint32_t insn;
    uint32_t t0, t1, t2;   /* inputs ($t0, $t1) and the initial $t2 */
    int exc;               /* NO_EXC, or the ExcCode */
    uint32_t want;         /* $t2 afterwards */
    int ce;                /* Cause.CE for CpU */
};

static void run_alu_table(const struct alu_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t pc = CODE + 8 * (uint32_t)i;
        wr32(pc, c[i].insn);
        wr32(pc + 4, SDBBP(1));
        cpu->gpr[T0] = c[i].t0;
        cpu->gpr[T1] = c[i].t1;
        cpu->gpr[T2] = c[i].t2;
        set_status(0);
        cpu->cp0.cause = 0;
        cr_assert_eq(fx_run_at(&fx, pc, 100), CPU_STOP_EXIT, "%s: pc %#x", c[i].name, cpu->pc);
        cr_assert_eq(cpu->gpr[T2], c[i].want, "%s: $t2 %#x, want %#x", c[i].name, cpu->gpr[T2],
                     c[i].want);
        cr_assert_eq(cpu->gpr[ZERO], 0, "%s", c[i].name);
        if (c[i].exc == NO_EXC) {
            cr_assert_eq(cpu->pc, pc + 4, "%s: pc %#x (ExcCode %u)", c[i].name, cpu->pc,
                         fx_exccode(&fx));
        } else {
            cr_assert_eq(cpu->pc, VEC_GENERAL, "%s: pc %#x", c[i].name, cpu->pc);
            cr_assert_eq(fx_exccode(&fx), (unsigned)c[i].exc, "%s: ExcCode %u", c[i].name,
                         fx_exccode(&fx));
            cr_assert_eq(cpu->cp0.epc, pc, "%s", c[i].name);
            cr_assert_not(cause_bd(), "%s", c[i].name);
            if (c[i].exc == EXC_CPU)
                cr_assert_eq(cause_ce(), (unsigned)c[i].ce, "%s: CE %u", c[i].name, cause_ce());
        }
    }
}
#define RUN_TABLE(t) run_alu_table((t), sizeof(t) / sizeof((t)[0]))

Test(cpu, alu_arith_and_overflow)
{
    static const struct alu_case t[] = {
        { "add 1+2", ADD(T2, T0, T1), 1, 2, SENTINEL, NO_EXC, 3, 0 },
        { "add -1+-1", ADD(T2, T0, T1), 0xFFFFFFFF, 0xFFFFFFFF, SENTINEL, NO_EXC, 0xFFFFFFFE, 0 },
        { "add max+1 Ov", ADD(T2, T0, T1), 0x7FFFFFFF, 1, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "add min+-1 Ov", ADD(T2, T0, T1), 0x80000000, 0xFFFFFFFF, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "add min+min Ov", ADD(T2, T0, T1), 0x80000000, 0x80000000, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "addu max+1", ADDU(T2, T0, T1), 0x7FFFFFFF, 1, SENTINEL, NO_EXC, 0x80000000, 0 },
        { "addu wrap", ADDU(T2, T0, T1), 0xFFFFFFFF, 2, SENTINEL, NO_EXC, 1, 0 },
        { "addu rt=0 (move)", ADDU(T2, T0, ZERO), 0x12345678, 9, SENTINEL, NO_EXC, 0x12345678, 0 },
        { "sub 5-7", SUB(T2, T0, T1), 5, 7, SENTINEL, NO_EXC, 0xFFFFFFFE, 0 },
        { "sub min-1 Ov", SUB(T2, T0, T1), 0x80000000, 1, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "sub 0-min Ov", SUB(T2, T0, T1), 0, 0x80000000, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "sub max-(-1) Ov", SUB(T2, T0, T1), 0x7FFFFFFF, 0xFFFFFFFF, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "sub -1-max", SUB(T2, T0, T1), 0xFFFFFFFF, 0x7FFFFFFF, SENTINEL, NO_EXC, 0x80000000, 0 },
        { "subu min-1", SUBU(T2, T0, T1), 0x80000000, 1, SENTINEL, NO_EXC, 0x7FFFFFFF, 0 },
        { "subu 0-1", SUBU(T2, T0, T1), 0, 1, SENTINEL, NO_EXC, 0xFFFFFFFF, 0 },
        { "addi max+1 Ov", ADDI(T2, T0, 1), 0x7FFFFFFF, 0, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "addi min-1 Ov", ADDI(T2, T0, 0xFFFF), 0x80000000, 0, SENTINEL, EXC_OV, SENTINEL, 0 },
        { "addi 5-32768", ADDI(T2, T0, 0x8000), 5, 0, SENTINEL, NO_EXC, 0xFFFF8005, 0 },
        { "addiu max+1", ADDIU(T2, T0, 1), 0x7FFFFFFF, 0, SENTINEL, NO_EXC, 0x80000000, 0 },
        { "addiu sext", ADDIU(T2, T0, 0xFFFF), 0, 0, SENTINEL, NO_EXC, 0xFFFFFFFF, 0 },
        { "slt -1<0", SLT(T2, T0, T1), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 1, 0 },
        { "slt 0<-1", SLT(T2, T0, T1), 0, 0xFFFFFFFF, SENTINEL, NO_EXC, 0, 0 },
        { "slt min<max", SLT(T2, T0, T1), 0x80000000, 0x7FFFFFFF, SENTINEL, NO_EXC, 1, 0 },
        { "slt equal", SLT(T2, T0, T1), 7, 7, SENTINEL, NO_EXC, 0, 0 },
        { "sltu ~0<0", SLTU(T2, T0, T1), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 0, 0 },
        { "sltu 0<~0", SLTU(T2, T0, T1), 0, 0xFFFFFFFF, SENTINEL, NO_EXC, 1, 0 },
        { "sltu min<max", SLTU(T2, T0, T1), 0x80000000, 0x7FFFFFFF, SENTINEL, NO_EXC, 0, 0 },
        { "slti -1<0", SLTI(T2, T0, 0), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 1, 0 },
        { "slti min<-32768", SLTI(T2, T0, 0x8000), 0x80000000, 0, SENTINEL, NO_EXC, 1, 0 },
        { "slti -32768<-32768", SLTI(T2, T0, 0x8000), 0xFFFF8000, 0, SENTINEL, NO_EXC, 0, 0 },
        { "slti 0<-1", SLTI(T2, T0, 0xFFFF), 0, 0, SENTINEL, NO_EXC, 0, 0 },
        { "sltiu 0<sext(-1)", SLTIU(T2, T0, 0xFFFF), 0, 0, SENTINEL, NO_EXC, 1, 0 },
        { "sltiu ~0<sext(-1)", SLTIU(T2, T0, 0xFFFF), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 0, 0 },
        { "sltiu 0x7fff<0x8000->0xffff8000", SLTIU(T2, T0, 0x8000), 0x7FFF, 0, SENTINEL, NO_EXC, 1, 0 },
        { "sltiu 1<1", SLTIU(T2, T0, 1), 1, 0, SENTINEL, NO_EXC, 0, 0 },
        { "mul 0x10000^2", MUL(T2, T0, T1), 0x10000, 0x10000, SENTINEL, NO_EXC, 0, 0 },
        { "mul -3*5", MUL(T2, T0, T1), 0xFFFFFFFD, 5, SENTINEL, NO_EXC, 0xFFFFFFF1, 0 },
        { "mul min*-1", MUL(T2, T0, T1), 0x80000000, 0xFFFFFFFF, SENTINEL, NO_EXC, 0x80000000, 0 },
    };
    RUN_TABLE(t);
}

Test(cpu, alu_logic_lui_shifts)
{
    static const struct alu_case t[] = {
        { "and", AND(T2, T0, T1), 0xF0F0FF00, 0x0FF0F0F0, SENTINEL, NO_EXC, 0x00F0F000, 0 },
        { "or", OR(T2, T0, T1), 0xF0F0FF00, 0x0FF0F0F0, SENTINEL, NO_EXC, 0xFFF0FFF0, 0 },
        { "xor", XOR(T2, T0, T1), 0xF0F0FF00, 0x0FF0F0F0, SENTINEL, NO_EXC, 0xFF000FF0, 0 },
        { "nor", NOR(T2, T0, T1), 0xF0F0FF00, 0x0FF0F0F0, SENTINEL, NO_EXC, 0x000F000F, 0 },
        { "or rt=0 (move)", OR(T2, T0, ZERO), 0xCAFE0001, 3, SENTINEL, NO_EXC, 0xCAFE0001, 0 },
        { "andi zext", ANDI(T2, T0, 0x8001), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 0x8001, 0 },
        { "ori zext", ORI(T2, T0, 0x8000), 0x00010000, 0, SENTINEL, NO_EXC, 0x00018000, 0 },
        { "xori zext", XORI(T2, T0, 0xFFFF), 0xFFFF0F0F, 0, SENTINEL, NO_EXC, 0xFFFFF0F0, 0 },
        { "lui", LUI(T2, 0x8001), 0, 0, SENTINEL, NO_EXC, 0x80010000, 0 },
        { "sll 31", SLL(T2, T1, 31), 0, 3, SENTINEL, NO_EXC, 0x80000000, 0 },
        { "sll 0", SLL(T2, T1, 0), 0, 0x1234, SENTINEL, NO_EXC, 0x1234, 0 },
        { "srl 31", SRL(T2, T1, 31), 0, 0x80000000, SENTINEL, NO_EXC, 1, 0 },
        { "sra 31", SRA(T2, T1, 31), 0, 0x80000000, SENTINEL, NO_EXC, 0xFFFFFFFF, 0 },
        { "sra 4 pos", SRA(T2, T1, 4), 0, 0x7FFFFFF0, SENTINEL, NO_EXC, 0x07FFFFFF, 0 },
        { "rotr 8", ROTR(T2, T1, 8), 0, 0x12345678, SENTINEL, NO_EXC, 0x78123456, 0 },
        { "rotr 0", ROTR(T2, T1, 0), 0, 0x12345678, SENTINEL, NO_EXC, 0x12345678, 0 },
        { "rotr 31", ROTR(T2, T1, 31), 0, 0x80000001, SENTINEL, NO_EXC, 0x00000003, 0 },
        { "sllv 33 -> 1", SLLV(T2, T1, T0), 33, 0x40000001, SENTINEL, NO_EXC, 0x80000002, 0 },
        { "srlv 36 -> 4", SRLV(T2, T1, T0), 36, 0x80000000, SENTINEL, NO_EXC, 0x08000000, 0 },
        { "srav 63 -> 31", SRAV(T2, T1, T0), 63, 0x80000000, SENTINEL, NO_EXC, 0xFFFFFFFF, 0 },
        { "srav 32 -> 0", SRAV(T2, T1, T0), 32, 0x80000000, SENTINEL, NO_EXC, 0x80000000, 0 },
        { "rotrv 36 -> 4", ROTRV(T2, T1, T0), 36, 0x12345678, SENTINEL, NO_EXC, 0x81234567, 0 },
        { "rotrv 0", ROTRV(T2, T1, T0), 0, 0x12345678, SENTINEL, NO_EXC, 0x12345678, 0 },
        { "clz 0", CLZ(T2, T0), 0, 0, SENTINEL, NO_EXC, 32, 0 },
        { "clz ~0", CLZ(T2, T0), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 0, 0 },
        { "clz 1", CLZ(T2, T0), 1, 0, SENTINEL, NO_EXC, 31, 0 },
        { "clo 0", CLO(T2, T0), 0, 0, SENTINEL, NO_EXC, 0, 0 },
        { "clo ~0", CLO(T2, T0), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, 32, 0 },
        { "clo 0xF0000000", CLO(T2, T0), 0xF0000000, 0, SENTINEL, NO_EXC, 4, 0 },
        { "ext pos0 size32", EXT(T2, T0, 0, 32), 0xDEADBEEF, 0, 0, NO_EXC, 0xDEADBEEF, 0 },
        { "ext pos31 size1", EXT(T2, T0, 31, 1), 0x80000000, 0, 0, NO_EXC, 1, 0 },
        { "ext pos0 size1", EXT(T2, T0, 0, 1), 0xFFFFFFFF, 0, 0, NO_EXC, 1, 0 },
        { "ext pos4 size8", EXT(T2, T0, 4, 8), 0x12345678, 0, 0, NO_EXC, 0x67, 0 },
        { "ext pos16 size16", EXT(T2, T0, 16, 16), 0xABCD1234, 0, 0, NO_EXC, 0xABCD, 0 },
        { "ins pos0 size32", INS(T2, T0, 0, 32), 0x13572468, 0, 0xFFFFFFFF, NO_EXC, 0x13572468, 0 },
        { "ins pos31 size1 (msb 31)", INS(T2, T0, 31, 1), 0x00000001, 0, 0x12345678, NO_EXC,
          0x92345678, 0 },
        { "ins pos0 size1", INS(T2, T0, 0, 1), 0xFFFFFFFE, 0, 0xFFFFFFFF, NO_EXC, 0xFFFFFFFE, 0 },
        { "ins pos8 size8", INS(T2, T0, 8, 8), 0xFFFFFFAB, 0, 0x11223344, NO_EXC, 0x1122AB44, 0 },
        { "ins pos16 size16", INS(T2, T0, 16, 16), 0x0000BEEF, 0, 0x11223344, NO_EXC, 0xBEEF3344, 0 },
        { "seb neg", SEB(T2, T1), 0, 0x12345680, SENTINEL, NO_EXC, 0xFFFFFF80, 0 },
        { "seb pos", SEB(T2, T1), 0, 0xFFFFFF7F, SENTINEL, NO_EXC, 0x7F, 0 },
        { "seh neg", SEH(T2, T1), 0, 0x12348000, SENTINEL, NO_EXC, 0xFFFF8000, 0 },
        { "seh pos", SEH(T2, T1), 0, 0xFFFF7FFF, SENTINEL, NO_EXC, 0x7FFF, 0 },
        { "wsbh", WSBH(T2, T1), 0, 0x11223344, SENTINEL, NO_EXC, 0x22114433, 0 },
        { "movz taken", MOVZ(T2, T0, T1), 0xAAAA, 0, SENTINEL, NO_EXC, 0xAAAA, 0 },
        { "movz not", MOVZ(T2, T0, T1), 0xAAAA, 1, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "movn taken", MOVN(T2, T0, T1), 0xBBBB, 0x80000000, SENTINEL, NO_EXC, 0xBBBB, 0 },
        { "movn not", MOVN(T2, T0, T1), 0xBBBB, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
    };
    RUN_TABLE(t);
}

Test(cpu, traps_ri_cop_unusable)
{
    static const struct alu_case t[] = {
        { "teq eq", TRAP(T0, T1, 0x34), 1, 1, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "teq ne", TRAP(T0, T1, 0x34), 1, 2, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "teq code field", TRAP(T0, T1, 0x34) | 0x3FF << 6, 5, 5, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tne", TRAP(T0, T1, 0x36), 1, 2, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tne eq", TRAP(T0, T1, 0x36), 2, 2, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tge -1>=0", TRAP(T0, T1, 0x30), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tge 0>=-1", TRAP(T0, T1, 0x30), 0, 0xFFFFFFFF, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tgeu ~0>=0", TRAP(T0, T1, 0x31), 0xFFFFFFFF, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tgeu 0>=~0", TRAP(T0, T1, 0x31), 0, 0xFFFFFFFF, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tlt -1<0", TRAP(T0, T1, 0x32), 0xFFFFFFFF, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tlt 0<0", TRAP(T0, T1, 0x32), 0, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tltu 0<~0", TRAP(T0, T1, 0x33), 0, 0xFFFFFFFF, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tltu ~0<0", TRAP(T0, T1, 0x33), 0xFFFFFFFF, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tgei -1>=-1", REGIMM(T0, 8, 0xFFFF), 0xFFFFFFFF, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tgei -2>=-1", REGIMM(T0, 8, 0xFFFF), 0xFFFFFFFE, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tgeiu ~0>=sext(-1)", REGIMM(T0, 9, 0xFFFF), 0xFFFFFFFF, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tgeiu 0x7fffffff>=~0", REGIMM(T0, 9, 0xFFFF), 0x7FFFFFFF, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tlti -2<-1", REGIMM(T0, 10, 0xFFFF), 0xFFFFFFFE, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tlti 0<-1", REGIMM(T0, 10, 0xFFFF), 0, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tltiu 0<~0", REGIMM(T0, 11, 0xFFFF), 0, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "teqi", REGIMM(T0, 12, 0xFFFB), 0xFFFFFFFB, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "teqi ne", REGIMM(T0, 12, 5), 6, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "tnei", REGIMM(T0, 14, 5), 6, 0, SENTINEL, EXC_TR, SENTINEL, 0 },
        { "tnei eq", REGIMM(T0, 14, 5), 5, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "syscall", SYSCALL_, 0, 0, SENTINEL, EXC_SYS, SENTINEL, 0 },
        { "syscall code", SYSCALL_ | 0xFFFFFu << 6, 0, 0, SENTINEL, EXC_SYS, SENTINEL, 0 },
        { "break", BREAK_, 0, 0, SENTINEL, EXC_BP, SENTINEL, 0 },
        { "break code", BREAK_ | 7u << 16, 0, 0, SENTINEL, EXC_BP, SENTINEL, 0 },
        { "sdbbp 0 (not UHI)", SDBBP(0), 0, 0, SENTINEL, EXC_BP, SENTINEL, 0 },
        { "opcode 0x3B", 0xEC000000u, 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "SPECIAL funct 0x05", 0x00000005u, 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "SPECIAL funct 0x3F", 0x0000003Fu, 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "opcode 0x1A (daddi)", 0x68000000u, 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "SPECIAL2 funct 0x03", SP2(T0, T1, T2, 0x03), 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "REGIMM rt 0x04", REGIMM(T0, 4, 0), 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "COP0 rs=1 (dmfc0)", 0x40200000u, 0, 0, SENTINEL, EXC_RI, SENTINEL, 0 },
        { "COP1 mfc1", 0x44000000u, 0, 0, SENTINEL, EXC_CPU, SENTINEL, 1 },
        { "COP1X", 0x4C000000u, 0, 0, SENTINEL, EXC_CPU, SENTINEL, 1 },
        { "lwc1", 0xC5020000u, 0, 0, SENTINEL, EXC_CPU, SENTINEL, 1 },
        { "sdc1", 0xF5020000u, 0, 0, SENTINEL, EXC_CPU, SENTINEL, 1 },
        { "COP2", 0x48000000u, 0, 0, SENTINEL, EXC_CPU, SENTINEL, 2 },
        { "sync", 0x0000000Fu, 0, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "pref", 0xCD000000u, 0, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
        { "cache (kernel)", CACHE(0, T0), DATA, 0, SENTINEL, NO_EXC, SENTINEL, 0 },
    };
    RUN_TABLE(t);
    cr_assert_eq(cpu->n.exceptions[EXC_TR], 13);
    cr_assert_eq(cpu->n.exceptions[EXC_RI], 7);
    cr_assert_eq(cpu->n.exceptions[EXC_CPU], 5);
    cr_assert_eq(stats_get(&fx.st, "cpu.exceptions.Tr"), 13);
}

/* ---- HI/LO ---------------------------------------------------------------------------- */

struct md_case {
    const char *name;
    uint32_t insn, s, t, hi0, lo0, hi, lo;
};

Test(cpu, mult_div_madd_msub)
{
    static const struct md_case t[] = {
        { "mult -1*-1", MULT(T0, T1), 0xFFFFFFFF, 0xFFFFFFFF, 7, 7, 0, 1 },
        { "mult min*min", MULT(T0, T1), 0x80000000, 0x80000000, 7, 7, 0x40000000, 0 },
        { "mult -2*3", MULT(T0, T1), 0xFFFFFFFE, 3, 7, 7, 0xFFFFFFFF, 0xFFFFFFFA },
        { "multu ~0*~0", MULTU(T0, T1), 0xFFFFFFFF, 0xFFFFFFFF, 7, 7, 0xFFFFFFFE, 1 },
        { "multu min*2", MULTU(T0, T1), 0x80000000, 2, 7, 7, 1, 0 },
        { "div 7/2", DIV(T0, T1), 7, 2, 0, 0, 1, 3 },
        { "div -7/2", DIV(T0, T1), 0xFFFFFFF9, 2, 0, 0, 0xFFFFFFFF, 0xFFFFFFFD },
        { "div 7/-2", DIV(T0, T1), 7, 0xFFFFFFFE, 0, 0, 1, 0xFFFFFFFD },
        { "div min/-1", DIV(T0, T1), 0x80000000, 0xFFFFFFFF, 5, 5, 0, 0x80000000 },
        { "divu ~0/2", DIVU(T0, T1), 0xFFFFFFFF, 2, 0, 0, 1, 0x7FFFFFFF },
        { "divu min/~0", DIVU(T0, T1), 0x80000000, 0xFFFFFFFF, 0, 0, 0x80000000, 0 },
        { "madd carry into hi", MADD(T0, T1), 1, 1, 0, 0xFFFFFFFF, 1, 0 },
        { "madd negative product", MADD(T0, T1), 0xFFFFFFFF, 1, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF },
        { "madd borrow from hi", MADD(T0, T1), 0xFFFFFFFF, 1, 1, 0, 0, 0xFFFFFFFF },
        { "madd min*min + 1", MADD(T0, T1), 0x80000000, 0x80000000, 0, 1, 0x40000000, 1 },
        { "maddu wrap to 0", MADDU(T0, T1), 1, 1, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0 },
        { "maddu ~0*~0 + lo", MADDU(T0, T1), 0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0 },
        { "msub borrow", MSUB(T0, T1), 1, 1, 1, 0, 0, 0xFFFFFFFF },
        { "msub negative product", MSUB(T0, T1), 0xFFFFFFFF, 1, 0, 0xFFFFFFFF, 1, 0 },
        { "msub to negative", MSUB(T0, T1), 2, 3, 0, 5, 0xFFFFFFFF, 0xFFFFFFFF },
        { "msubu 0 - ~0*~0", MSUBU(T0, T1), 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 1, 0xFFFFFFFF },
        { "msubu carry", MSUBU(T0, T1), 2, 1, 1, 1, 0, 0xFFFFFFFF },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint32_t pc = CODE + 8 * (uint32_t)i;
        wr32(pc, t[i].insn);
        wr32(pc + 4, SDBBP(1));
        cpu->gpr[T0] = t[i].s;
        cpu->gpr[T1] = t[i].t;
        cpu->hi = t[i].hi0;
        cpu->lo = t[i].lo0;
        run_exit(pc);
        cr_assert_eq(cpu->pc, pc + 4, "%s", t[i].name);
        cr_assert_eq(cpu->hi, t[i].hi, "%s: hi %#x, want %#x", t[i].name, cpu->hi, t[i].hi);
        cr_assert_eq(cpu->lo, t[i].lo, "%s: lo %#x, want %#x", t[i].name, cpu->lo, t[i].lo);
    }
}

Test(cpu, hi_lo_moves)
{
    PUT(CODE, MTHI(T0), MTLO(T1), MFHI(T3), MFLO(T4), MULT(T0, T1), MFHI(T5), MFLO(T6), SDBBP(1));
    cpu->gpr[T0] = 0x11111111;
    cpu->gpr[T1] = 0x10;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T3], 0x11111111);
    cr_assert_eq(cpu->gpr[T4], 0x10);
    cr_assert_eq(cpu->gpr[T5], 1);
    cr_assert_eq(cpu->gpr[T6], 0x11111110);
    cr_assert_eq(cpu->icount, 8);
}

Test(cpu, writes_to_zero_are_discarded)
{
    wr32(DATA, 0x55555555);
    PUT(CODE,
        ADDIU(ZERO, T0, 5), LUI(ZERO, 0x1234), ADDU(ZERO, T0, T1), SLL(ZERO, T0, 1),
        LW(ZERO, 0, T3), LB(ZERO, 0, T3), MFC0(ZERO, CP0_STATUS, 0), EXT(ZERO, T0, 0, 8),
        SEB(ZERO, T0), CLZ(ZERO, T0), MUL(ZERO, T0, T1), MOVN(ZERO, T0, T1), RDHWR(ZERO, 2),
        LL(ZERO, 0, T3), SC(ZERO, 0, T3),
        ADDU(T2, ZERO, ZERO), OR(T4, ZERO, T0), SDBBP(1));
    cpu->gpr[T0] = 0xFFFF;
    cpu->gpr[T1] = 3;
    cpu->gpr[T3] = DATA;
    cpu->gpr[T2] = SENTINEL;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[ZERO], 0);
    cr_assert_eq(cpu->gpr[T2], 0);
    cr_assert_eq(cpu->gpr[T4], 0xFFFF);
    cr_assert_eq(rd32(DATA), 0);       /* sc stored $zero's value: 0 */
    cr_assert_eq(cpu->n.exceptions[EXC_BP], 0);
}

/* ---- loads and stores ------------------------------------------------------------------- */

Test(cpu, loads_sign_and_zero_extension_and_alignment)
{
    static const uint8_t bytes[8] = { 0x80, 0x7F, 0xFF, 0x01, 0x34, 0x12, 0xCD, 0xAB };
    memcpy(fx.ram + (DATA & 0x1FFFFFFFu), bytes, 8);
    static const struct alu_case t[] = {
        { "lb 0x80", LB(T2, 0, T0), DATA, 0, SENTINEL, NO_EXC, 0xFFFFFF80, 0 },
        { "lbu 0x80", LBU(T2, 0, T0), DATA, 0, SENTINEL, NO_EXC, 0x80, 0 },
        { "lb 0x7f", LB(T2, 1, T0), DATA, 0, SENTINEL, NO_EXC, 0x7F, 0 },
        { "lb 0xff", LB(T2, 2, T0), DATA, 0, SENTINEL, NO_EXC, 0xFFFFFFFF, 0 },
        { "lbu 0xff", LBU(T2, 2, T0), DATA, 0, SENTINEL, NO_EXC, 0xFF, 0 },
        { "lb neg offset", LB(T2, 0xFFFF, T0), DATA + 4, 0, SENTINEL, NO_EXC, 0x01, 0 },
        { "lh 0x7f80", LH(T2, 0, T0), DATA, 0, SENTINEL, NO_EXC, 0x7F80, 0 },
        { "lh 0x01ff", LH(T2, 2, T0), DATA, 0, SENTINEL, NO_EXC, 0x01FF, 0 },
        { "lh 0xabcd", LH(T2, 6, T0), DATA, 0, SENTINEL, NO_EXC, 0xFFFFABCD, 0 },
        { "lhu 0xabcd", LHU(T2, 6, T0), DATA, 0, SENTINEL, NO_EXC, 0xABCD, 0 },
        { "lw +0", LW(T2, 0, T0), DATA, 0, SENTINEL, NO_EXC, 0x01FF7F80, 0 },
        { "lw +4", LW(T2, 4, T0), DATA, 0, SENTINEL, NO_EXC, 0xABCD1234, 0 },
        { "lw neg offset", LW(T2, 0xFFFC, T0), DATA + 8, 0, SENTINEL, NO_EXC, 0xABCD1234, 0 },
        { "lw unaligned", LW(T2, 2, T0), DATA, 0, SENTINEL, EXC_ADEL, SENTINEL, 0 },
        { "lh odd", LH(T2, 1, T0), DATA, 0, SENTINEL, EXC_ADEL, SENTINEL, 0 },
        { "lhu odd", LHU(T2, 3, T0), DATA, 0, SENTINEL, EXC_ADEL, SENTINEL, 0 },
        { "sw unaligned", SW(T1, 1, T0), DATA, 0, SENTINEL, EXC_ADES, SENTINEL, 0 },
        { "sh odd", SH(T1, 5, T0), DATA, 0, SENTINEL, EXC_ADES, SENTINEL, 0 },
        { "ll unaligned", LL(T2, 2, T0), DATA, 0, SENTINEL, EXC_ADEL, SENTINEL, 0 },
    };
    RUN_TABLE(t);
    /* The last AdEL/AdES cases set BadVAddr; check one of each precisely. */
    wr32(CODE + 0x800, LW(T2, 2, T0));
    cpu->gpr[T0] = DATA + 0x10;
    set_status(0);
    run_exit(CODE + 0x800);
    expect_exc(EXC_ADEL, CODE + 0x800, 0, VEC_GENERAL);
    cr_assert_eq(cpu->cp0.badvaddr, DATA + 0x12);
    wr32(CODE + 0x804, SH(T2, 0x7, T0));
    set_status(0);
    run_exit(CODE + 0x804);
    expect_exc(EXC_ADES, CODE + 0x804, 0, VEC_GENERAL);
    cr_assert_eq(cpu->cp0.badvaddr, DATA + 0x17);
    cr_assert_eq(rd32(DATA + 0x14), 0);                     /* nothing stored */
}

Test(cpu, stores_all_sizes)
{
    PUT(CODE, SB(T1, 8, T0), SH(T1, 10, T0), SW(T1, 12, T0), SB(T1, 17, T0), SH(T1, 0xFFFE, T0),
        LW(T2, 8, T0), LW(T3, 12, T0), LW(T4, 16, T0), LW(T5, 0xFFFC, T0), SDBBP(1));
    memset(fx.ram + (DATA & 0x1FFFFFFFu), 0xEE, 32);
    cpu->gpr[T0] = DATA + 4;
    cpu->gpr[T1] = 0x11223344;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T2], 0x3344EE44);
    cr_assert_eq(cpu->gpr[T3], 0x11223344);
    cr_assert_eq(cpu->gpr[T4], 0xEEEE44EE);
    cr_assert_eq(cpu->gpr[T5], 0x3344EEEE);
    cr_assert_eq(rd32(DATA + 0x1C), 0xEEEEEEEE);
}

Test(cpu, lwl_lwr_all_offsets)
{
    static const uint8_t bytes[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    memcpy(fx.ram + (DATA & 0x1FFFFFFFu), bytes, 8);
    static const struct alu_case t[] = {
        { "lwl +0", LWL(T2, 0, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0x11BBCCDD, 0 },
        { "lwl +1", LWL(T2, 1, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0x2211CCDD, 0 },
        { "lwl +2", LWL(T2, 2, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0x332211DD, 0 },
        { "lwl +3", LWL(T2, 3, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0x44332211, 0 },
        { "lwr +0", LWR(T2, 0, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0x44332211, 0 },
        { "lwr +1", LWR(T2, 1, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0xAA443322, 0 },
        { "lwr +2", LWR(T2, 2, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0xAABB4433, 0 },
        { "lwr +3", LWR(T2, 3, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0xAABBCC44, 0 },
        { "lwl +5", LWL(T2, 5, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0x6655CCDD, 0 },
        { "lwr +6", LWR(T2, 6, T0), DATA, 0, 0xAABBCCDD, NO_EXC, 0xAABB8877, 0 },
    };
    RUN_TABLE(t);

    /* The usual unaligned-load pair: lwr at A, lwl at A+3. */
    PUT(CODE + 0x400, LWR(T3, 1, T0), LWL(T3, 4, T0), LWR(T4, 3, T0), LWL(T4, 6, T0), SDBBP(1));
    cpu->gpr[T0] = DATA;
    run_exit(CODE + 0x400);
    cr_assert_eq(cpu->gpr[T3], 0x55443322);
    cr_assert_eq(cpu->gpr[T4], 0x77665544);
}

Test(cpu, swl_swr_all_offsets)
{
    struct { uint32_t insn; uint32_t want; } t[] = {
        { SWL(T1, 0, T0), 0x443322AA }, { SWL(T1, 1, T0), 0x4433AABB },
        { SWL(T1, 2, T0), 0x44AABBCC }, { SWL(T1, 3, T0), 0xAABBCCDD },
        { SWR(T1, 0, T0), 0xAABBCCDD }, { SWR(T1, 1, T0), 0xBBCCDD11 },
        { SWR(T1, 2, T0), 0xCCDD2211 }, { SWR(T1, 3, T0), 0xDD332211 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint32_t pc = CODE + 8 * (uint32_t)i;
        wr32(pc, t[i].insn);
        wr32(pc + 4, SDBBP(1));
        wr32(DATA, 0x44332211);
        wr32(DATA + 4, 0x88776655);
        cpu->gpr[T0] = DATA;
        cpu->gpr[T1] = 0xAABBCCDD;
        run_exit(pc);
        cr_assert_eq(cpu->pc, pc + 4, "case %zu", i);
        cr_assert_eq(rd32(DATA), t[i].want, "case %zu: %#x, want %#x", i, rd32(DATA), t[i].want);
        cr_assert_eq(rd32(DATA + 4), 0x88776655, "case %zu", i);
    }
    /* Unaligned store pair: swr at A, swl at A+3 writes 4 bytes at A. */
    PUT(CODE + 0x400, SWR(T1, 2, T0), SWL(T1, 5, T0), SDBBP(1));
    wr32(DATA, 0x44332211);
    wr32(DATA + 4, 0x88776655);
    run_exit(CODE + 0x400);
    cr_assert_eq(rd32(DATA), 0xCCDD2211);
    cr_assert_eq(rd32(DATA + 4), 0x8877AABB);
}

Test(cpu, ll_sc_success)
{
    wr32(DATA + 8, 41);
    PUT(CODE, LL(T2, 8, T0), ADDIU(T2, T2, 1), SC(T2, 8, T0), SDBBP(1));
    cpu->gpr[T0] = DATA;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T2], 1);
    cr_assert_eq(rd32(DATA + 8), 42);
    /* A second sc without ll fails. */
    PUT(CODE + 0x100, SC(T3, 8, T0), SDBBP(1));
    cpu->gpr[T3] = 99;
    run_exit(CODE + 0x100);
    cr_assert_eq(cpu->gpr[T3], 0);
    cr_assert_eq(rd32(DATA + 8), 42);
}

Test(cpu, ll_sets_lladdr)
{
    /* LLAddr holds PA[35:4] of the ll (24Kc as QEMU: CP0_LLAddr_shift = 4). */
    PUT(CODE, LL(T2, 8, T0), MFC0(T3, CP0_LLADDR, 0), SDBBP(1));
    cpu->gpr[T0] = DATA;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T3], ((DATA & 0x1FFFFFFFu) + 8) >> 4);
}

Test(cpu, sc_fails_after_eret)
{
    wr32(DATA, 7);
    PUT(CODE, LL(T2, 0, T0), ERET);
    PUT(CODE + 0x40, ADDIU(T2, T2, 1), SC(T2, 0, T0), SDBBP(1));
    cpu->cp0.epc = CODE + 0x40;
    set_status(ST_EXL);
    cpu->gpr[T0] = DATA;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T2], 0);
    cr_assert_eq(rd32(DATA), 7);
    cr_assert_not(cpu->cp0.status & ST_EXL);
}

Test(cpu, sc_fails_to_another_address)
{
    wr32(DATA, 7);
    wr32(DATA + 4, 8);
    PUT(CODE, LL(T2, 0, T0), SC(T1, 4, T0), SDBBP(1));
    cpu->gpr[T0] = DATA;
    cpu->gpr[T1] = 0x1234;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T1], 0);
    cr_assert_eq(rd32(DATA), 7);
    cr_assert_eq(rd32(DATA + 4), 8);
}

/* ---- branches and jumps ------------------------------------------------------------------ */

/* The branch under test sits at CODE with offset 3 (target CODE+16):
 *   CODE+0  branch        CODE+4  addiu t3 (slot)   CODE+8, +12  addiu t4
 *   CODE+16 addiu t5      CODE+20 sdbbp 1 */
enum br_outcome { TAKEN, NOT_TAKEN, NULLIFIED };
struct br_case {
    const char *name;
    uint32_t insn;
    uint32_t t0, t1;
    enum br_outcome out;
    int link;
};

Test(cpu, conditional_branches_and_delay_slots)
{
    static const struct br_case t[] = {
        { "beq eq", BEQ(T0, T1, 3), 1, 1, TAKEN, 0 },
        { "beq ne", BEQ(T0, T1, 3), 1, 2, NOT_TAKEN, 0 },
        { "bne ne", BNE(T0, T1, 3), 1, 2, TAKEN, 0 },
        { "bne eq", BNE(T0, T1, 3), 2, 2, NOT_TAKEN, 0 },
        { "blez 0", BLEZ(T0, 3), 0, 0, TAKEN, 0 },
        { "blez min", BLEZ(T0, 3), 0x80000000, 0, TAKEN, 0 },
        { "blez 1", BLEZ(T0, 3), 1, 0, NOT_TAKEN, 0 },
        { "bgtz 1", BGTZ(T0, 3), 1, 0, TAKEN, 0 },
        { "bgtz 0", BGTZ(T0, 3), 0, 0, NOT_TAKEN, 0 },
        { "bgtz min", BGTZ(T0, 3), 0x80000000, 0, NOT_TAKEN, 0 },
        { "bltz -1", REGIMM(T0, 0, 3), 0xFFFFFFFF, 0, TAKEN, 0 },
        { "bltz 0", REGIMM(T0, 0, 3), 0, 0, NOT_TAKEN, 0 },
        { "bgez 0", REGIMM(T0, 1, 3), 0, 0, TAKEN, 0 },
        { "bgez -1", REGIMM(T0, 1, 3), 0xFFFFFFFF, 0, NOT_TAKEN, 0 },
        { "b (beq $0,$0)", BEQ(ZERO, ZERO, 3), 0, 0, TAKEN, 0 },
        { "bal (bgezal $0)", REGIMM(ZERO, 17, 3), 0, 0, TAKEN, 1 },
        { "bltzal -1", REGIMM(T0, 16, 3), 0xFFFFFFFF, 0, TAKEN, 1 },
        { "bltzal 1", REGIMM(T0, 16, 3), 1, 0, NOT_TAKEN, 1 },
        { "bgezal 0", REGIMM(T0, 17, 3), 0, 0, TAKEN, 1 },
        { "bgezal -1", REGIMM(T0, 17, 3), 0xFFFFFFFF, 0, NOT_TAKEN, 1 },
        { "beql eq", BEQL(T0, T1, 3), 4, 4, TAKEN, 0 },
        { "beql ne", BEQL(T0, T1, 3), 4, 5, NULLIFIED, 0 },
        { "bnel ne", BNEL(T0, T1, 3), 4, 5, TAKEN, 0 },
        { "bnel eq", BNEL(T0, T1, 3), 4, 4, NULLIFIED, 0 },
        { "blezl 0", BLEZL(T0, 3), 0, 0, TAKEN, 0 },
        { "blezl 1", BLEZL(T0, 3), 1, 0, NULLIFIED, 0 },
        { "bgtzl 1", BGTZL(T0, 3), 1, 0, TAKEN, 0 },
        { "bgtzl 0", BGTZL(T0, 3), 0, 0, NULLIFIED, 0 },
        { "bltzl -1", REGIMM(T0, 2, 3), 0xFFFFFFFF, 0, TAKEN, 0 },
        { "bltzl 0", REGIMM(T0, 2, 3), 0, 0, NULLIFIED, 0 },
        { "bgezl 0", REGIMM(T0, 3, 3), 0, 0, TAKEN, 0 },
        { "bgezl -1", REGIMM(T0, 3, 3), 0xFFFFFFFF, 0, NULLIFIED, 0 },
        { "bltzall -1", REGIMM(T0, 18, 3), 0xFFFFFFFF, 0, TAKEN, 1 },
        { "bltzall 0", REGIMM(T0, 18, 3), 0, 0, NULLIFIED, 1 },
        { "bgezall 0", REGIMM(T0, 19, 3), 0, 0, TAKEN, 1 },
        { "bgezall -1", REGIMM(T0, 19, 3), 0xFFFFFFFF, 0, NULLIFIED, 1 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint32_t base = CODE + 0x100 * (uint32_t)i;
        uint32_t prog[] = { t[i].insn, ADDIU(T3, T3, 1), ADDIU(T4, T4, 1), ADDIU(T4, T4, 1),
                            ADDIU(T5, T5, 1), SDBBP(1) };
        put(base, prog, 6);
        memset(&cpu->gpr[1], 0, 31 * 4);
        cpu->gpr[T0] = t[i].t0;
        cpu->gpr[T1] = t[i].t1;
        cpu->gpr[RA] = SENTINEL;
        uint64_t ic = cpu->icount;
        run_exit(base);
        const char *n = t[i].name;
        cr_assert_eq(cpu->pc, base + 20, "%s: pc %#x", n, cpu->pc);
        cr_assert_eq(cpu->gpr[T3], t[i].out == NULLIFIED ? 0u : 1u, "%s: slot", n);
        cr_assert_eq(cpu->gpr[T4], t[i].out == TAKEN ? 0u : 2u, "%s: fall-through", n);
        cr_assert_eq(cpu->gpr[T5], 1, "%s: target", n);
        cr_assert_eq(cpu->gpr[RA], t[i].link ? base + 8 : SENTINEL, "%s: link", n);
        /* branch + slot + target + sdbbp, plus the two fall-through instructions. */
        uint64_t want = t[i].out == TAKEN ? 4 : t[i].out == NOT_TAKEN ? 6 : 5;
        cr_assert_eq(cpu->icount - ic, want, "%s: %llu instructions", n,
                     (unsigned long long)(cpu->icount - ic));
    }
}

Test(cpu, backward_branch_loop)
{
    /* t3 = 10; do { t4 += t3; } while (--t3 != 0);  with the decrement in the delay slot. */
    PUT(CODE, ADDIU(T3, ZERO, 10), ADDU(T4, T4, T3), BNE(T3, AT, 0xFFFE), ADDIU(T3, T3, -1),
        SDBBP(1));
    cpu->gpr[AT] = 1;                 /* loop while t3 (before the decrement) != 1 */
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T4], 55);
    cr_assert_eq(cpu->gpr[T3], 0);
    cr_assert_eq(cpu->icount, 1 + 10 * 3 + 1);
}

Test(cpu, jal_jalr_jr_link_values)
{
    PUT(CODE, JAL(CODE + 0x100), ADDIU(T3, T3, 1), JALR(T6, T0), ADDIU(T3, T3, 1),
        JALR(RA, T1), NOP, SDBBP(1));
    PUT(CODE + 0x100, JR(RA), ADDIU(T4, T4, 1));
    PUT(CODE + 0x200, JR(T6), ADDIU(T5, T5, 1));
    PUT(CODE + 0x300, ADDIU(T7, T7, 1), JR(RA), NOP);
    cpu->gpr[T0] = CODE + 0x200;
    cpu->gpr[T1] = CODE + 0x300;
    run_exit(CODE);
    cr_assert_eq(cpu->pc, CODE + 24);
    cr_assert_eq(cpu->gpr[T3], 2);
    cr_assert_eq(cpu->gpr[T4], 1);
    cr_assert_eq(cpu->gpr[T5], 1);
    cr_assert_eq(cpu->gpr[T7], 1);
    cr_assert_eq(cpu->gpr[T6], CODE + 16);
    cr_assert_eq(cpu->gpr[RA], CODE + 24);
}

Test(cpu, j_keeps_region_bits)
{
    /* j's target takes PC[31:28] of the delay slot: from 0x8001xxxx to 0x80040000. */
    PUT(CODE, J(0x00040000u), ADDIU(T3, T3, 1));
    PUT(0x80040000u, ADDIU(T4, T4, 1), SDBBP(1));
    run_exit(CODE);
    cr_assert_eq(cpu->pc, 0x80040004u);
    cr_assert_eq(cpu->gpr[T3], 1);
    cr_assert_eq(cpu->gpr[T4], 1);
}

/* ---- exceptions and delay slots ------------------------------------------------------------ */

Test(cpu, exception_in_delay_slot_of_taken_branch)
{
    PUT(CODE, BEQ(ZERO, ZERO, 3), SYSCALL_, NOP, NOP, NOP, SDBBP(1));
    run_exit(CODE);
    expect_exc(EXC_SYS, CODE, 1, VEC_GENERAL);
    /* A later exception outside a delay slot clears BD. */
    PUT(CODE + 0x100, BREAK_);
    set_status(0);
    run_exit(CODE + 0x100);
    expect_exc(EXC_BP, CODE + 0x100, 0, VEC_GENERAL);
}

Test(cpu, exception_in_delay_slot_of_not_taken_branch)
{
    /* BD is set whenever the faulting instruction is in a delay slot, taken or not (PRA;
     * QEMU sets BD from the branch hflags, which do not depend on the condition). */
    PUT(CODE, BNE(ZERO, ZERO, 3), SYSCALL_, NOP, NOP, NOP, SDBBP(1));
    run_exit(CODE);
    expect_exc(EXC_SYS, CODE, 1, VEC_GENERAL);
}

Test(cpu, exception_in_delay_slot_target_after_slot)
{
    /* Target = branch + 8 (the instruction after the slot): still a delay slot. */
    PUT(CODE, BEQ(ZERO, ZERO, 1), BREAK_, SDBBP(1));
    run_exit(CODE);
    expect_exc(EXC_BP, CODE, 1, VEC_GENERAL);
}

Test(cpu, exception_in_delay_slot_of_jr_and_likely)
{
    PUT(CODE, JR(T0), TRAP(ZERO, ZERO, 0x34));
    cpu->gpr[T0] = CODE + 0x100;
    run_exit(CODE);
    expect_exc(EXC_TR, CODE, 1, VEC_GENERAL);

    PUT(CODE + 0x200, BEQL(ZERO, ZERO, 5), LW(T2, 1, ZERO));
    set_status(0);
    run_exit(CODE + 0x200);
    expect_exc(EXC_ADEL, CODE + 0x200, 1, VEC_GENERAL);
    cr_assert_eq(cpu->cp0.badvaddr, 1);

    PUT(CODE + 0x300, JAL(CODE + 0x400), ADD(T2, T0, T0));
    cpu->gpr[T0] = 0x40000000;
    cpu->gpr[T2] = SENTINEL;
    set_status(0);
    run_exit(CODE + 0x300);
    expect_exc(EXC_OV, CODE + 0x300, 1, VEC_GENERAL);
    cr_assert_eq(cpu->gpr[T2], SENTINEL);
    cr_assert_eq(cpu->gpr[RA], CODE + 0x308);       /* the jal's link is architectural */
}

Test(cpu, eret_returns_and_resumes)
{
    /* syscall; the handler advances EPC and erets: execution continues after the syscall. */
    PUT(VEC_GENERAL, MFC0(K0, CP0_EPC, 0), ADDIU(K0, K0, 4), MTC0(K0, CP0_EPC, 0), ERET);
    PUT(CODE, ADDIU(T3, T3, 1), SYSCALL_, ADDIU(T3, T3, 1), SDBBP(1));
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T3], 2);
    cr_assert_eq(cpu->pc, CODE + 12);
    cr_assert_eq(cpu->n.exceptions[EXC_SYS], 1);
    cr_assert_not(cpu->cp0.status & ST_EXL);
    cr_assert_eq(cpu->icount, 4 + 4);
}

Test(cpu, exception_while_exl_keeps_epc_and_uses_general_vector)
{
    cpu->cp0.epc = 0x12345678;
    set_status(ST_EXL);
    PUT(CODE, BEQ(ZERO, ZERO, 3), SYSCALL_);
    cpu->cp0.cause = 0;
    run_exit(CODE);
    cr_assert_eq(fx_exccode(&fx), EXC_SYS);
    cr_assert_eq(cpu->cp0.epc, 0x12345678);
    cr_assert_not(cause_bd());
    cr_assert_eq(cpu->pc, VEC_GENERAL);
}

Test(cpu, ebase_moves_the_vectors)
{
    /* (BEV=1's 0xBFC00380 is checked by exception_loop_is_detected.) */
    cpu_cp0_write(cpu, CP0_PRID_REG, 1, 0xFFFFFFFFu);
    cr_assert_eq(cpu_cp0_read(cpu, CP0_PRID_REG, 1), 0xBFFFF000u);
    cpu_cp0_write(cpu, CP0_PRID_REG, 1, 0x80004000u);
    PUT(0x80004180u, SDBBP(1));
    PUT(CODE, SYSCALL_);
    run_exit(CODE);
    expect_exc(EXC_SYS, CODE, 0, 0x80004180u);
}

/* ---- user mode ------------------------------------------------------------------------------ */

#define UCODE 0x00400000u
#define UCODE_PA 0x00030000u

static void user_mode(void)
{
    tlb_map(0, UCODE, UCODE_PA, UCODE_PA + 0x1000);
    set_status(2u << ST_KSU_SHIFT);
}

Test(cpu, user_mode_privileged_instructions_raise_cpu0)
{
    static const uint32_t priv[] = {
        MTC0(T0, CP0_STATUS, 0), MFC0(T2, CP0_STATUS, 0), ERET, WAIT, TLBWI, DI(T2), CACHE(0, T0),
    };
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
        uint32_t va = UCODE + 8 * (uint32_t)i;
        memcpy(fx.ram + UCODE_PA + 8 * i, &priv[i], 4);
        cpu_phys_written(cpu, UCODE_PA + 8 * (uint32_t)i, 4);
        cpu->gpr[T0] = 0;
        cpu->gpr[T2] = SENTINEL;
        user_mode();
        run_exit(va);
        expect_exc(EXC_CPU, va, 0, VEC_GENERAL);
        cr_assert_eq(cause_ce(), 0, "insn %zu: CE %u", i, cause_ce());
        cr_assert_eq(cpu->gpr[T2], SENTINEL, "insn %zu", i);
        cr_assert_eq(cpu->cp0.status & ST_KSU, 2u << ST_KSU_SHIFT);
    }
    /* COP1 in user mode: CE=1. */
    uint32_t w = 0x44000000u;
    memcpy(fx.ram + UCODE_PA + 0x100, &w, 4);
    cpu_phys_written(cpu, UCODE_PA + 0x100, 4);
    user_mode();
    run_exit(UCODE + 0x100);
    expect_exc(EXC_CPU, UCODE + 0x100, 0, VEC_GENERAL);
    cr_assert_eq(cause_ce(), 1);
}

Test(cpu, user_mode_cu0_allows_cp0)
{
    uint32_t w[] = { MFC0(T2, CP0_EPC, 0), SYSCALL_ };
    memcpy(fx.ram + UCODE_PA, w, sizeof(w));
    tlb_map(0, UCODE, UCODE_PA, UCODE_PA + 0x1000);
    cpu->cp0.epc = 0xABCD0000u;
    set_status(ST_CU0 | 2u << ST_KSU_SHIFT);
    run_exit(UCODE);
    expect_exc(EXC_SYS, UCODE + 4, 0, VEC_GENERAL);
    cr_assert_eq(cpu->gpr[T2], 0xABCD0000u);
}

Test(cpu, user_mode_kseg0_access_is_adel_and_rdhwr_follows_hwrena)
{
    static const uint32_t prog[] = { LW(T2, 0, T0) };
    memcpy(fx.ram + UCODE_PA, prog, sizeof(prog));
    user_mode();
    cpu->gpr[T0] = DATA;
    run_exit(UCODE);
    expect_exc(EXC_ADEL, UCODE, 0, VEC_GENERAL);
    cr_assert_eq(cpu->cp0.badvaddr, DATA);

    uint32_t rd[] = { RDHWR(T2, 1), RDHWR(T3, 3), RDHWR(T4, 0), SYSCALL_ };
    memcpy(fx.ram + UCODE_PA + 0x40, rd, sizeof(rd));
    cpu_phys_written(cpu, UCODE_PA + 0x40, sizeof(rd));
    user_mode();
    run_exit(UCODE + 0x40);
    expect_exc(EXC_RI, UCODE + 0x40, 0, VEC_GENERAL);       /* HWREna = 0 */
    cpu_cp0_write(cpu, CP0_HWRENA, 0, 0xFFFFFFFFu);
    cr_assert_eq(cpu->cp0.hwrena, 0xF);
    user_mode();
    run_exit(UCODE + 0x40);
    expect_exc(EXC_SYS, UCODE + 0x4C, 0, VEC_GENERAL);
    cr_assert_eq(cpu->gpr[T2], 32);                        /* SYNCI_Step */
    cr_assert_eq(cpu->gpr[T3], 2);                         /* CCRes */
    cr_assert_eq(cpu->gpr[T4], 0);                         /* CPUNum */
}

/* ---- self-modifying code, page boundaries --------------------------------------------------- */

Test(cpu, self_modifying_code_runs_the_new_instruction)
{
    /* Call X twice; between the calls overwrite X's first word. */
    const uint32_t x = CODE + 0x80;
    PUT(CODE, JAL(x), NOP, SW(T1, 0, T0), JAL(x), NOP, SDBBP(1));
    PUT(x, ADDIU(T3, T3, 1), JR(RA), NOP);
    cpu->gpr[T0] = x;
    cpu->gpr[T1] = ADDIU(T3, T3, 100);
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T3], 101);
    cr_assert_eq(rd32(x), ADDIU(T3, T3, 100));

    /* A store over the very next instruction (already predecoded, never run). */
    PUT(CODE + 0x200, SW(T1, 4, T0), ADDIU(T4, T4, 1), SDBBP(1));
    cpu->gpr[T0] = CODE + 0x200;
    cpu->gpr[T1] = ADDIU(T4, T4, 7);
    run_exit(CODE + 0x200);
    cr_assert_eq(cpu->gpr[T4], 7);

    /* Byte store into an executed instruction's immediate, then run it again in a loop. */
    PUT(CODE + 0x300, ADDIU(T5, T5, 1), SB(T1, 0, T0), BEQ(T6, ZERO, 0xFFFD), ADDIU(T6, T6, 1),
        SDBBP(1));
    cpu->gpr[T0] = CODE + 0x300;
    cpu->gpr[T1] = 0x20;
    run_exit(CODE + 0x300);
    cr_assert_eq(cpu->gpr[T5], 1 + 0x20);
}

Test(cpu, self_modifying_code_splits_a_fused_pair)
{
    /* addiu; addu is a fused pair (the addu reads the addiu's result). The loop's second
     * pass must run the subu the first pass stored over the addu. */
    PUT(CODE, ADDIU(T5, T0, 3), ADDU(T6, T5, T1), ADDU(T7, T7, T6), SW(T2, 4, T3),
        BNE(T4, ZERO, 0xFFFB), ADDIU(T4, T4, -1), SDBBP(1));
    cpu->gpr[T0] = 10;
    cpu->gpr[T1] = 1;
    cpu->gpr[T2] = SUBU(T6, T5, T1);
    cpu->gpr[T3] = CODE;
    cpu->gpr[T4] = 1;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T7], (10 + 3 + 1) + (10 + 3 - 1));
    cr_assert_eq(cpu->icount, 12 + 1);

    /* sw; sw is a fused pair: the first store overwrites the second instruction, which
     * must then run as the new instruction, also when the pair has run before. */
    PUT(CODE + 0x100, SW(T1, 4, T0), SW(T2, 0, T3), SDBBP(1));
    cpu->gpr[T0] = CODE + 0x100;
    cpu->gpr[T1] = SW(T2, 0, T3);                   /* first run: the same word */
    cpu->gpr[T2] = 0x1234;
    cpu->gpr[T3] = DATA;
    run_exit(CODE + 0x100);
    cr_assert_eq(rd32(DATA), 0x1234);
    wr32(DATA, 0);
    cpu->gpr[T1] = ADDIU(T4, T4, 7);
    cpu->gpr[T4] = 0;
    run_exit(CODE + 0x100);
    cr_assert_eq(cpu->gpr[T4], 7);
    cr_assert_eq(rd32(DATA), 0);
}

Test(cpu, a_store_over_the_instruction_an_event_stops_at_keeps_the_stop)
{
    /* The instruction limit falls on the instruction right after a store that overwrites
     * it (the event breakpoint sits on it): the machine still stops exactly there, and
     * resumes with the new instruction. Both steps are exact counts. */
    PUT(CODE, ADDIU(T4, T4, 1), SW(T1, 8, T0), ADDIU(T4, T4, 2), ADDIU(T4, T4, 4), SDBBP(1));
    for (int pass = 0; pass < 2; pass++) {           /* decoded fresh, then predecoded */
        PUT(CODE + 8, ADDIU(T4, T4, 2));
        cpu->gpr[T0] = CODE;
        cpu->gpr[T1] = ADDIU(T4, T4, 16);
        cpu->gpr[T4] = 0;
        uint64_t start = cpu->icount;
        cr_assert_eq(fx_run_at(&fx, CODE, 2), CPU_STOP_INSN_LIMIT);
        cr_assert_eq(cpu->icount, start + 2);
        cr_assert_eq(cpu->pc, CODE + 8);
        cr_assert_eq(cpu->gpr[T4], 1);
        cr_assert_eq(fx_resume(&fx, 100), CPU_STOP_EXIT);
        cr_assert_eq(cpu->gpr[T4], 1 + 16 + 4);
        cr_assert_eq(cpu->icount, start + 5);
    }
}

/* A random program of straight-line code and forward branches built from the instructions
 * that the interpreter fuses into pairs, with loads and stores at DATA + T0-relative
 * offsets: registers $s0..$s3 are scratch (few, so that instructions depend on each
 * other), T0 = DATA, T1 = a word offset. */
static uint32_t fuse_rand;
static uint32_t fuse_next(uint32_t n)
{
    fuse_rand ^= fuse_rand << 13;
    fuse_rand ^= fuse_rand >> 17;
    fuse_rand ^= fuse_rand << 5;
    return fuse_rand % n;
}

static size_t fuse_program(uint32_t *w, size_t n, uint32_t base)
{
    size_t i = 0;
    int after_branch = 0;
    while (i < n) {
        unsigned a = 16 + fuse_next(4), b = 16 + fuse_next(4), c = 16 + fuse_next(4);
        unsigned k = fuse_next(after_branch ? 18 : 24);
        uint32_t off = fuse_next(64) * 4;
        uint16_t imm = (uint16_t)(fuse_next(3) ? fuse_next(8) : fuse_next(0x10000));
        after_branch = 0;
        switch (k) {
        case 0: w[i++] = ADDU(a, b, c); break;
        case 1: w[i++] = ADDIU(a, b, imm); break;
        case 2: w[i++] = SLL(a, b, fuse_next(32)); break;
        case 3: w[i++] = SRL(a, b, fuse_next(32)); break;
        case 4: w[i++] = XOR(a, b, c); break;
        case 5: w[i++] = ORI(a, b, imm); break;
        case 6: w[i++] = ANDI(a, b, imm); break;
        case 7: w[i++] = SLT(a, b, c); break;
        case 8: w[i++] = SLTU(a, b, c); break;
        case 9: w[i++] = SLTIU(a, b, imm); break;
        case 10: w[i++] = ADDU(a, b, ZERO); break;                  /* move */
        case 11: w[i++] = MOVN(a, b, c); break;
        case 12: w[i++] = NOP; break;
        case 13: w[i++] = LW(a, off, T0); break;
        case 14: w[i++] = LBU(a, fuse_next(256), T0); break;
        case 15: w[i++] = SW(a, off, T0); break;
        case 16:                                                     /* addu base; lw/lbu */
            w[i++] = ADDU(a, T0, T1);
            w[i++] = fuse_next(2) ? LW(b, off, a) : LBU(b, fuse_next(128), a);
            break;
        case 17:                                                     /* addiu/move base; sw */
            w[i++] = fuse_next(2) ? ADDIU(a, T0, 64) : ADDU(a, T0, ZERO);
            w[i++] = fuse_next(2) ? SW(b, off, a) : LW(b, off, a);
            break;
        case 18: case 19: {                                          /* slt*; beq/bne $zero */
            uint32_t set = k == 18 ? SLT(a, b, c) : fuse_next(2) ? SLTU(a, b, c)
                                                               : SLTIU(a, b, imm);
            w[i++] = set;
            w[i++] = fuse_next(2) ? BEQ(a, ZERO, 1 + fuse_next(4)) : BNE(a, ZERO, 1 + fuse_next(4));
            after_branch = 1;
            break;
        }
        case 20: w[i++] = BEQ(b, c, 1 + fuse_next(4)); after_branch = 1; break;
        case 21: w[i++] = BNE(b, c, 1 + fuse_next(4)); after_branch = 1; break;
        case 22: w[i++] = BEQ(ZERO, ZERO, 1 + fuse_next(4)); after_branch = 1; break;
        default: {
            uint32_t t = base + 4 * (uint32_t)(i + 2 + fuse_next(4));
            w[i++] = fuse_next(2) ? J(t) : JAL(t);
            after_branch = 1;
            break;
        }
        }
    }
    return i;
}

struct fuse_state {
    uint32_t gpr[32], hi, lo, pc, data[128];     /* every word the program can reach */
    uint64_t icount, tc_hits;          /* tc_hits: translation-cache hits + misses */
};

static void fuse_snapshot(struct fuse_state *st)
{
    memset(st, 0, sizeof(*st));                     /* padding too: compared by memcmp */
    memcpy(st->gpr, cpu->gpr, sizeof(st->gpr));
    st->hi = cpu->hi;
    st->lo = cpu->lo;
    st->pc = cpu->pc;
    for (int i = 0; i < 128; i++)
        st->data[i] = rd32(DATA + 4 * (uint32_t)i);
    st->icount = cpu->icount;
    st->tc_hits = cpu->n.tc_hits + cpu->n.tc_misses_r + cpu->n.tc_misses_w;  /* accesses */
}

static void fuse_start(const struct fuse_state *init, uint32_t pc)
{
    memcpy(cpu->gpr, init->gpr, sizeof(init->gpr));
    put(DATA, init->data, 128);
    cpu->icount = 0;
    cpu->n.tc_hits = cpu->n.tc_misses_r = cpu->n.tc_misses_w = 0;
    cpu->pc = pc;
    cpu->npc = pc + 4;
    cpu->ds_pc = 1;
}

Test(cpu, fused_pairs_match_single_steps)
{
    /* Each program runs three times from the same state: at full speed (fused pairs run
     * as one), one instruction at a time (the event breakpoint splits every pair), and at
     * full speed again; registers, memory, PC and counters must agree. The code crosses a
     * page boundary. */
    const uint32_t base = CODE + 0x1E00;
    for (uint32_t seed = 1; seed <= 100; seed++) {
        static uint32_t w[400 + 16];
        fuse_rand = seed * 2654435761u;
        size_t n = fuse_program(w, 400, base);
        for (int i = 0; i < 8; i++)
            w[n++] = NOP;
        w[n++] = SDBBP(1);
        put(base, w, n);

        struct fuse_state init, full, step, again;
        memset(&init, 0, sizeof(init));
        for (unsigned r = 16; r < 24; r++)
            init.gpr[r] = fuse_next(4) ? fuse_next(8) : fuse_rand;
        init.gpr[T0] = DATA;
        init.gpr[T1] = 4 * fuse_next(32);
        for (int i = 0; i < 128; i++)
            init.data[i] = fuse_next(4) ? fuse_next(8) : fuse_rand;

        fuse_start(&init, base);
        cr_assert_eq(fx_resume(&fx, 10000), CPU_STOP_EXIT, "seed %u", seed);
        fuse_snapshot(&full);

        fuse_start(&init, base);
        enum cpu_stop s;
        int steps = 0;
        while ((s = fx_resume(&fx, 1)) == CPU_STOP_INSN_LIMIT && steps < 10000)
            steps++;
        cr_assert_eq(s, CPU_STOP_EXIT, "seed %u: stop %d at pc %#x", seed, s, cpu->pc);
        fuse_snapshot(&step);

        fuse_start(&init, base);
        cr_assert_eq(fx_resume(&fx, 10000), CPU_STOP_EXIT, "seed %u", seed);
        fuse_snapshot(&again);

        for (int r = 0; r < 32; r++)
            cr_assert_eq(full.gpr[r], step.gpr[r], "seed %u: r%d", seed, r);
        for (int i = 0; i < 128; i++)
            cr_assert_eq(full.data[i], step.data[i], "seed %u: data[%d]", seed, i);
        cr_assert_eq(full.pc, step.pc, "seed %u: pc %#x, stepped %#x", seed, full.pc, step.pc);
        cr_assert_eq(full.tc_hits, step.tc_hits, "seed %u: accesses", seed);
        cr_assert_eq(full.icount, (uint64_t)steps + 1, "seed %u", seed);
        cr_assert(memcmp(&full, &step, sizeof(full)) == 0, "seed %u: stepped run differs", seed);
        cr_assert(memcmp(&full, &again, sizeof(full)) == 0, "seed %u: second run differs", seed);
    }
}

Test(cpu, each_fused_pair_matches_single_steps)
{
    /* Every pair the interpreter fuses, at the start of a short program, with operands
     * that make each compare go both ways; a full run must match a stepped one. */
    enum { S0 = 16, S1 = 17, S2 = 18, S3 = 19 };
    const uint32_t base = CODE + 0x3000, far_target = CODE + 0x4000;
    const uint32_t pairs[][3] = {
        { ADDU(S1, T0, T1), LW(S2, 4, S1), NOP },
        { ADDU(S1, T0, T1), LBU(S2, 5, S1), NOP },
        { ADDIU(S1, S0, 5), ADDU(S2, S1, S3), NOP },
        { SLL(S1, S0, 3), ADDU(S2, S3, S1), NOP },
        { LW(S1, 8, T0), SLT(S2, S1, S3), NOP },
        { XOR(S1, S0, S3), SLL(S2, S1, 4), NOP },
        { ADDIU(S1, S0, -3), SLTU(S2, S1, S3), NOP },
        { ORI(S1, S0, 0x8001), SLTU(S2, S1, S3), NOP },
        { SLT(S1, S0, S3), BEQ(S1, ZERO, 2), ADDIU(S2, S2, 1) },
        { SLT(S1, S0, S3), BNE(S1, ZERO, 2), ADDIU(S2, S2, 1) },
        { SLTU(S1, S0, S3), BEQ(S1, ZERO, 2), ADDIU(S2, S2, 1) },
        { SLTU(S1, S0, S3), BNE(S1, ZERO, 2), ADDIU(S2, S2, 1) },
        { SLTIU(S1, S0, 5), BEQ(S1, ZERO, 2), ADDIU(S2, S2, 1) },
        { SLTIU(S1, S0, 5), BNE(S1, ZERO, 2), ADDIU(S2, S2, 1) },
        { SLL(S1, S0, 2), ORI(S2, S1, 0x10), NOP },
        { SLT(S1, S0, S3), MOVN(S2, S0, S1), NOP },
        { LW(S1, 0, T0), JR(S1), ADDIU(S2, S2, 1) },
        { ADDIU(S1, T0, 16), SW(S3, 4, S1), LW(S2, 20, T0) },
        { ADDU(S1, T0, ZERO), LW(S2, 12, S1), NOP },
        { ANDI(S1, S0, 0xF0), XOR(S2, S1, S3), NOP },
        { SLL(S1, S0, 2), XOR(S2, S1, S3), NOP },
        { SW(S0, 0x40, T0), SW(S3, 0x44, T0), LW(S2, 0x44, T0) },
        { LW(S1, 4, T0), LW(S2, 8, T0), NOP },
        { LW(S1, 4, T0), SLL(S2, S0, 3), NOP },
        { LW(S1, 4, T0), SRL(S2, S0, 3), NOP },
        { LBU(S1, 4, T0), ANDI(S2, S0, 0xFF), NOP },
        { SLL(S1, S0, 3), ADDIU(S2, S3, 7), NOP },
        { ADDU(S1, S0, S3), ADDIU(S2, S3, 7), NOP },
        { SW(S0, 0x40, T0), SLL(S2, S3, 3), LW(S1, 0x40, T0) },
        { SRL(S1, S0, 1), BNE(S1, S3, 2), ADDIU(S2, S2, 1) },
        { ADDIU(S1, S0, 1), ADDIU(S2, S1, 1), NOP },
    };
    const uint32_t branches[] = { BEQ(S0, S3, 2), BNE(S0, S3, 2), BEQ(ZERO, ZERO, 2),
                                  J(base + 16), JAL(base + 16), JR(S1), J(far_target),
                                  BNE(S0, S3, 0x3FD) };
    const uint32_t slots[] = { NOP, ADDU(S2, S0, ZERO), ADDIU(S2, S0, 9), ADDU(S2, S0, S3),
                               XOR(S2, S0, S3), ADDU(S1, S0, ZERO) };
    const uint32_t values[][2] = { { 0, 0 }, { 1, 5 }, { 5, 1 }, { 0xFFFFFFFFu, 1 },
                                   { 0x80000000u, 0x7FFFFFFFu }, { 7, 7 }, { 6, 7 } };
    size_t n_pairs = sizeof(pairs) / sizeof(pairs[0]);
    size_t n_br = sizeof(branches) / sizeof(branches[0]), n_sl = sizeof(slots) / sizeof(slots[0]);
    PUT(far_target, ADDIU(S3, S3, 3), SDBBP(1));
    for (size_t p = 0; p < n_pairs + n_br * n_sl; p++) {
        uint32_t w[3];
        if (p < n_pairs) {
            memcpy(w, pairs[p], sizeof(w));
        } else {
            w[0] = NOP;
            w[1] = branches[(p - n_pairs) / n_sl];
            w[2] = slots[(p - n_pairs) % n_sl];
        }
        uint32_t prog[] = { w[0], w[1], w[2], ADDIU(S3, S3, 100), ADDIU(S0, S0, 1000),
                            ADDIU(S2, S2, 10000), SDBBP(1) };
        put(base, prog, sizeof(prog) / sizeof(prog[0]));
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            struct fuse_state init, full, step;
            memset(&init, 0, sizeof(init));
            init.gpr[T0] = DATA;
            init.gpr[T1] = 8;
            init.gpr[S0] = values[v][0];
            init.gpr[S3] = values[v][1];
            if (p >= n_pairs)
                init.gpr[S1] = base + 16;                     /* the jr target */
            for (int i = 0; i < 128; i++)
                init.data[i] = 3 * (uint32_t)i + 0x00FE0080u;
            init.data[0] = base + 16;                         /* the lw; jr target */
            init.data[2] = 6;                                 /* lw; slt: 6 < 7 */
            fuse_start(&init, base);
            cr_assert_eq(fx_resume(&fx, 100), CPU_STOP_EXIT, "pair %zu values %zu", p, v);
            fuse_snapshot(&full);
            fuse_start(&init, base);
            enum cpu_stop s;
            int steps = 0;
            while ((s = fx_resume(&fx, 1)) == CPU_STOP_INSN_LIMIT && steps < 100)
                steps++;
            cr_assert_eq(s, CPU_STOP_EXIT, "pair %zu values %zu", p, v);
            fuse_snapshot(&step);
            for (int r = 0; r < 32; r++)
                cr_assert_eq(full.gpr[r], step.gpr[r], "pair %zu values %zu: r%d", p, v, r);
            cr_assert_eq(full.pc, step.pc, "pair %zu values %zu: pc", p, v);
            cr_assert_eq(full.icount, step.icount, "pair %zu values %zu: icount", p, v);
            cr_assert_eq(full.tc_hits, step.tc_hits, "pair %zu values %zu: accesses", p, v);
            cr_assert(memcmp(&full, &step, sizeof(full)) == 0, "pair %zu values %zu differ", p, v);
        }
    }
}

Test(cpu, a_code_page_written_many_times_becomes_data)
{
    /* A loop that stores 200 words into its own page: after 64 stores the predecoded page
     * is given up (and made again when the loop's next instruction is fetched). */
    PUT(CODE, SW(T1, 0, T0), ADDIU(T0, T0, 4), BNE(T0, T2, 0xFFFD), ADDIU(T3, T3, 1),
        SDBBP(1));
    cpu->gpr[T0] = CODE + 0x400;
    cpu->gpr[T1] = 0x5A5A5A5Au;
    cpu->gpr[T2] = CODE + 0x400 + 200 * 4;
    run_exit(CODE);
    cr_assert_eq(cpu->gpr[T3], 200);
    cr_assert_eq(rd32(CODE + 0x400), 0x5A5A5A5Au);
    cr_assert_eq(rd32(CODE + 0x400 + 199 * 4), 0x5A5A5A5Au);
    cr_assert_eq(cpu->n.dpages_dropped, 3);          /* at the 65th, 130th and 195th store */
}

Test(cpu, straight_line_code_crosses_a_page)
{
    PUT(0x80011FF8u, ADDIU(T3, T3, 1), ADDIU(T3, T3, 2), ADDIU(T3, T3, 4), SDBBP(1));
    for (int pass = 0; pass < 2; pass++) {            /* decode, then predecoded */
        cpu->gpr[T3] = 0;
        run_exit(0x80011FF8u);
        cr_assert_eq(cpu->gpr[T3], 7);
        cr_assert_eq(cpu->pc, 0x80012004u);
    }
}

Test(cpu, branch_delay_slot_on_next_page)
{
    /* 0x80011FFC: beq (last word of a page); slot at 0x80012000 (first of the next). */
    PUT(0x80011F00u, ADDIU(T6, T6, 1), SDBBP(1));
    PUT(0x80011FF8u, ADDIU(T3, T3, 1), BEQ(T0, T1, 0xFFC0), ADDIU(T4, T4, 1), ADDIU(T5, T5, 1),
        SDBBP(1));
    for (int pass = 0; pass < 4; pass++) {
        int taken = pass & 1;
        memset(&cpu->gpr[1], 0, 31 * 4);
        cpu->gpr[T1] = taken ? 0 : 1;
        run_exit(0x80011FF8u);
        cr_assert_eq(cpu->gpr[T3], 1, "pass %d", pass);
        cr_assert_eq(cpu->gpr[T4], 1, "pass %d: slot", pass);
        cr_assert_eq(cpu->gpr[T5], taken ? 0u : 1u, "pass %d", pass);
        cr_assert_eq(cpu->gpr[T6], taken ? 1u : 0u, "pass %d", pass);
        cr_assert_eq(cpu->pc, taken ? 0x80011F04u : 0x80012008u, "pass %d", pass);
    }
    /* jr from the last word, target on the next page beyond the slot. */
    PUT(0x80012FFCu, JR(T0), ADDIU(T4, T4, 1));
    PUT(0x80013100u, ADDIU(T5, T5, 1), SDBBP(1));
    memset(&cpu->gpr[1], 0, 31 * 4);
    cpu->gpr[T0] = 0x80013100u;
    run_exit(0x80012FFCu);
    cr_assert_eq(cpu->gpr[T4], 1);
    cr_assert_eq(cpu->gpr[T5], 1);
}

Test(cpu, exception_in_delay_slot_on_next_page)
{
    PUT(0x80011FFCu, BEQ(ZERO, ZERO, 0x10), SYSCALL_);
    run_exit(0x80011FFCu);
    expect_exc(EXC_SYS, 0x80011FFCu, 1, VEC_GENERAL);
}

Test(cpu, delay_slot_fetch_refill_on_next_mapped_page)
{
    /* Mapped code: 0x00400000/0x00401000 mapped, 0x00402000 not in the TLB. The slot's fetch
     * takes a TLB refill: EPC = the branch, BD = 1, BadVAddr = the slot. */
    tlb_map(0, UCODE, UCODE_PA, UCODE_PA + 0x1000);
    uint32_t w[] = { BEQ(ZERO, ZERO, 0x10) };
    memcpy(fx.ram + UCODE_PA + 0x1FFC, w, 4);
    run_exit(UCODE + 0x1FFC);
    expect_exc(EXC_TLBL, UCODE + 0x1FFC, 1, VEC_REFILL);
    cr_assert_eq(cpu->cp0.badvaddr, UCODE + 0x2000);
    cr_assert_eq(cpu->cp0.entryhi & 0xFFFFE000u, UCODE + 0x2000);
    cr_assert_eq(cpu->cp0.context & 0x007FFFF0u, ((UCODE + 0x2000) >> 9) & 0x007FFFF0u);
}

/* ---- instruction limit, stepping, fault loops ------------------------------------------------ */

Test(cpu, insn_limit_stops_exactly)
{
    PUT(CODE, ADDIU(T3, T3, 1), BEQ(ZERO, ZERO, 0xFFFE), NOP);
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(cpu->icount, 1000, "icount %llu, pc %#x", (unsigned long long)cpu->icount, cpu->pc);
    cr_assert_eq(cpu->stop, CPU_STOP_INSN_LIMIT);
    cr_assert_eq(cpu->gpr[T3], 334);                   /* 333 loops of 3, then one addiu */
    cr_assert_eq(cpu->pc, CODE + 4);
    cr_assert_eq(stats_get(&fx.st, "cpu.instructions"), 1000);
    cr_assert_eq(fx_resume(&fx, 500), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(cpu->icount, 1500);
    cr_assert_eq(cpu->gpr[T3], 500);
    cr_assert_eq(cpu->pc, CODE);
}

Test(cpu, single_stepping_matches_a_full_run)
{
    /* Stopping between a branch and its delay slot must not lose the branch. */
    PUT(CODE, ADDIU(T3, ZERO, 5), ADDU(T4, T4, T3), BNE(T3, AT, 0xFFFE), ADDIU(T3, T3, -1),
        JAL(CODE + 0x40), ADDIU(T5, T5, 1), SDBBP(1));
    PUT(CODE + 0x40, JR(RA), ADDIU(T6, T6, 1));
    cpu->gpr[AT] = 1;
    cpu->pc = CODE;
    cpu->npc = CODE + 4;
    cpu->ds_pc = 1;
    int steps = 0;
    enum cpu_stop s;
    while ((s = fx_resume(&fx, 1)) == CPU_STOP_INSN_LIMIT && steps < 100)
        steps++;
    cr_assert_eq(s, CPU_STOP_EXIT, "stop %d after %d steps at pc %#x", s, steps, cpu->pc);
    cr_assert_eq(cpu->gpr[T4], 15);
    cr_assert_eq(cpu->gpr[T5], 1);
    cr_assert_eq(cpu->gpr[T6], 1);
    cr_assert_eq(cpu->pc, CODE + 24);
    cr_assert_eq(cpu->icount, 1 + 5 * 3 + 2 + 2 + 1);
    cr_assert_eq(steps, 20, "%d steps", steps);
}

Test(cpu, insn_limit_between_branch_and_slot)
{
    PUT(CODE, BEQ(ZERO, ZERO, 3), ADDIU(T3, T3, 1), ADDIU(T4, T4, 1), ADDIU(T4, T4, 1),
        ADDIU(T5, T5, 1), SDBBP(1));
    cr_assert_eq(fx_run_at(&fx, CODE, 1), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(cpu->icount, 1, "icount %llu, pc %#x", (unsigned long long)cpu->icount, cpu->pc);
    cr_assert_eq(cpu->pc, CODE + 4);                     /* stopped in the delay slot */
    cr_assert_eq(cpu->npc, CODE + 16);
    cr_assert_eq(fx_resume(&fx, 100), CPU_STOP_EXIT);
    cr_assert_eq(cpu->gpr[T3], 1);
    cr_assert_eq(cpu->gpr[T4], 0);
    cr_assert_eq(cpu->gpr[T5], 1);
}

Test(cpu, exception_loop_is_detected)
{
    /* BEV=1: the general vector 0xBFC00380 is PA 0x1FC00380, outside RAM: every fetch there
     * raises IBE at the same vector without dispatching an instruction. */
    set_status(ST_BEV);
    PUT(CODE, SYSCALL_);
    cr_assert_eq(fx_run_at(&fx, CODE, 1000000), CPU_STOP_FAULT_LOOP);
    cr_assert_eq(cpu->icount, 1);
    cr_assert_eq(cpu->n.exceptions[EXC_SYS], 1);
    cr_assert_eq(cpu->n.exceptions[EXC_IBE], 1000);     /* EXC_LOOP_LIMIT in cpu_exc.c */
    cr_assert_eq(cpu->pc, 0xBFC00380u);
}

Test(cpu, bus_error_on_data_outside_ram)
{
    PUT(CODE, LW(T2, 0, T0));
    cpu->gpr[T0] = 0xA0000000u | 0x10000000u;          /* PA 0x10000000: nothing there */
    cpu->gpr[T2] = SENTINEL;
    fx_run_at(&fx, CODE, 1);
    expect_exc(EXC_DBE, CODE, 0, VEC_GENERAL);
    cr_assert_eq(cpu->gpr[T2], SENTINEL);
}

Test(cpu, uhi_exit_status)
{
    PUT(CODE, ADDIU(A0, ZERO, 42), SDBBP(1));
    run_exit(CODE);
    cr_assert_eq(cpu->exit_code, 42);
    cr_assert_eq(cpu->icount, 2);
}
