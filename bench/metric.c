/* metric.c - built-in metrics, metric expressions, formats (metric.h). */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "util.h"

const struct bench_builtin_metric bench_builtin_metrics[] = {
    { "cycles", "cycles", BENCH_FMT_INT, BENCH_LOWER,
      "modelled machine cycles (cpu.cycles)" },
    { "instructions", "guest insns", BENCH_FMT_INT, BENCH_LOWER,
      "guest instructions executed (cpu.instructions)" },
    { "guest_cycles", "guest cycles", BENCH_FMT_INT, BENCH_LOWER,
      "cycles of guest work: natively cpu.cycles - cpu.idle_cycles, under the VMM the sum of "
      "vmN.cycles.guest" },
    { "vmm_cycles", "VMM cycles", BENCH_FMT_INT, BENCH_LOWER,
      "cycles charged to the VMM (sum of vmN.cycles.vmm); none natively" },
    { "idle_cycles", "idle cycles", BENCH_FMT_INT, BENCH_LOWER,
      "cycles the machine spent idle (cpu.idle_cycles)" },
    { "traps", "traps", BENCH_FMT_INT, BENCH_LOWER,
      "exceptions that entered the VMM (sum of vmN.traps.*); none natively" },
    { "vmm_share", "VMM share", BENCH_FMT_PERCENT, BENCH_LOWER,
      "vmm_cycles / cycles; none natively" },
    { "ratio", "× native", BENCH_FMT_RATIO, BENCH_LOWER,
      "cycles / the cycles of the run's native baseline (same workload, cost profile and "
      "native options); none without one" },
    { "host.seconds", "host s", BENCH_FMT_SECONDS, BENCH_LOWER,
      "wall-clock seconds of the run, median of --repeat (also .min, .max)" },
    { "host.seconds.min", "host s min", BENCH_FMT_SECONDS, BENCH_LOWER, "fastest repeat" },
    { "host.seconds.max", "host s max", BENCH_FMT_SECONDS, BENCH_LOWER, "slowest repeat" },
    { "host.cpu_seconds", "host CPU s", BENCH_FMT_SECONDS, BENCH_LOWER,
      "user + system CPU seconds of the run, median of --repeat" },
    { "host.mips", "guest MIPS", BENCH_FMT_FLOAT, BENCH_HIGHER,
      "guest instructions per host wall-clock microsecond (instructions / host.seconds / 1e6)" },
    { "host.insns_per_guest_insn", "host insns / guest insn", BENCH_FMT_FLOAT, BENCH_LOWER,
      "host instructions (valgrind callgrind, --host-metric callgrind) per guest instruction" },
};
const size_t bench_builtin_metric_count =
    sizeof(bench_builtin_metrics) / sizeof(bench_builtin_metrics[0]);

double bench_num(json_t *v)
{
    if (json_is_integer(v))
        return (double)json_integer_value(v);
    if (json_is_real(v))
        return json_real_value(v);
    return 0;
}

/* ---- expressions ---- */

enum ex_kind { EX_NUM, EX_NAME, EX_SUM, EX_BIN, EX_NEG, EX_MIN, EX_MAX, EX_FIRST };
struct bench_expr {
    enum ex_kind k;
    char op;                       /* EX_BIN: + - * / */
    double num;
    int is_int;
    json_int_t inum;
    char *name;                    /* EX_NAME, EX_SUM */
    char *at;                      /* EX_NAME, EX_SUM: NAME@WORKLOAD[/CONFIG]: that run */
    char *at_config;
    struct bench_expr *a, *b;
};

struct lexer {
    const char *p;
    char *err;
    size_t errlen;
};

static void skip(struct lexer *l)
{
    while (*l->p == ' ' || *l->p == '\t')
        l->p++;
}

static int name_char(char c, int glob)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || (glob && (c == '*' || c == '?' || c == '[' || c == ']' ||
                                             c == '-' || c == '!'));
}

static struct bench_expr *node(enum ex_kind k)
{
    struct bench_expr *e = bu_alloc(sizeof(*e));
    e->k = k;
    return e;
}

