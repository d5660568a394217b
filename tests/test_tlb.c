/* tests/test_tlb.c — the swtlb personality (mips/r4k_tlb.c) through CP0 and mmu->ops.
 *
 * Entries are written the way software does (EntryHi, EntryLo0/1, PageMask, Index, then
 * tlbwi/tlbwr through ops->tlb_op) and checked through ops->translate, tlbp/tlbr, the CPU's
 * memory slow paths (for the exceptions) and the interpreter (a refill handler). Counters
 * are read by name through stats_get and are exact: the emulator is deterministic. */
#include <criterion/criterion.h>

#include <string.h>

#include "core/cp0.h"
#include "fixture.h"

#define RAM_BYTES (1u << 20)
#define N 64u

static struct fx fx;
static struct cpu *cpu;                             /* fx.cpu */
static struct mmu *mmu;                             /* fx.mmu */

/* A swtlb of n entries. */
static void setup_n(unsigned n)
{
    fx_setup(&fx, RAM_BYTES, n, NULL);
    cpu = fx.cpu;
    mmu = fx.mmu;
}

static void setup(void) { setup_n(N); }
static void teardown(void) { fx_teardown(&fx); }

TestSuite(tlb, .init = setup, .fini = teardown);

/* ---- helpers --------------------------------------------------------------------------- */

#define LO_G 1u
#define LO_V 2u
#define LO_D 4u
#define LO_C(c) ((uint32_t)(c) << 3)
static uint32_t lo(uint32_t pa, uint32_t flags) { return (pa >> 12) << 6 | flags; }

static uint32_t rd(int reg) { return cpu_cp0_read(cpu, reg, 0); }
static void wr(int reg, uint32_t v) { cpu_cp0_write(cpu, reg, 0, v); }

static int64_t ctr(const char *name)
{
    int64_t v = stats_get(&fx.st, name);
    cr_assert_neq(v, -1, "no counter %s", name);
    return v;
}

static void load_regs(uint32_t hi, uint32_t mask, uint32_t lo0, uint32_t lo1)
{
    wr(CP0_PAGEMASK, mask);
    wr(CP0_ENTRYHI, hi);
    wr(CP0_ENTRYLO0, lo0);
    wr(CP0_ENTRYLO1, lo1);
}

static void tlbwi(unsigned index, uint32_t hi, uint32_t mask, uint32_t lo0, uint32_t lo1)
{
    load_regs(hi, mask, lo0, lo1);
    wr(CP0_INDEX, index);
    cr_assert_eq(mmu->ops->tlb_op(mmu, MMU_TLBWI), 0);
}

static void set_asid(uint32_t asid) { wr(CP0_ENTRYHI, (rd(CP0_ENTRYHI) & ~0xFFu) | asid); }

static int tr(uint32_t va, int access, uint32_t *pa)
{
    *pa = 0xDEADBEEFu;
    return mmu->ops->translate(mmu, va, access, 0, pa);
}

static void expect_pa(uint32_t va, int access, uint32_t want)
{
    uint32_t pa;
    int f = tr(va, access, &pa);
    cr_assert_eq(f, MMU_OK, "va %#x access %d: fault %d", va, access, f);
    cr_assert_eq(pa, want, "va %#x: pa %#x, want %#x", va, pa, want);
}

static void expect_fault(uint32_t va, int access, int fault)
{
    uint32_t pa;
    int f = tr(va, access, &pa);
    cr_assert_eq(f, fault, "va %#x access %d: %d, want %d", va, access, f, fault);
}

/* ---- reset state ------------------------------------------------------------------------ */

Test(tlb, reset_entries_are_vpn0_asid0_invalid)
{
    expect_fault(0x00000000u, MMU_LOAD, MMU_INVALID);
    expect_fault(0x00001FFCu, MMU_STORE, MMU_INVALID);
    expect_fault(0x00002000u, MMU_LOAD, MMU_REFILL);
    expect_fault(0x80000000u, MMU_FETCH, MMU_REFILL);
    set_asid(5);                                         /* not global: ASID 5 misses */
    expect_fault(0x00000000u, MMU_LOAD, MMU_REFILL);
    cr_assert_eq(ctr("tlb.lookups"), 5);
    cr_assert_eq(ctr("tlb.misses.invalid"), 2);
    cr_assert_eq(ctr("tlb.misses.refill"), 3);
    cr_assert_eq(ctr("tlb.hits"), 0);

    /* tlbp of VA 0 / ASID 0 finds all entries: the lowest index wins. */
    wr(CP0_ENTRYHI, 0);
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 0);
    /* tlbr of any entry reads zeros. */
    load_regs(0xFFFFE0FFu, 0x1FFFE000u, 0x03FFFFFFu, 0x03FFFFFFu);
    wr(CP0_INDEX, N - 1);
    mmu->ops->tlb_op(mmu, MMU_TLBR);
    cr_assert_eq(rd(CP0_ENTRYHI), 0);
    cr_assert_eq(rd(CP0_PAGEMASK), 0);
    cr_assert_eq(rd(CP0_ENTRYLO0), 0);
    cr_assert_eq(rd(CP0_ENTRYLO1), 0);
}

