/* tests/test_mem.c - the machine memory manager and its parts (issue 12): the lz4
 * compressed store (core/zstore.c), the swap file (core/swap.c), the sharing table
 * (core/share.c) and the manager over pmaps (core/mem.c): reclaim to the store and the
 * swap file and back, sharing and copy on write, ballooning, double-zeroing tracking, and
 * isolation through all of them.
 *
 * No CPU is involved: the tests drive frames, pmaps and the manager directly, with hooks
 * that record what a back end would be told. Everything is deterministic: where a figure
 * is derived by hand it is asserted exactly (the comment says how); the rest are
 * invariants (marked "invariant"). */
#define _GNU_SOURCE  /* memmem */

#include <criterion/criterion.h>

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cost.h"
#include "core/frames.h"
#include "core/mem.h"
#include "core/pmap.h"
#include "core/share.h"
#include "core/swap.h"
#include "core/zstore.h"

#define PAGE 4096u

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Page contents: incompressible (xorshift words) from seed. */
static void fill_random(uint8_t *page, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 1;
    for (unsigned i = 0; i < PAGE; i += 4) {
        uint32_t w = xorshift(&s);
        memcpy(page + i, &w, 4);
    }
}

/* Page contents: compressible but not one word (a short repeating pattern from seed). */
static void fill_text(uint8_t *page, uint32_t seed)
{
    for (unsigned i = 0; i < PAGE; i++)
        page[i] = (uint8_t)("the quick brown fox "[(i + seed) % 20] + (i / 512));
}

/* ---- the compressed store ----------------------------------------------------------- */

Test(zstore, one_word_pages_take_no_bytes)
{
    struct zstore z;
    uint8_t page[PAGE], back[PAGE];
    enum zstore_kind k;
    zstore_init(&z, 1 << 20);
    memset(page, 0, PAGE);
    cr_assert_eq(zstore_put(&z, page, &k), 0u);
    cr_assert_eq(k, ZSTORE_SAME);
    for (unsigned i = 0; i < PAGE; i += 4)
        memcpy(page + i, "\xEF\xBE\xAD\xDE", 4);
    cr_assert_eq(zstore_put(&z, page, &k), 1u);
    cr_assert_eq(k, ZSTORE_SAME);
    cr_assert_eq(z.bytes, 0u);
    cr_assert_eq(z.stored_same, 2u);
    cr_assert_eq(z.lz4_bytes_in, 0u);          /* never given to lz4 */
    cr_assert_eq(zstore_get(&z, 1, back), 0);
    cr_assert_arr_eq(back, page, PAGE);
    cr_assert_eq(zstore_get(&z, 0, back), 0);
    for (unsigned i = 0; i < PAGE; i++)
        cr_assert_eq(back[i], 0);
    zstore_free(&z);
}

Test(zstore, compressible_pages_lz4_incompressible_raw)
{
    struct zstore z;
    uint8_t page[PAGE], back[PAGE];
    enum zstore_kind k;
    zstore_init(&z, 1 << 20);
    fill_text(page, 3);
    uint32_t h = zstore_put(&z, page, &k);
    cr_assert_eq(k, ZSTORE_LZ4);
    cr_assert_leq(z.e[h].len, ZSTORE_RAW_BYTES);
    cr_assert_eq(z.bytes, z.e[h].len);
    cr_assert_eq(z.lz4_bytes_out, z.e[h].len);
    cr_assert_eq(zstore_get(&z, h, back), 0);
    cr_assert_arr_eq(back, page, PAGE);
    fill_random(page, 9);
    uint32_t r = zstore_put(&z, page, &k);
    cr_assert_eq(k, ZSTORE_RAW);
    cr_assert_eq(z.e[r].len, PAGE);
    cr_assert_gt(z.lz4_bytes_out, z.e[h].len + ZSTORE_RAW_BYTES); /* lz4 was tried on it */
    cr_assert_eq(zstore_get(&z, r, back), 0);
    cr_assert_arr_eq(back, page, PAGE);
    cr_assert_eq(z.pages, 2u);
    cr_assert_eq(z.stored_lz4, 1u);
    cr_assert_eq(z.stored_raw, 1u);
    cr_assert_eq(z.loaded, 2u);
    zstore_free(&z);
}

