/*
 * pw_hog (pagewalk) - a guest that makes as many page tables as it can use: DIRS
 * directories of TABLES distinct page tables each, every table used once per round (one
 * load per 4 MiB), round after round. Natively it is just TLB misses; under shadow paging
 * every table is a shadow table, DIRS * TABLES machine frames if nothing bounds them. Run
 * next to another VM it checks that a VM's shadow memory is bounded and recycled
 * (--shadow-frames) and never taken from what the other VM needs. Prints a checksum of
 * what it read.
 */
#include "pw.h"

#define DIRS    7
#define TABLES  500          /* PDEs 1..TABLES: useg from 0x00400000 */
#define ROUNDS  12

static volatile uint32_t dirs[DIRS][1024] __attribute__((aligned(4096)));
static volatile uint32_t tabs[DIRS][TABLES][1024] __attribute__((aligned(4096)));
static volatile uint32_t pg[DIRS][1024] __attribute__((aligned(4096)));

int main(void)
{
	uint32_t d, t, r, sum = 0;

	for (d = 0; d < DIRS; d++) {
		pg[d][0] = 0x1000u * (d + 1);
		for (t = 0; t < TABLES; t++) {
			tabs[d][t][t & 1023] = PHYS(pg[d]) | PTE_P | PTE_RW;
			dirs[d][t + 1] = PHYS(tabs[d][t]) | PTE_P | PTE_RW;
		}
	}
	for (r = 0; r < ROUNDS; r++) {
		for (d = 0; d < DIRS; d++) {
			MTC0(C0_PTBASE, PHYS(dirs[d]));
			for (t = 0; t < TABLES; t++)
				sum += PW_LW(((t + 1) << 22) | ((t & 1023) << 12)) + t;
		}
	}
	printf("pw_hog: %u directories of %u tables, %u rounds, sum %08x\n", DIRS, TABLES,
	       ROUNDS, sum);
	return 0;
}
