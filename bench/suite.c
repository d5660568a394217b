/* suite.c - suite files (suite.h), parsed by inih. inih hands every "key = value" to
 * handler() with its section; everything else (which keys exist, what their values mean,
 * names, lists) is checked here, and the first problem is reported with its line. */
#include <ini.h>
#include <stdarg.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "metric.h"
#include "suite.h"

/* inih's line buffer (INI_MAX_LINE in ini.h as Debian builds it): a longer line would be
 * split silently, so it is refused before inih sees it. */
#define SUITE_MAX_LINE 199

struct parse {
    struct bench_suite *s;
    const struct bench_run_hooks *h;
    char err[512];                 /* the first problem */
    char section[128];             /* the section the last handler call was in */
    int suite_seen;
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
    if (!p->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, sizeof(p->err), fmt, ap);
        va_end(ap);
    }
    return 0;                      /* inih: an error on this line */
}

/* Names of workloads, configurations, metrics, tables: they become parts of run ids and
 * metric names, so letters, digits, '_', '-' and '.' only. */
static int good_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    if (*v < '0' || *v > '9' || (v[0] == '0' && v[1]))
        return -1;
    unsigned long x = strtoul(v, &end, 10);
    if (*end || x < min || x > max)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int set_once(struct parse *p, char **dst, const char *key, const char *v)
{
    if (*dst)
        return fail(p, "'%s' given twice in [%s] (a line that continues the one before it?)",
                    key, p->section);
    *dst = bu_strdup(v);
    return 1;
}

static int check_regex(struct parse *p, const char *key, const char *v)
{
    regex_t re;
    int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &re, msg, sizeof(msg));
        return fail(p, "bad %s '%s' in [%s]: %s", key, v, p->section, msg);
    }
    regfree(&re);
    return 1;
}

/* A run option in a workload or configuration section. */
static int add_option(struct parse *p, struct bench_option **opt, unsigned *n, unsigned *cap,
                      const char *key, const char *v)
{
    static const char *const reserved[] = { "stats", "cost-profile", "vm", "help", NULL };
    for (const char *const *r = reserved; *r; r++)
        if (strcmp(key, *r) == 0)
            return fail(p, "'%s' in [%s]: the bench sets --%s itself%s", key, p->section, key,
                        strcmp(key, "cost-profile") == 0 ? " (cost profiles: 'profiles' in "
                        "[suite])" : strcmp(key, "vm") == 0 ? " (a workload gives 'vm')" : "");
    int flag;
    char why[256];
    if (p->h->info(key, &flag, why, sizeof(why)) != 0)
        return fail(p, "unknown key '%s' in [%s]: %s", key, p->section, why);
    struct bench_option *o = NULL;
    for (unsigned i = 0; i < *n; i++)
        if (strcmp((*opt)[i].name, key) == 0)
            o = &(*opt)[i];
    if (!o) {
        o = BU_PUSH(*opt, *n, *cap);
        o->name = bu_strdup(key);
    }
    unsigned before = o->values.n;
    bu_strv_split(&o->values, v);
    if (o->values.n == before)
        return fail(p, "'%s' in [%s] has no value", key, p->section);
    for (unsigned i = before; i < o->values.n; i++)
        if (flag && strcmp(o->values.v[i], "on") != 0 && strcmp(o->values.v[i], "off") != 0)
            return fail(p, "'%s' in [%s] is a switch: on or off, not '%s'", key, p->section,
                        o->values.v[i]);
    return 1;
}

