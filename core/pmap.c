/* core/pmap.c - one VM's GPFN -> MFN map (see pmap.h and docs/vmm-memory.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "pmap.h"
#include "stats.h"

int pmap_init(struct pmap *p, struct frames *frames, uint32_t vm_id, uint32_t ram_bytes)
{
    memset(p, 0, sizeof(*p));
    if (ram_bytes == 0 || ram_bytes % PMAP_PAGE_BYTES != 0 || vm_id == FRAMES_NO_OWNER)
        return -1;
    uint32_t n = ram_bytes >> PMAP_PAGE_SHIFT;
    p->mfn = malloc((size_t)n * sizeof(*p->mfn));
    if (!p->mfn)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        p->mfn[i] = PMAP_NONE;
    p->frames = frames;
    p->vm_id = vm_id;
    p->ram_bytes = ram_bytes;
    p->npages = n;
    return 0;
}

/* Aborts unless mfn is a frame of this VM: a pmap entry pointing at another owner's frame
 * would break isolation, so it is treated as a VMM bug, not a guest error. */
static void check_owned(const struct pmap *p, uint32_t gpfn, uint32_t mfn)
{
    uint32_t owner = frames_owner(p->frames, mfn);
    if (owner != p->vm_id) {
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
    if (p->resident || p->ext_run)
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

void pmap_destroy(struct pmap *p)
{
    for (uint32_t g = 0; g < p->npages; g++) {
        uint32_t mfn = p->mfn[g];
        if (mfn == PMAP_NONE)
            continue;
        check_owned(p, g, mfn);
        frames_free(p->frames, mfn);
    }
    /* what is left of the runs was reserved and never handed out */
    for (uint32_t e = 0; p->ext_run && e < nextents(p); e++) {
        if (p->ext_run[e] == PMAP_NONE || p->ext_run[e] == PMAP_NO_RUN)
            continue;
        for (uint32_t i = 0; i < extent_pages(p, e); i++)
            if (frames_owner(p->frames, p->ext_run[e] + i) == FRAMES_RESERVED(p->vm_id))
                frames_release(p->frames, p->ext_run[e] + i);
    }
    free(p->ext_run);
    free(p->ext_filled);
    p->ext_run = NULL;
    p->ext_filled = NULL;
    free(p->mfn);
    p->mfn = NULL;
    p->npages = 0;
    p->ram_bytes = 0;
    p->resident = 0;
    p->on_unmap = NULL;
    p->unmap_ctx = NULL;
}

uint32_t pmap_fill(struct pmap *p, uint32_t gpfn)
{
    if (gpfn >= p->npages)
        return PMAP_NONE;
    if (p->mfn[gpfn] != PMAP_NONE)
        return p->mfn[gpfn];
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
    if (mfn == FRAMES_NONE) {
        p->fill_failed++;
        return PMAP_NONE;
    }
    p->mfn[gpfn] = mfn;
    p->filled++;
    p->resident++;
    return mfn;
}

void pmap_unmap(struct pmap *p, uint32_t gpfn)
{
    uint32_t mfn = pmap_lookup(p, gpfn);
    if (mfn == PMAP_NONE)
        return;
    check_owned(p, gpfn, mfn);
    if (p->on_unmap)
        p->on_unmap(p->unmap_ctx, gpfn);   /* the mapping is still in place here */
    p->mfn[gpfn] = PMAP_NONE;
    if (in_run(p, gpfn)) {
        frames_unclaim(p->frames, mfn);                 /* the run stays the extent's */
        p->ext_filled[gpfn / PMAP_EXTENT_PAGES]--;
    } else {
        frames_free(p->frames, mfn);
    }
    p->unmapped++;
    p->resident--;
}

void pmap_set_unmap_hook(struct pmap *p, pmap_unmap_fn fn, void *ctx)
{
    p->on_unmap = fn;
    p->unmap_ctx = fn ? ctx : NULL;
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
        uint32_t mfn = pmap_lookup(p, gpa >> PMAP_PAGE_SHIFT);
        if (mfn == PMAP_NONE)
            memset(d, 0, n);
        else
            memcpy(d, frames_host(p->frames, mfn) + off, n);
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
        uint32_t mfn = pmap_lookup(p, gpa >> PMAP_PAGE_SHIFT);
        if (mfn != PMAP_NONE)
            memset(frames_host(p->frames, mfn) + off, 0, n);
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
}
