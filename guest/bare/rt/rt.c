/*
 * rt.c - console, exit, exception dispatch, TLB helpers and the CHECK
 * framework of the bare-metal runtime.  Contracts are in rt.h.
 */
#include "rt.h"
#include "format.h"

/* ---- console: 16550 at physical 0x180003F8, reached through kseg1 ---- */
#define UART_THR ((volatile uint8_t *)0xB80003F8u)
#define UART_LSR ((volatile uint8_t *)0xB80003FDu)
#define LSR_THRE 0x20u
#define SOFTRES  ((volatile uint32_t *)0xBF000500u)

int putchar(int c)
{
	while (!(*UART_LSR & LSR_THRE))
		;
	*UART_THR = (uint8_t)c;
	return (unsigned char)c;
}

int puts(const char *s)
{
	while (*s)
		putchar(*s++);
	putchar('\n');
	return 0;
}

static void rt_put(void *ctx, char c)
{
	(void)ctx;
	putchar(c);
}

/* the conversions of guest/common/format.h */
int vprintf(const char *fmt, va_list ap)
{
	fmt_format(rt_put, 0, fmt, ap);
	return 0;
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * exit: status 0 powers off through Malta SOFTRES (0x42); any other status
 * uses the UHI semihosting exit (sdbbp 1, $t9=1, $a0=code), and falls back
 * to SOFTRES when no semihosting is present.
 */
void exit(int code)
{
	if (code != 0) {
		register uint32_t t9 __asm__("$25") = 1;
		register int32_t a0 __asm__("$4") = code;

		__asm__ volatile("sdbbp 1" : "+r"(a0) : "r"(t9) : "memory");
	}
	*SOFTRES = 0x42;
	for (;;)
		;
}

/* ---- memset/memcpy/memmove (byte loops; the rest is guest/common/string.c) ---- */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

/* ---- test framework ---- */
int rt_checks, rt_failures;

void rt_check(int ok, const char *file, int line, const char *expr)
{
	rt_checks++;
	if (!ok) {
		rt_failures++;
		printf("FAIL %s:%d: %s\n", file, line, expr);
	}
}

void rt_check_eq(uint32_t a, uint32_t b, const char *file, int line,
		 const char *ea, const char *eb)
{
	rt_checks++;
	if (a != b) {
		rt_failures++;
		printf("FAIL %s:%d: %s == %s (0x%08x != 0x%08x)\n", file, line,
		       ea, eb, a, b);
	}
}

int rt_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, rt_checks, rt_failures);
	exit(rt_failures ? 1 : 0);
}

/* ---- exceptions ---- */
extern char rt_vec_stub0[], rt_vec_stub1[], rt_vec_stub_end[];
extern char rt_user_return[];
volatile rt_handler_t rt_handler;
volatile int rt_user_active;
struct rt_exc_record rt_exc;

void rt_sync_icache(uint32_t addr, uint32_t len)
{
	uint32_t a;

	/* Hit_Writeback_Inv_D then Hit_Invalidate_I on every 16-byte line */
	for (a = addr & ~15u; a < addr + len; a += 16)
		__asm__ volatile("cache 0x15, 0(%0)\n\tcache 0x10, 0(%0)"
				 :: "r"(a) : "memory");
	__asm__ volatile("sync\n\tehb" ::: "memory");
}

void rt_install_vectors(uint32_t ebase)
{
	uint32_t n0 = (uint32_t)(rt_vec_stub1 - rt_vec_stub0);
	uint32_t n1 = (uint32_t)(rt_vec_stub_end - rt_vec_stub1);

	memcpy((void *)(uintptr_t)ebase, rt_vec_stub0, n0);
	memcpy((void *)(uintptr_t)(ebase + 0x180), rt_vec_stub1, n1);
	rt_sync_icache(ebase, 0x200);
	MTC0(C0_EBASE, ebase);
}

void rt_user_abort(struct frame *f)
{
	f->r[2] = 0xdead0000u | CAUSE_EXC(f->cause);
	f->epc = (uint32_t)(uintptr_t)rt_user_return;
	f->status &= ~ST_KSU;
}

/* Called by rt_exc_common with the saved frame. */
void rt_exception(struct frame *f);
void rt_exception(struct frame *f)
{
	if (rt_user_active && CAUSE_EXC(f->cause) == EXC_SYS &&
	    (f->status & ST_KSU)) {
		f->epc = (uint32_t)(uintptr_t)rt_user_return;
		f->status &= ~ST_KSU;
		return;
	}
	if (rt_handler) {
		rt_handler(f);
		return;
	}
	printf("unexpected exception: vec %u code %u epc 0x%08x badvaddr 0x%08x "
	       "status 0x%08x cause 0x%08x\n", f->vec, CAUSE_EXC(f->cause),
	       f->epc, f->badvaddr, f->status, f->cause);
	exit(3);
}

void rt_catch_reset(void)
{
	rt_exc.count = 0;
	rt_exc.epc = rt_exc.cause = rt_exc.status = 0xdeadbeefu;
	rt_exc.badvaddr = rt_exc.vec = 0xdeadbeefu;
	rt_exc.context = rt_exc.entryhi = 0xdeadbeefu;
	rt_exc.resume = 0;
}

void rt_catch(struct frame *f)
{
	rt_exc.count++;
	rt_exc.epc = f->epc;
	rt_exc.cause = f->cause;
	rt_exc.status = f->status;
	rt_exc.badvaddr = f->badvaddr;
	rt_exc.vec = f->vec;
	rt_exc.context = MFC0(C0_CONTEXT);
	rt_exc.entryhi = MFC0(C0_ENTRYHI);
	if (rt_exc.resume) {
		f->epc = rt_exc.resume;
		rt_exc.resume = 0;
	} else {
		f->epc += (f->cause & CAUSE_BD) ? 8 : 4;
	}
}

/* ---- TLB ---- */
uint32_t rt_tlb_size(void)
{
	return ((MFC0(C0_CONFIG1) >> 25) & 63u) + 1;
}

void rt_tlb_write(int idx, uint32_t entryhi, uint32_t lo0, uint32_t lo1,
		  uint32_t pagemask)
{
	MTC0(C0_ENTRYHI, entryhi);
	MTC0(C0_ENTRYLO0, lo0);
	MTC0(C0_ENTRYLO1, lo1);
	MTC0(C0_PAGEMASK, pagemask);
	if (idx >= 0) {
		MTC0(C0_INDEX, (uint32_t)idx);
		tlbwi();
	} else {
		tlbwr();
	}
}

void rt_tlb_clear(void)
{
	uint32_t n = rt_tlb_size(), i;
	uint32_t old = MFC0(C0_ENTRYHI);

	for (i = 0; i < n; i++)
		rt_tlb_write((int)i, 0x80000000u + i * 0x2000u, 0, 0, 0);
	MTC0(C0_PAGEMASK, 0);
	MTC0(C0_ENTRYHI, old);
}

void rt_tlb_map_low(int idx)
{
	rt_tlb_write(idx, 0x00000000u, ENTRYLO(0x000000, 3, 1, 1, 1),
		     ENTRYLO(0x100000, 3, 1, 1, 1), 0x001FE000u);
	MTC0(C0_PAGEMASK, 0);
}

/* ---- boot ---- */
int rt_argc;
char **rt_argv, **rt_envp;
uint32_t rt_memsize;

const char *rt_getenv(const char *name)
{
	char **e = rt_envp;

	if (!e || (uint32_t)(uintptr_t)e < 0x80000000u)
		return 0;
	for (; e[0] && e[1]; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return 0;
}

/* Vectors at EBase 0x80000000, BEV=0, interrupts off, Cause cleared. */
void rt_init(int argc, char **argv, char **envp, uint32_t memsize);
void rt_init(int argc, char **argv, char **envp, uint32_t memsize)
{
	rt_argc = argc;
	rt_argv = argv;
	rt_envp = envp;
	rt_memsize = memsize;
	rt_install_vectors(0x80000000u);
	MTC0(C0_CAUSE, 0);
	MTC0(C0_STATUS, 0);
}