Test(tlb, cp0_reset_and_config1_mmusize)
{
    cr_assert_eq(rd(CP0_WIRED), 0);
    cr_assert_eq(rd(CP0_RANDOM), N - 1);
    cr_assert_eq(rd(CP0_INDEX), 0);
    cr_assert_eq(cpu_cp0_read(cpu, CP0_CONFIG, 1) >> 25 & 0x3F, N - 1);
    cr_assert_eq((cpu_cp0_read(cpu, CP0_CONFIG, 0) >> 7) & 7, 1);       /* MT = TLB */
    cr_assert_str_eq(mmu->ops->name, "swtlb");
}

/* ---- register write masks --------------------------------------------------------------- */

Test(tlb, register_write_masks)
{
    wr(CP0_ENTRYHI, 0xFFFFFFFFu);
    cr_assert_eq(rd(CP0_ENTRYHI), 0xFFFFE0FFu);
    wr(CP0_ENTRYLO0, 0xFFFFFFFFu);
    cr_assert_eq(rd(CP0_ENTRYLO0), 0x03FFFFFFu);
    wr(CP0_ENTRYLO1, 0xFFFFFFFFu);
    cr_assert_eq(rd(CP0_ENTRYLO1), 0x03FFFFFFu);
    wr(CP0_PAGEMASK, 0x00006000u);
    cr_assert_eq(rd(CP0_PAGEMASK), 0x00006000u);
    wr(CP0_PAGEMASK, 0x00006000u | 0x1FFFu);           /* low bits ignored */
    cr_assert_eq(rd(CP0_PAGEMASK), 0x00006000u);
    wr(CP0_PAGEMASK, 0x1FFFE000u);
    cr_assert_eq(rd(CP0_PAGEMASK), 0x1FFFE000u);

    /* Index: a power-of-two mask covering N-1; P (bit 31) is not writable. */
    wr(CP0_INDEX, 5);
    cr_assert_eq(rd(CP0_INDEX), 5);
    wr(CP0_INDEX, 0x80000000u | 63);
    cr_assert_eq(rd(CP0_INDEX), 63);
    wr(CP0_INDEX, 64 + 7);
    cr_assert_eq(rd(CP0_INDEX), 7);
    wr(CP0_ENTRYHI, 0x12340000u);                      /* a tlbp miss sets P */
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 0x80000007u);
    wr(CP0_INDEX, 3);
    cr_assert_eq(rd(CP0_INDEX), 0x80000003u);          /* P kept until a tlbp hit */
    wr(CP0_ENTRYHI, 0);
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 0);
}

static void setup48(void) { setup_n(48); }
TestSuite(tlb48, .init = setup48, .fini = teardown);

Test(tlb48, index_mask_for_non_power_of_two)
{
    wr(CP0_INDEX, 47);
    cr_assert_eq(rd(CP0_INDEX), 47);
    wr(CP0_INDEX, 0xFFu);
    cr_assert_eq(rd(CP0_INDEX), 63);                   /* mask 63: 6 bits for 48 entries */
    cr_assert_eq(cpu_cp0_read(cpu, CP0_CONFIG, 1) >> 25 & 0x3F, 47);
}

/* ---- write, probe, read ------------------------------------------------------------------ */

