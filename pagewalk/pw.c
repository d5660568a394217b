/* pw.c - the pagewalk MMU personality (DESIGN.md §2b, docs/pagewalk.md).
 *
 * Two parts, in this order:
 *  - the hardware TLB: sets * ways entries, 4 KiB and 4 MiB translations in the same sets
 *    (a 4 KiB entry lives in set VA[12+k-1:12], a 4 MiB entry in set VA[22+k-1:22], k =
 *    log2(sets)); a lookup probes both candidate sets. Fills take the lowest invalid way, else
 *    the set's round-robin victim. Round-robin, not LRU: TLB hits served by the CPU's
 *    translation cache never reach this file, so recency is unknowable here.
 *  - the walker: x86 32-bit non-PAE tables in guest RAM, A/D written back as x86 (and QEMU)
 *    do, every memory reference charged cost.walker_memref cycles.
 *
 * Invariant shared with the CPU (core/cpu_mem.c): the CPU's translation cache holds a page
 * only while an entry of this TLB translates it, so every entry that is invalidated or
 * evicted (or changes its rights or frame) drops the CPU's cached translations of its range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cp0.h"
#include "../core/cpu.h"
#include "../core/stats.h"
#include "pw.h"
#include "tlb.h"
#include "walk.h"

#define PAGE_4K_BYTES 0x1000u
#define PAGE_4M_BYTES 0x400000u

/* Why a walk failed: walk.h's kinds under this file's names. */
enum pw_fault {
    PWF_NONE = PW_WALK_OK,
    PWF_NOT_PRESENT = PW_WALK_NOT_PRESENT,
    PWF_PROTECTION = PW_WALK_PROTECTION,
    PWF_OUTSIDE_RAM = PW_WALK_OUTSIDE,
};

struct pw {
    struct mmu base;
    struct pw_tlb tlb;          /* tlb.h; its drop callback keeps the CPU's translation cache */
    uint32_t ptbase;            /* CP0 22/0: page directory PA, low 12 bits 0 */
    uint32_t pferr;             /* CP0 22/2: error code of the last page fault */
    struct {
        uint64_t lookups, hits, walks, memrefs;
        uint64_t faults_not_present, faults_protection, faults_outside_ram;
        uint64_t a_set, d_set, flushes_ptbase, invlpg;
    } n;
};

int pw_config_check(const struct pw_config *c, char *err, size_t errlen)
{
    if (c->tlb_ways == 0) {
        snprintf(err, errlen, "pagewalk TLB ways must be at least 1");
        return -1;
    }
    if (c->tlb_entries == 0 || c->tlb_entries > PW_MAX_TLB_ENTRIES) {
        snprintf(err, errlen, "pagewalk TLB entries must be 1..%u (got %u)", PW_MAX_TLB_ENTRIES,
                 c->tlb_entries);
        return -1;
    }
    if (c->tlb_entries % c->tlb_ways) {
        snprintf(err, errlen, "pagewalk TLB entries (%u) must be a multiple of the ways (%u)",
                 c->tlb_entries, c->tlb_ways);
        return -1;
    }
    unsigned sets = c->tlb_entries / c->tlb_ways;
    if (sets & (sets - 1)) {
        snprintf(err, errlen, "pagewalk TLB sets (%u entries / %u ways = %u) must be a power of two",
                 c->tlb_entries, c->tlb_ways, sets);
        return -1;
    }
    return 0;
}

/* ---- hardware TLB (tlb.h) ------------------------------------------------------------- */

/* Every entry that leaves drops the CPU's cached translations of its range. */
static void tlb_dropped(void *ctx, const struct pw_tlb_entry *e)
{
    cpu_tc_flush_range(ctx, e->va, pw_tlb_entry_bytes(e));
}

/* Invalidates every entry translating va, and the CPU's cached translation of va's page. */
static void tlb_invalidate_va(struct pw *pw, uint32_t va)
{
    pw_tlb_invalidate_va(&pw->tlb, va);
    cpu_tc_flush_range(pw->base.cpu, va & PW_FRAME_4K, PW_PAGE_4K_BYTES);
}

void pw_mmu_flush_all(struct mmu *m)
{
    struct pw *pw = (struct pw *)m;
    pw_tlb_flush(&pw->tlb, 0, 0);
    cpu_tc_flush(pw->base.cpu);
}

void pw_mmu_invalidate_range(struct mmu *m, uint32_t va, uint32_t bytes)
{
    struct pw *pw = (struct pw *)m;
    pw_tlb_invalidate_range(&pw->tlb, va, bytes);
    cpu_tc_flush_range(pw->base.cpu, va, bytes);
}

int pw_mmu_probe(struct mmu *m, uint32_t va, uint32_t *pa)
{
    struct pw_tlb_entry *e = pw_tlb_find(&((struct pw *)m)->tlb, va);
    if (!e)
        return -1;
    *pa = e->pa | (va & (pw_tlb_entry_bytes(e) - 1));
    return 0;
}

/* ---- walker ------------------------------------------------------------------------- */

/* The machine walker's accessors (walk.h): entries in RAM, each reference counted and
 * charged cost.walker_memref cycles; a write-back, like a CPU store, invalidates a
 * predecoded instruction at that address, should the page table share a page with code. */
static int pt_reaches(void *ctx, uint32_t pa)
{
    uint32_t ram_bytes = ((struct pw *)ctx)->base.cpu->ram_bytes;
    return ram_bytes >= 4 && pa <= ram_bytes - 4;
}

static uint32_t pt_read(void *ctx, uint32_t pa)
{
    struct pw *pw = ctx;
    uint32_t v;
    memcpy(&v, pw->base.cpu->ram + pa, 4);
    pw->n.memrefs++;
    pw->base.cpu->cycles_extra += pw->base.cpu->cost.walker_memref;
    return v;
}

static void pt_write(void *ctx, uint32_t pa, uint32_t v)
{
    struct pw *pw = ctx;
    struct cpu *cpu = pw->base.cpu;
    memcpy(cpu->ram + pa, &v, 4);
    cpu_phys_written(cpu, pa, 4);
    pw->n.memrefs++;
    cpu->cycles_extra += cpu->cost.walker_memref;
}

static const struct pw_walk_acc pw_ram_acc = { .reaches = pt_reaches, .read = pt_read,
                                               .write = pt_write };

/* pw_walk - the hardware page walk of va under PTBase (walk.h pw_walk_tables, over machine
 * RAM), for an access (MMU_LOAD/STORE/FETCH) in user mode (user != 0) or a privileged mode.
 * Counts the walk, its references (each charged cost.walker_memref cycles to
 * cpu->cycles_extra) and the A/D bits set, then re-arms the CPU's stop point. Returns
 * PWF_NONE with *out filled (valid = 0), or the kind of fault. */
static enum pw_fault pw_walk(struct pw *pw, uint32_t va, int access, int user,
                             struct pw_tlb_entry *out)
{
    struct cpu *cpu = pw->base.cpu;
    struct pw_walk w;

    pw->n.walks++;
    enum pw_fault f = (enum pw_fault)pw_walk_tables(&pw_ram_acc, pw, pw->ptbase, va, access,
                                                    user, 1, &w);
    if (f == PWF_NONE) {
        uint32_t rights = pw_walk_rights(&w);
        *out = (struct pw_tlb_entry){
            .va = va & (w.big ? PW_FRAME_4M : PW_FRAME_4K),
            .pa = pw_walk_frame(&w),
            .big = (uint8_t)w.big,
            .global = (w.leaf & PW_G) != 0,
            .rw = (rights & PW_RW) != 0,
            .us = (rights & PW_US) != 0,
            .dirty = (w.leaf & PW_D) != 0,
        };
    }
    if (w.writes) {
        pw->n.a_set += w.a_set;
        pw->n.d_set += w.d_set;
    }
    /* Re-arm the stop point for the cycles just charged, keeping a kick that is pending
     * (cpu_recompute_stop would otherwise cancel it; see docs/pagewalk.md). */
    int kicked = cpu->icount_stop == 0;
    cpu_recompute_stop(cpu);
    if (kicked)
        cpu_kick(cpu);
    return f;
}

uint32_t pw_pferr(int protection, int access, int user)
{
    uint32_t err = protection ? PW_PFERR_P : 0;
    if (access == MMU_STORE)
        err |= PW_PFERR_W;
    if (user)
        err |= PW_PFERR_U;
    if (access == MMU_FETCH)
        err |= PW_PFERR_I;
    return err;
}

/* Records a page fault on va: sets PFErr, counts it, and invalidates the TLB entries of va
 * (an x86 page fault invalidates the faulting address's translations, so software that
 * upgrades a PTE and returns needs no InvlPg). Returns MMU_PAGEFAULT. */
static int page_fault(struct pw *pw, uint32_t va, enum pw_fault f, int access, int user)
{
    pw->pferr = pw_pferr(f == PWF_PROTECTION, access, user);
    switch (f) {
    case PWF_PROTECTION: pw->n.faults_protection++; break;
    case PWF_OUTSIDE_RAM: pw->n.faults_outside_ram++; break;
    default: pw->n.faults_not_present++; break;
    }
    tlb_invalidate_va(pw, va);
    return MMU_PAGEFAULT;
}

