/*
 * mips.h - MIPS32r2 definitions shared by the kernel's C and assembly files:
 * register names (assembly), CP0 register numbers, Status/Cause bits, the trap
 * frame layout and CP0 accessors (C).
 */
#ifndef K_MIPS_H
#define K_MIPS_H

/* struct frame (below) lives at 16($sp) of the trap stack; the o32 argument save
 * area is below it. */
#define FR(n)       (16 + 4 * (n))
#define F_HI        (16 + 128)
#define F_LO        (16 + 132)
#define F_EPC       (16 + 136)
#define F_CAUSE     (16 + 140)
#define F_STATUS    (16 + 144)
#define F_BADVADDR  (16 + 148)
#define FRAME_TOTAL (16 + 160)

#define ST_IE     0x00000001
#define ST_EXL    0x00000002
#define ST_ERL    0x00000004
#define ST_KSU    0x00000018
#define ST_UM     0x00000010
#define ST_IM7    0x00008000
#define ST_BEV    0x00400000

#ifdef __ASSEMBLER__
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
#define ra $31

#define C0_ENTRYLO0 $2
#define C0_ENTRYLO1 $3
#define C0_CONTEXT  $4
#define C0_BADVADDR $8
#define C0_STATUS   $12
#define C0_CAUSE    $13
#define C0_EPC      $14
#else
#include <stdint.h>

struct frame {
	uint32_t r[32];
	uint32_t hi, lo;
	uint32_t epc, cause, status, badvaddr;
	uint32_t pad[2];
};

#define C0_INDEX     0, 0
#define C0_RANDOM    1, 0
#define C0_ENTRYLO0  2, 0
#define C0_ENTRYLO1  3, 0
#define C0_CONTEXT   4, 0
#define C0_PAGEMASK  5, 0
#define C0_WIRED     6, 0
#define C0_BADVADDR  8, 0
#define C0_COUNT     9, 0
#define C0_ENTRYHI   10, 0
#define C0_COMPARE   11, 0
#define C0_STATUS    12, 0
#define C0_CAUSE     13, 0
#define C0_EPC       14, 0
#define C0_EBASE     15, 1
#define C0_CONFIG1   16, 1
#define C0_PTBASE    22, 0
#define C0_INVLPG    22, 1
#define C0_PFERR     22, 2

#define MFC0_(reg, sel) ({ uint32_t v__; \
	__asm__ volatile("mfc0 %0, $" #reg ", " #sel : "=r"(v__) :: "memory"); v__; })
#define MTC0_(reg, sel, val) \
	__asm__ volatile("mtc0 %0, $" #reg ", " #sel "\n\tehb" \
			 :: "r"((uint32_t)(val)) : "memory")
#define MFC0(...) MFC0_(__VA_ARGS__)
#define MTC0(...) MTC0_(__VA_ARGS__)

#define CAUSE_BD      0x80000000u
#define CAUSE_EXC(c)  (((c) >> 2) & 31u)
#define CAUSE_CE(c)   (((c) >> 28) & 3u)

enum {
	EXC_INT = 0, EXC_MOD = 1, EXC_TLBL = 2, EXC_TLBS = 3, EXC_ADEL = 4,
	EXC_ADES = 5, EXC_IBE = 6, EXC_DBE = 7, EXC_SYS = 8, EXC_BP = 9,
	EXC_RI = 10, EXC_CPU = 11, EXC_OV = 12, EXC_TR = 13,
};

#define KSEG0(pa)  ((uint32_t)(pa) | 0x80000000u)
#define PHYS(p)    ((uint32_t)(uintptr_t)(p) & 0x1FFFFFFFu)
#endif

#endif
