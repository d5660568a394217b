/*
 * pw_kseg (pagewalk) - a whole 4 MiB of RAM written and read through kseg0 (a hypervisor
 * may map such a window with one large machine entry), then one of its pages made a page
 * table, written through kseg0 while it is one (the hypervisor must split the large
 * mapping to write-protect that page), given up, and made a table again.
 */
#include "pw.h"

#define EXT   0x00800000u    /* the 4 MiB extent, above the image */
#define TABPA 0x00900000u    /* a page of it used as a page table */
#define VA    0x01000000u    /* PDE 4: mapped through that table */

static volatile uint32_t pg[2][1024] __attribute__((aligned(4096)));

static uint32_t sweep(uint32_t salt)
{
	uint32_t sum = 0, off;

	for (off = 0; off < 0x400000u; off += 0x1000u)
		*(volatile uint32_t *)KSEG0(EXT + off + 4) = off ^ salt;
	for (off = 0; off < 0x400000u; off += 0x1000u)
		sum = sum * 31 + *(volatile uint32_t *)KSEG0(EXT + off + 4);
	return sum;
}

int main(void)
{
	volatile uint32_t *tab = (volatile uint32_t *)KSEG0(TABPA);
	uint32_t round, i;

	rt_handler = rt_catch;
	pw_reset();
	pg[0][0] = 0x11110000;
	pg[1][0] = 0x22220000;
	pw_load_ptbase();
	rt_catch_reset();
	printf("pw_kseg: sweep %08x\n", sweep(0x5a5a0000));
	for (round = 0; round < 3; round++) {
		/* TABPA becomes a table: its old contents cleared through kseg0, then entries */
		for (i = 0; i < 1024; i++)
			tab[i] = 0;
		*pw_pde(VA) = TABPA | PTE_P | PTE_RW;
		pw_load_ptbase();
		for (i = 0; i < 8; i++) {
			tab[i] = PHYS(pg[(i + round) & 1]) | PTE_P | PTE_RW;
			pw_invlpg(VA + (i << 12));
			CHECK_EQ(PW_LW(VA + (i << 12)), pg[(i + round) & 1][0]);
		}
		/* written while it is a table, seen after InvlPg */
		tab[3] = PHYS(pg[(round + 1) & 1]) | PTE_P | PTE_RW;
		pw_invlpg(VA + 0x3000);
		CHECK_EQ(PW_LW(VA + 0x3000), pg[(round + 1) & 1][0]);
		CHECK_EQ(tab[3] & PTE_A, PTE_A);
		/* given up: it is data again, the whole window swept */
		*pw_pde(VA) = 0;
		pw_load_ptbase();
		printf("pw_kseg: round %u sweep %08x\n", round, sweep(round));
		(void)PW_LW(VA);
		CHECK_EQ(rt_exc.count, 1);
		rt_catch_reset();
	}
	rt_handler = 0;
	return rt_done("pw_kseg");
}
