/* tests/test_pagewalk.c — the pagewalk personality (pagewalk/pw.c) on a real CPU.
 *
 * Each test builds x86 32-bit page tables in the RAM buffer, then calls the personality's
 * translate() directly (or the CPU's memory slow paths, for the exception integration) and
 * asserts exact results: physical addresses, PFErr, PDE/PTE values after A/D write-back,
 * and counters. The emulator is deterministic, so every count is exact.
 *
 * RAM layout used throughout (2 MiB): page directory at PD, page table for VA 0..4 MiB at
 * PT0, page table for VA 0xC0000000.. (sseg) at PT_S. Data frames are arbitrary PAs: only
 * the walker's own references must be in RAM. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "core/cp0.h"
#include "fixture.h"
#include "pagewalk/pw.h"

#define RAM_BYTES (2u << 20)
#define PD   0x00001000u
#define PT0  0x00002000u
#define PT_S 0x00003000u
#define PRW  (PW_P | PW_RW)
#define PRWU (PW_P | PW_RW | PW_US)
#define C    20u                 /* cost.walker_memref in the default cost model */

static struct fx fx;
static struct cpu *cpu;                             /* fx.cpu */
static struct mmu *mmu;                             /* fx.mmu */

/* The pagewalk personality with a TLB of entries / ways, PTBase = PD. */
static void setup_geometry(unsigned entries, unsigned ways)
{
    struct pw_config cfg = { .tlb_entries = entries, .tlb_ways = ways };
    fx_setup(&fx, RAM_BYTES, 64, &cfg);
    cpu = fx.cpu;
    mmu = fx.mmu;
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, PD);
}

static void setup(void) { setup_geometry(64, 4); }
static void teardown(void) { fx_teardown(&fx); }

TestSuite(pw, .init = setup, .fini = teardown);

/* ---- helpers ----------------------------------------------------------------------- */

static uint32_t rd32(uint32_t pa) { uint32_t v; memcpy(&v, fx.ram + pa, 4); return v; }
static void wr32(uint32_t pa, uint32_t v) { memcpy(fx.ram + pa, &v, 4); }
static uint32_t pde_pa(uint32_t va) { return PD + (va >> 22) * 4; }
static uint32_t pte_pa(uint32_t pt, uint32_t va) { return pt + ((va >> 12) & 0x3FF) * 4; }
static void set_pde(uint32_t va, uint32_t v) { wr32(pde_pa(va), v); }
static void set_pte(uint32_t pt, uint32_t va, uint32_t v) { wr32(pte_pa(pt, va), v); }

static int64_t ctr(const char *name)
{
    int64_t v = stats_get(&fx.st, name);
    cr_assert_neq(v, -1, "no counter %s", name);
    return v;
}

static int tr(uint32_t va, int access, int user, uint32_t *pa)
{
    *pa = 0xDEADBEEFu;
    return mmu->ops->translate(mmu, va, access, user, pa);
}

/* Asserts that va translates to want for the access. */
static void expect_pa(uint32_t va, int access, int user, uint32_t want)
{
    uint32_t pa;
    int rc = tr(va, access, user, &pa);
    cr_assert_eq(rc, MMU_OK, "va %#x access %d user %d: fault %d, PFErr %#x", va, access, user,
                 rc, cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR));
    cr_assert_eq(pa, want, "va %#x: pa %#x, want %#x", va, pa, want);
}

/* Asserts that va faults for the access with PFErr == pferr. */
static void expect_fault(uint32_t va, int access, int user, uint32_t pferr)
{
    uint32_t pa;
    cr_assert_eq(tr(va, access, user, &pa), MMU_PAGEFAULT, "va %#x access %d user %d", va,
                 access, user);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), pferr);
}

static void map_4k(uint32_t va, uint32_t frame, uint32_t flags)
{
    set_pde(va, PT0 | PRWU);
    set_pte(PT0, va, frame | flags);
}

/* ---- configuration ------------------------------------------------------------------ */

Test(pw_config, checks_geometry)
{
    char err[160];
    struct pw_config ok[] = { { 64, 4 }, { 1, 1 }, { 16, 16 }, { 256, 2 }, { 96, 3 } };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert_eq(pw_config_check(&ok[i], err, sizeof(err)), 0, "%u/%u: %s",
                     ok[i].tlb_entries, ok[i].tlb_ways, err);

    struct { struct pw_config c; const char *msg; } bad[] = {
        { { 64, 0 }, "pagewalk TLB ways must be at least 1" },
        { { 0, 4 }, "pagewalk TLB entries must be 1..65536 (got 0)" },
        { { 131072, 4 }, "pagewalk TLB entries must be 1..65536 (got 131072)" },
        { { 64, 5 }, "pagewalk TLB entries (64) must be a multiple of the ways (5)" },
        { { 48, 4 }, "pagewalk TLB sets (48 entries / 4 ways = 12) must be a power of two" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(pw_config_check(&bad[i].c, err, sizeof(err)), -1);
        cr_assert_str_eq(err, bad[i].msg);
    }
}

Test(pw_config, new_rejects_bad_config_and_defaults_null)
{
    uint8_t small[4096] = { 0 };
    struct bus b;
    bus_init(&b, small, sizeof(small));
    struct cpu *c = cpu_new(small, sizeof(small), &b, 16);
    struct pw_config bad = { 48, 4 };
    cr_assert_null(pw_new(c, &bad));
    struct mmu *m = pw_new(c, NULL);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->ops->name, "pagewalk");
    cr_assert_eq(m->cpu, c);
    m->ops->destroy(m);
    cpu_free(c);
}

