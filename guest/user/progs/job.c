/*
 * job seed=K (default 1) [quiet=1]: the short job that pmake execs - computes, mallocs,
 * touches memory, frees (job_work in lib/util.c) and exits with a status derived from
 * its work (0..255).  Prints its line unless quiet=1 (pmake passes quiet=1 so that the
 * console output does not depend on the order in which jobs finish).
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	long seed = arg(argc, argv, "seed", 1);
	uint32_t h = 0;
	int st = job_work((uint32_t)seed, &h);

	if (!arg(argc, argv, "quiet", 0))
		printf("job: seed=%ld status=%d checksum=0x%08x\n", seed, st, h);
	return st;
}
