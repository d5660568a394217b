/* core/swap.c - the swap file (swap.h, docs/memory.md). */
#define _GNU_SOURCE  /* pread/pwrite, strdup under -std=c11, O_TMPFILE */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "stats.h"
#include "swap.h"

/* The value N of "NAME=N" in the comma-separated list of TLBVISOR_FAULT, or 0. */
static uint64_t fault_of(const char *name)
{
    const char *f = getenv("TLBVISOR_FAULT");
    size_t len = strlen(name);
    for (const char *p = f; p && *p;) {
        if (strncmp(p, name, len) == 0 && p[len] == '=')
            return strtoull(p + len + 1, NULL, 10);
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

int swap_open(struct swap *sw, const char *path, uint64_t bytes, char *err, size_t errlen)
{
    memset(sw, 0, sizeof(*sw));
    sw->fd = -1;
    if (bytes < SWAP_PAGE_BYTES || bytes > SWAP_MAX_BYTES || bytes % SWAP_PAGE_BYTES) {
        snprintf(err, errlen, "size must be 4K..64G, a multiple of 4K");
        return -1;
    }
    struct stat st;
    int existed = stat(path, &st) == 0, fd;
    if (existed && S_ISDIR(st.st_mode)) {
        /* A directory: a file of this run's own in it, with no name (runs in parallel,
         * e.g. a bench, each have theirs; nothing is left behind, even after a crash). */
        fd = open(path, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "is a directory in which no unnamed file can be made: %s",
                     strerror(errno));
            return -1;
        }
    } else {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot be created or opened for reading and writing: %s",
                 strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot be used: %s", strerror(errno ? errno : EISDIR));
        close(fd);
        return -1;
    }
    sw->regular = S_ISREG(st.st_mode);
    if (sw->regular && (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)bytes) != 0)) {
        snprintf(err, errlen, "cannot be given %llu bytes: %s", (unsigned long long)bytes,
                 strerror(errno));
        close(fd);
        if (!existed)
            unlink(path);
        return -1;
    }
    uint32_t n = (uint32_t)(bytes / SWAP_PAGE_BYTES);
    sw->path = strdup(path);
    sw->stack = malloc((size_t)n * sizeof(*sw->stack));
    sw->sum = calloc(n, sizeof(*sw->sum));
    sw->used = calloc(n, 1);
    if (!sw->path || !sw->stack || !sw->sum || !sw->used) {
        snprintf(err, errlen, "out of host memory");
        close(fd);
        if (!existed)
            unlink(path);
        free(sw->path);
        free(sw->stack);
        free(sw->sum);
        free(sw->used);
        memset(sw, 0, sizeof(*sw));
        sw->fd = -1;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        sw->stack[i] = n - 1 - i;
    sw->fd = fd;
    sw->created = !existed;
    sw->nslots = n;
    sw->free = n;
    sw->slots = n;
    sw->corrupt_at = fault_of("swap-corrupt");
    sw->eio_at = fault_of("swap-eio");
    return 0;
}

void swap_close(struct swap *sw)
{
    if (sw->fd >= 0) {
        if (sw->created)
            unlink(sw->path);
        else if (sw->regular && ftruncate(sw->fd, 0) != 0)
            { /* nothing more to do: the run is over */ }
        close(sw->fd);
    }
    free(sw->path);
    free(sw->stack);
    free(sw->sum);
    free(sw->used);
    sw->path = NULL;
    sw->stack = NULL;
    sw->sum = NULL;
    sw->used = NULL;
    sw->fd = -1;
    sw->nslots = sw->free = 0;
    sw->in_use = 0;
}

/* Writes len bytes at off, all of them. Returns 0 or -1 (errno set). */
static int write_all(int fd, const uint8_t *p, size_t len, off_t off)
{
    while (len) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            return -1;
        }
        p += n, len -= (size_t)n, off += n;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t len, off_t off)
{
    while (len) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;           /* the file is shorter than the slot: truncated */
            return -1;
        }
        p += n, len -= (size_t)n, off += n;
    }
    return 0;
}

uint32_t swap_put(struct swap *sw, const uint8_t *page)
{
    if (sw->fd < 0 || sw->write_failed)
        return SWAP_NONE;
    if (sw->free == 0) {
        sw->full++;
        return SWAP_NONE;
    }
    uint32_t slot = sw->stack[sw->free - 1];
    off_t off = (off_t)slot * SWAP_PAGE_BYTES;
    uint64_t nth = sw->writes + sw->io_errors + 1;
    int rc = nth == sw->eio_at ? (errno = EIO, -1)
                               : write_all(sw->fd, page, SWAP_PAGE_BYTES, off);
    if (rc != 0) {
        sw->last_errno = errno;
        sw->io_errors++;
        sw->write_failed = 1;
        return SWAP_NONE;
    }
    sw->free--;
    sw->used[slot] = 1;
    sw->sum[slot] = XXH64(page, SWAP_PAGE_BYTES, 0);
    sw->writes++;
    sw->in_use++;
    if (sw->in_use > sw->peak)
        sw->peak = sw->in_use;
    if (sw->corrupt_at && sw->writes % sw->corrupt_at == 0) {
        uint8_t b = (uint8_t)(page[SWAP_PAGE_BYTES / 2] ^ 0x5A);
        if (write_all(sw->fd, &b, 1, off + SWAP_PAGE_BYTES / 2) != 0)
            sw->last_errno = errno;
    }
    return slot;
}

int swap_get(struct swap *sw, uint32_t slot, uint8_t *page)
{
    if (sw->fd < 0 || slot >= sw->nslots || !sw->used[slot])
        return -1;
    if (read_all(sw->fd, page, SWAP_PAGE_BYTES, (off_t)slot * SWAP_PAGE_BYTES) != 0) {
        sw->last_errno = errno;
        sw->io_errors++;
        return -1;
    }
    if (XXH64(page, SWAP_PAGE_BYTES, 0) != sw->sum[slot]) {
        sw->corrupt++;
        return -2;
    }
    sw->reads++;
    return 0;
}

void swap_drop(struct swap *sw, uint32_t slot)
{
    if (slot >= sw->nslots || !sw->used[slot])
        return;
    sw->used[slot] = 0;
    sw->stack[sw->free++] = slot;
    sw->in_use--;
}

void swap_register_stats(struct swap *sw, struct stats *st)
{
    stats_add(st, &sw->slots, "machine.swap.slots");
    stats_add(st, &sw->in_use, "machine.swap.in_use");
    stats_add(st, &sw->peak, "machine.swap.peak");
    stats_add(st, &sw->writes, "machine.swap.writes");
    stats_add(st, &sw->reads, "machine.swap.reads");
    stats_add(st, &sw->full, "machine.swap.full");
    stats_add(st, &sw->io_errors, "machine.swap.io_errors");
    stats_add(st, &sw->corrupt, "machine.swap.corrupt");
}
