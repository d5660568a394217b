/* r4k_tlb.c - R4000-style software-managed TLB (DESIGN.md §2a).
 *
 * N dual entries: EntryHi VPN2/ASID, PageMask (4 KiB .. 256 MiB pages), EntryLo0/1 with
 * PFN/C/D/V/G. Lookups never scan the N entries: entries are hashed by (page mask, VPN2) and
 * a lookup probes one bucket per distinct page size in use. When several entries match (the
 * hardware would take a machine check), the lowest index wins, as in QEMU.
 * Random is the CPU's lazy countdown in [Wired, N-1]. Any change of an entry drops the CPU's
 * cached translations of both the old and the new address range. */
#include <stdlib.h>
#include <string.h>

#include "../core/cp0.h"
#include "../core/cpu.h"
#include "../core/stats.h"
#include "r4k_tlb.h"

#define NBUCKETS 512
#define MAX_MASKS 9                       /* 4K, 16K, ... 256M */

struct r4k_entry {
    uint32_t vpn2;        /* VA of the even page, low (mask | 0x1FFF) bits clear */
    uint32_t mask;        /* PageMask */
    uint32_t lo[2];       /* EntryLo0/1 without G */
    uint8_t asid, g, used;
    int16_t next;         /* hash chain, -1 ends */
};

struct r4k_tlb {
    struct mmu base;
    unsigned n;
    struct r4k_entry *e;
    int16_t bucket[NBUCKETS];
    uint32_t masks[MAX_MASKS];            /* distinct PageMask values in use */
    unsigned mask_refs[MAX_MASKS];
    unsigned nmasks;
    struct {
        uint64_t lookups, hits, refills, invalid, mods;
        uint64_t tlbwi, tlbwr, tlbp, tlbr;
    } n_;
};

static unsigned hash(uint32_t vpn2, uint32_t mask)
{
    uint32_t k = (vpn2 >> 13) ^ (mask >> 13) * 0x9E3779B1u;
    return (k ^ (k >> 9)) & (NBUCKETS - 1);
}

static void mask_ref(struct r4k_tlb *t, uint32_t mask, int delta)
{
    for (unsigned i = 0; i < t->nmasks; i++) {
        if (t->masks[i] == mask) {
            t->mask_refs[i] += delta;
            if (t->mask_refs[i] == 0) {
                t->nmasks--;
                t->masks[i] = t->masks[t->nmasks];
                t->mask_refs[i] = t->mask_refs[t->nmasks];
            }
            return;
        }
    }
    if (delta > 0 && t->nmasks < MAX_MASKS) {
        t->masks[t->nmasks] = mask;
        t->mask_refs[t->nmasks++] = 1;
    }
}

static void unlink_entry(struct r4k_tlb *t, int idx)
{
    struct r4k_entry *e = &t->e[idx];
    if (!e->used)
        return;
    int16_t *p = &t->bucket[hash(e->vpn2, e->mask)];
    while (*p != idx)
        p = &t->e[*p].next;
    *p = e->next;
    mask_ref(t, e->mask, -1);
    e->used = 0;
}

static void link_entry(struct r4k_tlb *t, int idx)
{
    struct r4k_entry *e = &t->e[idx];
    unsigned b = hash(e->vpn2, e->mask);
    e->next = t->bucket[b];
    t->bucket[b] = (int16_t)idx;
    mask_ref(t, e->mask, +1);
    e->used = 1;
}

/* Returns the lowest-index entry matching va under asid, or -1. */
static int find(const struct r4k_tlb *t, uint32_t va, uint8_t asid)
{
    int best = -1;
    for (unsigned m = 0; m < t->nmasks; m++) {
        uint32_t mask = t->masks[m];
        uint32_t vpn2 = va & ~(mask | 0x1FFFu);
        for (int i = t->bucket[hash(vpn2, mask)]; i >= 0; i = t->e[i].next) {
            const struct r4k_entry *e = &t->e[i];
            if (e->mask == mask && e->vpn2 == vpn2 && (e->g || e->asid == asid) &&
                (best < 0 || i < best))
                best = i;
        }
    }
    return best;
}

static int r4k_translate(struct mmu *m, uint32_t va, int access, int user, uint32_t *pa)
{
    struct r4k_tlb *t = (struct r4k_tlb *)m;
    (void)user;
    t->n_.lookups++;
    int i = find(t, va, (uint8_t)t->base.cpu->cp0.entryhi);
    if (i < 0) {
        t->n_.refills++;
        return MMU_REFILL;
    }
    const struct r4k_entry *e = &t->e[i];
    uint32_t page_bytes = ((e->mask | 0x1FFFu) + 1) >> 1;
    uint32_t lo = e->lo[(va & page_bytes) ? 1 : 0];
    if (!(lo & 2)) {
        t->n_.invalid++;
        return MMU_INVALID;
    }
    if (access == MMU_STORE && !(lo & 4)) {
        t->n_.mods++;
        return MMU_MOD;
    }
    t->n_.hits++;
    uint32_t frame = (uint32_t)(((uint64_t)(lo >> 6) << 12) & ~(uint64_t)(page_bytes - 1));
    *pa = frame | (va & (page_bytes - 1));
    return MMU_OK;
}

