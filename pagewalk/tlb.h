/* tlb.h - the pagewalk personality's TLB (docs/pagewalk.md "Hardware TLB"), written once for
 * the machine's walker (pw.c) and for a hypervisor's exact model of a guest's TLB
 * (shadow/vtlb.c): the same geometry, lookup order, replacement and the same rules for what
 * a walk does to the entries, so that the model holds exactly what the native TLB would.
 *
 * sets * ways entries; a 4 KiB entry lives in set VA[12+k-1:12], a 4 MiB entry in set
 * VA[22+k-1:22] (k = log2(sets)); a lookup probes the 4 KiB set, then (only while some 4 MiB
 * entry is valid) the 4 MiB set, the 4 KiB entry winning. Fills take the lowest invalid way,
 * else the set's round-robin victim. Every valid entry that leaves — evicted, invalidated,
 * flushed — is reported to the owner's drop callback (a bulk flush may skip it, see
 * pw_tlb_flush), which is how the machine keeps the CPU's translation cache and a
 * hypervisor its shadow entries in step. */
#ifndef TLBVISOR_PW_TLB_H
#define TLBVISOR_PW_TLB_H

#include <stdint.h>

#include "pw.h"

#define PW_PAGE_4K_BYTES 0x1000u
#define PW_PAGE_4M_BYTES 0x400000u

/* One entry: the result of a successful walk. */
struct pw_tlb_entry {
    uint32_t va;          /* page VA: 4 KiB-aligned, or 4 MiB-aligned when big */
    uint32_t pa;          /* frame PA, same alignment */
    uint8_t valid;
    uint8_t big;          /* 4 MiB page (PDE.PS) */
    uint8_t global;       /* leaf G: survives PTBase writes */
    uint8_t rw, us;       /* PDE & PTE rights combined (a 4 MiB page: the PDE's own) */
    uint8_t dirty;        /* leaf D as known to be in memory; a store needs dirty == 1 */
};

struct pw_tlb {
    unsigned sets, ways;
    unsigned nbig;                   /* valid 4 MiB entries: while 0, a lookup probes one set */
    struct pw_tlb_entry *e;          /* set s, way w at e[s * ways + w] */
    unsigned *victim;                /* per set: next way to evict (round-robin) */
    uint64_t evictions;              /* valid entries replaced by a fill */
    /* Called with every valid entry that leaves (before it is cleared). */
    void (*drop)(void *ctx, const struct pw_tlb_entry *e);
    void *ctx;
};

/* Sets up an empty TLB of geometry c (checked by pw_config_check). Returns 0 or -1. */
int pw_tlb_init(struct pw_tlb *t, const struct pw_config *c,
                void (*drop)(void *ctx, const struct pw_tlb_entry *e), void *ctx);
void pw_tlb_free(struct pw_tlb *t);

static inline uint32_t pw_tlb_entry_bytes(const struct pw_tlb_entry *e)
{
    return e->big ? PW_PAGE_4M_BYTES : PW_PAGE_4K_BYTES;
}

/* The valid entry of the given size translating va, or NULL. */
static inline struct pw_tlb_entry *pw_tlb_find_size(struct pw_tlb *t, uint32_t va, int big)
{
    struct pw_tlb_entry *set = &t->e[(size_t)((va >> (big ? 22 : 12)) & (t->sets - 1)) * t->ways];
    uint32_t page = va & (big ? PW_FRAME_4M : PW_FRAME_4K);
    for (unsigned w = 0; w < t->ways; w++)
        if (set[w].valid && set[w].big == big && set[w].va == page)
            return &set[w];
    return NULL;
}

/* The entry translating va: a 4 KiB entry if there is one, else a 4 MiB one, else NULL.
 * (Both exist only if software changed a PDE without InvlPg; x86 leaves that case
 * undefined, this TLB deterministically prefers the 4 KiB entry.) */
static inline struct pw_tlb_entry *pw_tlb_find(struct pw_tlb *t, uint32_t va)
{
    struct pw_tlb_entry *e = pw_tlb_find_size(t, va, 0);
    return e || !t->nbig ? e : pw_tlb_find_size(t, va, 1);
}

/* What a lookup says an access must do. */
enum pw_tlb_verdict {
    PW_TLB_HIT,           /* translated by *e */
    PW_TLB_FAULT,         /* a protection fault from the entry *e, without a walk */
    PW_TLB_WALK,          /* walk: a miss (*e NULL), or a store through clean *e (to set D) */
};

/* The lookup of va for a store (store != 0) or not, in user mode or not. */
static inline enum pw_tlb_verdict pw_tlb_lookup(struct pw_tlb *t, uint32_t va, int store, int user,
                                                struct pw_tlb_entry **e)
{
    *e = pw_tlb_find(t, va);
    if (!*e)
        return PW_TLB_WALK;
    if ((store && !(*e)->rw) || (user && !(*e)->us))
        return PW_TLB_FAULT;
    return !store || (*e)->dirty ? PW_TLB_HIT : PW_TLB_WALK;
}

/* After the walk a lookup asked for: walked is the new translation (valid = 0), or NULL
 * if the walk faulted. A fault invalidates every entry of va (x86: a page fault drops the
 * faulting address's translations). Otherwise, if e (what the lookup found) holds the same
 * translation only its D changed: it becomes dirty; else e's translations go and walked is
 * filled. Returns the entry now translating va (NULL after a fault). */
struct pw_tlb_entry *pw_tlb_walked(struct pw_tlb *t, uint32_t va, struct pw_tlb_entry *e,
                                   const struct pw_tlb_entry *walked);

/* Installs *n in its set (the lowest invalid way, else the round-robin victim, which is
 * dropped). The caller guarantees no valid entry of the same size translates n->va. */
struct pw_tlb_entry *pw_tlb_fill(struct pw_tlb *t, const struct pw_tlb_entry *n);
/* Invalidates every entry (4 KiB and 4 MiB, global or not) translating va. */
void pw_tlb_invalidate_va(struct pw_tlb *t, uint32_t va);
/* Invalidates every entry overlapping [va, va + bytes). */
void pw_tlb_invalidate_range(struct pw_tlb *t, uint32_t va, uint32_t bytes);
/* Invalidates every entry, or every non-global one (keep_global). With notify 0 the drop
 * callback is not called (the caller handles the whole TLB at once). */
void pw_tlb_flush(struct pw_tlb *t, int keep_global, int notify);

#endif
