/*
 * tlb - the R4K software-managed TLB: refill (EBase+0 with EXL=0, +0x180
 * with EXL=1), Context/EntryHi on a miss, invalid (V=0) and Mod (D=0)
 * exceptions, ASID and Global matching, even/odd pages, page sizes
 * 4K..16M, tlbp/tlbr/tlbwi/tlbwr, Wired, and a refill handler that maps
 * pages on demand.
 */
#include "rt.h"

#define VA0 0x00400000u
#define PM_4K   0x00000000u
#define PM_16K  0x00006000u
#define PM_64K  0x0001e000u
#define PM_1M   0x001fe000u
#define PM_16M  0x01ffe000u

/* two 4 KiB pages, and a 128 KiB area aligned to 64 KiB */
static volatile uint32_t pages[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t area[32768] __attribute__((aligned(65536)));
static volatile uint32_t marker = 0x600dcafe;

#define LW(va) ({ uint32_t v__; __asm__ volatile("lw %0, 0(%1)" : "=r"(v__) : "r"(va) : "memory"); v__; })
#define SW(va, v) __asm__ volatile("sw %0, 0(%1)" :: "r"((uint32_t)(v)), "r"(va) : "memory")

static void check_refill(void)
{
	uint32_t va = VA0 + 0x3004, ctx;

	rt_tlb_clear();
	MTC0(C0_CONTEXT, 0x80000000u);
	MTC0(C0_ENTRYHI, 0x2a);                    /* ASID 42 */
	rt_catch_reset();
	(void)LW(va);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.vec, 0);                   /* refill vector */
	CHECK_EQ(rt_exc.badvaddr, va);
	ctx = rt_exc.context;
	CHECK_EQ(ctx & 0xff800000u, 0x80000000u);  /* PTEBase kept */
	CHECK_EQ(ctx & 0x007ffff0u, (va >> 13) << 4);
	CHECK_EQ(ctx & 0xf, 0);
	CHECK_EQ(rt_exc.entryhi, (va & 0xffffe000u) | 0x2a);

	rt_catch_reset();
	SW(0x7fffeffcu, 1);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBS);
	CHECK_EQ(rt_exc.vec, 0);
	CHECK_EQ(rt_exc.badvaddr, 0x7fffeffcu);
	CHECK_EQ(rt_exc.context & 0x007ffff0u, (0x7fffeffcu >> 13) << 4);
	CHECK_EQ(rt_exc.entryhi, 0x7fffe000u | 0x2a);
	/* sseg and kseg3 are mapped too */
	rt_catch_reset();
	(void)LW(0xc0001000u);
	CHECK_EQ(rt_exc.vec, 0);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.entryhi, 0xc0000000u | 0x2a);
	rt_catch_reset();
	(void)LW(0xe0002000u);
	CHECK_EQ(rt_exc.vec, 0);
	CHECK_EQ(rt_exc.entryhi, 0xe0002000u | 0x2a);

	/* with EXL=1 a miss goes to the general vector, EPC unchanged */
	MTC0(C0_EPC, 0x80000ff0u);
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la $8, 1f\n\tsw $8, 0(%0)\n\t"
			 "mfc0 $9, $12\n\tori $9, $9, 2\n\tmtc0 $9, $12\n\tehb\n\t"
			 "lw $9, 0(%1)\n\tnop\n"
			 "1:\t.set pop"
			 :: "r"(&rt_exc.resume), "r"(va) : "$8", "$9", "memory");
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.vec, 1);
	CHECK_EQ(rt_exc.epc, 0x80000ff0u);
	CHECK_EQ(rt_exc.badvaddr, va);
	CHECK_EQ(MFC0(C0_STATUS) & ST_EXL, 0);
	MTC0(C0_CONTEXT, 0);
	MTC0(C0_ENTRYHI, 0);
}

