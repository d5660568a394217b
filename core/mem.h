/* core/mem.h - the machine memory manager (DESIGN.md §3, docs/memory.md): one pool of
 * machine frames shared by VMs whose RAM may add up to more than the pool
 * (`--machine-mem`), and the techniques that make that work:
 *   - reclaim: a clock over every VM's resident pages, with reference information from the
 *     pmap (a back end asked for the page) and the back ends (mmu_backend.h "referenced");
 *     a page the clock takes goes to the lz4 compressed store (zstore.h) or, when that is
 *     full or off, to the swap file (swap.h); a later access brings it back;
 *   - content-based sharing (share.h): a scanner hashes resident pages, identical ones are
 *     mapped read-only to one frame and copied on the first write;
 *   - ballooning: guests with a balloon driver (docs/paravirt.md) are asked for pages
 *     before the VMM compresses or swaps anything;
 *   - double zeroing: fresh frames are watched for the guest's first write (pmap.h).
 * Every move is counted (machine.mem.*, machine.zstore.*, machine.swap.*,
 * machine.share.*, vmN.mem.*) and costed (core/cost.h): `cycles` grows by the modelled
 * cost of each operation, and the VMM charges its units (mem_take_charges) to the VM on
 * the CPU, so that its ledger re-costs them.
 *
 * The manager knows the VMs only as pmaps and reaches the back ends only through the pmap
 * hooks. Deterministic: every decision depends on the sequence of calls alone. */
#ifndef TLBVISOR_CORE_MEM_H
#define TLBVISOR_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "cost.h"
#include "frames.h"
#include "share.h"
#include "swap.h"
#include "zstore.h"

struct pmap;
struct stats;

struct mem_config {
    int reclaim;                   /* the clock may take pages from the guests (the pool may be
                                    * smaller than their RAM: --machine-mem); off, the pool
                                    * only ever fails an allocation when it is empty */
    int compress;                  /* evict to the compressed store */
    uint64_t compress_bytes;       /* its bound (0: a quarter of machine memory) */
    const char *swap_path;         /* NULL: no swap file */
    uint64_t swap_bytes;           /* its size (0: SWAP_DEFAULT_BYTES) */
    int share;                     /* content-based sharing */
    unsigned share_rate;           /* pages the scanner hashes per scheduler slice (0: 64) */
    int zero_track;                /* watch fresh frames for double zeroing */
    int balloon;                   /* ask balloon drivers for pages under pressure */
};

#define MEM_SHARE_RATE 64

struct mem {
    struct frames *frames;
    struct cost_model cost;
    struct mem_config cfg;
    struct pmap **pm;              /* the VMs, in the order added */
    unsigned npm, cap;
    struct zstore z;
    struct swap sw;
    struct share sh;
    uint8_t page[4096];            /* scratch */
    /* the reclaim clock: the next page it looks at */
    unsigned hand_vm;
    uint32_t hand_gpfn;
    /* the sharing scanner: the next page it hashes */
    unsigned scan_vm;
    uint32_t scan_gpfn;
    /* free-frame watermarks (frames): below low a reclaim runs to high; below balloon the
     * balloon drivers are asked for pages */
    uint32_t low, high, balloon_wm;

    /* Counters (machine.mem.*). */
    uint64_t uncharged[COST_COUNT];/* units of each cost constant not yet charged to a VM */
    int has_uncharged;             /* ... some is not 0 */
    uint64_t cycles;               /* modelled cycles of memory management (all of the below) */
    uint64_t cycles_by[3];         /* ... of sharing (hash, compare, copy on write), of the
                                    * compressed store (scan, compress, decompress, copy
                                    * back), of the swap file (writes, reads) */
    uint64_t reclaims;             /* reclaim passes (watermark or empty pool) */
    uint64_t reclaim_failed;       /* passes that could not free what they were asked for */
    uint64_t clock_scanned;        /* pages the clock looked at */
    uint64_t clock_referenced;     /* ... that had been referenced (spared, bit cleared) */
    uint64_t evicted;              /* pages taken from machine memory by the clock */
    uint64_t restored;             /* COMPRESSED or SWAPPED pages brought back */
    uint64_t share_passes;         /* passes of the sharing scanner over every VM */
    uint64_t reclaimed_zero;       /* frames freed: a tracked page still zero (untouched) */
    uint64_t reclaimed_compress;   /* ... pages put in the compressed store */
    uint64_t reclaimed_swap;       /* ... pages written to the swap file */
    uint64_t reclaimed_share;      /* ... pages merged with an identical one */
    uint64_t reclaimed_balloon;    /* ... pages given back by balloon drivers */
    uint64_t balloon_returned;     /* ballooned pages the guests took back */
    uint64_t balloon_target;       /* sum of the targets set now */
    uint64_t restore_failed;       /* pages that could not be given back (corrupt, I/O) */
    uint64_t thrash_stops;         /* VMs stopped because reclaim kept failing (mem_thrashing) */
    uint64_t fail_hist;            /* the last 64 reclaim passes, bit set: it failed (newest
                                    * in bit 0) */
};

