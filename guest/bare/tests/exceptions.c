/*
 * exceptions - syscall, break, traps, RI, CpU (CE), Ov, delay-slot EPC/BD,
 * EXL semantics, fetch address errors, user mode (kseg0/kseg1 -> AdEL/AdES,
 * CP0 -> CpU) and Status.ERL (useg unmapped, eret through ErrorEPC).
 */
#include "rt.h"

/* run one instruction (asm text) that must raise `code`; EPC must be it */
#define EXPECT(insn, code, ...) do { \
	uint32_t pc__; \
	rt_catch_reset(); \
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 1f\n" \
			 "1:\t" insn "\n\t.set pop" : "=&r"(pc__) : __VA_ARGS__); \
	CHECK_EQ(rt_exc.count, 1); \
	CHECK_EQ(EXC_CODE(), code); \
	CHECK_EQ(rt_exc.epc, pc__); \
	CHECK_EQ(rt_exc.cause & CAUSE_BD, 0); \
	CHECK_EQ(rt_exc.vec, 1); \
} while (0)
/* run one instruction that must not raise anything */
#define NOEXC(insn, ...) do { \
	rt_catch_reset(); \
	__asm__ volatile(insn :: __VA_ARGS__); \
	CHECK_EQ(rt_exc.count, 0); \
} while (0)

static void check_simple(void)
{
	uint32_t st;

	EXPECT("syscall", EXC_SYS, "r"(0));
	/* in the handler: EXL set, KSU kernel; after eret: EXL clear */
	CHECK(rt_exc.status & ST_EXL);
	CHECK_EQ(rt_exc.status & ST_KSU, 0);
	st = MFC0(C0_STATUS);
	CHECK_EQ(st & (ST_EXL | ST_ERL), 0);
	EXPECT("syscall 0x12345", EXC_SYS, "r"(0));
	EXPECT("break", EXC_BP, "r"(0));
	EXPECT("break 7", EXC_BP, "r"(0));
	EXPECT(".word 0xec000000", EXC_RI, "r"(0));      /* opcode 0x3b */
	EXPECT(".word 0xdc000000", EXC_RI, "r"(0));      /* ld (MIPS64 only) */
	EXPECT("add $8, %1, %1", EXC_OV, "r"(0x40000000) : "$8");

	/* coprocessor unusable: CE names the coprocessor */
	EXPECT(".word 0x44080000", EXC_CPU, "r"(0));  /* mfc1 $8, $f0 */
	CHECK_EQ(CAUSE_CE(rt_exc.cause), 1);
	EXPECT(".word 0xc4020000", EXC_CPU, "r"(0));  /* lwc1 $f2, 0($0) */
	CHECK_EQ(CAUSE_CE(rt_exc.cause), 1);
	/* CU1 cannot be set: there is no FPU */
	MTC0(C0_STATUS, MFC0(C0_STATUS) | ST_CU1);
	CHECK_EQ(MFC0(C0_STATUS) & ST_CU1, 0);
	MTC0(C0_STATUS, MFC0(C0_STATUS) & ~ST_CU1);
	EXPECT(".word 0x44080000", EXC_CPU, "r"(0));  /* mfc1 $8, $f0 */
	CHECK_EQ(CAUSE_CE(rt_exc.cause), 1);
}

static void check_traps(void)
{
	EXPECT("teq %1, %2", EXC_TR, "r"(5), "r"(5));
	NOEXC("teq %0, %1", "r"(5), "r"(6));
	EXPECT("tne %1, %2", EXC_TR, "r"(5), "r"(6));
	NOEXC("tne %0, %1", "r"(5), "r"(5));
	EXPECT("tge %1, %2", EXC_TR, "r"(0), "r"(0xffffffff));
	NOEXC("tge %0, %1", "r"(0xffffffff), "r"(0));
	EXPECT("tgeu %1, %2", EXC_TR, "r"(0xffffffff), "r"(0));
	NOEXC("tgeu %0, %1", "r"(0), "r"(0xffffffff));
	EXPECT("tlt %1, %2", EXC_TR, "r"(0x80000000), "r"(0x7fffffff));
	NOEXC("tlt %0, %1", "r"(0x7fffffff), "r"(0x80000000));
	EXPECT("tltu %1, %2", EXC_TR, "r"(0x7fffffff), "r"(0x80000000));
	NOEXC("tltu %0, %1", "r"(0x80000000), "r"(0x7fffffff));
	EXPECT("teq %1, %2, 0x3ff", EXC_TR, "r"(0), "r"(0));

	EXPECT("teqi %1, -1", EXC_TR, "r"(0xffffffff));
	NOEXC("teqi %0, -1", "r"(0xfffffffe));
	EXPECT("tnei %1, 3", EXC_TR, "r"(4));
	NOEXC("tnei %0, 3", "r"(3));
	EXPECT("tgei %1, -5", EXC_TR, "r"(0xfffffffb));
	NOEXC("tgei %0, -5", "r"(0xfffffffa));
	/* tgeiu/tltiu: sign-extended immediate, unsigned compare */
	EXPECT("tgeiu %1, -2", EXC_TR, "r"(0xfffffffe));
	NOEXC("tgeiu %0, -2", "r"(0x7fffffff));
	EXPECT("tlti %1, 0", EXC_TR, "r"(0x80000000));
	NOEXC("tlti %0, 0", "r"(0));
	EXPECT("tltiu %1, -1", EXC_TR, "r"(0x80000000));
	NOEXC("tltiu %0, 1", "r"(1));
}

