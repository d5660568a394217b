/*
 * ulib.h - the tiny libc of tlbvisor's guest user programs (guest/user).
 *
 * Programs are static MIPS32r2 little-endian ELF executables linked at TV_USER_BASE by
 * guest/user/user.ld; crt0.S's _start calls main(argc, argv) and exit(main's value).
 * The system-call ABI (numbers, registers, error codes) is guest/include/tv_abi.h.
 *
 * Error convention: every system-call wrapper returns -1 and sets `errno` to the positive
 * TV_E* code when the kernel returns -TV_E*; otherwise it returns the kernel's value.
 * Pointer-returning calls (sbrk, mmap) return MAP_FAILED ((void *)-1) on error.
 * `errno` is a plain global (each process has its own copy of the address space).
 *
 * Output: printf/puts/putchar format into a buffer on the stack and write it with
 * TV_SYS_WRITE once per call (a call longer than the buffer is written in pieces), so that
 * lines of concurrently running processes do not interleave within a call.
 */
#ifndef ULIB_H
#define ULIB_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

#include "../../include/tv_abi.h"

#define MAP_FAILED ((void *)-1)
#define PAGE_SIZE 4096u

extern int errno;

/* ---- system calls (tv_abi.h TV_SYS_*) --------------------------------- */
void exit(int status) __attribute__((noreturn));
int fork(void);
int exec(const char *name, char *const argv[]);   /* returns only on error */
int wait(int *status);                             /* status may be NULL */
int getpid(void);
void *sbrk(long increment);
void *mmap(size_t length);
int munmap(void *addr, size_t length);
long write(const void *buf, size_t len);           /* to the console */
int yield(void);
int sleep(unsigned ticks);
unsigned ticks(void);
int pipe(int fds[2]);                              /* fds[0] read end, fds[1] write end */
long read(int fd, void *buf, size_t len);
long writefd(int fd, const void *buf, size_t len);
int close(int fd);
long freeframes(void);
int kill(int pid);

/* Raw trap: returns the kernel's $v0 unchanged (>= 0 or -TV_E*). */
long __syscall(long n, long a0, long a1, long a2, long a3);

/* ---- output ----------------------------------------------------------- */
int putchar(int c);
int puts(const char *s);                        /* appends '\n' */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Formats: %d %i %u %x %X %p %s %c %%, flags '-' and '0', a width (or '*'), a precision
 * for %s, and 'l'/'h' length modifiers (ignored: int and long are 32 bits). */

/* ---- strings ---------------------------------------------------------- */
#include "../../common/str.h"   /* mem*, strlen, strcmp, strncmp */
char *strcpy(char *d, const char *s);
char *strchr(const char *s, int c);
int atoi(const char *s);
long atol(const char *s);
unsigned long strtoul(const char *s, char **end, int base); /* base 0: 0x/0 prefixes */
long strtol(const char *s, char **end, int base);

/* ---- memory ----------------------------------------------------------- */
/* First-fit, address-ordered free list with coalescing, over sbrk; 8-byte aligned. */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);

/* ---- helpers ---------------------------------------------------------- */
/* Value of the first argument "key=value" (decimal, 0x hex, or k/K, m/M suffix for
 * *1024, *1048576); dflt when absent or empty. argv[0] is searched too (harmless). */
long arg(int argc, char **argv, const char *key, long dflt);
/* The string value of "key=value", or dflt. */
const char *arg_str(int argc, char **argv, const char *key, const char *dflt);

/* xorshift32 (Marsaglia 13/17/5); a zero state is replaced by a fixed non-zero seed. */
uint32_t xorshift32(uint32_t *state);
void srand32(uint32_t seed);
uint32_t rand32(void);                    /* global state, seeded 2463534242 */

/* FNV-1a, 32 bits: h = FNV_INIT; h = fnv1a(h, p, n) ... */
#define FNV_INIT 0x811c9dc5u
uint32_t fnv1a(uint32_t h, const void *p, size_t n);
uint32_t fnv1a_u32(uint32_t h, uint32_t v); /* the 4 little-endian bytes of v */
/* CRC-32 (IEEE, reflected 0xEDB88320): crc = 0; crc = crc32_acc(crc, p, n) ... */
uint32_t crc32_acc(uint32_t crc, const void *p, size_t n);

/* The work of one `job` (shared by job, pmake and selftest): deterministic in seed;
 * computes, mallocs, touches memory, frees; returns the exit status (0..255) and the
 * full hash in *hash (may be NULL). */
int job_work(uint32_t seed, uint32_t *hash);

/* Run exec(name, {name, a1, a2, NULL}) (a1/a2 may be NULL); returns only on error. */
int exec2(const char *name, const char *a1, const char *a2);

#endif
