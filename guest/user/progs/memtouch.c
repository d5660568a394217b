/*
 * memtouch mb=M (default 4) rounds=R (default 2): allocate M MiB (malloc over sbrk: the
 * pages are demand-zero), write one word in every page sequentially, then for R rounds
 * visit every page in a fresh pseudo-random order (Fisher-Yates shuffle with
 * xorshift32), reading and updating its word.  The checksum covers every value read.
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	long mb = arg(argc, argv, "mb", 4);
	long rounds = arg(argc, argv, "rounds", 2);
	uint32_t npages = (uint32_t)mb * 256, st = 0x9e3779b9u, h = FNV_INIT, bad = 0;
	uint8_t *mem;
	uint32_t *order;

	if (mb <= 0 || mb > 2047) {
		printf("memtouch: FAIL bad mb=%ld\n", mb);
		return 1;
	}
	order = malloc(npages * sizeof(uint32_t));
	mem = malloc((size_t)npages * PAGE_SIZE);
	if (!mem || !order) {
		printf("memtouch: FAIL cannot allocate %ld MiB\n", mb);
		return 1;
	}
	/* sequential: each page's word starts at a value of its index; offsets vary
	 * so that not every access hits the same cache set */
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t *w = (uint32_t *)(mem + (size_t)i * PAGE_SIZE + ((i * 68) & 0xffc));

		bad += *w != 0;                /* fresh memory reads zero */
		*w = i * 2654435761u;
		order[i] = i;
	}
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t *w = (uint32_t *)(mem + (size_t)i * PAGE_SIZE + ((i * 68) & 0xffc));

		h = fnv1a_u32(h, *w);
	}
	for (long r = 0; r < rounds; r++) {
		for (uint32_t i = npages - 1; i > 0; i--) {
			uint32_t j = xorshift32(&st) % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (uint32_t k = 0; k < npages; k++) {
			uint32_t i = order[k];
			uint32_t *w = (uint32_t *)(mem + (size_t)i * PAGE_SIZE + ((i * 68) & 0xffc));
			uint32_t v = *w;

			h = fnv1a_u32(h, v);
			*w = v * 31u + (uint32_t)r + k;
		}
	}
	if (bad) {
		printf("memtouch: FAIL %u fresh pages not zero\n", bad);
		return 1;
	}
	printf("memtouch: mb=%ld rounds=%ld pages=%u checksum=0x%08x\n", mb, rounds, npages, h);
	return 0;
}
