/*
 * bench_pw - walker-bound loop for the pagewalk machine (tlbvisor --mmu pagewalk only:
 * QEMU has no such MMU), the page walker's counterpart of bench_tlb.
 *
 * Set-up: one page directory and REGION_BYTES / 4 MiB page tables mapping the
 * REGION_BYTES of useg at REGION_VA onto RAM at BACKING_PA (4 KiB pages, P|RW), built in
 * RAM through kseg0; PTBase points at the directory. Then, in kernel mode, each iteration
 * sweeps all NPAGES pages in a fixed scattered order (page = n * STRIDE mod NPAGES,
 * STRIDE odd), loading and storing back one word of each. A page comes back only after
 * NPAGES = 8192 other pages and the walker's TLB has 64 entries, so every touch misses and
 * walks (the first sweep also sets A and D): the instruction count, and the number of
 * walks, are the same on every correct implementation.
 * Prints "bench_pw iters=N checksum=0xXXXXXXXX".
 *
 * Boot command line: iters=N sweeps (default BENCH_ITERS); N*8192 walks.
 */
#include "bench.h"

#define BENCH_ITERS   200
#define REGION_VA     0x00400000u          /* useg, PDE 1.. */
#define REGION_BYTES  (32u << 20)
#define BACKING_PA    0x01000000u          /* RAM 16..48 MiB */
#define DIR_PA        0x00800000u          /* the directory, then the tables */
#define NPAGES        (REGION_BYTES >> 12)
#define STRIDE        2533u                /* odd: a permutation mod NPAGES */

static uint32_t touch_off(uint32_t page)
{
	return ((page * 13u) & 1023u) << 2;
}

int main(void)
{
	volatile uint32_t *dir = (volatile uint32_t *)(uintptr_t)KSEG0(DIR_PA);
	uint32_t iters = bench_arg("iters", BENCH_ITERS), sum = 0, i, n, page;

	for (i = 0; i < 1024; i++)
		dir[i] = 0;
	for (i = 0; i < REGION_BYTES >> 22; i++) {
		uint32_t tab_pa = DIR_PA + ((i + 1) << 12);
		volatile uint32_t *tab = (volatile uint32_t *)(uintptr_t)KSEG0(tab_pa);
		uint32_t j;

		for (j = 0; j < 1024; j++)
			tab[j] = (BACKING_PA + (((i << 10) + j) << 12)) | 0x3u;   /* P | RW */
		dir[(REGION_VA >> 22) + i] = tab_pa | 0x3u;
	}
	MTC0(C0_PTBASE, DIR_PA);
	for (i = 0; i < iters; i++) {
		for (n = 0, page = 0; n < NPAGES; n++) {
			volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)
				(REGION_VA + (page << 12) + touch_off(page));
			uint32_t v = *p + page + i;

			*p = v;
			sum = (sum << 1 | sum >> 31) ^ v;
			page = (page + STRIDE) & (NPAGES - 1);
		}
	}
	printf("bench_pw iters=%u checksum=0x%08x\n", iters, sum);
	return 0;
}
