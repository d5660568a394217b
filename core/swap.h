/* core/swap.h - the swap file: guest pages evicted from machine memory when the compressed
 * store is full or off (`--swap FILE[,size=SIZE]`, docs/memory.md "Swap").
 *
 * The file is slots of 4 KiB: slot s is bytes [s * 4096, s * 4096 + 4096). Slots come
 * from a LIFO free list (a new file hands out 0, 1, 2, ...; then the most recently freed),
 * so the same run writes the same slots. Every slot written keeps, in host memory, an
 * XXH64 checksum of the page (xxhash: docs/memory.md says why); reading it back checks
 * it, so a page that changed on disk is never handed to a guest.
 *
 * Fault injection for the tests (the environment variable TLBVISOR_FAULT, a
 * comma-separated list): "swap-corrupt=N" flips one byte of every Nth page written, on
 * disk, after its checksum was taken; "swap-eio=N" makes the Nth write fail as with EIO.
 * Not thread-safe (one host thread runs the machine). */
#ifndef TLBVISOR_CORE_SWAP_H
#define TLBVISOR_CORE_SWAP_H

#include <stddef.h>
#include <stdint.h>

#define SWAP_PAGE_BYTES 4096u
#define SWAP_NONE UINT32_MAX
#define SWAP_DEFAULT_BYTES (256ull << 20)
#define SWAP_MAX_BYTES (64ull << 30)

struct stats;

struct swap {
    int fd;                         /* -1: no swap file */
    int created;                    /* the file did not exist before swap_open: removed at close */
    int regular;                    /* a regular file (sized and truncated); else a device */
    char *path;
    uint32_t nslots;
    uint32_t *stack;                /* [nslots] free slots; stack[free - 1] goes next */
    uint32_t free;
    uint64_t *sum;                  /* [nslots] XXH64 of the page in each used slot */
    uint8_t *used;                  /* [nslots] */
    uint64_t corrupt_at, eio_at;    /* fault injection: every Nth write / the Nth, 0: none */
    int last_errno;                 /* of the last failed write or read */
    int write_failed;               /* a write failed: the file takes no more pages */

    /* Counters (machine.swap.*). */
    uint64_t slots;                 /* nslots; constant */
    uint64_t in_use;                /* slots holding a page now */
    uint64_t peak;
    uint64_t writes;                /* pages written */
    uint64_t reads;                 /* pages read back and verified */
    uint64_t full;                  /* pages refused: no free slot */
    uint64_t io_errors;             /* writes or reads the host refused */
    uint64_t corrupt;               /* pages whose checksum did not match when read back */
};

/* Opens (creating it if needed) path as a swap file of bytes (a multiple of 4096, 4096 ..
 * SWAP_MAX_BYTES): a regular file is truncated to that size (sparse: disk is used as pages
 * are written). Returns 0, or -1 with a one-line reason in err (the path cannot be created
 * or opened for reading and writing, or the host refused the size). A directory: an unnamed
 * file (O_TMPFILE) in it, the run's own. */
int swap_open(struct swap *sw, const char *path, uint64_t bytes, char *err, size_t errlen);
/* Closes it; a file swap_open created is removed, a regular file that existed is truncated
 * to 0. Counters keep their values. Safe on a closed swap (fd -1) or a zeroed struct. */
void swap_close(struct swap *sw);
/* Writes the 4096 bytes at page to a free slot. Returns the slot, or SWAP_NONE: no free
 * slot (counted in full), or the write failed (io_errors, last_errno): a device that
 * failed a write is not written again (write_failed; the pages already on it can still be
 * read). */
uint32_t swap_put(struct swap *sw, const uint8_t *page);
/* Reads slot into page and checks it against its checksum. Returns 0; -1 if the read
 * failed (io_errors); -2 if the checksum does not match (corrupt). The slot stays used. */
int swap_get(struct swap *sw, uint32_t slot, uint8_t *page);
/* Frees a used slot (no-op for SWAP_NONE). */
void swap_drop(struct swap *sw, uint32_t slot);
/* Registers machine.swap.* (the registry keeps pointers into *sw). */
void swap_register_stats(struct swap *sw, struct stats *st);

#endif
