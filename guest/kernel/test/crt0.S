/* crt0 of the kernel's test programs: main(argc, argv) then exit. */
	.section .text.start, "ax"
	.set	noreorder
	.globl	_start
_start:
	addiu	$sp, $sp, -16
	jal	main
	nop
	move	$4, $2
	addiu	$2, $0, 1		/* TV_SYS_EXIT */
	syscall
1:	b	1b
	nop

	.text
	.globl	sys
/* int sys(n, a0, a1, a2) */
sys:
	move	$2, $4
	move	$4, $5
	move	$5, $6
	move	$6, $7
	syscall
	jr	$31
	nop
