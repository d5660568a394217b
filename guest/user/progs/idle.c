/*
 * idle ticks=T (default 10) rounds=R (default 3): sleeps T timer ticks R times, checking
 * each time that at least T ticks passed (tick counts themselves are timing-dependent and
 * are not printed).  Used to test the kernel's idle loop (idle=wait / idle=spin).
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	long t = arg(argc, argv, "ticks", 10);
	long rounds = arg(argc, argv, "rounds", 3);
	uint32_t h = FNV_INIT;
	long short_sleeps = 0;

	for (long r = 0; r < rounds; r++) {
		unsigned t0 = ticks(), t1;

		if (sleep((unsigned)t) != 0)
			short_sleeps++;
		t1 = ticks();
		if (t1 - t0 < (unsigned)t)
			short_sleeps++;
		h = fnv1a_u32(h, (uint32_t)(r * 1000 + t));
	}
	if (short_sleeps) {
		printf("idle: FAIL %ld sleeps returned early or failed\n", short_sleeps);
		return 1;
	}
	printf("idle: ticks=%ld rounds=%ld ok checksum=0x%08x\n", t, rounds, h);
	return 0;
}
