/*
 * start.S - kernel entry, exception entry/exit, context switch and the idle loops.
 */
#include "mips.h"

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
	lui	t0, %hi(__bss_start)
	addiu	t0, t0, %lo(__bss_start)
	lui	t1, %hi(__bss_end)
	addiu	t1, t1, %lo(__bss_end)
1:	beq	t0, t1, 2f
	nop
	sw	zero, 0(t0)
	b	1b
	addiu	t0, t0, 4
2:	move	gp, zero
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
	sw	zero, FR(0)(sp)
	sw	$1, FR(1)(sp)
	sw	$2, FR(2)(sp)
	sw	$3, FR(3)(sp)
	sw	$4, FR(4)(sp)
	sw	$5, FR(5)(sp)
	sw	$6, FR(6)(sp)
	sw	$7, FR(7)(sp)
	sw	$8, FR(8)(sp)
	sw	$9, FR(9)(sp)
	sw	$10, FR(10)(sp)
	sw	$11, FR(11)(sp)
	sw	$12, FR(12)(sp)
	sw	$13, FR(13)(sp)
	sw	$14, FR(14)(sp)
	sw	$15, FR(15)(sp)
	sw	$16, FR(16)(sp)
	sw	$17, FR(17)(sp)
	sw	$18, FR(18)(sp)
	sw	$19, FR(19)(sp)
	sw	$20, FR(20)(sp)
	sw	$21, FR(21)(sp)
	sw	$22, FR(22)(sp)
	sw	$23, FR(23)(sp)
	sw	$24, FR(24)(sp)
	sw	$25, FR(25)(sp)
	sw	zero, FR(26)(sp)
	sw	zero, FR(27)(sp)
	sw	$28, FR(28)(sp)
	sw	$30, FR(30)(sp)
	sw	$31, FR(31)(sp)
	mfhi	t0
	sw	t0, F_HI(sp)
	mflo	t0
	sw	t0, F_LO(sp)
	mfc0	t0, C0_EPC
	sw	t0, F_EPC(sp)
	mfc0	t0, C0_CAUSE
	sw	t0, F_CAUSE(sp)
	mfc0	t0, C0_STATUS
	sw	t0, F_STATUS(sp)
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
	lw	t0, F_STATUS(sp)
	ori	t0, t0, ST_EXL			/* EXL until eret: kernel mode, no interrupts */
	mtc0	t0, C0_STATUS
	lw	t0, F_EPC(sp)
	mtc0	t0, C0_EPC
	ehb
	lw	t0, F_HI(sp)
	mthi	t0
	lw	t0, F_LO(sp)
	mtlo	t0
	lw	$1, FR(1)(sp)
	lw	$2, FR(2)(sp)
	lw	$3, FR(3)(sp)
	lw	$4, FR(4)(sp)
	lw	$5, FR(5)(sp)
	lw	$6, FR(6)(sp)
	lw	$7, FR(7)(sp)
	lw	$8, FR(8)(sp)
	lw	$9, FR(9)(sp)
	lw	$10, FR(10)(sp)
	lw	$11, FR(11)(sp)
	lw	$12, FR(12)(sp)
	lw	$13, FR(13)(sp)
	lw	$14, FR(14)(sp)
	lw	$15, FR(15)(sp)
	lw	$16, FR(16)(sp)
	lw	$17, FR(17)(sp)
	lw	$18, FR(18)(sp)
	lw	$19, FR(19)(sp)
	lw	$20, FR(20)(sp)
	lw	$21, FR(21)(sp)
	lw	$22, FR(22)(sp)
	lw	$23, FR(23)(sp)
	lw	$24, FR(24)(sp)
	lw	$25, FR(25)(sp)
	lw	$28, FR(28)(sp)
	lw	$30, FR(30)(sp)
	lw	$31, FR(31)(sp)
	lw	sp, FR(29)(sp)
	eret
	.end	trap_return

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
