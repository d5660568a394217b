/*
 * pw_flush (pagewalk) - the hardware TLB caches translations: a changed
 * PTE is not seen until InvlPg; a PTBase write flushes non-global entries
 * but keeps global ones; a clean cached entry re-walks on the first write
 * to set D; switching PTBase switches address spaces.
 */
#include "pw.h"

#define VA  0x00400000u  /* non-global */
#define VG  0x00401000u  /* global */

static volatile uint32_t pg[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t dir2[1024] __attribute__((aligned(4096)));
static volatile uint32_t tab2[1024] __attribute__((aligned(4096)));

int main(void)
{
	volatile uint32_t *pte, *pteg;

	rt_handler = rt_catch;
	pw_reset();
	pg[0][0] = 0xaaaa0000;
	pg[1][0] = 0xbbbb0000;
	pw_map4k(VA, PHYS(pg[0]), PTE_P | PTE_RW);
	pw_map4k(VG, PHYS(pg[0]), PTE_P | PTE_RW | PTE_G);
	pte = pw_pte(VA);
	pteg = pw_pte(VG);
	pw_load_ptbase();
	rt_catch_reset();
	CHECK_EQ(PW_LW(VA), 0xaaaa0000);
	CHECK_EQ(PW_LW(VG), 0xaaaa0000);

	/* retarget both PTEs: the cached translations are still used */
	*pte = PHYS(pg[1]) | PTE_P | PTE_RW | PTE_A;
	*pteg = PHYS(pg[1]) | PTE_P | PTE_RW | PTE_G | PTE_A;
	CHECK_EQ(PW_LW(VA), 0xaaaa0000);
	CHECK_EQ(PW_LW(VG), 0xaaaa0000);
	/* InvlPg drops one */
	pw_invlpg(VA);
	CHECK_EQ(PW_LW(VA), 0xbbbb0000);
	CHECK_EQ(PW_LW(VG), 0xaaaa0000);

	/* PTBase write: non-global flushed, global kept */
	*pte = PHYS(pg[0]) | PTE_P | PTE_RW | PTE_A;
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VA), 0xaaaa0000);
	CHECK_EQ(PW_LW(VG), 0xaaaa0000);
	pw_invlpg(VG);
	CHECK_EQ(PW_LW(VG), 0xbbbb0000);
	CHECK_EQ(rt_exc.count, 0);

	/* A is set again by a new walk; D by the first write through a clean entry */
	*pte = PHYS(pg[0]) | PTE_P | PTE_RW;
	pw_invlpg(VA);
	CHECK_EQ(PW_LW(VA), 0xaaaa0000);
	CHECK_EQ(*pte & (PTE_A | PTE_D), PTE_A);
	PW_SW(VA + 4, 0x12121212);
	CHECK_EQ(*pte & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(pg[0][1], 0x12121212);
	/* a cached entry made read-only in memory still needs InvlPg */
	*pte = PHYS(pg[0]) | PTE_P | PTE_A | PTE_D;
	pw_invlpg(VA);
	rt_catch_reset();
	PW_SW(VA + 4, 0x34343434);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBS);
	CHECK_EQ(MFC0(C0_PFERR), PF_P | PF_W);
	CHECK_EQ(pg[0][1], 0x12121212);

	/* a second address space */
	memset((void *)dir2, 0, sizeof(dir2));
	memset((void *)tab2, 0, sizeof(tab2));
	dir2[VA >> 22] = PHYS(tab2) | PTE_P | PTE_RW | PTE_US;
	tab2[(VA >> 12) & 1023] = PHYS(pg[1]) | PTE_P | PTE_RW;
	MTC0(C0_PTBASE, PHYS(dir2));
	rt_catch_reset();
	CHECK_EQ(PW_LW(VA), 0xbbbb0000);
	/* the global entry survives the switch (it is cached, pg[1]) */
	CHECK_EQ(PW_LW(VG), 0xbbbb0000);
	CHECK_EQ(rt_exc.count, 0);
	/* and after InvlPg it is gone: dir2 does not map it */
	pw_invlpg(VG);
	(void)PW_LW(VG);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.badvaddr, VG);
	pw_load_ptbase();
	rt_catch_reset();
	CHECK_EQ(PW_LW(VA), 0xaaaa0000);
	CHECK_EQ(rt_exc.count, 0);

	rt_handler = 0;
	return rt_done("pw_flush");
}