Test(tlb, tlbwi_tlbp_tlbr_round_trip)
{
    tlbwi(9, 0x00402000u | 0x2A, 0, lo(0x00012000u, LO_C(3) | LO_D | LO_V),
          lo(0x00013000u, LO_C(2) | LO_V));
    load_regs(0, 0, 0, 0);

    wr(CP0_ENTRYHI, 0x00403000u | 0x2A);               /* odd page, same pair */
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 9);
    wr(CP0_ENTRYHI, 0x00403000u | 0x2B);               /* other ASID: miss */
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX) & 0x80000000u, 0x80000000u);

    wr(CP0_INDEX, 9);
    mmu->ops->tlb_op(mmu, MMU_TLBR);
    cr_assert_eq(rd(CP0_ENTRYHI), 0x00402000u | 0x2A);
    cr_assert_eq(rd(CP0_PAGEMASK), 0);
    cr_assert_eq(rd(CP0_ENTRYLO0), lo(0x00012000u, LO_C(3) | LO_D | LO_V));
    cr_assert_eq(rd(CP0_ENTRYLO1), lo(0x00013000u, LO_C(2) | LO_V));

    /* G is the AND of both G bits, and reads back in both. */
    tlbwi(10, 0x00800000u | 7, 0x00006000u, lo(0x00100000u, LO_G | LO_V),
          lo(0x00104000u, LO_G | LO_V | LO_D));
    tlbwi(11, 0x00900000u | 7, 0, lo(0x00100000u, LO_G | LO_V), lo(0x00101000u, LO_V));
    wr(CP0_INDEX, 10);
    mmu->ops->tlb_op(mmu, MMU_TLBR);
    cr_assert_eq(rd(CP0_ENTRYHI), 0x00800000u | 7);
    cr_assert_eq(rd(CP0_PAGEMASK), 0x00006000u);
    cr_assert_eq(rd(CP0_ENTRYLO0), lo(0x00100000u, LO_G | LO_V));
    cr_assert_eq(rd(CP0_ENTRYLO1), lo(0x00104000u, LO_G | LO_V | LO_D));
    wr(CP0_INDEX, 11);
    mmu->ops->tlb_op(mmu, MMU_TLBR);
    cr_assert_eq(rd(CP0_ENTRYLO0), lo(0x00100000u, LO_V));
    cr_assert_eq(rd(CP0_ENTRYLO1), lo(0x00101000u, LO_V));

    cr_assert_eq(ctr("tlb.refills.tlbwi"), 3);
    cr_assert_eq(ctr("tlb.tlbp"), 2);
    cr_assert_eq(ctr("tlb.tlbr"), 3);
    cr_assert_eq(ctr("tlb.lookups"), 0);               /* tlbp is not a lookup */
}

Test(tlb, asid_and_global_matching)
{
    tlbwi(1, 0x00400000u | 0x11, 0, lo(0x00020000u, LO_V | LO_D), lo(0x00021000u, LO_V | LO_D));
    tlbwi(2, 0x00800000u | 0x11, 0, lo(0x00030000u, LO_G | LO_V), lo(0x00031000u, LO_G | LO_V));
    set_asid(0x11);
    expect_pa(0x00400123u, MMU_LOAD, 0x00020123u);
    expect_pa(0x00401FFCu, MMU_STORE, 0x00021FFCu);
    expect_pa(0x00800004u, MMU_FETCH, 0x00030004u);
    set_asid(0x22);
    expect_fault(0x00400123u, MMU_LOAD, MMU_REFILL);
    expect_pa(0x00800004u, MMU_LOAD, 0x00030004u);     /* global: any ASID */
    expect_pa(0x00801008u, MMU_LOAD, 0x00031008u);
    /* tlbp honours G too. */
    wr(CP0_ENTRYHI, 0x00801000u | 0x99);
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 2);
    cr_assert_eq(ctr("tlb.lookups"), 6);
    cr_assert_eq(ctr("tlb.hits"), 5);
    cr_assert_eq(ctr("tlb.misses.refill"), 1);
}

Test(tlb, even_odd_invalid_and_mod)
{
    /* Even page valid+dirty, odd page valid clean; another pair with the odd page invalid. */
    tlbwi(3, 0x00600000u, 0, lo(0x00040000u, LO_V | LO_D), lo(0x00041000u, LO_V));
    tlbwi(4, 0x00602000u, 0, lo(0x00042000u, LO_V | LO_D), lo(0x00043000u, LO_D));
    expect_pa(0x00600FFFu, MMU_STORE, 0x00040FFFu);
    expect_pa(0x00601000u, MMU_LOAD, 0x00041000u);
    expect_fault(0x00601000u, MMU_STORE, MMU_MOD);
    expect_pa(0x00602010u, MMU_LOAD, 0x00042010u);
    expect_fault(0x00603010u, MMU_LOAD, MMU_INVALID);
    expect_fault(0x00603010u, MMU_STORE, MMU_INVALID);  /* V is checked before D */
    expect_fault(0x00604000u, MMU_FETCH, MMU_REFILL);
    cr_assert_eq(ctr("tlb.lookups"), 7);
    cr_assert_eq(ctr("tlb.hits"), 3);
    cr_assert_eq(ctr("tlb.misses.mod"), 1);
    cr_assert_eq(ctr("tlb.misses.invalid"), 2);
    cr_assert_eq(ctr("tlb.misses.refill"), 1);
}

