/* file.c - reading input files with bounded time and size (file.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* Opens path for reading without blocking on a FIFO; refuses what is not a regular file,
 * a pipe or a FIFO. Returns the descriptor (O_NONBLOCK still set for a pipe) or -1. */
static int open_input(const char *path, const char *what, int *is_pipe, char *err,
                      size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read: %s", strerror(errno));
        close(fd);
        return -1;
    }
    *is_pipe = S_ISFIFO(st.st_mode);
    if (!S_ISREG(st.st_mode) && !*is_pipe) {
        snprintf(err, errlen, "cannot read %s: %s", what,
                 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file or a pipe");
        close(fd);
        return -1;
    }
    if (!*is_pipe)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int file_read_all(const char *path, const char *what, size_t max_bytes, const void *magic,
                  size_t magic_len, uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    int is_pipe;
    int fd = open_input(path, what, &is_pipe, err, errlen);
    if (fd < 0)
        return -1;
    size_t cap = 64 * 1024, len = 0;
    uint8_t *buf = malloc(cap + 1);
    int rc = -1;
    if (!buf) {
        snprintf(err, errlen, "out of memory reading the %s", what);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= max_bytes) {
                snprintf(err, errlen, "%s larger than %zu bytes", what, max_bytes);
                goto out;
            }
            size_t ncap = cap * 2 < max_bytes ? cap * 2 : max_bytes;
            uint8_t *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                snprintf(err, errlen, "out of memory reading the %s", what);
                goto out;
            }
            buf = nbuf;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EAGAIN) {
            /* A pipe with a writer but no data yet: wait for it, not for ever. */
            struct pollfd p = { .fd = fd, .events = POLLIN };
            int pr = poll(&p, 1, FILE_PIPE_TIMEOUT_MS);
            if (pr == 0) {
                snprintf(err, errlen, "cannot read %s: no data for %d s", what,
                         FILE_PIPE_TIMEOUT_MS / 1000);
                goto out;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read: %s", strerror(errno));
            goto out;
        }
        size_t before = len;
        len += (size_t)n;
        if (magic && before < magic_len && len > before) {
            size_t k = len < magic_len ? len : magic_len;
            if (memcmp(buf + before, (const uint8_t *)magic + before, k - before) != 0)
                break;                     /* the caller's parser names what is wrong */
        }
        if (n == 0)
            break;
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

int file_same(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

void file_msg(char *dst, size_t dstlen, const char *path, const char *reason)
{
    size_t plen = strlen(path), rlen = strlen(reason);
    if (dstlen < 16)
        return (void)snprintf(dst, dstlen, "%s", reason);
    if (plen + rlen + 3 <= dstlen || rlen + 3 + 24 > dstlen) {
        snprintf(dst, dstlen, "%s: %s", path, reason);
        return;
    }
    /* Too long: keep the reason whole and both ends of the path. */
    size_t keep = dstlen - rlen - 3 - 4;         /* "...", ": ", NUL */
    size_t head = keep / 3, tail = keep - head;
    snprintf(dst, dstlen, "%.*s...%s: %s", (int)head, path, path + plen - tail, reason);
}
