/* tests/test_frames.c - machine memory: the frame pool (core/frames.c) and the per-VM
 * GPFN -> MFN map (core/pmap.c), including the isolation scenario of issue 4.
 *
 * No CPU is involved: these tests drive the pool and the maps directly. The pool is
 * deterministic, so every MFN and every counter is checked exactly. */
#define _GNU_SOURCE  /* memmem */

#include <criterion/criterion.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/frames.h"
#include "core/pmap.h"
#include "core/stats.h"

#define PAGE PMAP_PAGE_BYTES

/* Whether the 4 KiB at h are all zero. */
static int page_is_zero(const uint8_t *h)
{
    for (unsigned i = 0; i < PAGE; i++)
        if (h[i])
            return 0;
    return 1;
}

/* Asserts the pool invariant total - free == allocated - freed == frames owned by anyone. */
static void check_pool(const struct frames *f)
{
    cr_assert_eq(f->total - f->free, f->allocated - f->freed);
    cr_assert_eq(f->nframes - frames_count_owned(f, FRAMES_NO_OWNER), f->total - f->free);
}

/* ---- the pool ---------------------------------------------------------------------- */

Test(frames, init_rejects_bad_sizes)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 0), -1);
    cr_assert_eq(frames_init(&f, 4095), -1);
    cr_assert_eq(frames_init(&f, PAGE + 1), -1);
    cr_assert_eq(frames_init(&f, FRAMES_MAX_BYTES + PAGE), -1);
    frames_destroy(&f);                     /* empty: no-op */
    cr_assert_eq(frames_init(&f, FRAMES_MAX_BYTES), 0);
    cr_assert_eq(f.nframes, FRAMES_MAX_BYTES / PAGE);
    cr_assert_eq(f.total, FRAMES_MAX_BYTES / PAGE);
    cr_assert_eq(f.free, FRAMES_MAX_BYTES / PAGE);
    frames_destroy(&f);
}

Test(frames, allocation_order_is_ascending_then_lifo)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    for (uint32_t i = 0; i < 5; i++)
        cr_assert_eq(frames_alloc(&f, 1), i);
    frames_free(&f, 1);
    frames_free(&f, 3);
    cr_assert_eq(frames_alloc(&f, 2), 3u);  /* last freed, first reused */
    cr_assert_eq(frames_alloc(&f, 2), 1u);
    cr_assert_eq(frames_alloc(&f, 2), 5u);  /* then the never-used ones, ascending */
    cr_assert_eq(f.allocated, 8u);
    cr_assert_eq(f.freed, 2u);
    cr_assert_eq(f.free, 2u);
    cr_assert_eq(f.peak_used, 6u);
    check_pool(&f);
    frames_destroy(&f);
}

Test(frames, reused_frame_is_zeroed_and_counted)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 4 * PAGE), 0);
    uint32_t m = frames_alloc(&f, 7);
    cr_assert_eq(m, 0u);
    uint8_t *h = frames_host(&f, m);
    cr_assert_not_null(h);
    cr_assert(page_is_zero(h));
    memset(h, 0x5A, PAGE);
    frames_free(&f, m);
    cr_assert_eq(h[0], 0x5A);               /* freeing does not clear; allocating does */
    cr_assert_eq(frames_alloc(&f, 8), m);
    cr_assert(page_is_zero(h));
    cr_assert_eq(f.zeroed, 2u);
    cr_assert_eq(f.allocated, 2u);
    cr_assert_eq(f.freed, 1u);
    frames_destroy(&f);
}

Test(frames, host_pointers_are_contiguous_and_bounded)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 3 * PAGE), 0);
    cr_assert_eq(frames_host(&f, 0), f.base);
    cr_assert_eq(frames_host(&f, 2), f.base + 2 * PAGE);
    cr_assert_null(frames_host(&f, 3));
    cr_assert_null(frames_host(&f, FRAMES_NONE));
    frames_destroy(&f);
}