Test(zstore, bound_refuses_what_does_not_fit_and_handles_are_lifo)
{
    struct zstore z;
    uint8_t page[PAGE];
    zstore_init(&z, PAGE);                     /* room for exactly one raw page */
    fill_random(page, 1);
    cr_assert_eq(zstore_put(&z, page, NULL), 0u);
    fill_random(page, 2);
    cr_assert_eq(zstore_put(&z, page, NULL), ZSTORE_NONE);
    cr_assert_eq(z.full, 1u);
    memset(page, 0, PAGE);                     /* a one-word page always fits: no bytes */
    cr_assert_eq(zstore_put(&z, page, NULL), 1u);
    zstore_drop(&z, 0);
    cr_assert_eq(z.bytes, 0u);
    fill_random(page, 2);
    cr_assert_eq(zstore_put(&z, page, NULL), 0u);   /* the handle just released */
    cr_assert_eq(z.pages, 2u);
    cr_assert_eq(z.peak_bytes, PAGE);
    zstore_drop(&z, 7);                        /* not an entry: no-op */
    zstore_drop(&z, ZSTORE_NONE);
    cr_assert_eq(z.pages, 2u);
    zstore_free(&z);
}

Test(zstore, damaged_entry_is_reported_not_returned)
{
    struct zstore z;
    uint8_t page[PAGE], back[PAGE];
    zstore_init(&z, 1 << 20);
    fill_text(page, 0);
    uint32_t h = zstore_put(&z, page, NULL);
    z.e[h].len = 10;                           /* a truncated stream */
    cr_assert_eq(zstore_get(&z, h, back), -1);
    cr_assert_eq(z.corrupt, 1u);
    cr_assert_eq(zstore_get(&z, 99, back), -1);
    zstore_free(&z);
}

/* ---- the swap file ------------------------------------------------------------------ */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/tv-test-mem-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(swap, .init = make_tmpdir, .fini = remove_tmpdir);

Test(swap, slots_lifo_full_and_checksums)
{
    struct swap sw;
    char path[128], err[256];
    uint8_t page[PAGE], back[PAGE];
    snprintf(path, sizeof(path), "%s/swap", tmpdir);
    cr_assert_eq(swap_open(&sw, path, 4 * PAGE, err, sizeof(err)), 0, "%s", err);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 4 * PAGE);
    for (uint32_t i = 0; i < 4; i++) {
        fill_random(page, i);
        cr_assert_eq(swap_put(&sw, page), i);           /* a new file: 0, 1, 2, 3 */
    }
    cr_assert_eq(swap_put(&sw, page), SWAP_NONE);
    cr_assert_eq(sw.full, 1u);
    fill_random(page, 2);
    cr_assert_eq(swap_get(&sw, 2, back), 0);
    cr_assert_arr_eq(back, page, PAGE);
    swap_drop(&sw, 1);
    fill_random(page, 7);
    cr_assert_eq(swap_put(&sw, page), 1u);              /* the slot just freed */
    /* Change one byte of slot 3 behind the swapper's back: its checksum catches it. */
    int fd = open(path, O_WRONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pwrite(fd, "X", 1, 3 * PAGE + 100), 1);
    close(fd);
    cr_assert_eq(swap_get(&sw, 3, back), -2);
    cr_assert_eq(sw.corrupt, 1u);
    cr_assert_eq(swap_get(&sw, 5, back), -1);           /* no such slot */
    cr_assert_eq(sw.writes, 5u);
    cr_assert_eq(sw.reads, 1u);
    cr_assert_eq(sw.in_use, 4u);
    swap_close(&sw);
    cr_assert_neq(stat(path, &st), 0, "the file swap_open created is removed");
}