/* ---- CP0 registers, TLB instructions ----------------------------------------------- */

Test(pw, cp0_registers)
{
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, 0x00005ABCu);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PTBASE), 0x00005000u);
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_INVLPG, 0x1234u);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_INVLPG), 0);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), 0);
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PFERR, 0xFFu);          /* read-only */
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), 0);
    uint32_t v = 7;
    cr_assert_eq(mmu->ops->cp0_read(mmu, PW_CP0_REG, 3, &v), 0);  /* not ours */
    cr_assert_eq(mmu->ops->cp0_read(mmu, CP0_STATUS, 0, &v), 0);
    cr_assert_eq(mmu->ops->cp0_write(mmu, CP0_EPC, 0, 1), 0);
    cr_assert_eq(ctr("pw.flushes.ptbase"), 2);                     /* setup's write too */
    cr_assert_eq(ctr("pw.invlpg"), 1);
}

Test(pw, tlb_instructions_raise_ri)
{
    cr_assert_eq(mmu->ops->tlb_op(mmu, MMU_TLBP), EXC_RI);
    cr_assert_eq(mmu->ops->tlb_op(mmu, MMU_TLBR), EXC_RI);
    cr_assert_eq(mmu->ops->tlb_op(mmu, MMU_TLBWI), EXC_RI);
    cr_assert_eq(mmu->ops->tlb_op(mmu, MMU_TLBWR), EXC_RI);
    mmu->ops->asid_changed(mmu);                                  /* harmless no-op */
}

/* ---- 4 KiB and 4 MiB translation, A/D ----------------------------------------------- */

Test(pw, load_4k_sets_a_in_pde_and_pte)
{
    map_4k(0x00005000u, 0x00123000u, PRWU);
    uint64_t cyc = cpu->cycles_extra;
    expect_pa(0x00005678u, MMU_LOAD, 0, 0x00123678u);
    cr_assert_eq(rd32(pde_pa(0x5000)), PT0 | PRWU | PW_A);
    cr_assert_eq(rd32(pte_pa(PT0, 0x5000)), 0x00123000u | PRWU | PW_A);
    /* PDE read, PDE A write, PTE read, PTE A write. */
    cr_assert_eq(ctr("pw.memrefs"), 4);
    cr_assert_eq(cpu->cycles_extra - cyc, 4 * C);
    cr_assert_eq(ctr("pw.a_set"), 2);
    cr_assert_eq(ctr("pw.d_set"), 0);
    cr_assert_eq(ctr("pw.walks"), 1);
    cr_assert_eq(ctr("pw.lookups"), 1);
    cr_assert_eq(ctr("pw.hits"), 0);

    /* Same page again (other offset, fetch): a TLB hit, no memory reference. */
    expect_pa(0x00005FFCu, MMU_FETCH, 1, 0x00123FFCu);
    cr_assert_eq(ctr("pw.lookups"), 2);
    cr_assert_eq(ctr("pw.hits"), 1);
    cr_assert_eq(ctr("pw.walks"), 1);
    cr_assert_eq(ctr("pw.memrefs"), 4);
    cr_assert_eq(cpu->cycles_extra - cyc, 4 * C);
}

Test(pw, store_4k_sets_a_and_d_in_one_write)
{
    map_4k(0x00007000u, 0x00456000u, PRWU);
    expect_pa(0x00007010u, MMU_STORE, 1, 0x00456010u);
    cr_assert_eq(rd32(pte_pa(PT0, 0x7000)), 0x00456000u | PRWU | PW_A | PW_D);
    cr_assert_eq(ctr("pw.memrefs"), 4);
    cr_assert_eq(ctr("pw.a_set"), 2);
    cr_assert_eq(ctr("pw.d_set"), 1);
    /* A second store hits a dirty entry. */
    expect_pa(0x00007014u, MMU_STORE, 1, 0x00456014u);
    cr_assert_eq(ctr("pw.walks"), 1);
    cr_assert_eq(ctr("pw.hits"), 1);
}

Test(pw, accessed_dirty_already_set_are_not_written)
{
    set_pde(0x9000, PT0 | PRWU | PW_A);
    set_pte(PT0, 0x9000, 0x00777000u | PRWU | PW_A | PW_D);
    uint64_t cyc = cpu->cycles_extra;
    expect_pa(0x00009004u, MMU_STORE, 0, 0x00777004u);
    cr_assert_eq(ctr("pw.memrefs"), 2);                 /* two reads, no write-back */
    cr_assert_eq(cpu->cycles_extra - cyc, 2 * C);
    cr_assert_eq(ctr("pw.a_set"), 0);
    cr_assert_eq(ctr("pw.d_set"), 0);
    cr_assert_eq(rd32(pte_pa(PT0, 0x9000)), 0x00777000u | PRWU | PW_A | PW_D);
}