Test(frames, exhaustion_returns_none_and_counts)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 3 * PAGE), 0);
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_neq(frames_alloc(&f, 1), FRAMES_NONE);
    cr_assert_eq(frames_alloc(&f, 1), FRAMES_NONE);
    cr_assert_eq(frames_alloc(&f, 2), FRAMES_NONE);
    cr_assert_eq(f.free, 0u);
    cr_assert_eq(f.allocated, 3u);
    cr_assert_eq(f.zeroed, 3u);
    cr_assert_eq(f.alloc_failed, 2u);
    frames_free(&f, 2);
    cr_assert_eq(frames_alloc(&f, 2), 2u);
    check_pool(&f);
    frames_destroy(&f);
}

Test(frames, owner_tags)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 4 * PAGE), 0);
    cr_assert_eq(frames_alloc(&f, FRAMES_NO_OWNER), FRAMES_NONE);   /* not an owner */
    cr_assert_eq(f.allocated, 0u);
    uint32_t a = frames_alloc(&f, 1), b = frames_alloc(&f, 2), c = frames_alloc(&f, 1);
    cr_assert_eq(frames_owner(&f, a), 1u);
    cr_assert_eq(frames_owner(&f, b), 2u);
    cr_assert_eq(frames_owner(&f, c), 1u);
    cr_assert_eq(frames_owner(&f, 3), FRAMES_NO_OWNER);            /* free */
    cr_assert_eq(frames_owner(&f, 4), FRAMES_NO_OWNER);            /* outside the pool */
    cr_assert_eq(frames_count_owned(&f, 1), 2u);
    cr_assert_eq(frames_count_owned(&f, 2), 1u);
    frames_free(&f, a);
    cr_assert_eq(frames_owner(&f, a), FRAMES_NO_OWNER);
    cr_assert_eq(frames_count_owned(&f, 1), 1u);
    frames_destroy(&f);
}

Test(frames, double_free_aborts, .signal = SIGABRT)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 2 * PAGE), 0);
    uint32_t m = frames_alloc(&f, 1);
    frames_free(&f, m);
    frames_free(&f, m);
}

Test(frames, free_outside_pool_aborts, .signal = SIGABRT)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 2 * PAGE), 0);
    frames_free(&f, 2);
}

Test(frames, stats_names_and_values)
{
    struct frames f;
    struct stats st;
    stats_init(&st);
    cr_assert_eq(frames_init(&f, 16 * PAGE), 0);
    frames_register_stats(&f, &st);
    for (int i = 0; i < 5; i++)
        frames_alloc(&f, 1);
    frames_free(&f, 0);
    frames_free(&f, 4);
    frames_alloc(&f, 1);
    cr_assert_eq(stats_get(&st, "machine.frames.total"), 16);
    cr_assert_eq(stats_get(&st, "machine.frames.free"), 12);
    cr_assert_eq(stats_get(&st, "machine.frames.allocated"), 6);
    cr_assert_eq(stats_get(&st, "machine.frames.zeroed"), 6);
    cr_assert_eq(stats_get(&st, "machine.frames.freed"), 2);
    cr_assert_eq(stats_get(&st, "machine.frames.alloc_failed"), 0);
    cr_assert_eq(stats_get(&st, "machine.frames.peak_used"), 5);
    stats_free(&st);
    frames_destroy(&f);
}

/* ---- the per-VM map ---------------------------------------------------------------- */

