/*
 * dbrand mb=M (default 8) ops=N (default 100000): a random-access "database" over an
 * M MiB heap table (demand-zero, never initialised): each op picks a random word;
 * 1 in 4 ops writes it (a value derived from the op), the others read it.  The checksum
 * covers every value read.  TLB-miss heavy when M MiB exceeds the TLB's reach.
 */
#include "../lib/ulib.h"

int main(int argc, char **argv)
{
	long mb = arg(argc, argv, "mb", 8);
	long ops = arg(argc, argv, "ops", 100000);
	uint32_t nwords, st = 0xdb0000u + 1, h = FNV_INIT, writes = 0;
	uint32_t *table;

	if (mb <= 0 || mb > 2047) {
		printf("dbrand: FAIL bad mb=%ld\n", mb);
		return 1;
	}
	nwords = (uint32_t)mb * (1024 * 1024 / 4);
	table = malloc((size_t)nwords * 4);
	if (!table) {
		printf("dbrand: FAIL cannot allocate %ld MiB\n", mb);
		return 1;
	}
	for (long i = 0; i < ops; i++) {
		uint32_t r = xorshift32(&st), idx = (r >> 2) % nwords;

		if ((r & 3) == 0) {
			table[idx] = r ^ (uint32_t)i;
			writes++;
		} else {
			h = fnv1a_u32(h, table[idx]);
		}
	}
	printf("dbrand: mb=%ld ops=%ld writes=%u checksum=0x%08x\n", mb, ops, writes, h);
	return 0;
}
