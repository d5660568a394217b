/* hello - the demo: a banner and the boot arguments the loader passed. */
#include "rt.h"

int main(int argc, char **argv, char **envp, uint32_t memsize)
{
	const char *ms = rt_getenv("memsize");
	int i;

	(void)envp;
	/* DESIGN §2 says $a0=2; QEMU 7.2's Malta loader passes 0xffffffff.
	 * Both build the same two-entry argv table, so fall back to 2. */
	if (argc < 1 || argc > 16)
		argc = 2;
	puts("Hello from tlbvisor bare metal (MIPS32r2, little-endian)");
	printf("argc=%d\n", argc);
	for (i = 0; i < argc && i < 8; i++)
		printf("argv[%d]=\"%s\"\n", i, argv[i]);
	printf("memsize=%s\n", ms ? ms : "(none)");
	printf("a3 memsize=%u\n", memsize);
	return 0;
}