Test(pw, store_after_load_rewalks_to_set_d)
{
    map_4k(0x00004000u, 0x00321000u, PRWU);
    expect_pa(0x00004000u, MMU_LOAD, 0, 0x00321000u);   /* 4 refs: PDE r/w, PTE r/w */
    cr_assert_eq(rd32(pte_pa(PT0, 0x4000)), 0x00321000u | PRWU | PW_A);
    expect_pa(0x00004008u, MMU_STORE, 0, 0x00321008u);  /* hit on a clean entry: re-walk */
    cr_assert_eq(rd32(pte_pa(PT0, 0x4000)), 0x00321000u | PRWU | PW_A | PW_D);
    cr_assert_eq(ctr("pw.walks"), 2);
    cr_assert_eq(ctr("pw.hits"), 1);
    cr_assert_eq(ctr("pw.memrefs"), 4 + 3);             /* PDE r, PTE r, PTE D write */
    cr_assert_eq(ctr("pw.d_set"), 1);
    cr_assert_eq(ctr("pw.evictions"), 0);
    /* Now dirty: stores and loads hit without walking. */
    expect_pa(0x0000400Cu, MMU_STORE, 0, 0x0032100Cu);
    expect_pa(0x0000400Cu, MMU_LOAD, 0, 0x0032100Cu);
    cr_assert_eq(ctr("pw.walks"), 2);
    cr_assert_eq(ctr("pw.hits"), 3);
    cr_assert_eq(ctr("pw.lookups"), 4);
}

Test(pw, page_4m)
{
    set_pde(0x00400000u, 0x00C00000u | PRWU | PW_PS);
    expect_pa(0x00412345u, MMU_LOAD, 1, 0x00C12345u);
    cr_assert_eq(rd32(pde_pa(0x00400000u)), 0x00C00000u | PRWU | PW_PS | PW_A);
    cr_assert_eq(ctr("pw.memrefs"), 2);                 /* PDE read, PDE A write */
    cr_assert_eq(ctr("pw.a_set"), 1);
    /* Anywhere in the 4 MiB: a hit. */
    expect_pa(0x007FFFFCu, MMU_LOAD, 0, 0x00FFFFFCu);
    cr_assert_eq(ctr("pw.walks"), 1);
    /* A store re-walks to set D in the PDE. */
    expect_pa(0x00600000u, MMU_STORE, 0, 0x00E00000u);
    cr_assert_eq(rd32(pde_pa(0x00400000u)), 0x00C00000u | PRWU | PW_PS | PW_A | PW_D);
    cr_assert_eq(ctr("pw.walks"), 2);
    cr_assert_eq(ctr("pw.memrefs"), 4);
    cr_assert_eq(ctr("pw.d_set"), 1);
    /* Bits 21:12 of a 4 MiB PDE are ignored. */
    set_pde(0x00800000u, 0x01000000u | 0x003FF000u | PW_P | PW_PS);
    expect_pa(0x00800010u, MMU_LOAD, 0, 0x01000010u);
}

/* ---- faults -------------------------------------------------------------------------- */

Test(pw, not_present_pde)
{
    expect_fault(0x00800000u, MMU_LOAD, 0, 0);
    expect_fault(0x00800004u, MMU_STORE, 1, PW_PFERR_W | PW_PFERR_U);
    expect_fault(0x00800008u, MMU_FETCH, 1, PW_PFERR_I | PW_PFERR_U);
    expect_fault(0x0080000Cu, MMU_FETCH, 0, PW_PFERR_I);
    cr_assert_eq(ctr("pw.faults.not_present"), 4);
    cr_assert_eq(ctr("pw.faults.protection"), 0);
    cr_assert_eq(ctr("pw.walks"), 4);
    cr_assert_eq(ctr("pw.memrefs"), 4);                 /* one PDE read each */
    cr_assert_eq(ctr("pw.a_set"), 0);
    cr_assert_eq(rd32(pde_pa(0x00800000u)), 0);
}

Test(pw, not_present_pte_still_sets_pde_a)
{
    set_pde(0x00003000u, PT0 | PRWU);
    set_pte(PT0, 0x00003000u, 0x00111000u | PW_RW | PW_US);   /* P = 0 */
    expect_fault(0x00003000u, MMU_STORE, 0, PW_PFERR_W);
    cr_assert_eq(rd32(pde_pa(0x3000)), PT0 | PRWU | PW_A);  /* as QEMU: PDE used, A set */
    cr_assert_eq(rd32(pte_pa(PT0, 0x3000)), 0x00111000u | PW_RW | PW_US);
    cr_assert_eq(ctr("pw.memrefs"), 3);                 /* PDE r, PDE A write, PTE r */
    cr_assert_eq(ctr("pw.faults.not_present"), 1);
    /* Not-present translations are never cached: making it present works at once. */
    set_pte(PT0, 0x00003000u, 0x00111000u | PRWU);
    expect_pa(0x00003004u, MMU_LOAD, 0, 0x00111004u);
    cr_assert_eq(ctr("pw.walks"), 2);
}

