/*
 * mmapchurn n=N (default 100) pages=P (default 16): N times map P anonymous pages,
 * check they read zero, write a word in each, read them back, unmap.  The checksum
 * covers the values read back (addresses are not part of it).
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	long n = arg(argc, argv, "n", 100);
	long pages = arg(argc, argv, "pages", 16);
	uint32_t h = FNV_INIT, st = 77, bad = 0;

	if (pages <= 0 || pages > 65536) {
		printf("mmapchurn: FAIL bad pages=%ld\n", pages);
		return 1;
	}
	for (long it = 0; it < n; it++) {
		size_t len = (size_t)pages * PAGE_SIZE;
		uint8_t *p = mmap(len);

		if (p == MAP_FAILED) {
			printf("mmapchurn: FAIL mmap %ld pages at iteration %ld: errno %d\n", pages,
			       it, errno);
			return 1;
		}
		for (long i = 0; i < pages; i++) {
			uint32_t *w = (uint32_t *)(p + i * PAGE_SIZE + ((i * 132) & 0xffc));

			bad += *w != 0;
			*w = xorshift32(&st);
		}
		for (long i = 0; i < pages; i++)
			h = fnv1a_u32(h, *(uint32_t *)(p + i * PAGE_SIZE + ((i * 132) & 0xffc)));
		if (munmap(p, len) != 0) {
			printf("mmapchurn: FAIL munmap at iteration %ld: errno %d\n", it, errno);
			return 1;
		}
	}
	if (bad) {
		printf("mmapchurn: FAIL %u mapped pages not zero\n", bad);
		return 1;
	}
	printf("mmapchurn: n=%ld pages=%ld checksum=0x%08x\n", n, pages, h);
	return 0;
}
