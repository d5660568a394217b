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

#include "mips_cp0.h"   /* guest/common: C0_*, MFC0/MTC0, ST_*, CAUSE_*, EXC_*, tlb*() */
#include "frame.h"      /* guest/common: struct frame */
#include "str.h"        /* guest/common: mem*, str* */

/* ---- console and exit ------------------------------------------------ */
int putchar(int c);
int puts(const char *s);                    /* appends '\n' */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
void exit(int code) __attribute__((noreturn));

/* ---- test framework -------------------------------------------------- */
extern int rt_checks, rt_failures;
void rt_check(int ok, const char *file, int line, const char *expr);
void rt_check_eq(uint32_t a, uint32_t b, const char *file, int line,
                 const char *ea, const char *eb);
int rt_done(const char *name) __attribute__((noreturn)); /* summary + exit */

#define CHECK(c) rt_check(!!(c), __FILE_NAME__, __LINE__, #c)
#define CHECK_EQ(a, b) \
	rt_check_eq((uint32_t)(a), (uint32_t)(b), __FILE_NAME__, __LINE__, #a, #b)

/* ---- exceptions ------------------------------------------------------ */
/* struct frame (guest/common/frame.h) is saved by the vector stubs; its vec is 0
 * for the TLB refill vector (+0x000), 1 for the general one (+0x180). */
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