Test(pw, kernel_write_to_read_only_page_faults)
{
    /* RW clear in the PTE. */
    map_4k(0x00001000u, 0x00200000u, PW_P | PW_US);
    expect_fault(0x00001000u, MMU_STORE, 0, PW_PFERR_P | PW_PFERR_W);
    cr_assert_eq(rd32(pte_pa(PT0, 0x1000)), 0x00200000u | PW_P | PW_US);  /* no A/D */
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00200000u);
    /* RW clear in the PDE only: still read-only (both levels count). */
    set_pde(0x00400000u, PT_S | PW_P | PW_US);
    set_pte(PT_S, 0x00400000u, 0x00300000u | PRWU);
    expect_fault(0x00400000u, MMU_STORE, 0, PW_PFERR_P | PW_PFERR_W);
    expect_fault(0x00400000u, MMU_STORE, 1, PW_PFERR_P | PW_PFERR_W | PW_PFERR_U);
    expect_pa(0x00400000u, MMU_LOAD, 1, 0x00300000u);
    cr_assert_eq(ctr("pw.faults.protection"), 3);
    cr_assert_eq(ctr("pw.faults.not_present"), 0);
}

Test(pw, user_access_to_supervisor_page_faults)
{
    map_4k(0x00002000u, 0x00210000u, PRW);             /* US clear in the PTE */
    expect_fault(0x00002000u, MMU_LOAD, 1, PW_PFERR_P | PW_PFERR_U);
    expect_fault(0x00002000u, MMU_FETCH, 1, PW_PFERR_P | PW_PFERR_U | PW_PFERR_I);
    expect_pa(0x00002000u, MMU_STORE, 0, 0x00210000u);  /* kernel may write */
    /* Now cached (dirty): the user check is made on the hit. */
    expect_fault(0x00002004u, MMU_STORE, 1, PW_PFERR_P | PW_PFERR_W | PW_PFERR_U);
    /* US clear in the PDE only. */
    set_pde(0x00400000u, PT_S | PRW);
    set_pte(PT_S, 0x00400000u, 0x00310000u | PRWU);
    expect_fault(0x00400000u, MMU_LOAD, 1, PW_PFERR_P | PW_PFERR_U);
    expect_pa(0x00400000u, MMU_LOAD, 0, 0x00310000u);
    /* A user page that is read-only: P|W|U. */
    set_pte(PT_S, 0x00401000u, 0x00311000u | PW_P | PW_US);
    set_pde(0x00400000u, PT_S | PRWU);
    expect_fault(0x00401000u, MMU_STORE, 1, PW_PFERR_P | PW_PFERR_W | PW_PFERR_U);
    cr_assert_eq(ctr("pw.faults.protection"), 5);
}

Test(pw, fault_on_hit_drops_the_entry)
{
    /* x86: a page fault invalidates the faulting address's TLB entries, so upgrading a PTE
     * after a protection fault needs no InvlPg. */
    map_4k(0x00006000u, 0x00260000u, PW_P | PW_US);
    expect_pa(0x00006000u, MMU_LOAD, 0, 0x00260000u);  /* cached read-only */
    cr_assert_eq(ctr("pw.walks"), 1);
    expect_fault(0x00006000u, MMU_STORE, 0, PW_PFERR_P | PW_PFERR_W);
    cr_assert_eq(ctr("pw.walks"), 1);                   /* fault from the TLB entry */
    cr_assert_eq(ctr("pw.hits"), 1);
    set_pte(PT0, 0x00006000u, 0x00260000u | PRWU | PW_A);
    expect_pa(0x00006000u, MMU_STORE, 0, 0x00260000u);
    cr_assert_eq(ctr("pw.walks"), 2);
    cr_assert_eq(ctr("pw.hits"), 1);
}

Test(pw, page_table_outside_ram_is_not_present)
{
    /* PTE outside RAM. */
    set_pde(0x00000000u, 0x10000000u | PRWU);
    expect_fault(0x00000000u, MMU_LOAD, 0, 0);
    cr_assert_eq(rd32(pde_pa(0)), 0x10000000u | PRWU | PW_A);
    cr_assert_eq(ctr("pw.memrefs"), 2);                 /* PDE r, PDE A write; no PTE ref */
    /* Page directory outside RAM. */
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, RAM_BYTES);
    expect_fault(0x00000000u, MMU_STORE, 1, PW_PFERR_W | PW_PFERR_U);
    cr_assert_eq(ctr("pw.memrefs"), 2);
    cr_assert_eq(ctr("pw.faults.pt_outside_ram"), 2);
    cr_assert_eq(ctr("pw.faults.not_present"), 0);
    cr_assert_eq(ctr("pw.walks"), 2);
}

/* ---- InvlPg, PTBase ------------------------------------------------------------------ */

Test(pw, changed_pte_takes_effect_only_after_invlpg)
{
    map_4k(0x00005000u, 0x00100000u, PRWU);
    expect_pa(0x00005000u, MMU_LOAD, 0, 0x00100000u);
    set_pte(PT0, 0x00005000u, 0x00180000u | PRWU);
    expect_pa(0x00005000u, MMU_LOAD, 0, 0x00100000u);   /* stale, as on x86 */
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_INVLPG, 0x00005ABCu);
    expect_pa(0x00005000u, MMU_LOAD, 0, 0x00180000u);
    cr_assert_eq(ctr("pw.invlpg"), 1);
    cr_assert_eq(ctr("pw.walks"), 2);
    cr_assert_eq(ctr("pw.hits"), 1);
}

