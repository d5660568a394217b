/*
 * stdio.c - printf family.  The formatter (guest/common/format.c) writes into a sink:
 * a caller's buffer (snprintf) or a stack buffer flushed with TV_SYS_WRITE (printf: one
 * write per call unless the output exceeds the buffer).
 */
#include "ulib.h"
#include "format.h"

struct sink {
	char *buf;
	size_t size;      /* capacity of buf */
	size_t pos;       /* bytes in buf */
	size_t total;     /* bytes produced */
	int console;      /* flush to the console when full */
};

static void flush(struct sink *s)
{
	size_t off = 0;

	while (off < s->pos) {
		long n = write(s->buf + off, s->pos - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	s->pos = 0;
}

static void emit(struct sink *s, char c)
{
	s->total++;
	if (s->console) {
		if (s->pos == s->size)
			flush(s);
		s->buf[s->pos++] = c;
	} else if (s->pos + 1 < s->size) {
		s->buf[s->pos++] = c;
	}
}

static void put(void *ctx, char c)
{
	emit(ctx, c);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0, 0, 0 };

	fmt_format(put, &s, fmt, ap);
	if (size)
		buf[s.pos] = '\0';
	return (int)s.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	struct sink s = { buf, sizeof(buf), 0, 0, 1 };

	fmt_format(put, &s, fmt, ap);
	flush(&s);
	return (int)s.total;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int putchar(int c)
{
	char ch = (char)c;

	write(&ch, 1);
	return (unsigned char)c;
}

int puts(const char *s)
{
	return printf("%s\n", s) > 0 ? 0 : -1;
}
