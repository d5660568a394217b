/* core/share.c - the table of shared frames and hints (share.h). */
#include <stdio.h>
#include <stdlib.h>

#include <uthash.h>

#include "share.h"
#include "stats.h"

struct share_node {
    uint64_t hash;
    uint32_t mfn;                  /* shared frame, or UINT32_MAX for a hint */
    uint32_t refs;
    struct pmap *p;                /* hint: the page */
    uint32_t gpfn;
    UT_hash_handle hh;             /* by_hash */
    UT_hash_handle hm;             /* by_mfn (frame nodes) */
};

void share_init(struct share *s)
{
    *s = (struct share){ 0 };
}

void share_free(struct share *s)
{
    struct share_node *n, *tmp;
    HASH_ITER(hm, s->by_mfn, n, tmp)
        HASH_DELETE(hm, s->by_mfn, n);
    HASH_ITER(hh, s->by_hash, n, tmp) {
        HASH_DELETE(hh, s->by_hash, n);
        free(n);
    }
    s->frames = s->pages = s->hints = 0;
}

static struct share_node *by_hash(const struct share *s, uint64_t hash)
{
    struct share_node *n;
    HASH_FIND(hh, s->by_hash, &hash, sizeof(hash), n);
    return n;
}

static struct share_node *by_mfn(const struct share *s, uint32_t mfn)
{
    struct share_node *n;
    HASH_FIND(hm, s->by_mfn, &mfn, sizeof(mfn), n);
    return n;
}

int share_find(const struct share *s, uint64_t hash, uint32_t *mfn, struct pmap **p,
               uint32_t *gpfn)
{
    struct share_node *n = by_hash(s, hash);
    if (!n)
        return 0;
    if (n->mfn != UINT32_MAX) {
        *mfn = n->mfn;
        return 1;
    }
    *p = n->p;
    *gpfn = n->gpfn;
    return 2;
}

/* The node of hash, a hint or new (NULL: out of memory); a frame node is a VMM bug. */
static struct share_node *hint_node(struct share *s, uint64_t hash)
{
    struct share_node *n = by_hash(s, hash);
    if (n && n->mfn != UINT32_MAX) {
        fprintf(stderr, "tlbvisor: internal error: share: hash %016llx has a frame\n",
                (unsigned long long)hash);
        abort();
    }
    if (n)
        return n;
    if (!(n = calloc(1, sizeof(*n))))
        return NULL;
    n->hash = hash;
    n->mfn = UINT32_MAX;
    HASH_ADD(hh, s->by_hash, hash, sizeof(n->hash), n);
    s->hints++;
    return n;
}

void share_set_hint(struct share *s, uint64_t hash, struct pmap *p, uint32_t gpfn)
{
    struct share_node *n = hint_node(s, hash);
    if (n) {
        n->p = p;
        n->gpfn = gpfn;
    }
}

void share_add_frame(struct share *s, uint64_t hash, uint32_t mfn)
{
    struct share_node *n = hint_node(s, hash);
    if (!n) {
        fprintf(stderr, "tlbvisor: out of host memory for the page-sharing table\n");
        abort();
    }
    s->hints--;
    n->mfn = mfn;
    n->refs = 1;
    n->p = NULL;
    HASH_ADD(hm, s->by_mfn, mfn, sizeof(n->mfn), n);
    s->frames++;
    s->pages++;
}

void share_ref(struct share *s, uint32_t mfn)
{
    struct share_node *n = by_mfn(s, mfn);
    if (!n) {
        fprintf(stderr, "tlbvisor: internal error: share: mfn %#x is not shared\n", mfn);
        abort();
    }
    n->refs++;
    s->pages++;
}

uint32_t share_unref(struct share *s, uint32_t mfn)
{
    struct share_node *n = by_mfn(s, mfn);
    if (!n || n->refs == 0) {
        fprintf(stderr, "tlbvisor: internal error: share: mfn %#x is not shared\n", mfn);
        abort();
    }
    s->pages--;
    if (--n->refs)
        return n->refs;
    HASH_DELETE(hm, s->by_mfn, n);
    HASH_DELETE(hh, s->by_hash, n);
    free(n);
    s->frames--;
    return 0;
}

uint32_t share_refs(const struct share *s, uint32_t mfn)
{
    struct share_node *n = by_mfn(s, mfn);
    return n ? n->refs : 0;
}

void share_drop_hints(struct share *s)
{
    struct share_node *n, *tmp;
    HASH_ITER(hh, s->by_hash, n, tmp) {
        if (n->mfn != UINT32_MAX)
            continue;
        HASH_DELETE(hh, s->by_hash, n);
        free(n);
    }
    s->hints = 0;
}

void share_register_stats(struct share *s, struct stats *st)
{
    stats_add(st, &s->frames, "machine.share.frames");
    stats_add(st, &s->pages, "machine.share.pages");
    stats_add(st, &s->hints, "machine.share.hints");
    stats_add(st, &s->scanned, "machine.share.scanned");
    stats_add(st, &s->compared, "machine.share.compared");
    stats_add(st, &s->merged, "machine.share.merged");
    stats_add(st, &s->cow_copies, "machine.share.cow_copies");
    stats_add(st, &s->cow_reuses, "machine.share.cow_reuses");
    stats_add(st, &s->collisions, "machine.share.collisions");
    stats_add(st, &s->stale_hints, "machine.share.stale_hints");
}