static int suite_key(struct parse *p, const char *k, const char *v)
{
    struct bench_suite *s = p->s;
    if (strcmp(k, "description") == 0)
        return set_once(p, &s->description, k, v);
    if (strcmp(k, "title") == 0)
        return set_once(p, &s->title, k, v);
    if (strcmp(k, "intro") == 0) {
        bu_strv_push(&s->intro, v);
        return 1;
    }
    if (strcmp(k, "timeout") == 0)
        return parse_uint(v, 1, 86400, &s->timeout_s) == 0 ? 1 :
               fail(p, "bad timeout '%s' in [suite]: seconds, 1..86400", v);
    if (strcmp(k, "repeat") == 0)
        return parse_uint(v, 1, 100, &s->repeat) == 0 ? 1 :
               fail(p, "bad repeat '%s' in [suite]: 1..100", v);
    if (strcmp(k, "ignore") == 0)
        return set_once(p, &s->ignore, k, v) && check_regex(p, k, v);
    if (strcmp(k, "profiles") == 0) {
        bu_strv_split(&s->profiles, v);
        return 1;
    }
    if (strcmp(k, "plot-workloads") == 0) {
        bu_strv_split(&s->plot_workloads, v);
        return 1;
    }
    if (strcmp(k, "plot-configs") == 0) {
        bu_strv_split(&s->plot_configs, v);
        return 1;
    }
    if (strcmp(k, "report-host") == 0) {
        if (strcmp(v, "on") && strcmp(v, "off"))
            return fail(p, "bad report-host '%s' in [suite]: on or off", v);
        s->report_host = strcmp(v, "on") == 0;
        return 1;
    }
    return fail(p, "unknown key '%s' in [suite] (description, title, intro, timeout, repeat, "
                "ignore, profiles, report-host, plot-workloads, plot-configs)", k);
}

static int workload_key(struct parse *p, struct bench_workload *w, const char *k,
                        const char *v)
{
    if (strcmp(k, "elf") == 0)
        return set_once(p, &w->elf, k, v);
    if (strcmp(k, "args") == 0) {
        if (w->args[0]) {                      /* a continued line: more arguments */
            char *a = bu_printf("%s %s", w->args, v);
            free(w->args);
            w->args = a;
        } else {
            free(w->args);
            w->args = bu_strdup(v);
        }
        return 1;
    }
    if (strcmp(k, "vm") == 0) {
        bu_strv_push(&w->vm, v);
        return 1;
    }
    if (strcmp(k, "label") == 0)
        return set_once(p, &w->label, k, v);
    if (strcmp(k, "ignore") == 0)
        return set_once(p, &w->ignore, k, v) && check_regex(p, k, v);
    if (strcmp(k, "exit") == 0) {
        unsigned x;
        if (parse_uint(v, 0, 255, &x))
            return fail(p, "bad exit '%s' in [%s]: 0..255", v, p->section);
        w->exit_status = (int)x;
        return 1;
    }
    return add_option(p, &w->opt, &w->nopt, &w->capopt, k, v);
}

static int config_key(struct parse *p, struct bench_config *c, const char *k, const char *v)
{
    if (strcmp(k, "label") == 0)
        return set_once(p, &c->label, k, v);
    if (strcmp(k, "workloads") == 0) {
        bu_strv_split(&c->workloads, v);
        return 1;
    }
    if (strcmp(k, "command") == 0)
        return set_once(p, &c->command, k, v);
    return add_option(p, &c->opt, &c->nopt, &c->capopt, k, v);
}

static int metric_key(struct parse *p, struct bench_metricdef *m, const char *k, const char *v)
{
    static const char *const fmts[] = { "auto", "int", "ratio", "percent", "seconds", "float",
                                        NULL };
    if (strcmp(k, "expr") == 0)
        return set_once(p, &m->expr, k, v);
    if (strcmp(k, "label") == 0)
        return set_once(p, &m->label, k, v);
    if (strcmp(k, "format") == 0) {
        for (int i = 0; fmts[i]; i++)
            if (strcmp(v, fmts[i]) == 0) {
                m->fmt = (enum bench_format)i;
                return 1;
            }
        return fail(p, "bad format '%s' in [%s]: auto, int, ratio, percent, seconds or float",
                    v, p->section);
    }
    if (strcmp(k, "better") == 0) {
        if (strcmp(v, "lower") == 0)
            m->better = BENCH_LOWER;
        else if (strcmp(v, "higher") == 0)
            m->better = BENCH_HIGHER;
        else
            return fail(p, "bad better '%s' in [%s]: lower or higher", v, p->section);
        return 1;
    }
    return fail(p, "unknown key '%s' in [%s] (expr, label, format, better)", k, p->section);
}

