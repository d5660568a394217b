/* core/pmap.c - one VM's GPFN -> MFN map and page states (see pmap.h, docs/vmm-memory.md,
 * docs/memory.md). The moves between states that need the machine memory manager (copy on
 * write, bringing a page back, releasing a store entry) are mem.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "elf.h"
#include "mem.h"
#include "pmap.h"
#include "stats.h"

/* A watched page the guest has begun to zero: which of its bytes it has zeroed. */
struct pmap_zwatch {
    uint32_t gpfn;
    uint32_t zeroed;                       /* bytes set in bits */
    uint8_t bits[PMAP_PAGE_BYTES / 8];
    UT_hash_handle hh;
};

/* Forgets what the guest zeroed of gpfn (a page no longer watched, or watched afresh).
 * Returns 1 if it had zeroed any of it, else 0. */
static int zwatch_drop(struct pmap *p, uint32_t gpfn)
{
    struct pmap_zwatch *w;
    HASH_FIND(hh, p->zwatch, &gpfn, sizeof(gpfn), w);
    if (w) {
        HASH_DEL(p->zwatch, w);
        free(w);
    }
    return w != NULL;
}

int pmap_init(struct pmap *p, struct frames *frames, uint32_t vm_id, uint32_t ram_bytes)
{
    memset(p, 0, sizeof(*p));
    if (ram_bytes == 0 || ram_bytes % PMAP_PAGE_BYTES != 0 || vm_id == FRAMES_NO_OWNER)
        return -1;
    uint32_t n = ram_bytes >> PMAP_PAGE_SHIFT;
    p->mfn = malloc((size_t)n * sizeof(*p->mfn));
    p->st = calloc(n, 1);
    p->loc = malloc((size_t)n * sizeof(*p->loc));
    if (!p->mfn || !p->st || !p->loc) {
        free(p->mfn);
        free(p->st);
        free(p->loc);
        memset(p, 0, sizeof(*p));
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        p->mfn[i] = PMAP_NONE;
        p->loc[i] = PMAP_NONE;
    }
    for (unsigned i = 0; i < PMAP_PINS; i++)
        p->pin[i] = PMAP_NONE;
    p->frames = frames;
    p->vm_id = vm_id;
    p->ram_bytes = ram_bytes;
    p->npages = n;
    return 0;
}

/* Aborts unless mfn is the frame gpfn may map: its own (RESIDENT) or a shared one (SHARED).
 * A pmap entry pointing at another owner's frame would break isolation, so it is treated
 * as a VMM bug, not a guest error. */
static void check_owned(const struct pmap *p, uint32_t gpfn, uint32_t mfn)
{
    uint32_t owner = frames_owner(p->frames, mfn);
    uint32_t want = pmap_state(p, gpfn) == PMAP_SHARED ? FRAMES_OWNER_SHARED : p->vm_id;
    if (owner != want) {
        fprintf(stderr, "tlbvisor: internal error: vm %u gpfn %#x maps mfn %#x owned by %u\n",
                p->vm_id, gpfn, mfn, owner);
        abort();
    }
}

static uint32_t nextents(const struct pmap *p)
{
    return (p->npages + PMAP_EXTENT_PAGES - 1) / PMAP_EXTENT_PAGES;
}

/* Pages in extent e (the last one may be short). */
static uint32_t extent_pages(const struct pmap *p, uint32_t e)
{
    uint32_t left = p->npages - e * PMAP_EXTENT_PAGES;
    return left < PMAP_EXTENT_PAGES ? left : PMAP_EXTENT_PAGES;
}

static int in_run(const struct pmap *p, uint32_t gpfn)
{
    uint32_t r = p->ext_run ? p->ext_run[gpfn / PMAP_EXTENT_PAGES] : PMAP_NONE;
    return r != PMAP_NONE && r != PMAP_NO_RUN;
}