static void check_delay_slot(void)
{
	uint32_t pc, r;

	/* syscall in the delay slot of a taken beq: EPC = the branch, BD=1 */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 1f\n"
			 "1:\tbeq $zero, $zero, 2f\n\tsyscall\n"
			 "2:\t.set pop" : "=&r"(pc));
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_SYS);
	CHECK_EQ(rt_exc.epc, pc);
	CHECK(rt_exc.cause & CAUSE_BD);

	/* misaligned load in a jr delay slot: AdEL, EPC = the jr, BD=1 */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 2f\n\tla $8, 3f\n"
			 "2:\tjr $8\n\tlw %1, 1(%2)\n"
			 "3:\t.set pop"
			 : "=&r"(pc), "=r"(r) : "r"(0x80100000) : "$8");
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.epc, pc);
	CHECK_EQ(rt_exc.badvaddr, 0x80100001);
	CHECK(rt_exc.cause & CAUSE_BD);

	/* trap in the delay slot of a taken branch-likely */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 1f\n"
			 "1:\tbeql $zero, $zero, 2f\n\tteq $zero, $zero\n"
			 "2:\t.set pop" : "=&r"(pc));
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TR);
	CHECK_EQ(rt_exc.epc, pc);
	CHECK(rt_exc.cause & CAUSE_BD);

	/* nullified delay slot of a not-taken likely branch raises nothing */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "bnel $zero, $zero, 1f\n\tsyscall\n1:\t.set pop");
	CHECK_EQ(rt_exc.count, 0);

	/* after a BD exception, the next one in straight-line code has BD=0 */
	EXPECT("syscall", EXC_SYS, "r"(0));
}

static void check_exl(void)
{
	uint32_t st;

	/* with EXL already set, an exception leaves EPC and Cause.BD alone */
	MTC0(C0_EPC, 0x80000ff0u);
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la $8, 1f\n\tsw $8, 0(%0)\n\t"
			 "mfc0 $9, $12\n\tori $9, $9, 2\n\tmtc0 $9, $12\n\tehb\n\t"
			 "beq $zero, $zero, 2f\n\tsyscall\n2:\tnop\n"
			 "1:\t.set pop"
			 :: "r"(&rt_exc.resume) : "$8", "$9", "memory");
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_SYS);
	CHECK_EQ(rt_exc.epc, 0x80000ff0u);
	CHECK_EQ(rt_exc.cause & CAUSE_BD, 0);
	CHECK_EQ(rt_exc.vec, 1);
	st = MFC0(C0_STATUS);
	CHECK_EQ(st & ST_EXL, 0);

	/* misaligned fetch: AdEL with EPC = BadVAddr = the target */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la $8, 1f\n\tsw $8, 0(%0)\n\t"
			 "jr %1\n\tnop\n"
			 "1:\t.set pop"
			 :: "r"(&rt_exc.resume), "r"(0x80100002) : "$8", "memory");
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.epc, 0x80100002);
	CHECK_EQ(rt_exc.badvaddr, 0x80100002);
	CHECK_EQ(rt_exc.cause & CAUSE_BD, 0);
}

/* user-mode snippets, run through the useg identity mapping */
extern char u_load[], u_store[], u_cp0[], u_fetch[];
__asm__(".text\n\t.set push\n\t.set noreorder\n\t.align 4\n"
	"u_load:\n\tlw $2, 0($4)\n\tsyscall\n\tnop\n"
	"u_store:\n\tsw $4, 0($4)\n\tli $2, 0x600d\n\tsyscall\n\tnop\n"
	"u_cp0:\n\tli $2, 0x77\n\tmfc0 $2, $12\n\tsyscall\n\tnop\n"
	"u_fetch:\n\tjr $4\n\tli $2, 0x99\n\tsyscall\n\tnop\n"
	"\t.set pop");