/* mmu_ops.translate: TLB lookup, then (miss, or a store through a clean entry) a walk. */
static int pw_translate(struct mmu *m, uint32_t va, int access, int user, uint32_t *pa)
{
    struct pw *pw = (struct pw *)m;
    struct pw_tlb_entry *e, t;

    pw->n.lookups++;
    switch (pw_tlb_lookup(&pw->tlb, va, access == MMU_STORE, user, &e)) {
    case PW_TLB_HIT:
        pw->n.hits++;
        *pa = e->pa | (va & (pw_tlb_entry_bytes(e) - 1));
        return MMU_OK;
    case PW_TLB_FAULT:
        pw->n.hits++;
        return page_fault(pw, va, PWF_PROTECTION, access, user);
    case PW_TLB_WALK:
        pw->n.hits += e != NULL;        /* a store through a clean entry re-walks, as x86 */
        break;
    }
    enum pw_fault f = pw_walk(pw, va, access, user, &t);
    if (f != PWF_NONE)
        return page_fault(pw, va, f, access, user);
    e = pw_tlb_walked(&pw->tlb, va, e, &t);
    *pa = e->pa | (va & (pw_tlb_entry_bytes(e) - 1));
    return MMU_OK;
}

/* ---- the rest of mmu_ops ----------------------------------------------------------- */

static int pw_tlb_op(struct mmu *m, int op)
{
    (void)m;
    (void)op;
    return EXC_RI;                          /* no software-visible TLB */
}

/* CP0 22/0 PTBase (read/write), 22/1 InvlPg (write-only, reads 0), 22/2 PFErr (read-only). */
static int pw_cp0_read(struct mmu *m, int reg, int sel, uint32_t *val)
{
    struct pw *pw = (struct pw *)m;
    if (reg != PW_CP0_REG)
        return 0;
    switch (sel) {
    case PW_SEL_PTBASE: *val = pw->ptbase; return 1;
    case PW_SEL_INVLPG: *val = 0; return 1;
    case PW_SEL_PFERR: *val = pw->pferr; return 1;
    }
    return 0;
}

static int pw_cp0_write(struct mmu *m, int reg, int sel, uint32_t val)
{
    struct pw *pw = (struct pw *)m;
    if (reg != PW_CP0_REG)
        return 0;
    switch (sel) {
    case PW_SEL_PTBASE:
        pw->ptbase = val & PW_FRAME_4K;
        pw->n.flushes_ptbase++;
        pw_tlb_flush(&pw->tlb, 1, 0);
        cpu_tc_flush(pw->base.cpu);
        return 1;
    case PW_SEL_INVLPG:
        pw->n.invlpg++;
        tlb_invalidate_va(pw, val);
        return 1;
    case PW_SEL_PFERR:
        return 1;                           /* read-only: the write is ignored */
    }
    return 0;
}

static void pw_asid_changed(struct mmu *m)
{
    (void)m;                                /* the walker ignores ASIDs */
}

static void pw_register_stats(struct mmu *m, struct stats *st)
{
    struct pw *pw = (struct pw *)m;
    stats_add(st, &pw->n.lookups, "pw.lookups");
    stats_add(st, &pw->n.hits, "pw.hits");
    stats_add(st, &pw->n.walks, "pw.walks");
    stats_add(st, &pw->n.memrefs, "pw.memrefs");
    stats_add(st, &pw->n.faults_not_present, "pw.faults.not_present");
    stats_add(st, &pw->n.faults_protection, "pw.faults.protection");
    stats_add(st, &pw->n.faults_outside_ram, "pw.faults.pt_outside_ram");
    stats_add(st, &pw->n.a_set, "pw.a_set");
    stats_add(st, &pw->n.d_set, "pw.d_set");
    stats_add(st, &pw->tlb.evictions, "pw.evictions");
    stats_add(st, &pw->n.flushes_ptbase, "pw.flushes.ptbase");
    stats_add(st, &pw->n.invlpg, "pw.invlpg");
}

static void pw_destroy(struct mmu *m)
{
    struct pw *pw = (struct pw *)m;
    pw_tlb_free(&pw->tlb);
    free(pw);
}

static const struct mmu_ops pw_ops = {
    .name = "pagewalk",
    .translate = pw_translate,
    .tlb_op = pw_tlb_op,
    .cp0_read = pw_cp0_read,
    .cp0_write = pw_cp0_write,
    .asid_changed = pw_asid_changed,
    .register_stats = pw_register_stats,
    .destroy = pw_destroy,
};

struct mmu *pw_new(struct cpu *cpu, const void *cfg)
{
    static const struct pw_config defaults = { PW_DEFAULT_TLB_ENTRIES, PW_DEFAULT_TLB_WAYS };
    const struct pw_config *c = cfg ? cfg : &defaults;
    char err[128];
    if (pw_config_check(c, err, sizeof(err)))
        return NULL;
    struct pw *pw = calloc(1, sizeof(*pw));
    if (!pw)
        return NULL;
    pw->base.ops = &pw_ops;
    pw->base.cpu = cpu;
    if (pw_tlb_init(&pw->tlb, c, tlb_dropped, cpu) != 0) {
        pw_destroy(&pw->base);
        return NULL;
    }
    return &pw->base;
}
