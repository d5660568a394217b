/* core/frames.h - machine memory: one pool of 4 KiB machine frames (MFNs) shared by all VMs.
 *
 * The pool is one anonymous host mapping of nframes * 4 KiB; machine frame n is the host
 * bytes [n * 4096, n * 4096 + 4096) of it, and machine physical address n << 12. Every frame
 * is either free or owned by exactly one owner tag (a VM id, or a tag the VMM chooses for
 * its own use). frames_alloc hands out a frame ZEROED, always (DESIGN.md §3): whoever held
 * it before, and whatever they wrote, nothing of it is visible to the new owner.
 *
 * Determinism: the free list is a LIFO stack. A new pool hands out MFN 0, 1, 2, ... in
 * increasing order; a freed frame is the next one handed out. The order depends only on
 * the sequence of frames_alloc/frames_free calls, never on host addresses or time.
 *
 * Not thread-safe (tlbvisor runs every vCPU on one host thread). See docs/vmm-memory.md. */
#ifndef TLBVISOR_CORE_FRAMES_H
#define TLBVISOR_CORE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct stats;

#define FRAMES_SHIFT 12
#define FRAMES_FRAME_BYTES (1u << FRAMES_SHIFT)
/* Machine memory at most: 8 VMs of 256 MiB and the VMM's own frames fit; the machine's
 * physical addresses stay 32-bit. */
#define FRAMES_MAX_BYTES (3ull << 30)
#define FRAMES_NONE UINT32_MAX              /* "no frame": exhausted, or no such MFN */
#define FRAMES_NO_OWNER UINT32_MAX          /* owner tag of a free frame; not a valid owner */

struct frames {
    /* Read-only outside frames.c. */
    uint8_t *base;            /* host view of machine frame 0 (the mmap'd pool) */
    size_t bytes;             /* nframes * 4096 */
    uint32_t nframes;
    uint32_t *owner;          /* [nframes]: owner tag, FRAMES_NO_OWNER when free */
    uint32_t *stack;          /* [nframes]: free MFNs; stack[free - 1] is handed out next */

    /* Counters (machine.frames.*), registered by frames_register_stats. */
    uint64_t total;           /* nframes; constant */
    uint64_t free;            /* frames free now; also the depth of stack */
    uint64_t allocated;       /* successful frames_alloc calls since frames_init */
    uint64_t zeroed;          /* frames zeroed by the VMM before being handed out */
    uint64_t freed;           /* frames_free calls since frames_init */
    uint64_t alloc_failed;    /* frames_alloc calls that found the pool empty */
    uint64_t peak_used;       /* highest total - free seen */
};

/* Creates a pool of bytes / 4096 frames, all free. bytes must be a non-zero multiple of
 * 4096 and at most FRAMES_MAX_BYTES. Returns 0, or -1 (bad size, or the host has no memory
 * for it) with *f left empty (frames_destroy on it is a no-op). */
int frames_init(struct frames *f, uint64_t bytes);
/* Releases the host mapping and the tables. Counters keep their last values, so a report
 * can still be written; f must be re-initialised before any other use. */
void frames_destroy(struct frames *f);

/* Takes the next free frame (LIFO order, see above), tags it with owner, zeroes its 4 KiB
 * (memset) and counts it in allocated and zeroed. Returns its MFN, or FRAMES_NONE if the
 * pool is empty (counted in alloc_failed) or owner is FRAMES_NO_OWNER. */
uint32_t frames_alloc(struct frames *f, uint32_t owner);
/* Returns an owned frame to the free list. Its bytes are left as they are (they are zeroed
 * when the frame is next handed out). Freeing a free frame or an MFN outside the pool is a
 * VMM bug: it aborts with a message on stderr. */
void frames_free(struct frames *f, uint32_t mfn);

/* Aligned runs (a VM whose RAM is placed in machine-contiguous 4 MiB extents, so that a
 * back end can map an extent with one large machine TLB entry; pmap_use_extents). A frame
 * of a run is "reserved for owner" (tag FRAMES_RESERVED(owner)): neither free nor handed
 * out, and not zeroed until it is claimed. */
#define FRAMES_RESERVED(owner) ((owner) | 0x80000000u)
/* Sets aside the lowest run of n free frames whose first MFN is a multiple of align (a
 * power of two) for owner. O(nframes). Returns the first MFN, or FRAMES_NONE if no such
 * run is free (nothing changes). */
uint32_t frames_reserve_run(struct frames *f, uint32_t n, uint32_t align, uint32_t owner);
/* Hands out reserved frame mfn to its owner: zeroed and counted as frames_alloc would.
 * Returns mfn, or FRAMES_NONE if it is not reserved for owner. */
uint32_t frames_claim(struct frames *f, uint32_t mfn, uint32_t owner);
/* An owned frame of a run goes back to being reserved for its owner (counted as freed). */
void frames_unclaim(struct frames *f, uint32_t mfn);
/* A reserved frame goes back to the free list. */
void frames_release(struct frames *f, uint32_t mfn);

/* Owner tag of mfn; FRAMES_NO_OWNER if it is free or outside the pool. */
uint32_t frames_owner(const struct frames *f, uint32_t mfn);
/* Number of frames owned by owner now (a scan of the pool: for checks and tests). */
uint32_t frames_count_owned(const struct frames *f, uint32_t owner);

/* Host pointer to the 4 KiB of machine frame mfn, or NULL if mfn is outside the pool.
 * It does not check that the frame is allocated: callers hold MFNs they own. */
static inline uint8_t *frames_host(const struct frames *f, uint32_t mfn)
{
    return mfn < f->nframes ? f->base + ((size_t)mfn << FRAMES_SHIFT) : NULL;
}

/* Registers machine.frames.{total,free,allocated,zeroed,freed,alloc_failed,peak_used}.
 * The registry keeps pointers into *f: f must not move afterwards. */
void frames_register_stats(struct frames *f, struct stats *st);

#endif /* TLBVISOR_CORE_FRAMES_H */
