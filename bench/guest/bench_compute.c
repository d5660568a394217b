/*
 * bench_compute - compute-bound integer mix for the emulation-speed benchmark.
 *
 * Each iteration, on a small working set (~28 KiB of data):
 *   - fills a 16 KiB buffer from a xorshift32 generator and takes its CRC-32
 *     (table-driven, reflected polynomial 0xEDB88320: loads, shifts, xors);
 *   - heapsorts 2048 pseudo-random signed ints and checks the order
 *     (compares, data-dependent branches, indexed loads and stores);
 *   - computes fib(FIB_N) by naive recursion (calls, returns, stack traffic);
 *   - runs a multiply/divide loop (mul, multu/mfhi, divu, div, remainders).
 * Every result is folded into one checksum, printed as
 *   "bench_compute iters=N checksum=0xXXXXXXXX"
 * The program is deterministic: the same iteration count executes the same
 * instructions on any correct MIPS32r2 implementation.
 *
 * Boot command line: iters=N (default BENCH_ITERS).
 */
#include "bench.h"

#define BENCH_ITERS 5000
#define BUF_WORDS   4096
#define SORT_N      2048
#define FIB_N       20
#define MULDIV_N    4096

static uint32_t buf[BUF_WORDS];
static uint32_t crc_table[256];
static int32_t arr[SORT_N];

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return ~c;
}

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void sift_down(int32_t *a, uint32_t root, uint32_t end)
{
	uint32_t child;
	int32_t t;

	while ((child = 2 * root + 1) < end) {
		if (child + 1 < end && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(int32_t *a, uint32_t n)
{
	uint32_t i;
	int32_t t;

	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n - 1; i > 0; i--) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		sift_down(a, 0, i);
	}
}

static __attribute__((noinline)) uint32_t fib(uint32_t n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) uint32_t muldiv(uint32_t x, uint32_t n)
{
	uint32_t i, s = 0, d;
	int32_t q;

	for (i = 0; i < n; i++) {
		x = x * 0x9E3779B1u + i;                       /* mul */
		s += (uint32_t)(((uint64_t)x * 0xC2B2AE35u) >> 32); /* multu */
		d = (x >> 20) | 1;
		s ^= x / d;                                    /* divu */
		s += x % (i + 7);
		d = (i & 0x7F) + 3;                            /* never +-1 */
		q = (int32_t)x / ((i & 0x80) ? -(int32_t)d : (int32_t)d); /* div */
		s += (uint32_t)q + (uint32_t)((int32_t)x % (int32_t)d);
	}
	return s;
}

int main(void)
{
	uint32_t iters = bench_arg("iters", BENCH_ITERS);
	uint32_t it, i, seed = 0x12345678u, sum = 0, v;

	crc_init();
	for (it = 0; it < iters; it++) {
		for (i = 0; i < BUF_WORDS; i++)
			buf[i] = xorshift32(&seed);
		sum = bench_rotl(sum, 5) ^ crc32((const uint8_t *)buf, sizeof(buf));

		for (i = 0; i < SORT_N; i++)
			arr[i] = (int32_t)xorshift32(&seed);
		heapsort(arr, SORT_N);
		for (i = 1; i < SORT_N; i++) {
			if (arr[i - 1] > arr[i]) {
				printf("bench_compute: not sorted at %u\n", i);
				return 1;
			}
		}
		v = 0;
		for (i = 0; i < SORT_N; i += 64)
			v = v * 31 + (uint32_t)arr[i];
		sum = bench_rotl(sum, 7) ^ v;

		sum += fib(FIB_N + (it & 1));
		sum = bench_rotl(sum, 3) ^ muldiv(seed, MULDIV_N);
	}
	printf("bench_compute iters=%u checksum=0x%08x\n", iters, sum);
	return 0;
}