static int table_key(struct parse *p, struct bench_table *t, const char *k, const char *v)
{
    if (strcmp(k, "title") == 0)
        return set_once(p, &t->title, k, v);
    if (strcmp(k, "layout") == 0) {
        if (strcmp(v, "list") && strcmp(v, "pivot"))
            return fail(p, "bad layout '%s' in [%s]: list or pivot", v, p->section);
        t->pivot = strcmp(v, "pivot") == 0;
        return 1;
    }
    struct { const char *key; struct bu_strv *l; } lists[] = {
        { "columns", &t->columns }, { "metric", &t->columns }, { "rows", &t->rows },
        { "configs", &t->configs }, { "workloads", &t->workloads },
        { "profiles", &t->profiles }, { "runs", &t->runs },
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (strcmp(k, lists[i].key) == 0) {
            bu_strv_split(lists[i].l, v);
            return 1;
        }
    if (strcmp(k, "note") == 0) {
        bu_strv_push(&t->notes, v);
        return 1;
    }
    if (strcmp(k, "published") == 0) {
        const char *eq = strstr(v, " = ");
        if (!eq || eq == v)
            return fail(p, "bad published '%s' in [%s]: RUNPATTERN = TEXT", v, p->section);
        bu_strv_push(&t->published, v);
        return 1;
    }
    if (strcmp(k, "published-label") == 0)
        return set_once(p, &t->published_label, k, v);
    return fail(p, "unknown key '%s' in [%s] (title, layout, columns, metric, rows, configs, "
                "workloads, profiles, runs, note, published, published-label)", k, p->section);
}

/* Finds or makes the section's object. kind is the word before the name. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    struct bench_suite *s = p->s;
    snprintf(p->section, sizeof(p->section), "%s", section);
    if (strcmp(section, "suite") == 0)
        return suite_key(p, name, value);
    const char *sp = strchr(section, ' ');
    if (!sp)
        return fail(p, "unknown section [%s] (suite, workload NAME, config NAME, metric NAME, "
                    "table NAME, text NAME)", section);
    size_t kl = (size_t)(sp - section);
    const char *nm = sp + 1;
    if (!good_name(nm))
        return fail(p, "bad name '%s' in [%s]: letters, digits, '_', '-' and '.', at most 64",
                    nm, section);
#define FIND(arr, n, cap, T, ...)                                                           \
    T *obj = NULL;                                                                          \
    for (unsigned i = 0; i < s->n; i++)                                                     \
        if (strcmp(s->arr[i].name, nm) == 0)                                                \
            obj = &s->arr[i];                                                               \
    if (!obj) {                                                                             \
        obj = BU_PUSH(s->arr, s->n, s->cap);                                                \
        obj->name = bu_strdup(nm);                                                          \
        __VA_ARGS__;                                                                        \
    }
    if (kl == 8 && strncmp(section, "workload", kl) == 0) {
        FIND(workloads, nworkloads, capworkloads, struct bench_workload,
             obj->args = bu_strdup(""))
        return workload_key(p, obj, name, value);
    }
    if (kl == 6 && strncmp(section, "config", kl) == 0) {
        FIND(configs, nconfigs, capconfigs, struct bench_config, (void)0)
        return config_key(p, obj, name, value);
    }
    if (kl == 6 && strncmp(section, "metric", kl) == 0) {
        FIND(metrics, nmetrics, capmetrics, struct bench_metricdef, (void)0)
        return metric_key(p, obj, name, value);
    }
    if (kl == 5 && strncmp(section, "table", kl) == 0) {
        FIND(tables, ntables, captables, struct bench_table,
             *BU_PUSH(s->items, s->nitems, s->capitems) =
                 (struct bench_item){ BENCH_ITEM_TABLE, s->ntables - 1 })
        return table_key(p, obj, name, value);
    }
    if (kl == 4 && strncmp(section, "text", kl) == 0) {
        FIND(texts, ntexts, captexts, struct bench_text,
             *BU_PUSH(s->items, s->nitems, s->capitems) =
                 (struct bench_item){ BENCH_ITEM_TEXT, s->ntexts - 1 })
        if (strcmp(name, "body") != 0)
            return fail(p, "unknown key '%s' in [%s] (body)", name, section);
        bu_strv_push(&obj->body, value);
        return 1;
    }
#undef FIND
    return fail(p, "unknown section [%s] (suite, workload NAME, config NAME, metric NAME, "
                "table NAME, text NAME)", section);
}

/* What the handler could not check line by line: every object complete and consistent. */
static int check_whole(struct parse *p)
{
    struct bench_suite *s = p->s;
    if (!s->nworkloads)
        return fail(p, "no [workload NAME] section");
    if (!s->nconfigs)
        return fail(p, "no [config NAME] section");
    for (unsigned i = 0; i < s->nworkloads; i++) {
        struct bench_workload *w = &s->workloads[i];
        if (!w->elf == !w->vm.n)
            return fail(p, "[workload %s] needs 'elf' or 'vm' lines (one of the two)", w->name);
        if (w->vm.n && w->args[0])
            return fail(p, "[workload %s]: 'args' goes with 'elf' (a 'vm' line has its own "
                        "\" -- BOOT ARGS\")", w->name);
        if (w->vm.n > 8)
            return fail(p, "[workload %s]: at most 8 'vm' lines", w->name);
    }
    for (unsigned i = 0; i < s->nconfigs; i++) {
        struct bench_config *c = &s->configs[i];
        if (c->command && c->nopt)
            return fail(p, "[config %s]: a configuration with 'command' runs another program: "
                        "no run options (--%s)", c->name, c->opt[0].name);
    }
    for (unsigned i = 0; i < s->nmetrics; i++) {
        struct bench_metricdef *m = &s->metrics[i];
        if (!m->expr)
            return fail(p, "[metric %s] needs 'expr'", m->name);
        char why[160];
        struct bench_expr *e = bench_expr_parse(m->expr, why, sizeof(why));
        if (!e)
            return fail(p, "[metric %s]: bad expr '%s': %s", m->name, m->expr, why);
        bench_expr_free(e);
        for (size_t k = 0; k < bench_builtin_metric_count; k++)
            if (strcmp(bench_builtin_metrics[k].name, m->name) == 0)
                return fail(p, "[metric %s]: a built-in metric has that name", m->name);
    }
    for (unsigned i = 0; i < s->ntables; i++) {
        struct bench_table *t = &s->tables[i];
        if (!t->columns.n)
            return fail(p, "[table %s] needs 'columns' (or 'metric' with layout = pivot)",
                        t->name);
        if (t->pivot && t->columns.n != 1)
            return fail(p, "[table %s]: layout = pivot shows one metric", t->name);
        for (unsigned k = 0; k < t->columns.n; k++) {
            const char *c = t->columns.v[k];
            int known = strchr(c, '.') != NULL;          /* a counter, or host.* */
            for (size_t b = 0; b < bench_builtin_metric_count; b++)
                known |= strcmp(bench_builtin_metrics[b].name, c) == 0;
            for (unsigned m = 0; m < s->nmetrics; m++)
                known |= strcmp(s->metrics[m].name, c) == 0;
            if (!known)
                return fail(p, "[table %s]: unknown metric '%s' (a built-in metric, a "
                            "[metric NAME] of the suite, or a counter name)", t->name, c);
        }
        static const char *const rowcols[] = { "workload", "config", "profile", "label",
                                               "args", "status", "run", "output", NULL };
        for (unsigned k = 0; k < t->rows.n; k++) {
            int ok = 0;
            for (const char *const *r = rowcols; *r; r++)
                ok |= strcmp(*r, t->rows.v[k]) == 0;
            if (!ok)
                return fail(p, "[table %s]: bad rows '%s' (workload, config, profile, label, "
                            "args, status, run, output)", t->name, t->rows.v[k]);
        }
    }
    if (!s->profiles.n)
        bu_strv_push(&s->profiles, "default");
    return 1;
}

struct bench_suite *bench_suite_parse(const char *name, const char *source, const char *dir,
                                      const char *text, size_t len,
                                      const struct bench_run_hooks *h, char *err,
                                      size_t errlen)
{
    struct bench_suite *s = bu_alloc(sizeof(*s));
    s->name = bu_strdup(name);
    s->source = bu_strdup(source);
    s->dir = bu_strdup(dir);
    s->text = bu_strndup(text, len);
    s->timeout_s = BENCH_DEFAULT_TIMEOUT_S;
    s->repeat = 1;
    s->report_host = 1;
    snprintf(s->checksum, sizeof(s->checksum), "fnv1a64:%016llx",
             (unsigned long long)bu_fnv1a(BU_FNV_INIT, text, len));
    struct parse p = { .s = s, .h = h };
    int line = 1, col = 0;
    if (memchr(text, 0, len)) {
        snprintf(err, errlen, "%s: a NUL byte: not a text file", source);
        bench_suite_free(s);
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 0;
        } else if (++col > SUITE_MAX_LINE) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes (continue a long value on "
                     "an indented next line)", source, line, SUITE_MAX_LINE);
            bench_suite_free(s);
            return NULL;
        }
    }
    int rc = ini_parse_string(s->text, handler, &p);
    if (rc == 0 && !check_whole(&p))
        rc = -2;
    if (rc != 0) {
        if (rc > 0 && !p.err[0])
            snprintf(p.err, sizeof(p.err), "not a suite file: a line that is neither "
                     "[section] nor key = value");
        if (rc > 0)
            snprintf(err, errlen, "%s:%d: %s", source, rc, p.err);
        else
            snprintf(err, errlen, "%s: %s", source, p.err[0] ? p.err : "cannot parse");
        bench_suite_free(s);
        return NULL;
    }
    return s;
}