/* Thrashing: MEM_THRASH_FAILS of the last 64 reclaim passes could not free what they were
 * asked for. The pool then lives on the frames each restore frees by evicting another page
 * (the compressed store full, no swap room): a VM can spend all of its time bringing pages
 * back (a guest's timer tick costs more than the tick) and never finish. A run where the
 * machine memory holds the working sets never fails a pass (the memory suite: 0). */
#define MEM_THRASH_FAILS 32

/* Sets up the manager of pool f (already initialised) under cost model cost: the stores
 * the config asks for, the frames hooks (reclaim when the pool is empty, reuse). Returns
 * 0, or -1 with a one-line reason in err (e.g. the swap file cannot be created). */
int mem_init(struct mem *m, struct frames *f, const struct mem_config *cfg,
             const struct cost_model *cost, char *err, size_t errlen);
/* Releases the stores and the swap file (after every pmap is destroyed). */
void mem_fini(struct mem *m);
/* Puts p (empty, its hooks set) under the manager. Returns 0 or -1 (no host memory). */
int mem_add_vm(struct mem *m, struct pmap *p);

/* Once per scheduler slice, before the VM on the CPU runs: the sharing scanner's share of
 * pages, a reclaim if free frames are below the low watermark, balloon targets. */
void mem_tick(struct mem *m);
/* Frees up to want frames now (the clock: compress or swap). Returns how many it freed. */
uint32_t mem_reclaim(struct mem *m, uint32_t want);
/* Is the machine thrashing (MEM_THRASH_FAILS above)? If so, counts a stop, forgets the
 * history and returns the VM to stop (as an OOM killer picks: the one with the most pages
 * in machine memory, the store and the swap file; ties: the first added); the caller stops
 * it (its frames come back), the others go on. NULL otherwise. */
struct pmap *mem_thrashing(struct mem *m);

/* The units of each cost constant the manager used since the last call (for the VMM to
 * charge to the VM on the CPU, vmm_charge: its ledger then re-costs them), and forgets them.
 * Returns 0 (units untouched) when there were none: the common case, once per trap. */
int mem_take_charges(struct mem *m, uint64_t units[COST_COUNT]);

/* For pmap.c: the moves between states that need the manager. */
/* SHARED gpfn written: its private copy (or the shared frame itself when no one else maps
 * it). PMAP_NONE when no frame could be had. */
uint32_t mem_cow(struct mem *m, struct pmap *p, uint32_t gpfn);
/* COMPRESSED or SWAPPED gpfn brought back into a frame of its own. PMAP_NONE (p->failure
 * set) when no frame could be had or its bytes cannot be trusted. */
uint32_t mem_restore(struct mem *m, struct pmap *p, uint32_t gpfn);
/* The share, store entry or swap slot behind a SHARED, COMPRESSED or SWAPPED gpfn is
 * released (the page is being unmapped or its VM destroyed). */
void mem_release(struct mem *m, struct pmap *p, uint32_t gpfn);

/* Balloon (docs/paravirt.md): the guest of p gives page gpfn to the VMM (it will not use
 * it until it takes it back) or takes it back. Return 0, or -1 (gpfn outside its RAM, or
 * not in the state the call needs). */
int mem_balloon_give(struct mem *m, struct pmap *p, uint32_t gpfn);
int mem_balloon_take(struct mem *m, struct pmap *p, uint32_t gpfn);
/* Does gpfn read as zeros without the guest doing anything (never touched, ballooned, or
 * zeroed by the VMM and not written since)? The zeroed-page hint. */
int mem_reads_zero(const struct pmap *p, uint32_t gpfn);

/* A one-line reason why a page could not be given to a VM (pmap_failure why), with what
 * the manager knows (the store or the swap file full, the swap file's last error). */
void mem_explain(const struct mem *m, int why, char *buf, size_t len);

void mem_register_stats(struct mem *m, struct stats *st);

#endif
