/*
 * tlb_overlap - two TLB entries that match the same address. The architecture leaves
 * this undefined (a real R4000 may take a machine check); tlbvisor defines it: the entry
 * at the LOWEST index wins, natively and under the VMM (docs/vmm.md "Overlapping TLB
 * entries"), whichever was written first and whatever the machine TLB cached before.
 *
 * Category ext (not compared with QEMU): QEMU 7.2 searches from index 0 too, but keeps
 * using a translation it cached from the older entry until that entry is rewritten, so
 * check_lower_later reads the older page there.
 */
#include "rt.h"

#define VA 0x10000000u

/* One 16 KiB-aligned block: a 16 KiB page maps all four frames. */
static volatile uint32_t frames[4][1024] __attribute__((aligned(16384)));
enum { A, B, C, D };

#define LW(va) ({ uint32_t v__; __asm__ volatile("lw %0, 0(%1)" : "=r"(v__) : "r"(va) : "memory"); v__; })

static uint32_t lo(unsigned f)
{
	return ENTRYLO(PHYS(frames[f]), 3, 1, 1, 0);
}

/* The newer entry at a lower index takes over, even after the older one was used. */
static void check_lower_later(void)
{
	rt_tlb_clear();
	rt_tlb_write(9, VA, lo(A), lo(A), 0);
	CHECK_EQ(LW(VA + 4), 0xaaaa0001u);
	rt_tlb_write(3, VA, lo(B), lo(B), 0);
	CHECK_EQ(LW(VA + 4), 0xbbbb0001u);
	CHECK_EQ(LW(VA + 0x1004), 0xbbbb0001u);
}

/* The newer entry at a higher index does not. */
static void check_higher_later(void)
{
	rt_tlb_clear();
	rt_tlb_write(2, VA, lo(A), lo(A), 0);
	CHECK_EQ(LW(VA + 8), 0xaaaa0002u);
	rt_tlb_write(7, VA, lo(B), lo(B), 0);
	CHECK_EQ(LW(VA + 8), 0xaaaa0002u);
	/* The lower one goes: the higher one is all there is. */
	rt_tlb_write(2, 0x7f000000u, 0, 0, 0);
	CHECK_EQ(LW(VA + 8), 0xbbbb0002u);
}

/* A 16 KiB page pair (PageMask 0x6000) over a 4 KiB one: index order still decides, for
 * every 4 KiB page the large entry covers. */
static void check_sizes(void)
{
	rt_tlb_clear();
	rt_tlb_write(6, VA + 0x2000, lo(D), lo(D), 0);
	CHECK_EQ(LW(VA + 0x2010), 0xdddd0004u);
	rt_tlb_write(1, VA, lo(A), lo(A), 0x6000);     /* even 16 KiB page: frames A..D */
	CHECK_EQ(LW(VA + 0x2010), 0xcccc0004u);
	CHECK_EQ(LW(VA + 0x10), 0xaaaa0004u);
	rt_tlb_write(1, 0x7f000000u, 0, 0, 0);
	CHECK_EQ(LW(VA + 0x2010), 0xdddd0004u);
}

int main(void)
{
	uint32_t i;

	for (i = 0; i < 1024; i++) {
		frames[A][i] = 0xaaaa0000u + i;
		frames[B][i] = 0xbbbb0000u + i;
		frames[C][i] = 0xcccc0000u + i;
		frames[D][i] = 0xdddd0000u + i;
	}
	rt_catch_reset();
	rt_handler = rt_catch;
	check_lower_later();
	check_higher_later();
	check_sizes();
	CHECK_EQ(rt_exc.count, 0);
	rt_tlb_clear();
	rt_handler = 0;
	return rt_done("tlb_overlap");
}
