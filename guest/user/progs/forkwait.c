/*
 * forkwait n=N (default 100) kb=K (default 0): fork N children one after another, each
 * exits at once with status i & 0xff; the parent waits for each and checks the pid and
 * the status.  kb > 0 first dirties K KiB of heap so that every fork has that much more
 * to share copy-on-write.
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	long n = arg(argc, argv, "n", 100);
	long kb = arg(argc, argv, "kb", 0);
	uint32_t h = FNV_INIT, sum = 0;
	uint8_t *heap = 0;

	if (kb > 0) {
		heap = malloc((size_t)kb * 1024);
		if (!heap) {
			printf("forkwait: FAIL malloc %ld KiB\n", kb);
			return 1;
		}
		for (long i = 0; i < kb * 1024; i += PAGE_SIZE)
			heap[i] = (uint8_t)(i >> 12);
	}
	for (long i = 0; i < n; i++) {
		int pid = fork(), st = -12345, w;

		if (pid == 0)
			exit((int)(i & 0xff));
		if (pid < 0) {
			printf("forkwait: FAIL fork %ld: errno %d\n", i, errno);
			return 1;
		}
		w = wait(&st);
		if (w != pid || st != (int)(i & 0xff)) {
			printf("forkwait: FAIL child %ld: wait=%d pid=%d status=%d\n", i, w, pid, st);
			return 1;
		}
		sum += (uint32_t)st;
		h = fnv1a_u32(h, (uint32_t)st);
	}
	printf("forkwait: n=%ld sum=%u checksum=0x%08x\n", n, sum, h);
	return 0;
}
