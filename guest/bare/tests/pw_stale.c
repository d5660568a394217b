/*
 * pw_stale (pagewalk) - a program that relies on what the TLB still holds: page-table
 * changes made without InvlPg, and then a stretch of kernel work through kseg0 (which
 * never uses the TLB natively) before the old translation is used again:
 *  - A cleared in a cached PTE stays clear (no walk, so nothing sets it);
 *  - a cached read-only entry upgraded to RW in memory still faults once;
 *  - a cached writable entry downgraded in memory keeps allowing stores until InvlPg;
 *  - a clean cached entry retargeted in memory: the first store re-walks, and lands in
 *    the new frame.
 * The TLB's contents are the hardware's business (x86 allows any of these entries to be
 * dropped at any time), so the outcome is exactly defined only for this machine's TLB. A
 * hypervisor matches it only if it emulates that TLB exactly (shadow paging with
 * --shadow-opts exact): a shadow that is a cache of the page tables, whose machine TLB
 * also holds the VMM's kseg0 entries, walks again after the kernel work and sees the
 * tables as they are now.
 */
#include "pw.h"

#define X 0x00400000u     /* four pages in four different TLB sets */
#define Y 0x00401000u
#define Z 0x00402000u
#define W 0x00403000u

static volatile uint32_t pg[3][1024] __attribute__((aligned(4096)));
static volatile uint32_t work[256][1024] __attribute__((aligned(4096)));

/* a stretch of kernel work: one word of each of 256 pages, through kseg0 */
static uint32_t kernel_work(void)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < 256; i++)
		sum += work[i][i & 1023] += i;
	return sum;
}

int main(void)
{
	volatile uint32_t *px, *py, *pz, *pw_;

	rt_handler = rt_catch;
	pw_reset();
	pg[0][0] = 0xaaaa0000;
	pg[1][0] = 0xbbbb0000;
	pw_map4k(X, PHYS(pg[0]), PTE_P | PTE_RW);
	pw_map4k(Y, PHYS(pg[0]), PTE_P | PTE_A | PTE_D);                 /* read-only */
	pw_map4k(Z, PHYS(pg[1]), PTE_P | PTE_RW | PTE_A | PTE_D);
	pw_map4k(W, PHYS(pg[0]), PTE_P | PTE_RW | PTE_A);                /* clean */
	px = pw_pte(X);
	py = pw_pte(Y);
	pz = pw_pte(Z);
	pw_ = pw_pte(W);
	pw_load_ptbase();
	rt_catch_reset();

	/* cache all four */
	CHECK_EQ(PW_LW(X), 0xaaaa0000);
	CHECK_EQ(PW_LW(Y), 0xaaaa0000);
	PW_SW(Z + 4, 1);
	CHECK_EQ(PW_LW(W), 0xaaaa0000);
	CHECK_EQ(*px & PTE_A, PTE_A);
	CHECK_EQ(rt_exc.count, 0);

	/* change each in memory, no InvlPg */
	*px &= ~PTE_A;
	*py |= PTE_RW;
	*pz &= ~PTE_RW;
	*pw_ = PHYS(pg[1]) | PTE_P | PTE_RW | PTE_A;
	printf("pw_stale: kernel work %08x\n", kernel_work());

	/* X: a TLB hit, A stays clear */
	CHECK_EQ(PW_LW(X), 0xaaaa0000);
	CHECK_EQ(*px & PTE_A, 0);
	/* Y: still read-only in the TLB: one fault (which drops the entry), then RW */
	PW_SW(Y + 8, 2);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBS);
	CHECK_EQ(MFC0(C0_PFERR), PF_P | PF_W);
	rt_catch_reset();
	PW_SW(Y + 8, 3);
	CHECK_EQ(rt_exc.count, 0);
	CHECK_EQ(pg[0][2], 3);
	/* Z: still writable in the TLB */
	PW_SW(Z + 4, 4);
	CHECK_EQ(rt_exc.count, 0);
	CHECK_EQ(pg[1][1], 4);
	pw_invlpg(Z);
	PW_SW(Z + 4, 5);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(pg[1][1], 4);
	rt_catch_reset();
	/* W: the clean entry re-walks on the store, which lands in the new frame */
	PW_SW(W + 12, 6);
	CHECK_EQ(pg[1][3], 6);
	CHECK_EQ(pg[0][3], 0);
	CHECK_EQ(*pw_ & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(rt_exc.count, 0);

	rt_handler = 0;
	return rt_done("pw_stale");
}