Test(pmap, init_rejects_bad_sizes)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 4 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 0), -1);
    cr_assert_eq(pmap_init(&p, &f, 1, PAGE + 4), -1);
    cr_assert_eq(pmap_init(&p, &f, FRAMES_NO_OWNER, PAGE), -1);
    pmap_destroy(&p);                      /* empty: no-op */
    /* A VM may be larger than the pool: frames are taken only on touch. */
    cr_assert_eq(pmap_init(&p, &f, 1, 64 * PAGE), 0);
    cr_assert_eq(p.npages, 64u);
    cr_assert_eq(f.allocated, 0u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, lookup_out_of_range_and_unbacked)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    for (uint32_t g = 0; g < 4; g++)
        cr_assert_eq(pmap_lookup(&p, g), PMAP_NONE);
    cr_assert_eq(pmap_lookup(&p, 4), PMAP_NONE);
    cr_assert_eq(pmap_lookup(&p, 0xFFFFFu), PMAP_NONE);
    cr_assert_eq(pmap_lookup(&p, UINT32_MAX), PMAP_NONE);
    /* Out of range: no fill, no host pointer, no frame taken, nothing counted. */
    cr_assert_eq(pmap_fill(&p, 4), PMAP_NONE);
    cr_assert_eq(pmap_fill(&p, UINT32_MAX), PMAP_NONE);
    cr_assert_null(pmap_host(&p, 4));
    cr_assert_eq(f.allocated, 0u);
    cr_assert_eq(p.filled, 0u);
    cr_assert_eq(p.fill_failed, 0u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, fill_is_idempotent)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 3, 4 * PAGE), 0);
    cr_assert_eq(pmap_fill(&p, 2), 0u);
    cr_assert_eq(pmap_fill(&p, 2), 0u);
    cr_assert_eq(pmap_lookup(&p, 2), 0u);
    cr_assert_eq(pmap_fill(&p, 0), 1u);
    cr_assert_eq(pmap_host(&p, 2), frames_host(&f, 0));
    cr_assert_eq(pmap_host(&p, 3), frames_host(&f, 2));    /* host fills on demand */
    cr_assert_eq(pmap_lookup(&p, 3), 2u);
    cr_assert_eq(frames_owner(&f, 0), 3u);
    cr_assert_eq(p.filled, 3u);
    cr_assert_eq(p.resident, 3u);
    cr_assert_eq(f.allocated, 3u);
    cr_assert_eq(f.zeroed, 3u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, fill_fails_when_machine_is_out_of_frames)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 4 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 8 * PAGE), 0);
    for (uint32_t g = 0; g < 4; g++)
        cr_assert_eq(pmap_fill(&p, g), g);
    cr_assert_eq(pmap_fill(&p, 4), PMAP_NONE);
    cr_assert_null(pmap_host(&p, 5));
    cr_assert_eq(pmap_fill(&p, 3), 3u);    /* backed pages still answer */
    cr_assert_eq(p.filled, 4u);
    cr_assert_eq(p.fill_failed, 2u);
    cr_assert_eq(f.alloc_failed, 2u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, two_vms_never_share_a_frame)
{
    struct frames f;
    struct pmap a, b;
    cr_assert_eq(frames_init(&f, 16 * PAGE), 0);
    cr_assert_eq(pmap_init(&a, &f, 1, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&b, &f, 2, 8 * PAGE), 0);
    /* Interleaved touches, in a scrambled GPFN order, with an unmap in the middle. */
    for (uint32_t i = 0; i < 8; i++) {
        cr_assert_neq(pmap_fill(&a, (i * 3) % 8), PMAP_NONE);
        cr_assert_neq(pmap_fill(&b, (i * 5) % 8), PMAP_NONE);
        if (i == 4)
            pmap_unmap(&a, 3);
    }
    cr_assert_neq(pmap_fill(&a, 3), PMAP_NONE);
    uint8_t seen[16] = {0};
    for (uint32_t g = 0; g < 8; g++) {
        uint32_t ma = pmap_lookup(&a, g), mb = pmap_lookup(&b, g);
        cr_assert_lt(ma, 16u);
        cr_assert_lt(mb, 16u);
        cr_assert_eq(frames_owner(&f, ma), 1u);
        cr_assert_eq(frames_owner(&f, mb), 2u);
        cr_assert_eq(seen[ma]++, 0, "mfn %u mapped twice", ma);
        cr_assert_eq(seen[mb]++, 0, "mfn %u mapped twice", mb);
    }
    cr_assert_eq(f.free, 0u);
    cr_assert_eq(frames_count_owned(&f, 1), 8u);
    cr_assert_eq(frames_count_owned(&f, 2), 8u);
    /* Writes through one VM are never seen through the other. */
    memset(pmap_host(&a, 0), 0xAA, PAGE);
    for (uint32_t g = 0; g < 8; g++)
        cr_assert(page_is_zero(pmap_host(&b, g)));
    pmap_destroy(&a);
    pmap_destroy(&b);
    cr_assert_eq(f.free, 16u);
    frames_destroy(&f);
}