static void drop_cached(struct r4k_tlb *t, int idx)
{
    const struct r4k_entry *e = &t->e[idx];
    if (e->used)
        cpu_tc_flush_range(t->base.cpu, e->vpn2, (e->mask | 0x1FFFu) + 1);
}

static void write_entry(struct r4k_tlb *t, int idx)
{
    struct cp0 *c = &t->base.cpu->cp0;
    struct r4k_entry *e = &t->e[idx];
    drop_cached(t, idx);
    unlink_entry(t, idx);
    e->mask = c->pagemask;
    e->vpn2 = c->entryhi & ~(e->mask | 0x1FFFu);
    e->asid = (uint8_t)c->entryhi;
    e->g = (c->entrylo0 & c->entrylo1 & 1) != 0;
    e->lo[0] = c->entrylo0 & ~1u;
    e->lo[1] = c->entrylo1 & ~1u;
    link_entry(t, idx);
    drop_cached(t, idx);
}

static int r4k_tlb_op(struct mmu *m, int op)
{
    struct r4k_tlb *t = (struct r4k_tlb *)m;
    struct cpu *cpu = t->base.cpu;
    struct cp0 *c = &cpu->cp0;
    switch (op) {
    case MMU_TLBWI:
        t->n_.tlbwi++;
        write_entry(t, (int)((c->index & 0x7FFFFFFFu) % t->n));
        break;
    case MMU_TLBWR:
        t->n_.tlbwr++;
        write_entry(t, (int)cpu_random(cpu));
        break;
    case MMU_TLBP: {
        t->n_.tlbp++;
        /* tlbp compares VPN2 under each entry's own mask: the same as a lookup of EntryHi. */
        int best = find(t, c->entryhi & ~0x1FFFu, (uint8_t)c->entryhi);
        c->index = best < 0 ? (c->index | 0x80000000u) : (uint32_t)best;
        break;
    }
    case MMU_TLBR: {
        t->n_.tlbr++;
        const struct r4k_entry *e = &t->e[(c->index & 0x7FFFFFFFu) % t->n];
        uint32_t old_asid = c->entryhi & 0xFF;
        c->pagemask = e->mask;
        c->entryhi = e->vpn2 | e->asid;
        c->entrylo0 = e->lo[0] | e->g;
        c->entrylo1 = e->lo[1] | e->g;
        if (old_asid != e->asid)
            cpu_tc_flush(cpu);
        break;
    }
    }
    return 0;
}

void r4k_tlb_peek(const struct mmu *m, unsigned idx, struct r4k_tlb_view *out)
{
    const struct r4k_tlb *t = (const struct r4k_tlb *)m;
    const struct r4k_entry *e = &t->e[idx % t->n];
    out->entryhi = e->vpn2 | e->asid;
    out->pagemask = e->mask;
    out->lo[0] = e->lo[0];
    out->lo[1] = e->lo[1];
    out->g = e->g;
}

static void r4k_asid_changed(struct mmu *m)
{
    cpu_tc_flush(m->cpu);
}

static void r4k_register_stats(struct mmu *m, struct stats *st)
{
    struct r4k_tlb *t = (struct r4k_tlb *)m;
    stats_add(st, &t->n_.lookups, "tlb.lookups");
    stats_add(st, &t->n_.hits, "tlb.hits");
    stats_add(st, &t->n_.refills, "tlb.misses.refill");
    stats_add(st, &t->n_.invalid, "tlb.misses.invalid");
    stats_add(st, &t->n_.mods, "tlb.misses.mod");
    stats_add(st, &t->n_.tlbwr, "tlb.refills.tlbwr");
    stats_add(st, &t->n_.tlbwi, "tlb.refills.tlbwi");
    stats_add(st, &t->n_.tlbp, "tlb.tlbp");
    stats_add(st, &t->n_.tlbr, "tlb.tlbr");
}

static void r4k_destroy(struct mmu *m)
{
    struct r4k_tlb *t = (struct r4k_tlb *)m;
    free(t->e);
    free(t);
}

static const struct mmu_ops r4k_ops = {
    .name = "swtlb",
    .translate = r4k_translate,
    .tlb_op = r4k_tlb_op,
    .asid_changed = r4k_asid_changed,
    .register_stats = r4k_register_stats,
    .destroy = r4k_destroy,
};

struct mmu *r4k_tlb_new(struct cpu *cpu, unsigned n)
{
    struct r4k_tlb *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->e = calloc(n, sizeof(*t->e));
    if (!t->e) {
        free(t);
        return NULL;
    }
    t->base.ops = &r4k_ops;
    t->base.cpu = cpu;
    t->n = n;
    memset(t->bucket, 0xFF, sizeof(t->bucket));
    /* At reset every entry is all zeros (VPN2 0, ASID 0, V=0), as in QEMU: an access to
     * 0x0..0x1FFF under ASID 0 is a TLB invalid, not a refill, until software rewrites it. */
    for (unsigned i = n; i-- > 0;)
        link_entry(t, (int)i);
    return &t->base;
}
