/*
 * arch/swtlb/refill.S - the TLB refill handler, copied to EBase + 0x000.
 *
 * Entered with EXL=0 -> 1 on a TLB miss in useg/kseg2/kseg3 (EntryHi already holds
 * VPN2 and the current ASID, Context.BadVPN2 = VA[31:13]). It counts the refill in
 * kseg0 memory (4 instructions), walks the current process's two-level page table
 * through kseg0 (no nested miss is possible), loads the even/odd PTEs (EntryLo format)
 * and writes a random entry. Unmapped 4 MiB areas point at the all-zero empty_pt, so the
 * entry written is invalid and the retried access raises TLB invalid (EBase + 0x180),
 * which the C fault handler resolves. 21 instructions, no branch.
 */
#include "frame.h"   /* guest/common: register names, C0_* */

	.text
	.set	noreorder
	.set	noat
	.globl	tlb_refill, tlb_refill_end
tlb_refill:
	lui	k1, %hi(tlb_refills)
	lw	k0, %lo(tlb_refills)(k1)
	addiu	k0, k0, 1
	sw	k0, %lo(tlb_refills)(k1)
	mfc0	k0, C0_BADVADDR
	lui	k1, %hi(cur_pgd)
	lw	k1, %lo(cur_pgd)(k1)		/* page directory (kseg0) */
	srl	k0, k0, 22
	sll	k0, k0, 2
	addu	k1, k1, k0
	lw	k1, 0(k1)			/* page table (kseg0) or empty_pt */
	mfc0	k0, C0_CONTEXT
	srl	k0, k0, 1			/* BadVPN2 << 3: byte offset of the pair */
	andi	k0, k0, 0xff8
	addu	k1, k1, k0
	lw	k0, 0(k1)
	lw	k1, 4(k1)
	mtc0	k0, C0_ENTRYLO0
	mtc0	k1, C0_ENTRYLO1
	ehb
	tlbwr
	eret
tlb_refill_end:
