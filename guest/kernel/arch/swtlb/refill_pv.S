/*
 * arch/swtlb/refill_pv.S - the TLB refill handler of a paravirtual kernel (pv=1 under the
 * VMM, docs/paravirt.md), copied to EBase + 0x000 instead of refill.S's.
 *
 * The same walk, with BadVAddr and Context read from the per-vCPU page and EntryLo0/1
 * written there, so that only tlbwr and eret trap (six traps become two). With only k0 and
 * k1 free, the address of the PTE pair is kept in the page's guest scratch word while k1
 * carries each PTE; wmask says which fields it wrote. No branch.
 */
#include "frame.h"   /* guest/common: register names */
#include "tv_pv.h"

	.text
	.set	noreorder
	.set	noat
	.globl	tlb_refill_pv, tlb_refill_pv_end
tlb_refill_pv:
	lui	k1, %hi(tlb_refills)
	lw	k0, %lo(tlb_refills)(k1)
	addiu	k0, k0, 1
	sw	k0, %lo(tlb_refills)(k1)
	lui	k1, %hi(pv_page)
	lw	k0, %lo(pv_page + TV_PV_BADVADDR)(k1)
	lui	k1, %hi(cur_pgd)
	lw	k1, %lo(cur_pgd)(k1)		/* page directory (kseg0) */
	srl	k0, k0, 22
	sll	k0, k0, 2
	addu	k1, k1, k0
	lw	k1, 0(k1)			/* page table (kseg0) or empty_pt */
	lui	k0, %hi(pv_page)
	lw	k0, %lo(pv_page + TV_PV_CONTEXT)(k0)
	srl	k0, k0, 1			/* BadVPN2 << 3: byte offset of the pair */
	andi	k0, k0, 0xff8
	addu	k1, k1, k0			/* k1 = the pair */
	lui	k0, %hi(pv_page)
	sw	k1, %lo(pv_page + TV_PV_SCRATCH)(k0)
	lw	k1, 0(k1)
	sw	k1, %lo(pv_page + TV_PV_ENTRYLO0)(k0)
	lw	k1, %lo(pv_page + TV_PV_SCRATCH)(k0)
	lw	k1, 4(k1)
	sw	k1, %lo(pv_page + TV_PV_ENTRYLO1)(k0)
	lw	k1, %lo(pv_page + TV_PV_WMASK)(k0)
	ori	k1, k1, TV_PV_W_ENTRYLO0 | TV_PV_W_ENTRYLO1
	sw	k1, %lo(pv_page + TV_PV_WMASK)(k0)
	tlbwr					/* traps: the VMM takes EntryLo0/1 from the page */
	eret
tlb_refill_pv_end:
