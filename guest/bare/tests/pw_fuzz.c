/*
 * pw_fuzz (pagewalk) - random page-table programs, seeded: `pw_fuzz.elf -- seed=N ops=M`.
 *
 * Three directories, six page tables, a global table (the same in every directory), a
 * table of writable aliases of every table and directory, a directory that maps itself,
 * 4 MiB pages (one over this image, read-only), eight data pages. Each operation is one
 * of: a load or a store through a random mapping (in a branch delay slot or not); a
 * page-table write of every width (sb, sh, sw, swl, swr, ll/sc) through kseg0, through a
 * writable alias, or through whatever data mapping happens to reach a table; InvlPg; a
 * PTBase switch. Entries written are random (not present, tables, 4 MiB pages, page tables
 * mapped as data, the directories themselves, A/D/RW/US set or not); a partial store
 * writes some bytes of the wanted entry, leaving the mix in memory.
 *
 * The program keeps x86's rule: after it changes an entry it invalidates every
 * translation that entry may have given the current address space (InvlPg, or a PTBase
 * reload for a directory entry), so that every access has one correct outcome whatever
 * the TLB holds. It computes that outcome by walking its own tables in software, and
 * checks each access against it: the value a load returns (read again through kseg0 at the
 * physical address the walk gave), or the page fault (TLBL/TLBS, BadVAddr, PFErr). It
 * prints checksums of what it read and of its tables (A and D bits included) every 256
 * operations and at the end: a hypervisor must print exactly what the machine prints.
 * `every=K` prints the checkpoint every K operations instead, `dump=N` also every entry in
 * use after operation N, `trace=N` every load from operation N on: to find where two runs
 * part.
 */
#include "pw.h"

#define NDATA  8
#define NTAB   12
#define NDIR   3
#define TSLOT0 1          /* directory slots 1..6 are fuzzed */
#define TSLOTS 6
#define GSLOT  7          /* tabg: global entries, the same table in every directory */
#define ASLOT  8          /* taba: writable aliases of the tables and directories */
#define SSLOT  9          /* the directory itself (directories 0 and 1) */
#define BIG_A  0x00800000u
#define BIG_B  0x00c00000u
#define SAFE_END 0x01000000u   /* accesses only below: RAM, no device */
#define WINDOW 32              /* entries of each table the fuzz uses (so that accesses and
				* writes meet often) */

static volatile uint32_t data[NDATA][1024] __attribute__((aligned(4096)));
static volatile uint32_t tab[NTAB][1024] __attribute__((aligned(4096)));
static volatile uint32_t tabg[1024] __attribute__((aligned(4096)));
static volatile uint32_t taba[1024] __attribute__((aligned(4096)));
static volatile uint32_t dir[NDIR][1024] __attribute__((aligned(4096)));

static uint32_t rng, cur, sum, nloads, nstores, nfaults, nwrites, dump, trace, op_n;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint32_t pick(uint32_t n) { return rnd() % n; }

static void mix(uint32_t v) { sum = (sum ^ v) * 0x01000193u + 0x9e3779b9u; }