int pmap_use_extents(struct pmap *p)
{
    if (p->resident || p->ext_run ||
        (p->mem && (p->mem->cfg.reclaim || p->mem->cfg.share)))
        return -1;
    uint32_t n = nextents(p);
    p->ext_run = malloc((size_t)n * sizeof(*p->ext_run));
    p->ext_filled = calloc(n, sizeof(*p->ext_filled));
    if (!p->ext_run || !p->ext_filled) {
        free(p->ext_run);
        free(p->ext_filled);
        p->ext_run = NULL;
        p->ext_filled = NULL;
        return -1;
    }
    for (uint32_t e = 0; e < n; e++)
        p->ext_run[e] = PMAP_NONE;
    return 0;
}

uint32_t pmap_extent_mfn(const struct pmap *p, uint32_t e)
{
    if (!p->ext_run || e >= nextents(p) || p->ext_run[e] == PMAP_NONE ||
        p->ext_run[e] == PMAP_NO_RUN || p->ext_filled[e] != extent_pages(p, e))
        return PMAP_NONE;
    return p->ext_run[e];
}

void pmap_drop_frame(struct pmap *p, uint32_t gpfn)
{
    uint32_t mfn = p->mfn[gpfn];
    if (in_run(p, gpfn)) {
        frames_unclaim(p->frames, mfn);                 /* the run stays the extent's */
        p->ext_filled[gpfn / PMAP_EXTENT_PAGES]--;
    } else {
        frames_free(p->frames, mfn);
    }
}

/* gpfn leaves whatever state it is in for UNTOUCHED (or BALLOONED): its frame, share or
 * store entry is released. The caller has dropped the translations. */
static void release(struct pmap *p, uint32_t gpfn, enum pmap_state to)
{
    uint32_t mfn = p->mfn[gpfn];
    switch (pmap_state(p, gpfn)) {
    case PMAP_RESIDENT:
        check_owned(p, gpfn, mfn);
        pmap_drop_frame(p, gpfn);
        p->resident--;
        break;
    case PMAP_SHARED:
        check_owned(p, gpfn, mfn);
        mem_release(p->mem, p, gpfn);     /* counts shared down */
        break;
    case PMAP_COMPRESSED:
    case PMAP_SWAPPED:
        mem_release(p->mem, p, gpfn);     /* counts compressed/swapped down */
        break;
    case PMAP_BALLOONED:
        p->ballooned--;
        break;
    default:
        break;
    }
    p->mfn[gpfn] = PMAP_NONE;
    p->loc[gpfn] = PMAP_NONE;
    p->st[gpfn] = (uint8_t)to;
    if (to == PMAP_BALLOONED)
        p->ballooned++;
}

void pmap_destroy(struct pmap *p)
{
    for (uint32_t g = 0; g < p->npages; g++)
        if (pmap_state(p, g) != PMAP_UNTOUCHED)
            release(p, g, PMAP_UNTOUCHED);
    /* what is left of the runs was reserved and never handed out */
    for (uint32_t e = 0; p->ext_run && e < nextents(p); e++) {
        if (p->ext_run[e] == PMAP_NONE || p->ext_run[e] == PMAP_NO_RUN)
            continue;
        for (uint32_t i = 0; i < extent_pages(p, e); i++)
            if (frames_owner(p->frames, p->ext_run[e] + i) == FRAMES_RESERVED(p->vm_id))
                frames_release(p->frames, p->ext_run[e] + i);
    }
    struct pmap_zwatch *w, *tmp;
    HASH_ITER(hh, p->zwatch, w, tmp) {
        HASH_DEL(p->zwatch, w);
        free(w);
    }
    free(p->ext_run);
    free(p->ext_filled);
    p->ext_run = NULL;
    p->ext_filled = NULL;
    free(p->mfn);
    free(p->st);
    free(p->loc);
    p->mfn = NULL;
    p->st = NULL;
    p->loc = NULL;
    p->npages = 0;
    p->ram_bytes = 0;
    p->resident = p->shared = p->compressed = p->swapped = p->ballooned = 0;
    memset(&p->hooks, 0, sizeof(p->hooks));
}

