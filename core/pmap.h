/* core/pmap.h - one VM's guest-physical memory: the map GPFN -> machine frame over the
 * machine frame pool (core/frames.h), filled on demand, and where each page is when it is
 * not in a machine frame of its own.
 *
 * A VM has ram_bytes of guest-physical RAM, guest-physical page frames (GPFNs) 0 ..
 * npages-1. Each GPFN is in one state (DESIGN.md §3, docs/memory.md):
 *   UNTOUCHED   never backed: reads as zeros, takes no machine memory
 *   RESIDENT    backed by a machine frame owned by this VM (owner tag vm_id)
 *   SHARED      mapped read-only to a frame shared by content with other pages
 *               (core/share.c, owner FRAMES_OWNER_SHARED); a write copies it first
 *   COMPRESSED  its bytes are in the compressed store (core/zstore.c), handle in loc
 *   SWAPPED     its bytes are in the swap file (core/swap.c), slot in loc
 *   BALLOONED   given back by the guest's balloon driver: reads as zeros, takes nothing
 * The first touch of an UNTOUCHED or BALLOONED GPFN takes a frame from the pool, which the
 * pool zeroes; a COMPRESSED or SWAPPED one is brought back into a frame of its own. A GPFN
 * outside the VM's RAM is never backed: that is the whole of the isolation argument on the
 * VMM side (docs/vmm-memory.md).
 *
 * The states other than UNTOUCHED and RESIDENT exist only when the pmap belongs to a
 * machine memory manager (p->mem, core/mem.h), which moves pages between them; a pmap
 * without one is the plain map of issue 4.
 *
 * The contract with the back ends (mmu_backend.h): a back end asks for a page with
 * pmap_get(p, gpfn, PMAP_READ or PMAP_WRITE) each time it installs a translation, makes the
 * translation writable only if pmap_writable(p, gpfn) says so after a PMAP_WRITE get (or
 * after a PMAP_READ get for a read-only translation), and drops every translation of a
 * GPFN when the unmap hook says so. The hooks (struct pmap_hooks) are the VMM's.
 *
 * Naming: gpa = guest-physical address, gpfn = gpa >> 12, mfn = machine frame number. */
#ifndef TLBVISOR_CORE_PMAP_H
#define TLBVISOR_CORE_PMAP_H

#include <stdint.h>

#include "frames.h"

struct stats;
struct elf_image;
struct mem;

#define PMAP_NONE FRAMES_NONE    /* "no machine frame" */
#define PMAP_PAGE_SHIFT FRAMES_SHIFT
#define PMAP_PAGE_BYTES FRAMES_FRAME_BYTES
#define PMAP_EXTENT_PAGES 1024u        /* 4 MiB */
#define PMAP_NO_RUN (FRAMES_NONE - 1)  /* an extent that could get no run: pages one by one */

enum pmap_state { PMAP_UNTOUCHED, PMAP_RESIDENT, PMAP_SHARED, PMAP_COMPRESSED, PMAP_SWAPPED,
                  PMAP_BALLOONED, PMAP_STATES };
#define PMAP_STATE_MASK 0x07u
#define PMAP_REF 0x08u           /* referenced since the reclaim clock last looked */
#define PMAP_ZTRACK 0x10u        /* zeroed by the VMM, not written since (double zeroing) */

/* Access of a pmap_get. PMAP_VMM_WRITE: the VMM itself writes (loading an image, emulating
 * a store), not a guest store through a translation. */
enum pmap_access { PMAP_READ = 0, PMAP_WRITE = 1, PMAP_VMM_WRITE = 3 };
#define PMAP_IS_WRITE(a) ((a) & 1)

/* Why a pmap_get of a GPFN inside the VM's RAM gave no frame. */
enum pmap_failure { PMAP_FAIL_NOMEM = 1, PMAP_FAIL_CORRUPT, PMAP_FAIL_IO,
                   PMAP_FAIL_THRASH /* (mem_thrashing: no page in particular) */ };

/* A store of zeros into one word of a page: the word's offset in the page and the bytes of
 * it written (bit i: byte i of the word, little-endian). */
struct pmap_zero_store {
    uint32_t offset;
    uint32_t mask;
};

