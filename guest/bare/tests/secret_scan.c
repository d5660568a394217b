/*
 * secret_scan: first waits (so that a secret_fill VM started with it finishes and its
 * frames go back to the VMM), then reads all of its RAM above its image looking for
 * secret_fill's pattern, and maps a page beyond its RAM and reads it: the VMM must give a
 * bus error, never a machine frame. The mapping is a TLB entry, or with the argument
 * "pagewalk" a page-table entry (the tables in the first free pages above the image, read
 * and zero by then, so that the scan reads the same words under either MMU). Prints what it
 * found.
 */
#include "rt.h"

#define SECRET 0x5EC2E75Au

extern char _end[];

int main(int argc, char **argv, char **envp, uint32_t memsize)
{
	volatile uint32_t *p = (volatile uint32_t *)(((uint32_t)(uintptr_t)_end + 4095) & ~4095u);
	volatile uint32_t *end = (volatile uint32_t *)(0x80000000u + memsize);
	uint32_t found = 0, nonzero = 0, words = 0;
	volatile uint32_t spin;

	(void)envp;
	for (spin = 0; spin < 20000000u; spin++)
		;
	for (; p < end; p++, words++) {
		uint32_t v = *p;
		found += v == SECRET;
		nonzero += v != 0;
	}
	printf("secret_scan: %u words read, %u nonzero, %u secret\n", words, nonzero, found);

	/* A TLB or page-table entry naming frames beyond this machine's RAM: a bus error on
	 * access. */
	rt_handler = rt_catch;
	rt_catch_reset();
	if (argc > 1 && strcmp(argv[1], "pagewalk") == 0) {
		uint32_t dir = ((uint32_t)(uintptr_t)_end + 4095) & ~4095u, tab = dir + 4096u;
		volatile uint32_t *d = (volatile uint32_t *)dir, *t = (volatile uint32_t *)tab;
		d[0x00400000u >> 22] = PHYS(tab) | 0x7u;            /* P RW US */
		t[0] = (memsize + 0x100000u) | 0x7u;
		MTC0(C0_PTBASE, PHYS(dir));
	} else {
		rt_tlb_clear();
		rt_tlb_write(0, 0x00400000u, ENTRYLO(memsize + 0x100000u, 3, 1, 1, 1),
			     ENTRYLO(memsize + 0x101000u, 3, 1, 1, 1), 0);
	}
	(void)*(volatile uint32_t *)0x00400000u;
	printf("secret_scan: beyond-RAM load: %u exception, code %u\n", rt_exc.count, EXC_CODE());
	rt_handler = 0;
	return found || nonzero ? 1 : 0;
}
