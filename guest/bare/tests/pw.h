/*
 * pw.h - helpers for the pagewalk personality tests: x86 32-bit (non-PAE)
 * page tables built in this image's .bss, PTBase/InvlPg/PFErr access.
 * See DESIGN §2b: PDE/PTE bit 0 P, 1 RW, 2 US, 5 A, 6 D, 7 PS (PDE, 4 MiB),
 * 8 G, 12-31 frame; VA[31:22] indexes the directory, VA[21:12] the table.
 */
#ifndef PW_H
#define PW_H

#include "rt.h"

#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_US  0x004u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u
#define PTE_G   0x100u

#define PF_P 0x01u   /* protection violation (else not present) */
#define PF_W 0x02u   /* write */
#define PF_U 0x04u   /* user mode */
#define PF_I 0x10u   /* instruction fetch */

#define PW_TABLES 4

/* one directory and PW_TABLES tables, handed out in order */
static volatile uint32_t pw_dir[1024] __attribute__((aligned(4096)));
static volatile uint32_t pw_tab[PW_TABLES][1024] __attribute__((aligned(4096)));
static int pw_ntab;

/* zero the directory and tables */
static inline void pw_reset(void)
{
	memset((void *)pw_dir, 0, sizeof(pw_dir));
	memset((void *)pw_tab, 0, sizeof(pw_tab));
	pw_ntab = 0;
}

/* PTE slot for va, creating its table (PDE P|RW|US) when needed */
static inline volatile uint32_t *pw_pte(uint32_t va)
{
	volatile uint32_t *pde = &pw_dir[va >> 22];

	if (!(*pde & PTE_P)) {
		*pde = PHYS(pw_tab[pw_ntab]) | PTE_P | PTE_RW | PTE_US;
		pw_ntab++;
	}
	return (volatile uint32_t *)KSEG0(*pde & 0xfffff000u) + ((va >> 12) & 1023);
}

static inline volatile uint32_t *pw_pde(uint32_t va)
{
	return &pw_dir[va >> 22];
}

/* 4 KiB page: va -> pa with flags (P etc. given by the caller) */
static inline void pw_map4k(uint32_t va, uint32_t pa, uint32_t flags)
{
	*pw_pte(va) = (pa & 0xfffff000u) | flags;
}

/* 4 MiB page: va -> pa (both 4 MiB aligned) */
static inline void pw_map4m(uint32_t va, uint32_t pa, uint32_t flags)
{
	*pw_pde(va) = (pa & 0xffc00000u) | PTE_PS | flags;
}

static inline void pw_load_ptbase(void)
{
	MTC0(C0_PTBASE, PHYS(pw_dir));
}

static inline void pw_invlpg(uint32_t va)
{
	MTC0(C0_INVLPG, va);
}

#define PW_LW(va) ({ uint32_t v__; \
	__asm__ volatile("lw %0, 0(%1)" : "=r"(v__) : "r"(va) : "memory"); v__; })
#define PW_SW(va, v) \
	__asm__ volatile("sw %0, 0(%1)" :: "r"((uint32_t)(v)), "r"(va) : "memory")

/* One store of v at a, of width w: 0 sw, 1 sb, 2 sh, 3 swl, 4 swr, 5 ll/sc (retried until
 * the sc succeeds). ds: in the delay slot of a taken branch (not for ll/sc). */
static inline void pw_store_width(uint32_t w, uint32_t a, uint32_t v, int ds)
{
	uint32_t ok;
#define PW_ST(insn) do { \
	if (ds) \
		__asm__ volatile(".set push\n\t.set noreorder\n\tbeq $0, $0, 1f\n\t" \
				 insn " %0, 0(%1)\n\tnop\n1:\n\t.set pop" \
				 :: "r"(v), "r"(a) : "memory"); \
	else \
		__asm__ volatile(insn " %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); \
} while (0)
	switch (w) {
	case 0: PW_ST("sw"); break;
	case 1: PW_ST("sb"); break;
	case 2: PW_ST("sh"); break;
	case 3: PW_ST("swl"); break;
	case 4: PW_ST("swr"); break;
	default:
		do {
			__asm__ volatile(".set push\n\t.set noreorder\n\t"
					 "ll %0, 0(%1)\n\tmove %0, %2\n\tsc %0, 0(%1)\n\t.set pop"
					 : "=&r"(ok) : "r"(a), "r"(v) : "memory");
		} while (!ok);
		break;
	}
#undef PW_ST
}

#endif
