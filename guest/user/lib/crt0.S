/*
 * crt0.S - entry of every user program (tv_abi.h): $sp = TV_USER_STACK_TOP holding argc,
 * argv[], NULL, strings; $a0 = argc, $a1 = argv.  .bss is not cleared here: ELF loading
 * makes memsz beyond filesz zero (the kernel maps it demand-zero), and selftest checks
 * that.  Reserves the o32 argument area, calls main(argc, argv), then exit(main's value).
 */
	.section .text.start, "ax"
	.set	noreorder
	.globl	_start
	.ent	_start
_start:
	move	$gp, $zero
	move	$fp, $zero
	li	$t0, -8
	and	$sp, $sp, $t0
	addiu	$sp, $sp, -16		/* o32: the callee may spill $a0..$a3 here */
	jal	main
	nop
	jal	exit
	move	$a0, $v0
1:	b	1b
	nop
	.end	_start