const char *bench_builtin_description(const struct bench_builtin *b, char *buf, size_t len)
{
    const char *d = strstr(b->text, "\ndescription");
    buf[0] = 0;
    if (!d)
        return buf;
    d = strchr(d, '=');
    if (!d)
        return buf;
    d++;
    while (*d == ' ')
        d++;
    size_t n = strcspn(d, "\n");
    snprintf(buf, len, "%.*s", (int)n, d);
    return buf;
}

struct bench_suite *bench_suite_load(const char *name_or_file, const struct bench_run_hooks *h,
                                     char *err, size_t errlen)
{
    for (size_t i = 0; i < bench_builtin_suite_count; i++)
        if (strcmp(bench_builtin_suites[i].name, name_or_file) == 0) {
            char src[96];
            snprintf(src, sizeof(src), "builtin:%s", name_or_file);
            return bench_suite_parse(name_or_file, src, "", bench_builtin_suites[i].text,
                                     strlen(bench_builtin_suites[i].text), h, err, errlen);
        }
    uint8_t *text;
    size_t len;
    char why[512];
    if (!strchr(name_or_file, '/') && !strchr(name_or_file, '.')) {
        snprintf(err, errlen, "no built-in suite '%s' (tlbvisor bench --help lists them; a "
                 "suite file is a path, e.g. ./%s.ini)", name_or_file, name_or_file);
        return NULL;
    }
    if (file_read_all(name_or_file, "suite", BENCH_SUITE_MAX_BYTES, NULL, 0, &text, &len, why,
                      sizeof(why)) != 0) {
        file_msg(err, errlen, name_or_file, why);
        return NULL;
    }
    /* Name: the file name without directory and ".ini"; dir: its directory, absolute. */
    const char *base = strrchr(name_or_file, '/');
    base = base ? base + 1 : name_or_file;
    size_t bl = strlen(base);
    if (bl > 4 && strcmp(base + bl - 4, ".ini") == 0)
        bl -= 4;
    char *nm = bu_strndup(base, bl);
    char *d = bu_strndup(name_or_file, (size_t)(base - name_or_file));
    char absdir[PATH_MAX];
    if (!realpath(d[0] ? d : ".", absdir))
        snprintf(absdir, sizeof(absdir), "%s", d[0] ? d : ".");
    struct bench_suite *s = bench_suite_parse(nm, name_or_file, absdir, (const char *)text, len,
                                              h, err, errlen);
    free(nm);
    free(d);
    free(text);
    return s;
}

static void free_opts(struct bench_option *o, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        free(o[i].name);
        bu_strv_free(&o[i].values);
    }
    free(o);
}

void bench_suite_free(struct bench_suite *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->nworkloads; i++) {
        struct bench_workload *w = &s->workloads[i];
        free(w->name); free(w->label); free(w->elf); free(w->args); free(w->ignore);
        bu_strv_free(&w->vm);
        free_opts(w->opt, w->nopt);
    }
    for (unsigned i = 0; i < s->nconfigs; i++) {
        struct bench_config *c = &s->configs[i];
        free(c->name); free(c->label); free(c->command);
        free_opts(c->opt, c->nopt);
        bu_strv_free(&c->workloads);
    }
    for (unsigned i = 0; i < s->nmetrics; i++) {
        free(s->metrics[i].name); free(s->metrics[i].expr); free(s->metrics[i].label);
    }
    for (unsigned i = 0; i < s->ntables; i++) {
        struct bench_table *t = &s->tables[i];
        free(t->name); free(t->title); free(t->published_label);
        bu_strv_free(&t->columns); bu_strv_free(&t->rows); bu_strv_free(&t->configs);
        bu_strv_free(&t->workloads); bu_strv_free(&t->profiles); bu_strv_free(&t->runs);
        bu_strv_free(&t->notes); bu_strv_free(&t->published);
    }
    for (unsigned i = 0; i < s->ntexts; i++) {
        free(s->texts[i].name);
        bu_strv_free(&s->texts[i].body);
    }
    free(s->workloads); free(s->configs); free(s->metrics); free(s->tables); free(s->texts);
    free(s->items);
    free(s->name); free(s->source); free(s->dir); free(s->text); free(s->description);
    free(s->title); free(s->ignore);
    bu_strv_free(&s->intro);
    bu_strv_free(&s->profiles);
    bu_strv_free(&s->plot_workloads);
    bu_strv_free(&s->plot_configs);
    free(s);
}

size_t bench_ref_parse(const char *line, const char *text, char *id, size_t idlen,
                       char *metric, size_t mlen)
{
    if (text[0] != '{' || (text > line && text[-1] == '$'))
        return 0;
    const char *sp = strchr(text + 1, ' '), *end = strchr(text + 1, '}');
    if (!sp || !end || sp > end || sp == text + 1 || end == sp + 1)
        return 0;
    size_t ni = (size_t)(sp - text - 1), nm = (size_t)(end - sp - 1);
    if (ni >= idlen || nm >= mlen || memchr(sp + 1, ' ', nm) || memchr(text + 1, '{', ni))
        return 0;
    memcpy(id, text + 1, ni);
    id[ni] = 0;
    memcpy(metric, sp + 1, nm);
    metric[nm] = 0;
    return (size_t)(end - text) + 1;
}

static int refs_check_lines(const struct bu_strv *lines, const char *what, const char *name,
                            const struct bench_suite *s,
                            int (*has_run)(void *ctx, const char *id), void *ctx, char *err,
                            size_t errlen)
{
    char id[256], metric[128];
    for (unsigned i = 0; i < lines->n; i++)
        for (const char *p = lines->v[i]; *p; p++) {
            size_t n = bench_ref_parse(lines->v[i], p, id, sizeof(id), metric, sizeof(metric));
            if (n && !has_run(ctx, id)) {
                snprintf(err, errlen, "%s: %s %s: no run '%s' for {%s %s} (tlbvisor bench "
                         "--list prints the ids)", s->source, what, name, id, id, metric);
                return -1;
            }
        }
    return 0;
}

int bench_refs_check(const struct bench_suite *s, int (*has_run)(void *ctx, const char *id),
                     void *ctx, char *err, size_t errlen)
{
    for (unsigned i = 0; i < s->ntables; i++)
        if (refs_check_lines(&s->tables[i].notes, "table", s->tables[i].name, s, has_run, ctx,
                             err, errlen))
            return -1;
    for (unsigned i = 0; i < s->ntexts; i++)
        if (refs_check_lines(&s->texts[i].body, "text", s->texts[i].name, s, has_run, ctx, err,
                             errlen))
            return -1;
    return 0;
}
