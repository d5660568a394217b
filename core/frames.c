/* core/frames.c - the machine frame pool (see frames.h and docs/vmm-memory.md). */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, MAP_NORESERVE even under -std=c11 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "frames.h"
#include "stats.h"

int frames_init(struct frames *f, uint64_t bytes)
{
    memset(f, 0, sizeof(*f));
    if (bytes == 0 || bytes > FRAMES_MAX_BYTES || bytes % FRAMES_FRAME_BYTES != 0)
        return -1;
    uint32_t n = (uint32_t)(bytes >> FRAMES_SHIFT);
    /* Host pages appear only when a frame is first zeroed; MAP_NORESERVE so that a large
     * pool of which the guests touch little costs no swap reservation. */
    void *base = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return -1;
    f->owner = malloc((size_t)n * sizeof(*f->owner));
    f->stack = malloc((size_t)n * sizeof(*f->stack));
    if (!f->owner || !f->stack) {
        free(f->owner);
        free(f->stack);
        munmap(base, (size_t)bytes);
        memset(f, 0, sizeof(*f));
        return -1;
    }
    f->base = base;
    f->bytes = (size_t)bytes;
    f->nframes = n;
    /* The top of the stack is the last element: put MFN 0 there so that a new pool hands
     * out 0, 1, 2, ... */
    for (uint32_t i = 0; i < n; i++) {
        f->owner[i] = FRAMES_NO_OWNER;
        f->stack[i] = n - 1 - i;
    }
    f->total = n;
    f->free = n;
    return 0;
}

void frames_destroy(struct frames *f)
{
    if (f->base)
        munmap(f->base, f->bytes);
    free(f->owner);
    free(f->stack);
    f->base = NULL;
    f->bytes = 0;
    f->nframes = 0;
    f->owner = NULL;
    f->stack = NULL;
}

uint32_t frames_alloc(struct frames *f, uint32_t owner)
{
    if (owner == FRAMES_NO_OWNER)
        return FRAMES_NONE;
    if (f->free == 0) {
        f->alloc_failed++;
        return FRAMES_NONE;
    }
    uint32_t mfn = f->stack[--f->free];
    f->owner[mfn] = owner;
    /* The zeroing that isolation rests on: never skipped, whatever the frame held. */
    memset(frames_host(f, mfn), 0, FRAMES_FRAME_BYTES);
    f->zeroed++;
    f->allocated++;
    if (f->total - f->free > f->peak_used)
        f->peak_used = f->total - f->free;
    return mfn;
}

void frames_free(struct frames *f, uint32_t mfn)
{
    if (mfn >= f->nframes || f->owner[mfn] == FRAMES_NO_OWNER) {
        fprintf(stderr, "tlbvisor: internal error: frames_free(%u): %s\n", mfn,
                mfn >= f->nframes ? "no such machine frame" : "frame already free");
        abort();
    }
    f->owner[mfn] = FRAMES_NO_OWNER;
    f->stack[f->free++] = mfn;
    f->freed++;
}

uint32_t frames_reserve_run(struct frames *f, uint32_t n, uint32_t align, uint32_t owner)
{
    if (n == 0 || align == 0 || (align & (align - 1)) || owner == FRAMES_NO_OWNER)
        return FRAMES_NONE;
    for (uint64_t base = 0; base + n <= f->nframes; base += align) {
        uint32_t i = 0;
        while (i < n && f->owner[base + i] == FRAMES_NO_OWNER)
            i++;
        if (i < n)
            continue;
        for (i = 0; i < n; i++)
            f->owner[base + i] = FRAMES_RESERVED(owner);
        /* the free list keeps its order without them */
        uint32_t k = 0;
        for (uint32_t j = 0; j < f->free; j++)
            if (f->owner[f->stack[j]] == FRAMES_NO_OWNER)
                f->stack[k++] = f->stack[j];
        f->free = k;
        if (f->total - f->free > f->peak_used)
            f->peak_used = f->total - f->free;
        return (uint32_t)base;
    }
    return FRAMES_NONE;
}

uint32_t frames_claim(struct frames *f, uint32_t mfn, uint32_t owner)
{
    if (mfn >= f->nframes || owner == FRAMES_NO_OWNER || f->owner[mfn] != FRAMES_RESERVED(owner))
        return FRAMES_NONE;
    f->owner[mfn] = owner;
    memset(frames_host(f, mfn), 0, FRAMES_FRAME_BYTES);
    f->zeroed++;
    f->allocated++;
    return mfn;
}

void frames_unclaim(struct frames *f, uint32_t mfn)
{
    if (mfn >= f->nframes || f->owner[mfn] == FRAMES_NO_OWNER || (f->owner[mfn] & 0x80000000u)) {
        fprintf(stderr, "tlbvisor: internal error: frames_unclaim(%u): not an owned frame\n", mfn);
        abort();
    }
    f->owner[mfn] = FRAMES_RESERVED(f->owner[mfn]);
    f->freed++;
}

void frames_release(struct frames *f, uint32_t mfn)
{
    if (mfn >= f->nframes || !(f->owner[mfn] & 0x80000000u) || f->owner[mfn] == FRAMES_NO_OWNER) {
        fprintf(stderr, "tlbvisor: internal error: frames_release(%u): not a reserved frame\n", mfn);
        abort();
    }
    f->owner[mfn] = FRAMES_NO_OWNER;
    f->stack[f->free++] = mfn;
}

uint32_t frames_owner(const struct frames *f, uint32_t mfn)
{
    return mfn < f->nframes ? f->owner[mfn] : FRAMES_NO_OWNER;
}

uint32_t frames_count_owned(const struct frames *f, uint32_t owner)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->nframes; i++)
        n += f->owner[i] == owner;
    return n;
}

void frames_register_stats(struct frames *f, struct stats *st)
{
    stats_add(st, &f->total, "machine.frames.total");
    stats_add(st, &f->free, "machine.frames.free");
    stats_add(st, &f->allocated, "machine.frames.allocated");
    stats_add(st, &f->zeroed, "machine.frames.zeroed");
    stats_add(st, &f->freed, "machine.frames.freed");
    stats_add(st, &f->alloc_failed, "machine.frames.alloc_failed");
    stats_add(st, &f->peak_used, "machine.frames.peak_used");
}
