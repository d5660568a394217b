/*
 * isa_branch - every branch and jump: taken / not taken, delay slots
 * (executed; nullified for not-taken branch-likely), link values
 * ($ra = branch address + 8) and jalr with rd != 31.
 */
#include "rt.h"

/* bit0: taken; bit1: delay slot executed */
#define BR2(insn, a, b) ({ uint32_t n__ = 0, d__ = 0; \
	__asm__ volatile(".set push\n\t.set noreorder\n\t" \
		insn " %2, %3, 1f\n\t" \
		"addiu %1, %1, 1\n\t" \
		"addiu %0, %0, 1\n" \
		"1:\n\t.set pop" \
		: "+&r"(n__), "+&r"(d__) : "r"((uint32_t)(a)), "r"((uint32_t)(b))); \
	(n__ ? 0u : 1u) | (d__ << 1); })
#define BR1(insn, a) ({ uint32_t n__ = 0, d__ = 0; \
	__asm__ volatile(".set push\n\t.set noreorder\n\t" \
		insn " %2, 1f\n\t" \
		"addiu %1, %1, 1\n\t" \
		"addiu %0, %0, 1\n" \
		"1:\n\t.set pop" \
		: "+&r"(n__), "+&r"(d__) : "r"((uint32_t)(a))); \
	(n__ ? 0u : 1u) | (d__ << 1); })
/* linking branch: also report $ra - branch address (must be 8) */
#define BRAL(insn, a, link) ({ uint32_t n__ = 0, d__ = 0, pc__, ra__; \
	__asm__ volatile(".set push\n\t.set noreorder\n\t" \
		"la %2, 2f\n" \
		"2:\t" insn " %4, 1f\n\t" \
		"addiu %1, %1, 1\n\t" \
		"addiu %0, %0, 1\n" \
		"1:\tmove %3, $31\n\t.set pop" \
		: "+&r"(n__), "+&r"(d__), "=&r"(pc__), "=r"(ra__) \
		: "r"((uint32_t)(a)) : "$31"); \
	link = ra__ - pc__; \
	(n__ ? 0u : 1u) | (d__ << 1); })

enum { NT = 2, T = 3, NT_LIKELY = 0 };

static void check_cond(void)
{
	uint32_t link;

	CHECK_EQ(BR2("beq", 5, 5), T);
	CHECK_EQ(BR2("beq", 5, 6), NT);
	CHECK_EQ(BR2("bne", 5, 6), T);
	CHECK_EQ(BR2("bne", 0x80000000, 0x80000000), NT);
	CHECK_EQ(BR1("blez", 0), T);
	CHECK_EQ(BR1("blez", 0x80000000), T);
	CHECK_EQ(BR1("blez", 1), NT);
	CHECK_EQ(BR1("bgtz", 1), T);
	CHECK_EQ(BR1("bgtz", 0x7fffffff), T);
	CHECK_EQ(BR1("bgtz", 0), NT);
	CHECK_EQ(BR1("bgtz", 0xffffffff), NT);
	CHECK_EQ(BR1("bltz", 0xffffffff), T);
	CHECK_EQ(BR1("bltz", 0), NT);
	CHECK_EQ(BR1("bgez", 0), T);
	CHECK_EQ(BR1("bgez", 0x7fffffff), T);
	CHECK_EQ(BR1("bgez", 0x80000000), NT);

	/* likely: a not-taken branch nullifies its delay slot */
	CHECK_EQ(BR2("beql", 7, 7), T);
	CHECK_EQ(BR2("beql", 7, 8), NT_LIKELY);
	CHECK_EQ(BR2("bnel", 7, 8), T);
	CHECK_EQ(BR2("bnel", 7, 7), NT_LIKELY);
	CHECK_EQ(BR1("blezl", 0), T);
	CHECK_EQ(BR1("blezl", 1), NT_LIKELY);
	CHECK_EQ(BR1("bgtzl", 1), T);
	CHECK_EQ(BR1("bgtzl", 0), NT_LIKELY);
	CHECK_EQ(BR1("bltzl", 0x80000000), T);
	CHECK_EQ(BR1("bltzl", 0), NT_LIKELY);
	CHECK_EQ(BR1("bgezl", 0), T);
	CHECK_EQ(BR1("bgezl", 0xffffffff), NT_LIKELY);

	/* and-link forms link whether or not the branch is taken */
	link = 0;
	CHECK_EQ(BRAL("bltzal", 0xffffffff, link), T);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bltzal", 1, link), NT);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bgezal", 0, link), T);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bgezal", 0x80000000, link), NT);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bltzall", 0x80000000, link), T);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bltzall", 0, link), NT_LIKELY);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bgezall", 5, link), T);
	CHECK_EQ(link, 8);
	link = 0;
	CHECK_EQ(BRAL("bgezall", 0xfffffffb, link), NT_LIKELY);
	CHECK_EQ(link, 8);
}

