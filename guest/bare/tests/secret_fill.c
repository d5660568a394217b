/*
 * secret_fill: writes a secret pattern over all of its RAM above its own image, then
 * powers off. With secret_scan it tests the VMM's isolation (tests/e2e/vmm.sh): a VM that
 * later receives these machine frames must read zeros.
 */
#include "rt.h"

#define SECRET 0x5EC2E75Au

extern char _end[];

int main(int argc, char **argv, char **envp, uint32_t memsize)
{
	volatile uint32_t *p = (volatile uint32_t *)(((uint32_t)(uintptr_t)_end + 4095) & ~4095u);
	volatile uint32_t *end = (volatile uint32_t *)(0x80000000u + memsize);
	uint32_t n = 0;

	(void)argc;
	(void)argv;
	(void)envp;
	for (; p < end; p++, n++)
		*p = SECRET;
	printf("secret_fill: %u words written\n", n);
	return 0;
}
