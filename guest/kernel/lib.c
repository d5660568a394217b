/*
 * lib.c - console (16550 UART, polled), kprintf, memset/memcpy, power-off.  The printf
 * engine and the other string functions are in guest/common (format.c, string.c).
 */
#include "kernel.h"
#include "format.h"

#define UART_THR ((volatile uint8_t *)0xB80003F8u)
#define UART_LSR ((volatile uint8_t *)0xB80003FDu)
#define LSR_THRE 0x20u
#define SOFTRES  ((volatile uint32_t *)0xBF000500u)

void kputc(int c)
{
	while (!(*UART_LSR & LSR_THRE))
		;
	*UART_THR = (uint8_t)c;
}

static void kput(void *ctx, char c)
{
	(void)ctx;
	kputc(c);
}

/* the conversions of guest/common/format.h */
static void kvprintf(const char *fmt, va_list ap)
{
	fmt_format(kput, 0, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	return 0;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kputc('\n');
	poweroff(99);
}

/*
 * Status 0 powers off through Malta SOFTRES (0x42); any other status uses the UHI
 * semihosting exit (sdbbp 1, $t9 = 1, $a0 = status) and falls back to SOFTRES.
 */
void poweroff(int status)
{
	if (status != 0) {
		register uint32_t t9 __asm__("$25") = 1;
		register int32_t a0 __asm__("$4") = status;

		__asm__ volatile("sdbbp 1" : "+r"(a0) : "r"(t9) : "memory");
	}
	*SOFTRES = 0x42;
	for (;;)
		;
}

/* Hit_Writeback_Inv_D then Hit_Invalidate_I on every 16-byte line (kseg0 address):
 * needed on real hardware after the kernel writes code that user mode will fetch. */
void sync_icache(uint32_t addr, uint32_t len)
{
	uint32_t a;

	if (pv_active) {                /* one hypercall for the range (pv.c) */
		pv_cache_sync(addr, len);
		return;
	}
	for (a = addr & ~15u; a < addr + len; a += 16)
		__asm__ volatile("cache 0x15, 0(%0)\n\tcache 0x10, 0(%0)" :: "r"(a) : "memory");
	__asm__ volatile("sync\n\tehb" ::: "memory");
}

/* The compiler may call memset/memcpy itself: keep them simple and word-wise when aligned. */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	if ((((uintptr_t)p | n) & 3) == 0) {
		uint32_t w = (uint8_t)c * 0x01010101u;
		uint32_t *q = d;

		for (n /= 4; n; n--)
			*q++ = w;
		return d;
	}
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	if ((((uintptr_t)p | (uintptr_t)q | n) & 3) == 0) {
		uint32_t *pw = d;
		const uint32_t *qw = s;

		for (n /= 4; n; n--)
			*pw++ = *qw++;
		return d;
	}
	while (n--)
		*p++ = *q++;
	return d;
}
