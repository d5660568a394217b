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
#include "walk.h"

#define PAGE_4K_BYTES 0x1000u
#define PAGE_4M_BYTES 0x400000u

/* One hardware-TLB entry: the result of a successful walk. */
struct pw_entry {
    uint32_t va;          /* page VA: 4 KiB-aligned, or 4 MiB-aligned when big */
    uint32_t pa;          /* frame PA, same alignment */
    uint8_t valid;
    uint8_t big;          /* 4 MiB page (PDE.PS) */
    uint8_t global;       /* leaf G: survives PTBase writes */
    uint8_t rw, us;       /* PDE & PTE rights combined (a 4 MiB page: the PDE's own) */
    uint8_t dirty;        /* leaf D as known to be in memory; a store needs dirty == 1 */
};

/* Why a walk failed: walk.h's kinds under this file's names. */
enum pw_fault {
    PWF_NONE = PW_WALK_OK,
    PWF_NOT_PRESENT = PW_WALK_NOT_PRESENT,
    PWF_PROTECTION = PW_WALK_PROTECTION,
    PWF_OUTSIDE_RAM = PW_WALK_OUTSIDE,
};

struct pw {
    struct mmu base;
    unsigned sets, ways;
    struct pw_entry *e;         /* set s, way w at e[s * ways + w] */
    unsigned *victim;           /* per set: next way to evict (round-robin) */
    unsigned nbig;              /* valid 4 MiB entries: while 0, a lookup probes one set */
    uint32_t ptbase;            /* CP0 22/0: page directory PA, low 12 bits 0 */
    uint32_t pferr;             /* CP0 22/2: error code of the last page fault */
    struct {
        uint64_t lookups, hits, walks, memrefs;
        uint64_t faults_not_present, faults_protection, faults_outside_ram;
        uint64_t a_set, d_set, evictions, flushes_ptbase, invlpg;
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

/* ---- hardware TLB ------------------------------------------------------------------- */

static uint32_t entry_bytes(const struct pw_entry *e)
{
    return e->big ? PAGE_4M_BYTES : PAGE_4K_BYTES;
}

static unsigned set_index(const struct pw *pw, uint32_t va, int big)
{
    return (va >> (big ? 22 : 12)) & (pw->sets - 1);
}

static struct pw_entry *set_base(struct pw *pw, unsigned s)
{
    return &pw->e[(size_t)s * pw->ways];
}

/* Returns the valid entry of the given size translating va, or NULL. */
static struct pw_entry *tlb_find_size(struct pw *pw, uint32_t va, int big)
{
    struct pw_entry *set = set_base(pw, set_index(pw, va, big));
    uint32_t page = va & (big ? PW_FRAME_4M : PW_FRAME_4K);
    for (unsigned w = 0; w < pw->ways; w++)
        if (set[w].valid && set[w].big == big && set[w].va == page)
            return &set[w];
    return NULL;
}

/* Returns the entry translating va: a 4 KiB entry if there is one, else a 4 MiB one, else
 * NULL. (Both exist only if software changed a PDE without InvlPg; x86 leaves that case
 * undefined, this TLB deterministically prefers the 4 KiB entry.) */
static struct pw_entry *tlb_find(struct pw *pw, uint32_t va)
{
    struct pw_entry *e = tlb_find_size(pw, va, 0);
    return e || !pw->nbig ? e : tlb_find_size(pw, va, 1);
}

/* Invalidates e (counting a 4 MiB entry out of nbig). */
static void tlb_invalidate(struct pw *pw, struct pw_entry *e)
{
    pw->nbig -= e->big;
    e->valid = 0;
}

/* Invalidates e and drops the CPU's cached translations of the range it covered. */
static void tlb_drop(struct pw *pw, struct pw_entry *e)
{
    tlb_invalidate(pw, e);
    cpu_tc_flush_range(pw->base.cpu, e->va, entry_bytes(e));
}

/* Invalidates every entry (4 KiB and 4 MiB, global or not) translating va, and the CPU's
 * cached translation of va's 4 KiB page (of the whole 4 MiB range if a 4 MiB entry went). */
static void tlb_invalidate_va(struct pw *pw, uint32_t va)
{
    struct pw_entry *e = tlb_find_size(pw, va, 0);
    if (e)
        tlb_invalidate(pw, e);
    e = pw->nbig ? tlb_find_size(pw, va, 1) : NULL;
    if (e)
        tlb_drop(pw, e);
    cpu_tc_flush_range(pw->base.cpu, va & PW_FRAME_4K, PAGE_4K_BYTES);
}

/* Invalidates every non-global entry and the CPU's whole translation cache (PTBase write). */
static void tlb_flush_nonglobal(struct pw *pw)
{
    size_t n = (size_t)pw->sets * pw->ways;
    for (size_t i = 0; i < n; i++)
        if (pw->e[i].valid && !pw->e[i].global)
            tlb_invalidate(pw, &pw->e[i]);
    cpu_tc_flush(pw->base.cpu);
}

void pw_tlb_flush_all(struct mmu *m)
{
    struct pw *pw = (struct pw *)m;
    size_t n = (size_t)pw->sets * pw->ways;
    for (size_t i = 0; i < n; i++)
        pw->e[i].valid = 0;
    pw->nbig = 0;
    cpu_tc_flush(pw->base.cpu);
}

void pw_tlb_invalidate_range(struct mmu *m, uint32_t va, uint32_t bytes)
{
    struct pw *pw = (struct pw *)m;
    size_t n = (size_t)pw->sets * pw->ways;
    uint64_t end = (uint64_t)va + bytes;
    for (size_t i = 0; i < n; i++) {
        struct pw_entry *e = &pw->e[i];
        if (e->valid && e->va < end && (uint64_t)e->va + entry_bytes(e) > va)
            tlb_drop(pw, e);
    }
    cpu_tc_flush_range(pw->base.cpu, va, bytes);
}

int pw_tlb_probe(struct mmu *m, uint32_t va, uint32_t *pa)
{
    struct pw_entry *e = tlb_find((struct pw *)m, va);
    if (!e)
        return -1;
    *pa = e->pa | (va & (entry_bytes(e) - 1));
    return 0;
}

/* Installs the translation *t in its set: the lowest invalid way, else the set's round-robin
 * victim, whose range is dropped from the CPU's translation cache. The caller guarantees no
 * valid entry of the same size already translates t->va. */
static void tlb_fill(struct pw *pw, const struct pw_entry *t)
{
    unsigned s = set_index(pw, t->va, t->big);
    struct pw_entry *set = set_base(pw, s), *slot = NULL;
    for (unsigned w = 0; w < pw->ways && !slot; w++)
        if (!set[w].valid)
            slot = &set[w];
    if (!slot) {
        slot = &set[pw->victim[s]];
        pw->victim[s] = pw->victim[s] + 1 == pw->ways ? 0 : pw->victim[s] + 1;
        pw->n.evictions++;
        tlb_drop(pw, slot);
    }
    *slot = *t;
    slot->valid = 1;
    pw->nbig += t->big;
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

static int rights_ok(unsigned rw, unsigned us, int store, int user)
{
    return (!store || rw) && (!user || us);
}

/* pw_walk - the hardware page walk of va under PTBase (walk.h pw_walk_tables, over machine
 * RAM), for an access (MMU_LOAD/STORE/FETCH) in user mode (user != 0) or a privileged mode.
 * Counts the walk, its references (each charged cost.walker_memref cycles to
 * cpu->cycles_extra) and the A/D bits set, then re-arms the CPU's stop point. Returns
 * PWF_NONE with *out filled (valid = 0), or the kind of fault. */
static enum pw_fault pw_walk(struct pw *pw, uint32_t va, int access, int user,
                             struct pw_entry *out)
{
    struct cpu *cpu = pw->base.cpu;
    struct pw_walk w;

    pw->n.walks++;
    enum pw_fault f = (enum pw_fault)pw_walk_tables(&pw_ram_acc, pw, pw->ptbase, va, access,
                                                    user, 1, &w);
    if (f == PWF_NONE) {
        uint32_t rights = pw_walk_rights(&w);
        *out = (struct pw_entry){
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

static int same_translation(const struct pw_entry *a, const struct pw_entry *b)
{
    return a->va == b->va && a->pa == b->pa && a->big == b->big && a->global == b->global &&
           a->rw == b->rw && a->us == b->us;
}

/* mmu_ops.translate: TLB lookup, then (miss, or a store through a clean entry) a walk. */
static int pw_translate(struct mmu *m, uint32_t va, int access, int user, uint32_t *pa)
{
    struct pw *pw = (struct pw *)m;
    int store = access == MMU_STORE;
    struct pw_entry t;

    pw->n.lookups++;
    struct pw_entry *e = tlb_find(pw, va);
    if (e) {
        pw->n.hits++;
        if (!rights_ok(e->rw, e->us, store, user))
            return page_fault(pw, va, PWF_PROTECTION, access, user);
        if (!store || e->dirty) {
            *pa = e->pa | (va & (entry_bytes(e) - 1));
            return MMU_OK;
        }
        /* A store through a clean entry: re-walk to set D in memory, as x86 does. */
    }
    enum pw_fault f = pw_walk(pw, va, access, user, &t);
    if (f != PWF_NONE)
        return page_fault(pw, va, f, access, user);
    if (e && same_translation(e, &t)) {
        e->dirty = 1;                       /* only D changed: cached translations stay good */
    } else {
        if (e)
            tlb_invalidate_va(pw, va);      /* the tables changed under a clean entry */
        tlb_fill(pw, &t);
    }
    *pa = t.pa | (va & (entry_bytes(&t) - 1));
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
        tlb_flush_nonglobal(pw);
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
    stats_add(st, &pw->n.evictions, "pw.evictions");
    stats_add(st, &pw->n.flushes_ptbase, "pw.flushes.ptbase");
    stats_add(st, &pw->n.invlpg, "pw.invlpg");
}

static void pw_destroy(struct mmu *m)
{
    struct pw *pw = (struct pw *)m;
    free(pw->e);
    free(pw->victim);
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
    pw->ways = c->tlb_ways;
    pw->sets = c->tlb_entries / c->tlb_ways;
    pw->e = calloc(c->tlb_entries, sizeof(*pw->e));
    pw->victim = calloc(pw->sets, sizeof(*pw->victim));
    if (!pw->e || !pw->victim) {
        pw_destroy(&pw->base);
        return NULL;
    }
    return &pw->base;
}
