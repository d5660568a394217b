/*
 * tlb_evict - what the architecture promises about TLB entries that are gone.
 * A kernel may change a page-table entry without touching the TLB once it knows
 * the old translation is no longer cached: because tlbp did not find it, because
 * it overwrote every index (a flush), or because it knew which index tlbwr would
 * replace (Wired leaves one choice). The next access must then take a refill and
 * see the new mapping. Under the VMM this is what Disco's L2 software TLB, which
 * keeps translations the guest's TLB evicted, must never break (docs/vmm.md).
 *
 * A refill handler (in C, through the runtime's vector stub) maps VA
 * 0x10000000 + 8 KiB * i from a page table pt[i], as a kernel's would.
 *
 * Category ext (not compared with QEMU): QEMU 7.2 keeps the entries tlbwr
 * replaces as hidden "shadow" entries and drops them on a tlbwi, a tlbp miss or an
 * ASID change, but not when Wired leaves tlbwr a single index, so
 * check_known_victim reads the old page there.
 */
#include "rt.h"

#define NPAIRS 512
#define VA(i) (0x10000000u + (uint32_t)(i) * 0x2000u)

static volatile uint32_t frames[4][1024] __attribute__((aligned(4096)));
static uint32_t pt[NPAIRS][2];         /* EntryLo0/1 of each page pair */
enum { A, B, FILL0, FILL1 };

#define LW(va) ({ uint32_t v__; __asm__ volatile("lw %0, 0(%1)" : "=r"(v__) : "r"(va) : "memory"); v__; })

static void refill(struct frame *f)
{
	uint32_t hi, i;

	if (f->vec != 0) {
		rt_catch(f);
		return;
	}
	hi = MFC0(C0_ENTRYHI);
	i = ((hi & 0xffffe000u) - 0x10000000u) >> 13;
	if (i >= NPAIRS) {
		rt_catch(f);
		return;
	}
	MTC0(C0_ENTRYLO0, pt[i][0]);
	MTC0(C0_ENTRYLO1, pt[i][1]);
	MTC0(C0_PAGEMASK, 0);
	tlbwr();
}

/* Pair i: even page on frame f, odd page on FILL1. */
static void map_pair(unsigned i, unsigned f)
{
	pt[i][0] = ENTRYLO(PHYS(frames[f]), 3, 1, 1, 0);
	pt[i][1] = ENTRYLO(PHYS(frames[FILL1]), 3, 1, 1, 0);
}

/* Is VA(i) under the current ASID in the TLB (tlbp)? */
static int cached(unsigned i)
{
	uint32_t hi = MFC0(C0_ENTRYHI), idx;

	MTC0(C0_ENTRYHI, VA(i) | (hi & 0xff));
	tlbp();
	idx = MFC0(C0_INDEX);
	MTC0(C0_ENTRYHI, hi);
	return !(idx & 0x80000000u);
}

/* Touching many pairs twice over: the second round refills what the first evicted. */
static uint32_t span(uint32_t n)
{
	return 4 * n < 400 ? 4 * n : 400;     /* pairs 16..415 */
}

static void check_capacity(uint32_t n)
{
	uint32_t k, round, sum = 0;

	for (round = 0; round < 3; round++)
		for (k = 0; k < span(n); k++)
			sum += LW(VA(16 + k) + 8);
	CHECK_EQ(sum, 3 * span(n) * 0xf1110002u);
	CHECK_EQ(rt_exc.count, 0);
}

/* Evicted by tlbwr, confirmed by tlbp: the PTE changes, the TLB is not told. */
static void check_probe_miss(void)
{
	uint32_t k;

	map_pair(0, A);
	CHECK_EQ(LW(VA(0)), 0xaaaa0000u);
	/* Random counts cycles: a loop of fixed length could keep missing pair 0's index,
	 * so every round takes a different time. */
	for (k = 0; k < 100000 && cached(0); k++) {
		for (uint32_t j = 0; j < k % 13; j++)
			__asm__ volatile("nop");
		(void)LW(VA(16 + k % 400));
	}
	CHECK(!cached(0));
	map_pair(0, B);
	CHECK_EQ(LW(VA(0)), 0xbbbb0000u);
}

/* A flush (tlbwi over every index), then the same ASID with a new mapping. */
static void check_flush(uint32_t n)
{
	uint32_t k;

	MTC0(C0_ENTRYHI, 7);
	map_pair(1, A);
	CHECK_EQ(LW(VA(1) + 4), 0xaaaa0001u);
	for (k = 0; k < span(n); k++)
		(void)LW(VA(16 + k));
	rt_tlb_clear();
	map_pair(1, B);
	CHECK_EQ(LW(VA(1) + 4), 0xbbbb0001u);
	MTC0(C0_ENTRYHI, 0);
}

/* Wired = n - 1: tlbwr always replaces index n - 1, so the kernel knows what it evicts. */
static void check_known_victim(uint32_t n)
{
	rt_tlb_clear();
	MTC0(C0_WIRED, n - 1);
	map_pair(2, A);
	CHECK_EQ(LW(VA(2) + 8), 0xaaaa0002u);
	CHECK_EQ(LW(VA(3) + 8), 0xf1110002u);     /* replaces pair 2's entry */
	map_pair(2, B);
	CHECK_EQ(LW(VA(2) + 8), 0xbbbb0002u);
	MTC0(C0_WIRED, 0);
}

/* tlbp finds the entry, tlbwi rewrites it in place. */
static void check_rewrite(void)
{
	uint32_t idx;

	map_pair(4, A);
	CHECK_EQ(LW(VA(4) + 12), 0xaaaa0003u);
	map_pair(4, B);
	MTC0(C0_ENTRYHI, VA(4));
	tlbp();
	idx = MFC0(C0_INDEX);
	CHECK(!(idx & 0x80000000u));
	MTC0(C0_ENTRYLO0, pt[4][0]);
	MTC0(C0_ENTRYLO1, pt[4][1]);
	tlbwi();
	MTC0(C0_ENTRYHI, 0);
	CHECK_EQ(LW(VA(4) + 12), 0xbbbb0003u);
}

int main(void)
{
	uint32_t n = rt_tlb_size(), i;

	for (i = 0; i < 1024; i++) {
		frames[A][i] = 0xaaaa0000u + i;
		frames[B][i] = 0xbbbb0000u + i;
		frames[FILL0][i] = 0xf1110000u + i;
		frames[FILL1][i] = 0xf2220000u + i;
	}
	for (i = 0; i < NPAIRS; i++) {
		pt[i][0] = ENTRYLO(PHYS(frames[FILL0]), 3, 1, 1, 0);
		pt[i][1] = ENTRYLO(PHYS(frames[FILL1]), 3, 1, 1, 0);
	}
	rt_tlb_clear();
	MTC0(C0_ENTRYHI, 0);
	rt_handler = refill;
	rt_catch_reset();
	check_capacity(n);
	check_probe_miss();
	check_flush(n);
	check_known_victim(n);
	check_rewrite();
	CHECK_EQ(rt_exc.count, 0);
	rt_tlb_clear();
	rt_handler = 0;
	return rt_done("tlb_evict");
}