Test(tlb, all_page_sizes)
{
    static const struct { uint32_t mask, page; } sz[] = {
        { 0x00000000u, 4u << 10 },   { 0x00006000u, 16u << 10 },  { 0x0001E000u, 64u << 10 },
        { 0x0007E000u, 256u << 10 }, { 0x001FE000u, 1u << 20 },   { 0x007FE000u, 4u << 20 },
        { 0x01FFE000u, 16u << 20 },  { 0x07FFE000u, 64u << 20 },  { 0x1FFFE000u, 256u << 20 },
    };
    for (unsigned i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
        uint32_t page = sz[i].page;
        uint32_t vbase = 2 * page > 0x20000000u ? 0x20000000u : 0x40000000u;  /* 2-page aligned */
        uint32_t pa0 = 0x10000000u, pa1 = 0x80000000u;     /* page-aligned frames */
        /* PFN bits below the page size are ignored: add a stray low bit to each. */
        uint32_t junk = page > 4096 ? 0x1000u : 0;
        tlbwi(i, vbase, sz[i].mask, lo(pa0 + junk, LO_V | LO_D), lo(pa1 + junk, LO_V));
        wr(CP0_INDEX, i);
        mmu->ops->tlb_op(mmu, MMU_TLBR);
        cr_assert_eq(rd(CP0_PAGEMASK), sz[i].mask, "size %u", page);
        uint32_t off = page - 4;
        expect_pa(vbase, MMU_LOAD, pa0);
        expect_pa(vbase + off, MMU_STORE, pa0 + off);
        expect_pa(vbase + page, MMU_LOAD, pa1);
        expect_pa(vbase + page + off, MMU_FETCH, pa1 + off);
        expect_fault(vbase + page + 8, MMU_STORE, MMU_MOD);
        /* Invalidate the entry again (a different VPN2) so the next size has the range. */
        tlbwi(i, 0x7FFFE000u - (i << 13), 0, 0, 0);
    }
    /* Beyond the pair of the largest page: nothing. */
    expect_fault(0x60000000u, MMU_LOAD, MMU_REFILL);
}

Test(tlb, page_size_matching_ignores_masked_vpn_bits)
{
    /* A 16 MiB pair at 0x02000000: any VA in 0x02000000..0x03FFFFFF matches, and tlbp
     * with an EntryHi anywhere inside finds it. */
    tlbwi(20, 0x02000000u, 0x01FFE000u, lo(0x04000000u, LO_V), lo(0x05000000u, LO_V));
    expect_pa(0x02ABC000u, MMU_LOAD, 0x04ABC000u);
    expect_pa(0x03FFFFFCu, MMU_LOAD, 0x05FFFFFCu);
    expect_fault(0x04000000u, MMU_LOAD, MMU_REFILL);
    wr(CP0_PAGEMASK, 0);
    wr(CP0_ENTRYHI, 0x03456000u);
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 20);
}

Test(tlb, lowest_index_wins_on_duplicates)
{
    tlbwi(30, 0x00700000u, 0, lo(0x00050000u, LO_V), lo(0x00051000u, LO_V));
    tlbwi(12, 0x00700000u, 0, lo(0x00060000u, LO_V), lo(0x00061000u, LO_V));
    tlbwi(40, 0x00700000u, 0, lo(0x00070000u, LO_V), lo(0x00071000u, LO_V));
    expect_pa(0x00700004u, MMU_LOAD, 0x00060004u);
    wr(CP0_ENTRYHI, 0x00700000u);
    mmu->ops->tlb_op(mmu, MMU_TLBP);
    cr_assert_eq(rd(CP0_INDEX), 12);
    /* A larger page at a lower index covering the same VA wins too. */
    tlbwi(5, 0x00600000u, 0x001FE000u, lo(0x00200000u, LO_V), lo(0x00300000u, LO_V));
    expect_pa(0x00700004u, MMU_LOAD, 0x00300004u);
    /* Rewriting index 5 elsewhere brings index 12 back. */
    tlbwi(5, 0x10000000u, 0, 0, 0);
    expect_pa(0x00700004u, MMU_LOAD, 0x00060004u);
}