static uint32_t arg(const char *key, uint32_t def)
{
	const char *s = rt_argc > 1 ? rt_argv[1] : 0, *k;
	uint32_t v;

	if (!s || (uint32_t)(uintptr_t)s < 0x80000000u)
		return def;
	while (*s) {
		while (*s == ' ')
			s++;
		for (k = key; *k && *s == *k; k++, s++)
			;
		if (!*k && *s == '=') {
			for (v = 0, s++; *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (uint32_t)(*s - '0');
			return v;
		}
		while (*s && *s != ' ')
			s++;
	}
	return def;
}

/* ---- the page-table pages -------------------------------------------------------------- */

#define NPT (NTAB + 1 + NDIR)   /* the pages the fuzz writes as tables: tab[], tabg, dir[] */

static volatile uint32_t *pt_page(uint32_t k)
{
	return k < NTAB ? tab[k] : k == NTAB ? tabg : dir[k - NTAB - 1];
}

/* index into pt_page of the page at physical address pa, or -1 */
static int pt_index(uint32_t pa)
{
	for (uint32_t k = 0; k < NPT; k++)
		if ((pa & ~0xfffu) == PHYS(pt_page(k)))
			return (int)k;
	return -1;
}

static int is_dir(int k) { return k > NTAB; }

/* ---- the software walk (the outcome every access must have) ------------------------- */

/* 0 with *pa, the PFErr of the fault (bit 31 set to tell a fault from PFErr 0), or
 * WALK_SKIP for an access the fuzz never makes: through a table that is not one of its
 * own (a partial write left a PDE pointing elsewhere), or a global translation outside the
 * global slot (it would survive PTBase switches, and its outcome would then depend on what
 * the TLB holds). */
#define WALK_SKIP 0x40000000u

static uint32_t walk(uint32_t va, int store, uint32_t *pa)
{
	uint32_t pde = dir[cur][va >> 22], pte, leaf, rights;

	if (!(pde & PTE_P))
		return 0x80000000u | (store ? PF_W : 0);
	if (pde & PTE_PS) {
		leaf = rights = pde;
		*pa = (pde & 0xffc00000u) | (va & 0x3fffffu);
	} else {
		if (pt_index(pde & 0xfffff000u) < 0)
			return WALK_SKIP;
		pte = ((volatile uint32_t *)KSEG0(pde & 0xfffff000u))[(va >> 12) & 1023];
		if (!(pte & PTE_P))
			return 0x80000000u | (store ? PF_W : 0);
		leaf = pte;
		rights = pde & pte;
		*pa = (pte & 0xfffff000u) | (va & 0xfffu);
	}
	if ((leaf & PTE_G) && (va >> 22) != GSLOT)
		return WALK_SKIP;
	if (store && !(rights & PTE_RW))
		return 0x80000000u | PF_P | PF_W;
	return 0;
}

/* ---- invalidation: x86's rule, after a change of word i of page-table page k ---------- */

static void invalidate(int k, uint32_t i)
{
	uint32_t pa = PHYS(pt_page((uint32_t)k)), s;

	if (is_dir(k) && (uint32_t)(k - NTAB - 1) == cur) {
		MTC0(C0_PTBASE, PHYS(dir[cur]));
		return;
	}
	for (s = 0; s < 1024; s++) {
		uint32_t pde = dir[cur][s];
		if ((pde & (PTE_P | PTE_PS)) == PTE_P && (pde & 0xfffff000u) == pa)
			pw_invlpg(s << 22 | i << 12);
	}
}

/* ---- entries ----------------------------------------------------------------------------- */

static uint32_t flags(uint32_t mask)
{
	return rnd() & mask;
}

/* a random entry for word i of page-table page k */
static uint32_t entry(int k, uint32_t i)
{
	uint32_t r = pick(100);

	if (is_dir(k)) {
		if (r < 25)
			return r < 5 ? (rnd() & ~(PTE_P | PTE_G)) : 0;       /* not present */
		if (r < 70) {
			/* mostly a table of the directory's own (tables 4d..4d+3), as processes have;
			 * else any table, or a directory used as one */
			uint32_t d = (uint32_t)k - NTAB - 1, t = pick(NTAB + 2);
			if (pick(10) < 7)
				t = 4 * d + pick(4);
			uint32_t pa = t < NTAB ? PHYS(tab[t]) : PHYS(dir[pick(NDIR)]);
			return pa | PTE_P | flags(PTE_RW | PTE_US | PTE_A);
		}
		uint32_t big = r < 80 ? 0 : r < 90 ? BIG_A : BIG_B;
		return big | PTE_PS | PTE_P | flags(PTE_US | PTE_A | PTE_D) |
		       (big ? flags(PTE_RW) : 0);
	}
	(void)i;
	if (r < 20)
		return r < 5 ? (rnd() & ~(PTE_P | PTE_G)) : 0;
	uint32_t pa;
	r = pick(100);
	if (r < 60)
		pa = PHYS(data[pick(NDATA)]);
	else if (r < 85)
		pa = PHYS(pt_page(pick(NPT)));     /* a page table mapped as data */
	else if (r < 95)
		pa = BIG_A + (pick(1024) << 12);
	else
		pa = pick(1024) << 12;             /* the image's first 4 MiB */
	return pa | PTE_P | flags(PTE_RW | PTE_US | PTE_A | PTE_D) | ((uint32_t)k == NTAB ? PTE_G : 0);
}

/* ---- accesses --------------------------------------------------------------------------- */

static uint32_t load(uint32_t va, int ds)
{
	uint32_t v = 0;

	if (ds)
		__asm__ volatile(".set push\n\t.set noreorder\n\tbeq $0, $0, 1f\n\t"
				 "lw %0, 0(%1)\n\tnop\n1:\n\t.set pop"
				 : "=&r"(v) : "r"(va) : "memory");
	else
		__asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(va) : "memory");
	return v;
}

/* Writes (some bytes of) want into the word at word-aligned address a, with a random
 * width at a random offset the width allows; returns the byte offset used. */
static void write_word(uint32_t a, uint32_t want, int ds)
{
	uint32_t w = pick(6), b = 0, v = want;

	switch (w) {
	case 1: b = pick(4); v = want >> (8 * b); break;
	case 2: b = 2 * pick(2); v = want >> (8 * b); break;
	case 3: b = pick(4); v = want << (8 * (3 - b)); break;
	case 4: b = pick(4); v = want >> (8 * b); break;
	}
	pw_store_width(w, a + b, v, ds && w != 5);
}

/* Checks the last access against the software walk: f is walk()'s result, faulted the
 * number of exceptions it raised (0 or 1). */
static void check_fault(uint32_t f, uint32_t va, int store_)
{
	if (f) {
		CHECK_EQ(rt_exc.count, 1);
		CHECK_EQ(EXC_CODE(), store_ ? EXC_TLBS : EXC_TLBL);
		CHECK_EQ(rt_exc.badvaddr, va);
		CHECK_EQ(MFC0(C0_PFERR), f & 0xffu);
		mix(0xfa017u ^ va ^ (f << 8));
		nfaults++;
	} else {
		CHECK_EQ(rt_exc.count, 0);
	}
	rt_catch_reset();
}

/* a random virtual address the fuzz uses */
static uint32_t some_va(void)
{
	uint32_t r = pick(100), slot;

	if (r < 60)
		slot = TSLOT0 + pick(TSLOTS);
	else if (r < 75)
		slot = GSLOT;
	else if (r < 90)
		slot = ASLOT;
	else
		slot = SSLOT;
	return slot << 22 | pick(r < 60 ? WINDOW : 16) << 12 | pick(1024) << 2;
}

static void op_load(void)
{
	uint32_t va = some_va(), pa = 0, f = walk(va, 0, &pa), v;

	if (f == WALK_SKIP || (!f && pa >= SAFE_END))
		return;
	v = load(va, pick(4) == 0);
	/* the word as kseg0 sees it, read at once: the page may be this program's own (the
	 * runtime's check counter, which check_fault's checks then change) */
	uint32_t m = f ? 0 : *(volatile uint32_t *)KSEG0(pa);
	check_fault(f, va, 0);
	if (!f) {
		CHECK_EQ(v, m);
		mix(v);
	}
	if (trace && op_n >= trace)
		printf("  op %u: load %08x -> pa %08x: %08x (fault %08x)\n", op_n, va, pa, v, f);
	nloads++;
}

static void op_store(void)
{
	uint32_t va = some_va() & ~3u, pa = 0, f = walk(va, 1, &pa);
	int k = -1;

	if (f == WALK_SKIP)
		return;
	if (!f) {
		k = pt_index(pa);
		if (k < 0 && !((pa >= PHYS(data) && pa < PHYS(data) + sizeof(data)) ||
			       (pa >= BIG_A && pa < SAFE_END)))
			return;                            /* code, stack: never written */
		if (k >= 0 && (is_dir(k) ? (((pa >> 2) & 1023) < TSLOT0 ||
					    ((pa >> 2) & 1023) >= TSLOT0 + TSLOTS) : 0))
			return;                            /* a directory's fixed slots */
		if (k == NTAB && !(((pa >> 2) & 1023) < 16))
			return;
	}
	uint32_t i = (pa >> 2) & 1023;
	uint32_t want = k >= 0 ? entry(k, i) : rnd() & ~PTE_G;
	if (f)
		pw_store_width(0, va, want, pick(4) == 0);
	else
		write_word(va, want, pick(4) == 0);
	check_fault(f, va, 1);
	if (!f && k >= 0) {
		invalidate(k, i);
		nwrites++;
	}
	nstores++;
}

/* a page-table page: mostly one the current directory uses (as a kernel changes its
 * running process's tables), else any */
static int some_table(void)
{
	if (pick(10) < 7) {
		uint32_t pde = dir[cur][TSLOT0 + pick(TSLOTS)];
		int k = pt_index(pde & 0xfffff000u);
		if ((pde & (PTE_P | PTE_PS)) == PTE_P && k >= 0)
			return k;
		if (pick(2))
			return (int)(NTAB + 1 + cur);
	}
	return (int)pick(NPT);
}