Test(swap, bad_paths_are_refused_with_a_reason)
{
    struct swap sw;
    char path[160], err[256];
    snprintf(path, sizeof(path), "%s/no/such/dir/swap", tmpdir);
    cr_assert_eq(swap_open(&sw, path, 4 * PAGE, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "cannot be created"), "%s", err);
    snprintf(path, sizeof(path), "%s/swap", tmpdir);
    cr_assert_eq(swap_open(&sw, path, 4 * PAGE + 1, err, sizeof(err)), -1);
    swap_close(&sw);                                    /* closed: no-op */
}

Test(swap, a_directory_holds_an_unnamed_file_of_its_own)
{
    struct swap a, b;
    char err[256];
    uint8_t page[PAGE], back[PAGE];
    cr_assert_eq(swap_open(&a, tmpdir, 4 * PAGE, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(swap_open(&b, tmpdir, 4 * PAGE, err, sizeof(err)), 0, "%s", err);
    memset(page, 0xA5, PAGE);
    cr_assert_eq(swap_put(&a, page), 0u);
    memset(page, 0x5A, PAGE);
    cr_assert_eq(swap_put(&b, page), 0u);            /* the same slot, another file */
    cr_assert_eq(swap_get(&a, 0, back), 0);
    cr_assert_eq(back[0], 0xA5);
    cr_assert_eq(swap_get(&b, 0, back), 0);
    cr_assert_eq(back[4095], 0x5A);
    swap_close(&a);
    swap_close(&b);
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int names = 0;
    while ((e = readdir(d)))
        names += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(names, 0, "nothing left in the directory");
}

Test(swap, injected_faults)
{
    struct swap sw;
    char path[128], err[256];
    uint8_t page[PAGE], back[PAGE];
    snprintf(path, sizeof(path), "%s/swap", tmpdir);
    setenv("TLBVISOR_FAULT", "swap-eio=2", 1);
    cr_assert_eq(swap_open(&sw, path, 4 * PAGE, err, sizeof(err)), 0, "%s", err);
    fill_random(page, 1);
    cr_assert_eq(swap_put(&sw, page), 0u);
    cr_assert_eq(swap_put(&sw, page), SWAP_NONE);       /* the 2nd write fails (EIO) ... */
    cr_assert_eq(sw.io_errors, 1u);
    cr_assert_eq(sw.last_errno, EIO);
    cr_assert_eq(swap_put(&sw, page), SWAP_NONE);       /* ... and the file takes no more */
    cr_assert_eq(sw.io_errors, 1u);
    cr_assert_eq(swap_get(&sw, 0, back), 0);            /* what it holds can still be read */
    swap_close(&sw);
    /* The Nth page written is corrupted on disk after its checksum was taken. */
    setenv("TLBVISOR_FAULT", "swap-corrupt=2", 1);
    cr_assert_eq(swap_open(&sw, path, 4 * PAGE, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(swap_put(&sw, page), 0u);
    cr_assert_eq(swap_put(&sw, page), 1u);
    cr_assert_eq(swap_get(&sw, 0, back), 0);
    cr_assert_eq(swap_get(&sw, 1, back), -2);
    swap_close(&sw);
    unsetenv("TLBVISOR_FAULT");
}

/* ---- the manager over pmaps --------------------------------------------------------- */

struct rec {
    struct pmap *p;
    unsigned unmaps, protects, fails;
    uint32_t last_unmap, fail_gpfn;
    enum pmap_failure why;
    int zero_write;                  /* zero_store: the write is one of zeros */
    uint32_t zero_offset, zero_mask; /* ... into these bytes */
};

static void rec_unmap(void *ctx, uint32_t gpfn)
{
    struct rec *r = ctx;
    cr_assert_neq(pmap_lookup(r->p, gpfn), PMAP_NONE, "unmap hook after the frame went");
    r->unmaps++;
    r->last_unmap = gpfn;
}

static void rec_protect(void *ctx, uint32_t gpfn)
{
    struct rec *r = ctx;
    (void)gpfn;
    r->protects++;
}

static int rec_zero_store(void *ctx, uint32_t gpfn, struct pmap_zero_store *z)
{
    struct rec *r = ctx;
    (void)gpfn;
    z->offset = r->zero_offset;
    z->mask = r->zero_mask;
    return r->zero_write;
}

static void rec_failed(void *ctx, uint32_t gpfn, enum pmap_failure why)
{
    struct rec *r = ctx;
    r->fails++;
    r->fail_gpfn = gpfn;
    r->why = why;
}

struct world {
    struct frames f;
    struct mem m;
    struct pmap p[2];
    struct rec r[2];
};

/* A pool of pool pages, a manager with cfg, and nvm VMs (ids 1, 2) of ram pages each. */
static void world_init(struct world *w, uint32_t pool, const struct mem_config *cfg,
                       unsigned nvm, uint32_t ram)
{
    struct cost_model c;
    char err[256];
    memset(w, 0, sizeof(*w));
    cost_default(&c);
    cr_assert_eq(frames_init(&w->f, (uint64_t)pool * PAGE), 0);
    cr_assert_eq(mem_init(&w->m, &w->f, cfg, &c, err, sizeof(err)), 0, "%s", err);
    for (unsigned i = 0; i < nvm; i++) {
        cr_assert_eq(pmap_init(&w->p[i], &w->f, i + 1, ram * PAGE), 0);
        w->r[i].p = &w->p[i];
        struct pmap_hooks h = { .unmap = rec_unmap, .protect = rec_protect,
                                .zero_store = rec_zero_store, .failed = rec_failed,
                                .ctx = &w->r[i] };
        pmap_set_hooks(&w->p[i], &h);
        cr_assert_eq(mem_add_vm(&w->m, &w->p[i]), 0);
    }
}

static void world_fini(struct world *w, unsigned nvm)
{
    for (unsigned i = 0; i < nvm; i++)
        pmap_destroy(&w->p[i]);
    cr_assert_eq(w->f.free, w->f.total, "a frame leaked");
    mem_fini(&w->m);
    frames_destroy(&w->f);
}

/* invariant: every frame in use is a resident page or a shared frame */
static void check_frames(const struct world *w, unsigned nvm)
{
    uint64_t resident = 0;
    for (unsigned i = 0; i < nvm; i++)
        resident += w->p[i].resident;
    cr_assert_eq(w->f.total - w->f.free, resident + w->m.sh.frames);
}

Test(mem, reclaim_keeps_every_byte_through_the_store)
{
    struct world w;
    struct mem_config cfg = { .reclaim = 1, .compress = 1 };
    world_init(&w, 16, &cfg, 1, 64);
    uint8_t page[PAGE], back[PAGE];
    for (uint32_t g = 0; g < 64; g++) {
        fill_text(page, g);
        cr_assert_eq(pmap_write(&w.p[0], g * PAGE, page, PAGE), 0, "page %u", g);
        check_frames(&w, 1);
    }
    /* 64 pages in 16 frames: at least 48 are out (invariant), in the store. */
    cr_assert_geq(w.p[0].compressed, 48u);
    cr_assert_eq(w.p[0].compressed + w.p[0].resident, 64u);
    cr_assert_eq(w.m.reclaimed_compress, w.m.evicted);
    cr_assert_eq(w.r[0].unmaps, w.m.evicted);         /* each eviction told the back end */
    cr_assert_eq(w.f.alloc_failed, 0u);
    for (uint32_t g = 0; g < 64; g++) {
        fill_text(page, g);
        cr_assert_eq(pmap_read(&w.p[0], g * PAGE, back, PAGE), 0);
        cr_assert_arr_eq(back, page, PAGE, "page %u", g);
    }
    cr_assert_eq(w.m.evicted - w.m.restored, w.p[0].compressed);   /* invariant */
    cr_assert_eq(w.m.z.pages, w.p[0].compressed);
    cr_assert_gt(w.m.cycles, 0u);
    cr_assert_eq(w.r[0].fails, 0u);
    world_fini(&w, 1);
}

/* The store holds 4 raw pages; the rest must go to the swap file; VM 1's secret never
 * reaches VM 2, which gets the same frames, store handles and swap slots after it. */
Test(mem, isolation_through_store_swap_and_reuse, .init = make_tmpdir, .fini = remove_tmpdir)
{
    struct world w;
    char path[128];
    snprintf(path, sizeof(path), "%s/swap", tmpdir);
    struct mem_config cfg = { .reclaim = 1, .compress = 1, .compress_bytes = 4 * PAGE,
                              .swap_path = path, .swap_bytes = 64 * PAGE };
    world_init(&w, 16, &cfg, 2, 48);
    uint8_t page[PAGE], back[PAGE];
    static const char secret[] = "SECRET-vm1";
    for (uint32_t g = 0; g < 48; g++) {
        fill_random(page, g);
        memcpy(page + 1000, secret, sizeof(secret) - 1);
        cr_assert_eq(pmap_write(&w.p[0], g * PAGE, page, PAGE), 0);
    }
    cr_assert_eq(w.m.z.stored_raw, 4u);               /* the store took what fits */
    cr_assert_gt(w.p[0].swapped, 0u);
    cr_assert_eq(w.m.reclaimed_swap, w.m.sw.writes);
    pmap_destroy(&w.p[0]);                             /* VM 1 stops */
    cr_assert_eq(w.m.z.pages, 0u);
    cr_assert_eq(w.m.sw.in_use, 0u);
    /* VM 2: every page reads zero before and after it is backed ... */
    for (uint32_t g = 0; g < 48; g++) {
        cr_assert_eq(pmap_read(&w.p[1], g * PAGE, back, PAGE), 0);
        cr_assert_null(memmem(back, PAGE, "SECRET", 6));
        cr_assert_neq(pmap_host(&w.p[1], g), NULL);
        cr_assert_eq(pmap_read(&w.p[1], g * PAGE, back, PAGE), 0);
        for (unsigned i = 0; i < PAGE; i++)
            cr_assert_eq(back[i], 0, "vm2 page %u byte %u", g, i);
    }
    /* ... and its own data, through the store and swap slots VM 1 used, is its own. */
    for (uint32_t g = 0; g < 48; g++) {
        fill_random(page, 1000 + g);
        cr_assert_eq(pmap_write(&w.p[1], g * PAGE, page, PAGE), 0);
    }
    for (uint32_t g = 0; g < 48; g++) {
        fill_random(page, 1000 + g);
        cr_assert_eq(pmap_read(&w.p[1], g * PAGE, back, PAGE), 0);
        cr_assert_arr_eq(back, page, PAGE, "vm2 page %u", g);
    }
    cr_assert_eq(w.r[1].fails, 0u);
    world_fini(&w, 2);
}

Test(mem, nothing_to_reclaim_stops_the_vm)
{
    struct world w;
    struct mem_config cfg = { .reclaim = 1, .compress = 0 };
    world_init(&w, 16, &cfg, 1, 64);
    uint8_t page[PAGE];
    fill_random(page, 1);
    for (uint32_t g = 0; g < 16; g++)
        cr_assert_eq(pmap_write(&w.p[0], g * PAGE, page, PAGE), 0);
    cr_assert_eq(pmap_write(&w.p[0], 16 * PAGE, page, PAGE), -1);
    cr_assert_eq(w.r[0].fails, 1u);
    cr_assert_eq(w.r[0].fail_gpfn, 16u);
    cr_assert_eq(w.r[0].why, PMAP_FAIL_NOMEM);
    cr_assert_gt(w.m.reclaim_failed, 0u);
    world_fini(&w, 1);
}

Test(mem, corrupted_swap_page_is_never_handed_over, .init = make_tmpdir, .fini = remove_tmpdir)
{
    struct world w;
    char path[128];
    snprintf(path, sizeof(path), "%s/swap", tmpdir);
    setenv("TLBVISOR_FAULT", "swap-corrupt=1", 1);
    struct mem_config cfg = { .reclaim = 1, .compress = 0, .swap_path = path,
                              .swap_bytes = 64 * PAGE };
    world_init(&w, 16, &cfg, 1, 32);
    uint8_t page[PAGE];
    for (uint32_t g = 0; g < 32; g++) {
        fill_random(page, g);
        cr_assert_eq(pmap_write(&w.p[0], g * PAGE, page, PAGE), 0);
    }
    uint32_t bad = PMAP_NONE;
    for (uint32_t g = 0; g < 32; g++)
        if (pmap_state(&w.p[0], g) == PMAP_SWAPPED && w.p[0].loc[g] == 0)
            bad = g;                                 /* the first page written: corrupted */
    cr_assert_neq(bad, PMAP_NONE);
    cr_assert_eq(pmap_get(&w.p[0], bad, PMAP_READ), PMAP_NONE);
    cr_assert_eq(w.r[0].fails, 1u);
    cr_assert_eq(w.r[0].fail_gpfn, bad);
    cr_assert_eq(w.r[0].why, PMAP_FAIL_CORRUPT);
    cr_assert_eq(pmap_state(&w.p[0], bad), PMAP_SWAPPED);    /* stays where it was */
    cr_assert_eq(w.m.sw.corrupt, 1u);
    cr_assert_eq(w.m.restore_failed, 1u);
    unsetenv("TLBVISOR_FAULT");
    world_fini(&w, 1);
}

/* Two VMs with pages 0..3 equal pairwise (content k in page k of both) and page 4 their
 * own. One scan: VM 1's five pages become hints; VM 2's pages 0..3 each find VM 1's hint,
 * whose frame becomes the shared one (protected), and are merged into it: 4 frames shared
 * by 8 pages, 4 frames freed. */
Test(mem, sharing_merges_equal_pages_and_copies_on_write)
{
    struct world w;
    struct mem_config cfg = { .share = 1 };
    world_init(&w, 64, &cfg, 2, 8);
    uint8_t page[PAGE], back[PAGE];
    for (unsigned v = 0; v < 2; v++)
        for (uint32_t g = 0; g < 5; g++) {
            fill_random(page, g == 4 ? 100 + v : g);
            cr_assert_eq(pmap_write(&w.p[v], g * PAGE, page, PAGE), 0);
        }
    pmap_clear_pins(&w.p[0]);
    pmap_clear_pins(&w.p[1]);
    mem_tick(&w.m);
    cr_assert_eq(w.m.sh.scanned, 10u);
    cr_assert_eq(w.m.sh.frames, 4u);
    cr_assert_eq(w.m.sh.pages, 8u);
    cr_assert_eq(w.m.sh.merged, 4u);
    cr_assert_eq(w.m.reclaimed_share, 4u);
    cr_assert_eq(w.r[0].protects, 4u);
    cr_assert_eq(w.r[1].unmaps, 4u);
    cr_assert_eq(w.f.total - w.f.free, 6u);
    check_frames(&w, 2);
    for (uint32_t g = 0; g < 4; g++) {
        cr_assert_eq(pmap_state(&w.p[0], g), PMAP_SHARED);
        cr_assert_eq(pmap_lookup(&w.p[0], g), pmap_lookup(&w.p[1], g));
        cr_assert(!pmap_writable(&w.p[1], g));
        cr_assert_eq(frames_owner(&w.f, pmap_lookup(&w.p[0], g)), FRAMES_OWNER_SHARED);
    }
    cr_assert_eq(pmap_state(&w.p[0], 4), PMAP_RESIDENT);
    /* VM 2 writes page 1: a private copy for it, VM 1 still sees the old bytes. */
    uint8_t x = 0x77;
    cr_assert_eq(pmap_write(&w.p[1], PAGE + 5, &x, 1), 0);
    cr_assert_eq(w.m.sh.cow_copies, 1u);
    cr_assert_eq(w.r[1].unmaps, 5u);                   /* its read-only translations went */
    fill_random(page, 1);
    cr_assert_eq(pmap_read(&w.p[0], PAGE, back, PAGE), 0);
    cr_assert_arr_eq(back, page, PAGE);
    page[5] = 0x77;
    cr_assert_eq(pmap_read(&w.p[1], PAGE, back, PAGE), 0);
    cr_assert_arr_eq(back, page, PAGE);
    /* VM 1 writes page 1: nobody else maps the frame now, it becomes VM 1's as it is. */
    cr_assert_eq(pmap_write(&w.p[0], PAGE + 6, &x, 1), 0);
    cr_assert_eq(w.m.sh.cow_reuses, 1u);
    cr_assert_eq(frames_owner(&w.f, pmap_lookup(&w.p[0], 1)), 1u);
    cr_assert_eq(w.m.sh.frames, 3u);
    check_frames(&w, 2);
    /* A VM that stops drops its shares; the last one frees the frame. */
    pmap_destroy(&w.p[1]);
    cr_assert_eq(w.m.sh.pages, 3u);
    check_frames(&w, 1);
    world_fini(&w, 1);
}

Test(mem, balloon_give_and_take)
{
    struct world w;
    struct mem_config cfg = { .balloon = 1 };
    world_init(&w, 16, &cfg, 1, 8);
    uint8_t x = 9, back = 1;
    cr_assert_eq(pmap_write(&w.p[0], 3 * PAGE, &x, 1), 0);
    cr_assert_eq(mem_balloon_give(&w.m, &w.p[0], 3), 0);
    cr_assert_eq(w.r[0].unmaps, 1u);
    cr_assert_eq(w.f.free, 16u);
    cr_assert_eq(w.m.reclaimed_balloon, 1u);
    cr_assert_eq(pmap_state(&w.p[0], 3), PMAP_BALLOONED);
    cr_assert(mem_reads_zero(&w.p[0], 3));
    cr_assert_eq(mem_balloon_give(&w.m, &w.p[0], 3), -1);    /* already given */
    cr_assert_eq(mem_balloon_give(&w.m, &w.p[0], 8), -1);    /* not its RAM */
    cr_assert_eq(mem_balloon_give(&w.m, &w.p[0], 5), 0);     /* never touched: no frame */
    cr_assert_eq(w.m.reclaimed_balloon, 1u);
    cr_assert_eq(w.p[0].ballooned, 2u);
    cr_assert_eq(pmap_read(&w.p[0], 3 * PAGE, &back, 1), 0);
    cr_assert_eq(back, 0);
    cr_assert_eq(w.f.free, 16u);                             /* reading takes no frame */
    cr_assert_eq(mem_balloon_take(&w.m, &w.p[0], 3), 0);
    cr_assert_eq(mem_balloon_take(&w.m, &w.p[0], 3), -1);
    cr_assert_eq(pmap_state(&w.p[0], 3), PMAP_UNTOUCHED);
    cr_assert_eq(w.m.balloon_returned, 1u);
    cr_assert_eq(w.p[0].ballooned, 1u);
    world_fini(&w, 1);
}

Test(mem, double_zeroing_is_classified_and_zero_pages_dropped)
{
    struct world w;
    struct mem_config cfg = { .reclaim = 1, .compress = 1, .zero_track = 1 };
    world_init(&w, 16, &cfg, 1, 64);
    struct pmap *p = &w.p[0];
    /* A read backs a tracked frame, mapped read-only until its first write. */
    cr_assert_neq(pmap_get(p, 0, PMAP_READ), PMAP_NONE);
    cr_assert(!pmap_writable(p, 0));
    cr_assert(mem_reads_zero(p, 0));
    /* The guest zeroes page 0 word by word, the last word twice and in two halves: the
     * page stays watched (read-only, reading as zeros) until its last byte is zeroed. */
    w.r[0].zero_write = 1;
    for (uint32_t off = 0; off < PAGE - 4; off += 4) {
        w.r[0].zero_offset = off;
        w.r[0].zero_mask = 0xF;
        cr_assert_neq(pmap_get(p, 0, PMAP_WRITE), PMAP_NONE);
    }
    w.r[0].zero_offset = PAGE - 4;
    w.r[0].zero_mask = 0x3;
    cr_assert_neq(pmap_get(p, 0, PMAP_WRITE), PMAP_NONE);
    cr_assert_neq(pmap_get(p, 0, PMAP_WRITE), PMAP_NONE);
    cr_assert(!pmap_writable(p, 0));
    cr_assert(mem_reads_zero(p, 0));
    cr_assert_eq(p->double_zeroed, 0u);
    w.r[0].zero_mask = 0xC;
    cr_assert_neq(pmap_get(p, 0, PMAP_WRITE), PMAP_NONE);     /* all zeroed again */
    cr_assert(pmap_writable(p, 0));
    cr_assert(!mem_reads_zero(p, 0));
    cr_assert_eq(p->double_zeroed, 1u);
    cr_assert_eq(p->zero_stores, PAGE / 4 + 2);
    w.r[0].zero_write = 0;
    cr_assert_neq(pmap_get(p, 1, PMAP_WRITE), PMAP_NONE);    /* first touch is a store of data */
    uint8_t x = 1;
    cr_assert_eq(pmap_write(p, 2 * PAGE, &x, 1), 0);          /* the VMM's own: not tracked */
    cr_assert_eq(p->zero_tracked, 2u);
    cr_assert_eq(p->first_write_data, 1u);
    /* Pages the guest never wrote are zeros: the clock drops them, nothing is stored. */
    for (uint32_t g = 3; g < 40; g++)
        cr_assert_neq(pmap_get(p, g, PMAP_READ), PMAP_NONE);
    cr_assert_gt(w.m.reclaimed_zero, 0u);
    /* invariants: only pages 0..2 (written, so no longer tracked) could go to the store */
    cr_assert_leq(w.m.reclaimed_compress, 3u);
    cr_assert_eq(w.m.reclaimed_zero + w.m.reclaimed_compress, w.m.evicted);
    cr_assert_eq(w.m.z.stored, w.m.reclaimed_compress);
    cr_assert_geq(w.m.z.stored_same + 1, w.m.z.stored);     /* all zeros but page 2 */
    /* page 50: half zeroed, then a store of data: written, not zeroed again */
    w.r[0].zero_write = 1;
    for (uint32_t off = 0; off < PAGE / 2; off += 4) {
        w.r[0].zero_offset = off;
        w.r[0].zero_mask = 0xF;
        cr_assert_neq(pmap_get(p, 50, PMAP_WRITE), PMAP_NONE);
    }
    w.r[0].zero_write = 0;
    cr_assert_neq(pmap_get(p, 50, PMAP_WRITE), PMAP_NONE);
    cr_assert(pmap_writable(p, 50));
    cr_assert_eq(p->zero_tracked, 40u);
    cr_assert_eq(p->double_zeroed, 1u);
    cr_assert_eq(p->first_write_data, 2u);
    cr_assert_eq(p->zero_partial, 1u);
    cr_assert_eq(p->zero_stores, PAGE / 4 + 2 + PAGE / 8);
    world_fini(&w, 1);
}