/* An UNTOUCHED or BALLOONED gpfn gets a zeroed frame of its own, watched for the guest's
 * first write when double zeroing is tracked (not when the VMM itself writes it next). */
static uint32_t back_zeroed(struct pmap *p, uint32_t gpfn, enum pmap_access access)
{
    uint32_t mfn = FRAMES_NONE, e = gpfn / PMAP_EXTENT_PAGES;
    if (p->ext_run && p->ext_run[e] == PMAP_NONE) {
        uint32_t run = frames_reserve_run(p->frames, extent_pages(p, e), PMAP_EXTENT_PAGES, p->vm_id);
        p->ext_run[e] = run == FRAMES_NONE ? PMAP_NO_RUN : run;
    }
    if (in_run(p, gpfn)) {
        mfn = frames_claim(p->frames, p->ext_run[e] + gpfn % PMAP_EXTENT_PAGES, p->vm_id);
        p->ext_filled[e]++;
    } else {
        mfn = frames_alloc(p->frames, p->vm_id);         /* zeroed and counted there */
    }
    if (mfn == FRAMES_NONE)
        return PMAP_NONE;
    if (pmap_state(p, gpfn) == PMAP_BALLOONED)
        p->ballooned--;
    int track = p->zero_track && access != PMAP_VMM_WRITE;
    zwatch_drop(p, gpfn);                                /* of an earlier life of gpfn */
    p->mfn[gpfn] = mfn;
    p->st[gpfn] = PMAP_RESIDENT | PMAP_REF | (track ? PMAP_ZTRACK : 0);
    p->zero_tracked += track;
    p->filled++;
    p->resident++;
    return mfn;
}

/* Notes the bytes s zeroed in watched gpfn. Returns 1 once the whole page has been
 * zeroed, 0 before, -1 without host memory (the page is then given up as written). */
static int zwatch_add(struct pmap *p, uint32_t gpfn, const struct pmap_zero_store *s)
{
    struct pmap_zwatch *w;
    HASH_FIND(hh, p->zwatch, &gpfn, sizeof(gpfn), w);
    if (!w) {
        if (!(w = calloc(1, sizeof(*w))))
            return -1;
        w->gpfn = gpfn;
        HASH_ADD(hh, p->zwatch, gpfn, sizeof(w->gpfn), w);
    }
    for (unsigned i = 0; i < 4; i++) {
        uint32_t byte = (s->offset & (PMAP_PAGE_BYTES - 4)) + i;
        uint8_t bit = (uint8_t)(1u << (byte % 8));
        if ((s->mask >> i & 1) && !(w->bits[byte / 8] & bit)) {
            w->bits[byte / 8] |= bit;
            w->zeroed++;
        }
    }
    return w->zeroed == PMAP_PAGE_BYTES;
}

/* A write to a page the VMM zeroed and watches. The guest's stores of zero leave the
 * page as it is (zeros), so the VMM completes them and the page stays watched until it
 * has been zeroed all over (the double zeroing of the seed chapter) or anything else is
 * written to it first. */
static void classify_write(struct pmap *p, uint32_t gpfn, enum pmap_access access)
{
    struct pmap_zero_store s;
    int done = -1;
    if (access == PMAP_WRITE && p->hooks.zero_store && p->hooks.zero_store(p->hooks.ctx, gpfn, &s)) {
        p->zero_stores++;
        done = zwatch_add(p, gpfn, &s);
        if (done == 0)
            return;
    }
    int partly = zwatch_drop(p, gpfn);
    if (done == 1) {
        p->double_zeroed++;
    } else {
        p->first_write_data++;
        p->zero_partial += partly;
    }
    p->st[gpfn] &= (uint8_t)~PMAP_ZTRACK;
}

