/*
 * mips_cp0.h - MIPS32r2 CP0 definitions shared by every guest environment (the
 * bare-metal runtime, the guest kernel), for C and assembly alike:
 *
 *   C0_<REG>     register, select pair as the MIPS32 PRA names it. C expands it to
 *                "reg, sel" for MFC0/MTC0; assembly to "$reg, sel", so that
 *                `mtc0 t0, C0_STATUS` assembles to `mtc0 t0, $12, 0`.
 *   ST_*, CAUSE_* Status and Cause fields (unsigned in C, plain numbers in assembly).
 *   EXC_*        Cause.ExcCode values (C only), MFC0/MTC0 accessors (each write is
 *                followed by ehb), the TLB and interrupt-enable instructions, and the
 *                kseg0/kseg1 address helpers.
 */
#ifndef GUEST_MIPS_CP0_H
#define GUEST_MIPS_CP0_H

#ifdef __ASSEMBLER__
#define C0_REG_(reg, sel)  $##reg, sel
#define CP0_U_(x)          x
#else
#define C0_REG_(reg, sel)  reg, sel
#define CP0_U_(x)          x##u
#endif

#define C0_INDEX     C0_REG_(0, 0)
#define C0_RANDOM    C0_REG_(1, 0)
#define C0_ENTRYLO0  C0_REG_(2, 0)
#define C0_ENTRYLO1  C0_REG_(3, 0)
#define C0_CONTEXT   C0_REG_(4, 0)
#define C0_PAGEMASK  C0_REG_(5, 0)
#define C0_SEGCTL0   C0_REG_(5, 2)
#define C0_SEGCTL1   C0_REG_(5, 3)
#define C0_SEGCTL2   C0_REG_(5, 4)
#define C0_WIRED     C0_REG_(6, 0)
#define C0_HWRENA    C0_REG_(7, 0)
#define C0_BADVADDR  C0_REG_(8, 0)
#define C0_COUNT     C0_REG_(9, 0)
#define C0_ENTRYHI   C0_REG_(10, 0)
#define C0_COMPARE   C0_REG_(11, 0)
#define C0_STATUS    C0_REG_(12, 0)
#define C0_INTCTL    C0_REG_(12, 1)
#define C0_SRSCTL    C0_REG_(12, 2)
#define C0_CAUSE     C0_REG_(13, 0)
#define C0_EPC       C0_REG_(14, 0)
#define C0_PRID      C0_REG_(15, 0)
#define C0_EBASE     C0_REG_(15, 1)
#define C0_CONFIG    C0_REG_(16, 0)
#define C0_CONFIG1   C0_REG_(16, 1)
#define C0_CONFIG2   C0_REG_(16, 2)
#define C0_CONFIG3   C0_REG_(16, 3)
#define C0_LLADDR    C0_REG_(17, 0)
#define C0_PTBASE    C0_REG_(22, 0)   /* pagewalk personality */
#define C0_INVLPG    C0_REG_(22, 1)
#define C0_PFERR     C0_REG_(22, 2)
#define C0_ERROREPC  C0_REG_(30, 0)

/* Status */
#define ST_IE     CP0_U_(0x00000001)
#define ST_EXL    CP0_U_(0x00000002)
#define ST_ERL    CP0_U_(0x00000004)
#define ST_KSU    CP0_U_(0x00000018)   /* KSU field: */
#define ST_KSU_S  CP0_U_(0x00000008)   /*   supervisor */
#define ST_KSU_U  CP0_U_(0x00000010)   /*   user */
#define ST_UM     ST_KSU_U             /* Status.UM (bit 4) */
#define ST_IM(n)  (CP0_U_(1) << (8 + (n)))
#define ST_IM7    ST_IM(7)             /* the timer's interrupt line */
#define ST_BEV    CP0_U_(0x00400000)
#define ST_CU0    CP0_U_(0x10000000)
#define ST_CU1    CP0_U_(0x20000000)

/* Cause */
#define CAUSE_BD      CP0_U_(0x80000000)
#define CAUSE_TI      CP0_U_(0x40000000)
#define CAUSE_CE(c)   (((c) >> 28) & CP0_U_(3))
#define CAUSE_IV      CP0_U_(0x00800000)
#define CAUSE_IP(n)   (CP0_U_(1) << (8 + (n)))
#define CAUSE_EXC(c)  (((c) >> 2) & CP0_U_(31))

#ifndef __ASSEMBLER__
#include <stdint.h>

enum {
	EXC_INT = 0, EXC_MOD = 1, EXC_TLBL = 2, EXC_TLBS = 3, EXC_ADEL = 4,
	EXC_ADES = 5, EXC_IBE = 6, EXC_DBE = 7, EXC_SYS = 8, EXC_BP = 9,
	EXC_RI = 10, EXC_CPU = 11, EXC_OV = 12, EXC_TR = 13,
};

#define MFC0_(reg, sel) ({ uint32_t v__; \
	__asm__ volatile("mfc0 %0, $" #reg ", " #sel : "=r"(v__) :: "memory"); v__; })
#define MTC0_(reg, sel, val) \
	__asm__ volatile("mtc0 %0, $" #reg ", " #sel "\n\tehb" \
			 :: "r"((uint32_t)(val)) : "memory")
/* MFC0(C0_STATUS), MTC0(C0_STATUS, v): ehb follows every write */
#define MFC0(...) MFC0_(__VA_ARGS__)
#define MTC0(...) MTC0_(__VA_ARGS__)

static inline void ehb(void) { __asm__ volatile("ehb" ::: "memory"); }
static inline void tlbwi(void) { __asm__ volatile("tlbwi\n\tehb" ::: "memory"); }
static inline void tlbwr(void) { __asm__ volatile("tlbwr\n\tehb" ::: "memory"); }
static inline void tlbp(void) { __asm__ volatile("tlbp\n\tehb" ::: "memory"); }
static inline void tlbr(void) { __asm__ volatile("tlbr\n\tehb" ::: "memory"); }
/* di/ei: the old Status */
static inline uint32_t di(void)
{
	uint32_t v;
	__asm__ volatile("di %0\n\tehb" : "=r"(v) :: "memory");
	return v;
}
static inline uint32_t ei(void)
{
	uint32_t v;
	__asm__ volatile("ei %0\n\tehb" : "=r"(v) :: "memory");
	return v;
}

/* kseg0/kseg1 <-> physical */
#define KSEG0(pa)  ((uint32_t)(pa) | 0x80000000u)
#define KSEG1(pa)  ((uint32_t)(pa) | 0xA0000000u)
#define PHYS(p)    ((uint32_t)(uintptr_t)(p) & 0x1FFFFFFFu)
#endif /* !__ASSEMBLER__ */

#endif
