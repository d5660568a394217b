/*
 * pw_fuzz (pagewalk) - random page-table writes and random accesses through the x86-like
 * page walker, seeded from the boot command line ("seed=N ops=N"); prints a running
 * checksum of every value loaded, every page fault (code, BadVAddr, PFErr) and every PDE
 * and PTE read back (with the A and D bits the walker set). tests/e2e/mmufuzz.sh runs it
 * natively and under the VMM (shadow page tables) with fresh seeds: identical output.
 *
 * What it exercises: two directories sharing four tables, PTEs and PDEs with random
 * P/RW/US/A/D/G bits and frames, 4 MiB pages (read-only over the first 4 MiB of RAM;
 * "large=0" leaves them out),
 * InvlPg, PTBase switches, loads and stores of every width. Every translation that a
 * write may have made stale is invalidated (InvlPg, or InvlPg of the whole window after a
 * PDE write or a PTBase switch, which also covers global entries) before the next access,
 * so what each access sees is defined whatever the TLB holds.
 */
#include "fuzz.h"
#include "pw.h"

#define WIN0 0x00400000u               /* PDE 1: a table (64 pages used) */
#define WIN1 0x00800000u               /* PDE 2: a table or a 4 MiB page */
#define WIN_PAGES 64
#define NFRAMES 16
#define NDIRS 2

static volatile uint32_t dirs[NDIRS][1024] __attribute__((aligned(4096)));
static volatile uint32_t tabs[4][1024] __attribute__((aligned(4096)));
static volatile uint32_t block[NFRAMES][1024] __attribute__((aligned(4096)));
static unsigned cur, large = 1;           /* large=0: no 4 MiB pages */

static uint32_t win_va(unsigned w, unsigned page)
{
	return (w ? WIN1 : WIN0) + page * 0x1000u;
}

static void invalidate_window(void)
{
	for (unsigned w = 0; w < 2; w++)
		for (unsigned p = 0; p < WIN_PAGES; p++)
			pw_invlpg(win_va(w, p));
}

static uint32_t rand_flags(void)
{
	uint32_t f = 0;

	f |= fz_below(8) ? PTE_P : 0;
	f |= fz_below(3) ? PTE_RW : 0;
	f |= PTE_US;
	f |= fz_below(4) ? 0 : PTE_A;
	f |= fz_below(4) ? 0 : PTE_D;
	f |= fz_below(6) ? 0 : PTE_G;
	return f;
}

/* A PTE of table t at index p (< WIN_PAGES): then every VA it may map is invalidated. */
static void op_pte(void)
{
	unsigned t = fz_below(4), p = fz_below(WIN_PAGES);

	tabs[t][p] = PHYS(block[fz_below(NFRAMES)]) | rand_flags();
	if (fz_k >= fz_trace)
		printf("  pte tab %u page %u\n", t, p);
	for (unsigned w = 0; w < 2; w++)
		pw_invlpg(win_va(w, p));
	fz_see(t << 8 | p);
}

/* A PDE of directory d for window w: a table, a 4 MiB page (read-only) or nothing. */
static void op_pde(void)
{
	unsigned d = fz_below(NDIRS), w = fz_below(2), k = fz_below(8);
	uint32_t e;

	if (k == 0)
		e = 0;
	else if (k == 1 && w == 1 && large)
		e = 0x00000000u | PTE_PS | PTE_P | PTE_US | (fz_below(2) ? PTE_A : 0);
	else
		e = PHYS(tabs[fz_below(4)]) | PTE_P | PTE_US | (fz_below(4) ? PTE_RW : 0) |
		    (fz_below(2) ? PTE_A : 0);
	dirs[d][(w ? WIN1 : WIN0) >> 22] = e;
	if (fz_k >= fz_trace)
		printf("  pde dir %u win %u\n", d, w);
	invalidate_window();
	fz_see(e);
}

static void op_access(void)
{
	unsigned w = fz_below(2), p = fz_below(WIN_PAGES);
	uint32_t va = win_va(w, p) + (fz_below(4096) & ~3u);
	uint32_t pde = dirs[cur][va >> 22];
	uint32_t before = rt_exc.count, v = 0xdeadbeefu, x = fz_rand();

	if (pde & PTE_PS)              /* the 4 MiB page: only inside the block, loads only */
		va = WIN1 + PHYS(block[fz_below(NFRAMES)]) + (fz_below(4096) & ~3u);
	switch ((pde & PTE_PS) ? fz_below(3) : fz_below(6)) {
	case 0: __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(va) : "memory"); break;
	case 1: __asm__ volatile("lhu %0, 2(%1)" : "+r"(v) : "r"(va) : "memory"); break;
	case 2: __asm__ volatile("lb %0, 1(%1)" : "+r"(v) : "r"(va) : "memory"); break;
	case 3: __asm__ volatile("sw %0, 0(%1)" :: "r"(x), "r"(va) : "memory"); break;
	case 4: __asm__ volatile("sh %0, 2(%1)" :: "r"(x), "r"(va) : "memory"); break;
	default: __asm__ volatile("sb %0, 3(%1)" :: "r"(x), "r"(va) : "memory"); break;
	}
	if (fz_k >= fz_trace)
		printf("  access %08x (dir %u)\n", va, cur);
	fz_see(v);
	if (rt_exc.count != before) {
		fz_see(rt_exc.cause & 0x7cu);
		fz_see(rt_exc.badvaddr);
		fz_see(MFC0(C0_PFERR));
	}
}

/* Reads back a PTE or PDE: the A and D bits the walker set are part of the result. */
static void op_read(void)
{
	if (fz_below(2))
		fz_see(tabs[fz_below(4)][fz_below(WIN_PAGES)]);
	else
		fz_see(dirs[fz_below(NDIRS)][(fz_below(2) ? WIN1 : WIN0) >> 22]);
}

int main(void)
{
	uint32_t i, k;

	fz_init();
	large = fz_arg(rt_argc > 1 ? rt_argv[1] : "", "large", 1);
	for (i = 0; i < NFRAMES; i++)
		for (k = 0; k < 1024; k++)
			block[i][k] = i << 16 | k;
	for (i = 0; i < NDIRS; i++)
		for (k = 0; k < 1024; k++)
			dirs[i][k] = 0;
	/* Kernel-mode accesses are checked against RW too (CR0.WP): the program runs in
	 * kernel mode and every page has US so user mode would see the same. */
	cur = 0;
	MTC0(C0_PTBASE, PHYS(dirs[cur]));
	rt_catch_reset();
	rt_handler = rt_catch;
	for (k = 0; k < fz_ops; k++) {
		uint32_t r = fz_below(100);

		if (r < 20)
			op_pte();
		else if (r < 24)
			op_pde();
		else if (r < 84)
			op_access();
		else if (r < 96)
			op_read();
		else {
			cur = fz_below(NDIRS);
			MTC0(C0_PTBASE, PHYS(dirs[cur]));
			invalidate_window();           /* global entries survive a PTBase write */
			fz_see(cur);
		}
		fz_tick(k);
	}
	rt_handler = 0;
	printf("pw_fuzz: sum %08x exceptions %u\n", fz_sum, rt_exc.count);
	return 0;
}
