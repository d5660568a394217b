/*
 * isa_alu - every MIPS32r2 integer ALU instruction class with edge values.
 * Results are checked against exact constants; overflow must raise Ov
 * without writing rd.
 */
#include "rt.h"

#define OP3(op, a, b) ({ uint32_t r__; \
	__asm__ volatile(op " %0, %1, %2" : "=r"(r__) : "r"((uint32_t)(a)), "r"((uint32_t)(b))); r__; })
#define OPI(op, a, imm) ({ uint32_t r__; \
	__asm__ volatile(op " %0, %1, " #imm : "=r"(r__) : "r"((uint32_t)(a))); r__; })
#define OP1(op, a) ({ uint32_t r__; \
	__asm__ volatile(op " %0, %1" : "=r"(r__) : "r"((uint32_t)(a))); r__; })
#define EXT(a, pos, size) ({ uint32_t r__; \
	__asm__ volatile("ext %0, %1, " #pos ", " #size : "=r"(r__) : "r"((uint32_t)(a))); r__; })
#define INS(d, a, pos, size) ({ uint32_t r__ = (d); \
	__asm__ volatile("ins %0, %1, " #pos ", " #size : "+r"(r__) : "r"((uint32_t)(a))); r__; })

/* HI/LO after a multiply or divide instruction */
#define MD(op, a, b, hi, lo) __asm__ volatile(op " %2, %3\n\tmfhi %0\n\tmflo %1" \
	: "=r"(hi), "=r"(lo) : "r"((uint32_t)(a)), "r"((uint32_t)(b)) : "hi", "lo")
/* div/divu: the three-operand form is the bare instruction (the two-operand
 * form is an assembler macro that adds divide-by-zero and overflow checks) */
#define DIV(op, a, b, hi, lo) MD(op " $zero,", a, b, hi, lo)
/* madd-style accumulate starting from hi0:lo0 */
#define MACC(op, hi0, lo0, a, b, hi, lo) __asm__ volatile( \
	"mthi %4\n\tmtlo %5\n\t" op " %2, %3\n\tmfhi %0\n\tmflo %1" \
	: "=&r"(hi), "=&r"(lo) : "r"((uint32_t)(a)), "r"((uint32_t)(b)), \
	  "r"((uint32_t)(hi0)), "r"((uint32_t)(lo0)) : "hi", "lo")

static void check_ov(void)
{
	uint32_t rd, pc;

	rt_handler = rt_catch;
	/* add: overflow traps, rd unchanged; EPC is the add */
	rt_catch_reset();
	rd = 0x11111111;
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %1, 1f\n"
			 "1:\tadd %0, %2, %3\n\t.set pop"
			 : "+r"(rd), "=&r"(pc) : "r"(0x7fffffff), "r"(1));
	CHECK_EQ(rd, 0x11111111);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_OV);
	CHECK_EQ(rt_exc.epc, pc);
	CHECK_EQ(rt_exc.vec, 1);

	rt_catch_reset();
	rd = 0x22222222;
	__asm__ volatile("add %0, %1, %2" : "+r"(rd) : "r"(0x80000000), "r"(0x80000000));
	CHECK_EQ(rd, 0x22222222);
	CHECK_EQ(EXC_CODE(), EXC_OV);
	rt_catch_reset();
	rd = 0x33333333;
	__asm__ volatile("addi %0, %1, 1" : "+r"(rd) : "r"(0x7fffffff));
	CHECK_EQ(rd, 0x33333333);
	CHECK_EQ(rt_exc.count, 1);
	rt_catch_reset();
	rd = 0x44444444;
	__asm__ volatile("addi %0, %1, -1" : "+r"(rd) : "r"(0x80000000));
	CHECK_EQ(rd, 0x44444444);
	CHECK_EQ(rt_exc.count, 1);
	rt_catch_reset();
	rd = 0x55555555;
	__asm__ volatile("sub %0, %1, %2" : "+r"(rd) : "r"(0x80000000), "r"(1));
	CHECK_EQ(rd, 0x55555555);
	CHECK_EQ(EXC_CODE(), EXC_OV);
	rt_catch_reset();
	rd = 0x66666666;
	__asm__ volatile("sub %0, %1, %2" : "+r"(rd) : "r"(0x7fffffff), "r"(0xffffffff));
	CHECK_EQ(rd, 0x66666666);
	CHECK_EQ(rt_exc.count, 1);

	/* no overflow: no exception */
	rt_catch_reset();
	CHECK_EQ(OP3("add", 0x7ffffffe, 1), 0x7fffffff);
	CHECK_EQ(OP3("add", 0x80000000, 0x7fffffff), 0xffffffff);
	CHECK_EQ(OP3("add", 0xffffffff, 0xffffffff), 0xfffffffe);
	CHECK_EQ(OPI("addi", 0x80000001, -1), 0x80000000);
	CHECK_EQ(OPI("addi", 5, -32768), 0xffff8005);
	CHECK_EQ(OP3("sub", 0, 0x7fffffff), 0x80000001);
	CHECK_EQ(OP3("sub", 0xffffffff, 0x7fffffff), 0x80000000);
	CHECK_EQ(rt_exc.count, 0);
	rt_handler = 0;
}

