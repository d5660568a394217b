/* util.c - small helpers of the bench library (util.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void *bu_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *bu_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

char *bu_strdup(const char *s)
{
    return bu_strndup(s, strlen(s));
}

char *bu_strndup(const char *s, size_t n)
{
    char *d = bu_alloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *bu_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *s = bu_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void bu_grow(void **arr, unsigned n, unsigned *cap, size_t sz)
{
    if (n < *cap)
        return;
    unsigned nc = *cap ? *cap * 2 : 8;
    *arr = bu_realloc(*arr, (size_t)nc * sz);
    memset((char *)*arr + (size_t)*cap * sz, 0, (size_t)(nc - *cap) * sz);
    *cap = nc;
}

void bu_strv_take(struct bu_strv *l, char *s)
{
    *BU_PUSH(l->v, l->n, l->cap) = s;
}

void bu_strv_push(struct bu_strv *l, const char *s)
{
    bu_strv_take(l, bu_strdup(s));
}

void bu_strv_free(struct bu_strv *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void bu_strv_split(struct bu_strv *l, const char *s)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *w = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (s > w)
            bu_strv_take(l, bu_strndup(w, (size_t)(s - w)));
    }
}

int bu_glob_any(const struct bu_strv *l, const char *s)
{
    int positive = 0, hit = 0;
    for (unsigned i = 0; i < l->n; i++) {
        if (l->v[i][0] == '!') {
            if (fnmatch(l->v[i] + 1, s, 0) == 0)
                return 0;
        } else {
            positive = 1;
            hit |= fnmatch(l->v[i], s, 0) == 0;
        }
    }
    return !positive || hit;
}

uint64_t bu_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

char *bu_shell_quote(const char *s)
{
    size_t n = 2;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *d = bu_alloc(n + 1), *q = d;
    *q++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(q, "'\\''", 4);
            q += 4;
        } else {
            *q++ = *p;
        }
    }
    *q++ = '\'';
    *q = 0;
    return d;
}

int bu_mkdir_p(const char *dir)
{
    char *d = bu_strdup(dir);
    int rc = 0;
    for (char *p = d + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(d, 0777) != 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    if (rc == 0) {
        struct stat st;
        if (stat(dir, &st) != 0)
            rc = -1;
        else if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
    }
    int e = errno;
    free(d);
    errno = e;
    return rc;
}

static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        int rc = d ? 0 : -1;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *sub = bu_printf("%s/%s", path, e->d_name);
            if (remove_tree(sub) != 0)
                rc = -1;
            free(sub);
        }
        if (d)
            closedir(d);
        return rc == 0 ? rmdir(path) : -1;
    }
    return unlink(path);
}

int bu_remove_matching(const char *dir, const char *pattern)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && fnmatch(pattern, e->d_name, 0) == 0) {
            char *p = bu_printf("%s/%s", dir, e->d_name);
            if (remove_tree(p) != 0)
                rc = -1;
            free(p);
        }
    closedir(d);
    return rc;
}

int bu_write_file(const char *path, const void *data, size_t len)
{
    char *tmp = bu_printf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    int rc = fd < 0 ? -1 : 0;
    const char *p = data;
    while (rc == 0 && len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    int e = errno;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}

double bu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bu_utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

FILE *bu_open_replace(const char *path, char **tmp)
{
    *tmp = bu_printf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(*tmp, "w");
    if (!f) {
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        errno = e;
    }
    return f;
}

int bu_close_replace(FILE *f, char *tmp, const char *path)
{
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    int e = errno;
    if (rc)
        unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}
