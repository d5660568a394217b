/*
 * rt.h - bare-metal runtime for tlbvisor guest test programs.
 *
 * Programs are linked at kseg0 0x80100000 and run in kernel mode on a
 * Malta-compatible machine (QEMU -M malta -cpu 24Kc, or tlbvisor native).
 * The runtime provides the console (16550 UART), printf, exit, exception
 * vectors that call a C handler with a register frame, CP0 accessors, TLB
 * helpers and a tiny CHECK framework.  See guest/bare/README.md.
 */
#ifndef RT_H
#define RT_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

/* ---- console and exit ------------------------------------------------ */
int putchar(int c);
int puts(const char *s);                    /* appends '\n' */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
void exit(int code) __attribute__((noreturn));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* ---- test framework -------------------------------------------------- */
extern int rt_checks, rt_failures;
void rt_check(int ok, const char *file, int line, const char *expr);
void rt_check_eq(uint32_t a, uint32_t b, const char *file, int line,
                 const char *ea, const char *eb);
int rt_done(const char *name) __attribute__((noreturn)); /* summary + exit */

#define CHECK(c) rt_check(!!(c), __FILE_NAME__, __LINE__, #c)
#define CHECK_EQ(a, b) \
	rt_check_eq((uint32_t)(a), (uint32_t)(b), __FILE_NAME__, __LINE__, #a, #b)

/* ---- CP0 ------------------------------------------------------------- */
/* register, select pairs as the MIPS32 PRA names them */
#define C0_INDEX     0, 0
#define C0_RANDOM    1, 0
#define C0_ENTRYLO0  2, 0
#define C0_ENTRYLO1  3, 0
#define C0_CONTEXT   4, 0
#define C0_PAGEMASK  5, 0
#define C0_SEGCTL0   5, 2
#define C0_SEGCTL1   5, 3
#define C0_SEGCTL2   5, 4
#define C0_WIRED     6, 0
#define C0_HWRENA    7, 0
#define C0_BADVADDR  8, 0
#define C0_COUNT     9, 0
#define C0_ENTRYHI   10, 0
#define C0_COMPARE   11, 0
#define C0_STATUS    12, 0
#define C0_INTCTL    12, 1
#define C0_SRSCTL    12, 2
#define C0_CAUSE     13, 0
#define C0_EPC       14, 0
#define C0_PRID      15, 0
#define C0_EBASE     15, 1
#define C0_CONFIG    16, 0
#define C0_CONFIG1   16, 1
#define C0_CONFIG2   16, 2
#define C0_CONFIG3   16, 3
#define C0_LLADDR    17, 0
#define C0_PTBASE    22, 0   /* pagewalk personality */
#define C0_INVLPG    22, 1
#define C0_PFERR     22, 2
#define C0_ERROREPC  30, 0

#define MFC0_(reg, sel) ({ uint32_t v__; \
	__asm__ volatile("mfc0 %0, $" #reg ", " #sel : "=r"(v__) :: "memory"); v__; })
#define MTC0_(reg, sel, val) \
	__asm__ volatile("mtc0 %0, $" #reg ", " #sel "\n\tehb" \
			 :: "r"((uint32_t)(val)) : "memory")
/* MFC0(C0_STATUS), MTC0(C0_STATUS, v): ehb follows every write */
#define MFC0(...) MFC0_(__VA_ARGS__)
#define MTC0(...) MTC0_(__VA_ARGS__)

#define ST_IE     0x00000001u
#define ST_EXL    0x00000002u
#define ST_ERL    0x00000004u
#define ST_KSU    0x00000018u
#define ST_KSU_S  0x00000008u
#define ST_KSU_U  0x00000010u
#define ST_IM(n)  (1u << (8 + (n)))
#define ST_BEV    0x00400000u
#define ST_CU0    0x10000000u
#define ST_CU1    0x20000000u

#define CAUSE_BD      0x80000000u
#define CAUSE_TI      0x40000000u
#define CAUSE_CE(c)   (((c) >> 28) & 3u)
#define CAUSE_IV      0x00800000u
#define CAUSE_IP(n)   (1u << (8 + (n)))
#define CAUSE_EXC(c)  (((c) >> 2) & 31u)

enum {
	EXC_INT = 0, EXC_MOD = 1, EXC_TLBL = 2, EXC_TLBS = 3, EXC_ADEL = 4,
	EXC_ADES = 5, EXC_IBE = 6, EXC_DBE = 7, EXC_SYS = 8, EXC_BP = 9,
	EXC_RI = 10, EXC_CPU = 11, EXC_OV = 12, EXC_TR = 13,
};

static inline void ehb(void) { __asm__ volatile("ehb" ::: "memory"); }
static inline void tlbwi(void) { __asm__ volatile("tlbwi\n\tehb" ::: "memory"); }
static inline void tlbwr(void) { __asm__ volatile("tlbwr\n\tehb" ::: "memory"); }
static inline void tlbp(void) { __asm__ volatile("tlbp\n\tehb" ::: "memory"); }
static inline void tlbr(void) { __asm__ volatile("tlbr\n\tehb" ::: "memory"); }
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

/* kseg0 <-> physical */
#define KSEG0(pa)  ((uint32_t)(pa) | 0x80000000u)
#define KSEG1(pa)  ((uint32_t)(pa) | 0xA0000000u)
#define PHYS(p)    ((uint32_t)(uintptr_t)(p) & 0x1FFFFFFFu)

/* ---- exceptions ------------------------------------------------------ */
/* Saved by the vector stubs.  A handler may change r[], hi, lo, epc and
 * status (EXL is forced on until eret); cause/badvaddr/vec are for reading. */
struct frame {
	uint32_t r[32];
	uint32_t hi, lo;
	uint32_t epc, cause, status, badvaddr;
	uint32_t vec;       /* 0: TLB refill vector (+0x000), 1: general (+0x180) */
	uint32_t pad;
};

typedef void (*rt_handler_t)(struct frame *f);
extern volatile rt_handler_t rt_handler; /* NULL: report and exit(3) */

/* Copy the stubs to ebase+0x000/+0x180 and write EBase. Status.BEV untouched. */
void rt_install_vectors(uint32_t ebase);

/*
 * The catch handler: records every exception in rt_exc (count and the last
 * one), then resumes at rt_exc.resume if non-zero (and clears it), else
 * skips the faulting instruction (EPC+4, or EPC+8 when Cause.BD).
 */
struct rt_exc_record {
	volatile uint32_t count;
	volatile uint32_t epc, cause, status, badvaddr, vec;
	volatile uint32_t resume;
	volatile uint32_t context, entryhi;   /* read at entry to the handler */
};
extern struct rt_exc_record rt_exc;
void rt_catch(struct frame *f);
void rt_catch_reset(void);          /* count = 0, fields = 0xdeadbeef, resume=0 */
#define EXC_CODE() CAUSE_EXC(rt_exc.cause)

/*
 * Run code at pc (already mapped for the mode) with Status.KSU = ksu
 * (1 supervisor, 2 user), $a0 = arg, until it executes `syscall`;
 * returns its $v0.  Other exceptions reach rt_handler as usual; a handler
 * may abort the user code with rt_user_abort(f), making rt_run_user return
 * 0xdead0000 | exception code.
 */
uint32_t rt_run_user(uint32_t pc, uint32_t ksu, uint32_t arg);
void rt_user_abort(struct frame *f);
extern volatile int rt_user_active;

/* ---- TLB (swtlb) ----------------------------------------------------- */
uint32_t rt_tlb_size(void);           /* Config1.MMUSize + 1 */
void rt_tlb_clear(void);              /* every entry invalid, unique VPN2 */
/* write entry idx (or random when idx < 0) */
void rt_tlb_write(int idx, uint32_t entryhi, uint32_t lo0, uint32_t lo1,
                  uint32_t pagemask);
#define ENTRYLO(pa, c, d, v, g) \
	((((uint32_t)(pa) >> 12) << 6) | ((c) << 3) | ((d) << 2) | ((v) << 1) | (g))

/* TLB entry idx (swtlb): VA 0x00000000-0x001FFFFF -> PA 0x00000000-0x001FFFFF,
 * two 1 MiB pages, D=V=G=1, cacheable.  The image (PA 0x00100000) then runs
 * in useg at USEG_VA(kseg0 address). */
void rt_tlb_map_low(int idx);
#define USEG_VA(p) ((uint32_t)(uintptr_t)(p) & 0x1FFFFFFFu)

/* ---- misc ------------------------------------------------------------ */
void rt_sync_icache(uint32_t addr, uint32_t len);
extern int rt_argc;
extern char **rt_argv, **rt_envp;
extern uint32_t rt_memsize;
const char *rt_getenv(const char *name);

#endif
