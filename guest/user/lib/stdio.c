/*
 * stdio.c - printf family.  One formatter writes into a sink: a caller's buffer
 * (snprintf) or a stack buffer flushed with TV_SYS_WRITE (printf: one write per call
 * unless the output exceeds the buffer).
 */
#include "ulib.h"

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

static void pad(struct sink *s, int n, char c)
{
	while (n-- > 0)
		emit(s, c);
}

static void fmt_num(struct sink *s, uint32_t v, unsigned base, int upper, int neg,
		    int width, int zero, int left)
{
	char tmp[12];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (left) {
		if (neg)
			emit(s, '-');
		while (n)
			emit(s, tmp[--n]);
		pad(s, width - len, ' ');
		return;
	}
	if (zero) {
		if (neg)
			emit(s, '-');
		pad(s, width - len, '0');
	} else {
		pad(s, width - len, ' ');
		if (neg)
			emit(s, '-');
	}
	while (n)
		emit(s, tmp[--n]);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, prec = -1, zero = 0, left = 0;

		if (*fmt != '%') {
			emit(s, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = 1;
			else if (*fmt == '-')
				left = 1;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		while (*fmt == 'l' || *fmt == 'h' || *fmt == 'z')
			fmt++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int32_t v = va_arg(ap, int32_t);

			fmt_num(s, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, 0, v < 0, width,
				zero, left);
			break;
		}
		case 'u':
			fmt_num(s, va_arg(ap, uint32_t), 10, 0, 0, width, zero, left);
			break;
		case 'x':
		case 'X':
			fmt_num(s, va_arg(ap, uint32_t), 16, *fmt == 'X', 0, width, zero, left);
			break;
		case 'p':
			emit(s, '0');
			emit(s, 'x');
			fmt_num(s, (uint32_t)(uintptr_t)va_arg(ap, void *), 16, 0, 0, 8, 1, 0);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;

			if (!str)
				str = "(null)";
			while (str[len] && (prec < 0 || len < prec))
				len++;
			if (!left)
				pad(s, width - len, ' ');
			for (int i = 0; i < len; i++)
				emit(s, str[i]);
			if (left)
				pad(s, width - len, ' ');
			break;
		}
		case 'c':
			if (!left)
				pad(s, width - 1, ' ');
			emit(s, (char)va_arg(ap, int));
			if (left)
				pad(s, width - 1, ' ');
			break;
		case '\0':
			return;
		default:
			emit(s, *fmt);
			break;
		}
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0, 0, 0 };

	format(&s, fmt, ap);
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

	format(&s, fmt, ap);
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