Test(pw, invlpg_drops_4m_entry_and_global_entries)
{
    set_pde(0x00400000u, 0x00C00000u | PRWU | PW_PS | PW_G);
    map_4k(0x00001000u, 0x00100000u, PRWU | PW_G);
    expect_pa(0x00400000u, MMU_LOAD, 0, 0x00C00000u);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00100000u);
    set_pde(0x00400000u, 0x01400000u | PRWU | PW_PS | PW_G);
    set_pte(PT0, 0x00001000u, 0x00140000u | PRWU | PW_G);
    uint64_t full_flushes = cpu->n.tc_flushes;
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_INVLPG, 0x007FF000u);    /* inside the 4 MiB page */
    cr_assert_eq(cpu->n.tc_flushes, full_flushes + 1);             /* 4 MiB range: whole TC */
    expect_pa(0x00400000u, MMU_LOAD, 0, 0x01400000u);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00100000u);               /* untouched */
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_INVLPG, 0x00001FFFu);    /* global 4 KiB entry */
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00140000u);
    cr_assert_eq(ctr("pw.walks"), 4);
    cr_assert_eq(ctr("pw.invlpg"), 2);
}

Test(pw, ptbase_write_flushes_non_global_only)
{
    map_4k(0x00001000u, 0x00100000u, PRWU);
    map_4k(0x00002000u, 0x00200000u, PRWU | PW_G);
    set_pde(0x00800000u, 0x00C00000u | PRWU | PW_PS);
    set_pde(0x00C00000u, 0x01000000u | PRWU | PW_PS | PW_G);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00100000u);
    expect_pa(0x00002000u, MMU_LOAD, 0, 0x00200000u);
    expect_pa(0x00800000u, MMU_LOAD, 0, 0x00C00000u);
    expect_pa(0x00C00000u, MMU_LOAD, 0, 0x01000000u);
    cr_assert_eq(ctr("pw.walks"), 4);
    /* Change all four translations in memory, then reload PTBase (same value). */
    set_pte(PT0, 0x00001000u, 0x00110000u | PRWU);
    set_pte(PT0, 0x00002000u, 0x00220000u | PRWU | PW_G);
    set_pde(0x00800000u, 0x01400000u | PRWU | PW_PS);
    set_pde(0x00C00000u, 0x01800000u | PRWU | PW_PS | PW_G);
    uint64_t full_flushes = cpu->n.tc_flushes;
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, PD);
    cr_assert_eq(cpu->n.tc_flushes, full_flushes + 1);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00110000u);   /* re-walked */
    expect_pa(0x00002000u, MMU_LOAD, 0, 0x00200000u);   /* global: kept */
    expect_pa(0x00800000u, MMU_LOAD, 0, 0x01400000u);   /* re-walked */
    expect_pa(0x00C00000u, MMU_LOAD, 0, 0x01000000u);   /* global: kept */
    cr_assert_eq(ctr("pw.walks"), 6);
    cr_assert_eq(ctr("pw.hits"), 2);
    cr_assert_eq(ctr("pw.flushes.ptbase"), 2);          /* setup's write and this one */
}

Test(pw, g_bit_in_a_page_table_pde_is_ignored)
{
    set_pde(0x00001000u, PT0 | PRWU | PW_G);
    set_pte(PT0, 0x00001000u, 0x00100000u | PRWU);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00100000u);
    set_pte(PT0, 0x00001000u, 0x00110000u | PRWU);
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, PD);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00110000u);
}

Test(pw, new_page_directory_after_ptbase_write)
{
    uint32_t pd2 = 0x00010000u, pt2 = 0x00011000u;
    map_4k(0x00005000u, 0x00100000u, PRWU);
    wr32(pd2, pt2 | PRWU);
    wr32(pt2 + 5 * 4, 0x00190000u | PRWU);
    expect_pa(0x00005000u, MMU_LOAD, 0, 0x00100000u);
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_PTBASE, pd2);
    expect_pa(0x00005000u, MMU_LOAD, 0, 0x00190000u);
    cr_assert_eq(rd32(pd2), pt2 | PRWU | PW_A);
}

/* ---- TLB organisation and replacement ----------------------------------------------- */

/* VA of the k-th 4 KiB page that falls in set s of a TLB with `sets` sets (VA < 4 MiB). */
static uint32_t va_in_set(unsigned sets, unsigned s, unsigned k)
{
    return ((k * sets) + s) << 12;
}

