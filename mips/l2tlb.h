/* l2tlb.h - Disco's second-level software TLB: the translations a guest wrote into its
 * TLB (tlbwi/tlbwr), kept by the VMM after the guest's TLB has evicted them, so that a
 * later miss on the same page is resolved without running the guest's refill handler
 * (docs/vmm.md "The L2 software TLB").
 *
 * A set-associative array (L2TLB_WAYS ways, replacement in insertion order) keyed by
 * (VPN2, guest ASID); a global entry is keyed by (VPN2, L2TLB_GLOBAL) and matches any ASID. Only 4 KiB-page entries are kept. An entry
 * holds the guest's EntryLo pair as the guest wrote it (guest-physical PFNs): the VMM maps
 * it to machine frames through the pmap when it uses it.
 *
 * Every entry remembers the guest TLB index (slot) it was written to and that slot's
 * generation at the time; l2tlb_flush_slot() advances the generation, which retires at
 * once every entry that ever lived in the slot (the guest overwrote the slot knowingly, so
 * whatever it evicted from there must be gone for it). One array per VM. */
#ifndef TLBVISOR_L2TLB_H
#define TLBVISOR_L2TLB_H

#include <stdint.h>

#define L2TLB_GLOBAL 256u          /* the ASID key of a global entry */
#define L2TLB_MAX_SLOTS 256        /* guest TLB indexes (R4K_TLB_MAX) */
#define L2TLB_MIN_ENTRIES 1
#define L2TLB_MAX_ENTRIES (1u << 20)
#define L2TLB_DEFAULT_ENTRIES 4096
#define L2TLB_WAYS 4               /* n >= 4: n / 4 sets of 4 (n rounded down to a multiple) */

struct stats;

struct l2tlb_entry {
    uint32_t vpn2;                 /* VA of the even page, low 13 bits clear */
    uint16_t asid;                 /* guest ASID, or L2TLB_GLOBAL; 0xFFFF: empty */
    uint8_t slot;                  /* guest TLB index the entry was written to */
    uint32_t slot_gen;             /* that slot's generation then */
    uint64_t stamp;                /* insertion order, for replacement within a set */
    uint32_t lo[2];                /* the guest's EntryLo0/1 without G */
};

/* Why a lookup found nothing usable (l2tlb_classify_miss), the three Cs of caches with
 * invalidation for the third: */
enum l2tlb_miss {
    L2TLB_MISS_COLD,               /* the guest never wrote a translation for this key */
    L2TLB_MISS_CONFLICT,           /* it did; another key took its place in the array */
    L2TLB_MISS_INVALIDATED,        /* it did; a soundness rule retired it (drop, slot flush) */
    L2TLB_MISS_UNUSABLE,           /* present, but invalid or clean for the access */
    L2TLB_MISS_KINDS
};

struct l2tlb_history;

struct l2tlb {
    unsigned n;                    /* entries (sets x ways) */
    unsigned sets, ways;
    struct l2tlb_entry *e;         /* set i: e[i * ways .. i * ways + ways - 1] */
    uint64_t clock;                /* insertions so far */
    uint32_t slot_gen[L2TLB_MAX_SLOTS];
    struct l2tlb_history *seen;    /* every key ever recorded and its fate (uthash; only
                                    * touched by inserts, drops and misses) */
    struct {
        uint64_t inserts;          /* entries recorded (guest tlbwi/tlbwr) */
        uint64_t conflicts;        /* live entries overwritten by another key */
        uint64_t drops;            /* entries dropped for a key (guest tlbp miss, rewrite) */
        uint64_t slot_flushes;     /* guest slots overwritten knowingly */
        uint64_t misses[L2TLB_MISS_KINDS]; /* classified misses */
    } n_;
};

/* Allocates n entries (L2TLB_MIN_ENTRIES..L2TLB_MAX_ENTRIES; from 4 on, rounded down to a
 * multiple of L2TLB_WAYS), all empty. 0 or -1. */
int l2tlb_init(struct l2tlb *t, unsigned n);
void l2tlb_free(struct l2tlb *t);
/* Records the 4 KiB-page entry (vpn2, asid or L2TLB_GLOBAL) -> lo0/lo1 written to guest TLB
 * index slot: over the key's own entry if it has one, else over an empty or retired way of
 * its set, else over the way inserted longest ago. */
void l2tlb_insert(struct l2tlb *t, uint32_t vpn2, unsigned asid, unsigned slot, uint32_t lo0,
                  uint32_t lo1);
/* The live entry that translates va for guest ASID asid (an entry of that ASID, else a
 * global one), or NULL. */
const struct l2tlb_entry *l2tlb_lookup(const struct l2tlb *t, uint32_t va, unsigned asid);
/* Drops the entries for va's VPN2 under asid and the global one. Returns how many. */
unsigned l2tlb_drop(struct l2tlb *t, uint32_t va, unsigned asid);
/* Drops a key only if its live entry was written to slot (the guest rewrote that slot's
 * occupant). */
void l2tlb_drop_in_slot(struct l2tlb *t, uint32_t va, unsigned asid, unsigned slot);
/* Counts a miss for va under asid (or an unusable hit: unusable != 0) by its cause. */
enum l2tlb_miss l2tlb_classify_miss(struct l2tlb *t, uint32_t va, unsigned asid, int unusable);
/* Retires every entry written to guest TLB index slot. */
void l2tlb_flush_slot(struct l2tlb *t, unsigned slot);
/* Registers the counters as PREFIX.l2tlb.*. */
void l2tlb_register_stats(struct l2tlb *t, struct stats *st, const char *prefix);

#endif
