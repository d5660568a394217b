/* tests/test_pw_nested.c - the pagewalk personality's nested mode (pagewalk/nested.c,
 * docs/pagewalk.md "Nested mode") on a real CPU.
 *
 * Each test builds a nested table (GPA -> machine) and a guest's own tables (in guest-
 * physical space, reached through the nested table), then calls the personality's
 * translate() directly (or the CPU's slow path, for the exit) and asserts exact results.
 *
 * What is an invariant and what is a recorded figure: the reference counts of the 2D walks
 * are the formula n·m + n + m (n guest levels, m nested levels) and its reductions by the
 * caches, derived by hand in each test's comment, so they are invariants of the design, not
 * recorded outputs. Guest entries are created with A (and D) set unless a test is about
 * A/D, so that a walk reads and never writes and the formula holds exactly.
 *
 * Machine RAM (8 MiB): nested page directory NPD, nested page tables NPT0 (GPA 0..4 MiB) and
 * NPT1 (GPA 4..8 MiB). With 4 KiB nested pages, GPA g lives at machine g + SHIFT. Guest
 * page directory at GPA GPD, guest page table for VA 0..4 MiB at GPA GPT0. */
#include <criterion/criterion.h>

#include <string.h>

#include "core/cp0.h"
#include "fixture.h"
#include "pagewalk/pw.h"

#define RAM_BYTES (8u << 20)
#define NPD   0x00010000u
#define NPT0  0x00011000u
#define NPT1  0x00012000u
#define SHIFT 0x00100000u        /* machine = GPA + SHIFT for 4 KiB nested pages */
#define GPD   0x00001000u
#define GPT0  0x00002000u
#define PRW   (PW_P | PW_RW)
#define GDIR  (PW_P | PW_RW | PW_US | PW_A)              /* guest PDE, A already set */
#define GLEAF (PW_P | PW_RW | PW_US | PW_A | PW_D)       /* guest PTE, A and D already set */
#define C     20u                /* cost.walker_memref in the default cost model */

static struct fx fx;
static struct cpu *cpu;
static struct mmu *mmu;

static uint32_t rd32(uint32_t pa) { uint32_t v; memcpy(&v, fx.ram + pa, 4); return v; }
static void wr32(uint32_t pa, uint32_t v) { memcpy(fx.ram + pa, &v, 4); }

/* Nested table: GPA 0..8 MiB in 4 KiB pages at machine GPA + SHIFT, writable (flags). */
static void nested_map_all(uint32_t flags)
{
    wr32(NPD + 0, NPT0 | PRW);
    wr32(NPD + 4, NPT1 | PRW);
    for (uint32_t g = 0; g < (8u << 20); g += 0x1000)
        wr32((g < (4u << 20) ? NPT0 : NPT1) + ((g >> 12) & 0x3FF) * 4, (g + SHIFT) | flags);
}

static void nested_map_page(uint32_t gpa, uint32_t flags)
{
    wr32((gpa < (4u << 20) ? NPT0 : NPT1) + ((gpa >> 12) & 0x3FF) * 4,
         ((gpa & PW_FRAME_4K) + SHIFT) | flags);
}

/* A guest-physical word, written where the nested table (4 KiB pages) puts it. */
static void gwr(uint32_t gpa, uint32_t v) { wr32(gpa + SHIFT, v); }
static uint32_t grd(uint32_t gpa) { return rd32(gpa + SHIFT); }

static void guest_map_4k(uint32_t va, uint32_t gframe, uint32_t flags)
{
    gwr(GPD + (va >> 22) * 4, GPT0 | GDIR);
    gwr(GPT0 + ((va >> 12) & 0x3FF) * 4, gframe | flags);
}

