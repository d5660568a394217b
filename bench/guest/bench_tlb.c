/*
 * bench_tlb - TLB-refill-bound loop for the emulation-speed benchmark
 * (swtlb machine; QEMU -M malta -cpu 24Kc).
 *
 * Set-up, as a small kernel would do it:
 *   - the TLB: Wired = 0, PageMask = 4 KiB, every entry invalid with a unique
 *     kseg0 VPN2 (never looked up: kseg0 is unmapped), ASID 0;
 *   - a linear page table at kseg0 PT_VA (Context.PTEBase), one 16-byte slot per
 *     even/odd page pair (EntryLo values at +0 and +8), mapping the REGION_BYTES
 *     of useg at REGION_VA onto RAM at BACKING_PA (4 KiB pages, C=3, D=V=1);
 *   - the refill handler of bench_tlb_refill.S at EBase+0x000 (BEV=0).  Other
 *     exceptions reach the runtime's general vector, which reports and exits 3.
 * Then, in kernel mode (useg is mapped for the kernel too), each iteration
 * sweeps all NPAIRS page pairs in a fixed scattered order (pair = n * STRIDE mod
 * NPAIRS, STRIDE odd), loading and storing back one word of one page of each.
 * A pair comes back only after NPAIRS = 4096 other refills, and the TLB has 64
 * entries on tlbvisor (16 on QEMU's 24Kc), so every touch misses and takes the
 * refill handler whatever the replacement order: the instruction count is the
 * same on every correct implementation.
 * Prints "bench_tlb iters=N checksum=0xXXXXXXXX".
 *
 * Boot command line: iters=N sweeps (default BENCH_ITERS); N*4096 refills.
 */
#include "bench.h"

#define BENCH_ITERS   750
#define REGION_VA     0x00400000u          /* useg */
#define REGION_BYTES  (32u << 20)
#define BACKING_PA    0x01000000u          /* RAM 16..48 MiB */
#define PT_PA         0x00800000u          /* Context.PTEBase: 8 MiB aligned */
#define NPAGES        (REGION_BYTES >> 12)
#define NPAIRS        (NPAGES / 2)
#define STRIDE        2533u                /* odd: a permutation mod NPAIRS */

extern char bench_refill[], bench_refill_end[];

/* the page table slot of the pair holding va */
static volatile uint32_t *pt_slot(uint32_t va)
{
	return (volatile uint32_t *)(uintptr_t)(KSEG0(PT_PA) + ((va >> 13) << 4));
}

/* the word bench_tlb touches in page `page` of the region (offset varies) */
static uint32_t touch_off(uint32_t page)
{
	return ((page * 13u) & 1023u) << 2;
}

static void setup_tlb(void)
{
	uint32_t n = rt_tlb_size(), random;

	MTC0(C0_WIRED, 0);
	rt_tlb_clear();                 /* invalid, unique kseg0 VPN2s */
	MTC0(C0_PAGEMASK, 0);
	MTC0(C0_ENTRYHI, 0);            /* ASID 0 */
	random = MFC0(C0_RANDOM);
	if (random >= n) {
		printf("bench_tlb: Random %u outside [0, %u]\n", random, n - 1);
		exit(1);
	}
}

static void setup_page_table(void)
{
	uint32_t va, pa, end = REGION_VA + REGION_BYTES;
	volatile uint32_t *s;

	/* every slot below the region's end invalid (EntryLo 0: V=0) */
	for (s = pt_slot(0); s < pt_slot(end); s++)
		*s = 0;
	for (va = REGION_VA; va < end; va += 0x2000) {
		pa = BACKING_PA + (va - REGION_VA);
		s = pt_slot(va);
		s[0] = ENTRYLO(pa, 3, 1, 1, 0);
		s[2] = ENTRYLO(pa + 0x1000, 3, 1, 1, 0);
	}
	MTC0(C0_CONTEXT, KSEG0(PT_PA));
}

static void setup_backing(void)
{
	uint32_t page;

	for (page = 0; page < NPAGES; page++)
		*(volatile uint32_t *)(uintptr_t)(KSEG0(BACKING_PA) +
						  (page << 12) + touch_off(page)) =
			page * 0x9E3779B1u;
}

static void install_refill(void)
{
	uint32_t len = (uint32_t)(bench_refill_end - bench_refill);

	memcpy((void *)(uintptr_t)KSEG0(0), bench_refill, len);
	rt_sync_icache(KSEG0(0), len);
}

int main(int argc, char **argv, char **envp, uint32_t memsize)
{
	uint32_t iters = bench_arg("iters", BENCH_ITERS);
	uint32_t it, i, page, v, sum = 0;
	volatile uint32_t *p;

	(void)argc;
	(void)argv;
	(void)envp;
	if (memsize < BACKING_PA + REGION_BYTES) {
		printf("bench_tlb: needs %u MiB of RAM, has %u bytes\n",
		       (BACKING_PA + REGION_BYTES) >> 20, memsize);
		return 1;
	}
	setup_tlb();
	setup_page_table();
	setup_backing();
	install_refill();

	for (it = 0; it < iters; it++) {
		for (i = 0; i < NPAIRS; i++) {
			page = 2 * ((i * STRIDE) & (NPAIRS - 1)) + (it & 1);
			p = (volatile uint32_t *)(uintptr_t)(REGION_VA + (page << 12) +
							     touch_off(page));
			v = *p;
			sum = bench_rotl(sum, 1) ^ v;
			*p = v + i + it;
		}
	}
	/* read the region back through kseg0: the stores went where mapped */
	for (page = 0; page < NPAGES; page++)
		sum += *(volatile uint32_t *)(uintptr_t)(KSEG0(BACKING_PA) +
							 (page << 12) + touch_off(page));
	printf("bench_tlb iters=%u checksum=0x%08x\n", iters, sum);
	return 0;
}