/* ---- Random and Wired ----------------------------------------------------------------------- */

Test(tlb, random_stays_in_wired_to_n_minus_1)
{
    static const uint32_t wired[] = { 0, 1, 8, 62, 63, 64, 64 + 10, 0xFFFFFFFFu };
    for (unsigned w = 0; w < sizeof(wired) / sizeof(wired[0]); w++) {
        wr(CP0_WIRED, wired[w]);
        uint32_t want_w = wired[w] % N;
        cr_assert_eq(rd(CP0_WIRED), want_w, "write %#x", wired[w]);
        cr_assert_eq(rd(CP0_RANDOM), N - 1, "Random after a Wired write is N-1");
        unsigned seen_lo = 0, seen_hi = 0;
        for (unsigned k = 0; k < 2 * N; k++) {             /* every value of a full cycle */
            cpu->cycles_extra += 1;
            uint32_t r = rd(CP0_RANDOM);
            cr_assert(r >= want_w && r <= N - 1, "wired %u: random %u", want_w, r);
            seen_lo |= r == want_w;
            seen_hi |= r == N - 1;
        }
        cr_assert(seen_lo && seen_hi, "wired %u: range not covered", want_w);
        for (unsigned k = 0; k < 1000; k++) {               /* and arbitrary jumps */
            cpu->cycles_extra += 1 + (uint64_t)k * 7919u;
            uint32_t r = rd(CP0_RANDOM);
            cr_assert(r >= want_w && r <= N - 1, "wired %u: random %u", want_w, r);
        }
    }
}

Test(tlb, tlbwr_writes_at_random_and_never_below_wired)
{
    wr(CP0_WIRED, 60);
    for (unsigned k = 0; k < 16; k++) {
        cpu->cycles_extra += 3;
        uint32_t r = rd(CP0_RANDOM);
        load_regs(0x01000000u + (k << 13), 0, lo(0x00080000u, LO_V), lo(0x00081000u, LO_V));
        mmu->ops->tlb_op(mmu, MMU_TLBWR);
        wr(CP0_ENTRYHI, 0x01000000u + (k << 13));
        mmu->ops->tlb_op(mmu, MMU_TLBP);
        cr_assert_eq(rd(CP0_INDEX), r, "k %u", k);
        cr_assert(r >= 60 && r <= 63);
    }
    cr_assert_eq(ctr("tlb.refills.tlbwr"), 16);
    /* Entries 0..59 are untouched (still the reset entry). */
    wr(CP0_INDEX, 59);
    mmu->ops->tlb_op(mmu, MMU_TLBR);
    cr_assert_eq(rd(CP0_ENTRYHI), 0);
}

/* ---- exceptions through the CPU ------------------------------------------------------------- */

