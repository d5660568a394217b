/* opts.c - the option-table parser and help writer (opts.h). getopt_long does the
 * scanning; every value is checked here against the table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

static char *err_sink;            /* opt_capture_errors */
static size_t err_sink_len;

void opt_capture_errors(char *buf, size_t len)
{
    err_sink = buf;
    err_sink_len = len;
    if (buf && len)
        buf[0] = 0;
}

int opt_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    if (err_sink) {
        if (!err_sink[0]) {                    /* the first message is the one that counts */
            va_start(ap, fmt);
            vsnprintf(err_sink, err_sink_len, fmt, ap);
            va_end(ap);
        }
        return 2;
    }
    fprintf(stderr, "tlbvisor %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'tlbvisor %s --help')\n", cmd);
    return 2;
}

/* Decimal digits, no sign, no leading zero, no overflow. *end: first byte after them. */
static int parse_digits(const char *s, uint64_t *v, const char **end)
{
    uint64_t x = 0;
    const char *p = s;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    *end = p;
    return 0;
}

int opt_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
    const char *end;
    uint64_t x;
    if (parse_digits(s, &x, &end) || *end || x < min || x > max)
        return -1;
    *v = x;
    return 0;
}

int opt_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t align, uint64_t *v)
{
    const char *end;
    uint64_t x;
    if (parse_digits(s, &x, &end))
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    }
    if (*end || (shift && x > (UINT64_MAX >> shift)))
        return -1;
    x <<= shift;
    if (x < min || x > max || (align > 1 && x % align))
        return -1;
    *v = x;
    return 0;
}

void opt_fmt_size(char *buf, size_t len, uint64_t v)
{
    if (v && v % (1u << 30) == 0)
        snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
    else if (v && v % (1u << 20) == 0)
        snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
    else if (v && v % 1024 == 0)
        snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
}

static unsigned *given_of(const struct opt *o, const void *base)
{
    return (unsigned *)((char *)base + o->given_off);
}

/* "1..8", "1M..256M, a multiple of 4K", "on|off": the accepted values of o. */
static void fmt_range(const struct opt *o, char *buf, size_t len)
{
    char a[32], b[32];
    buf[0] = 0;
    switch (o->kind) {
    case OPT_UINT:
        snprintf(buf, len, "%llu..%llu", (unsigned long long)o->min, (unsigned long long)o->max);
        break;
    case OPT_SIZE:
        opt_fmt_size(a, sizeof(a), o->min);
        opt_fmt_size(b, sizeof(b), o->max);
        if (o->align > 1) {
            char c[32];
            opt_fmt_size(c, sizeof(c), o->align);
            snprintf(buf, len, "%s..%s, a multiple of %s", a, b, c);
        } else {
            snprintf(buf, len, "%s..%s", a, b);
        }
        break;
    case OPT_CHOICE: {
        size_t k = 0;
        for (const char *const *c = o->choices; *c && k < len; c++)
            k += (size_t)snprintf(buf + k, len - k, "%s%s", c == o->choices ? "" : "|", *c);
        break;
    }
    default:
        break;
    }
}

static int set_value(const struct opt *o, void *base, const char *arg, const char *cmd)
{
    void *p = (char *)base + o->off;
    char range[128];
    fmt_range(o, range, sizeof(range));
    switch (o->kind) {
    case OPT_FLAG:
        *(int *)p = 1;
        return 0;
    case OPT_UINT:
        if (opt_parse_uint(arg, o->min, o->max, p))
            return opt_usage_error(cmd, "bad --%s '%s': %s (decimal)", o->name, arg, range);
        return 0;
    case OPT_SIZE:
        if (opt_parse_size(arg, o->min, o->max, o->align, p))
            return opt_usage_error(cmd, "bad --%s '%s': %s (N, NK, NM or NG)", o->name, arg,
                                   range);
        return 0;
    case OPT_CHOICE:
        for (int i = 0; o->choices[i]; i++)
            if (strcmp(arg, o->choices[i]) == 0) {
                *(int *)p = i;
                return 0;
            }
        return opt_usage_error(cmd, "bad --%s '%s': %s", o->name, arg, range);
    case OPT_STRING:
        if (!*arg)
            return opt_usage_error(cmd, "bad --%s '': empty", o->name);
        *(const char **)p = arg;
        return 0;
    case OPT_REPEAT: {
        const char **list = (const char **)p;
        unsigned n = *given_of(o, base) - 1;
        if (n >= o->max)
            return opt_usage_error(cmd, "at most %llu --%s options", (unsigned long long)o->max,
                                   o->name);
        list[n] = arg;
        return 0;
    }
    }
    return 2;
}

