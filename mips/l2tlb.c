/* l2tlb.c - the L2 software TLB of the Disco back end (l2tlb.h). */
#include <stdlib.h>

#include <uthash.h>

#include "../core/stats.h"
#include "l2tlb.h"

#define EMPTY 0xFFFFu

/* What became of a key the guest once wrote. */
enum fate { FATE_RECORDED, FATE_CONFLICT, FATE_DROPPED };

struct l2tlb_history {
    uint64_t key;                  /* vpn2 << 16 | asid */
    uint8_t fate;
    UT_hash_handle hh;
};

static uint64_t key_of(uint32_t vpn2, unsigned asid)
{
    return (uint64_t)(vpn2 & ~0x1FFFu) << 16 | asid;
}

static struct l2tlb_history *history(const struct l2tlb *t, uint32_t vpn2, unsigned asid)
{
    struct l2tlb_history *h;
    uint64_t k = key_of(vpn2, asid);
    HASH_FIND(hh, t->seen, &k, sizeof(k), h);
    return h;
}

/* Records the fate of a key (adding it when it is first written). */
static void set_fate(struct l2tlb *t, uint32_t vpn2, unsigned asid, enum fate f)
{
    struct l2tlb_history *h = history(t, vpn2, asid);
    if (!h) {
        if (f != FATE_RECORDED || !(h = calloc(1, sizeof(*h))))
            return;                 /* out of memory: the miss counts as cold */
        h->key = key_of(vpn2, asid);
        HASH_ADD(hh, t->seen, key, sizeof(h->key), h);
    }
    h->fate = (uint8_t)f;
}

/* The first way of the key's set. */
static struct l2tlb_entry *set_of(const struct l2tlb *t, uint32_t vpn2, unsigned asid)
{
    uint32_t k = (vpn2 >> 13) * 0x9E3779B1u ^ asid * 0x85EBCA6Bu;
    return &t->e[((k ^ (k >> 15)) % t->sets) * t->ways];
}

static int live(const struct l2tlb *t, const struct l2tlb_entry *e)
{
    return e->asid != EMPTY && e->slot_gen == t->slot_gen[e->slot];
}

int l2tlb_init(struct l2tlb *t, unsigned n)
{
    if (n < L2TLB_MIN_ENTRIES || n > L2TLB_MAX_ENTRIES)
        return -1;
    t->ways = n < L2TLB_WAYS ? n : L2TLB_WAYS;
    t->sets = n / t->ways;
    n = t->sets * t->ways;
    t->e = malloc((size_t)n * sizeof(*t->e));
    if (!t->e)
        return -1;
    t->n = n;
    t->clock = 0;
    for (unsigned i = 0; i < n; i++)
        t->e[i].asid = EMPTY;
    for (unsigned i = 0; i < L2TLB_MAX_SLOTS; i++)
        t->slot_gen[i] = 0;
    t->seen = NULL;
    t->n_.inserts = t->n_.conflicts = t->n_.drops = t->n_.slot_flushes = 0;
    for (int i = 0; i < L2TLB_MISS_KINDS; i++)
        t->n_.misses[i] = 0;
    return 0;
}

void l2tlb_free(struct l2tlb *t)
{
    struct l2tlb_history *h, *tmp;
    HASH_ITER(hh, t->seen, h, tmp) {
        HASH_DEL(t->seen, h);
        free(h);
    }
    free(t->e);
    t->e = NULL;
    t->n = 0;
}

void l2tlb_insert(struct l2tlb *t, uint32_t vpn2, unsigned asid, unsigned slot, uint32_t lo0,
                  uint32_t lo1)
{
    vpn2 &= ~0x1FFFu;
    struct l2tlb_entry *set = set_of(t, vpn2, asid), *e = NULL;
    for (unsigned w = 0; w < t->ways && !e; w++)
        if (live(t, &set[w]) && set[w].vpn2 == vpn2 && set[w].asid == asid)
            e = &set[w];
    for (unsigned w = 0; w < t->ways && !e; w++)
        if (!live(t, &set[w]))
            e = &set[w];
    if (!e) {
        e = &set[0];
        for (unsigned w = 1; w < t->ways; w++)
            if (set[w].stamp < e->stamp)
                e = &set[w];
        t->n_.conflicts++;
        set_fate(t, e->vpn2, e->asid, FATE_CONFLICT);
    }
    set_fate(t, vpn2, asid, FATE_RECORDED);
    e->vpn2 = vpn2;
    e->asid = (uint16_t)asid;
    e->slot = (uint8_t)slot;
    e->slot_gen = t->slot_gen[slot & (L2TLB_MAX_SLOTS - 1)];
    e->lo[0] = lo0;
    e->lo[1] = lo1;
    e->stamp = ++t->clock;
    t->n_.inserts++;
}

static struct l2tlb_entry *find(const struct l2tlb *t, uint32_t vpn2, unsigned asid)
{
    struct l2tlb_entry *set = set_of(t, vpn2, asid);
    for (unsigned w = 0; w < t->ways; w++)
        if (live(t, &set[w]) && set[w].vpn2 == vpn2 && set[w].asid == asid)
            return &set[w];
    return NULL;
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
        set_fate(t, e->vpn2, e->asid, FATE_DROPPED);
        e->asid = EMPTY;
        dropped++;
    }
    if ((e = find(t, va & ~0x1FFFu, L2TLB_GLOBAL)) != NULL) {
        set_fate(t, e->vpn2, e->asid, FATE_DROPPED);
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
        set_fate(t, e->vpn2, e->asid, FATE_DROPPED);
        e->asid = EMPTY;
        t->n_.drops++;
    }
}

enum l2tlb_miss l2tlb_classify_miss(struct l2tlb *t, uint32_t va, unsigned asid, int unusable)
{
    enum l2tlb_miss m;
    const struct l2tlb_history *h = history(t, va, asid);
    if (!h)
        h = history(t, va, L2TLB_GLOBAL);
    if (unusable)
        m = L2TLB_MISS_UNUSABLE;
    else if (!h)
        m = L2TLB_MISS_COLD;
    else if (h->fate == FATE_CONFLICT)
        m = L2TLB_MISS_CONFLICT;
    else
        m = L2TLB_MISS_INVALIDATED;   /* dropped, or recorded and retired by a slot flush */
    t->n_.misses[m]++;
    return m;
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
    static const char *const kind[L2TLB_MISS_KINDS] = { "cold", "conflict", "invalidated",
                                                        "unusable" };
    for (int i = 0; i < L2TLB_MISS_KINDS; i++)
        stats_add(st, &t->n_.misses[i], "%s.l2tlb.misses_%s", prefix, kind[i]);
}