static void setup_opts(int pwc, int ntlb, int large)
{
    struct pw_config cfg = { .tlb_entries = 64, .tlb_ways = 4 };
    struct pw_nested_config nc = { .pwc = pwc, .ntlb = ntlb, .large = large };
    fx_setup(&fx, RAM_BYTES, 64, &cfg);
    cpu = fx.cpu;
    mmu = fx.mmu;
    pw_mmu_nested(mmu, 1, &nc);
    pw_mmu_set_nroot(mmu, NPD);
    pw_mmu_set_guest_regs(mmu, GPD, 0);
}

static void teardown(void) { fx_teardown(&fx); }
static void setup_plain(void) { setup_opts(0, 0, 0); }
static void setup_pwc(void) { setup_opts(1, 0, 0); }
static void setup_ntlb(void) { setup_opts(0, 1, 0); }
static void setup_large(void) { setup_opts(0, 0, 1); }

static int64_t ctr(const char *name)
{
    int64_t v = stats_get(&fx.st, name);
    cr_assert_neq(v, -1, "no counter %s", name);
    return v;
}

static int tr(uint32_t va, int access, uint32_t *pa)
{
    *pa = 0xDEADBEEFu;
    return mmu->ops->translate(mmu, va, access, 0, pa);
}

static void expect_pa(uint32_t va, int access, uint32_t want)
{
    uint32_t pa;
    int rc = tr(va, access, &pa);
    cr_assert_eq(rc, MMU_OK, "va %#x: fault %d (gpa %#x, npf %#x)", va, rc, pa, mmu->exit_info);
    cr_assert_eq(pa, want, "va %#x: pa %#x, want %#x", va, pa, want);
}

/* The references of the walk(s) since the last call: guest, nested, total; and cycles. */
static int64_t last_g, last_n, last_m;
static void expect_refs(int64_t guest, int64_t nested)
{
    int64_t g = ctr("pw.nested.guest_refs") - last_g, n = ctr("pw.nested.nested_refs") - last_n;
    int64_t m = ctr("pw.memrefs") - last_m;
    cr_assert_eq(g, guest, "guest refs %lld, want %lld", (long long)g, (long long)guest);
    cr_assert_eq(n, nested, "nested refs %lld, want %lld", (long long)n, (long long)nested);
    cr_assert_eq(m, guest + nested);
    last_g += g;
    last_n += n;
    last_m += m;
}

/* ---- the two-dimensional walk: n·m + n + m ------------------------------------------ */

TestSuite(pwn, .init = setup_plain, .fini = teardown);

Test(pwn, walk_4k_over_4k_is_n_m_plus_n_plus_m)
{
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    /* n = m = 2: guest PDE's GPA (2 nested) + PDE (1 guest) + PTE's GPA (2) + PTE (1) +
     * data GPA (2) = 2·2 + 2 + 2 = 8. */
    expect_pa(0x5123, MMU_LOAD, 0x7123 + SHIFT);
    expect_refs(2, 6);
    cr_assert_eq(cpu->cycles_extra, 8 * C);
    cr_assert_eq(ctr("pw.nested.walks_2d"), 1);
    cr_assert_eq(ctr("pw.walks"), 1);
    /* The TLB holds GVA -> machine: a second access is a hit, no reference. */
    expect_pa(0x5FFC, MMU_STORE, 0x7FFC + SHIFT);
    expect_refs(0, 0);
    cr_assert_eq(ctr("pw.hits"), 1);
}

Test(pwn, guest_4m_page_over_4k_nested_is_splintered)
{
    nested_map_all(PRW);
    gwr(GPD + 1 * 4, 0x00400000u | GLEAF | PW_PS);      /* VA 4..8 MiB -> GPA 4..8 MiB */
    /* n = 1, m = 2: 1·2 + 1 + 2 = 5. The nested page is 4 KiB, so the TLB entry is too. */
    expect_pa(0x00456789, MMU_LOAD, 0x00456789 + SHIFT);
    expect_refs(1, 4);
    cr_assert_eq(ctr("pw.nested.splintered"), 1);
    uint32_t pa;
    cr_assert_eq(pw_mmu_probe(mmu, 0x00457000, &pa), -1);      /* only the 4 KiB piece */
    expect_pa(0x00457000, MMU_LOAD, 0x00457000 + SHIFT);        /* another walk */
    expect_refs(1, 4);
}