/* Hook recorder: which GPFNs were reported, and what pmap_lookup said during the call. */
struct hook_log {
    struct pmap *p;
    unsigned n;
    uint32_t gpfn[8], mfn_during[8];
};

static void record_unmap(void *ctx, uint32_t gpfn)
{
    struct hook_log *log = ctx;
    cr_assert_lt(log->n, 8u);
    log->gpfn[log->n] = gpfn;
    log->mfn_during[log->n] = pmap_lookup(log->p, gpfn);
    log->n++;
}

Test(pmap, unmap_calls_hook_then_frees)
{
    struct frames f;
    struct pmap p;
    struct hook_log log = {0};
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    log.p = &p;
    pmap_set_unmap_hook(&p, record_unmap, &log);
    cr_assert_eq(pmap_fill(&p, 1), 0u);
    cr_assert_eq(pmap_fill(&p, 2), 1u);
    memset(pmap_host(&p, 1), 0x33, PAGE);

    pmap_unmap(&p, 1);
    cr_assert_eq(log.n, 1u);
    cr_assert_eq(log.gpfn[0], 1u);
    cr_assert_eq(log.mfn_during[0], 0u);   /* still mapped while the hook runs */
    cr_assert_eq(pmap_lookup(&p, 1), PMAP_NONE);
    cr_assert_eq(frames_owner(&f, 0), FRAMES_NO_OWNER);
    cr_assert_eq(f.free, 7u);
    cr_assert_eq(f.freed, 1u);
    cr_assert_eq(p.unmapped, 1u);
    cr_assert_eq(p.resident, 1u);

    /* Unbacked or out of range: no hook, nothing counted. */
    pmap_unmap(&p, 1);
    pmap_unmap(&p, 3);
    pmap_unmap(&p, 4);
    pmap_unmap(&p, UINT32_MAX);
    cr_assert_eq(log.n, 1u);
    cr_assert_eq(p.unmapped, 1u);

    /* The next touch backs the page again, with a zeroed frame (the one just freed). */
    cr_assert_eq(pmap_fill(&p, 1), 0u);
    cr_assert(page_is_zero(pmap_host(&p, 1)));
    cr_assert_eq(p.filled, 3u);

    /* Without a hook, unmap still frees. */
    pmap_set_unmap_hook(&p, NULL, &log);
    pmap_unmap(&p, 2);
    cr_assert_eq(log.n, 1u);
    cr_assert_eq(p.unmapped, 2u);
    cr_assert_eq(f.free, 7u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, destroy_returns_every_frame_without_hook)
{
    struct frames f;
    struct pmap p;
    struct hook_log log = {0};
    cr_assert_eq(frames_init(&f, 32 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 5, 32 * PAGE), 0);
    log.p = &p;
    pmap_set_unmap_hook(&p, record_unmap, &log);
    for (uint32_t g = 0; g < 32; g += 2)
        cr_assert_neq(pmap_fill(&p, g), PMAP_NONE);
    cr_assert_eq(f.free, 16u);
    cr_assert_eq(frames_count_owned(&f, 5), 16u);
    pmap_destroy(&p);
    cr_assert_eq(log.n, 0u);
    cr_assert_eq(f.free, f.total);
    cr_assert_eq(f.freed, 16u);
    cr_assert_eq(frames_count_owned(&f, 5), 0u);
    cr_assert_eq(p.filled, 16u);           /* counters survive for the report */
    cr_assert_eq(p.resident, 0u);
    check_pool(&f);
    frames_destroy(&f);
}

Test(pmap, write_and_read_across_page_boundaries)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    /* 2 * PAGE + 100 bytes starting 50 bytes before the end of page 0: touches pages 0..3. */
    uint32_t len = 2 * PAGE + 100, gpa = PAGE - 50;
    uint8_t *src = malloc(len), *dst = malloc(len);
    for (uint32_t i = 0; i < len; i++)
        src[i] = (uint8_t)(i * 7 + 1);
    cr_assert_eq(pmap_write(&p, gpa, src, len), 0);
    cr_assert_eq(p.filled, 4u);
    cr_assert_eq(pmap_read(&p, gpa, dst, len), 0);
    cr_assert_arr_eq(dst, src, len);
    /* The bytes land at the right offsets of the right frames. */
    cr_assert_eq(pmap_host(&p, 0)[PAGE - 50], src[0]);
    cr_assert_eq(pmap_host(&p, 0)[PAGE - 51], 0);
    cr_assert_eq(pmap_host(&p, 1)[0], src[50]);
    cr_assert_eq(pmap_host(&p, 3)[49], src[len - 1]);
    cr_assert_eq(pmap_host(&p, 3)[50], 0);
    /* Exactly the last byte of RAM, and the ranges just past it. */
    uint8_t x = 0xEE;
    cr_assert_eq(pmap_write(&p, 4 * PAGE - 1, &x, 1), 0);
    cr_assert_eq(pmap_write(&p, 4 * PAGE - 1, src, 2), -1);
    cr_assert_eq(pmap_write(&p, 4 * PAGE, &x, 1), -1);
    cr_assert_eq(pmap_write(&p, UINT32_MAX, &x, 2), -1);   /* no wrap-around */
    cr_assert_eq(pmap_read(&p, 4 * PAGE - 1, dst, 2), -1);
    cr_assert_eq(pmap_read(&p, 4 * PAGE - 1, dst, 1), 0);
    cr_assert_eq(dst[0], 0xEE);
    cr_assert_eq(pmap_write(&p, 4 * PAGE, src, 0), 0);    /* empty range at the end */
    free(src);
    free(dst);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, read_of_unbacked_pages_is_zero_and_takes_no_frame)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    uint8_t v = 0x42, buf[3 * PAGE];
    cr_assert_eq(pmap_write(&p, PAGE + 10, &v, 1), 0);    /* backs page 1 only */
    memset(buf, 0xFF, sizeof(buf));
    cr_assert_eq(pmap_read(&p, 0, buf, sizeof(buf)), 0);
    for (uint32_t i = 0; i < sizeof(buf); i++)
        cr_assert_eq(buf[i], i == PAGE + 10 ? 0x42 : 0, "byte %u", i);
    cr_assert_eq(p.filled, 1u);
    cr_assert_eq(f.allocated, 1u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, write_stops_when_machine_is_out_of_frames)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 2 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    uint8_t *src = malloc(3 * PAGE);
    memset(src, 0x11, 3 * PAGE);
    cr_assert_eq(pmap_write(&p, 0, src, 3 * PAGE), -1);
    cr_assert_eq(p.filled, 2u);
    cr_assert_eq(p.fill_failed, 1u);
    cr_assert_eq(pmap_host(&p, 1)[PAGE - 1], 0x11);       /* the prefix is written */
    free(src);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, zero_clears_backed_pages_only)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 8 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    memset(pmap_host(&p, 0), 0x77, PAGE);
    cr_assert_eq(pmap_zero(&p, 100, 2 * PAGE), 0);
    cr_assert_eq(pmap_host(&p, 0)[99], 0x77);
    cr_assert_eq(pmap_host(&p, 0)[100], 0);
    cr_assert_eq(pmap_host(&p, 0)[PAGE - 1], 0);
    cr_assert_eq(pmap_lookup(&p, 1), PMAP_NONE);          /* not backed by zeroing */
    cr_assert_eq(pmap_lookup(&p, 2), PMAP_NONE);
    cr_assert_eq(pmap_zero(&p, 3 * PAGE, PAGE + 1), -1);
    cr_assert_eq(p.filled, 1u);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, load_elf_writes_segments_and_leaves_bss_unbacked)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 64 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 64 * PAGE), 0);
    static const uint8_t text[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t data[] = {0xD0, 0xD1, 0xD2};
    /* A page of stale bytes where the first .bss byte goes: it must read zero afterwards. */
    memset(pmap_host(&p, 2), 0xCC, PAGE);
    struct elf_image img = {.entry = 0x80001000u, .nseg = 2};
    img.seg[0] = (struct elf_seg){.paddr = 0x1000, .vaddr = 0x80001000u, .filesz = 8,
                                  .memsz = 8, .flags = 5, .data = text};
    img.seg[1] = (struct elf_seg){.paddr = 0x2000 - 1, .vaddr = 0x80001FFFu, .filesz = 3,
                                  .memsz = 3 + 10 * PAGE, .flags = 6, .data = data};
    cr_assert_eq(pmap_load_elf(&p, &img), 0);
    uint8_t buf[8];
    cr_assert_eq(pmap_read(&p, 0x1000, buf, 8), 0);
    cr_assert_arr_eq(buf, text, 8);
    cr_assert_eq(pmap_read(&p, 0x1FFF, buf, 3), 0);
    cr_assert_arr_eq(buf, data, 3);
    cr_assert_eq(pmap_host(&p, 1)[PAGE - 1], 0xD0);
    cr_assert_eq(pmap_host(&p, 2)[0], 0xD1);
    cr_assert_eq(pmap_host(&p, 2)[1], 0xD2);
    cr_assert_eq(pmap_host(&p, 2)[2], 0);                 /* stale byte under .bss: cleared */
    cr_assert_eq(pmap_host(&p, 2)[PAGE - 1], 0);
    cr_assert_eq(pmap_lookup(&p, 3), PMAP_NONE);          /* rest of .bss: lazy */
    cr_assert_eq(pmap_lookup(&p, 12), PMAP_NONE);
    cr_assert_eq(p.filled, 2u);                           /* pages 1 and 2 */
    /* A segment past the end of RAM is refused. */
    img.nseg = 1;
    img.seg[0].paddr = 64 * PAGE - 4;
    cr_assert_eq(pmap_load_elf(&p, &img), -1);
    pmap_destroy(&p);
    frames_destroy(&f);
}

