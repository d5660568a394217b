/*
 * bench_null - the empty benchmark: prints a checksum line and powers off.
 * bench/speed.sh times it to measure each emulator's start-up and shutdown.
 */
#include "bench.h"

int main(void)
{
	printf("bench_null checksum=0x%08x\n", 0u);
	return 0;
}
