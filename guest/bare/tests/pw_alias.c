/*
 * pw_alias (pagewalk) - page tables written through mapped addresses: a page
 * table mapped writable at a virtual address and written through it (sw,
 * swl/swr), a page written as data first and made a page table later, a
 * ll/sc on a PTE, a recursive directory entry, a global writable mapping
 * (cached across address spaces) of a page that becomes a page table. After
 * each change a PTBase reload empties the TLB of non-global entries, so the
 * next access must see the change.
 */
#include "pw.h"

#define VA     0x00400000u   /* data page */
#define ALIAS  0x00800000u   /* the page table of VA, mapped writable */
#define LATER  0x00801000u   /* tab2, mapped writable before it is a page table */
#define VB     0x00c00000u   /* translated through tab2 once it is one */
#define REC    0x01000000u   /* the directory maps itself here */
#define GW     0x01400000u   /* global, writable: tabx, in both address spaces */
#define VC     0x01800000u   /* translated through tabx in the second one */
#define TWO_A  0x01c00000u   /* tab3 mapped writable twice ... */
#define TWO_B  0x01c01000u
#define VD     0x02000000u   /* ... then made the table of VD */

static volatile uint32_t pg[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t tab2[1024] __attribute__((aligned(4096)));
static volatile uint32_t dir2[1024] __attribute__((aligned(4096)));
static volatile uint32_t tabg[1024] __attribute__((aligned(4096)));
static volatile uint32_t tabx[1024] __attribute__((aligned(4096)));
static volatile uint32_t tab3[1024] __attribute__((aligned(4096)));

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
	rt_catch_reset();

	/* GW maps tabx global and writable in both address spaces (a table of its own in
	 * each); written through in the first, it stays cached across the switch */
	memset((void *)dir2, 0, sizeof(dir2));
	memset((void *)tabg, 0, sizeof(tabg));
	memset((void *)tabx, 0, sizeof(tabx));
	pw_map4k(GW, PHYS(tabx), PTE_P | PTE_RW | PTE_G);
	/* (A preset: a hypervisor may have to re-walk where the TLB would hit) */
	dir2[GW >> 22] = PHYS(tabg) | PTE_P | PTE_RW | PTE_A;
	tabg[IDX(GW)] = PHYS(tabx) | PTE_P | PTE_RW | PTE_G | PTE_A | PTE_D;
	pw_load_ptbase();
	PW_SW(GW + 4 * IDX(VC), PHYS(pg[0]) | PTE_P | PTE_RW);
	MTC0(C0_PTBASE, PHYS(dir2));
	/* the first address space's tables change while it is not running */
	*pw_pde(VA) = 0;
	/* tabx becomes a table of the second one, still written through GW's cached entry */
	dir2[VC >> 22] = PHYS(tabx) | PTE_P | PTE_RW;
	CHECK_EQ(PW_LW(VC), 0x11111111);
	PW_SW(GW + 4 * IDX(VC), PHYS(pg[1]) | PTE_P | PTE_RW);
	MTC0(C0_PTBASE, PHYS(dir2));
	CHECK_EQ(PW_LW(VC), 0x22222222);
	CHECK_EQ(rt_exc.count, 0);

	/* tab3 written through two writable mappings, then made a table, then written
	 * through the second one */
	memset((void *)tab3, 0, sizeof(tab3));
	dir2[TWO_A >> 22] = PHYS(tab2) | PTE_P | PTE_RW;
	tab2[IDX(TWO_A)] = PHYS(tab3) | PTE_P | PTE_RW;
	tab2[IDX(TWO_B)] = PHYS(tab3) | PTE_P | PTE_RW;
	MTC0(C0_PTBASE, PHYS(dir2));
	PW_SW(TWO_A + 4 * IDX(VD), PHYS(pg[1]) | PTE_P | PTE_RW);
	PW_SW(TWO_B + 8, 0);
	dir2[VD >> 22] = PHYS(tab3) | PTE_P | PTE_RW;
	CHECK_EQ(PW_LW(VD), 0x22222222);
	PW_SW(TWO_B + 4 * IDX(VD), PHYS(pg[0]) | PTE_P | PTE_RW);
	MTC0(C0_PTBASE, PHYS(dir2));
	CHECK_EQ(PW_LW(VD), 0x11111111);
	CHECK_EQ(rt_exc.count, 0);

	rt_handler = 0;
	return rt_done("pw_alias");
}
