/*
 * format.c - fmt_format, the printf engine of every guest environment (see format.h).
 */
#include <stdint.h>
#include "format.h"

struct out {
	fmt_put_t put;
	void *ctx;
};

static void pad(struct out *o, int n, char c)
{
	while (n-- > 0)
		o->put(o->ctx, c);
}

/* v in base 10 or 16, '-' first when neg, padded to width with '0' or ' ' (or on the
 * right when left) */
static void fmt_num(struct out *o, uint32_t v, unsigned base, int upper, int neg,
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
			o->put(o->ctx, '-');
		while (n)
			o->put(o->ctx, tmp[--n]);
		pad(o, width - len, ' ');
		return;
	}
	if (zero) {
		if (neg)
			o->put(o->ctx, '-');
		pad(o, width - len, '0');
	} else {
		pad(o, width - len, ' ');
		if (neg)
			o->put(o->ctx, '-');
	}
	while (n)
		o->put(o->ctx, tmp[--n]);
}

void fmt_format(fmt_put_t put, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { put, ctx };

	for (; *fmt; fmt++) {
		int width = 0, prec = -1, zero = 0, left = 0;

		if (*fmt != '%') {
			put(ctx, *fmt);
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

			fmt_num(&o, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, 0, v < 0, width,
				zero, left);
			break;
		}
		case 'u':
			fmt_num(&o, va_arg(ap, uint32_t), 10, 0, 0, width, zero, left);
			break;
		case 'x':
		case 'X':
			fmt_num(&o, va_arg(ap, uint32_t), 16, *fmt == 'X', 0, width, zero, left);
			break;
		case 'p':
			put(ctx, '0');
			put(ctx, 'x');
			fmt_num(&o, (uint32_t)(uintptr_t)va_arg(ap, void *), 16, 0, 0, 8, 1, 0);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;

			if (!str)
				str = "(null)";
			while (str[len] && (prec < 0 || len < prec))
				len++;
			if (!left)
				pad(&o, width - len, ' ');
			for (int i = 0; i < len; i++)
				put(ctx, str[i]);
			if (left)
				pad(&o, width - len, ' ');
			break;
		}
		case 'c':
			if (!left)
				pad(&o, width - 1, ' ');
			put(ctx, (char)va_arg(ap, int));
			if (left)
				pad(&o, width - 1, ' ');
			break;
		case '\0':
			return;
		default:
			put(ctx, *fmt);
			break;
		}
	}
}
