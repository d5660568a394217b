/* tlb.c - the pagewalk TLB, shared by the machine and the exact guest-TLB model (tlb.h). */
#include <stdlib.h>

#include "tlb.h"

int pw_tlb_init(struct pw_tlb *t, const struct pw_config *c,
                void (*drop)(void *ctx, const struct pw_tlb_entry *e), void *ctx)
{
    t->ways = c->tlb_ways;
    t->sets = c->tlb_entries / c->tlb_ways;
    t->nbig = 0;
    t->evictions = 0;
    t->drop = drop;
    t->ctx = ctx;
    t->e = calloc(c->tlb_entries, sizeof(*t->e));
    t->victim = calloc(t->sets, sizeof(*t->victim));
    if (!t->e || !t->victim) {
        pw_tlb_free(t);
        return -1;
    }
    return 0;
}

void pw_tlb_free(struct pw_tlb *t)
{
    free(t->e);
    free(t->victim);
    t->e = NULL;
    t->victim = NULL;
}

/* Invalidates e, reporting it to the owner first. */
static void drop(struct pw_tlb *t, struct pw_tlb_entry *e)
{
    if (t->drop)
        t->drop(t->ctx, e);
    t->nbig -= e->big;
    e->valid = 0;
}

struct pw_tlb_entry *pw_tlb_fill(struct pw_tlb *t, const struct pw_tlb_entry *n)
{
    unsigned s = (n->va >> (n->big ? 22 : 12)) & (t->sets - 1);
    struct pw_tlb_entry *set = &t->e[(size_t)s * t->ways], *slot = NULL;
    for (unsigned w = 0; w < t->ways && !slot; w++)
        if (!set[w].valid)
            slot = &set[w];
    if (!slot) {
        slot = &set[t->victim[s]];
        t->victim[s] = t->victim[s] + 1 == t->ways ? 0 : t->victim[s] + 1;
        t->evictions++;
        drop(t, slot);
    }
    *slot = *n;
    slot->valid = 1;
    t->nbig += n->big;
    return slot;
}

void pw_tlb_invalidate_va(struct pw_tlb *t, uint32_t va)
{
    struct pw_tlb_entry *e = pw_tlb_find_size(t, va, 0);
    if (e)
        drop(t, e);
    e = t->nbig ? pw_tlb_find_size(t, va, 1) : NULL;
    if (e)
        drop(t, e);
}

void pw_tlb_invalidate_range(struct pw_tlb *t, uint32_t va, uint32_t bytes)
{
    size_t n = (size_t)t->sets * t->ways;
    uint64_t end = (uint64_t)va + bytes;
    for (size_t i = 0; i < n; i++) {
        struct pw_tlb_entry *e = &t->e[i];
        if (e->valid && e->va < end && (uint64_t)e->va + pw_tlb_entry_bytes(e) > va)
            drop(t, e);
    }
}

void pw_tlb_flush(struct pw_tlb *t, int keep_global, int notify)
{
    size_t n = (size_t)t->sets * t->ways;
    for (size_t i = 0; i < n; i++) {
        struct pw_tlb_entry *e = &t->e[i];
        if (!e->valid || (keep_global && e->global))
            continue;
        if (notify && t->drop)
            t->drop(t->ctx, e);
        t->nbig -= e->big;
        e->valid = 0;
    }
}

static int same_translation(const struct pw_tlb_entry *a, const struct pw_tlb_entry *b)
{
    return a->va == b->va && a->pa == b->pa && a->big == b->big && a->global == b->global &&
           a->rw == b->rw && a->us == b->us;
}

struct pw_tlb_entry *pw_tlb_walked(struct pw_tlb *t, uint32_t va, struct pw_tlb_entry *e,
                                   const struct pw_tlb_entry *walked)
{
    if (!walked) {
        pw_tlb_invalidate_va(t, va);
        return NULL;
    }
    if (e && same_translation(e, walked)) {
        e->dirty = 1;                 /* only D changed: cached translations stay good */
        return e;
    }
    if (e)
        pw_tlb_invalidate_va(t, va); /* the tables changed under a clean entry */
    return pw_tlb_fill(t, walked);
}