static struct bench_expr *parse_sum(struct lexer *l);

/* "@WORKLOAD" after a name or sum(): the value in the run of that workload with the same
 * configuration, swept values and profile. */
static int ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static struct bench_expr *parse_at(struct lexer *l, struct bench_expr *e)
{
    if (*l->p != '@')
        return e;
    const char *w = ++l->p;
    while (ident(*l->p))
        l->p++;
    e->at = l->p > w ? bu_strndup(w, (size_t)(l->p - w)) : NULL;
    if (*l->p == '/') {
        const char *c = ++l->p;
        while (ident(*l->p))
            l->p++;
        e->at_config = l->p > c ? bu_strndup(c, (size_t)(l->p - c)) : NULL;
        if (!e->at_config) {
            snprintf(l->err, l->errlen, "a configuration name expected after '@%s/'",
                     e->at ? e->at : "");
            bench_expr_free(e);
            return NULL;
        }
    }
    if (!e->at && !e->at_config) {
        snprintf(l->err, l->errlen, "WORKLOAD, /CONFIG or WORKLOAD/CONFIG expected after '@'");
        bench_expr_free(e);
        return NULL;
    }
    return e;
}

static struct bench_expr *parse_factor(struct lexer *l)
{
    skip(l);
    const char *s = l->p;
    if (*s == '(') {
        l->p++;
        struct bench_expr *e = parse_sum(l);
        skip(l);
        if (!e)
            return NULL;
        if (*l->p != ')') {
            snprintf(l->err, l->errlen, "')' expected at '%.20s'", l->p);
            bench_expr_free(e);
            return NULL;
        }
        l->p++;
        return e;
    }
    if (*s == '-') {
        l->p++;
        struct bench_expr *x = parse_factor(l);
        if (!x)
            return NULL;
        struct bench_expr *e = node(EX_NEG);
        e->a = x;
        return e;
    }
    if ((*s >= '0' && *s <= '9')) {
        char *end;
        struct bench_expr *e = node(EX_NUM);
        e->num = strtod(s, &end);
        const char *q = s;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == end && end - s < 18) {
            e->is_int = 1;
            e->inum = (json_int_t)strtoll(s, NULL, 10);
        }
        l->p = end;
        return e;
    }
    if (!name_char(*s, 0)) {
        snprintf(l->err, l->errlen, "a number, a name or '(' expected at '%.20s'", s);
        return NULL;
    }
    const char *w = s;
    while (name_char(*l->p, 0))
        l->p++;
    size_t n = (size_t)(l->p - w);
    skip(l);
    int fn_sum = n == 3 && strncmp(w, "sum", 3) == 0 && *l->p == '(';
    int fn_min = n == 3 && strncmp(w, "min", 3) == 0 && *l->p == '(';
    int fn_max = n == 3 && strncmp(w, "max", 3) == 0 && *l->p == '(';
    int fn_first = n == 5 && strncmp(w, "first", 5) == 0 && *l->p == '(';
    if (fn_sum) {
        l->p++;
        skip(l);
        const char *g = l->p;
        while (name_char(*l->p, 1))
            l->p++;
        size_t gn = (size_t)(l->p - g);
        skip(l);
        if (!gn || *l->p != ')') {
            snprintf(l->err, l->errlen, "sum(PATTERN) expected at '%.20s'", g);
            return NULL;
        }
        l->p++;
        struct bench_expr *e = node(EX_SUM);
        e->name = bu_strndup(g, gn);
        return parse_at(l, e);
    }
    if (fn_min || fn_max || fn_first) {
        l->p++;
        struct bench_expr *a = parse_sum(l);
        if (!a)
            return NULL;
        skip(l);
        if (*l->p != ',') {
            snprintf(l->err, l->errlen, "',' expected in %.*s(a, b) at '%.20s'", (int)n, w, l->p);
            bench_expr_free(a);
            return NULL;
        }
        l->p++;
        struct bench_expr *b = parse_sum(l);
        skip(l);
        if (!b || *l->p != ')') {
            if (b)
                snprintf(l->err, l->errlen, "')' expected at '%.20s'", l->p);
            bench_expr_free(a);
            bench_expr_free(b);
            return NULL;
        }
        l->p++;
        struct bench_expr *e = node(fn_min ? EX_MIN : fn_max ? EX_MAX : EX_FIRST);
        e->a = a;
        e->b = b;
        return e;
    }
    struct bench_expr *e = node(EX_NAME);
    e->name = bu_strndup(w, n);
    return parse_at(l, e);
}

/* Left-associative binary operators by precedence: level 0 "+-" (a sum of terms), level 1
 * "*\/" (a term: a product of factors). */
static struct bench_expr *parse_level(struct lexer *l, int level)
{
    static const char *const ops[] = { "+-", "*/" };
    struct bench_expr *e = level == 1 ? parse_factor(l) : parse_level(l, level + 1);
    while (e) {
        skip(l);
        char op = *l->p;
        if (!op || !strchr(ops[level], op))
            break;
        l->p++;
        struct bench_expr *r = level == 1 ? parse_factor(l) : parse_level(l, level + 1);
        if (!r) {
            bench_expr_free(e);
            return NULL;
        }
        struct bench_expr *b = node(EX_BIN);
        b->op = op;
        b->a = e;
        b->b = r;
        e = b;
    }
    return e;
}

static struct bench_expr *parse_sum(struct lexer *l)
{
    return parse_level(l, 0);
}

struct bench_expr *bench_expr_parse(const char *text, char *err, size_t errlen)
{
    struct lexer l = { text, err, errlen };
    err[0] = 0;
    struct bench_expr *e = parse_sum(&l);
    skip(&l);
    if (e && *l.p) {
        snprintf(err, errlen, "unexpected '%.20s'", l.p);
        bench_expr_free(e);
        return NULL;
    }
    return e;
}

void bench_expr_free(struct bench_expr *e)
{
    if (!e)
        return;
    bench_expr_free(e->a);
    bench_expr_free(e->b);
    free(e->name);
    free(e->at);
    free(e->at_config);
    free(e);
}

/* Exact integer arithmetic while it stays exact, doubles otherwise. */
static json_t *arith(char op, json_t *a, json_t *b)
{
    if (json_is_null(a) || json_is_null(b))
        return json_null();
    if (json_is_integer(a) && json_is_integer(b) && op != '/') {
        json_int_t x = json_integer_value(a), y = json_integer_value(b), r;
        int ovf = op == '+' ? __builtin_add_overflow(x, y, &r)
                : op == '-' ? __builtin_sub_overflow(x, y, &r)
                            : __builtin_mul_overflow(x, y, &r);
        if (!ovf)
            return json_integer(r);
    }
    double x = bench_num(a), y = bench_num(b), r;
    switch (op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    default:
        if (y == 0)
            return json_null();
        r = x / y;
    }
    return isfinite(r) ? json_real(r) : json_null();
}

static const char *sv(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The run of workload w (NULL: run's) under configuration c (NULL: run's, with its swept
 * values) with run's profile, or NULL. */
static json_t *sibling(json_t *runs, json_t *run, const char *w, const char *c)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
        if (strcmp(sv(r, "workload"), w ? w : sv(run, "workload")) == 0 &&
            strcmp(sv(r, "config"), c ? c : sv(run, "config")) == 0 &&
            strcmp(sv(r, "profile"), sv(run, "profile")) == 0 &&
            (c || json_equal(json_object_get(r, "variant"), json_object_get(run, "variant"))) &&
            strcmp(sv(r, "status"), "ok") == 0)
            return r;
    return NULL;
}

/* A host figure of a run by its metric name (results.c's bench_run_value, without the
 * results module). */
static json_t *host_value(json_t *run, const char *name)
{
    json_t *h = json_object_get(run, "host");
    const char *k = name + 5;
    json_t *v = NULL;
    if (strcmp(k, "seconds") == 0 || strcmp(k, "cpu_seconds") == 0)
        v = json_object_get(json_object_get(h, k), "median");
    else if (strcmp(k, "seconds.min") == 0 || strcmp(k, "seconds.max") == 0)
        v = json_object_get(json_object_get(h, "seconds"), k + 8);
    else
        v = json_object_get(h, k);
    return json_is_number(v) ? v : NULL;
}

json_t *bench_expr_eval(const struct bench_expr *e, json_t *run, json_t *runs)
{
    if ((e->k == EX_NAME || e->k == EX_SUM) && (e->at || e->at_config)) {
        json_t *o = runs ? sibling(runs, run, e->at, e->at_config) : NULL;
        if (!o)
            return json_null();
        run = o;
    }
    json_t *counters = json_object_get(run, "counters"), *metrics = json_object_get(run, "metrics");
    {
    switch (e->k) {
    case EX_NUM:
        return e->is_int ? json_integer(e->inum) : json_real(e->num);
    case EX_NAME: {
        json_t *v = strncmp(e->name, "host.", 5) == 0 ? host_value(run, e->name)
                                                       : json_object_get(metrics, e->name);
        if (!v)
            v = counters ? json_object_get(counters, e->name) : NULL;
        if (!v && strncmp(e->name, "cost.", 5) == 0)   /* a constant of the run's profile */
            v = json_object_get(json_object_get(run, "cost"), e->name + 5);
        return v && json_is_number(v) ? json_incref(v) : json_null();
    }
    case EX_SUM: {
        const char *k;
        json_t *v, *acc = NULL;
        if (!json_is_object(counters))
            return json_null();
        json_object_foreach(counters, k, v)
            if (json_is_number(v) && fnmatch(e->name, k, 0) == 0) {
                json_t *n = acc ? arith('+', acc, v) : json_incref(v);
                json_decref(acc);
                acc = n;
            }
        return acc ? acc : json_null();
    }
    case EX_NEG: {
        json_t *x = bench_expr_eval(e->a, run, runs), *z = json_integer(0);
        json_t *r = arith('-', z, x);
        json_decref(x);
        json_decref(z);
        return r;
    }
    case EX_FIRST: {               /* the first of the two that has a value */
        json_t *x = bench_expr_eval(e->a, run, runs);
        if (!json_is_null(x))
            return x;
        json_decref(x);
        return bench_expr_eval(e->b, run, runs);
    }
    case EX_MIN: case EX_MAX: {
        json_t *x = bench_expr_eval(e->a, run, runs);
        json_t *y = bench_expr_eval(e->b, run, runs);
        json_t *r;
        if (json_is_null(x) || json_is_null(y))
            r = json_null();
        else
            r = json_incref((bench_num(x) < bench_num(y)) == (e->k == EX_MIN) ? x : y);
        json_decref(x);
        json_decref(y);
        return r;
    }
    case EX_BIN: {
        json_t *x = bench_expr_eval(e->a, run, runs);
        json_t *y = bench_expr_eval(e->b, run, runs);
        json_t *r = arith(e->op, x, y);
        json_decref(x);
        json_decref(y);
        return r;
    }
    }
    }
    return json_null();
}

/* ---- the metrics of a run ---- */

static json_t *counter(json_t *c, const char *name)
{
    json_t *v = json_object_get(c, name);
    return json_is_integer(v) ? v : NULL;
}

/* The sum of counters "vmN.SUFFIX" over the run's VMs (the name ends with suffix and starts
 * with "vm"), exact; NULL if there is none. */
static json_t *sum_vms(json_t *c, const char *suffix_glob)
{
    const char *k;
    json_t *v;
    json_int_t acc = 0;
    int any = 0;
    char pat[128];
    snprintf(pat, sizeof(pat), "vm[0-9]*.%s", suffix_glob);
    json_object_foreach(c, k, v)
        if (json_is_integer(v) && fnmatch(pat, k, 0) == 0) {
            acc += json_integer_value(v);
            any = 1;
        }
    return any ? json_integer(acc) : NULL;
}

void bench_metrics_compute(json_t *run, json_t *baseline_cycles)
{
    json_t *c = json_object_get(run, "counters");
    json_t *m = json_object();
    json_object_set_new(run, "metrics", m);
    if (!json_is_object(c))
        return;
    json_t *cycles = counter(c, "cpu.cycles"), *insns = counter(c, "cpu.instructions");
    json_t *idle = counter(c, "cpu.idle_cycles");
    int vmm = strcmp(json_string_value(json_object_get(run, "mode")) ?: "", "vmm") == 0;
    json_object_set(m, "cycles", cycles ? cycles : json_null());
    json_object_set(m, "instructions", insns ? insns : json_null());
    if (vmm) {
        json_t *g = sum_vms(c, "cycles.guest"), *v = sum_vms(c, "cycles.vmm");
        json_t *t = sum_vms(c, "traps.*");
        json_object_set_new(m, "guest_cycles", g ? g : json_null());
        json_object_set(m, "vmm_cycles", v ? v : json_null());
        json_object_set_new(m, "traps", t ? t : json_null());
        json_object_set_new(m, "vmm_share", v && cycles ? arith('/', v, cycles) : json_null());
        json_decref(v);
    } else {
        json_object_set_new(m, "guest_cycles", cycles && idle ? arith('-', cycles, idle)
                                                              : json_null());
        json_object_set_new(m, "vmm_cycles", json_null());
        json_object_set_new(m, "traps", json_null());
        json_object_set_new(m, "vmm_share", json_null());
    }
    json_object_set(m, "idle_cycles", idle ? idle : json_null());
    json_object_set_new(m, "ratio", cycles && baseline_cycles && json_is_integer(baseline_cycles)
                                        ? arith('/', cycles, baseline_cycles) : json_null());
}

void bench_suite_metrics_compute(const struct bench_suite *s, json_t *runs)
{
    for (unsigned i = 0; i < s->nmetrics; i++) {
        char err[128];
        struct bench_expr *e = bench_expr_parse(s->metrics[i].expr, err, sizeof(err));
        size_t k;
        json_t *r;
        json_array_foreach(runs, k, r) {
            json_t *m = json_object_get(r, "metrics");
            if (json_is_object(m))
                json_object_set_new(m, s->metrics[i].name, e ? bench_expr_eval(e, r, runs)
                                                              : json_null());
        }
        bench_expr_free(e);
    }
}

void bench_metric_info(const struct bench_suite *s, const char *name, const char **label,
                       enum bench_format *fmt, enum bench_better *better)
{
    for (unsigned i = 0; s && i < s->nmetrics; i++)
        if (strcmp(s->metrics[i].name, name) == 0) {
            *label = s->metrics[i].label ? s->metrics[i].label : name;
            *fmt = s->metrics[i].fmt;
            *better = s->metrics[i].better;
            return;
        }
    for (size_t i = 0; i < bench_builtin_metric_count; i++)
        if (strcmp(bench_builtin_metrics[i].name, name) == 0) {
            *label = bench_builtin_metrics[i].label;
            *fmt = bench_builtin_metrics[i].fmt;
            *better = bench_builtin_metrics[i].better;
            return;
        }
    *label = name;
    *fmt = BENCH_FMT_AUTO;
    *better = fnmatch("*hits*", name, 0) == 0 || fnmatch("*.free", name, 0) == 0
              ? BENCH_HIGHER : BENCH_LOWER;
}

void bench_metric_format(json_t *v, enum bench_format fmt, char *buf, size_t len)
{
    if (!v || !json_is_number(v)) {
        snprintf(buf, len, "–");
        return;
    }
    double d = bench_num(v);
    switch (fmt) {
    case BENCH_FMT_INT:
        if (json_is_integer(v))
            snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        else
            snprintf(buf, len, "%.0f", d);
        return;
    case BENCH_FMT_RATIO: snprintf(buf, len, "%.2f", d); return;
    case BENCH_FMT_PERCENT: snprintf(buf, len, "%.0f%%", d * 100); return;
    case BENCH_FMT_SECONDS: snprintf(buf, len, "%.3f", d); return;
    case BENCH_FMT_FLOAT: snprintf(buf, len, "%.4g", d); return;
    case BENCH_FMT_AUTO:
        if (json_is_integer(v))
            snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        else
            snprintf(buf, len, fabs(d) < 1000 ? "%.3f" : "%.0f", d);
        return;
    }
}
