/* tests/test_l2tlb.c - the L2 software TLB of the Disco back end (mips/l2tlb.c): keys
 * (VPN2, ASID) and global entries, the drop rules, slot generations and the counters.
 * Deterministic: every counter is checked exactly. */
#include <criterion/criterion.h>

#include "mips/l2tlb.h"

#define LO(pfn, d, v) (((uint32_t)(pfn) << 6) | ((d) << 2) | ((v) << 1))

static struct l2tlb t;

static void setup(void) { cr_assert_eq(l2tlb_init(&t, 4096), 0); }
static void teardown(void) { l2tlb_free(&t); }

TestSuite(l2tlb, .init = setup, .fini = teardown);

Test(l2tlb, sizes)
{
    struct l2tlb u;
    cr_assert_eq(l2tlb_init(&u, 0), -1);
    cr_assert_eq(l2tlb_init(&u, L2TLB_MAX_ENTRIES + 1), -1);
    cr_assert_eq(l2tlb_init(&u, 1), 0);
    l2tlb_insert(&u, 0x00400000, 1, 0, LO(5, 1, 1), 0);
    cr_assert_not_null(l2tlb_lookup(&u, 0x00401234, 1));
    l2tlb_insert(&u, 0x00800000, 1, 0, LO(6, 1, 1), 0);   /* one entry: replaces */
    cr_assert_null(l2tlb_lookup(&u, 0x00400000, 1));
    cr_assert_eq(u.n_.conflicts, 1);
    l2tlb_free(&u);
}

Test(l2tlb, insert_lookup_by_asid)
{
    cr_assert_null(l2tlb_lookup(&t, 0x00400000, 1));
    l2tlb_insert(&t, 0x00401fff, 1, 3, LO(0x123, 1, 1), LO(0x124, 0, 1));
    const struct l2tlb_entry *e = l2tlb_lookup(&t, 0x00401000, 1);
    cr_assert_not_null(e);
    cr_assert_eq(e->vpn2, 0x00400000u);                   /* low 13 bits dropped */
    cr_assert_eq(e->lo[0], LO(0x123, 1, 1));
    cr_assert_eq(e->lo[1], LO(0x124, 0, 1));
    cr_assert_eq(e->slot, 3);
    cr_assert_null(l2tlb_lookup(&t, 0x00400000, 2));      /* another ASID */
    cr_assert_null(l2tlb_lookup(&t, 0x00402000, 1));      /* the next pair */
    cr_assert_eq(t.n_.inserts, 1);
}

Test(l2tlb, global_matches_any_asid)
{
    l2tlb_insert(&t, 0xc0000000, L2TLB_GLOBAL, 0, LO(9, 1, 1), LO(10, 1, 1));
    for (unsigned a = 0; a < 256; a += 51)
        cr_assert_not_null(l2tlb_lookup(&t, 0xc0001000, a));
    /* an entry of the ASID itself comes first */
    l2tlb_insert(&t, 0xc0000000, 7, 1, LO(11, 1, 1), 0);
    cr_assert_eq(l2tlb_lookup(&t, 0xc0000000, 7)->lo[0], LO(11, 1, 1));
    cr_assert_eq(l2tlb_lookup(&t, 0xc0000000, 8)->lo[0], LO(9, 1, 1));
}

Test(l2tlb, drop_removes_asid_and_global_keys)
{
    l2tlb_insert(&t, 0x00400000, 1, 0, LO(1, 1, 1), 0);
    l2tlb_insert(&t, 0x00400000, L2TLB_GLOBAL, 1, LO(2, 1, 1), 0);
    l2tlb_insert(&t, 0x00400000, 2, 2, LO(3, 1, 1), 0);
    cr_assert_eq(l2tlb_drop(&t, 0x00400abc, 1), 2);
    cr_assert_null(l2tlb_lookup(&t, 0x00400000, 1));
    cr_assert_eq(l2tlb_lookup(&t, 0x00400000, 2)->lo[0], LO(3, 1, 1));  /* ASID 2 stays */
    cr_assert_eq(l2tlb_drop(&t, 0x00400000, 1), 0);
    cr_assert_eq(t.n_.drops, 2);
}

Test(l2tlb, drop_in_slot_only_for_that_slot)
{
    l2tlb_insert(&t, 0x00400000, 1, 4, LO(1, 1, 1), 0);
    l2tlb_drop_in_slot(&t, 0x00400000, 1, 5);             /* another slot's occupant */
    cr_assert_not_null(l2tlb_lookup(&t, 0x00400000, 1));
    l2tlb_drop_in_slot(&t, 0x00400000, 1, 4);
    cr_assert_null(l2tlb_lookup(&t, 0x00400000, 1));
    cr_assert_eq(t.n_.drops, 1);
}

