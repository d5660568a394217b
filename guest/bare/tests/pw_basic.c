/*
 * pw_basic (pagewalk) - the x86-like walker: 4 KiB and 4 MiB pages, A and
 * D bits set in memory, not-present faults (TLBL/TLBS at the general vector
 * with BadVAddr and PFErr), and the R4K TLB instructions raising RI.
 */
#include "pw.h"

#define VA 0x00400000u

static volatile uint32_t pg[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t marker = 0x4d4d4d4d;

#define EXPECT_RI(insn) do { \
	rt_catch_reset(); \
	__asm__ volatile(insn ::: "memory"); \
	CHECK_EQ(rt_exc.count, 1); \
	CHECK_EQ(EXC_CODE(), EXC_RI); \
} while (0)

int main(void)
{
	volatile uint32_t *pte;
	uint32_t pc;

	rt_handler = rt_catch;
	pw_reset();
	pg[0][3] = 0x11110003;
	pg[1][3] = 0x22220003;
	pw_map4k(VA, PHYS(pg[0]), PTE_P | PTE_RW | PTE_US);
	pw_map4k(VA + 0x1000, PHYS(pg[1]), PTE_P | PTE_RW);
	pw_map4m(0x00800000u, 0x00000000u, PTE_P | PTE_RW | PTE_US);
	pw_load_ptbase();
	CHECK_EQ(MFC0(C0_PTBASE), PHYS(pw_dir));

	/* 4 KiB pages: loads, then A set (PTE and PDE), D still clear */
	pte = pw_pte(VA);
	rt_catch_reset();
	CHECK_EQ(PW_LW(VA + 12), 0x11110003);
	CHECK_EQ(PW_LW(VA + 0x100c), 0x22220003);
	CHECK_EQ(rt_exc.count, 0);
	CHECK_EQ(*pte & (PTE_A | PTE_D), PTE_A);
	CHECK_EQ(*pw_pde(VA) & PTE_A, PTE_A);
	/* a store sets D */
	PW_SW(VA + 16, 0xabcd0001);
	CHECK_EQ(pg[0][4], 0xabcd0001);
	CHECK_EQ(*pte & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(*pw_pte(VA + 0x1000) & PTE_D, 0);
	CHECK_EQ(rt_exc.count, 0);

	/* 4 MiB page over PA 0: this image is visible at 0x00800000 + PA */
	CHECK_EQ(PW_LW(0x00800000u + PHYS(&marker)), 0x4d4d4d4d);
	CHECK_EQ(*pw_pde(0x00800000u) & (PTE_A | PTE_D), PTE_A);
	PW_SW(0x00800000u + PHYS(&marker), 0x5e5e5e5e);
	CHECK_EQ(marker, 0x5e5e5e5e);
	CHECK_EQ(*pw_pde(0x00800000u) & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(PW_LW(0x00800000u + 0x3ffffc + 0) , *(volatile uint32_t *)0x803ffffcu);
	CHECK_EQ(rt_exc.count, 0);

	/* not present: PTE P=0, and no table at all */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 1f\n"
			 "1:\tlw $8, 0(%1)\n\t.set pop"
			 : "=&r"(pc) : "r"(VA + 0x2008) : "$8", "memory");
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.vec, 1);
	CHECK_EQ(rt_exc.epc, pc);
	CHECK_EQ(rt_exc.badvaddr, VA + 0x2008);
	CHECK_EQ(MFC0(C0_PFERR), 0);
	rt_catch_reset();
	PW_SW(0x10000000u, 1);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBS);
	CHECK_EQ(rt_exc.vec, 1);
	CHECK_EQ(rt_exc.badvaddr, 0x10000000u);
	CHECK_EQ(MFC0(C0_PFERR), PF_W);
	/* sseg and kseg3 are walked too */
	rt_catch_reset();
	(void)PW_LW(0xc0000000u);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.badvaddr, 0xc0000000u);
	/* a fault leaves no A bit behind */
	CHECK_EQ(*pw_pte(VA + 0x2000) & PTE_A, 0);

	/* mapping the page makes the access work */
	pw_map4k(VA + 0x2000, PHYS(pg[1]), PTE_P | PTE_RW);
	rt_catch_reset();
	CHECK_EQ(PW_LW(VA + 0x200c), 0x22220003);
	CHECK_EQ(rt_exc.count, 0);

	/* no software TLB: tlbwr/tlbwi/tlbp/tlbr raise RI */
	EXPECT_RI("tlbwr");
	EXPECT_RI("tlbwi");
	EXPECT_RI("tlbp");
	EXPECT_RI("tlbr");

	rt_handler = 0;
	return rt_done("pw_basic");
}