/* The VMM's hooks, all optional, all with ctx:
 *   unmap(gpfn)      every translation of gpfn must go, now: it is called while
 *                    pmap_lookup(gpfn) still returns the old frame (evictions, copies,
 *                    merges, the balloon, pmap_unmap); it must not change the pmap
 *   protect(gpfn)    every translation of gpfn must become read-only (NULL: unmap serves)
 *   referenced(gpfn) test-and-clear of reference information the back end holds (NULL:
 *                    only PMAP_REF, set by every pmap_get)
 *   zero_store(gpfn, s) -> 1 if the guest's store that faulted on gpfn, a page the VMM
 *                    zeroed and watches (PMAP_ZTRACK), writes zero bytes only: *s says
 *                    which; the VMM then completes it (zero into a frame still all zeros:
 *                    nothing to write) and goes on after it, the page staying read-only.
 *                    0 for any other write (it is retried on a writable mapping)
 *   failed(gpfn, why) a page of the VM cannot be given to it (out of machine memory, a
 *                    corrupted swap page): the VM must be stopped, nothing handed over */
struct pmap_hooks {
    void (*unmap)(void *ctx, uint32_t gpfn);
    void (*protect)(void *ctx, uint32_t gpfn);
    int (*referenced)(void *ctx, uint32_t gpfn);
    int (*zero_store)(void *ctx, uint32_t gpfn, struct pmap_zero_store *s);
    void (*failed)(void *ctx, uint32_t gpfn, enum pmap_failure why);
    void *ctx;
};

/* Called by pmap_unmap before the frame goes back to the pool (see there). */
typedef void (*pmap_unmap_fn)(void *ctx, uint32_t gpfn);

#define PMAP_PINS 8              /* the GPFNs of the last pmap_get calls: never evicted */

struct pmap {
    /* Read-only outside pmap.c and mem.c. */
    struct frames *frames;    /* the machine pool; not owned */
    struct mem *mem;          /* the memory manager, or NULL (plain map) */
    uint32_t vm_id;           /* owner tag of this VM's frames */
    uint32_t ram_bytes;
    uint32_t npages;          /* ram_bytes / 4096 */
    uint32_t *mfn;            /* [npages]: frame of a RESIDENT or SHARED GPFN, else PMAP_NONE */
    uint8_t *st;              /* [npages]: enum pmap_state | PMAP_REF | PMAP_ZTRACK */
    uint32_t *loc;            /* [npages]: COMPRESSED: store handle; SWAPPED: swap slot */
    struct pmap_hooks hooks;
    int zero_track;           /* fresh frames are tracked for double zeroing (PMAP_ZTRACK) */
    uint32_t pin[PMAP_PINS];  /* recent pmap_get GPFNs (ring): the reclaim skips them */
    unsigned pin_next;
    enum pmap_failure failure;/* why the last pmap_get in range failed */
    int balloon_driver;       /* the guest runs a balloon driver (it asked for its target) */
    uint32_t *ext_run;        /* with extents: [extents] first MFN of each 4 MiB extent's
                               * reserved run, PMAP_NONE (none yet) or PMAP_NO_RUN */
    uint16_t *ext_filled;     /* with extents: [extents] pages of the extent backed */

    /* Counters (PREFIX.pmap.*), registered by pmap_register_stats. */
    uint64_t filled;          /* GPFNs backed with a zeroed frame on (first) touch */
    uint64_t unmapped;        /* GPFNs released by pmap_unmap */
    uint64_t resident;        /* GPFNs RESIDENT now (a frame of their own) */
    uint64_t fill_failed;     /* pmap_get calls in range that could get no frame */
    /* Counters (PREFIX.mem.*): where the pages are, and what happened to them. */
    uint64_t shared;          /* GPFNs SHARED now */
    uint64_t compressed;      /* GPFNs COMPRESSED now */
    uint64_t swapped;         /* GPFNs SWAPPED now */
    uint64_t ballooned;       /* GPFNs BALLOONED now */
    uint64_t balloon_target;  /* pages the VMM asks the guest's balloon to hold now */
    struct pmap_zwatch *zwatch; /* the bytes of watched pages the guest has zeroed (uthash) */
    uint64_t zero_tracked;    /* frames zeroed by the VMM and watched for the guest's writes */
    uint64_t double_zeroed;   /* ... that the guest zeroed all over again before any other write */
    uint64_t first_write_data;/* ... written with anything else first (by the guest or the VMM) */
    uint64_t zero_partial;    /* ... of those, after the guest had zeroed part of them */
    uint64_t zero_stores;     /* the guest's stores of zero into watched frames (each a fault) */
};

