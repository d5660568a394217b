/*
 * start.S - entry point and exception plumbing.
 *
 * _start: entered from the Malta boot loader in kernel mode (BEV=1) with
 * $a0=argc, $a1=argv, $a2=envp, $a3=RAM size.  Switches to the image's
 * stack, clears .bss, calls rt_init(argc, argv, envp, memsize) (vectors at
 * EBase 0x80000000, BEV=0), then main(argc, argv, envp, memsize), then
 * exit(main's return value).
 */
#include "asm.h"
#include "start.h"   /* guest/common: CLEAR_BSS */

	.section .text.start, "ax"
	.set	noreorder
	.set	noat
	.globl	_start
	.ent	_start
_start:
	lui	sp, %hi(rt_stack_top)
	addiu	sp, sp, %lo(rt_stack_top)
	CLEAR_BSS
	move	s0, a0
	move	s1, a1
	move	s2, a2
	move	s3, a3
	move	gp, zero
	jal	rt_init
	nop
	move	a0, s0
	move	a1, s1
	move	a2, s2
	jal	main
	move	a3, s3
	jal	exit
	move	a0, v0
3:	b	3b
	nop
	.end	_start

/*
 * Vector stubs, copied to EBase+0x000 (refill) and EBase+0x180 (general).
 * Each loads the vector number into $k1 and jumps to rt_exc_common.
 */
	.text
	.globl	rt_vec_stub0, rt_vec_stub1, rt_vec_stub_end
rt_vec_stub0:
	lui	k0, %hi(rt_exc_common)
	addiu	k0, k0, %lo(rt_exc_common)
	jr	k0
	addiu	k1, zero, 0
rt_vec_stub1:
	lui	k0, %hi(rt_exc_common)
	addiu	k0, k0, %lo(rt_exc_common)
	jr	k0
	addiu	k1, zero, 1
rt_vec_stub_end:

/*
 * rt_exc_common: build a struct frame (guest/common/frame.h) at 16($sp) on the current
 * stack when $sp is a kseg address, else on the exception stack; call
 * rt_exception(frame); restore and eret.  $k0/$k1 are not preserved.
 */
	.globl	rt_exc_common
	.ent	rt_exc_common
rt_exc_common:
	move	k0, sp
	bltz	k0, 1f
	nop
	lui	k0, %hi(rt_exc_stack_top)
	addiu	k0, k0, %lo(rt_exc_stack_top)
1:	addiu	k0, k0, -FRAME_TOTAL
	sw	sp, FR(29)(k0)
	move	sp, k0
	FRAME_SAVE
	mfc0	t0, C0_BADVADDR
	sw	t0, F_BADVADDR(sp)
	sw	k1, F_VEC(sp)
	lui	t9, %hi(rt_exception)
	addiu	t9, t9, %lo(rt_exception)
	jalr	t9
	addiu	a0, sp, 16
	FRAME_RESTORE_ERET
	.end	rt_exc_common

/*
 * uint32_t rt_run_user(uint32_t pc, uint32_t ksu, uint32_t arg)
 * Saves the callee-saved registers, then erets to pc with Status.KSU=ksu
 * and $a0=arg.  rt_user_return is reached (kernel mode, from the exception
 * handler) when that code executes syscall; it returns the code's $v0.
 */
	.globl	rt_run_user, rt_user_return
	.ent	rt_run_user
rt_run_user:
	lui	t0, %hi(rt_user_ctx)
	addiu	t0, t0, %lo(rt_user_ctx)
	sw	s0, 0(t0)
	sw	s1, 4(t0)
	sw	s2, 8(t0)
	sw	s3, 12(t0)
	sw	s4, 16(t0)
	sw	s5, 20(t0)
	sw	s6, 24(t0)
	sw	s7, 28(t0)
	sw	s8, 32(t0)
	sw	sp, 36(t0)
	sw	ra, 40(t0)
	sw	gp, 44(t0)
	addiu	t1, zero, 1
	lui	t2, %hi(rt_user_active)
	sw	t1, %lo(rt_user_active)(t2)
	mtc0	a0, $14, 0
	mfc0	t1, $12, 0
	ins	t1, a1, 3, 2
	ori	t1, t1, 2
	mtc0	t1, $12, 0
	ehb
	move	a0, a2
	eret
rt_user_return:
	lui	t0, %hi(rt_user_ctx)
	addiu	t0, t0, %lo(rt_user_ctx)
	lw	s0, 0(t0)
	lw	s1, 4(t0)
	lw	s2, 8(t0)
	lw	s3, 12(t0)
	lw	s4, 16(t0)
	lw	s5, 20(t0)
	lw	s6, 24(t0)
	lw	s7, 28(t0)
	lw	s8, 32(t0)
	lw	sp, 36(t0)
	lw	ra, 40(t0)
	lw	gp, 44(t0)
	lui	t2, %hi(rt_user_active)
	jr	ra
	sw	zero, %lo(rt_user_active)(t2)
	.end	rt_run_user

	.bss
	.align	4
	.globl	rt_stack_top, rt_exc_stack_top
rt_user_ctx:
	.space	48
	.align	4
	.space	32768
rt_stack_top:
	.space	16384
rt_exc_stack_top:
	.space	64
