/* matrix.c - expanding a suite into runs (matrix.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

/* Expands ${build}, ${suite_dir}, ${mmu}, ${workload}, ${config} in t. Returns a malloc'd
 * string, or NULL with the reason in err. */
static char *expand(const char *t, const char *build, const char *suite_dir, const char *mmu,
                    const char *workload, const char *config, char *err, size_t errlen)
{
    size_t cap = strlen(t) + 256, n = 0;
    char *d = bu_alloc(cap);
    for (const char *p = t; *p;) {
        const char *val = NULL;
        size_t skip = 1;
        if (p[0] == '$' && p[1] == '{') {
            const char *e = strchr(p, '}');
            if (!e) {
                snprintf(err, errlen, "unterminated '${' in '%s'", t);
                free(d);
                return NULL;
            }
            size_t vl = (size_t)(e - p - 2);
            const char *v = p + 2;
#define VAR(nm, x) else if (vl == strlen(nm) && strncmp(v, nm, vl) == 0) val = (x);
            if (0) {}
            VAR("build", build) VAR("suite_dir", suite_dir) VAR("mmu", mmu)
            VAR("workload", workload) VAR("config", config)
#undef VAR
            else {
                snprintf(err, errlen, "unknown variable '${%.*s}' in '%s' (build, suite_dir, "
                         "mmu, workload, config)", (int)vl, v, t);
                free(d);
                return NULL;
            }
            if (!val || !*val) {
                snprintf(err, errlen, "'${%.*s}' has no value here (in '%s')", (int)vl, v, t);
                free(d);
                return NULL;
            }
            skip = (size_t)(e - p) + 1;
        }
        const char *src = val ? val : p;
        size_t len = val ? strlen(val) : 1;
        if (n + len + 1 > cap) {
            cap = (n + len + 1) * 2;
            d = bu_realloc(d, cap);
        }
        memcpy(d + n, src, len);
        n += len;
        p += skip;
    }
    d[n] = 0;
    return d;
}

static void set_opt(struct bench_run *r, const char *name, const char *value)
{
    for (unsigned i = 0; i < r->opt_names.n; i++)
        if (strcmp(r->opt_names.v[i], name) == 0) {
            free(r->opt_values.v[i]);
            r->opt_values.v[i] = bu_strdup(value);
            return;
        }
    bu_strv_push(&r->opt_names, name);
    bu_strv_push(&r->opt_values, value);
}

/* Builds the option part of argv from the run's options; on/off switches as present or
 * absent; variables in values expanded (a file: `initrd = ${build}/linux/initrd.gz`; ${mmu}
 * has no value yet). Returns 0, or -1 with the reason in err. */
static int option_argv(const struct bench_suite *s, const char *build, struct bench_run *r,
                       const struct bench_run_hooks *h, char *err, size_t errlen)
{
    bu_strv_push(&r->argv, "run");
    for (unsigned i = 0; i < r->opt_names.n; i++) {
        int flag = 0;
        char why[64];
        h->info(r->opt_names.v[i], &flag, why, sizeof(why));
        if (flag) {
            if (strcmp(r->opt_values.v[i], "on") == 0)
                bu_strv_take(&r->argv, bu_printf("--%s", r->opt_names.v[i]));
        } else {
            char bad[768];
            char *x = expand(r->opt_values.v[i], build, s->dir, NULL, r->w->name, r->c->name,
                             bad, sizeof(bad));
            if (!x) {
                snprintf(err, errlen, "%s: run %s: option '%s': %s", s->source, r->id,
                         r->opt_names.v[i], bad);
                return -1;
            }
            bu_strv_take(&r->argv, bu_printf("--%s", r->opt_names.v[i]));
            bu_strv_take(&r->argv, x);
        }
    }
    return 0;
}

static int has_opt(const struct bench_run *r, const char *name)
{
    for (unsigned i = 0; i < r->opt_names.n; i++)
        if (strcmp(r->opt_names.v[i], name) == 0)
            return 1;
    return 0;
}

/* A run of another program ([config] command): the template's words, each expanded, with
 * ${elf} and ${args} (one word each) besides the usual variables. */