/* Sets up an empty map (every GPFN UNTOUCHED) for a VM of ram_bytes (a non-zero multiple
 * of 4096) whose frames are tagged vm_id (not FRAMES_NO_OWNER) in pool *frames. Takes no
 * frame. Returns 0, or -1 (bad size or id, no host memory) with *p left empty. */
int pmap_init(struct pmap *p, struct frames *frames, uint32_t vm_id, uint32_t ram_bytes);
/* Returns every frame to the pool, drops its shares and its compressed and swapped pages
 * (without calling the unmap hook: the back end must have dropped every MFN of this VM
 * already, e.g. flushed the hardware TLB entries of its ASIDs, because the frames may go
 * to another VM next) and releases the map. Counters keep their values (the current ones
 * become 0), so the report can be written after the VM is gone; the struct must not be
 * used otherwise until pmap_init. Safe on an empty pmap. */
void pmap_destroy(struct pmap *p);

static inline enum pmap_state pmap_state(const struct pmap *p, uint32_t gpfn)
{
    return gpfn < p->npages ? (enum pmap_state)(p->st[gpfn] & PMAP_STATE_MASK) : PMAP_UNTOUCHED;
}

/* The frame of a RESIDENT or SHARED gpfn, or PMAP_NONE (any other state, or outside the
 * VM's RAM). Never allocates, never counts as a reference. */
static inline uint32_t pmap_lookup(const struct pmap *p, uint32_t gpfn)
{
    return gpfn < p->npages ? p->mfn[gpfn] : PMAP_NONE;
}

uint32_t pmap_get_slow(struct pmap *p, uint32_t gpfn, enum pmap_access access);

/* The frame to map gpfn to for access: a RESIDENT page's own (a write to a page tracked
 * for double zeroing is classified first); a SHARED page's shared frame for a read, a
 * private copy for a write (copy on write); a COMPRESSED or SWAPPED page brought back; an
 * UNTOUCHED or BALLOONED page backed with a zeroed frame (counted in filled, and in
 * machine.frames.zeroed). Marks it referenced. Returns PMAP_NONE if gpfn is outside the
 * VM's RAM (nothing counted; the caller raises the guest's bus error), or if no frame
 * could be had (p->failure says why, the failed hook has been called: the VM stops).
 * May evict other pages to make room, never one of the last PMAP_PINS this pmap gave
 * since pmap_clear_pins. */
static inline uint32_t pmap_get(struct pmap *p, uint32_t gpfn, enum pmap_access access)
{
    if (gpfn < p->npages &&
        (p->st[gpfn] & (PMAP_STATE_MASK | PMAP_ZTRACK)) == PMAP_RESIDENT) {
        p->st[gpfn] |= PMAP_REF;
        p->pin[p->pin_next++ % PMAP_PINS] = gpfn;
        return p->mfn[gpfn];
    }
    return pmap_get_slow(p, gpfn, access);
}

/* May a translation to gpfn's present frame allow guest writes? Only a RESIDENT page not
 * tracked for double zeroing: a SHARED one is copied on the first write, a tracked one
 * classified (pmap_get with PMAP_WRITE does both, after which it is writable). */
static inline int pmap_writable(const struct pmap *p, uint32_t gpfn)
{
    return gpfn < p->npages && (p->st[gpfn] & (PMAP_STATE_MASK | PMAP_ZTRACK)) == PMAP_RESIDENT;
}

/* The issue-4 name of pmap_get(p, gpfn, PMAP_VMM_WRITE): the frame of a page the VMM may
 * write. */
static inline uint32_t pmap_fill(struct pmap *p, uint32_t gpfn)
{
    return pmap_get(p, gpfn, PMAP_VMM_WRITE);
}

/* Host pointer to the 4 KiB of guest-physical page gpfn, for the VMM to write (pmap_get
 * with PMAP_VMM_WRITE); NULL where that fails. Valid until the next pmap_get of any page
 * of any VM (which may evict it), an unmap or pmap_destroy. */
static inline uint8_t *pmap_host(struct pmap *p, uint32_t gpfn)
{
    uint32_t mfn = pmap_get(p, gpfn, PMAP_VMM_WRITE);
    return mfn == PMAP_NONE ? NULL : frames_host(p->frames, mfn);
}

