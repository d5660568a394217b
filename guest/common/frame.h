/*
 * frame.h - the exception frame shared by the bare-metal runtime and the guest kernel:
 * struct frame (C), its offsets and the save/restore sequences (assembly), and the o32
 * register names the .S files use.
 *
 * The entry code places struct frame at 16($sp) (the o32 argument save area is below
 * it), so a handler is called with $a0 = $sp + 16.
 */
#ifndef GUEST_FRAME_H
#define GUEST_FRAME_H

#include "mips_cp0.h"

#define FR(n)       (16 + 4 * (n))      /* r[n] */
#define F_HI        (16 + 128)
#define F_LO        (16 + 132)
#define F_EPC       (16 + 136)
#define F_CAUSE     (16 + 140)
#define F_STATUS    (16 + 144)
#define F_BADVADDR  (16 + 148)
#define F_VEC       (16 + 152)
#define FRAME_TOTAL (16 + 160)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Saved at exception entry.  A handler may change r[], hi, lo, epc and status (EXL is
 * forced on until eret); cause and badvaddr are for reading. */
struct frame {
	uint32_t r[32];
	uint32_t hi, lo;
	uint32_t epc, cause, status, badvaddr;
	uint32_t vec;       /* bare runtime: 0 TLB refill vector (+0x000), 1 general
			     * (+0x180); the kernel leaves it unset */
	uint32_t pad;
};

_Static_assert(offsetof(struct frame, hi) + 16 == F_HI, "F_HI");
_Static_assert(offsetof(struct frame, badvaddr) + 16 == F_BADVADDR, "F_BADVADDR");
_Static_assert(offsetof(struct frame, vec) + 16 == F_VEC, "F_VEC");
_Static_assert(sizeof(struct frame) + 16 == FRAME_TOTAL, "FRAME_TOTAL");

#else /* __ASSEMBLER__ */

#define zero $0
#define AT $1
#define v0 $2
#define v1 $3
#define a0 $4
#define a1 $5
#define a2 $6
#define a3 $7
#define t0 $8
#define t1 $9
#define t2 $10
#define t3 $11
#define t4 $12
#define t5 $13
#define t6 $14
#define t7 $15
#define s0 $16
#define s1 $17
#define s2 $18
#define s3 $19
#define s4 $20
#define s5 $21
#define s6 $22
#define s7 $23
#define t8 $24
#define t9 $25
#define k0 $26
#define k1 $27
#define gp $28
#define sp $29
#define s8 $30
#define fp $30
#define ra $31

/*
 * FRAME_SAVE: with $sp already at the new frame (old $sp stored in FR(29) by the
 * caller), stores $0 as zero, $1-$25, zero for $k0/$k1, $gp, $s8, $ra, HI, LO, EPC,
 * Cause and Status.  Leaves Status in $t0; BadVAddr (and the vector number) are the
 * caller's.  Needs .set noat.
 */
	.macro	FRAME_SAVE_GPRS
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
	.endm

/* EPC, Cause, Status into the frame (t0 = Status at the end) */
	.macro	FRAME_SAVE_CP0
	mfc0	t0, C0_EPC
	sw	t0, F_EPC(sp)
	mfc0	t0, C0_CAUSE
	sw	t0, F_CAUSE(sp)
	mfc0	t0, C0_STATUS
	sw	t0, F_STATUS(sp)
	.endm

	.macro	FRAME_SAVE
	FRAME_SAVE_GPRS
	FRAME_SAVE_CP0
	.endm

/*
 * FRAME_RESTORE_ERET: restores the frame at 16($sp) -- Status with EXL forced on (kernel
 * mode, no interrupts until eret), EPC, HI, LO, $1-$25, $gp, $s8, $ra, $sp last -- and
 * erets.  $k0/$k1 are not restored.  Needs .set noat and .set noreorder.
 */
	.macro	FRAME_RESTORE_CP0
	lw	t0, F_STATUS(sp)
	ori	t0, t0, ST_EXL
	mtc0	t0, C0_STATUS
	lw	t0, F_EPC(sp)
	mtc0	t0, C0_EPC
	ehb
	.endm

/* HI, LO and the registers from the frame, then eret */
	.macro	FRAME_RESTORE_GPRS_ERET
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
	.endm

	.macro	FRAME_RESTORE_ERET
	FRAME_RESTORE_CP0
	FRAME_RESTORE_GPRS_ERET
	.endm

#endif /* __ASSEMBLER__ */

#endif