Test(pwn, a_and_d_write_backs_are_guest_references)
{
    nested_map_all(PRW);
    gwr(GPD, GPT0 | PW_P | PW_RW | PW_US);                  /* A clear */
    gwr(GPT0 + 5 * 4, 0x7000 | PW_P | PW_RW | PW_US);       /* A and D clear */
    /* 8 reads + PDE.A + PTE.A|D (one write) = 10; the writes use the read's translation. */
    expect_pa(0x5000, MMU_STORE, 0x7000 + SHIFT);
    expect_refs(4, 6);
    cr_assert_eq(grd(GPD), GPT0 | GDIR);
    cr_assert_eq(grd(GPT0 + 5 * 4), 0x7000 | GLEAF);
    cr_assert_eq(ctr("pw.a_set"), 2);
    cr_assert_eq(ctr("pw.d_set"), 1);
}

Test(pwn, guest_page_fault_is_the_guests)
{
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF & ~PW_RW);
    gwr(GPT0 + 6 * 4, 0);
    uint32_t pa;
    cr_assert_eq(tr(0x6000, MMU_LOAD, &pa), MMU_PAGEFAULT);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), 0);
    expect_refs(2, 4);                  /* no data GPA: the guest walk failed */
    cr_assert_eq(tr(0x5000, MMU_STORE, &pa), MMU_PAGEFAULT);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), PW_PFERR_P | PW_PFERR_W);
    cr_assert_eq(ctr("pw.nested.faults"), 0);
    cr_assert_eq(ctr("pw.faults.not_present"), 1);
    cr_assert_eq(ctr("pw.faults.protection"), 1);
}

/* ---- nested faults: the exit -------------------------------------------------------- */

Test(pwn, nested_fault_on_the_data_page)
{
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    nested_map_page(0x7000, 0);                              /* not present */
    uint32_t pa;
    cr_assert_eq(tr(0x5010, MMU_FETCH, &pa), MMU_NESTED);
    cr_assert_eq(pa, 0x7010);                                /* the GPA */
    cr_assert_eq(mmu->exit_info, PW_NPF_I);
    cr_assert_eq(ctr("pw.nested.faults"), 1);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), 0);   /* the guest saw nothing */
    expect_refs(2, 6);
    /* The VMM maps the page read-only (adding needs no invalidation): a load works, a store
     * exits with P|W. */
    nested_map_page(0x7000, PW_P);
    expect_pa(0x5010, MMU_LOAD, 0x7010 + SHIFT);
    cr_assert_eq(tr(0x5010, MMU_STORE, &pa), MMU_NESTED);
    cr_assert_eq(pa, 0x7010);
    cr_assert_eq(mmu->exit_info, PW_NPF_P | PW_NPF_W);
    cr_assert_eq(ctr("pw.nested.faults"), 2);
}

Test(pwn, nested_fault_on_a_guest_table_and_its_a_write_back)
{
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    nested_map_page(GPT0, 0);
    uint32_t pa;
    cr_assert_eq(tr(0x5000, MMU_LOAD, &pa), MMU_NESTED);
    cr_assert_eq(pa, GPT0 + 5 * 4);
    cr_assert_eq(mmu->exit_info, PW_NPF_WALK);
    expect_refs(1, 4);                  /* PDE's GPA, PDE, PTE's GPA (its nested PTE read) */
    /* The guest PTE is read-only in the nested table and its A is clear: the write-back is
     * a nested write fault and the guest entry stays as it was. */
    nested_map_page(GPT0, PW_P);
    gwr(GPT0 + 5 * 4, 0x7000 | PW_P | PW_RW | PW_US);
    cr_assert_eq(tr(0x5000, MMU_LOAD, &pa), MMU_NESTED);
    cr_assert_eq(pa, GPT0 + 5 * 4);
    cr_assert_eq(mmu->exit_info, PW_NPF_WALK | PW_NPF_P | PW_NPF_W);
    cr_assert_eq(grd(GPT0 + 5 * 4), 0x7000 | PW_P | PW_RW | PW_US);
}