static int make_external(const struct bench_suite *s, const char *build, struct bench_run *r,
                         char *err, size_t errlen)
{
    const struct bench_workload *w = r->w;
    char why[768];
    if (w->vm.n) {
        snprintf(err, errlen, "%s: [config %s] runs a command: not with [workload %s]'s 'vm' "
                 "lines", s->source, r->c->name, w->name);
        return -1;
    }
    char *elf = expand(w->elf, build, s->dir, "swtlb", w->name, r->c->name, why, sizeof(why));
    char *args = elf ? expand(w->args, build, s->dir, "swtlb", w->name, r->c->name, why,
                              sizeof(why)) : NULL;
    if (!elf || !args) {
        free(elf);
        snprintf(err, errlen, "%s: [workload %s]: %s", s->source, w->name, why);
        return -1;
    }
    struct bu_strv words = { 0 };
    bu_strv_split(&words, r->c->command);
    for (unsigned i = 0; i < words.n; i++) {
        char *x;
        if (strcmp(words.v[i], "${elf}") == 0)
            x = bu_strdup(elf);
        else if (strcmp(words.v[i], "${args}") == 0)
            x = bu_strdup(args);
        else
            x = expand(words.v[i], build, s->dir, "swtlb", w->name, r->c->name, why, sizeof(why));
        if (!x) {
            snprintf(err, errlen, "%s: [config %s]: %s (in a command, ${elf} and ${args} stand "
                     "alone as words)", s->source, r->c->name, why);
            bu_strv_free(&words);
            free(elf);
            free(args);
            return -1;
        }
        bu_strv_take(&r->argv, x);
    }
    bu_strv_free(&words);
    bu_strv_take(&r->images, elf);
    r->args = args;
    r->external = 1;
    r->facts.mmu = "";
    r->facts.vms = 1;
    return 0;
}

