/* core/zstore.h - the compressed store: guest pages evicted from machine memory, kept in
 * host memory compressed with lz4 (DESIGN.md: lz4 is the project's compressor), the way
 * Linux's zram keeps them (docs/memory.md "Compressed store"):
 *   - a page that is one 32-bit word repeated (all zeros, most often) is kept as that word:
 *     no bytes at all (zram's "same-filled" pages);
 *   - a page that lz4 compresses to at most ZSTORE_RAW_BYTES is kept compressed;
 *   - any other page is kept raw, 4096 bytes (zram's "huge" pages): decompressing it would
 *     cost more than it saves.
 * The store is bounded: the bytes it keeps (compressed and raw pages) never exceed
 * max_bytes; a page that does not fit is refused (the memory manager then swaps it).
 *
 * Determinism: handles come from a LIFO free list (the same calls give the same handles),
 * and lz4's output is a function of the input for a given lz4 version (Debian bookworm's
 * 1.9.4), so sizes, and the store-full decisions, are the same on every run.
 * Not thread-safe (one host thread runs the machine). */
#ifndef TLBVISOR_CORE_ZSTORE_H
#define TLBVISOR_CORE_ZSTORE_H

#include <stdint.h>

#define ZSTORE_PAGE_BYTES 4096u
#define ZSTORE_RAW_BYTES 3072u      /* compressed pages larger than 3/4 page are kept raw */
#define ZSTORE_NONE UINT32_MAX

struct stats;

enum zstore_kind { ZSTORE_SAME, ZSTORE_LZ4, ZSTORE_RAW };

struct zstore_entry {
    uint8_t *data;                  /* LZ4: the compressed bytes; RAW: the page; SAME: NULL */
    uint32_t word;                  /* SAME: the repeated word; free entry: next free handle */
    uint16_t len;                   /* bytes at data (RAW: 4096) */
    uint8_t kind;                   /* enum zstore_kind */
    uint8_t used;
};

struct zstore {
    uint64_t max_bytes;             /* bound on bytes (0: the store refuses every page) */
    struct zstore_entry *e;         /* [cap] */
    uint32_t n, cap;                /* entries handed out ever (n <= cap) */
    uint32_t free_head;             /* LIFO list of released handles, or ZSTORE_NONE */
    uint8_t scratch[ZSTORE_PAGE_BYTES + ZSTORE_PAGE_BYTES / 255 + 16]; /* LZ4_COMPRESSBOUND */

    /* Counters (machine.zstore.*). */
    uint64_t pages;                 /* pages held now */
    uint64_t bytes;                 /* bytes held now (LZ4 and RAW pages) */
    uint64_t peak_bytes;
    uint64_t stored;                /* pages stored, by kind: */
    uint64_t stored_same, stored_lz4, stored_raw;
    uint64_t lz4_bytes_in;          /* 4096 per page lz4 compressed (kept or not) */
    uint64_t lz4_bytes_out;         /* what lz4 made of them (ratio = in / out) */
    uint64_t loaded;                /* pages given back (zstore_get) */
    uint64_t full;                  /* pages refused: the bound would be exceeded */
    uint64_t corrupt;               /* entries that did not decompress to exactly one page */
};

/* An empty store of at most max_bytes. Returns 0, or -1 (no host memory). */
int zstore_init(struct zstore *z, uint64_t max_bytes);
/* Frees every entry. Counters keep their values. */
void zstore_free(struct zstore *z);
/* Keeps a copy of the 4096 bytes at page. Returns its handle, or ZSTORE_NONE if it would
 * exceed the bound (counted in full) or the host has no memory. *kind (if not NULL) says
 * how it was kept. */
uint32_t zstore_put(struct zstore *z, const uint8_t *page, enum zstore_kind *kind);
/* Writes the page of handle h to page (4096 bytes); the entry stays (zstore_drop releases
 * it). Returns 0, or -1 if h is not an entry or its bytes do not decompress to exactly one
 * page (counted in corrupt; page is then unspecified and must not be used). */
int zstore_get(struct zstore *z, uint32_t h, uint8_t *page);
/* How entry h is kept (for the cost of getting it back). */
enum zstore_kind zstore_kind_of(const struct zstore *z, uint32_t h);
/* Releases entry h (no-op for ZSTORE_NONE). */
void zstore_drop(struct zstore *z, uint32_t h);
/* Registers machine.zstore.* (the registry keeps pointers into *z). */
void zstore_register_stats(struct zstore *z, struct stats *st);

#endif