Test(l2tlb, flush_slot_retires_everything_from_it)
{
    for (unsigned i = 0; i < 8; i++)
        l2tlb_insert(&t, 0x00400000 + i * 0x2000, 1, i % 2, LO(i, 1, 1), 0);
    l2tlb_flush_slot(&t, 1);
    for (unsigned i = 0; i < 8; i++) {
        const struct l2tlb_entry *e = l2tlb_lookup(&t, 0x00400000 + i * 0x2000, 1);
        if (i % 2)
            cr_assert_null(e, "entry %u from the flushed slot", i);
        else
            cr_assert_not_null(e, "entry %u from slot 0", i);
    }
    /* an entry written to the slot after the flush lives */
    l2tlb_insert(&t, 0x00402000, 1, 1, LO(42, 1, 1), 0);
    cr_assert_eq(l2tlb_lookup(&t, 0x00402000, 1)->lo[0], LO(42, 1, 1));
    cr_assert_eq(t.n_.slot_flushes, 1);
    cr_assert_eq(t.n_.conflicts, 0);
}

Test(l2tlb, four_ways_replace_the_oldest)
{
    struct l2tlb u;
    cr_assert_eq(l2tlb_init(&u, 6), 0);                   /* one set of 4 ways */
    cr_assert_eq(u.n, 4);
    cr_assert_eq(u.sets, 1);
    for (unsigned i = 0; i < 4; i++)
        l2tlb_insert(&u, 0x00400000 + i * 0x2000, 1, 0, LO(i, 1, 1), 0);
    cr_assert_eq(u.n_.conflicts, 0);
    l2tlb_insert(&u, 0x00400000, 1, 0, LO(9, 1, 1), 0);   /* an update keeps its way */
    l2tlb_insert(&u, 0x00500000, 1, 0, LO(5, 1, 1), 0);   /* evicts pair 1, the oldest */
    cr_assert_eq(u.n_.conflicts, 1);
    cr_assert_null(l2tlb_lookup(&u, 0x00402000, 1));
    cr_assert_eq(l2tlb_lookup(&u, 0x00400000, 1)->lo[0], LO(9, 1, 1));
    cr_assert_not_null(l2tlb_lookup(&u, 0x00404000, 1));
    cr_assert_not_null(l2tlb_lookup(&u, 0x00500000, 1));
    /* a retired way is reused before any live one */
    l2tlb_drop(&u, 0x00404000, 1);
    l2tlb_insert(&u, 0x00600000, 1, 0, LO(6, 1, 1), 0);
    cr_assert_eq(u.n_.conflicts, 1);
    cr_assert_not_null(l2tlb_lookup(&u, 0x00406000, 1));
    l2tlb_free(&u);
}

Test(l2tlb, classifies_misses)
{
    struct l2tlb u;
    cr_assert_eq(l2tlb_init(&u, 1), 0);
    cr_assert_eq(l2tlb_classify_miss(&u, 0x00400000, 1, 0), L2TLB_MISS_COLD);
    l2tlb_insert(&u, 0x00400000, 1, 0, LO(1, 1, 1), 0);
    l2tlb_insert(&u, 0x00800000, 1, 1, LO(2, 1, 1), 0);   /* takes the only entry */
    cr_assert_eq(l2tlb_classify_miss(&u, 0x00400000, 1, 0), L2TLB_MISS_CONFLICT);
    l2tlb_drop(&u, 0x00800000, 1);
    cr_assert_eq(l2tlb_classify_miss(&u, 0x00800000, 1, 0), L2TLB_MISS_INVALIDATED);
    l2tlb_insert(&u, 0x00c00000, 1, 2, LO(3, 1, 1), 0);
    l2tlb_flush_slot(&u, 2);
    cr_assert_eq(l2tlb_classify_miss(&u, 0x00c00000, 1, 0), L2TLB_MISS_INVALIDATED);
    cr_assert_eq(l2tlb_classify_miss(&u, 0x00c00000, 2, 0), L2TLB_MISS_COLD);  /* other ASID */
    cr_assert_eq(l2tlb_classify_miss(&u, 0x00c00000, 1, 1), L2TLB_MISS_UNUSABLE);
    cr_assert_eq(u.n_.misses[L2TLB_MISS_COLD], 2);
    cr_assert_eq(u.n_.misses[L2TLB_MISS_CONFLICT], 1);
    cr_assert_eq(u.n_.misses[L2TLB_MISS_INVALIDATED], 2);
    cr_assert_eq(u.n_.misses[L2TLB_MISS_UNUSABLE], 1);
    l2tlb_free(&u);
}

Test(l2tlb, counts_conflicts_of_live_entries_only)
{
    struct l2tlb u;
    cr_assert_eq(l2tlb_init(&u, 1), 0);
    l2tlb_insert(&u, 0x00400000, 1, 0, LO(1, 1, 1), 0);
    l2tlb_insert(&u, 0x00400000, 1, 0, LO(2, 1, 1), 0);   /* same key: an update */
    cr_assert_eq(u.n_.conflicts, 0);
    l2tlb_flush_slot(&u, 0);
    l2tlb_insert(&u, 0x00800000, 1, 1, LO(3, 1, 1), 0);   /* over a retired entry */
    cr_assert_eq(u.n_.conflicts, 0);
    l2tlb_insert(&u, 0x00c00000, 1, 1, LO(4, 1, 1), 0);
    cr_assert_eq(u.n_.conflicts, 1);
    cr_assert_eq(u.n_.inserts, 4);
    l2tlb_free(&u);
}
