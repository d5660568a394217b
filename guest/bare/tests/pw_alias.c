/*
 * pw_alias (pagewalk) - page tables written through mapped addresses: a page
 * table mapped writable at a virtual address and written through it (sw,
 * swl/swr), a page written as data first and made a page table later, a
 * ll/sc on a PTE, a recursive directory entry. After each change the
 * PTBase reload empties the TLB, so the next access must see the change.
 */
#include "pw.h"

#define VA     0x00400000u   /* data page */
#define ALIAS  0x00800000u   /* the page table of VA, mapped writable */
#define LATER  0x00801000u   /* tab2, mapped writable before it is a page table */
#define VB     0x00c00000u   /* translated through tab2 once it is one */
#define REC    0x01000000u   /* the directory maps itself here */

static volatile uint32_t pg[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t tab2[1024] __attribute__((aligned(4096)));

#define IDX(va) (((va) >> 12) & 1023u)

int main(void)
{
	volatile uint32_t *pte;
	uint32_t v, ok;

	rt_handler = rt_catch;
	pw_reset();
	memset((void *)tab2, 0, sizeof(tab2));
	pg[0][0] = 0x11111111;
	pg[1][0] = 0x22222222;
	pw_map4k(VA, PHYS(pg[0]), PTE_P | PTE_RW);
	pte = pw_pte(VA);
	pw_map4k(ALIAS, PHYS(pte) & ~0xfffu, PTE_P | PTE_RW);
	pw_map4k(LATER, PHYS(tab2), PTE_P | PTE_RW);
	pw_load_ptbase();
	rt_catch_reset();
	CHECK_EQ(PW_LW(VA), 0x11111111);

	/* sw through the alias: VA now maps pg[1]; A set again by the next walk */
	PW_SW(ALIAS + 4 * IDX(VA), PHYS(pg[1]) | PTE_P | PTE_RW);
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VA), 0x22222222);
	CHECK_EQ(*pte, PHYS(pg[1]) | PTE_P | PTE_RW | PTE_A);
	CHECK_EQ(*pw_pte(ALIAS) & (PTE_A | PTE_D), PTE_A | PTE_D);

	/* swl/swr through the alias: back to pg[0] */
	v = PHYS(pg[0]) | PTE_P | PTE_RW;
	__asm__ volatile("swl %0, 3(%1)\n\tswr %0, 0(%1)"
			 :: "r"(v), "r"(ALIAS + 4 * IDX(VA)) : "memory");
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VA), 0x11111111);
	/* and sw again, once the table is a table again */
	PW_SW(ALIAS + 4 * IDX(VA), PHYS(pg[1]) | PTE_P | PTE_RW);
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VA), 0x22222222);

	/* tab2: written as data through LATER, then made the table of VB */
	PW_SW(LATER + 4 * IDX(VB), PHYS(pg[0]) | PTE_P | PTE_RW);
	*pw_pde(VB) = PHYS(tab2) | PTE_P | PTE_RW | PTE_US;
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VB), 0x11111111);
	CHECK_EQ(tab2[IDX(VB)], PHYS(pg[0]) | PTE_P | PTE_RW | PTE_A);
	/* written through LATER, which was writable before tab2 became a table */
	PW_SW(LATER + 4 * IDX(VB), PHYS(pg[1]) | PTE_P | PTE_RW);
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VB), 0x22222222);

	/* ll/sc on the PTE of VB (through kseg0) */
	do {
		__asm__ volatile(".set push\n\t.set noreorder\n\t"
				 "ll %0, 0(%1)\n\t"
				 "move %0, %2\n\t"
				 "sc %0, 0(%1)\n\t.set pop"
				 : "=&r"(ok)
				 : "r"(&tab2[IDX(VB)]), "r"(PHYS(pg[0]) | PTE_P | PTE_RW)
				 : "memory");
	} while (!ok);
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VB), 0x11111111);

	/* a recursive entry: REC + (i << 12) is table i, REC + ((REC >> 22) << 12) the directory */
	*pw_pde(REC) = PHYS(pw_dir) | PTE_P | PTE_RW;
	pw_load_ptbase();
	CHECK_EQ(PW_LW(REC + ((VA >> 22) << 12) + 4 * IDX(VA)), *pte);
	PW_SW(REC + ((VA >> 22) << 12) + 4 * IDX(VA), PHYS(pg[0]) | PTE_P | PTE_RW);
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VA), 0x11111111);
	/* the directory through itself: unmap VB's table */
	PW_SW(REC + ((REC >> 22) << 12) + 4 * (VB >> 22), 0);
	pw_load_ptbase();
	(void)PW_LW(VB);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(MFC0(C0_PFERR), 0);
	CHECK_EQ(*pw_pde(VB), 0);

	rt_handler = 0;
	return rt_done("pw_alias");
}
