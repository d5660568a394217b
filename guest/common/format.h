/*
 * format.h - the printf engine shared by every guest environment.  Each environment's
 * printf family (rt.c printf, kernel kprintf/panic, user printf/snprintf) calls
 * fmt_format with its own output function.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%; flags '-' and '0'; a width (or '*'); a
 * precision for %s (or '.*'); 'l', 'h' and 'z' length modifiers are skipped (int and
 * long are 32 bits).  %p is "0x" and 8 hex digits whatever the width.  An unknown
 * conversion character is printed as itself and consumes no argument.
 */
#ifndef GUEST_FORMAT_H
#define GUEST_FORMAT_H

#include <stdarg.h>

/* receives every output character, in order; ctx is fmt_format's */
typedef void (*fmt_put_t)(void *ctx, char c);

void fmt_format(fmt_put_t put, void *ctx, const char *fmt, va_list ap);

#endif
