/* core/pmap.h - one VM's guest-physical memory: the map GPFN -> MFN over the machine frame
 * pool (core/frames.h), filled on demand.
 *
 * A VM has ram_bytes of guest-physical RAM, guest-physical page frames (GPFNs) 0 ..
 * npages-1. Each GPFN is either unbacked (PMAP_NONE) or backed by one machine frame owned
 * by this VM (owner tag vm_id). The first touch of a GPFN (pmap_fill) takes a frame from
 * the pool, which the pool zeroes, so an unbacked page and a freshly backed one both read
 * as zeros. A GPFN outside the VM's RAM is never backed: that is the whole of the
 * isolation argument on the VMM side (docs/vmm-memory.md).
 *
 * Naming: gpa = guest-physical address, gpfn = gpa >> 12, mfn = machine frame number.
 * The scheduler, the back ends and the loader all reach guest-physical memory through
 * this map; it knows nothing of either back end except the unmap hook. */
#ifndef TLBVISOR_CORE_PMAP_H
#define TLBVISOR_CORE_PMAP_H

#include <stdint.h>

#include "frames.h"

struct stats;
struct elf_image;

#define PMAP_NONE FRAMES_NONE    /* "no machine frame" */
#define PMAP_PAGE_SHIFT FRAMES_SHIFT
#define PMAP_PAGE_BYTES FRAMES_FRAME_BYTES
#define PMAP_EXTENT_PAGES 1024u        /* 4 MiB */
#define PMAP_NO_RUN (FRAMES_NONE - 1)  /* an extent that could get no run: pages one by one */

/* Called by pmap_unmap before the frame goes back to the pool (see there). */
typedef void (*pmap_unmap_fn)(void *ctx, uint32_t gpfn);

struct pmap {
    /* Read-only outside pmap.c. */
    struct frames *frames;    /* the machine pool; not owned */
    uint32_t vm_id;           /* owner tag of this VM's frames */
    uint32_t ram_bytes;
    uint32_t npages;          /* ram_bytes / 4096 */
    uint32_t *mfn;            /* [npages]: MFN backing each GPFN, or PMAP_NONE */
    uint32_t *ext_run;        /* with extents: [extents] first MFN of each 4 MiB extent's
                               * reserved run, PMAP_NONE (none yet) or PMAP_NO_RUN */
    uint16_t *ext_filled;     /* with extents: [extents] pages of the extent backed */
    pmap_unmap_fn on_unmap;   /* set with pmap_set_unmap_hook; may be NULL */
    void *unmap_ctx;

    /* Counters (PREFIX.pmap.*), registered by pmap_register_stats. */
    uint64_t filled;          /* GPFNs backed on first touch */
    uint64_t unmapped;        /* GPFNs released by pmap_unmap */
    uint64_t resident;        /* GPFNs backed now */
    uint64_t fill_failed;     /* pmap_fill calls in range that found the pool empty */
};

/* Sets up an empty map (every GPFN unbacked) for a VM of ram_bytes (a non-zero multiple of
 * 4096) whose frames are tagged vm_id (not FRAMES_NO_OWNER) in pool *frames. Takes no frame.
 * Returns 0, or -1 (bad size or id, no host memory) with *p left empty. */
int pmap_init(struct pmap *p, struct frames *frames, uint32_t vm_id, uint32_t ram_bytes);
/* Returns every frame to the pool (without calling the unmap hook: the back end must have
 * dropped every MFN of this VM already, e.g. flushed the hardware TLB entries of its ASIDs,
 * because the frames may go to another VM next) and releases the map. Counters keep their
 * values (resident becomes 0), so the report can be written after the VM is gone; the
 * struct must not be used otherwise until pmap_init. Safe on an empty pmap. */
void pmap_destroy(struct pmap *p);

/* MFN backing gpfn, or PMAP_NONE if gpfn is not backed yet or is outside the VM's RAM.
 * Never allocates. */
static inline uint32_t pmap_lookup(const struct pmap *p, uint32_t gpfn)
{
    return gpfn < p->npages ? p->mfn[gpfn] : PMAP_NONE;
}