/* A hypervisor's exception hook: keeps the exit. */
static void hook(struct cpu *c, const struct cpu_exc *e)
{
    *(struct cpu_exc *)c->exception_ctx = *e;
}

Test(pwn, exit_reaches_the_hypervisor_with_the_gpa)
{
    static struct cpu_exc got;
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    nested_map_page(0x7000, 0);
    cpu->exception = hook;
    cpu->exception_ctx = &got;
    uint32_t v;
    cr_assert(!cpu_load_slow(cpu, 0x5008, 4, &v));
    cr_assert_eq(got.code, EXC_NPF);
    cr_assert_eq(got.gpa, 0x7008);
    cr_assert_eq(got.npf, 0);
    cr_assert_eq(got.badvaddr, 0x5008);
}

/* ---- large nested pages --------------------------------------------------------------- */

TestSuite(pwn_large, .init = setup_large, .fini = teardown);

Test(pwn_large, nested_4m_pages_make_m_one)
{
    /* GPA 0..4 MiB -> machine 4..8 MiB, GPA 4..8 MiB -> machine 0..4 MiB, both 4 MiB. */
    wr32(NPD + 0, 0x00400000u | PRW | PW_PS);
    wr32(NPD + 4, 0x00000000u | PRW | PW_PS);
    wr32(0x00400000u + GPD, GPT0 | GDIR);
    wr32(0x00400000u + GPT0 + 5 * 4, 0x7000 | GLEAF);
    wr32(0x00400000u + GPD + 4, 0x00400000u | GLEAF | PW_PS);
    /* n = 2, m = 1: 2·1 + 2 + 1 = 5. */
    expect_pa(0x5004, MMU_LOAD, 0x00407004);
    expect_refs(2, 3);
    /* n = m = 1: 1 + 1 + 1 = 3, and the TLB entry is 4 MiB. */
    expect_pa(0x00512345, MMU_LOAD, 0x00112345);
    expect_refs(1, 2);
    expect_pa(0x007FFFFC, MMU_LOAD, 0x003FFFFC);
    expect_refs(0, 0);
    cr_assert_eq(ctr("pw.nested.splintered"), 0);
}

Test(pwn, large_nested_page_while_off_is_reserved)
{
    wr32(NPD + 0, 0x00400000u | PRW | PW_PS);
    uint32_t pa;
    cr_assert_eq(tr(0x5000, MMU_LOAD, &pa), MMU_NESTED);
    cr_assert_eq(pa, GPD);
    cr_assert_eq(mmu->exit_info, PW_NPF_RSVD | PW_NPF_WALK);
    expect_refs(0, 1);
}

/* ---- the page-walk cache -------------------------------------------------------------- */

TestSuite(pwn_pwc, .init = setup_pwc, .fini = teardown);

