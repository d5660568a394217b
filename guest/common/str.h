/*
 * str.h - the string and memory functions every guest environment has (freestanding:
 * the compiler may call memset/memcpy itself).
 *
 * memcmp, strlen, strcmp and strncmp are defined once, in guest/common/string.c.
 * memset and memcpy (and memmove, except in the kernel, which has none) are defined by
 * each environment (guest/bare/rt/rt.c, guest/kernel/lib.c, guest/user/lib/string.c):
 * the three loops differ (bytes, aligned words, unrolled words) and their instruction
 * counts are part of what each environment's benchmarks and timing-dependent counters
 * measure.
 */
#ifndef GUEST_STR_H
#define GUEST_STR_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
