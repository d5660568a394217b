/*
 * syscall.c - system-call wrappers (tv_abi.h).  Convention (ulib.h): -1 and errno on
 * error; sbrk/mmap return MAP_FAILED.
 */
#include "ulib.h"

int errno;

long __syscall(long n, long a0, long a1, long a2, long a3)
{
	register long v0 __asm__("$2") = n;
	register long r4 __asm__("$4") = a0;
	register long r5 __asm__("$5") = a1;
	register long r6 __asm__("$6") = a2;
	register long r7 __asm__("$7") = a3;

	__asm__ volatile("syscall"
			 : "+r"(v0)
			 : "r"(r4), "r"(r5), "r"(r6), "r"(r7)
			 : "$1", "$3", "memory");
	return v0;
}

static long ret(long v)
{
	if (v < 0) {
		errno = (int)-v;
		return -1;
	}
	return v;
}

#define SC0(n)             ret(__syscall((n), 0, 0, 0, 0))
#define SC1(n, a)          ret(__syscall((n), (long)(a), 0, 0, 0))
#define SC2(n, a, b)       ret(__syscall((n), (long)(a), (long)(b), 0, 0))
#define SC3(n, a, b, c)    ret(__syscall((n), (long)(a), (long)(b), (long)(c), 0))

void exit(int status)
{
	for (;;)
		__syscall(TV_SYS_EXIT, status, 0, 0, 0);
}

int fork(void) { return (int)SC0(TV_SYS_FORK); }
int exec(const char *name, char *const argv[]) { return (int)SC2(TV_SYS_EXEC, name, argv); }
int wait(int *status) { return (int)SC1(TV_SYS_WAIT, status); }
int getpid(void) { return (int)SC0(TV_SYS_GETPID); }
int munmap(void *addr, size_t length) { return (int)SC2(TV_SYS_MUNMAP, addr, length); }
long write(const void *buf, size_t len) { return SC2(TV_SYS_WRITE, buf, len); }
int yield(void) { return (int)SC0(TV_SYS_YIELD); }
int sleep(unsigned t) { return (int)SC1(TV_SYS_SLEEP, t); }
unsigned ticks(void) { return (unsigned)__syscall(TV_SYS_TICKS, 0, 0, 0, 0); }
int pipe(int fds[2]) { return (int)SC1(TV_SYS_PIPE, fds); }
long read(int fd, void *buf, size_t len) { return SC3(TV_SYS_READ, fd, buf, len); }
long writefd(int fd, const void *buf, size_t len) { return SC3(TV_SYS_WRITEFD, fd, buf, len); }
int close(int fd) { return (int)SC1(TV_SYS_CLOSE, fd); }
long freeframes(void) { return SC0(TV_SYS_FREEFRAMES); }
int kill(int pid) { return (int)SC1(TV_SYS_KILL, pid); }

/* Addresses are below 0x80000000, so an error is the only negative result. */
void *sbrk(long increment)
{
	long v = __syscall(TV_SYS_SBRK, increment, 0, 0, 0);

	if (v < 0 && v >= -4095) {
		errno = (int)-v;
		return MAP_FAILED;
	}
	return (void *)v;
}

void *mmap(size_t length)
{
	long v = __syscall(TV_SYS_MMAP, (long)length, 0, 0, 0);

	if (v < 0 && v >= -4095) {
		errno = (int)-v;
		return MAP_FAILED;
	}
	return (void *)v;
}

int exec2(const char *name, const char *a1, const char *a2)
{
	char *argv[4];
	int n = 0;

	argv[n++] = (char *)name;
	if (a1)
		argv[n++] = (char *)a1;
	if (a2)
		argv[n++] = (char *)a2;
	argv[n] = 0;
	return exec(name, argv);
}