static void check_inval_mod(void)
{
	uint32_t pa0 = PHYS(pages[0]), pa1 = PHYS(pages[1]);

	rt_tlb_clear();
	pages[0][1] = 0x11111111;
	pages[1][1] = 0x22222222;
	/* even page valid but clean, odd page invalid */
	rt_tlb_write(3, VA0, ENTRYLO(pa0, 3, 0, 1, 1), ENTRYLO(pa1, 3, 1, 0, 1), PM_4K);
	rt_catch_reset();
	CHECK_EQ(LW(VA0 + 4), 0x11111111);
	CHECK_EQ(rt_exc.count, 0);
	SW(VA0 + 4, 0x33333333);                   /* D=0: Mod */
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_MOD);
	CHECK_EQ(rt_exc.vec, 1);
	CHECK_EQ(rt_exc.badvaddr, VA0 + 4);
	CHECK_EQ(rt_exc.entryhi & 0xffffe000u, VA0);
	CHECK_EQ(pages[0][1], 0x11111111);
	rt_catch_reset();
	(void)LW(VA0 + 0x1004);                    /* V=0: TLBL, general vector */
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.vec, 1);
	CHECK_EQ(rt_exc.badvaddr, VA0 + 0x1004);
	CHECK_EQ(rt_exc.context & 0x007ffff0u, ((VA0 + 0x1004) >> 13) << 4);
	rt_catch_reset();
	SW(VA0 + 0x1004, 5);                       /* V=0 store: TLBS */
	CHECK_EQ(EXC_CODE(), EXC_TLBS);
	CHECK_EQ(rt_exc.vec, 1);
	/* make both valid and dirty: everything works */
	rt_tlb_write(3, VA0, ENTRYLO(pa0, 3, 1, 1, 1), ENTRYLO(pa1, 3, 1, 1, 1), PM_4K);
	rt_catch_reset();
	SW(VA0 + 4, 0x44444444);
	CHECK_EQ(pages[0][1], 0x44444444);
	CHECK_EQ(LW(VA0 + 0x1004), 0x22222222);
	SW(VA0 + 0x1ffc, 0x55555555);
	CHECK_EQ(pages[1][1023], 0x55555555);
	CHECK_EQ(rt_exc.count, 0);
}

static void check_asid(void)
{
	uint32_t pa0 = PHYS(pages[0]), pa1 = PHYS(pages[1]);

	rt_tlb_clear();
	pages[0][0] = 0xa0a0a0a0;
	pages[1][0] = 0xb1b1b1b1;
	/* non-global entry for ASID 5 */
	rt_tlb_write(1, VA0 | 5, ENTRYLO(pa0, 3, 1, 1, 0), ENTRYLO(pa1, 3, 1, 1, 0), PM_4K);
	MTC0(C0_ENTRYHI, 5);
	rt_catch_reset();
	CHECK_EQ(LW(VA0), 0xa0a0a0a0);
	CHECK_EQ(rt_exc.count, 0);
	MTC0(C0_ENTRYHI, 6);
	(void)LW(VA0);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(rt_exc.vec, 0);
	CHECK_EQ(rt_exc.entryhi, VA0 | 6);
	/* a global entry for another VA matches any ASID */
	rt_tlb_write(2, (VA0 + 0x10000) | 9, ENTRYLO(pa1, 3, 1, 1, 1),
		     ENTRYLO(pa0, 3, 1, 1, 1), PM_4K);
	rt_catch_reset();
	MTC0(C0_ENTRYHI, 6);
	CHECK_EQ(LW(VA0 + 0x10000), 0xb1b1b1b1);
	CHECK_EQ(LW(VA0 + 0x11000), 0xa0a0a0a0);
	MTC0(C0_ENTRYHI, 0xff);
	CHECK_EQ(LW(VA0 + 0x10000), 0xb1b1b1b1);
	CHECK_EQ(rt_exc.count, 0);
	/* G set in only one EntryLo: the entry is not global */
	rt_tlb_write(2, (VA0 + 0x10000) | 9, ENTRYLO(pa1, 3, 1, 1, 1),
		     ENTRYLO(pa0, 3, 1, 1, 0), PM_4K);
	MTC0(C0_ENTRYHI, 6);
	rt_catch_reset();
	(void)LW(VA0 + 0x10000);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(rt_exc.vec, 0);
	MTC0(C0_ENTRYHI, 9);
	rt_catch_reset();
	CHECK_EQ(LW(VA0 + 0x10000), 0xb1b1b1b1);
	CHECK_EQ(rt_exc.count, 0);
	MTC0(C0_ENTRYHI, 0);
}

/* map a pair of size-bytes pages at va to pa_even/pa_odd and probe it */
static void check_size(uint32_t va, uint32_t size, uint32_t pm,
		       uint32_t pa_even, uint32_t pa_odd)
{
	volatile uint32_t *even = (volatile uint32_t *)KSEG0(pa_even);
	volatile uint32_t *odd = (volatile uint32_t *)KSEG0(pa_odd);
	uint32_t last = size / 4 - 1;

	rt_tlb_clear();
	even[0] = 0xe0e00000 | size >> 12;
	even[last] = 0xe1e10000 | size >> 12;
	odd[0] = 0x0d0d0000 | size >> 12;
	odd[last] = 0x0d1d0000 | size >> 12;
	rt_tlb_write(7, va, ENTRYLO(pa_even, 3, 1, 1, 1), ENTRYLO(pa_odd, 3, 1, 1, 1), pm);
	rt_catch_reset();
	CHECK_EQ(LW(va), even[0]);
	CHECK_EQ(LW(va + size - 4), even[last]);
	CHECK_EQ(LW(va + size), odd[0]);
	CHECK_EQ(LW(va + 2 * size - 4), odd[last]);
	SW(va + size + 4, 0x5a000000 | size >> 12);
	CHECK_EQ(odd[1], 0x5a000000 | size >> 12);
	CHECK_EQ(rt_exc.count, 0);
	(void)LW(va + 2 * size);                   /* just past the pair */
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(rt_exc.vec, 0);
	CHECK_EQ(rt_exc.badvaddr, va + 2 * size);
	/* tlbr gives back the mask */
	MTC0(C0_INDEX, 7);
	tlbr();
	CHECK_EQ(MFC0(C0_PAGEMASK), pm);
	CHECK_EQ(MFC0(C0_ENTRYHI) & 0xffffe000u, va);
	MTC0(C0_PAGEMASK, 0);
}

static void check_sizes(void)
{
	uint32_t pa = PHYS(area);

	check_size(0x00400000u, 0x1000, PM_4K, pa + 0x3000, pa + 0x1000);
	check_size(0x00408000u, 0x4000, PM_16K, pa + 0x8000, pa + 0x4000);
	check_size(0x00420000u, 0x10000, PM_64K, pa + 0x10000, pa);
	/* 1M: PA 0x300000 and 0x200000 (above this image; keep off the vectors) */
	check_size(0x10200000u, 0x100000, PM_1M, 0x300000, 0x200000);
	rt_tlb_write(7, 0x10200000u, ENTRYLO(0x100000, 3, 1, 1, 1), 0, PM_1M);
	CHECK_EQ(LW(0x10200000u + PHYS(&marker) - 0x100000), 0x600dcafe);
	/* 16M: both halves on the first 16 MiB of RAM */
	rt_tlb_clear();
	rt_tlb_write(5, 0x20000000u, ENTRYLO(0, 3, 1, 1, 1), ENTRYLO(0, 3, 1, 1, 1), PM_16M);
	MTC0(C0_PAGEMASK, 0);
	rt_catch_reset();
	CHECK_EQ(LW(0x20000000u + PHYS(&marker)), 0x600dcafe);
	CHECK_EQ(LW(0x21000000u + PHYS(&marker)), 0x600dcafe);
	marker = 0x12344321;
	CHECK_EQ(LW(0x21000000u + PHYS(&marker)), 0x12344321);
	SW(0x20000000u + PHYS(&marker), 0x0badf00d);
	CHECK_EQ(marker, 0x0badf00d);
	CHECK_EQ(rt_exc.count, 0);
	(void)LW(0x22000000u);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(rt_exc.vec, 0);
}

static void check_probe_read(void)
{
	uint32_t n = rt_tlb_size(), i;

	rt_tlb_clear();
	rt_tlb_write(4, 0x00800000u | 0x33, ENTRYLO(0x124000, 2, 1, 1, 0),
		     ENTRYLO(0x458000, 3, 0, 1, 0), PM_16K);
	rt_tlb_write(9, 0x00a00000u, ENTRYLO(0x789000, 3, 1, 0, 1),
		     ENTRYLO(0xabc000, 3, 1, 1, 1), PM_4K);
	/* tlbp hit: matching VPN2 and ASID */
	MTC0(C0_ENTRYHI, 0x00804000u | 0x33);      /* same pair under 16K pages */
	tlbp();
	CHECK_EQ(MFC0(C0_INDEX), 4);
	/* miss on ASID */
	MTC0(C0_ENTRYHI, 0x00800000u | 0x34);
	tlbp();
	CHECK(MFC0(C0_INDEX) & 0x80000000u);
	/* global entry: any ASID */
	MTC0(C0_ENTRYHI, 0x00a00000u | 0x77);
	tlbp();
	CHECK_EQ(MFC0(C0_INDEX), 9);
	/* miss on address */
	MTC0(C0_ENTRYHI, 0x00a02000u);
	tlbp();
	CHECK(MFC0(C0_INDEX) & 0x80000000u);

	/* tlbr reads back every field; it changes ASID in EntryHi */
	MTC0(C0_ENTRYHI, 0x00000011);
	MTC0(C0_INDEX, 4);
	tlbr();
	CHECK_EQ(MFC0(C0_ENTRYHI), 0x00800000u | 0x33);
	CHECK_EQ(MFC0(C0_ENTRYLO0), ENTRYLO(0x124000, 2, 1, 1, 0));
	CHECK_EQ(MFC0(C0_ENTRYLO1), ENTRYLO(0x458000, 3, 0, 1, 0));
	CHECK_EQ(MFC0(C0_PAGEMASK), PM_16K);
	MTC0(C0_INDEX, 9);
	tlbr();
	CHECK_EQ(MFC0(C0_ENTRYHI), 0x00a00000u);
	CHECK_EQ(MFC0(C0_ENTRYLO0), ENTRYLO(0x789000, 3, 1, 0, 1));
	CHECK_EQ(MFC0(C0_ENTRYLO1), ENTRYLO(0xabc000, 3, 1, 1, 1));
	CHECK_EQ(MFC0(C0_PAGEMASK), PM_4K);
	/* G is the AND of both EntryLo G bits; tlbr reports it in both */
	rt_tlb_write(9, 0x00a00000u, ENTRYLO(0x789000, 3, 1, 1, 1),
		     ENTRYLO(0xabc000, 3, 1, 1, 0), PM_4K);
	MTC0(C0_INDEX, 9);
	tlbr();
	CHECK_EQ(MFC0(C0_ENTRYLO0) & 1, 0);
	CHECK_EQ(MFC0(C0_ENTRYLO1) & 1, 0);

	/* tlbwr with Wired = N-1 can only write entry N-1 */
	MTC0(C0_WIRED, n - 1);
	rt_tlb_write(-1, 0x00c00000u, ENTRYLO(0, 3, 1, 1, 1), 0, PM_4K);
	MTC0(C0_ENTRYHI, 0x00c00000u);
	tlbp();
	CHECK_EQ(MFC0(C0_INDEX), n - 1);
	/* Wired = 10: many tlbwr never touch entries 0..9 */
	MTC0(C0_WIRED, 10);
	for (i = 0; i < 4 * n; i++)
		rt_tlb_write(-1, 0x01000000u + i * 0x2000u, 0, 0, PM_4K);
	MTC0(C0_ENTRYHI, 0x00800000u | 0x33);
	tlbp();
	CHECK_EQ(MFC0(C0_INDEX), 4);
	MTC0(C0_ENTRYHI, 0x00a00000u);
	tlbp();
	CHECK_EQ(MFC0(C0_INDEX), 9);
	/* the most recent random writes are somewhere in [10, N-1] */
	MTC0(C0_ENTRYHI, 0x01000000u + (4 * n - 1) * 0x2000u);
	tlbp();
	i = MFC0(C0_INDEX);
	CHECK(i >= 10 && i <= n - 1);
	MTC0(C0_WIRED, 0);
	MTC0(C0_ENTRYHI, 0);
	MTC0(C0_PAGEMASK, 0);
}

/* a refill handler: VA 0x10000000 + x maps linearly onto `area` */
static volatile uint32_t refills;

static void refill_handler(struct frame *f)
{
	uint32_t hi, base;

	if (f->vec != 0) {
		rt_catch(f);
		return;
	}
	refills++;
	hi = MFC0(C0_ENTRYHI);
	base = PHYS(area) + ((hi & 0xffffe000u) - 0x10000000u);
	MTC0(C0_ENTRYLO0, ENTRYLO(base, 3, 1, 1, 0));
	MTC0(C0_ENTRYLO1, ENTRYLO(base + 0x1000, 3, 1, 1, 0));
	MTC0(C0_PAGEMASK, 0);
	tlbwr();
	/* EPC unchanged: the access is retried */
}

static void check_refill_handler(void)
{
	uint32_t i, sum = 0;

	rt_tlb_clear();
	for (i = 0; i < 16; i++)
		area[i * 1024 + 5] = i * 3 + 1;
	rt_handler = refill_handler;
	refills = 0;
	rt_catch_reset();
	for (i = 0; i < 16; i++)
		sum += LW(0x10000000u + i * 0x1000 + 20);
	CHECK_EQ(sum, 3 * 120 + 16);
	CHECK(refills >= 8);
	CHECK_EQ(rt_exc.count, 0);
	for (i = 0; i < 16; i++)
		SW(0x10000000u + i * 0x1000 + 24, i);
	for (i = 0; i < 16; i++)
		CHECK_EQ(area[i * 1024 + 6], i);
	CHECK_EQ(rt_exc.count, 0);
	rt_handler = rt_catch;
}

int main(void)
{
	rt_handler = rt_catch;
	check_refill();
	check_inval_mod();
	check_asid();
	check_sizes();
	check_probe_read();
	check_refill_handler();
	rt_tlb_clear();
	rt_handler = 0;
	return rt_done("tlb");
}
