/*
 * fuzz.h - shared by the MMU fuzz programs (tlb_fuzz, pw_fuzz): a seeded generator
 * (xorshift32, seed and length from the boot command line "seed=N ops=N") and a running
 * checksum of everything the program observes, printed every 1000 operations, so a
 * difference between two runs is found to within 1000 operations.
 *
 * The programs only do what the architecture defines: no Count or Random reads, every
 * translation that may be stale removed before it could be used. Their output is then
 * the same natively and under the VMM, whatever each machine's TLB happens to cache.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "rt.h"

static uint32_t fz_state = 1, fz_sum = 2166136261u, fz_ops = 20000, fz_trace = ~0u;

static inline uint32_t fz_rand(void)
{
	uint32_t x = fz_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return fz_state = x;
}

static inline uint32_t fz_below(uint32_t n)
{
	return fz_rand() % n;
}

/* Folds an observation into the checksum (FNV-1a over its four bytes). */
static uint32_t fz_k;                  /* the operation under way */

static inline void fz_see(uint32_t v)
{
	if (fz_k >= fz_trace)
		printf("  saw %08x\n", v);
	for (int i = 0; i < 4; i++) {
		fz_sum ^= (v >> (8 * i)) & 0xffu;
		fz_sum *= 16777619u;
	}
}

static uint32_t fz_arg(const char *s, const char *key, uint32_t dflt)
{
	size_t n = strlen(key);

	for (; s && *s; s++) {
		if ((s == rt_argv[1] || s[-1] == ' ') && strncmp(s, key, n) == 0 && s[n] == '=') {
			uint32_t v = 0;

			for (s += n + 1; *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (uint32_t)(*s - '0');
			return v;
		}
	}
	return dflt;
}

/* seed= and ops= from the boot command line. */
static void fz_init(void)
{
	const char *cmd = rt_argc > 1 ? rt_argv[1] : "";

	fz_state = fz_arg(cmd, "seed", 1) * 2654435761u + 0x9e3779b9u;
	if (!fz_state)
		fz_state = 1;
	fz_ops = fz_arg(cmd, "ops", 20000);
	fz_trace = fz_arg(cmd, "trace", ~0u);      /* from this operation on, print each */
	printf("seed=%u ops=%u\n", fz_arg(cmd, "seed", 1), fz_ops);
}

/* After operation k: every 1000th prints the checksum so far. */
static inline void fz_tick(uint32_t k)
{
	fz_k = k + 1;
	if (k >= fz_trace)
		printf("op %u: sum %08x exceptions %u\n", k, fz_sum, rt_exc.count);
	else if (k % 1000 == 999)
		printf("ops %u: sum %08x exceptions %u\n", k + 1, fz_sum, rt_exc.count);
}

#endif