Test(tlb, refill_invalid_mod_exceptions_and_vectors)
{
    set_asid(0x33);
    tlbwi(7, 0x00402000u | 0x33, 0, lo(0x00010000u, LO_V), 0);
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);              /* kernel, BEV=0, EXL=0 */
    cpu_cp0_write(cpu, CP0_CONTEXT, 0, 0xFF800000u);   /* PTEBase */
    uint32_t v;

    /* Refill, EXL=0: vector EBase+0x000, EntryHi.VPN2 and Context.BadVPN2 set, ASID kept. */
    cpu->pc = 0x80001000u;
    cr_assert_not(cpu_load_slow(cpu, 0x12345678u, 4, &v));
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    cr_assert_eq(cpu->pc, 0x80000000u);
    cr_assert_eq(cpu->cp0.epc, 0x80001000u);
    cr_assert_eq(cpu->cp0.badvaddr, 0x12345678u);
    cr_assert_eq(rd(CP0_ENTRYHI), 0x12344000u | 0x33);
    cr_assert_eq(rd(CP0_CONTEXT), 0xFF800000u | (0x12345678u >> 13) << 4);

    /* Refill with EXL=1 (nested): general vector, EPC unchanged. */
    cpu->pc = 0x80000010u;
    cr_assert_not(cpu_store_slow(cpu, 0x00ABC000u, 4, 1));
    cr_assert_eq(fx_exccode(&fx), EXC_TLBS);
    cr_assert_eq(cpu->pc, 0x80000180u);
    cr_assert_eq(cpu->cp0.epc, 0x80001000u);
    cr_assert_eq(cpu->cp0.badvaddr, 0x00ABC000u);

    /* Invalid (odd page V=0): general vector even with EXL=0. */
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);
    cpu->pc = 0x80001004u;
    cr_assert_not(cpu_load_slow(cpu, 0x00403010u, 4, &v));
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    cr_assert_eq(cpu->pc, 0x80000180u);
    cr_assert_eq(cpu->cp0.badvaddr, 0x00403010u);
    cr_assert_eq(rd(CP0_ENTRYHI), 0x00402000u | 0x33);

    /* Mod: store to the clean even page. */
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);
    cpu->pc = 0x80001008u;
    cr_assert_not(cpu_store_slow(cpu, 0x00402008u, 2, 1));
    cr_assert_eq(fx_exccode(&fx), EXC_MOD);
    cr_assert_eq(cpu->pc, 0x80000180u);
    cr_assert_eq(cpu->cp0.epc, 0x80001008u);
    cr_assert_eq(cpu->cp0.badvaddr, 0x00402008u);

    /* A load from the clean page works. */
    memcpy(fx.ram + 0x00010008u, "\x11\x22\x33\x44", 4);
    cr_assert(cpu_load_slow(cpu, 0x00402008u, 4, &v));
    cr_assert_eq(v, 0x44332211u);

    cr_assert_eq(cpu->n.exceptions[EXC_TLBL], 2);
    cr_assert_eq(cpu->n.exceptions[EXC_TLBS], 1);
    cr_assert_eq(cpu->n.exceptions[EXC_MOD], 1);
    cr_assert_eq(ctr("tlb.misses.refill"), 2);
    cr_assert_eq(ctr("tlb.misses.invalid"), 1);
    cr_assert_eq(ctr("tlb.misses.mod"), 1);
    cr_assert_eq(ctr("tlb.hits"), 1);
    cr_assert_eq(ctr("tlb.lookups"), 5);
}

#define I_(op, rs, rt, imm) \
    ((uint32_t)(op) << 26 | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | ((uint32_t)(imm) & 0xFFFFu))
#define LW(t, o, b) I_(35, b, t, o)
#define SW(t, o, b) I_(43, b, t, o)
#define ADDIU(t, s, i) I_(9, s, t, i)
#define MTC0(t, rd, sel) (0x40800000u | (uint32_t)(t) << 16 | (uint32_t)(rd) << 11 | (sel))
#define MFC0(t, rd, sel) (0x40000000u | (uint32_t)(t) << 16 | (uint32_t)(rd) << 11 | (sel))
#define TLBWR 0x42000006u
#define TLBWI 0x42000002u
#define TLBP 0x42000008u
#define TLBR 0x42000001u
#define ERET 0x42000018u
#define SDBBP1 0x7000007Fu
enum { T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, K0 = 26, K1 = 27 };

Test(tlb, interpreter_refill_handler_with_tlbwr)
{
    /* A refill handler that writes EntryLo0/1 from $k1-derived values and tlbwr's: the
     * faulting load is retried and succeeds; the second load hits the translation cache. */
    static const uint32_t handler[] = {
        MTC0(K0, CP0_ENTRYLO0, 0), MTC0(K1, CP0_ENTRYLO1, 0), TLBWR, ERET,
    };
    static const uint32_t prog[] = {
        LW(T1, 0x10, T0), LW(T2, 0x14, T0), SW(T2, 0x1010, T0), LW(T3, 0x1010, T0),
        MFC0(T4, CP0_INDEX, 0), SDBBP1,
    };
    fx_put(&fx, 0x000, handler, 4);
    fx_put(&fx, 0x180, (const uint32_t[]){ SDBBP1 }, 1);
    fx_put(&fx, 0x10000, prog, 6);
    memcpy(fx.ram + 0x50010, "\x01\x00\x00\x00\x02\x00\x00\x00", 8);
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);
    cpu->gpr[T0] = 0x00400000u;
    cpu->gpr[K0] = lo(0x00050000u, LO_V | LO_D | LO_G);
    cpu->gpr[K1] = lo(0x00051000u, LO_V | LO_D | LO_G);
    cpu_cp0_write(cpu, CP0_WIRED, 0, 0);
    cr_assert_eq(fx_run_at(&fx, 0x80010000u, 10000), CPU_STOP_EXIT, "pc %#x cause %#x", cpu->pc,
                 cpu->cp0.cause);
    cr_assert_eq(cpu->gpr[T1], 1);
    cr_assert_eq(cpu->gpr[T2], 2);
    cr_assert_eq(cpu->gpr[T3], 2);
    cr_assert_eq(memcmp(fx.ram + 0x51010, "\x02\x00\x00\x00", 4), 0);
    cr_assert_eq(cpu->n.exceptions[EXC_TLBL], 1);
    cr_assert_eq(ctr("tlb.misses.refill"), 1);
    cr_assert_eq(ctr("tlb.refills.tlbwr"), 1);
    /* Lookups: the faulting load, its retry, the store (other page of the pair) and the
     * reload of the stored word (a store fills only the write tag). The second load is served
     * by the translation cache. */
    cr_assert_eq(ctr("tlb.lookups"), 4);
    cr_assert_eq(ctr("tlb.hits"), 3);
    cr_assert_eq(cpu->icount, 1 + 4 + 6);
}