Test(pw, round_robin_eviction_in_a_set)
{
    /* 64 entries, 4 ways: 16 sets. Pages A..E all in set 3. */
    uint32_t va[5];
    set_pde(0, PT0 | PRWU | PW_A);
    for (unsigned k = 0; k < 5; k++) {
        va[k] = va_in_set(16, 3, k);
        set_pte(PT0, va[k], (0x00100000u + (k << 12)) | PRWU | PW_A);
    }
#define PA(k) (0x00100000u + ((uint32_t)(k) << 12))
    for (unsigned k = 0; k < 4; k++)                  /* fill ways 0..3 */
        expect_pa(va[k], MMU_LOAD, 0, PA(k));
    cr_assert_eq(ctr("pw.evictions"), 0);
    /* Another set is independent. */
    set_pte(PT0, va_in_set(16, 4, 0), 0x00200000u | PRWU | PW_A);
    expect_pa(va_in_set(16, 4, 0), MMU_LOAD, 0, 0x00200000u);
    cr_assert_eq(ctr("pw.evictions"), 0);
    cr_assert_eq(ctr("pw.walks"), 5);

    /* The CPU caches A's page; evicting A must drop it. */
    struct tc_entry *tce = &cpu->tc[TC_KERNEL][(va[0] >> 12) & (TC_SIZE - 1)];
    tce->tag_r = va[0];
    tce->tag_w = va[0];

    expect_pa(va[4], MMU_LOAD, 0, PA(4));             /* E evicts way 0 (A) */
    cr_assert_eq(ctr("pw.evictions"), 1);
    cr_assert_eq(tce->tag_r, TC_INVALID_TAG(va[0] >> 12));
    cr_assert_eq(tce->tag_w, TC_INVALID_TAG(va[0] >> 12));
    uint64_t walks = (uint64_t)ctr("pw.walks");
    expect_pa(va[1], MMU_LOAD, 0, PA(1));             /* B, C, D still there */
    expect_pa(va[2], MMU_LOAD, 0, PA(2));
    expect_pa(va[3], MMU_LOAD, 0, PA(3));
    cr_assert_eq((uint64_t)ctr("pw.walks"), walks);
    /* Round-robin, not LRU: A comes back into way 1 (B) although B was just used. */
    expect_pa(va[0], MMU_LOAD, 0, PA(0));
    cr_assert_eq((uint64_t)ctr("pw.walks"), walks + 1);
    expect_pa(va[2], MMU_LOAD, 0, PA(2));             /* hit */
    expect_pa(va[1], MMU_LOAD, 0, PA(1));             /* miss: evicts C (way 2) */
    cr_assert_eq((uint64_t)ctr("pw.walks"), walks + 2);
    expect_pa(va[2], MMU_LOAD, 0, PA(2));             /* miss: evicts D (way 3) */
    expect_pa(va[3], MMU_LOAD, 0, PA(3));             /* miss: evicts E (way 0) */
    expect_pa(va[4], MMU_LOAD, 0, PA(4));             /* miss: evicts A (way 1) */
    cr_assert_eq((uint64_t)ctr("pw.walks"), walks + 5);
    cr_assert_eq(ctr("pw.evictions"), 6);
    expect_pa(va[1], MMU_LOAD, 0, PA(1));             /* hit (way 2) */
    expect_pa(va[2], MMU_LOAD, 0, PA(2));
    expect_pa(va[3], MMU_LOAD, 0, PA(3));
    expect_pa(va[4], MMU_LOAD, 0, PA(4));
    cr_assert_eq((uint64_t)ctr("pw.walks"), walks + 5);
    /* Each walk: PDE read + PTE read (A already set). */
    cr_assert_eq(ctr("pw.memrefs"), 2 * ctr("pw.walks"));
#undef PA
}

Test(pw, invalidated_way_is_refilled_first)
{
    uint32_t va[5];
    set_pde(0, PT0 | PRWU | PW_A);
    for (unsigned k = 0; k < 5; k++) {
        va[k] = va_in_set(16, 7, k);
        set_pte(PT0, va[k], (0x00100000u + (k << 12)) | PRWU | PW_A);
    }
    for (unsigned k = 0; k < 4; k++)
        expect_pa(va[k], MMU_LOAD, 0, 0x00100000u + (k << 12));
    cpu_cp0_write(cpu, PW_CP0_REG, PW_SEL_INVLPG, va[2]);
    expect_pa(va[4], MMU_LOAD, 0, 0x00104000u);         /* takes the free way 2 */
    cr_assert_eq(ctr("pw.evictions"), 0);
    expect_pa(va[0], MMU_LOAD, 0, 0x00100000u);
    expect_pa(va[1], MMU_LOAD, 0, 0x00101000u);
    expect_pa(va[3], MMU_LOAD, 0, 0x00103000u);
    cr_assert_eq(ctr("pw.walks"), 5);
}

Test(pw, big_pages_share_sets_indexed_by_va_31_22)
{
    /* 4 KiB pages in set 1 (VPN & 15 == 1), then a 4 MiB page with VA[31:22] & 15 == 1. */
    uint32_t va[4];
    set_pde(0, PT0 | PRWU | PW_A);
    for (unsigned k = 0; k < 4; k++) {
        va[k] = va_in_set(16, 1, k);
        set_pte(PT0, va[k], (0x00100000u + (k << 12)) | PRWU | PW_A);
        expect_pa(va[k], MMU_LOAD, 0, 0x00100000u + (k << 12));
    }
    set_pde(0x00400000u, 0x00C00000u | PRWU | PW_PS | PW_A);
    uint64_t full_flushes = cpu->n.tc_flushes;
    expect_pa(0x00400010u, MMU_LOAD, 0, 0x00C00010u);   /* evicts va[0] */
    cr_assert_eq(ctr("pw.evictions"), 1);
    cr_assert_eq(cpu->n.tc_flushes, full_flushes);      /* a 4 KiB victim: one page */
    expect_pa(va[1], MMU_LOAD, 0, 0x00101000u);
    cr_assert_eq(ctr("pw.walks"), 5);
    /* Set 1 is now [big, va1, va2, va3], next victim way 1. */
    expect_pa(va[0], MMU_LOAD, 0, 0x00100000u);         /* evicts va1 (way 1) */
    expect_pa(va[1], MMU_LOAD, 0, 0x00101000u);         /* evicts va2 (way 2) */
    expect_pa(va[3], MMU_LOAD, 0, 0x00103000u);         /* hit */
    expect_pa(va[2], MMU_LOAD, 0, 0x00102000u);         /* evicts va3 (way 3) */
    cr_assert_eq(ctr("pw.walks"), 8);
    cr_assert_eq(ctr("pw.evictions"), 4);
    cr_assert_eq(cpu->n.tc_flushes, full_flushes);      /* only 4 KiB victims so far */
    expect_pa(va[3], MMU_LOAD, 0, 0x00103000u);         /* evicts the big page (way 0) */
    cr_assert_eq(ctr("pw.evictions"), 5);
    cr_assert_eq(cpu->n.tc_flushes, full_flushes + 1);  /* its 4 MiB range: whole TC */
    expect_pa(0x00400000u, MMU_LOAD, 0, 0x00C00000u);   /* miss again */
    cr_assert_eq(ctr("pw.walks"), 10);
    cr_assert_eq(ctr("pw.evictions"), 6);
    /* A 4 MiB page with VA[31:22] = 2 lands in set 2, which is empty. */
    set_pde(0x00800000u, 0x01000000u | PRWU | PW_PS | PW_A);
    expect_pa(0x00800000u, MMU_LOAD, 0, 0x01000000u);
    cr_assert_eq(ctr("pw.evictions"), 6);
    cr_assert_eq(ctr("pw.walks"), 11);
}

