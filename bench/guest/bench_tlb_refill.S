/*
 * bench_tlb_refill.S - the TLB refill handler of bench_tlb, the classic short
 * R4000 handler.  bench_tlb copies bench_refill..bench_refill_end to
 * EBase+0x000 (taken on a TLB miss with Status.EXL=0 and BEV=0).
 *
 * Context = PTEBase (bits 31:23, set by bench_tlb to the kseg0 address of a
 * linear page table) | BadVPN2 << 4, so Context points at the 16-byte slot
 * of the faulting even/odd page pair: the even page's EntryLo at +0, the odd
 * page's at +8.  Uses only $k0/$k1; EntryHi already holds VPN2|ASID.
 */
#include "asm.h"

	.text
	.set	noreorder
	.set	noat
	.globl	bench_refill, bench_refill_end
bench_refill:
	mfc0	k1, $4, 0		/* Context */
	lw	k0, 0(k1)		/* even page PTE */
	lw	k1, 8(k1)		/* odd page PTE */
	mtc0	k0, $2, 0		/* EntryLo0 */
	mtc0	k1, $3, 0		/* EntryLo1 */
	ehb
	tlbwr
	eret
bench_refill_end:
