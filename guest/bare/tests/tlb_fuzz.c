/*
 * tlb_fuzz (swtlb) - random programming of the R4K TLB and random accesses through it,
 * seeded from the boot command line ("seed=N ops=N"); prints a running checksum of every
 * value loaded, every exception (code, BadVAddr, Context, EntryHi) and every tlbp/tlbr
 * result. tests/e2e/mmufuzz.sh runs it natively and under the VMM (L2 TLB on and off)
 * with fresh seeds: the outputs must be identical.
 *
 * What it exercises: tlbwi at any index, overlapping entries (lowest index wins), page
 * sizes 4 KiB, 16 KiB and 64 KiB, V/D/G bits, ASIDs 0..2, Wired, tlbwr when Wired leaves
 * it one index (the only tlbwr whose index is defined), tlbp, tlbr, loads and stores of
 * every width. Random and Count are never read: they follow the machine's time, which
 * differs under the VMM.
 */
#include "fuzz.h"

#define WINDOW 0x10000000u             /* 512 KiB of mapped addresses */
#define WINDOW_BYTES 0x80000u
#define NFRAMES 32

/* 32 frames, 64 KiB-aligned: the PFN of every entry points inside, so a 64 KiB page
 * (16 frames from a 64 KiB boundary) stays inside too. */
static volatile uint32_t block[NFRAMES][1024] __attribute__((aligned(65536)));
static const uint32_t masks[3] = { 0x0000u, 0x6000u, 0x1e000u };

static uint32_t rand_lo(void)
{
	uint32_t pa = PHYS(block[fz_below(NFRAMES)]);

	return ENTRYLO(pa, 3, fz_below(4) != 0, fz_below(8) != 0, fz_below(8) == 0);
}

static void op_write(uint32_t n)
{
	uint32_t mask = masks[fz_below(3)];
	uint32_t span = (mask | 0x1fffu) + 1;
	uint32_t va = WINDOW + fz_below(WINDOW_BYTES / span) * span;
	uint32_t lo0 = rand_lo(), lo1 = rand_lo();
	uint32_t wired = MFC0(C0_WIRED);

	if (lo0 & 1)
		lo1 |= 1;                  /* G is the AND of both halves */
	else
		lo1 &= ~1u;
	if (wired == n - 1 && fz_below(2)) {
		rt_tlb_write(-1, va | fz_below(3), lo0, lo1, mask);   /* tlbwr: index n - 1 */
	} else {
		rt_tlb_write((int)fz_below(n), va | fz_below(3), lo0, lo1, mask);
	}
	fz_see(va);
}

static void op_access(void)
{
	uint32_t va = WINDOW + (fz_below(WINDOW_BYTES) & ~3u);
	uint32_t before = rt_exc.count, v = 0xdeadbeefu, w = fz_rand();

	switch (fz_below(6)) {
	case 0: __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(va) : "memory"); break;
	case 1: __asm__ volatile("lhu %0, 2(%1)" : "+r"(v) : "r"(va) : "memory"); break;
	case 2: __asm__ volatile("lb %0, 3(%1)" : "+r"(v) : "r"(va) : "memory"); break;
	case 3: __asm__ volatile("sw %0, 0(%1)" :: "r"(w), "r"(va) : "memory"); break;
	case 4: __asm__ volatile("sh %0, 0(%1)" :: "r"(w), "r"(va) : "memory"); break;
	default: __asm__ volatile("sb %0, 1(%1)" :: "r"(w), "r"(va) : "memory"); break;
	}
	fz_see(v);
	if (rt_exc.count != before) {
		fz_see(rt_exc.cause & 0x7cu);
		fz_see(rt_exc.badvaddr);
		fz_see(rt_exc.context);
		fz_see(rt_exc.entryhi);
		fz_see(rt_exc.vec);
	}
}

static void op_probe(uint32_t n)
{
	uint32_t hi = MFC0(C0_ENTRYHI);

	if (fz_below(2)) {
		MTC0(C0_ENTRYHI, (WINDOW + fz_below(WINDOW_BYTES / 0x2000u) * 0x2000u) | (hi & 0xff));
		tlbp();
		fz_see(MFC0(C0_INDEX));
	} else {
		MTC0(C0_INDEX, fz_below(n));
		tlbr();
		fz_see(MFC0(C0_ENTRYHI));
		fz_see(MFC0(C0_ENTRYLO0));
		fz_see(MFC0(C0_ENTRYLO1));
		fz_see(MFC0(C0_PAGEMASK));
	}
	MTC0(C0_ENTRYHI, hi);
}

int main(void)
{
	uint32_t n = rt_tlb_size(), i, k;

	fz_init();
	for (i = 0; i < NFRAMES; i++)
		for (k = 0; k < 1024; k++)
			block[i][k] = i << 16 | k;
	rt_tlb_clear();
	MTC0(C0_ENTRYHI, 0);
	rt_catch_reset();
	rt_handler = rt_catch;
	for (k = 0; k < fz_ops; k++) {
		uint32_t r = fz_below(100);

		if (r < 25)
			op_write(n);
		else if (r < 85)
			op_access();
		else if (r < 95)
			op_probe(n);
		else if (r < 98)
			MTC0(C0_ENTRYHI, fz_below(3));                  /* another ASID */
		else
			MTC0(C0_WIRED, fz_below(2) ? n - 1 : fz_below(n));
		fz_tick(k);
	}
	rt_handler = 0;
	MTC0(C0_WIRED, 0);
	rt_tlb_clear();
	printf("tlb_fuzz: sum %08x exceptions %u\n", fz_sum, rt_exc.count);
	return 0;
}