Test(pwn_pwc, guest_and_nested_pdes_cached)
{
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    guest_map_4k(0x6000, 0x8000, GLEAF);
    /* First walk: PDE's GPA 2 nested (NPD[0] cached), PDE 1, PTE's GPA 1 (NPD[0] hit),
     * PTE 1, data 1 (hit) = 6. */
    expect_pa(0x5000, MMU_LOAD, 0x7000 + SHIFT);
    expect_refs(2, 4);
    cr_assert_eq(ctr("pw.nested.pwc_nested_hits"), 2);
    /* Second page, same guest PDE: guest PDE from the cache (0), PTE's GPA 1, PTE 1,
     * data 1 = 3 = n + m - 1 with m reduced to 1 by the nested PDE. */
    expect_pa(0x6000, MMU_LOAD, 0x8000 + SHIFT);
    expect_refs(1, 2);
    cr_assert_eq(ctr("pw.nested.pwc_guest_hits"), 1);
    cr_assert_eq(ctr("pw.nested.pwc_nested_hits"), 4);
    /* A guest PTBase write empties the guest part only: 2 + 1 + 1 + 1 + 1 = 6 again minus
     * the nested PDE the cache still holds for the PDE's GPA (1 instead of 2): 5. */
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, GPD);
    expect_pa(0x6000, MMU_LOAD, 0x8000 + SHIFT);
    expect_refs(2, 3);
    /* INVEPT empties everything: 6 as in the first walk. */
    pw_mmu_nested_invalidate(mmu);
    expect_pa(0x6000, MMU_LOAD, 0x8000 + SHIFT);
    expect_refs(2, 4);
    cr_assert_eq(ctr("pw.nested.invalidations"), 1);
}

/* ---- the nested TLB ------------------------------------------------------------------- */

TestSuite(pwn_ntlb, .init = setup_ntlb, .fini = teardown);

Test(pwn_ntlb, nested_translations_cached)
{
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    guest_map_4k(0x6000, 0x8000, GLEAF);
    expect_pa(0x5000, MMU_LOAD, 0x7000 + SHIFT);            /* 8, three nested misses */
    expect_refs(2, 6);
    cr_assert_eq(ctr("pw.nested.ntlb_misses"), 3);
    /* PDE's and PTE's GPAs hit (0 nested each), the new data page misses (2): 4. */
    expect_pa(0x6000, MMU_LOAD, 0x8000 + SHIFT);
    expect_refs(2, 2);
    cr_assert_eq(ctr("pw.nested.ntlb_hits"), 2);
    /* InvlPg drops the TLB entry, not the nested TLB: n = 2 references. */
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_INVLPG, 0x5000);
    expect_pa(0x5000, MMU_LOAD, 0x7000 + SHIFT);
    expect_refs(2, 0);
    cr_assert_eq(ctr("pw.nested.ntlb_hits"), 5);
    /* A read-only nested TLB entry does not serve a store: the nested walk decides. */
    nested_map_page(0x7000, PW_P);
    pw_mmu_nested_invalidate(mmu);
    expect_pa(0x5000, MMU_LOAD, 0x7000 + SHIFT);
    uint32_t pa;
    cr_assert_eq(tr(0x5000, MMU_STORE, &pa), MMU_NESTED);
    cr_assert_eq(mmu->exit_info, PW_NPF_P | PW_NPF_W);
}

/* ---- guest-unpaged regions, the guest's registers --------------------------------------- */

Test(pwn, direct_region_is_a_one_dimensional_walk)
{
    nested_map_all(PRW);
    uint32_t base[8] = { 0 };
    pw_mmu_set_direct(mmu, 1u << 4, base);                 /* VA 0x80000000.. -> GPA 0.. */
    expect_pa(0x80007ABC, MMU_STORE, 0x7ABC + SHIFT);
    expect_refs(0, 2);                                       /* m = 2 */
    cr_assert_eq(ctr("pw.nested.walks_direct"), 1);
    cr_assert_eq(ctr("pw.nested.walks_2d"), 0);
    /* A guest-physical mapping, not a combined one: the TLB does not hold it (the guest's
     * unmapped segment must not evict its translations), so the next miss walks again. */
    uint32_t pa;
    cr_assert_eq(pw_mmu_probe(mmu, 0x80007ABC, &pa), -1);
    expect_pa(0x80007000, MMU_LOAD, 0x7000 + SHIFT);
    expect_refs(0, 2);
    /* A nested fault in the region: the exit, with the GPA. */
    nested_map_page(0x9000, 0);
    cr_assert_eq(tr(0x80009004, MMU_LOAD, &pa), MMU_NESTED);
    cr_assert_eq(pa, 0x9004);
    cr_assert_eq(mmu->exit_info, 0);
}

