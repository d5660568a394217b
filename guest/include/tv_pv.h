/*
 * tv_pv.h - the paravirtual interface between a guest kernel and the tlbvisor VMM
 * (docs/paravirt.md). The guest kernel (guest/kernel) and the VMM (core/paravirt.c) both
 * include this file; it is the whole contract. C and assembly.
 *
 * Hypercall: `mfc0 $v0, $21, 0` (CP0 register 21 is reserved in MIPS32r2) with the call
 * number in $v0 and the arguments in $a0..$a2; the result comes back in $v0, nothing else
 * changes. A guest kernel runs in kernel mode, so on bare hardware the instruction simply
 * reads the reserved register, 0 on tlbvisor's machine: TV_HC_PROBE returns
 * TV_HC_MAGIC under the VMM and 0 without one, and a guest that finds 0 runs as it would
 * without the interface (the boot argument pv=1 asks the kernel to look).
 *
 * The per-vCPU page (Disco's privileged registers in memory): a 4 KiB page of the guest's
 * RAM that the guest registers with TV_HC_PVPAGE. The VMM keeps in it the CP0 registers
 * an exception handler and a TLB refill handler read, and reads back the ones the guest
 * writes there, so that those reads and writes are plain loads and stores instead of a
 * trap each:
 *   - a guest that stores a writable field (Status, EPC, EntryHi, EntryLo0/1, Index) also
 *     sets its bit in wmask (TV_PV_W_*);
 *   - on every entry into the VMM (any trap, interrupt or hypercall) the VMM first writes
 *     each field whose bit is set into the guest's virtual CP0, exactly as an mtc0 of it
 *     (the back end sees it as one), and clears wmask;
 *   - before the guest runs again the VMM writes every field (not wmask) from the virtual
 *     CP0.
 * So a value the guest stores in the page takes effect at its next trap (an eret, a TLB
 * instruction, a hypercall): exactly where the value matters. A guest must not enable
 * interrupts through the page (Status.IE): it does that with eret, or waits with
 * TV_HC_IDLE.
 */
#ifndef TV_PV_H
#define TV_PV_H

#define TV_HC_CP0_REG      21            /* mfc0 $v0, $21, 0 */
#define TV_HC_MAGIC        0x54564856u   /* "TVHV": the VMM answers TV_HC_PROBE */
#define TV_PV_MAGIC        0x50565041u   /* "PVPA": in a registered page */
#define TV_PV_VERSION      1

/* Hypercalls ($v0). Results: >= 0, or a negative TV_E* error (tv_abi.h) where noted. */
#define TV_HC_PROBE        0   /* () -> TV_HC_MAGIC */
#define TV_HC_PVPAGE       1   /* (pa, flags) -> 0 | -TV_EINVAL: registers the page at
                                * guest-physical pa (4 KiB aligned, in RAM); flags: */
#define   TV_PV_F_BALLOON  1u  /*   the kernel runs a balloon driver */
#define TV_HC_CACHE        2   /* (va, len) -> 0: write back and invalidate the caches for
                                * [va, va + len) (one call instead of a `cache` per line) */
#define TV_HC_IDLE         3   /* () -> 1: nothing to run until the next interrupt; returns
                                * when the timer interrupt is due (taken when the guest next
                                * enables interrupts, or acknowledged by TV_HC_TIMER) */
#define TV_HC_YIELD        4   /* () -> 0: ends the VM's time slice (the guest waits for
                                * something another VM may do) */
#define TV_HC_TIMER        5   /* (delta) -> Count: Compare = Count + delta, which also
                                * acknowledges the timer interrupt (mfc0 Count + mtc0
                                * Compare in one call) */
#define TV_HC_ZEROED       6   /* (pa) -> 1 if the frame at pa reads as zeros without the
                                * guest doing anything (the VMM zeroed it and nothing was
                                * written since, or it was never touched), else 0: the
                                * zeroed-page hint */
#define TV_HC_BALLOON_GIVE 7   /* (pa) -> 0 | -TV_EINVAL: the balloon takes the frame at pa;
                                * the guest does not touch it until TV_HC_BALLOON_TAKE */
#define TV_HC_BALLOON_TAKE 8   /* (pa) -> 0 | -TV_EINVAL: the frame comes back (zeros) */
#define TV_HC_MMU_UPDATE   9   /* (pa, n) -> updates done: n {ptr, val} pairs at guest-physical
                                * pa, each "store word val at guest-physical ptr", a page-table
                                * update batched (Xen's mmu_update) */
#define TV_HC_COUNT        10

/* The per-vCPU page: byte offsets (assembly) and the struct (C). */
#define TV_PV_MAGIC_OFF    0
#define TV_PV_VERSION_OFF  4
#define TV_PV_STATUS       8     /* W */
#define TV_PV_CAUSE        12
#define TV_PV_EPC          16    /* W */
#define TV_PV_BADVADDR     20
#define TV_PV_CONTEXT      24
#define TV_PV_ENTRYHI      28    /* W */
#define TV_PV_ENTRYLO0     32    /* W */
#define TV_PV_ENTRYLO1     36    /* W */
#define TV_PV_INDEX        40    /* W */
#define TV_PV_PFERR        44    /* pagewalk: CP0 22 sel 2 */
#define TV_PV_BALLOON      48    /* pages the VMM asks the balloon to hold */
#define TV_PV_WMASK        52    /* the fields the guest wrote since the VMM last took them: */
#define   TV_PV_W_STATUS   0x01
#define   TV_PV_W_EPC      0x02
#define   TV_PV_W_ENTRYHI  0x04
#define   TV_PV_W_ENTRYLO0 0x08
#define   TV_PV_W_ENTRYLO1 0x10
#define   TV_PV_W_INDEX    0x20
#define TV_PV_SCRATCH      64    /* the guest's own word: the VMM never reads or writes it */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tv_pv_page {
	uint32_t magic, version;
	uint32_t status, cause, epc, badvaddr, context;
	uint32_t entryhi, entrylo0, entrylo1, index, pferr;
	uint32_t balloon_target;
	uint32_t wmask;		/* TV_PV_W_*: set by the guest, cleared by the VMM */
	uint32_t reserved[2];
	uint32_t scratch;	/* the guest's */
};

_Static_assert(__builtin_offsetof(struct tv_pv_page, status) == TV_PV_STATUS, "status");
_Static_assert(__builtin_offsetof(struct tv_pv_page, index) == TV_PV_INDEX, "index");
_Static_assert(__builtin_offsetof(struct tv_pv_page, balloon_target) == TV_PV_BALLOON, "balloon");
_Static_assert(__builtin_offsetof(struct tv_pv_page, scratch) == TV_PV_SCRATCH, "scratch");
_Static_assert(__builtin_offsetof(struct tv_pv_page, wmask) == TV_PV_WMASK, "wmask");

/* One {ptr, val} of TV_HC_MMU_UPDATE. */
struct tv_mmu_update {
	uint32_t ptr, val;
};
#endif

#endif
