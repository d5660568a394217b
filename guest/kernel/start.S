/*
 * start.S - kernel entry, exception entry/exit, context switch and the idle loops.
 */
#include "frame.h"   /* guest/common: struct frame, FRAME_SAVE/FRAME_RESTORE_ERET */
#include "start.h"   /* guest/common: CLEAR_BSS */
#include "tv_pv.h"   /* guest/include: the per-vCPU page (pv=1) */

	.section .text.start, "ax"
	.set	noreorder
	.set	noat
	.globl	_start
	.ent	_start
/*
 * Malta boot: $a0 = argc, $a1 = argv, $a2 = envp, $a3 = RAM size. QEMU may enter with
 * ERL=1; keep BEV=1 (boot vectors) until arch_init installs ours.
 */
_start:
	lui	t0, %hi(ST_BEV)
	mtc0	t0, C0_STATUS
	ehb
	lui	sp, %hi(boot_stack_top)
	addiu	sp, sp, %lo(boot_stack_top)
	CLEAR_BSS
	move	gp, zero
	jal	kmain
	addiu	sp, sp, -16
3:	b	3b
	nop
	.end	_start

	.text
/* Copied to EBase + 0x180: every exception but TLB refill. */
	.globl	exc_vector_stub, exc_vector_stub_end
exc_vector_stub:
	lui	k0, %hi(exc_entry)
	addiu	k0, k0, %lo(exc_entry)
	jr	k0
	nop
exc_vector_stub_end:

/*
 * exc_entry: from user mode the frame goes at the top of the current process's kernel
 * stack (cur_kstack_top); from kernel mode (only the idle loop takes interrupts) on
 * the current stack. Then kernel mode with EXL=0, IE=0, and trap(frame).
 */
	.globl	exc_entry
	.ent	exc_entry
exc_entry:
	mfc0	k0, C0_STATUS
	andi	k0, k0, ST_UM
	beqz	k0, 1f
	move	k1, sp
	lui	k1, %hi(cur_kstack_top)
	lw	k1, %lo(cur_kstack_top)(k1)
1:	addiu	k1, k1, -FRAME_TOTAL
	sw	sp, FR(29)(k1)
	move	sp, k1
	FRAME_SAVE
	mfc0	t1, C0_BADVADDR
	sw	t1, F_BADVADDR(sp)
	addiu	t1, zero, -32			/* clear KSU, ERL, EXL, IE */
	and	t0, t0, t1
	mtc0	t0, C0_STATUS
	ehb
	move	gp, zero
	jal	trap
	addiu	a0, sp, 16
	.end	exc_entry

/*
 * trap_return: restore the frame at 16($sp) and eret. Also where a new process starts
 * (its context's ra), with $sp at its frame. Interrupts are off (kernel invariant).
 */
	.globl	trap_return
	.ent	trap_return
trap_return:
	FRAME_RESTORE_ERET
	.end	trap_return

/*
 * The paravirtual entry and exit (pv=1 under the VMM, docs/paravirt.md): the same as
 * exc_entry/trap_return, with Status, Cause, EPC and BadVAddr read from the per-vCPU page
 * (pv_page) and Status and EPC written there, instead of a trap on each mfc0/mtc0. The
 * VMM takes what the page says at the eret, which traps.
 */
	.globl	exc_vector_stub_pv, exc_vector_stub_pv_end
exc_vector_stub_pv:
	lui	k0, %hi(exc_entry_pv)
	addiu	k0, k0, %lo(exc_entry_pv)
	jr	k0
	nop
exc_vector_stub_pv_end:

	.globl	exc_entry_pv
	.ent	exc_entry_pv
exc_entry_pv:
	lui	k1, %hi(pv_page)
	lw	k0, %lo(pv_page + TV_PV_STATUS)(k1)
	andi	k0, k0, ST_UM
	beqz	k0, 1f
	move	k1, sp
	lui	k1, %hi(cur_kstack_top)
	lw	k1, %lo(cur_kstack_top)(k1)