/* a page-table write through kseg0 or through its alias, to table k (-1: some table) */
static void op_ptwrite(int k)
{
	if (k < 0)
		k = some_table();
	uint32_t i = is_dir(k) ? TSLOT0 + pick(TSLOTS) : pick(k == NTAB ? 16 : WINDOW);
	uint32_t a = pick(2) ? (uint32_t)(uintptr_t)&pt_page((uint32_t)k)[i]
			     : (ASLOT << 22 | (uint32_t)k << 12 | i << 2);

	write_word(a, entry(k, i), pick(4) == 0);
	CHECK_EQ(rt_exc.count, 0);
	rt_catch_reset();
	invalidate(k, i);
	nwrites++;
}

static void checkpoint(uint32_t n)
{
	uint32_t t = 0;

	for (uint32_t k = 0; k < NPT; k++)
		for (uint32_t i = 0; i < 1024; i++)
			t = (t ^ pt_page(k)[i]) * 0x01000193u;
	printf("pw_fuzz: op %u: reads %08x tables %08x (%u loads, %u stores, %u faults, %u table writes)\n",
	       n, sum, t, nloads, nstores, nfaults, nwrites);
	if (dump == n)                 /* every entry in use, to find a difference */
		for (uint32_t k = 0; k < NPT; k++)
			for (uint32_t i = 0; i < 1024; i++)
				if (pt_page(k)[i])
					printf("  page %u [%u] = %08x\n", k, i, pt_page(k)[i]);
}

int main(void)
{
	uint32_t seed = arg("seed", 1), ops = arg("ops", 2000), n, k, i, off;

	uint32_t every = arg("every", 256);

	dump = arg("dump", 0);
	trace = arg("trace", 0);
	if (!every)
		every = 1;

	rng = seed * 2654435761u + 1;
	if (!rng)
		rng = 1;
	rt_handler = rt_catch;
	for (k = 0; k < NDATA; k++)
		for (i = 0; i < 1024; i++)
			data[k][i] = ((k << 24) ^ (i * 0x9e3779b1u)) & ~PTE_G;
	for (off = 0; off < 0x800000u; off += 0x1000u)
		*(volatile uint32_t *)KSEG0(BIG_A + off) = 0xb0000000u | off;
	memset((void *)tab, 0, sizeof(tab));
	memset((void *)tabg, 0, sizeof(tabg));
	memset((void *)taba, 0, sizeof(taba));
	memset((void *)dir, 0, sizeof(dir));
	for (k = 0; k < NPT; k++)
		taba[k] = PHYS(pt_page(k)) | PTE_P | PTE_RW | PTE_A | PTE_D;
	for (i = 0; i < 16; i++)
		tabg[i] = PHYS(data[i % NDATA]) | PTE_P | PTE_RW | PTE_G;
	for (k = 0; k < NDIR; k++) {
		/* A preset: the global entries may be cached from another directory, so whether
		 * a walk goes through this PDE (and sets A) depends on what the TLB holds */
		dir[k][GSLOT] = PHYS(tabg) | PTE_P | PTE_RW | PTE_A;
		dir[k][ASLOT] = PHYS(taba) | PTE_P | PTE_RW;
		if (k < 2)
			dir[k][SSLOT] = PHYS(dir[k]) | PTE_P | PTE_RW;
		for (i = TSLOT0; i < TSLOT0 + TSLOTS; i++)
			dir[k][i] = entry((int)(NTAB + 1 + k), i);
	}
	for (k = 0; k < NTAB; k++)
		for (i = 0; i < WINDOW; i++)
			tab[k][i] = entry((int)k, i);
	cur = 0;
	MTC0(C0_PTBASE, PHYS(dir[cur]));
	rt_catch_reset();

	for (n = 1; n <= ops; n++) {
		uint32_t r = pick(100);

		op_n = n;
		if (r < 35) {
			op_load();
		} else if (r < 55) {
			op_store();
		} else if (r < 80) {
			op_ptwrite(-1);
		} else if (r < 85) {
			/* a burst of writes to one table, as a kernel changing a process's mappings:
			 * the current directory's, or another's (its tables 4d..4d+3) */
			int k = pick(2) ? some_table() : (int)(4 * pick(NDIR) + pick(4));
			for (uint32_t b = 2 + pick(4); b; b--)
				op_ptwrite(k);
		} else if (r < 92) {
			cur = pick(NDIR);
			MTC0(C0_PTBASE, PHYS(dir[cur]));
		} else {
			pw_invlpg(some_va());
		}
		if (n % every == 0 || n == ops || n == dump)
			checkpoint(n);
	}
	rt_handler = 0;
	printf("pw_fuzz: seed %u, %u operations\n", seed, ops);
	return rt_done("pw_fuzz");
}
