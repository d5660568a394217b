/* core/share.h - content-based page sharing (Waldspurger, "Memory Resource Management in
 * VMware ESX Server", OSDI '02; docs/memory.md "Sharing"): identical pages, within a VM
 * and across VMs, mapped read-only to one machine frame.
 *
 * This file is the table only: one node per hash value (XXH3-64 of the 4096 bytes), which
 * is either a shared frame (its MFN and how many guest pages map it) or a hint (one guest
 * page that had that hash when it was scanned, not shared yet). The policy — which pages
 * to scan, byte-for-byte verification, write protection, copy on write — is mem.c's.
 * A hash is only ever a hint: two pages are shared only after memcmp says they are equal.
 * uthash (off the hot path: the scanner and copy-on-write faults only). */
#ifndef TLBVISOR_CORE_SHARE_H
#define TLBVISOR_CORE_SHARE_H

#include <stdint.h>

struct pmap;
struct stats;
struct share_node;

struct share {
    struct share_node *by_hash;     /* every node */
    struct share_node *by_mfn;      /* the frame nodes */

    /* Counters (machine.share.*). */
    uint64_t frames;                /* shared frames now */
    uint64_t pages;                 /* guest pages mapped to them now */
    uint64_t hints;                 /* hint nodes now */
    uint64_t scanned;               /* pages hashed by the scanner */
    uint64_t compared;              /* byte-for-byte compares (a hash matched) */
    uint64_t merged;                /* pages that became shared (their frame freed) */
    uint64_t cow_copies;            /* writes to a shared page that copied it */
    uint64_t cow_reuses;            /* ... that found it no longer shared: made private */
    uint64_t collisions;            /* equal hashes, different bytes */
    uint64_t stale_hints;           /* hints whose page had changed or gone */
};

void share_init(struct share *s);
/* Frees every node (the frames are the pool's: the caller has released them). */
void share_free(struct share *s);

/* The node for hash, if any. For a frame node *mfn is its frame and the result 1; for a
 * hint, *p and *gpfn are the page and the result 2; 0: no node. */
int share_find(const struct share *s, uint64_t hash, uint32_t *mfn, struct pmap **p,
               uint32_t *gpfn);
/* Records a hint (replacing the node of that hash, which must be a hint or absent). */
void share_set_hint(struct share *s, uint64_t hash, struct pmap *p, uint32_t gpfn);
/* Turns the node of hash (a hint or absent) into shared frame mfn with refs 1. */
void share_add_frame(struct share *s, uint64_t hash, uint32_t mfn);
/* One more / one fewer guest page maps frame mfn. share_unref returns the references left;
 * at 0 the node is gone (the caller frees the frame). */
void share_ref(struct share *s, uint32_t mfn);
uint32_t share_unref(struct share *s, uint32_t mfn);
/* References of frame mfn (0: not a shared frame). */
uint32_t share_refs(const struct share *s, uint32_t mfn);
/* Drops every hint (the scanner starts a new pass: hints are only good for one). */
void share_drop_hints(struct share *s);
void share_register_stats(struct share *s, struct stats *st);

#endif
