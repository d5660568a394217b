/* asm.h - register names and struct frame offsets for the runtime's .S files */
#ifndef RT_ASM_H
#define RT_ASM_H

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

/* struct frame lives at 16($sp) (o32 argument save area below it) */
#define FR(n)      (16 + 4 * (n))
#define F_HI       (16 + 128)
#define F_LO       (16 + 132)
#define F_EPC      (16 + 136)
#define F_CAUSE    (16 + 140)
#define F_STATUS   (16 + 144)
#define F_BADVADDR (16 + 148)
#define F_VEC      (16 + 152)
#define FRAME_TOTAL (16 + 160)

#endif