static void check_jumps(void)
{
	uint32_t r, pc, ra, d;

	/* j: delay slot executes, the fall-through does not */
	r = 0;
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "j 1f\n\taddiu %0, %0, 1\n\taddiu %0, %0, 16\n"
			 "1:\t.set pop" : "+r"(r));
	CHECK_EQ(r, 1);

	/* jal links PC+8 into $31 */
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la %1, 2f\n\tmove %2, $zero\n"
			 "2:\tjal 1f\n\taddiu %2, %2, 1\n\tnop\n"
			 "1:\tmove %0, $31\n\t.set pop"
			 : "=r"(ra), "=&r"(pc), "=&r"(d) :: "$31");
	CHECK_EQ(ra - pc, 8);
	CHECK_EQ(d, 1);

	/* jr: the delay slot may overwrite the jump register; the old value
	 * is the target */
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la %1, 1f\n\tmove %0, $zero\n\t"
			 "jr %1\n\tmove %1, $zero\n\t"
			 "addiu %0, %0, 16\n"
			 "1:\taddiu %0, %0, 1\n\t.set pop"
			 : "=&r"(r), "=&r"(pc));
	CHECK_EQ(r, 1);
	CHECK_EQ(pc, 0);

	/* jalr with rd = $31 (default) */
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la %1, 1f\n\tla %2, 2f\n"
			 "2:\tjalr %1\n\tnop\n\tnop\n"
			 "1:\tmove %0, $31\n\t.set pop"
			 : "=r"(ra), "=&r"(d), "=&r"(pc) :: "$31");
	CHECK_EQ(ra - pc, 8);

	/* jalr with rd != 31: $31 untouched */
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "li $31, 0x1234\n\t"
			 "la %1, 1f\n\tla %2, 2f\n"
			 "2:\tjalr %0, %1\n\tnop\n\tnop\n"
			 "1:\tmove %3, $31\n\t.set pop"
			 : "=&r"(r), "=&r"(d), "=&r"(pc), "=r"(ra) :: "$31");
	CHECK_EQ(r - pc, 8);
	CHECK_EQ(ra, 0x1234);
}

static void check_delay(void)
{
	uint32_t n, sum;

	/* the branch compares values read before its delay slot runs */
	n = 0;
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "move $8, $zero\n\t"
			 "beq $8, $zero, 1f\n\taddiu $8, $8, 5\n\t"
			 "addiu %0, %0, 100\n"
			 "1:\taddu %0, %0, $8\n\t.set pop"
			 : "+r"(n) :: "$8");
	CHECK_EQ(n, 5);

	/* countdown loop with the decrement in the delay slot */
	n = 10;
	sum = 0;
	__asm__ volatile(".set push\n\t.set noreorder\n"
			 "1:\taddu %1, %1, %0\n\t"
			 "bnez %0, 1b\n\taddiu %0, %0, -1\n\t.set pop"
			 : "+r"(n), "+r"(sum));
	CHECK_EQ(sum, 55);
	CHECK_EQ(n, 0xffffffff);

	/* backward likely branch loop: delay slot runs only while taken */
	n = 4;
	sum = 0;
	__asm__ volatile(".set push\n\t.set noreorder\n"
			 "1:\taddiu %0, %0, -1\n\t"
			 "bgtzl %0, 1b\n\taddiu %1, %1, 1\n\t.set pop"
			 : "+r"(n), "+r"(sum));
	CHECK_EQ(n, 0);
	CHECK_EQ(sum, 3);

	/* branch in C code through a function pointer (jalr from the compiler) */
}

static int fp_target(int x) { return x * 3 + 1; }

int main(void)
{
	int (*volatile fp)(int) = fp_target;

	check_cond();
	check_jumps();
	check_delay();
	CHECK_EQ(fp(4), 13);
	return rt_done("isa_branch");
}