Test(pw, small_geometry_direct_mapped)
{
    teardown();
    setup_geometry(1, 1);
    map_4k(0x00001000u, 0x00100000u, PRWU);
    map_4k(0x00002000u, 0x00200000u, PRWU);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00100000u);
    expect_pa(0x00002000u, MMU_LOAD, 0, 0x00200000u);
    expect_pa(0x00001000u, MMU_LOAD, 0, 0x00100000u);
    cr_assert_eq(ctr("pw.walks"), 3);
    cr_assert_eq(ctr("pw.evictions"), 2);
}

/* ---- integration with the CPU ------------------------------------------------------- */

Test(pw, cpu_load_store_through_walker_and_page_fault_exceptions)
{
    /* Kernel mode after reset (BEV=1); useg is mapped. */
    map_4k(0x00005000u, 0x00020000u, PRWU);
    wr32(0x00020010u, 0xCAFEF00Du);
    uint32_t v = 0;
    cr_assert(cpu_load_slow(cpu, 0x00005010u, 4, &v));
    cr_assert_eq(v, 0xCAFEF00Du);
    cr_assert(cpu_store_slow(cpu, 0x00005014u, 4, 0x12345678u));
    cr_assert_eq(rd32(0x00020014u), 0x12345678u);
    cr_assert_eq(rd32(pte_pa(PT0, 0x5000)), 0x00020000u | PRWU | PW_A | PW_D);
    cr_assert_eq(ctr("pw.walks"), 2);

    /* Not present: TLBL at the general vector, BadVAddr = va, PFErr = 0. */
    cpu->pc = 0x80001000u;
    cr_assert_not(cpu_load_slow(cpu, 0x00803004u, 4, &v));
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    cr_assert_eq(cpu->cp0.badvaddr, 0x00803004u);
    cr_assert_eq(cpu->cp0.epc, 0x80001000u);
    cr_assert_eq(cpu->pc, 0xBFC00380u);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), 0);

    /* Read-only page, store: TLBS, PFErr = P|W. */
    cpu->cp0.status &= ~ST_EXL;
    cpu_update_mode(cpu);
    cpu->pc = 0x80001004u;
    map_4k(0x00006000u, 0x00021000u, PW_P | PW_US);
    cr_assert_not(cpu_store_slow(cpu, 0x00006000u, 4, 1));
    cr_assert_eq(fx_exccode(&fx), EXC_TLBS);
    cr_assert_eq(cpu->cp0.badvaddr, 0x00006000u);
    cr_assert_eq(cpu->pc, 0xBFC00380u);
    cr_assert_eq(cpu_cp0_read(cpu, PW_CP0_REG, PW_SEL_PFERR), PW_PFERR_P | PW_PFERR_W);
    cr_assert_eq(cpu->n.exceptions[EXC_TLBL], 1);
    cr_assert_eq(cpu->n.exceptions[EXC_TLBS], 1);
}

Test(pw, walker_cycles_and_stop_point)
{
    map_4k(0x00005000u, 0x00020000u, PRWU);
    uint64_t before = cpu_cycles(cpu);
    cpu->timer_cycle = before + 1000;
    cpu->kick_pending = 0;              /* as after cpu_service_events */
    cpu_recompute_stop(cpu);
    uint64_t stop_before = cpu->icount_stop;
    expect_pa(0x00005000u, MMU_STORE, 0, 0x00020000u);
    cr_assert_eq(cpu_cycles(cpu) - before, 4 * C);
    /* The stop point moved earlier in instructions by the cycles charged. */
    cr_assert_eq(cpu->icount_stop, stop_before - 4 * C);

    /* A pending kick survives the walk. */
    map_4k(0x00007000u, 0x00030000u, PRWU);
    cpu_kick(cpu);
    expect_pa(0x00007000u, MMU_LOAD, 0, 0x00030000u);
    cr_assert_eq(cpu->icount_stop, 0);
}