Test(pmap, stats_names_and_values)
{
    struct frames f;
    struct pmap p;
    struct stats st;
    stats_init(&st);
    cr_assert_eq(frames_init(&f, 2 * PAGE), 0);
    cr_assert_eq(pmap_init(&p, &f, 1, 4 * PAGE), 0);
    pmap_register_stats(&p, &st, "vm1");
    pmap_fill(&p, 0);
    pmap_fill(&p, 1);
    pmap_fill(&p, 2);                       /* pool empty */
    pmap_unmap(&p, 0);
    cr_assert_eq(stats_get(&st, "vm1.pmap.filled"), 2);
    cr_assert_eq(stats_get(&st, "vm1.pmap.unmapped"), 1);
    cr_assert_eq(stats_get(&st, "vm1.pmap.resident"), 1);
    cr_assert_eq(stats_get(&st, "vm1.pmap.fill_failed"), 1);
    pmap_destroy(&p);
    cr_assert_eq(stats_get(&st, "vm1.pmap.filled"), 2);
    cr_assert_eq(stats_get(&st, "vm1.pmap.resident"), 0);
    stats_free(&st);
    frames_destroy(&f);
}

/* ---- issue 4, Isolation -------------------------------------------------------------- */

/* VM A (id 1) writes a secret over all of its RAM and is destroyed; VM B (id 2), of the
 * same size, on a pool exactly that large (so it must get every one of A's frames), backs
 * every page and reads all of it: not one byte of the secret, indeed not one non-zero byte. */