/* One run: its options, the check, its images and command. */
static int make_run(const struct bench_suite *s, const struct bench_run_hooks *h,
                    const char *build, struct bench_matrix *m, const struct bench_workload *w,
                    const struct bench_config *c, const unsigned *pick, const char *profile,
                    char *err, size_t errlen)
{
    struct bench_run *r = BU_PUSH(m->runs, m->n, m->cap);
    r->index = m->n - 1;
    r->w = w;
    r->c = c;
    r->profile = profile;
    r->baseline = -1;
    r->selected = 1;
    for (unsigned i = 0; i < w->nopt; i++)
        set_opt(r, w->opt[i].name, w->opt[i].values.v[0]);
    char variant[512] = "";
    size_t vn = 0;
    for (unsigned i = 0; i < c->nopt; i++) {
        const struct bench_option *o = &c->opt[i];
        set_opt(r, o->name, o->values.v[pick[i]]);
        if (o->values.n > 1)
            vn += (size_t)snprintf(variant + vn, sizeof(variant) - vn, "%s%s=%s",
                                   vn ? "," : "", o->name, o->values.v[pick[i]]);
        if (vn >= sizeof(variant)) {
            snprintf(err, errlen, "[config %s]: swept values too long", c->name);
            return -1;
        }
    }
    r->variant = bu_strdup(variant);
    /* The profile part of an id: a built-in name, or a file's name. */
    const char *pb = strrchr(profile, '/');
    r->id = bu_printf("%s/%s%s%s/%s", w->name, c->name, vn ? ":" : "", variant,
                      pb ? pb + 1 : profile);
    const char *clabel = c->label ? c->label : c->name;
    r->label = vn ? bu_printf("%s (%s)", clabel, variant) : bu_strdup(clabel);
    if (c->command)
        return make_external(s, build, r, err, errlen);
    if (option_argv(s, build, r, h, err, errlen) != 0)
        return -1;
    char why[768];
    if (h->check((int)r->argv.n, r->argv.v, &r->facts, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: run %s: %s", s->source, r->id, why);
        return -1;
    }
    if (r->facts.vmm && !has_opt(r, "quiet"))
        bu_strv_push(&r->argv, "--quiet");
    bu_strv_push(&r->argv, "--cost-profile");
    bu_strv_push(&r->argv, profile);
    const char *mmu = r->facts.mmu;
    char *x;
    if (w->vm.n) {
        for (unsigned i = 0; i < w->vm.n; i++) {
            x = expand(w->vm.v[i], build, s->dir, mmu, w->name, c->name, why, sizeof(why));
            if (!x) {
                snprintf(err, errlen, "%s: [workload %s]: %s", s->source, w->name, why);
                return -1;
            }
            bu_strv_push(&r->argv, "--vm");
            bu_strv_push(&r->argv, x);
            size_t el = strcspn(x, ", ");
            bu_strv_take(&r->images, bu_strndup(x, el));
            free(x);
        }
        r->facts.vms = w->vm.n;
        r->args = bu_strdup("");
    } else {
        x = expand(w->elf, build, s->dir, mmu, w->name, c->name, why, sizeof(why));
        char *a = x ? expand(w->args, build, s->dir, mmu, w->name, c->name, why, sizeof(why))
                    : NULL;
        if (!x || !a) {
            free(x);
            snprintf(err, errlen, "%s: [workload %s]: %s", s->source, w->name, why);
            return -1;
        }
        bu_strv_push(&r->argv, x);
        bu_strv_take(&r->images, x);
        if (a[0]) {
            bu_strv_push(&r->argv, "--");
            bu_strv_split(&r->argv, a);
        }
        r->args = a;
    }
    return 0;
}

static int has_run(void *ctx, const char *id)
{
    return bench_matrix_find(ctx, id) != NULL;
}

int bench_matrix_build(const struct bench_suite *s, const struct bench_run_hooks *h,
                       const char *build_dir, struct bench_matrix *m, char *err,
                       size_t errlen)
{
    memset(m, 0, sizeof(*m));
    for (unsigned wi = 0; wi < s->nworkloads; wi++) {
        const struct bench_workload *w = &s->workloads[wi];
        for (unsigned i = 0; i < w->nopt; i++)
            if (w->opt[i].values.n > 1) {
                snprintf(err, errlen, "%s: [workload %s]: '%s' has several values: sweep it in "
                         "a [config]", s->source, w->name, w->opt[i].name);
                return -1;
            }
        for (unsigned ci = 0; ci < s->nconfigs; ci++) {
            const struct bench_config *c = &s->configs[ci];
            if (!bu_glob_any(&c->workloads, w->name))
                continue;
            /* Odometer over the swept options, the last one fastest. */
            unsigned pick[64] = { 0 };
            if (c->nopt > 64) {
                snprintf(err, errlen, "%s: [config %s]: more than 64 options", s->source,
                         c->name);
                return -1;
            }
            for (;;) {
                for (unsigned pi = 0; pi < s->profiles.n; pi++)
                    if (make_run(s, h, build_dir, m, w, c, pick, s->profiles.v[pi], err,
                                 errlen) != 0)
                        return -1;
                int k = (int)c->nopt - 1;
                while (k >= 0 && ++pick[k] == c->opt[k].values.n)
                    pick[k--] = 0;
                if (k < 0)
                    break;
                if (m->n > 100000) {
                    snprintf(err, errlen, "%s: more than 100000 runs", s->source);
                    return -1;
                }
            }
        }
    }
    if (!m->n) {
        snprintf(err, errlen, "%s: no run (every [config] leaves every workload out)",
                 s->source);
        return -1;
    }
    /* Ids are names: two runs with one id (a file profile and a built-in one with the same
     * name) would be indistinguishable in results. */
    for (unsigned i = 0; i < m->n; i++)
        for (unsigned j = i + 1; j < m->n; j++)
            if (strcmp(m->runs[i].id, m->runs[j].id) == 0) {
                snprintf(err, errlen, "%s: two runs named %s", s->source, m->runs[i].id);
                return -1;
            }
    if (bench_refs_check(s, has_run, m, err, errlen) != 0)
        return -1;
    /* Native baselines: natively, a run is its own; under the VMM, the first native run of
     * the same workload and profile whose native options are the same. */
    for (unsigned i = 0; i < m->n; i++) {
        struct bench_run *r = &m->runs[i];
        if (r->w->vm.n || r->external)
            continue;
        if (!r->facts.vmm) {
            r->baseline = (int)i;
            continue;
        }
        for (unsigned j = 0; j < m->n; j++) {
            struct bench_run *b = &m->runs[j];
            if (!b->facts.vmm && !b->external && b->w == r->w &&
                strcmp(b->profile, r->profile) == 0 &&
                strcmp(b->facts.native_key, r->facts.native_key) == 0) {
                r->baseline = (int)j;
                break;
            }
        }
    }
    return 0;
}

unsigned bench_matrix_select(struct bench_matrix *m, const struct bu_strv *only)
{
    unsigned matched = 0;
    if (!only->n)
        return m->n;
    for (unsigned i = 0; i < m->n; i++) {
        m->runs[i].selected = bu_glob_any(only, m->runs[i].id);
        matched += m->runs[i].selected != 0;
    }
    for (unsigned i = 0; i < m->n; i++)
        if (m->runs[i].selected == 1 && m->runs[i].baseline >= 0 &&
            !m->runs[m->runs[i].baseline].selected)
            m->runs[m->runs[i].baseline].selected = 2;   /* pulled in as a baseline */
    return matched;
}

struct bench_run *bench_matrix_find(struct bench_matrix *m, const char *id)
{
    for (unsigned i = 0; i < m->n; i++)
        if (strcmp(m->runs[i].id, id) == 0)
            return &m->runs[i];
    return NULL;
}

void bench_matrix_free(struct bench_matrix *m)
{
    for (unsigned i = 0; i < m->n; i++) {
        struct bench_run *r = &m->runs[i];
        free(r->id); free(r->variant); free(r->label); free(r->args);
        bu_strv_free(&r->opt_names); bu_strv_free(&r->opt_values);
        bu_strv_free(&r->argv); bu_strv_free(&r->images);
    }
    free(m->runs);
    memset(m, 0, sizeof(*m));
}
