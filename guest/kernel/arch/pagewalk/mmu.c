/*
 * arch/pagewalk/mmu.c - page directories and TLB maintenance for the hardware page
 * walker. No refill handler: the walker fills its TLB from the tables; the kernel
 * switches address spaces by writing PTBase (which flushes non-global entries), uses
 * InvlPg after changing a PTE of the live address space, and resolves page faults
 * (TLBL/TLBS at EBase+0x180) from BadVAddr and PFErr.
 */
#include "kernel.h"

static uint32_t kernel_pgd[1024] __attribute__((aligned(4096)));   /* all not present */
static uint32_t *cur_pgd = kernel_pgd;
volatile uint32_t tlb_refills;          /* always 0: the hardware walks */
static uint32_t ptbase_writes, invlpgs;

extern char exc_vector_stub[], exc_vector_stub_end[];
extern char exc_vector_stub_pv[], exc_vector_stub_pv_end[];

/* Queued PTE stores (pv=1): {guest-physical address of the PTE, value}. */
#define PTE_BATCH 64
static struct tv_mmu_update pte_batch[PTE_BATCH];
static uint32_t pte_queued, pte_batches;

void arch_pte_flush(void)
{
	if (!pte_queued)
		return;
	if (tv_hypercall(TV_HC_MMU_UPDATE, PHYS(pte_batch), pte_queued, 0) != pte_queued)
		panic("mmu_update: the VMM did not take the batch");
	pte_queued = 0;
	pte_batches++;
}

void arch_pte_store(pte_t *ptep, pte_t val)
{
	if (!pv_active) {
		*ptep = val;
		return;
	}
	pte_batch[pte_queued].ptr = PHYS(ptep);
	pte_batch[pte_queued].val = val;
	if (++pte_queued == PTE_BATCH)
		arch_pte_flush();
}

static void load_ptbase(uint32_t *pgd)
{
	cur_pgd = pgd;
	MTC0(C0_PTBASE, PHYS(pgd));
	ptbase_writes++;
}

void arch_init(void)
{
	uint32_t n = (uint32_t)(exc_vector_stub_end - exc_vector_stub);

	/* no TLB refill exception exists here: the refill vector gets the general stub,
	 * so anything arriving there is reported by trap() */
	if (pv_active) {
		n = (uint32_t)(exc_vector_stub_pv_end - exc_vector_stub_pv);
		memcpy((void *)0x80000000u, exc_vector_stub_pv, n);
		memcpy((void *)0x80000180u, exc_vector_stub_pv, n);
	} else {
		memcpy((void *)0x80000000u, exc_vector_stub, n);
		memcpy((void *)0x80000180u, exc_vector_stub, n);
	}
	sync_icache(0x80000000u, 0x200);
	MTC0(C0_EBASE, 0x80000000u);
	MTC0(C0_STATUS, 0);
	load_ptbase(kernel_pgd);
	ptbase_writes = 0;
}

int arch_mm_init(struct arch_mm *am)
{
	uint32_t pa = frame_alloc_zero();

	if (!pa)
		return -TV_ENOMEM;
	am->pgd = (uint32_t *)KSEG0(pa);
	return 0;
}

void arch_mm_free_tables(struct arch_mm *am)
{
	uint32_t i;

	if (cur_pgd == am->pgd)
		load_ptbase(kernel_pgd);
	for (i = 0; i < 1024; i++) {
		uint32_t *pt = pde_table(am->pgd[i]);

		if (pt)
			frame_unref(PHYS(pt));
	}
	frame_unref(PHYS(am->pgd));
	am->pgd = 0;
}

void arch_switch(struct arch_mm *am)
{
	arch_pte_flush();
	uint32_t *pgd = am ? am->pgd : kernel_pgd;

	if (pgd != cur_pgd)       /* same space again (e.g. after idle): keep the TLB */
		load_ptbase(pgd);
}

void arch_pte_changed(struct arch_mm *am, uint32_t va)
{
	arch_pte_flush();
	if (am->pgd != cur_pgd)
		return;           /* not live: its entries went with the last PTBase write */
	MTC0(C0_INVLPG, va);
	invlpgs++;
	kstat.tlb_updates++;
}

void arch_mm_flush(struct arch_mm *am)
{
	arch_pte_flush();
	if (am->pgd == cur_pgd)
		load_ptbase(am->pgd);
}

int arch_fault(const struct frame *f, uint32_t *va, int *write)
{
	uint32_t exc = CAUSE_EXC(f->cause);

	if (exc != EXC_TLBL && exc != EXC_TLBS)
		return 0;
	*va = f->badvaddr;
	*write = (PV_RD(pferr, C0_PFERR) & 2u) != 0;    /* PFErr.W */
	return 1;
}

void arch_report(void)
{
	kprintf("[kstat] mmu=pagewalk tlb_refills=0 ptbase_writes=%u invlpg=%u pte_batches=%u\n",
		ptbase_writes, invlpgs, pte_batches);
}
