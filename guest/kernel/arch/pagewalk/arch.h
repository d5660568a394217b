/*
 * arch/pagewalk/arch.h - the hardware page-walker port (x86 32-bit non-PAE page tables,
 * DESIGN.md §2b, docs/pagewalk.md).
 *
 * Page tables: the same two-level shape as the swtlb port (one 4 KiB page directory
 * indexed by VA[31:22], 4 KiB page tables indexed by VA[21:12]) but in x86 format:
 * PDE = table PA | US | RW | P (0 when not present), PTE = frame PA | US | RW(writable) | P,
 * with A and D set by the walker in memory. PTBase (CP0 22/0) holds the page directory's
 * PA; a store to a present page without RW is copy-on-write (or a real violation).
 */
#ifndef K_ARCH_H
#define K_ARCH_H

#define ARCH_NAME "pagewalk"

typedef uint32_t pte_t;

#define PG_P  0x001u
#define PG_RW 0x002u
#define PG_US 0x004u
#define PG_A  0x020u
#define PG_D  0x040u

static inline int pte_valid(pte_t p) { return (p & PG_P) != 0; }
static inline int pte_writable(pte_t p) { return (p & PG_RW) != 0; }
static inline uint32_t pte_pa(pte_t p) { return p & ~0xFFFu; }
static inline pte_t pte_make(uint32_t pa, int writable)
{
	return pa | PG_US | PG_P | (writable ? PG_RW : 0);
}
static inline pte_t pte_wrprotect(pte_t p) { return p & ~PG_RW; }
static inline pte_t pte_mkwrite(pte_t p) { return p | PG_RW; }

static inline uint32_t *pde_table(uint32_t pde)
{
	return (pde & PG_P) ? (uint32_t *)KSEG0(pde & ~0xFFFu) : 0;
}
static inline uint32_t pde_make(uint32_t pt_pa) { return pt_pa | PG_US | PG_RW | PG_P; }

struct arch_mm {
	uint32_t *pgd;      /* kseg0 address of the page directory */
};

/* A store to a PTE of a live page table, which a VMM with shadow paging traps and
 * emulates: with pv=1 under the VMM it is queued and handed over in batches of
 * TV_HC_MMU_UPDATE (Xen's mmu_update), at the latest by arch_pte_flush, which
 * arch_pte_changed, arch_mm_flush and arch_switch call first. */
void arch_pte_store(pte_t *ptep, pte_t val);
void arch_pte_flush(void);

void arch_init(void);
int arch_mm_init(struct arch_mm *am);
void arch_mm_free_tables(struct arch_mm *am);
void arch_switch(struct arch_mm *am);
void arch_pte_changed(struct arch_mm *am, uint32_t va);
void arch_mm_flush(struct arch_mm *am);
int arch_fault(const struct frame *f, uint32_t *va, int *write);
void arch_report(void);

#endif