static void catch_and_abort(struct frame *f)
{
	rt_catch(f);
	rt_user_abort(f);
}

static volatile uint32_t user_word = 0x5eed1234;

static void check_user(void)
{
	uint32_t v;

	rt_tlb_clear();
	rt_tlb_map_low(0);

	/* useg through the TLB works in user mode */
	rt_catch_reset();
	v = rt_run_user(USEG_VA(u_load), 2, USEG_VA(&user_word));
	CHECK_EQ(v, 0x5eed1234);
	CHECK_EQ(rt_exc.count, 0);

	/* kseg0 and kseg1 loads -> AdEL; the load is skipped, $v0 kept */
	rt_catch_reset();
	v = rt_run_user(USEG_VA(u_load), 2, (uint32_t)&user_word);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, (uint32_t)&user_word);
	CHECK_EQ(rt_exc.epc, USEG_VA(u_load));
	CHECK_EQ(rt_exc.status & ST_KSU, ST_KSU_U);
	CHECK(rt_exc.status & ST_EXL);
	rt_catch_reset();
	rt_run_user(USEG_VA(u_load), 2, 0xA0000000u);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, 0xA0000000u);
	rt_catch_reset();
	rt_run_user(USEG_VA(u_load), 2, 0xC0000000u);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, 0xC0000000u);
	rt_catch_reset();
	rt_run_user(USEG_VA(u_load), 2, 0xE0000000u);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);

	/* kseg0 store -> AdES, memory untouched */
	rt_catch_reset();
	v = rt_run_user(USEG_VA(u_store), 2, (uint32_t)&user_word);
	CHECK_EQ(v, 0x600d);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_ADES);
	CHECK_EQ(rt_exc.badvaddr, (uint32_t)&user_word);
	CHECK_EQ(rt_exc.epc, USEG_VA(u_store));
	CHECK_EQ(user_word, 0x5eed1234);

	/* CP0 access in user mode with CU0=0 -> CpU, CE=0 */
	rt_catch_reset();
	v = rt_run_user(USEG_VA(u_cp0), 2, 0);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_CPU);
	CHECK_EQ(CAUSE_CE(rt_exc.cause), 0);
	CHECK_EQ(rt_exc.epc, USEG_VA(u_cp0) + 4);
	CHECK_EQ(v, 0x77);

	/* user jump into kseg0: fetch AdEL at the target */
	rt_handler = catch_and_abort;
	rt_catch_reset();
	v = rt_run_user(USEG_VA(u_fetch), 2, (uint32_t)u_load);
	CHECK_EQ(v, 0xdead0000u | EXC_ADEL);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(rt_exc.badvaddr, (uint32_t)u_load);
	CHECK_EQ(rt_exc.epc, (uint32_t)u_load);
	CHECK_EQ(MFC0(C0_STATUS) & (ST_KSU | ST_EXL), 0);
	rt_handler = rt_catch;
	rt_tlb_clear();
}

static void check_erl(void)
{
	uint32_t v, pc;

	/* ERL=1: useg is unmapped (no TLB entry is needed) */
	rt_tlb_clear();
	user_word = 0xa5a5f00d;
	__asm__ volatile("mfc0 $8, $12\n\tori $9, $8, 4\n\tmtc0 $9, $12\n\tehb\n\t"
			 "lw %0, 0(%1)\n\tmtc0 $8, $12\n\tehb"
			 : "=&r"(v) : "r"(USEG_VA(&user_word)) : "$8", "$9", "memory");
	CHECK_EQ(v, 0xa5a5f00d);
	CHECK_EQ(MFC0(C0_STATUS) & ST_ERL, 0);

	/* eret with ERL=1 returns to ErrorEPC and clears only ERL */
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la %0, 1f\n\tmtc0 %0, $30\n\t"
			 "mfc0 $8, $12\n\tori $8, $8, 6\n\tmtc0 $8, $12\n\tehb\n\t"
			 "eret\n\tnop\n\tli %0, 0\n"
			 "1:\t.set pop" : "=&r"(pc) :: "$8");
	v = MFC0(C0_STATUS);
	CHECK(pc != 0);
	CHECK_EQ(v & ST_ERL, 0);
	CHECK_EQ(v & ST_EXL, ST_EXL);
	MTC0(C0_STATUS, v & ~ST_EXL);
	CHECK_EQ(MFC0(C0_STATUS) & (ST_EXL | ST_ERL), 0);
}

int main(void)
{
	rt_handler = rt_catch;
	check_simple();
	check_traps();
	check_delay_slot();
	check_exl();
	check_user();
	check_erl();
	rt_handler = 0;
	return rt_done("exceptions");
}