Test(isolation, previous_owner_data_never_visible)
{
    enum { NPAGES = 256 };                  /* 1 MiB VMs */
    const uint32_t ram = NPAGES * PAGE;
    static const char secret[] = "SECRET-vm1-\xA5\x5A";   /* 13 bytes: no page alignment */
    struct frames f;
    struct pmap a, b;
    cr_assert_eq(frames_init(&f, ram), 0);

    uint8_t *buf = malloc(ram);
    for (uint32_t i = 0; i < ram; i++)
        buf[i] = (uint8_t)secret[i % (sizeof(secret) - 1)];
    cr_assert_eq(pmap_init(&a, &f, 1, ram), 0);
    cr_assert_eq(pmap_write(&a, 0, buf, ram), 0);
    cr_assert_eq(f.free, 0u);
    uint8_t a_had[NPAGES] = {0};
    for (uint32_t g = 0; g < NPAGES; g++)
        a_had[pmap_lookup(&a, g)] = 1;
    pmap_destroy(&a);
    cr_assert_eq(f.free, f.total);

    cr_assert_eq(pmap_init(&b, &f, 2, ram), 0);
    for (uint32_t g = 0; g < NPAGES; g++) {
        uint32_t m = pmap_fill(&b, g);
        cr_assert_neq(m, PMAP_NONE);
        cr_assert(a_had[m], "vm2 got mfn %u that vm1 never held", m);   /* real reuse */
        cr_assert_eq(frames_owner(&f, m), 2u);
    }
    memset(buf, 0xFF, ram);
    cr_assert_eq(pmap_read(&b, 0, buf, ram), 0);
    for (uint32_t i = 0; i < ram; i++)
        cr_assert_eq(buf[i], 0, "vm2 sees byte %#x at gpa %#x", buf[i], i);
    /* And the secret as a string, for the record. */
    cr_assert_null(memmem(buf, ram, "SECRET", 6));
    cr_assert_eq(f.zeroed, 2u * NPAGES);
    cr_assert_eq(f.allocated, 2u * NPAGES);
    cr_assert_eq(f.freed, (uint64_t)NPAGES);
    cr_assert_eq(a.filled, (uint64_t)NPAGES);
    cr_assert_eq(b.filled, (uint64_t)NPAGES);
    free(buf);
    pmap_destroy(&b);
    frames_destroy(&f);
}