uint32_t pmap_get_slow(struct pmap *p, uint32_t gpfn, enum pmap_access access)
{
    if (gpfn >= p->npages)
        return PMAP_NONE;
    uint32_t mfn;
    switch (pmap_state(p, gpfn)) {
    case PMAP_RESIDENT:
        if ((p->st[gpfn] & PMAP_ZTRACK) && PMAP_IS_WRITE(access))
            classify_write(p, gpfn, access);
        mfn = p->mfn[gpfn];
        break;
    case PMAP_SHARED:
        mfn = PMAP_IS_WRITE(access) ? mem_cow(p->mem, p, gpfn) : p->mfn[gpfn];
        break;
    case PMAP_COMPRESSED:
    case PMAP_SWAPPED:
        mfn = mem_restore(p->mem, p, gpfn);
        break;
    default:
        mfn = back_zeroed(p, gpfn, access);
        if (mfn == PMAP_NONE)
            p->failure = PMAP_FAIL_NOMEM;
        else if (p->st[gpfn] & PMAP_ZTRACK && PMAP_IS_WRITE(access))
            classify_write(p, gpfn, access);
        break;
    }
    if (mfn == PMAP_NONE) {
        p->fill_failed++;
        if (p->hooks.failed)
            p->hooks.failed(p->hooks.ctx, gpfn, p->failure);
        return PMAP_NONE;
    }
    p->st[gpfn] |= PMAP_REF;
    p->pin[p->pin_next++ % PMAP_PINS] = gpfn;
    return mfn;
}

int pmap_pinned(const struct pmap *p, uint32_t gpfn)
{
    unsigned n = p->pin_next < PMAP_PINS ? p->pin_next : PMAP_PINS;
    for (unsigned i = 0; i < n; i++)
        if (p->pin[i] == gpfn)
            return 1;
    return 0;
}

void pmap_clear_pins(struct pmap *p)
{
    p->pin_next = 0;            /* the ring's first pin_next entries are the pins */
}

void pmap_unmap(struct pmap *p, uint32_t gpfn)
{
    enum pmap_state s = pmap_state(p, gpfn);
    if (gpfn >= p->npages || s == PMAP_UNTOUCHED)
        return;
    if ((s == PMAP_RESIDENT || s == PMAP_SHARED) && p->hooks.unmap)
        p->hooks.unmap(p->hooks.ctx, gpfn);   /* the mapping is still in place here */
    if (s == PMAP_RESIDENT)
        p->unmapped++;
    release(p, gpfn, PMAP_UNTOUCHED);
}

void pmap_set_hooks(struct pmap *p, const struct pmap_hooks *h)
{
    p->hooks = *h;
}

void pmap_set_unmap_hook(struct pmap *p, pmap_unmap_fn fn, void *ctx)
{
    p->hooks.unmap = fn;
    p->hooks.ctx = fn ? ctx : NULL;
}

/* Whether [gpa, gpa+len) lies inside the VM's RAM (64-bit sum: no wrap-around). */
static int in_ram(const struct pmap *p, uint32_t gpa, uint32_t len)
{
    return (uint64_t)gpa + len <= p->ram_bytes;
}

int pmap_write(struct pmap *p, uint32_t gpa, const void *src, uint32_t len)
{
    if (!in_ram(p, gpa, len))
        return -1;
    const uint8_t *s = src;
    while (len) {
        uint32_t off = gpa & (PMAP_PAGE_BYTES - 1);
        uint32_t n = PMAP_PAGE_BYTES - off < len ? PMAP_PAGE_BYTES - off : len;
        uint8_t *h = pmap_host(p, gpa >> PMAP_PAGE_SHIFT);
        if (!h)
            return -1;
        memcpy(h + off, s, n);
        gpa += n, s += n, len -= n;
    }
    return 0;
}