Test(pw, walker_a_d_write_invalidates_predecoded_code)
{
    /* A page table that shares its page with predecoded code (odd, but legal). */
    struct dpage *dp = calloc(1, sizeof(*dp));
    cr_assert_not_null(dp);
    cpu->dpages[PT0 >> 12] = dp;
    cpu->dpages_live++;
    unsigned idx = (pte_pa(PT0, 0x5000) & 0xFFF) >> 2;
    static const int marker;
    dp->d[idx].op = 1;
    dp->d[idx].h = &marker;
    dp->d[idx + 1].op = 1;
    map_4k(0x00005000u, 0x00020000u, PRWU);
    expect_pa(0x00005000u, MMU_LOAD, 0, 0x00020000u);
    cr_assert_eq(dp->d[idx].op, 0);                     /* the PTE's word: re-decode */
    cr_assert_eq(dp->d[idx].h, cpu_undecoded_handler);
    cr_assert_eq(dp->d[idx + 1].op, 1);
}

Test(pw, counters_registered_with_exact_names)
{
    static const char *const names[] = {
        "pw.lookups", "pw.hits", "pw.walks", "pw.memrefs", "pw.faults.not_present",
        "pw.faults.protection", "pw.faults.pt_outside_ram", "pw.a_set", "pw.d_set",
        "pw.evictions", "pw.flushes.ptbase", "pw.invlpg",
        "pw.nested.walks_2d", "pw.nested.walks_direct", "pw.nested.refs_direct",
        "pw.nested.guest_refs",
        "pw.nested.nested_refs", "pw.nested.faults", "pw.nested.pwc_guest_hits",
        "pw.nested.pwc_nested_hits", "pw.nested.ntlb_hits", "pw.nested.ntlb_misses",
        "pw.nested.splintered", "pw.nested.invalidations",
    };
    cr_assert_eq(fx.st.n, sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        cr_assert_eq(stats_get(&fx.st, names[i]), strcmp(names[i], "pw.flushes.ptbase") == 0,
                     "%s", names[i]);           /* setup wrote PTBase once */
}

/* ---- the interpreter on top of the walker ------------------------------------------- */

#define I_ORI(rt, rs, imm)   (0x34000000u | (rs) << 21 | (rt) << 16 | (imm))
#define I_ADDIU(rt, rs, imm) (0x24000000u | (rs) << 21 | (rt) << 16 | (imm))
#define I_LW(rt, off, base)  (0x8C000000u | (base) << 21 | (rt) << 16 | (off))
#define I_SW(rt, off, base)  (0xAC000000u | (base) << 21 | (rt) << 16 | (off))
#define I_MFC0(rt, rd, sel)  (0x40000000u | (rt) << 16 | (rd) << 11 | (sel))
#define I_SDBBP(code)        (0x7000003Fu | (code) << 6)
enum { ZERO = 0, A0 = 4, T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, T9 = 25 };

Test(pw, interpreter_walks_rewalks_and_takes_page_fault)
{
    /* Code in kseg0 (unmapped): load, increment, store, reload a mapped word, then load from
     * a not-present page. The handler at EBase+0x180 exits with PFErr as the status. */
    static const uint32_t prog[] = {
        I_ORI(T0, ZERO, 0x5000), I_LW(T1, 0, T0), I_ADDIU(T1, T1, 1), I_SW(T1, 4, T0),
        I_LW(T2, 4, T0), I_ORI(T3, ZERO, 0x6000), I_LW(T4, 0, T3), 0,
    };
    static const uint32_t handler[] = {
        I_MFC0(A0, PW_CP0_REG, PW_SEL_PFERR), I_ORI(T9, ZERO, 1), I_SDBBP(1),
    };
    memcpy(fx.ram + 0x40000, prog, sizeof(prog));
    memcpy(fx.ram + 0x180, handler, sizeof(handler));
    map_4k(0x00005000u, 0x00050000u, PRWU);
    wr32(0x00050000u, 41);
    cpu->cp0.status = 0;                               /* kernel, BEV=0: vector 0x80000180 */
    cpu_update_mode(cpu);
    cpu->pc = 0x80040000u;
    cpu->npc = cpu->pc + 4;
    cpu->insn_limit = 1000;
    cpu_recompute_stop(cpu);
    uint64_t extra = cpu->cycles_extra;

    cr_assert_eq(cpu_run(cpu), CPU_STOP_EXIT);
    cr_assert_eq(cpu->exit_code, 0);                   /* PFErr: kernel load, not present */
    cr_assert_eq(cpu->gpr[T1], 42);
    cr_assert_eq(cpu->gpr[T2], 42);
    cr_assert_eq(rd32(0x00050004u), 42);
    cr_assert_eq(rd32(pte_pa(PT0, 0x5000)), 0x00050000u | PRWU | PW_A | PW_D);
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    cr_assert_eq(cpu->cp0.badvaddr, 0x00006000u);
    cr_assert_eq(cpu->cp0.epc, 0x80040018u);
    /* Load: miss + walk (4 refs). Store: hit on the clean entry, re-walk (3 refs). Reload:
     * served by the translation cache, never reaches the TLB. Faulting load: walk (2 refs). */
    cr_assert_eq(ctr("pw.lookups"), 3);
    cr_assert_eq(ctr("pw.hits"), 1);
    cr_assert_eq(ctr("pw.walks"), 3);
    cr_assert_eq(ctr("pw.memrefs"), 9);
    cr_assert_eq(ctr("pw.faults.not_present"), 1);
    cr_assert_eq(cpu->cycles_extra - extra, 9 * C);
}