/* A guest that names guest-physical pages beyond its RAM (as a TLB PFN would) gets no
 * machine frame, and certainly none of another VM's. */
Test(isolation, gpfn_beyond_ram_reaches_nothing)
{
    struct frames f;
    struct pmap a, b;
    cr_assert_eq(frames_init(&f, 16 * PAGE), 0);
    cr_assert_eq(pmap_init(&a, &f, 1, 4 * PAGE), 0);
    cr_assert_eq(pmap_init(&b, &f, 2, 8 * PAGE), 0);
    for (uint32_t g = 0; g < 8; g++)
        memset(pmap_host(&b, g), 0xBB, PAGE);
    uint64_t before = f.allocated;
    /* Every GPFN a 20-bit EntryLo PFN can name, and the extremes beyond. */
    for (uint32_t g = 4; g < (1u << 20); g++)
        cr_assert_eq(pmap_fill(&a, g), PMAP_NONE);
    cr_assert_eq(pmap_fill(&a, UINT32_MAX), PMAP_NONE);
    cr_assert_eq(f.allocated, before);
    for (uint32_t g = 0; g < 4; g++) {
        uint8_t *h = pmap_host(&a, g);
        cr_assert(page_is_zero(h));
        cr_assert_eq(frames_owner(&f, pmap_lookup(&a, g)), 1u);
    }
    pmap_destroy(&a);
    pmap_destroy(&b);
    frames_destroy(&f);
}

/* ---- aligned runs and extent placement (klarge, shadow back end) --------------------- */

