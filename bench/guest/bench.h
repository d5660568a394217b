/*
 * bench.h - helpers shared by the benchmark guests in bench/guest/.
 *
 * The guests run on the bare-metal runtime (guest/bare/rt) and take their
 * parameters from the boot command line (argv[1]) as KEY=N words, e.g.
 * "iters=40".  On QEMU that is -append "iters=40"; on tlbvisor the words
 * after "--".
 */
#ifndef BENCH_H
#define BENCH_H

#include "rt.h"

/*
 * The value of KEY=N in the boot command line, or def when the line has no
 * such word (or no command line was passed).  N is decimal.
 */
static inline uint32_t bench_arg(const char *key, uint32_t def)
{
	const char *s, *k;
	uint32_t v;

	/* QEMU 7.2 passes argc = 0xffffffff: trust argv, not argc */
	if (!rt_argv || (uint32_t)(uintptr_t)rt_argv < 0x80000000u)
		return def;
	s = rt_argv[1];
	if (!s || (uint32_t)(uintptr_t)s < 0x80000000u)
		return def;
	while (*s) {
		while (*s == ' ')
			s++;
		for (k = key; *k && *s == *k; k++, s++)
			;
		if (!*k && *s == '=') {
			v = 0;
			for (s++; *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (uint32_t)(*s - '0');
			return v;
		}
		while (*s && *s != ' ')
			s++;
	}
	return def;
}

static inline uint32_t bench_rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

#endif
