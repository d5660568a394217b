/* util.h - small helpers of the bench library: allocation that never returns NULL, string
 * lists, glob matching (fnmatch), FNV-1a, shell quoting, directories, clocks. */
#ifndef TLBVISOR_BENCH_UTIL_H
#define TLBVISOR_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Allocation: out of memory aborts (the bench has nothing sensible to do without it). */
void *bu_alloc(size_t n);
void *bu_realloc(void *p, size_t n);
char *bu_strdup(const char *s);
char *bu_strndup(const char *s, size_t n);
char *bu_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable array of strings (owned). */
struct bu_strv {
    char **v;
    unsigned n, cap;
};
void bu_strv_push(struct bu_strv *l, const char *s);        /* copies s */
void bu_strv_take(struct bu_strv *l, char *s);              /* takes s */
void bu_strv_free(struct bu_strv *l);
/* Appends the whitespace-separated words of s. */
void bu_strv_split(struct bu_strv *l, const char *s);
/* Does s match the fnmatch(3) patterns of l: one of them, and none of those written with a
 * leading '!' (which exclude)? A list with no pattern without '!' matches everything not
 * excluded. */
int bu_glob_any(const struct bu_strv *l, const char *s);

/* Grows *arr (elements of size sz, *cap of them) to hold n + 1 elements. */
void bu_grow(void **arr, unsigned n, unsigned *cap, size_t sz);
#define BU_PUSH(arr, n, cap) (bu_grow((void **)&(arr), (n), &(cap), sizeof(*(arr))), &(arr)[(n)++])

/* FNV-1a, 64 bits, continued from h (start with BU_FNV_INIT). */
#define BU_FNV_INIT UINT64_C(0xcbf29ce484222325)
uint64_t bu_fnv1a(uint64_t h, const void *data, size_t len);

/* s quoted for a POSIX shell ('...'), malloc'd. */
char *bu_shell_quote(const char *s);
/* Creates dir and its parents (mode 0777 & ~umask). Returns 0, or -1 with errno. */
int bu_mkdir_p(const char *dir);
/* Removes the entries of dir whose names match pattern (fnmatch), directories with all they
 * hold. Returns 0, or -1 with errno (a directory that does not exist is not an error). */
int bu_remove_matching(const char *dir, const char *pattern);
/* Writes len bytes to path (created or truncated), atomically: a temporary file renamed.
 * Returns 0, or -1 with errno. */
int bu_write_file(const char *path, const void *data, size_t len);
/* The same for a file written through stdio: bu_open_replace opens PATH.tmp.PID for
 * writing (*tmp: its name; NULL on failure, errno set); bu_close_replace closes it and
 * renames it over path (0), or removes it (-1, errno set) if a write, the close or the
 * rename failed. It frees tmp. */
FILE *bu_open_replace(const char *path, char **tmp);
int bu_close_replace(FILE *f, char *tmp, const char *path);
/* Seconds on the monotonic clock. */
double bu_now(void);
/* The current time as "2026-11-25T10:00:00Z". */
void bu_utc_now(char *buf, size_t len);

#endif