Test(frames, reserve_run_is_aligned_and_claimed_on_demand)
{
    struct frames f;
    cr_assert_eq(frames_init(&f, 64 * PAGE), 0);
    cr_assert_eq(frames_alloc(&f, 1), 0u);             /* frame 0 taken: the run goes to 16 */
    uint32_t run = frames_reserve_run(&f, 16, 16, 7);
    cr_assert_eq(run, 16u);
    cr_assert_eq(f.free, 64u - 1 - 16);
    cr_assert_eq(frames_owner(&f, 20), FRAMES_RESERVED(7));
    /* the free list no longer hands out the run: the next frames are 1, 2, ... then 32 */
    for (uint32_t i = 1; i < 16; i++)
        cr_assert_eq(frames_alloc(&f, 1), i);
    cr_assert_eq(frames_alloc(&f, 1), 32u);
    /* claiming: only for its owner, zeroed, counted */
    memset(frames_host(&f, 21), 0x55, PAGE);
    cr_assert_eq(frames_claim(&f, 21, 8), FRAMES_NONE);
    uint64_t zeroed = f.zeroed;
    cr_assert_eq(frames_claim(&f, 21, 7), 21u);
    cr_assert(page_is_zero(frames_host(&f, 21)));
    cr_assert_eq(f.zeroed, zeroed + 1);
    cr_assert_eq(frames_owner(&f, 21), 7u);
    /* given back to the run, then released */
    frames_unclaim(&f, 21);
    cr_assert_eq(frames_owner(&f, 21), FRAMES_RESERVED(7));
    for (uint32_t i = 16; i < 32; i++)
        frames_release(&f, i);
    cr_assert_eq(frames_count_owned(&f, FRAMES_RESERVED(7)), 0u);
    /* no aligned run of 64 exists now */
    cr_assert_eq(frames_reserve_run(&f, 64, 64, 7), FRAMES_NONE);
    frames_destroy(&f);
}

Test(pmap, extents_place_pages_in_one_aligned_run)
{
    struct frames f;
    struct pmap p;
    cr_assert_eq(frames_init(&f, 4096 * PAGE), 0);
    cr_assert_eq(frames_alloc(&f, 99), 0u);
    cr_assert_eq(pmap_init(&p, &f, 3, 1500 * PAGE), 0);     /* one full extent, one short */
    cr_assert_eq(pmap_use_extents(&p), 0);
    /* pages backed in any order land at their place in the extent's run */
    cr_assert_eq(pmap_fill(&p, 700), 1024u + 700);
    cr_assert_eq(pmap_fill(&p, 3), 1024u + 3);
    cr_assert_eq(pmap_fill(&p, 1100), 2048u + 76);          /* the short extent: its own run */
    cr_assert_eq(pmap_extent_mfn(&p, 0), PMAP_NONE);        /* not whole yet */
    for (uint32_t g = 0; g < 1024; g++)
        cr_assert_eq(pmap_fill(&p, g), 1024u + g);
    cr_assert_eq(pmap_extent_mfn(&p, 0), 1024u);
    cr_assert_eq(p.filled, 1025u);
    /* a page unmapped goes back to the run, and comes back at the same place, zeroed */
    memset(pmap_host(&p, 5), 0x77, PAGE);
    pmap_unmap(&p, 5);
    cr_assert_eq(pmap_extent_mfn(&p, 0), PMAP_NONE);
    cr_assert_eq(frames_owner(&f, 1029), FRAMES_RESERVED(3));
    cr_assert_eq(pmap_fill(&p, 5), 1029u);
    cr_assert(page_is_zero(pmap_host(&p, 5)));
    cr_assert_eq(pmap_extent_mfn(&p, 0), 1024u);
    pmap_destroy(&p);
    cr_assert_eq(f.free, f.total - 1);                      /* only frame 0 is still taken */
    cr_assert_eq(frames_count_owned(&f, FRAMES_RESERVED(3)), 0u);
    frames_destroy(&f);
}
