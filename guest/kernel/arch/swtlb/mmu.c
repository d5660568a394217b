/*
 * arch/swtlb/mmu.c - page directories, ASIDs and TLB maintenance for the software
 * TLB port. See arch.h for the page-table format and refill.S for the refill handler.
 *
 * ASIDs: 8 bits (1..255 used), handed out lazily when a process is switched to, tagged
 * with a generation. When they run out the generation advances and the whole TLB is
 * flushed, so every process gets a new ASID on its next switch. An address space whose
 * mappings were rewritten wholesale (fork's write-protect pass, exec) simply drops its
 * ASID; entries of a dropped or dead ASID are never matched again before the flush.
 * A single changed mapping is fixed in place: tlbp finds the live entry, tlbwi rewrites
 * it with the new even/odd pair.
 */
#include "kernel.h"

uint32_t empty_pt[1024] __attribute__((aligned(4096)));
static uint32_t kernel_pgd[1024] __attribute__((aligned(4096)));
uint32_t *cur_pgd = kernel_pgd;      /* read by the refill handler */
volatile uint32_t tlb_refills;
static uint32_t asid_gen = 1;        /* current generation */
static uint32_t asid_next = 1;       /* next free ASID in it (1..255) */
static uint32_t tlb_entries;
static struct arch_mm *cur_am;

extern char tlb_refill[], tlb_refill_end[], tlb_refill_pv[], tlb_refill_pv_end[];
extern char exc_vector_stub[], exc_vector_stub_end[];
extern char exc_vector_stub_pv[], exc_vector_stub_pv_end[];

static int asid_live(const struct arch_mm *am)
{
	return am->asid && (am->asid >> 8) == asid_gen;
}

/* EntryHi, EntryLo0/1 and Index through PV_RD/PV_WR: in the per-vCPU page under a VMM
 * with pv=1 (the tlbwi/tlbp that follow trap, and the VMM takes them from there). */
static void tlb_flush_all(void)
{
	uint32_t i, hi = PV_RD(entryhi, C0_ENTRYHI);

	PV_WR(entrylo0, TV_PV_W_ENTRYLO0, C0_ENTRYLO0, 0);
	PV_WR(entrylo1, TV_PV_W_ENTRYLO1, C0_ENTRYLO1, 0);
	MTC0(C0_PAGEMASK, 0);
	for (i = 0; i < tlb_entries; i++) {
		/* a unique VPN2 in kseg0, which is never translated */
		PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, 0x80000000u + i * 0x2000u);
		PV_WR(index, TV_PV_W_INDEX, C0_INDEX, i);
		tlbwi();
	}
	PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, hi);
	kstat.tlb_flushes++;
}

void arch_init(void)
{
	uint32_t i;

	if (pv_active) {
		memcpy((void *)0x80000000u, tlb_refill_pv, (size_t)(tlb_refill_pv_end - tlb_refill_pv));
		memcpy((void *)0x80000180u, exc_vector_stub_pv,
		       (size_t)(exc_vector_stub_pv_end - exc_vector_stub_pv));
	} else {
		memcpy((void *)0x80000000u, tlb_refill, (size_t)(tlb_refill_end - tlb_refill));
		memcpy((void *)0x80000180u, exc_vector_stub,
		       (size_t)(exc_vector_stub_end - exc_vector_stub));
	}
	sync_icache(0x80000000u, 0x200);
	MTC0(C0_EBASE, 0x80000000u);
	MTC0(C0_STATUS, 0);              /* BEV = 0: vectors at EBase */
	tlb_entries = ((MFC0(C0_CONFIG1) >> 25) & 63u) + 1;
	MTC0(C0_WIRED, 0);
	PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, 0);
	for (i = 0; i < 1024; i++)
		kernel_pgd[i] = (uint32_t)(uintptr_t)empty_pt;
	tlb_flush_all();
	kstat.tlb_flushes = 0;
}

int arch_mm_init(struct arch_mm *am)
{
	uint32_t pa = frame_alloc(), i;

	if (!pa)
		return -TV_ENOMEM;
	am->pgd = (uint32_t *)KSEG0(pa);
	for (i = 0; i < 1024; i++)
		am->pgd[i] = (uint32_t)(uintptr_t)empty_pt;
	am->asid = 0;
	return 0;
}

void arch_mm_free_tables(struct arch_mm *am)
{
	uint32_t i;

	if (cur_am == am)
		arch_switch(0);
	for (i = 0; i < 1024; i++) {
		uint32_t *pt = pde_table(am->pgd[i]);

		if (pt)
			frame_unref(PHYS(pt));
	}
	frame_unref(PHYS(am->pgd));
	am->pgd = 0;
	am->asid = 0;
}

void arch_switch(struct arch_mm *am)
{
	cur_am = am;
	if (!am) {
		cur_pgd = kernel_pgd;
		PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, 0);
		return;
	}
	if (!asid_live(am)) {
		if (asid_next > 255) {   /* out of ASIDs: new generation */
			tlb_flush_all();
			asid_gen++;
			asid_next = 1;
		}
		am->asid = asid_gen << 8 | asid_next++;
	}
	cur_pgd = am->pgd;
	PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, am->asid & 0xFFu);
}

void arch_pte_changed(struct arch_mm *am, uint32_t va)
{
	uint32_t hi, idx, *pt, i;

	if (!asid_live(am))
		return;          /* no live ASID: nothing of am can be in the TLB */
	hi = PV_RD(entryhi, C0_ENTRYHI);
	PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, (va & ~0x1FFFu) | (am->asid & 0xFFu));
	tlbp();
	idx = PV_RD(index, C0_INDEX);
	if (!(idx & 0x80000000u)) {
		pt = pde_table(am->pgd[va >> 22]);
		i = (va >> 12) & 0x3FEu;
		PV_WR(entrylo0, TV_PV_W_ENTRYLO0, C0_ENTRYLO0, pt ? pt[i] : 0);
		PV_WR(entrylo1, TV_PV_W_ENTRYLO1, C0_ENTRYLO1, pt ? pt[i + 1] : 0);
		tlbwi();
		kstat.tlb_updates++;
	}
	PV_WR(entryhi, TV_PV_W_ENTRYHI, C0_ENTRYHI, hi);
}

void arch_mm_flush(struct arch_mm *am)
{
	am->asid = 0;
	if (cur_am == am)
		arch_switch(am);
}

int arch_fault(const struct frame *f, uint32_t *va, int *write)
{
	uint32_t exc = CAUSE_EXC(f->cause);

	if (exc != EXC_TLBL && exc != EXC_TLBS && exc != EXC_MOD)
		return 0;
	*va = f->badvaddr;
	*write = exc != EXC_TLBL;
	return 1;
}

void arch_report(void)
{
	kprintf("[kstat] mmu=swtlb tlb_entries=%u tlb_refills=%u tlb_flushes=%u "
		"tlb_updates=%u\n", tlb_entries, tlb_refills, kstat.tlb_flushes,
		kstat.tlb_updates);
}
