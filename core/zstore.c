/* core/zstore.c - the lz4 compressed store (zstore.h, docs/memory.md). */
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "zstore.h"

_Static_assert(sizeof(((struct zstore *)0)->scratch) >= LZ4_COMPRESSBOUND(ZSTORE_PAGE_BYTES),
               "the scratch buffer holds lz4's worst case");

int zstore_init(struct zstore *z, uint64_t max_bytes)
{
    memset(z, 0, sizeof(*z));
    z->max_bytes = max_bytes;
    z->free_head = ZSTORE_NONE;
    return 0;
}

void zstore_free(struct zstore *z)
{
    for (uint32_t i = 0; i < z->n; i++)
        free(z->e[i].data);
    free(z->e);
    z->e = NULL;
    z->n = z->cap = 0;
    z->free_head = ZSTORE_NONE;
    z->pages = z->bytes = 0;
}

/* A free entry (LIFO reuse), or ZSTORE_NONE. */
static uint32_t new_entry(struct zstore *z)
{
    if (z->free_head != ZSTORE_NONE) {
        uint32_t h = z->free_head;
        z->free_head = z->e[h].word;
        return h;
    }
    if (z->n == z->cap) {
        uint32_t cap = z->cap ? 2 * z->cap : 1024;
        struct zstore_entry *e = realloc(z->e, (size_t)cap * sizeof(*e));
        if (!e)
            return ZSTORE_NONE;
        z->e = e;
        z->cap = cap;
    }
    return z->n++;
}

uint32_t zstore_put(struct zstore *z, const uint8_t *page, enum zstore_kind *kind)
{
    uint32_t w0, w;
    memcpy(&w0, page, 4);
    unsigned i = 4;
    for (; i < ZSTORE_PAGE_BYTES; i += 4) {
        memcpy(&w, page + i, 4);
        if (w != w0)
            break;
    }
    enum zstore_kind k;
    int len = 0;
    if (i == ZSTORE_PAGE_BYTES) {
        k = ZSTORE_SAME;
    } else {
        len = LZ4_compress_default((const char *)page, (char *)z->scratch, ZSTORE_PAGE_BYTES,
                                   (int)sizeof(z->scratch));
        z->lz4_bytes_in += ZSTORE_PAGE_BYTES;
        z->lz4_bytes_out += len > 0 ? (uint64_t)len : ZSTORE_PAGE_BYTES;
        if (len > 0 && (unsigned)len <= ZSTORE_RAW_BYTES) {
            k = ZSTORE_LZ4;
        } else {
            k = ZSTORE_RAW;
            len = ZSTORE_PAGE_BYTES;
        }
    }
    if (z->bytes + (uint64_t)len > z->max_bytes && k != ZSTORE_SAME) {
        z->full++;
        return ZSTORE_NONE;
    }
    uint8_t *data = NULL;
    if (k != ZSTORE_SAME && !(data = malloc((size_t)len)))
        return ZSTORE_NONE;
    uint32_t h = new_entry(z);
    if (h == ZSTORE_NONE) {
        free(data);
        return ZSTORE_NONE;
    }
    if (data)
        memcpy(data, k == ZSTORE_RAW ? page : z->scratch, (size_t)len);
    z->e[h] = (struct zstore_entry){ .data = data, .word = w0, .len = (uint16_t)len,
                                     .kind = (uint8_t)k, .used = 1 };
    z->pages++;
    z->bytes += (uint64_t)len;
    if (z->bytes > z->peak_bytes)
        z->peak_bytes = z->bytes;
    z->stored++;
    z->stored_same += k == ZSTORE_SAME;
    z->stored_lz4 += k == ZSTORE_LZ4;
    z->stored_raw += k == ZSTORE_RAW;
    if (kind)
        *kind = k;
    return h;
}

static const struct zstore_entry *entry(const struct zstore *z, uint32_t h)
{
    return h < z->n && z->e[h].used ? &z->e[h] : NULL;
}

int zstore_get(struct zstore *z, uint32_t h, uint8_t *page)
{
    const struct zstore_entry *e = entry(z, h);
    if (!e)
        return -1;
    switch (e->kind) {
    case ZSTORE_SAME:
        for (unsigned i = 0; i < ZSTORE_PAGE_BYTES; i += 4)
            memcpy(page + i, &e->word, 4);
        break;
    case ZSTORE_RAW:
        memcpy(page, e->data, ZSTORE_PAGE_BYTES);
        break;
    default:
        if (LZ4_decompress_safe((const char *)e->data, (char *)page, e->len,
                                ZSTORE_PAGE_BYTES) != (int)ZSTORE_PAGE_BYTES) {
            z->corrupt++;
            return -1;
        }
        break;
    }
    z->loaded++;
    return 0;
}

enum zstore_kind zstore_kind_of(const struct zstore *z, uint32_t h)
{
    const struct zstore_entry *e = entry(z, h);
    return e ? (enum zstore_kind)e->kind : ZSTORE_SAME;
}

void zstore_drop(struct zstore *z, uint32_t h)
{
    if (!entry(z, h))
        return;
    struct zstore_entry *e = &z->e[h];
    z->pages--;
    z->bytes -= e->len * (e->kind != ZSTORE_SAME);
    free(e->data);
    *e = (struct zstore_entry){ .word = z->free_head };
    z->free_head = h;
}

void zstore_register_stats(struct zstore *z, struct stats *st)
{
    stats_add(st, &z->pages, "machine.zstore.pages");
    stats_add(st, &z->bytes, "machine.zstore.bytes");
    stats_add(st, &z->peak_bytes, "machine.zstore.peak_bytes");
    stats_add(st, &z->stored, "machine.zstore.stored");
    stats_add(st, &z->stored_same, "machine.zstore.stored_same");
    stats_add(st, &z->stored_lz4, "machine.zstore.stored_lz4");
    stats_add(st, &z->stored_raw, "machine.zstore.stored_raw");
    stats_add(st, &z->lz4_bytes_in, "machine.zstore.lz4_bytes_in");
    stats_add(st, &z->lz4_bytes_out, "machine.zstore.lz4_bytes_out");
    stats_add(st, &z->loaded, "machine.zstore.loaded");
    stats_add(st, &z->full, "machine.zstore.full");
    stats_add(st, &z->corrupt, "machine.zstore.corrupt");
}