int opt_parse(const struct opt *table, size_t n, void *base, int argc, char **argv,
              int *optind_out, int *help, const char *cmd)
{
    struct option *lo = calloc(n + 2, sizeof(*lo));
    if (!lo)
        return opt_usage_error(cmd, "out of memory");
    for (size_t i = 0; i < n; i++)
        lo[i] = (struct option){ table[i].name,
                                 table[i].kind == OPT_FLAG ? no_argument : required_argument,
                                 NULL, (int)(256 + i) };
    lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
    int c, rc = 0;
    *help = 0;
    optind = 1;
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        if (c == 'h') {
            *help = 1;
            continue;
        }
        if (c < 256 || (size_t)(c - 256) >= n) {
            rc = opt_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
            break;
        }
        const struct opt *o = &table[c - 256];
        unsigned *given = given_of(o, base);
        if (++*given > 1 && o->kind != OPT_REPEAT) {
            rc = opt_usage_error(cmd, "--%s given twice", o->name);
            break;
        }
        rc = set_value(o, base, optarg, cmd);
    }
    free(lo);
    *optind_out = optind;
    return rc;
}

unsigned opt_given(const struct opt *table, size_t n, const void *base, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return *given_of(&table[i], base);
    return 0;
}

int opt_check_scope(const struct opt *table, size_t n, const void *base, unsigned run_scope,
                    const char *cmd)
{
    for (size_t i = 0; i < n; i++) {
        const struct opt *o = &table[i];
        if (*given_of(o, base) && (o->scope & run_scope) != (run_scope & OPT_SCOPE_ALL))
            return opt_usage_error(cmd, "--%s applies to %s: it does nothing in this run",
                                   o->name, o->where);
    }
    return 0;
}

/* Writes text wrapped to width columns, every line but the first indented by indent. */
static void wrap(FILE *f, const char *text, int col, int indent, int width)
{
    const char *p = text;
    while (*p) {
        const char *w = p;
        while (*w && *w != ' ')
            w++;
        int len = (int)(w - p);
        if (col > indent && col + 1 + len > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", len, p);
        col += len;
        p = *w ? w + 1 : w;
    }
    fputc('\n', f);
}

void opt_print_help(const struct opt *table, size_t n, FILE *f)
{
    enum { INDENT = 24, WIDTH = 90 };
    for (size_t i = 0; i < n; i++) {
        const struct opt *o = &table[i];
        char head[128], range[128], text[1024];
        snprintf(head, sizeof(head), "  --%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fmt_range(o, range, sizeof(range));
        size_t k = (size_t)snprintf(text, sizeof(text), "%s", o->help);
        if (range[0] || o->dflt)
            snprintf(text + k, sizeof(text) - k, " (%s%s%s%s)", range, range[0] && o->dflt ? "; " : "",
                     o->dflt ? "default " : "", o->dflt ? o->dflt : "");
        fputs(head, f);
        int col = (int)strlen(head);
        if (col + 2 > INDENT) {
            fprintf(f, "\n%*s", INDENT, "");
            col = INDENT;
        } else {
            fprintf(f, "%*s", INDENT - col, "");
            col = INDENT;
        }
        /* wrap() puts a space before every word after the first column: start at the
         * indent so the first word follows directly. */
        wrap(f, text, col, INDENT, WIDTH);
    }
}