Test(tlb, tlbwi_over_a_cached_translation_takes_effect)
{
    /* Load through the translation cache, remap the page with tlbwi (as an instruction),
     * load again: the new frame is read. */
    static const uint32_t prog[] = {
        LW(T1, 0, T0), MTC0(K0, CP0_ENTRYLO0, 0), TLBWI, LW(T2, 0, T0), TLBP,
        MFC0(T3, CP0_INDEX, 0), TLBR, MFC0(T4, CP0_ENTRYLO0, 0), SDBBP1,
    };
    fx_put(&fx, 0x10000, prog, sizeof(prog) / 4);
    memcpy(fx.ram + 0x60000, "\xAA\x00\x00\x00", 4);
    memcpy(fx.ram + 0x70000, "\xBB\x00\x00\x00", 4);
    tlbwi(13, 0x00400000u, 0, lo(0x00060000u, LO_V | LO_G), lo(0x00061000u, LO_V | LO_G));
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);
    cpu->gpr[T0] = 0x00400000u;
    cpu->gpr[K0] = lo(0x00070000u, LO_V | LO_G);
    cr_assert_eq(fx_run_at(&fx, 0x80010000u, 10000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->gpr[T1], 0xAA);
    cr_assert_eq(cpu->gpr[T2], 0xBB);
    cr_assert_eq(cpu->gpr[T3], 13);
    cr_assert_eq(cpu->gpr[T4], lo(0x00070000u, LO_V | LO_G));
}

Test(tlb, asid_change_hides_cached_translation)
{
    /* A non-global mapping cached for ASID 1; switch to ASID 2: refill, not a stale hit. */
    static const uint32_t prog[] = { LW(T1, 0, T0), MTC0(K0, CP0_ENTRYHI, 0), LW(T2, 0, T0), SDBBP1 };
    fx_put(&fx, 0x10000, prog, 4);
    fx_put(&fx, 0x000, (const uint32_t[]){ SDBBP1 }, 1);
    memcpy(fx.ram + 0x60000, "\xAA\x00\x00\x00", 4);
    tlbwi(13, 0x00400000u | 1, 0, lo(0x00060000u, LO_V), lo(0x00061000u, LO_V));
    set_asid(1);
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);
    cpu->gpr[T0] = 0x00400000u;
    cpu->gpr[T2] = 0x5555;
    cpu->gpr[K0] = 2;
    cr_assert_eq(fx_run_at(&fx, 0x80010000u, 10000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->gpr[T1], 0xAA);
    cr_assert_eq(cpu->gpr[T2], 0x5555);
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    cr_assert_eq(cpu->pc, 0x80000000u);
    cr_assert_eq(cpu->cp0.epc, 0x80010008u);
}

Test(tlb, counters_registered_with_exact_names)
{
    static const char *const names[] = {
        "tlb.lookups", "tlb.hits", "tlb.misses.refill", "tlb.misses.invalid", "tlb.misses.mod",
        "tlb.refills.tlbwr", "tlb.refills.tlbwi", "tlb.tlbp", "tlb.tlbr",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        cr_assert_eq(stats_get(&fx.st, names[i]), 0, "%s", names[i]);
}
