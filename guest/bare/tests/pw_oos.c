/*
 * pw_oos (pagewalk) - a page table written over and over, the pattern for which shadow
 * paging takes a table out of sync (stops write-protecting it): every change the program
 * makes must be seen at the point x86 says it is — after InvlPg of the address, after a
 * PTBase write (also when the change was made while another address space ran), and at
 * once for an address never used before. Natively these are plain TLB semantics.
 */
#include "pw.h"

#define VA(i) (0x00400000u + ((uint32_t)(i) << 12))   /* PDE 1: table tab */

static volatile uint32_t pg[4][1024] __attribute__((aligned(4096)));
static volatile uint32_t tab[1024] __attribute__((aligned(4096)));
static volatile uint32_t dir2[1024] __attribute__((aligned(4096)));
static volatile uint32_t tab2[1024] __attribute__((aligned(4096)));

static uint32_t map(uint32_t k) { return PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A | PTE_D; }

int main(void)
{
	uint32_t i, round;

	rt_handler = rt_catch;
	pw_reset();
	for (i = 0; i < 4; i++)
		pg[i][0] = 0x11110000u * (i + 1);
	memset((void *)tab, 0, sizeof(tab));
	memset((void *)dir2, 0, sizeof(dir2));
	memset((void *)tab2, 0, sizeof(tab2));
	*pw_pde(VA(0)) = PHYS(tab) | PTE_P | PTE_RW | PTE_A;
	dir2[VA(0) >> 22] = PHYS(tab2) | PTE_P | PTE_RW | PTE_A;
	tab2[0] = map(3);
	for (i = 0; i < 16; i++)
		tab[i] = map(i & 1);
	pw_load_ptbase();
	rt_catch_reset();
	for (i = 0; i < 16; i++)
		CHECK_EQ(PW_LW(VA(i)), pg[i & 1][0]);

	for (round = 0; round < 4; round++) {
		/* several writes in a row, each followed by InvlPg and a use */
		for (i = 0; i < 8; i++) {
			tab[i] = map((i + round + 1) & 3);
			pw_invlpg(VA(i));
			CHECK_EQ(PW_LW(VA(i)), pg[(i + round + 1) & 3][0]);
		}
		/* an address never used: its new entry is seen at once */
		tab[100 + round] = map(2);
		CHECK_EQ(PW_LW(VA(100 + round)), pg[2][0]);
		/* changed while another address space runs, seen after the switch back */
		MTC0(C0_PTBASE, PHYS(dir2));
		CHECK_EQ(PW_LW(VA(0)), pg[3][0]);
		for (i = 8; i < 16; i++)
			tab[i] = map((i + round) & 3);
		pw_load_ptbase();
		for (i = 8; i < 16; i++)
			CHECK_EQ(PW_LW(VA(i)), pg[(i + round) & 3][0]);
		/* changed and seen after a PTBase reload without any InvlPg */
		for (i = 0; i < 8; i++)
			tab[i] = map((i + round + 2) & 3);
		pw_load_ptbase();
		for (i = 0; i < 8; i++)
			CHECK_EQ(PW_LW(VA(i)), pg[(i + round + 2) & 3][0]);
		/* made not present, then used: a fault */
		tab[15] = 0;
		pw_invlpg(VA(15));
		(void)PW_LW(VA(15));
		CHECK_EQ(rt_exc.count, 1);
		CHECK_EQ(EXC_CODE(), EXC_TLBL);
		rt_catch_reset();
		tab[15] = map(1);
		/* A and D come back as the walker sets them */
		tab[20] = PHYS(pg[0]) | PTE_P | PTE_RW;
		pw_invlpg(VA(20));
		CHECK_EQ(PW_LW(VA(20)), pg[0][0]);
		CHECK_EQ(tab[20] & (PTE_A | PTE_D), PTE_A);
		PW_SW(VA(20) + 4, round);
		CHECK_EQ(tab[20] & (PTE_A | PTE_D), PTE_A | PTE_D);
	}
	CHECK_EQ(rt_exc.count, 0);
	rt_handler = 0;
	return rt_done("pw_oos");
}
