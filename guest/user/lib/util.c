/*
 * util.c - PRNG, checksums, and the work of one `job` (shared by job, pmake, selftest).
 */
#include "ulib.h"

uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state ? *state : 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static uint32_t rand_state = 2463534242u;

void srand32(uint32_t seed)
{
	rand_state = seed ? seed : 2463534242u;
}

uint32_t rand32(void)
{
	return xorshift32(&rand_state);
}

uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 16777619u;
	}
	return h;
}

uint32_t fnv1a_u32(uint32_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= v & 0xff;
		h *= 16777619u;
		v >>= 8;
	}
	return h;
}

uint32_t crc32_acc(uint32_t crc, const void *p, size_t n)
{
	static uint32_t table[256];
	const uint8_t *b = p;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * One job: a few rounds of integer work over a small array, a heap buffer of
 * 16..136 KiB (seed-dependent) touched page by page and hashed, and a few small
 * malloc/free pairs.  Exit status = low 8 bits of the hash.
 */
int job_work(uint32_t seed, uint32_t *hash)
{
	uint32_t st = seed * 2654435761u + 1, h = FNV_INIT, a[64];
	size_t kb = 16 + (seed % 16) * 8, n = kb * 1024 / 4;
	uint32_t *buf;
	void *small[8];

	for (int r = 0; r < 8; r++) {
		for (int i = 0; i < 64; i++)
			a[i] = xorshift32(&st);
		for (int i = 1; i < 64; i++) {          /* insertion sort */
			uint32_t v = a[i];
			int j = i - 1;

			while (j >= 0 && a[j] > v) {
				a[j + 1] = a[j];
				j--;
			}
			a[j + 1] = v;
		}
		h = crc32_acc(h, a, sizeof(a));
	}
	buf = malloc(n * 4);
	if (!buf)
		return 255;
	for (size_t i = 0; i < n; i += 1024)            /* one word per page */
		buf[i] = h ^ (uint32_t)i;
	for (size_t i = 0; i < n; i += 1024)
		h = fnv1a_u32(h, buf[i] + (uint32_t)(i >> 10));
	for (int i = 0; i < 8; i++) {
		small[i] = malloc(32 + (xorshift32(&st) & 255));
		if (small[i])
			memset(small[i], i, 32);
	}
	for (int i = 0; i < 8; i++) {
		if (small[i])
			h = fnv1a(h, small[i], 4);
		free(small[i]);
	}
	free(buf);
	if (hash)
		*hash = h;
	return (int)(h & 0xff);
}