static void check_arith(void)
{
	CHECK_EQ(OP3("addu", 0x7fffffff, 1), 0x80000000);
	CHECK_EQ(OP3("addu", 0xffffffff, 2), 1);
	CHECK_EQ(OPI("addiu", 0x7fffffff, 1), 0x80000000);
	CHECK_EQ(OPI("addiu", 0, -1), 0xffffffff);
	CHECK_EQ(OPI("addiu", 0x10000, 0x7fff), 0x17fff);
	CHECK_EQ(OP3("subu", 0, 1), 0xffffffff);
	CHECK_EQ(OP3("subu", 0x80000000, 1), 0x7fffffff);

	CHECK_EQ(OP3("slt", 0x80000000, 0x7fffffff), 1);
	CHECK_EQ(OP3("slt", 0x7fffffff, 0x80000000), 0);
	CHECK_EQ(OP3("slt", 0xffffffff, 0), 1);
	CHECK_EQ(OP3("slt", 5, 5), 0);
	CHECK_EQ(OP3("sltu", 0x80000000, 0x7fffffff), 0);
	CHECK_EQ(OP3("sltu", 0, 0xffffffff), 1);
	CHECK_EQ(OP3("sltu", 5, 5), 0);
	CHECK_EQ(OPI("slti", 0xffffffff, 0), 1);
	CHECK_EQ(OPI("slti", 0, -1), 0);
	CHECK_EQ(OPI("slti", 0x80000000, -32768), 1);
	CHECK_EQ(OPI("slti", 0xffff8000, -32768), 0);
	/* sltiu sign-extends the immediate, then compares unsigned */
	CHECK_EQ(OPI("sltiu", 0xfffffffe, -1), 1);
	CHECK_EQ(OPI("sltiu", 0xffffffff, -1), 0);
	CHECK_EQ(OPI("sltiu", 0x7fff, 0x7fff), 0);
	CHECK_EQ(OPI("sltiu", 0x8000, 0x7fff), 0);
	CHECK_EQ(OPI("sltiu", 0, 1), 1);
}

static void check_logic(void)
{
	uint32_t r;

	CHECK_EQ(OP3("and", 0xf0f0ff00, 0x0ff0f0f0), 0x00f0f000);
	CHECK_EQ(OP3("or", 0xf0f0ff00, 0x0ff0f0f0), 0xfff0fff0);
	CHECK_EQ(OP3("xor", 0xf0f0ff00, 0x0ff0f0f0), 0xff000ff0);
	CHECK_EQ(OP3("nor", 0xf0f0ff00, 0x0ff0f0f0), 0x000f000f);
	/* logical immediates zero-extend */
	CHECK_EQ(OPI("andi", 0xffffffff, 0x8001), 0x00008001);
	CHECK_EQ(OPI("ori", 0x12340000, 0xffff), 0x1234ffff);
	CHECK_EQ(OPI("xori", 0xffffffff, 0x8000), 0xffff7fff);
	__asm__ volatile("lui %0, 0x8765" : "=r"(r));
	CHECK_EQ(r, 0x87650000);
	__asm__ volatile("lui %0, 0xffff" : "=r"(r));
	CHECK_EQ(r, 0xffff0000);
}

