/*
 * pw_store (pagewalk) - every store width the ISA has (sb, sh, sw, swl, swr,
 * sc), also in a branch delay slot, writing live page tables: the current
 * page directory through a writable mapped alias, a page table that maps
 * itself, and an ordinary table through kseg0. After each store the entry is
 * read back through kseg0 and the translation it makes is used (after a
 * PTBase reload for the directory, InvlPg for a table), so a hypervisor that
 * loses or mis-merges a store shows, and one that cannot finish a store
 * (shadow paging that unshadows and retries) never gets here.
 */
#include "pw.h"

#define VX    0x01000000u   /* PDE 4: the directory entry written through DIRA */
#define DIRA  0x00800000u   /* the directory itself, mapped writable */
#define SELF  0x00c00000u   /* PDE 3 -> tabs, and tabs[0] -> tabs: SELF is tabs */
#define VK    0x01400000u   /* PDE 5 -> tabk, written through kseg0 */

static volatile uint32_t pg[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t tabx[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t tabs[1024] __attribute__((aligned(4096)));
static volatile uint32_t tabk[1024] __attribute__((aligned(4096)));

#define IDX(va) (((va) >> 12) & 1023u)

/* The word in memory after a store of v at byte address a (little-endian), given the
 * word old that was there: the interpreter's rules for each width. */
static uint32_t after(uint32_t old, const char *op, uint32_t a, uint32_t v)
{
	uint32_t b = a & 3, mask, val;

	switch (op[2]) {
	case 0:   /* "sb", "sh", "sw", "sc" */
		if (op[1] == 'b') {
			mask = 0xffu << (8 * b);
			val = (v & 0xffu) << (8 * b);
		} else if (op[1] == 'h') {
			mask = 0xffffu << (8 * b);
			val = (v & 0xffffu) << (8 * b);
		} else {
			mask = 0xffffffffu;
			val = v;
		}
		break;
	case 'l':  /* swl */
		mask = 0xffffffffu >> (8 * (3 - b));
		val = v >> (8 * (3 - b));
		break;
	default:   /* swr */
		mask = ~((1u << (8 * b)) - 1u);
		val = v << (8 * b);
		break;
	}
	return (old & ~mask) | (val & mask);
}

static const char *const ops[] = { "sw", "sb", "sh", "swl", "swr", "sc" };

/* One store of width op (one of ops[]) at virtual address a (mapped or kseg0). ds: in a
 * delay slot. */
static void store(const char *op, uint32_t a, uint32_t v, int ds)
{
	uint32_t w = 0;

	while (strcmp(ops[w], op) != 0)
		w++;
	pw_store_width(w, a, v, ds);
}

/* A value for entry word `old` under op at byte offset b that maps frame pa with flags:
 * the bytes the store replaces come from the wanted word. */
static uint32_t val_for(const char *op, uint32_t b, uint32_t want)
{
	switch (op[2] ? op[2] : op[1]) {
	case 'b': return want >> (8 * b);
	case 'h': return want >> (8 * b);
	case 'l': return want << (8 * (3 - b));
	case 'r': return want >> (8 * b);
	default: return want;
	}
}

/* Writes entry *kp (seen through kseg0) at virtual address va with op at byte offset b
 * (aligned as the width needs), so that its new value is computed by after(); checks the
 * word. Returns the new word. */
static uint32_t write_entry(volatile uint32_t *kp, uint32_t va, const char *op, uint32_t b,
			    uint32_t want, int ds)
{
	uint32_t old = *kp, v = val_for(op, b, want), w;

	store(op, va + b, v, ds);
	w = after(old, op, va + b, v);
	CHECK_EQ(*kp, w);
	return w;
}

int main(void)
{
	volatile uint32_t *pte;
	uint32_t i, b, w, n = 0;

	rt_handler = rt_catch;
	pw_reset();
	memset((void *)tabx, 0, sizeof(tabx));
	memset((void *)tabs, 0, sizeof(tabs));
	memset((void *)tabk, 0, sizeof(tabk));
	pg[0][0] = 0x11111111;
	pg[1][0] = 0x22222222;
	/* tabx[k] maps VX to pg[k] */
	tabx[0][0] = PHYS(pg[0]) | PTE_P | PTE_RW | PTE_A;
	tabx[1][0] = PHYS(pg[1]) | PTE_P | PTE_RW | PTE_A;
	pw_map4k(DIRA, PHYS(pw_dir), PTE_P | PTE_RW);
	pw_dir[VX >> 22] = PHYS(tabx[0]) | PTE_P | PTE_RW;
	/* tabs maps itself at SELF, and pg[0] at SELF + 0x1000 */
	pw_dir[SELF >> 22] = PHYS(tabs) | PTE_P | PTE_RW;
	tabs[0] = PHYS(tabs) | PTE_P | PTE_RW;
	tabs[1] = PHYS(pg[0]) | PTE_P | PTE_RW;
	pw_dir[VK >> 22] = PHYS(tabk) | PTE_P | PTE_RW;
	tabk[0] = PHYS(pg[0]) | PTE_P | PTE_RW;
	pw_load_ptbase();
	rt_catch_reset();
	CHECK_EQ(PW_LW(VX), 0x11111111);
	CHECK_EQ(PW_LW(SELF + 0x1000), 0x11111111);
	CHECK_EQ(PW_LW(VK), 0x11111111);

	/* every width, every byte offset it allows, in and out of a delay slot, on the three
	 * kinds of live table; each store flips the mapping to the other page */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const char *op = ops[i];
		uint32_t step = op[1] == 'b' ? 1 : (op[1] == 'h' ? 2 : (op[2] == 'l' || op[2] == 'r') ? 1 : 4);
		for (b = 0; b < 4; b += step) {
			int ds = (b / step) & 1;
			uint32_t k = (n++ & 1) ^ 1;   /* the page this store maps */

			/* the directory, through DIRA: PDE of VX -> tabx[k] */
			w = write_entry(&pw_dir[VX >> 22], DIRA + 4 * (VX >> 22), op, b,
					PHYS(tabx[k]) | PTE_P | PTE_RW | PTE_A, ds);
			pw_load_ptbase();
			if (w == (PHYS(tabx[k]) | PTE_P | PTE_RW | PTE_A))
				CHECK_EQ(PW_LW(VX), k ? 0x22222222 : 0x11111111);
			/* put it back whole for the next round */
			pw_dir[VX >> 22] = PHYS(tabx[k]) | PTE_P | PTE_RW | PTE_A;

			/* the self-mapping table, through SELF: SELF + 0x1000 -> pg[k] */
			w = write_entry(&tabs[1], SELF + 4, op, b, PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A, ds);
			pw_invlpg(SELF + 0x1000);
			if (w == (PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A))
				CHECK_EQ(PW_LW(SELF + 0x1000), k ? 0x22222222 : 0x11111111);
			tabs[1] = PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A;
			pw_invlpg(SELF + 0x1000);

			/* an ordinary table through kseg0: VK -> pg[k] */
			w = write_entry(&tabk[0], (uint32_t)(uintptr_t)&tabk[0], op, b,
					PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A, ds);
			pw_invlpg(VK);
			if (w == (PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A))
				CHECK_EQ(PW_LW(VK), k ? 0x22222222 : 0x11111111);
			tabk[0] = PHYS(pg[k]) | PTE_P | PTE_RW | PTE_A;
			pw_invlpg(VK);
		}
	}
	/* partial stores that leave an entry half-written make it not present or point
	 * elsewhere; the whole-word rewrite after each one must be seen too */
	pw_load_ptbase();
	CHECK_EQ(PW_LW(VX), PW_LW(VK));
	CHECK_EQ(PW_LW(SELF + 0x1000), PW_LW(VK));
	pte = pw_pte(DIRA);
	CHECK_EQ(*pte & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(rt_exc.count, 0);
	printf("pw_store: %u stores\n", n * 3);

	rt_handler = 0;
	return rt_done("pw_store");
}
