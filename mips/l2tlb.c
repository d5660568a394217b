/* l2tlb.c - the L2 software TLB of the Disco back end (l2tlb.h). */
#include <stdlib.h>

#include "../core/stats.h"
#include "l2tlb.h"

#define EMPTY 0xFFFFu

static unsigned position(const struct l2tlb *t, uint32_t vpn2, unsigned asid)
{
    uint32_t k = (vpn2 >> 13) * 0x9E3779B1u ^ asid * 0x85EBCA6Bu;
    return (k ^ (k >> 15)) % t->n;
}

static int live(const struct l2tlb *t, const struct l2tlb_entry *e)
{
    return e->asid != EMPTY && e->slot_gen == t->slot_gen[e->slot];
}

int l2tlb_init(struct l2tlb *t, unsigned n)
{
    if (n < L2TLB_MIN_ENTRIES || n > L2TLB_MAX_ENTRIES)
        return -1;
    t->e = malloc((size_t)n * sizeof(*t->e));
    if (!t->e)
        return -1;
    t->n = n;
    for (unsigned i = 0; i < n; i++)
        t->e[i].asid = EMPTY;
    for (unsigned i = 0; i < L2TLB_MAX_SLOTS; i++)
        t->slot_gen[i] = 0;
    t->n_.inserts = t->n_.conflicts = t->n_.drops = t->n_.slot_flushes = 0;
    return 0;
}

void l2tlb_free(struct l2tlb *t)
{
    free(t->e);
    t->e = NULL;
    t->n = 0;
}

void l2tlb_insert(struct l2tlb *t, uint32_t vpn2, unsigned asid, unsigned slot, uint32_t lo0,
                  uint32_t lo1)
{
    vpn2 &= ~0x1FFFu;
    struct l2tlb_entry *e = &t->e[position(t, vpn2, asid)];
    if (live(t, e) && (e->vpn2 != vpn2 || e->asid != asid))
        t->n_.conflicts++;
    e->vpn2 = vpn2;
    e->asid = (uint16_t)asid;
    e->slot = (uint8_t)slot;
    e->slot_gen = t->slot_gen[slot & (L2TLB_MAX_SLOTS - 1)];
    e->lo[0] = lo0;
    e->lo[1] = lo1;
    t->n_.inserts++;
}

static struct l2tlb_entry *find(const struct l2tlb *t, uint32_t vpn2, unsigned asid)
{
    struct l2tlb_entry *e = &t->e[position(t, vpn2, asid)];
    return live(t, e) && e->vpn2 == vpn2 && e->asid == asid ? e : NULL;
}

const struct l2tlb_entry *l2tlb_lookup(const struct l2tlb *t, uint32_t va, unsigned asid)
{
    const struct l2tlb_entry *e = find(t, va & ~0x1FFFu, asid);
    return e ? e : find(t, va & ~0x1FFFu, L2TLB_GLOBAL);
}

unsigned l2tlb_drop(struct l2tlb *t, uint32_t va, unsigned asid)
{
    unsigned dropped = 0;
    struct l2tlb_entry *e;
    if ((e = find(t, va & ~0x1FFFu, asid)) != NULL) {
        e->asid = EMPTY;
        dropped++;
    }
    if ((e = find(t, va & ~0x1FFFu, L2TLB_GLOBAL)) != NULL) {
        e->asid = EMPTY;
        dropped++;
    }
    t->n_.drops += dropped;
    return dropped;
}

void l2tlb_drop_in_slot(struct l2tlb *t, uint32_t va, unsigned asid, unsigned slot)
{
    struct l2tlb_entry *e = find(t, va & ~0x1FFFu, asid);
    if (e && e->slot == slot) {
        e->asid = EMPTY;
        t->n_.drops++;
    }
}

void l2tlb_flush_slot(struct l2tlb *t, unsigned slot)
{
    t->slot_gen[slot & (L2TLB_MAX_SLOTS - 1)]++;
    t->n_.slot_flushes++;
}

void l2tlb_register_stats(struct l2tlb *t, struct stats *st, const char *prefix)
{
    stats_add(st, &t->n_.inserts, "%s.l2tlb.inserts", prefix);
    stats_add(st, &t->n_.conflicts, "%s.l2tlb.conflicts", prefix);
    stats_add(st, &t->n_.drops, "%s.l2tlb.drops", prefix);
    stats_add(st, &t->n_.slot_flushes, "%s.l2tlb.slot_flushes", prefix);
}