Test(pwn, guest_cp0_served_without_a_trap_only_in_nested_mode)
{
    const struct mmu_ops *o = mmu->ops;
    cr_assert(o->cp0_unprivileged(mmu, PW_CP0_REG, PW_SEL_PTBASE, TC_SUPER));
    cr_assert(o->cp0_unprivileged(mmu, PW_CP0_REG, PW_SEL_INVLPG, TC_SUPER));
    cr_assert(o->cp0_unprivileged(mmu, PW_CP0_REG, PW_SEL_PFERR, TC_SUPER));
    cr_assert(!o->cp0_unprivileged(mmu, PW_CP0_REG, PW_SEL_PTBASE, TC_USER));
    cr_assert(!o->cp0_unprivileged(mmu, CP0_STATUS, 0, TC_SUPER));
    uint32_t ptbase, pferr;
    pw_mmu_guest_regs(mmu, &ptbase, &pferr);
    cr_assert_eq(ptbase, GPD);
    pw_mmu_nested(mmu, 0, NULL);
    cr_assert(!o->cp0_unprivileged(mmu, PW_CP0_REG, PW_SEL_PTBASE, TC_SUPER));
}

/* Stops the CPU at its first exception, keeping it. */
static void stop_hook(struct cpu *c, const struct cpu_exc *e)
{
    *(struct cpu_exc *)c->exception_ctx = *e;
    cpu_request_stop(c, CPU_STOP_EXIT, 0);
}

Test(pwn, interpreter_guest_kernel_writes_and_reads_ptbase_without_a_trap)
{
    /* Guest kernel code (hardware supervisor mode) at VA 0x5000 -> GPA 0x7000: writes
     * PTBase, reads it back and PFErr, then reads Status, which traps (CpU) as usual. */
    static const uint32_t prog[] = {
        0x34080000u | 0x3000,                   /* ori t0, zero, 0x3000 */
        0x40880000u | 22u << 11,                /* mtc0 t0, $22, 0 (PTBase) */
        0x40090000u | 22u << 11,                /* mfc0 t1, $22, 0 */
        0x400A0000u | 22u << 11 | 2,            /* mfc0 t2, $22, 2 (PFErr) */
        0x400B0000u | 12u << 11,                /* mfc0 t3, $12, 0 (Status): CpU */
        0,
    };
    static struct cpu_exc got;
    nested_map_all(PRW);
    guest_map_4k(0x5000, 0x7000, GLEAF);
    /* The new PTBase's directory maps the code too. */
    gwr(0x3000, GPT0 | GDIR);
    for (unsigned i = 0; i < sizeof(prog) / 4; i++)
        gwr(0x7000 + 4 * i, prog[i]);
    cpu_phys_written(cpu, 0x7000 + SHIFT, sizeof(prog));
    cpu->exception = stop_hook;
    cpu->exception_ctx = &got;
    cpu_cp0_write(cpu, CP0_STATUS, 0, (cpu->cp0.status & ~(ST_BEV | ST_ERL | ST_EXL)) | (1u << 3));
    cr_assert_eq(fx_run_at(&fx, 0x5000, 100), CPU_STOP_EXIT);
    cr_assert_eq(got.code, EXC_CPU);
    cr_assert_eq(cpu->pc, 0x5010);
    cr_assert_eq(cpu->gpr[9], 0x3000);
    cr_assert_eq(cpu->gpr[10], 0);
    cr_assert_eq(ctr("pw.flushes.ptbase"), 1);  /* the guest's (set-up used pw_mmu_set_guest_regs) */
    cr_assert_eq(cpu->n.exceptions[EXC_CPU], 1);
}