static void check_shift(void)
{
	CHECK_EQ(OPI("sll", 0x80000001, 0), 0x80000001);
	CHECK_EQ(OPI("sll", 0x80000001, 1), 0x00000002);
	CHECK_EQ(OPI("sll", 0x00000001, 31), 0x80000000);
	CHECK_EQ(OPI("srl", 0x80000000, 31), 1);
	CHECK_EQ(OPI("srl", 0xffffffff, 4), 0x0fffffff);
	CHECK_EQ(OPI("sra", 0x80000000, 31), 0xffffffff);
	CHECK_EQ(OPI("sra", 0x80000000, 4), 0xf8000000);
	CHECK_EQ(OPI("sra", 0x7fffffff, 30), 1);
	CHECK_EQ(OPI("rotr", 0x12345678, 4), 0x81234567);
	CHECK_EQ(OPI("rotr", 0x12345678, 0), 0x12345678);
	CHECK_EQ(OPI("rotr", 0x80000001, 31), 0x00000003);
	/* variable shifts use only the low 5 bits of rs */
	CHECK_EQ(OP3("sllv", 0x00000003, 33), 0x00000006);
	CHECK_EQ(OP3("sllv", 0x00000003, 31), 0x80000000);
	CHECK_EQ(OP3("srlv", 0x80000000, 0xffffffff), 1);
	CHECK_EQ(OP3("srlv", 0x80000000, 32), 0x80000000);
	CHECK_EQ(OP3("srav", 0x80000000, 0x3f), 0xffffffff);
	CHECK_EQ(OP3("srav", 0x40000000, 30), 1);
	CHECK_EQ(OP3("rotrv", 0x12345678, 8), 0x78123456);
	CHECK_EQ(OP3("rotrv", 0x12345678, 40), 0x78123456);
	CHECK_EQ(OP3("rotrv", 0x12345678, 32), 0x12345678);
}

static void check_muldiv(void)
{
	uint32_t hi, lo, r;

	MD("mult", 0xffffffff, 0xffffffff, hi, lo);      /* -1 * -1 */
	CHECK_EQ(hi, 0);
	CHECK_EQ(lo, 1);
	MD("mult", 0x80000000, 0x80000000, hi, lo);      /* 2^62 */
	CHECK_EQ(hi, 0x40000000);
	CHECK_EQ(lo, 0);
	MD("mult", 0x7fffffff, 0x80000000, hi, lo);
	CHECK_EQ(hi, 0xc0000000);
	CHECK_EQ(lo, 0x80000000);
	MD("mult", 0x12345678, 0xfffffffe, hi, lo);      /* * -2 */
	CHECK_EQ(hi, 0xffffffff);
	CHECK_EQ(lo, 0xdb975310);
	MD("multu", 0xffffffff, 0xffffffff, hi, lo);
	CHECK_EQ(hi, 0xfffffffe);
	CHECK_EQ(lo, 0x00000001);
	MD("multu", 0x80000000, 2, hi, lo);
	CHECK_EQ(hi, 1);
	CHECK_EQ(lo, 0);

	DIV("div", 7, 0xfffffffe, hi, lo);                /* 7 / -2 */
	CHECK_EQ(lo, 0xfffffffd);
	CHECK_EQ(hi, 1);
	DIV("div", 0xfffffff9, 2, hi, lo);                /* -7 / 2 */
	CHECK_EQ(lo, 0xfffffffd);
	CHECK_EQ(hi, 0xffffffff);
	DIV("div", 0x80000000, 0xffffffff, hi, lo);       /* INT_MIN / -1 */
	CHECK_EQ(lo, 0x80000000);
	CHECK_EQ(hi, 0);
	DIV("divu", 0xffffffff, 7, hi, lo);
	CHECK_EQ(lo, 0x24924924);
	CHECK_EQ(hi, 3);
	DIV("divu", 0x80000000, 0xffffffff, hi, lo);
	CHECK_EQ(lo, 0);
	CHECK_EQ(hi, 0x80000000);
	/* division by zero does not trap; the result is UNPREDICTABLE */
	DIV("div", 5, 0, hi, lo);
	DIV("divu", 5, 0, hi, lo);
	(void)hi;
	(void)lo;

	__asm__ volatile("mthi %2\n\tmtlo %3\n\tmfhi %0\n\tmflo %1"
			 : "=r"(hi), "=r"(lo) : "r"(0xcafef00d), "r"(0x8badf00d)
			 : "hi", "lo");
	CHECK_EQ(hi, 0xcafef00d);
	CHECK_EQ(lo, 0x8badf00d);

	CHECK_EQ(OP3("mul", 0x12345678, 0x10), 0x23456780);
	CHECK_EQ(OP3("mul", 0xffffffff, 0x7fffffff), 0x80000001);
	CHECK_EQ(OP3("mul", 0x80000000, 0xffffffff), 0x80000000);

	MACC("madd", 0, 1, 0xffffffff, 1, hi, lo);       /* 1 + -1 */
	CHECK_EQ(hi, 0);
	CHECK_EQ(lo, 0);
	MACC("madd", 0x7fffffff, 0xffffffff, 1, 1, hi, lo);
	CHECK_EQ(hi, 0x80000000);
	CHECK_EQ(lo, 0);
	MACC("maddu", 0, 0xffffffff, 0xffffffff, 0xffffffff, hi, lo);
	CHECK_EQ(hi, 0xffffffff);
	CHECK_EQ(lo, 0);
	MACC("msub", 0, 0, 1, 1, hi, lo);                /* 0 - 1 */
	CHECK_EQ(hi, 0xffffffff);
	CHECK_EQ(lo, 0xffffffff);
	MACC("msub", 0, 5, 0xffffffff, 3, hi, lo);       /* 5 - (-3) */
	CHECK_EQ(hi, 0);
	CHECK_EQ(lo, 8);
	MACC("msubu", 0, 0, 0xffffffff, 2, hi, lo);      /* 0 - 0x1fffffffe */
	CHECK_EQ(hi, 0xfffffffe);
	CHECK_EQ(lo, 2);
	r = 0;
	(void)r;
}