/* Places the VM's RAM in machine-contiguous, 4 MiB-aligned extents from now on (call
 * before anything is backed): the first page backed in an extent reserves an aligned run
 * of frames for the whole extent (frames_reserve_run), and every page of the extent is
 * backed by its own frame of that run, zeroed when it is first touched as always — so a
 * fully backed extent is one run that a back end may map with one large machine TLB
 * entry. When the pool has no free aligned run, the extent's pages are backed one by one
 * as usual. Returns 0, or -1 (no host memory, pages are backed already, or the VM's
 * memory manager may reclaim or share its pages: a frame of a run given back would stay
 * reserved, so nothing would be reclaimed). */
int pmap_use_extents(struct pmap *p);
/* With extents: the first MFN of extent e's run if every page of the extent is backed by
 * it, else PMAP_NONE. */
uint32_t pmap_extent_mfn(const struct pmap *p, uint32_t e);

/* For mem.c: RESIDENT gpfn's own frame leaves it (the caller updates its state): back to
 * the pool, or, in an extent's run, back to the run (reserved for this VM, claimed again
 * when the same GPFN is next backed). */
void pmap_drop_frame(struct pmap *p, uint32_t gpfn);

/* Releases whatever backs gpfn (frame, share, compressed or swapped copy): the page becomes
 * UNTOUCHED and its contents are lost (its next touch backs it with a zeroed frame). A
 * RESIDENT or SHARED page calls the unmap hook first, while pmap_lookup(gpfn) still returns
 * the frame, so that the back end can drop every translation to it; the hook must not
 * change the pmap. Counts PREFIX.pmap.unmapped for a RESIDENT page. No-op, no hook, if gpfn
 * is UNTOUCHED or outside the VM's RAM. */
void pmap_unmap(struct pmap *p, uint32_t gpfn);

/* Sets the VMM's hooks (copied). */
void pmap_set_hooks(struct pmap *p, const struct pmap_hooks *h);
/* Sets (or, with fn NULL, clears) the unmap hook alone. */
void pmap_set_unmap_hook(struct pmap *p, pmap_unmap_fn fn, void *ctx);

/* Copies len bytes from src to guest-physical gpa.., across pages (PMAP_VMM_WRITE gets).
 * Returns 0; or -1 if [gpa, gpa+len) is not inside the VM's RAM (nothing written) or a page
 * could not be had (the pages before it are written). */
int pmap_write(struct pmap *p, uint32_t gpa, const void *src, uint32_t len);
/* Copies len bytes from guest-physical gpa.. to dst. UNTOUCHED and BALLOONED pages read as
 * zeros and stay as they are (reading guest memory from the VMM side takes no frame for
 * them); COMPRESSED and SWAPPED pages are brought back. Returns 0, or -1 if [gpa, gpa+len)
 * is not inside the VM's RAM (nothing read) or a page could not be brought back. */
int pmap_read(struct pmap *p, uint32_t gpa, void *dst, uint32_t len);
/* Makes [gpa, gpa+len) read as zeros: clears the pages that hold bytes and leaves the
 * UNTOUCHED ones as they are. Returns 0, or -1 if the range is not inside the VM's RAM
 * (nothing changed) or a page could not be had. */
int pmap_zero(struct pmap *p, uint32_t gpa, uint32_t len);

/* The pmap counterpart of elf_copy_to_ram: writes every PT_LOAD segment's filesz bytes at
 * its guest-physical address and makes memsz - filesz read as zeros (pmap_zero: a large
 * .bss takes frames only when the guest touches it). Returns 0, or -1 if a segment does
 * not fit the VM's RAM or the pool ran out. */
int pmap_load_elf(struct pmap *p, const struct elf_image *img);

/* Whether gpfn is one of the last PMAP_PINS pages pmap_get returned (never evicted). */
int pmap_pinned(const struct pmap *p, uint32_t gpfn);
/* Forgets the pins: the VMM calls it when it enters for a new trap (the frames it got for
 * the last one are in translations now, or were never used). */
void pmap_clear_pins(struct pmap *p);

/* Registers PREFIX.pmap.{filled,unmapped,resident,fill_failed} and PREFIX.mem.{shared,
 * compressed,swapped,ballooned,balloon_target,zero_tracked,double_zeroed,first_write_data,
 * zero_partial,zero_stores},
 * prefix e.g.
 * "vm1". The registry keeps pointers into *p: p must not move afterwards. */
void pmap_register_stats(struct pmap *p, struct stats *st, const char *prefix);

#endif /* TLBVISOR_CORE_PMAP_H */
