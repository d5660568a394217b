/*
 * compute iters=N (default 200): CPU-bound integer work on a 1 KiB working set.  Each
 * iteration fills 256 words from xorshift32, sorts them (shell sort), checks the order,
 * CRC-32s the sorted array and mixes it with multiply/divide/shift arithmetic.
 */
#include "../lib/ulib.h"

static void shellsort(uint32_t *a, int n)
{
	static const int gaps[] = { 109, 41, 19, 5, 1 };

	for (unsigned g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		int gap = gaps[g];

		for (int i = gap; i < n; i++) {
			uint32_t v = a[i];
			int j = i;

			while (j >= gap && a[j - gap] > v) {
				a[j] = a[j - gap];
				j -= gap;
			}
			a[j] = v;
		}
	}
}

int main(int argc, char **argv)
{
	long iters = arg(argc, argv, "iters", 200);
	uint32_t a[256], st = 12345, crc = 0, acc = 1;
	int bad = 0;

	for (long it = 0; it < iters; it++) {
		for (int i = 0; i < 256; i++)
			a[i] = xorshift32(&st);
		shellsort(a, 256);
		for (int i = 1; i < 256; i++)
			bad += a[i - 1] > a[i];
		crc = crc32_acc(crc, a, sizeof(a));
		for (int i = 0; i < 256; i++) {
			uint32_t d = (uint32_t)i * 2 + 3;

			acc = acc * 31u + a[i] / d + a[i] % 7u;
			acc ^= acc >> 11;
			acc += (uint32_t)((int32_t)a[i] >> 3) * 0x9E3779B9u;
		}
	}
	if (bad) {
		printf("compute: FAIL %d out-of-order pairs\n", bad);
		return 1;
	}
	printf("compute: iters=%ld crc=0x%08x checksum=0x%08x\n", iters, crc,
	       fnv1a_u32(fnv1a_u32(FNV_INIT, crc), acc));
	return 0;
}
