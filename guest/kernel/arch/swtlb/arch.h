/*
 * arch/swtlb/arch.h - the software-managed TLB port (R4000-style, DESIGN.md §2a).
 *
 * Page tables: two levels of 4 KiB pages. The page directory (one frame, 1024 words,
 * indexed by VA[31:22]) holds the kseg0 address of a page table, or of the shared
 * all-zero `empty_pt` when that 4 MiB is unmapped, so the refill handler needs no branch.
 * A page table (1024 words, indexed by VA[21:12]) holds PTEs in EntryLo format:
 * PFN[25:6] C[5:3]=3 (cacheable) D[2] V[1] G[0]=0; 0 = not mapped. Even/odd pages of a
 * TLB pair are adjacent words, so the refill handler loads both with one base.
 * D=0 on a page of a writable region means copy-on-write (Mod exception).
 */
#ifndef K_ARCH_H
#define K_ARCH_H

#define ARCH_NAME "swtlb"

typedef uint32_t pte_t;

#define PTE_G 0x01u
#define PTE_V 0x02u
#define PTE_D 0x04u
#define PTE_C 0x18u     /* C = 3: cacheable, noncoherent, write-back */

static inline int pte_valid(pte_t p) { return (p & PTE_V) != 0; }
static inline int pte_writable(pte_t p) { return (p & PTE_D) != 0; }
static inline uint32_t pte_pa(pte_t p) { return (p >> 6) << 12; }
static inline pte_t pte_make(uint32_t pa, int writable)
{
	return ((pa >> 12) << 6) | PTE_C | PTE_V | (writable ? PTE_D : 0);
}
static inline pte_t pte_wrprotect(pte_t p) { return p & ~PTE_D; }
static inline pte_t pte_mkwrite(pte_t p) { return p | PTE_D; }

extern uint32_t empty_pt[1024];

/* page directory entries */
static inline uint32_t *pde_table(uint32_t pde)
{
	return pde == (uint32_t)(uintptr_t)empty_pt ? 0 : (uint32_t *)(uintptr_t)pde;
}
static inline uint32_t pde_make(uint32_t pt_pa) { return KSEG0(pt_pa); }

struct arch_mm {
	uint32_t *pgd;      /* kseg0 address of the page directory */
	uint32_t asid;      /* generation << 8 | ASID; 0 = none yet */
};

/* PTE stores: plain stores (the software TLB's VMM never traps them). */
static inline void arch_pte_store(pte_t *ptep, pte_t val) { *ptep = val; }
static inline void arch_pte_flush(void) { }

void arch_init(void);                       /* vectors, TLB, EBase; BEV cleared */
int arch_mm_init(struct arch_mm *am);       /* allocates the page directory */
void arch_mm_free_tables(struct arch_mm *am);
void arch_switch(struct arch_mm *am);       /* make am current (NULL: none) */
void arch_pte_changed(struct arch_mm *am, uint32_t va);   /* after a PTE of am changed */
void arch_mm_flush(struct arch_mm *am);     /* after many PTEs of am changed */
/* Classify a TLB exception: 1 and *va, *write for a paging fault, 0 otherwise. */
int arch_fault(const struct frame *f, uint32_t *va, int *write);
void arch_report(void);                      /* [kstat] line with the port's details */

#endif