/* MFN backing gpfn, backing it first if it is not: takes a frame from the pool (zeroed
 * there, counted in machine.frames.zeroed) and counts PREFIX.pmap.filled. Idempotent.
 * Returns PMAP_NONE if gpfn is outside the VM's RAM (nothing counted) or the pool is empty
 * (counted in fill_failed); the caller turns that into a guest bus error or stops the VM. */
uint32_t pmap_fill(struct pmap *p, uint32_t gpfn);

/* Host pointer to the 4 KiB of guest-physical page gpfn, filling it on demand; NULL when
 * pmap_fill would return PMAP_NONE. Valid until the page is unmapped or the pmap destroyed. */
static inline uint8_t *pmap_host(struct pmap *p, uint32_t gpfn)
{
    uint32_t mfn = pmap_lookup(p, gpfn);
    if (mfn == PMAP_NONE && (mfn = pmap_fill(p, gpfn)) == PMAP_NONE)
        return NULL;
    return frames_host(p->frames, mfn);
}

/* Places the VM's RAM in machine-contiguous, 4 MiB-aligned extents from now on (call
 * before anything is backed): the first page backed in an extent reserves an aligned run
 * of frames for the whole extent (frames_reserve_run), and every page of the extent is
 * backed by its own frame of that run, zeroed when it is first touched as always — so a
 * fully backed extent is one run that a back end may map with one large machine TLB
 * entry. When the pool has no free aligned run, the extent's pages are backed one by one
 * as usual. Returns 0, or -1 (no host memory, or pages are backed already). */
int pmap_use_extents(struct pmap *p);
/* With extents: the first MFN of extent e's run if every page of the extent is backed by
 * it, else PMAP_NONE. */
uint32_t pmap_extent_mfn(const struct pmap *p, uint32_t e);

/* Releases the frame behind gpfn (the "guest-physical page becoming unmapped" event of the
 * back-end interface, e.g. swapped out by the VMM). The hook is called first, while
 * pmap_lookup(gpfn) still returns the old MFN, so that the back end can drop every
 * translation to that MFN; the hook must not change the pmap. Then the GPFN becomes
 * unbacked, the frame goes back to the pool and PREFIX.pmap.unmapped is counted. The page's
 * contents are lost: its next touch backs it with a zeroed frame (a swapper saves them
 * first through pmap_host and restores them with pmap_write). No-op, no hook, if gpfn is
 * unbacked or outside the VM's RAM. */
void pmap_unmap(struct pmap *p, uint32_t gpfn);

/* Sets (or, with fn NULL, clears) the one unmap hook; it is the back end's. */
void pmap_set_unmap_hook(struct pmap *p, pmap_unmap_fn fn, void *ctx);

/* Copies len bytes from src to guest-physical gpa.., across pages, filling them on demand.
 * Returns 0; or -1 if [gpa, gpa+len) is not inside the VM's RAM (nothing written) or the
 * pool ran out (the pages before the one that could not be backed are written). */
int pmap_write(struct pmap *p, uint32_t gpa, const void *src, uint32_t len);
/* Copies len bytes from guest-physical gpa.. to dst. Unbacked pages read as zeros and stay
 * unbacked: reading guest memory from the VMM side takes no frame. Returns 0, or -1 if
 * [gpa, gpa+len) is not inside the VM's RAM (nothing read). */
int pmap_read(struct pmap *p, uint32_t gpa, void *dst, uint32_t len);
/* Makes [gpa, gpa+len) read as zeros: clears the backed pages in the range and leaves the
 * unbacked ones unbacked (they read as zeros already). Returns 0, or -1 if the range is
 * not inside the VM's RAM (nothing changed). */
int pmap_zero(struct pmap *p, uint32_t gpa, uint32_t len);

/* The pmap counterpart of elf_copy_to_ram: writes every PT_LOAD segment's filesz bytes at
 * its guest-physical address and makes memsz - filesz read as zeros (pmap_zero: a large
 * .bss takes frames only when the guest touches it). Returns 0, or -1 if a segment does
 * not fit the VM's RAM or the pool ran out. */
int pmap_load_elf(struct pmap *p, const struct elf_image *img);

/* Registers PREFIX.pmap.{filled,unmapped,resident,fill_failed}, prefix e.g. "vm1". The
 * registry keeps pointers into *p: p must not move afterwards. */
void pmap_register_stats(struct pmap *p, struct stats *st, const char *prefix);

#endif /* TLBVISOR_CORE_PMAP_H */
