/*
 * isa_mem - loads and stores (little-endian): sign/zero extension, byte
 * order, lwl/lwr/swl/swr at every byte offset, ll/sc (an eret between ll and
 * sc makes sc fail), and address errors on misaligned accesses.
 */
#include "rt.h"

static volatile uint32_t buf[8] __attribute__((aligned(16)));

#define LOAD(op, ptr, off) ({ uint32_t r__; \
	__asm__ volatile(op " %0, " #off "(%1)" : "=r"(r__) : "r"(ptr) : "memory"); r__; })
#define LWX(op, init, ptr, off) ({ uint32_t r__ = (init); \
	__asm__ volatile(op " %0, " #off "(%1)" : "+r"(r__) : "r"(ptr) : "memory"); r__; })
#define STORE(op, val, ptr, off) \
	__asm__ volatile(op " %0, " #off "(%1)" :: "r"((uint32_t)(val)), "r"(ptr) : "memory")

static void check_basic(void)
{
	volatile uint8_t *b = (volatile uint8_t *)buf;

	buf[0] = 0x80017f80;
	buf[1] = 0x11223344;
	CHECK_EQ(LOAD("lb", b, 0), 0xffffff80);
	CHECK_EQ(LOAD("lbu", b, 0), 0x80);
	CHECK_EQ(LOAD("lb", b, 1), 0x7f);
	CHECK_EQ(LOAD("lb", b, 3), 0xffffff80);
	CHECK_EQ(LOAD("lh", b, 2), 0xffff8001);
	CHECK_EQ(LOAD("lhu", b, 2), 0x8001);
	CHECK_EQ(LOAD("lh", b, 0), 0x7f80);
	CHECK_EQ(LOAD("lw", b, 0), 0x80017f80);
	CHECK_EQ(LOAD("lbu", b, 4), 0x44);
	CHECK_EQ(LOAD("lbu", b, 7), 0x11);
	CHECK_EQ(LOAD("lhu", b, 6), 0x1122);
	/* negative offsets */
	CHECK_EQ(LOAD("lw", b + 8, -4), 0x11223344);
	CHECK_EQ(LOAD("lbu", b + 8, -3), 0x33);

	buf[2] = 0;
	STORE("sb", 0x123456aa, b + 8, 1);
	CHECK_EQ(buf[2], 0x0000aa00);
	STORE("sh", 0xffffbeef, b + 8, 2);
	CHECK_EQ(buf[2], 0xbeefaa00);
	STORE("sb", 0x55, b + 8, 0);
	CHECK_EQ(buf[2], 0xbeefaa55);
	STORE("sw", 0xcafebabe, b + 8, 0);
	CHECK_EQ(buf[2], 0xcafebabe);
	CHECK_EQ(b[8], 0xbe);
	CHECK_EQ(b[11], 0xca);
}

static void check_lwlr(void)
{
	volatile uint8_t *b = (volatile uint8_t *)buf;
	const uint32_t init = 0xaabbccdd;
	uint32_t r;

	buf[0] = 0x44332211;
	buf[1] = 0x88776655;
	CHECK_EQ(LWX("lwr", init, b, 0), 0x44332211);
	CHECK_EQ(LWX("lwr", init, b, 1), 0xaa443322);
	CHECK_EQ(LWX("lwr", init, b, 2), 0xaabb4433);
	CHECK_EQ(LWX("lwr", init, b, 3), 0xaabbcc44);
	CHECK_EQ(LWX("lwl", init, b, 0), 0x11bbccdd);
	CHECK_EQ(LWX("lwl", init, b, 1), 0x2211ccdd);
	CHECK_EQ(LWX("lwl", init, b, 2), 0x332211dd);
	CHECK_EQ(LWX("lwl", init, b, 3), 0x44332211);

	/* the unaligned-load idiom: lwr at a, lwl at a+3 */
	__asm__ volatile("lwr %0, 1(%1)\n\tlwl %0, 4(%1)" : "=&r"(r) : "r"(b) : "memory");
	CHECK_EQ(r, 0x55443322);
	__asm__ volatile("lwr %0, 3(%1)\n\tlwl %0, 6(%1)" : "=&r"(r) : "r"(b) : "memory");
	CHECK_EQ(r, 0x77665544);

	buf[2] = 0x44332211;
	STORE("swr", init, b + 8, 0);
	CHECK_EQ(buf[2], 0xaabbccdd);
	buf[2] = 0x44332211;
	STORE("swr", init, b + 8, 1);
	CHECK_EQ(buf[2], 0xbbccdd11);
	buf[2] = 0x44332211;
	STORE("swr", init, b + 8, 2);
	CHECK_EQ(buf[2], 0xccdd2211);
	buf[2] = 0x44332211;
	STORE("swr", init, b + 8, 3);
	CHECK_EQ(buf[2], 0xdd332211);
	buf[2] = 0x44332211;
	STORE("swl", init, b + 8, 0);
	CHECK_EQ(buf[2], 0x443322aa);
	buf[2] = 0x44332211;
	STORE("swl", init, b + 8, 1);
	CHECK_EQ(buf[2], 0x4433aabb);
	buf[2] = 0x44332211;
	STORE("swl", init, b + 8, 2);
	CHECK_EQ(buf[2], 0x44aabbcc);
	buf[2] = 0x44332211;
	STORE("swl", init, b + 8, 3);
	CHECK_EQ(buf[2], 0xaabbccdd);

	/* unaligned store idiom across two words */
	buf[4] = 0;
	buf[5] = 0;
	__asm__ volatile("swr %0, 2(%1)\n\tswl %0, 5(%1)"
			 :: "r"(0x12345678), "r"(b + 16) : "memory");
	CHECK_EQ(buf[4], 0x56780000);
	CHECK_EQ(buf[5], 0x00001234);
}

static void check_llsc(void)
{
	uint32_t ok, v;

	rt_handler = rt_catch;
	buf[3] = 100;
	__asm__ volatile("ll %1, 0(%2)\n\taddiu %1, %1, 1\n\tmove %0, %1\n\t"
			 "sc %0, 0(%2)"
			 : "=&r"(ok), "=&r"(v) : "r"(&buf[3]) : "memory");
	CHECK_EQ(ok, 1);
	CHECK_EQ(v, 101);
	CHECK_EQ(buf[3], 101);

	/* an exception return between ll and sc clears LLbit */
	rt_catch_reset();
	__asm__ volatile("ll %1, 0(%2)\n\taddiu %1, %1, 1\n\tmove %0, %1\n\t"
			 "syscall\n\tsc %0, 0(%2)"
			 : "=&r"(ok), "=&r"(v) : "r"(&buf[3]) : "memory");
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_SYS);
	CHECK_EQ(ok, 0);
	CHECK_EQ(buf[3], 101);

	/* and a retry succeeds */
	__asm__ volatile("ll %1, 0(%2)\n\taddiu %1, %1, 1\n\tmove %0, %1\n\t"
			 "sc %0, 0(%2)"
			 : "=&r"(ok), "=&r"(v) : "r"(&buf[3]) : "memory");
	CHECK_EQ(ok, 1);
	CHECK_EQ(buf[3], 102);
	rt_handler = 0;
}

/* Run one access that must fault: check code, EPC, BadVAddr, rd unchanged. */
#define FAULT_LOAD(op, ptr, off, code) do { \
	uint32_t r__ = 0x5a5a5a5a, pc__; \
	rt_catch_reset(); \
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %1, 1f\n" \
			 "1:\t" op " %0, " #off "(%2)\n\t.set pop" \
			 : "+r"(r__), "=&r"(pc__) : "r"(ptr) : "memory"); \
	CHECK_EQ(rt_exc.count, 1); \
	CHECK_EQ(EXC_CODE(), code); \
	CHECK_EQ(rt_exc.epc, pc__); \
	CHECK_EQ(rt_exc.badvaddr, (uint32_t)(ptr) + (off)); \
	CHECK_EQ(r__, 0x5a5a5a5a); \
	CHECK_EQ(rt_exc.cause & CAUSE_BD, 0); \
} while (0)

#define FAULT_STORE(op, ptr, off) do { \
	uint32_t pc__; \
	rt_catch_reset(); \
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 1f\n" \
			 "1:\t" op " %1, " #off "(%2)\n\t.set pop" \
			 : "=&r"(pc__) : "r"(0xffffffff), "r"(ptr) : "memory"); \
	CHECK_EQ(rt_exc.count, 1); \
	CHECK_EQ(EXC_CODE(), EXC_ADES); \
	CHECK_EQ(rt_exc.epc, pc__); \
	CHECK_EQ(rt_exc.badvaddr, (uint32_t)(ptr) + (off)); \
} while (0)

static void check_adel(void)
{
	volatile uint8_t *b = (volatile uint8_t *)buf;

	rt_handler = rt_catch;
	FAULT_LOAD("lw", b, 1, EXC_ADEL);
	FAULT_LOAD("lw", b, 2, EXC_ADEL);
	FAULT_LOAD("lw", b, 3, EXC_ADEL);
	FAULT_LOAD("lw", b + 4, -2, EXC_ADEL);
	FAULT_LOAD("lh", b, 1, EXC_ADEL);
	FAULT_LOAD("lhu", b, 3, EXC_ADEL);
	FAULT_LOAD("ll", b, 2, EXC_ADEL);
	buf[6] = 0x01020304;
	FAULT_STORE("sw", b + 24, 1);
	FAULT_STORE("sw", b + 24, 2);
	FAULT_STORE("sh", b + 24, 3);
	CHECK_EQ(buf[6], 0x01020304);
	/* aligned accesses after all that still work, without exceptions */
	rt_catch_reset();
	CHECK_EQ(LOAD("lh", b + 24, 2), 0x0102);
	CHECK_EQ(rt_exc.count, 0);
	rt_handler = 0;
}

int main(void)
{
	check_basic();
	check_lwlr();
	check_llsc();
	check_adel();
	return rt_done("isa_mem");
}