int pmap_read(struct pmap *p, uint32_t gpa, void *dst, uint32_t len)
{
    if (!in_ram(p, gpa, len))
        return -1;
    uint8_t *d = dst;
    while (len) {
        uint32_t off = gpa & (PMAP_PAGE_BYTES - 1);
        uint32_t n = PMAP_PAGE_BYTES - off < len ? PMAP_PAGE_BYTES - off : len;
        uint32_t gpfn = gpa >> PMAP_PAGE_SHIFT, mfn = p->mfn[gpfn];
        enum pmap_state s = pmap_state(p, gpfn);
        if (mfn != PMAP_NONE) {
            /* RESIDENT or SHARED: read in place (the VMM fetching the trapping instruction,
             * once per trap); referenced and pinned, as pmap_get would make it */
            p->st[gpfn] |= PMAP_REF;
            p->pin[p->pin_next++ % PMAP_PINS] = gpfn;
            memcpy(d, frames_host(p->frames, mfn) + off, n);
        } else if (s == PMAP_UNTOUCHED || s == PMAP_BALLOONED) {
            memset(d, 0, n);
        } else {
            if ((mfn = pmap_get(p, gpfn, PMAP_READ)) == PMAP_NONE)
                return -1;
            memcpy(d, frames_host(p->frames, mfn) + off, n);
        }
        gpa += n, d += n, len -= n;
    }
    return 0;
}

int pmap_zero(struct pmap *p, uint32_t gpa, uint32_t len)
{
    if (!in_ram(p, gpa, len))
        return -1;
    while (len) {
        uint32_t off = gpa & (PMAP_PAGE_BYTES - 1);
        uint32_t n = PMAP_PAGE_BYTES - off < len ? PMAP_PAGE_BYTES - off : len;
        uint32_t gpfn = gpa >> PMAP_PAGE_SHIFT;
        enum pmap_state s = pmap_state(p, gpfn);
        if (s != PMAP_UNTOUCHED && s != PMAP_BALLOONED) {
            uint8_t *h = pmap_host(p, gpfn);
            if (!h)
                return -1;
            memset(h + off, 0, n);
        }
        gpa += n, len -= n;
    }
    return 0;
}

int pmap_load_elf(struct pmap *p, const struct elf_image *img)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_seg *s = &img->seg[i];
        if (s->memsz < s->filesz || !in_ram(p, s->paddr, s->memsz))
            return -1;
        if (s->filesz && pmap_write(p, s->paddr, s->data, s->filesz) != 0)
            return -1;
        if (pmap_zero(p, s->paddr + s->filesz, s->memsz - s->filesz) != 0)
            return -1;
    }
    return 0;
}

void pmap_register_stats(struct pmap *p, struct stats *st, const char *prefix)
{
    stats_add(st, &p->filled, "%s.pmap.filled", prefix);
    stats_add(st, &p->unmapped, "%s.pmap.unmapped", prefix);
    stats_add(st, &p->resident, "%s.pmap.resident", prefix);
    stats_add(st, &p->fill_failed, "%s.pmap.fill_failed", prefix);
    stats_add(st, &p->shared, "%s.mem.shared", prefix);
    stats_add(st, &p->compressed, "%s.mem.compressed", prefix);
    stats_add(st, &p->swapped, "%s.mem.swapped", prefix);
    stats_add(st, &p->ballooned, "%s.mem.ballooned", prefix);
    stats_add(st, &p->balloon_target, "%s.mem.balloon_target", prefix);
    stats_add(st, &p->zero_tracked, "%s.mem.zero_tracked", prefix);
    stats_add(st, &p->double_zeroed, "%s.mem.double_zeroed", prefix);
    stats_add(st, &p->first_write_data, "%s.mem.first_write_data", prefix);
    stats_add(st, &p->zero_partial, "%s.mem.zero_partial", prefix);
    stats_add(st, &p->zero_stores, "%s.mem.zero_stores", prefix);
}
