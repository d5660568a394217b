/*
 * string.c - memset/memcpy/memmove (the compiler may call memset/memcpy itself),
 * strcpy/strchr, number parsing, and the key=value argument helper.  memcmp, strlen,
 * strcmp and strncmp are guest/common/string.c.
 */
#include "ulib.h"

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	uint32_t w = (uint8_t)c * 0x01010101u;

	while (n && ((uintptr_t)p & 3)) {
		*p++ = (uint8_t)c;
		n--;
	}
	for (; n >= 16; n -= 16, p += 16) {
		((uint32_t *)p)[0] = w;
		((uint32_t *)p)[1] = w;
		((uint32_t *)p)[2] = w;
		((uint32_t *)p)[3] = w;
	}
	for (; n >= 4; n -= 4, p += 4)
		*(uint32_t *)p = w;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	if ((((uintptr_t)p | (uintptr_t)q) & 3) == 0) {
		for (; n >= 16; n -= 16, p += 16, q += 16) {
			((uint32_t *)p)[0] = ((const uint32_t *)q)[0];
			((uint32_t *)p)[1] = ((const uint32_t *)q)[1];
			((uint32_t *)p)[2] = ((const uint32_t *)q)[2];
			((uint32_t *)p)[3] = ((const uint32_t *)q)[3];
		}
		for (; n >= 4; n -= 4, p += 4, q += 4)
			*(uint32_t *)p = *(const uint32_t *)q;
	}
	while (n--)
		*p++ = *q++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	if (p <= q || p >= q + n)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
}

char *strcpy(char *d, const char *s)
{
	char *r = d;

	while ((*d++ = *s++))
		;
	return r;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}

static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;
	int neg = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	while (digit(*s) < base)
		v = v * (unsigned long)base + (unsigned long)digit(*s++);
	if (end)
		*end = (char *)s;
	return neg ? -v : v;
}

long strtol(const char *s, char **end, int base)
{
	return (long)strtoul(s, end, base);
}

long atol(const char *s)
{
	return strtol(s, 0, 10);
}

int atoi(const char *s)
{
	return (int)atol(s);
}

const char *arg_str(int argc, char **argv, const char *key, const char *dflt)
{
	size_t k = strlen(key);

	for (int i = 0; i < argc; i++)
		if (argv[i] && strncmp(argv[i], key, k) == 0 && argv[i][k] == '=')
			return argv[i] + k + 1;
	return dflt;
}

long arg(int argc, char **argv, const char *key, long dflt)
{
	const char *v = arg_str(argc, argv, key, 0);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	n = (long)strtoul(v, &end, (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? 16 : 10);
	if (*end == 'k' || *end == 'K')
		n *= 1024;
	else if (*end == 'm' || *end == 'M')
		n *= 1024 * 1024;
	return n;
}