1:	addiu	k1, k1, -FRAME_TOTAL
	sw	sp, FR(29)(k1)
	move	sp, k1
	FRAME_SAVE_GPRS
	lui	t2, %hi(pv_page)
	addiu	t2, t2, %lo(pv_page)
	lw	t0, TV_PV_EPC(t2)
	sw	t0, F_EPC(sp)
	lw	t0, TV_PV_CAUSE(t2)
	sw	t0, F_CAUSE(sp)
	lw	t1, TV_PV_BADVADDR(t2)
	sw	t1, F_BADVADDR(sp)
	lw	t0, TV_PV_STATUS(t2)
	sw	t0, F_STATUS(sp)
	addiu	t1, zero, -32			/* clear KSU, ERL, EXL, IE */
	and	t0, t0, t1
	sw	t0, TV_PV_STATUS(t2)
	lw	t1, TV_PV_WMASK(t2)
	ori	t1, t1, TV_PV_W_STATUS
	sw	t1, TV_PV_WMASK(t2)
	move	gp, zero
	jal	trap
	addiu	a0, sp, 16
	.end	exc_entry_pv

/* trap_return_pv: restore the frame at 16($sp) through the page and eret (falls in here
 * from exc_entry_pv, as trap_return from exc_entry). */
	.globl	trap_return_pv
	.ent	trap_return_pv
trap_return_pv:
	lui	t2, %hi(pv_page)
	addiu	t2, t2, %lo(pv_page)
	lw	t0, F_STATUS(sp)
	ori	t0, t0, ST_EXL
	sw	t0, TV_PV_STATUS(t2)
	lw	t0, F_EPC(sp)
	sw	t0, TV_PV_EPC(t2)
	lw	t0, TV_PV_WMASK(t2)
	ori	t0, t0, TV_PV_W_STATUS | TV_PV_W_EPC
	sw	t0, TV_PV_WMASK(t2)
	FRAME_RESTORE_GPRS_ERET
	.end	trap_return_pv

/* void swtch(struct context *old, struct context *new): callee-saved registers. */
	.globl	swtch
	.ent	swtch
swtch:
	sw	s0, 0(a0)
	sw	s1, 4(a0)
	sw	s2, 8(a0)
	sw	s3, 12(a0)
	sw	s4, 16(a0)
	sw	s5, 20(a0)
	sw	s6, 24(a0)
	sw	s7, 28(a0)
	sw	s8, 32(a0)
	sw	sp, 36(a0)
	sw	ra, 40(a0)
	sw	gp, 44(a0)
	lw	s0, 0(a1)
	lw	s1, 4(a1)
	lw	s2, 8(a1)
	lw	s3, 12(a1)
	lw	s4, 16(a1)
	lw	s5, 20(a1)
	lw	s6, 24(a1)
	lw	s7, 28(a1)
	lw	s8, 32(a1)
	lw	sp, 36(a1)
	lw	ra, 40(a1)
	jr	ra
	lw	gp, 44(a1)
	.end	swtch

/*
 * Idle loops (scheduler stack, interrupts enabled only inside). An interrupt taken with
 * EPC in [idle_region_start, idle_region_end) -- after ei, before wait completes -- is
 * rolled forward to idle_region_end by trap(), so a wakeup is never slept through.
 * idle=spin: `while (1) ;` with interrupts on; trap() moves EPC to idle_spin_exit when
 * the interrupt made a process runnable.
 */
	.globl	idle_wait, idle_spin_loop, idle_region_start, idle_region_end, idle_spin_exit
	.ent	idle_wait
idle_wait:
idle_region_start:
	ei
	ehb
	wait
idle_region_end:
	di
	ehb
	jr	ra
	nop
	.end	idle_wait

	.ent	idle_spin_loop
idle_spin_loop:
	ei
	ehb
1:	b	1b
	nop
idle_spin_exit:
	di
	ehb
	jr	ra
	nop
	.end	idle_spin_loop

	.bss
	.align	4
	.globl	boot_stack_top
	.space	16384
boot_stack_top:
