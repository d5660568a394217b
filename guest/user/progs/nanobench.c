/*
 * nanobench op=OP n=N (default op=null n=0): one kernel operation N times, for
 * nanobenchmarks measured by difference (bench/suites/paper.ini: a run with n=N minus the
 * run with n=0, over N):
 *   null      nothing (the process's start and exit: what every op's run also pays)
 *   syscall   getpid(): a trap into the kernel and back (A&A's "divzero" is a trap the
 *             guest kernel handles and returns from, too)
 *   pgfault   map N fresh pages, store once into each: N demand-zero page faults (the
 *             pages go back at exit)
 *   unmap     as pgfault, then munmap each page alone: N more system calls that each
 *             clear one PTE and its TLB entry
 * Prints one deterministic line; exit status 0.
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	const char *op = arg_str(argc, argv, "op", "null");
	long n = arg(argc, argv, "n", 0);
	uint32_t h = FNV_INIT;

	if (n < 0 || n > 1000000) {
		printf("nanobench: FAIL bad n=%ld\n", n);
		return 1;
	}
	if (strcmp(op, "syscall") == 0) {
		for (long i = 0; i < n; i++)
			h = fnv1a_u32(h, (uint32_t)getpid());
	} else if (strcmp(op, "pgfault") == 0 || strcmp(op, "unmap") == 0) {
		uint8_t *p = n ? mmap((size_t)n * PAGE_SIZE) : NULL;

		if (p == MAP_FAILED) {
			printf("nanobench: FAIL mmap %ld pages: errno %d\n", n, errno);
			return 1;
		}
		for (long i = 0; i < n; i++) {
			uint32_t *w = (uint32_t *)(p + i * PAGE_SIZE);

			h = fnv1a_u32(h, *w);
			*w = (uint32_t)i;
		}
		if (op[0] == 'u')
			for (long i = 0; i < n; i++)
				if (munmap(p + i * PAGE_SIZE, PAGE_SIZE) != 0) {
					printf("nanobench: FAIL munmap page %ld: errno %d\n", i, errno);
					return 1;
				}
	} else if (strcmp(op, "null") != 0) {
		printf("nanobench: FAIL unknown op=%s\n", op);
		return 1;
	}
	printf("nanobench: op=%s n=%ld checksum=0x%08x\n", op, n, h);
	return 0;
}