static void check_bits(void)
{
	CHECK_EQ(OP1("clz", 0), 32);
	CHECK_EQ(OP1("clz", 1), 31);
	CHECK_EQ(OP1("clz", 0x80000000), 0);
	CHECK_EQ(OP1("clz", 0x00010000), 15);
	CHECK_EQ(OP1("clo", 0xffffffff), 32);
	CHECK_EQ(OP1("clo", 0), 0);
	CHECK_EQ(OP1("clo", 0xfffe0000), 15);
	CHECK_EQ(OP1("clo", 0x80000000), 1);

	CHECK_EQ(EXT(0x12345678, 0, 1), 0);
	CHECK_EQ(EXT(0x12345678, 0, 32), 0x12345678);
	CHECK_EQ(EXT(0x12345678, 4, 8), 0x67);
	CHECK_EQ(EXT(0x80000000, 31, 1), 1);
	CHECK_EQ(EXT(0xdeadbeef, 16, 16), 0xdead);
	CHECK_EQ(EXT(0xdeadbeef, 1, 31), 0x6f56df77);
	CHECK_EQ(INS(0xffffffff, 0, 0, 1), 0xfffffffe);
	CHECK_EQ(INS(0xffffffff, 0, 31, 1), 0x7fffffff);
	CHECK_EQ(INS(0x00000000, 0xffffffff, 0, 32), 0xffffffff);
	CHECK_EQ(INS(0x12345678, 0xabcd, 8, 16), 0x12abcd78);
	CHECK_EQ(INS(0x12345678, 0xffffffff, 4, 4), 0x123456f8);
	CHECK_EQ(INS(0x00000000, 0x3, 30, 2), 0xc0000000);

	CHECK_EQ(OP1("seb", 0x0000007f), 0x7f);
	CHECK_EQ(OP1("seb", 0x12345680), 0xffffff80);
	CHECK_EQ(OP1("seh", 0x00017fff), 0x7fff);
	CHECK_EQ(OP1("seh", 0x12348000), 0xffff8000);
	CHECK_EQ(OP1("wsbh", 0x11223344), 0x22114433);
	CHECK_EQ(OP1("wsbh", 0xff00ff00), 0x00ff00ff);
}

static void check_cmove(void)
{
	uint32_t r;

	r = 1;
	__asm__ volatile("movn %0, %1, %2" : "+r"(r) : "r"(0xaaaa), "r"(0));
	CHECK_EQ(r, 1);
	__asm__ volatile("movn %0, %1, %2" : "+r"(r) : "r"(0xaaaa), "r"(0x80000000));
	CHECK_EQ(r, 0xaaaa);
	__asm__ volatile("movz %0, %1, %2" : "+r"(r) : "r"(0xbbbb), "r"(1));
	CHECK_EQ(r, 0xaaaa);
	__asm__ volatile("movz %0, %1, %2" : "+r"(r) : "r"(0xbbbb), "r"(0));
	CHECK_EQ(r, 0xbbbb);
}

int main(void)
{
	check_arith();
	check_logic();
	check_shift();
	check_muldiv();
	check_bits();
	check_cmove();
	check_ov();
	return rt_done("isa_alu");
}
