/*
 * start.h - start-code pieces shared by the bare runtime and the kernel (assembler only).
 *
 * CLEAR_BSS zeroes [__bss_start, __bss_end) word by word; it uses t0 and t1 and the local
 * labels 1 and 2 (execution continues after label 2).
 */
#ifndef GUEST_COMMON_START_H
#define GUEST_COMMON_START_H

#ifdef __ASSEMBLER__
	.macro	CLEAR_BSS
	lui	t0, %hi(__bss_start)
	addiu	t0, t0, %lo(__bss_start)
	lui	t1, %hi(__bss_end)
	addiu	t1, t1, %lo(__bss_end)
1:	beq	t0, t1, 2f
	nop
	sw	zero, 0(t0)
	b	1b
	addiu	t0, t0, 4
2:
	.endm
#endif

#endif
