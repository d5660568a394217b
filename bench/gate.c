/* gate.c - the gate (gate.h). */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "metric.h"
#include "results.h"

enum kind { REGRESSION, IMPROVEMENT };

struct finding {
    char *run, *metric, *base, *cur, *change;
    enum kind kind;
};

struct findings {
    struct finding *f;
    unsigned n, cap;
};

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* What must be the same for two runs with one id to be comparable: not the images' paths
 * (a baseline made elsewhere), their names. */
static json_t *config_of(json_t *r)
{
    json_t *imgs = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "images"), i, v) {
        const char *p = json_string_value(v), *b = p ? strrchr(p, '/') : NULL;
        json_array_append_new(imgs, json_string(b ? b + 1 : p ? p : ""));
    }
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "workload", str(r, "workload"), "args",
                          str(r, "args"), "profile", str(r, "profile"), "mode", str(r, "mode"),
                          "images", imgs);
    json_object_set(o, "options", json_object_get(r, "options"));
    json_object_set(o, "cost", json_object_get(r, "cost"));
    return o;
}

static void fmt_value(json_t *v, char *buf, size_t len)
{
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.6g", json_real_value(v));
    else
        snprintf(buf, len, "–");
}

static void add(struct findings *fs, const char *run, const char *metric, json_t *b, json_t *c,
                enum kind k)
{
    struct finding *f = BU_PUSH(fs->f, fs->n, fs->cap);
    char x[64], y[64];
    fmt_value(b, x, sizeof(x));
    fmt_value(c, y, sizeof(y));
    f->run = bu_strdup(run);
    f->metric = bu_strdup(metric);
    f->base = bu_strdup(x);
    f->cur = bu_strdup(y);
    double bv = bench_num(b), cv = bench_num(c);
    if (!json_is_number(c))
        f->change = bu_strdup("gone");
    else if (!json_is_number(b))
        f->change = bu_strdup("new");
    else if (bv == 0)
        f->change = bu_strdup(cv == 0 ? "0%" : "from 0");
    else
        f->change = bu_printf("%+.2f%%", (cv - bv) / fabs(bv) * 100);
    f->kind = k;
}

static int host_seconds(const char *m)
{
    return strcmp(m, "host.seconds") == 0 || strncmp(m, "host.seconds.", 13) == 0 ||
           strcmp(m, "host.cpu_seconds") == 0;
}

static int callgrind_metric(const char *m)
{
    return strcmp(m, "host.insns_per_guest_insn") == 0 || strcmp(m, "host.callgrind_insns") == 0;
}

/* Compares one metric. Returns -1 regression, 1 improvement, 0 same or within tolerance. */
static int compare(const struct bench_gate_opts *o, const char *m, enum bench_better better,
                   json_t *b, json_t *c, int *within)
{
    *within = 0;
    int host = strncmp(m, "host.", 5) == 0;
    double tol = callgrind_metric(m) ? o->callgrind_tolerance_pct
               : host ? o->host_tolerance_pct : o->tolerance_pct;
    int sign;                              /* +1: current is worse, -1 better, 0 equal */
    if (json_is_integer(b) && json_is_integer(c)) {
        json_int_t x = json_integer_value(b), y = json_integer_value(c);
        sign = y == x ? 0 : (y > x) == (better == BENCH_LOWER) ? 1 : -1;
    } else {
        double x = bench_num(b), y = bench_num(c);
        sign = y == x ? 0 : (y > x) == (better == BENCH_LOWER) ? 1 : -1;
    }
    if (sign == 0)
        return 0;
    double x = bench_num(b), y = bench_num(c), rel = x != 0 ? fabs(y - x) / fabs(x) * 100 : INFINITY;
    if (rel <= tol || (host_seconds(m) && fabs(y - x) <= o->host_slack_s)) {
        *within = 1;
        return 0;
    }
    return sign > 0 ? -1 : 1;
}

/* The metrics the dashboards get, without --metric. */
static int dashboard_metric(const struct bench_suite *s, const char *m)
{
    static const char *const dflt[] = { "cycles", "ratio", "vmm_cycles", "traps",
                                        "host.seconds", "host.cpu_seconds",
                                        "host.insns_per_guest_insn", NULL };
    for (const char *const *d = dflt; *d; d++)
        if (strcmp(*d, m) == 0)
            return 1;
    for (unsigned i = 0; s && i < s->nmetrics; i++)
        if (strcmp(s->metrics[i].name, m) == 0)
            return 1;
    return 0;
}

static const char *unit_of(const char *m)
{
    if (strcmp(m, "ratio") == 0)
        return "x native";
    if (host_seconds(m))
        return "s";
    if (strcmp(m, "host.insns_per_guest_insn") == 0)
        return "host insns/guest insn";
    if (strcmp(m, "host.mips") == 0)
        return "MIPS";
    if (strcmp(m, "vmm_share") == 0)
        return "fraction of cycles";
    if (strstr(m, "cycles"))
        return "cycles";
    if (strcmp(m, "traps") == 0)
        return "traps";
    return "count";
}

static void md_table(FILE *md, struct findings *fs, enum kind k, unsigned limit)
{
    unsigned shown = 0, total = 0;
    for (unsigned i = 0; i < fs->n; i++)
        total += fs->f[i].kind == k;
    if (!total)
        return;
    fprintf(md, "\n### %s %u %s%s\n\n", k == REGRESSION ? "❌" : "✅", total,
            k == REGRESSION ? "regression" : "improvement", total == 1 ? "" : "s");
    if (total > limit)
        fprintf(md, "(the first %u)\n\n", limit);
    fputs("| run | metric | baseline | current | change |\n|---|---|---:|---:|---:|\n", md);
    for (unsigned i = 0; i < fs->n && shown < limit; i++)
        if (fs->f[i].kind == k) {
            fprintf(md, "| `%s` | `%s` | %s | %s | %s |\n", fs->f[i].run, fs->f[i].metric,
                    fs->f[i].base, fs->f[i].cur, fs->f[i].change);
            shown++;
        }
}

void bench_gate(json_t *baseline, json_t *current, const struct bench_suite *s,
                const struct bench_gate_opts *o, FILE *md, json_t **gab, json_t **bmf,
                struct bench_gate_result *res)
{
    memset(res, 0, sizeof(*res));
    struct findings fs = { 0 };
    struct bu_strv missing = { 0 }, failed = { 0 }, added = { 0 };
    json_t *bruns = json_object_get(baseline, "runs"), *cruns = json_object_get(current, "runs");
    if (gab)
        *gab = json_array();
    if (bmf)
        *bmf = json_object();
    size_t i, j;
    json_t *b, *c;
    /* Every baseline run ended as expected, and runs with one id are the same run. */
    json_array_foreach(bruns, i, b) {
        if (strcmp(str(b, "status"), "ok") != 0) {
            res->status = 2;
            snprintf(res->reason, sizeof(res->reason), "the baseline's run %s did not end as "
                     "expected (%s): not a baseline", str(b, "id"), str(b, "status"));
            goto out;
        }
        json_t *hit = NULL;
        json_array_foreach(cruns, j, c)
            if (strcmp(str(c, "id"), str(b, "id")) == 0)
                hit = c;
        if (!hit)
            continue;
        json_t *x = config_of(b), *y = config_of(hit);
        int same = json_equal(x, y);
        json_decref(x);
        json_decref(y);
        if (!same) {
            res->status = 2;
            snprintf(res->reason, sizeof(res->reason), "mismatched files: run %s is configured "
                     "differently in the baseline and the current results (workload, boot "
                     "arguments, options or cost constants)", str(b, "id"));
            goto out;
        }
    }
    /* Compare. */
    json_array_foreach(bruns, i, b) {
        json_t *hit = NULL;
        json_array_foreach(cruns, j, c)
            if (strcmp(str(c, "id"), str(b, "id")) == 0)
                hit = c;
        if (!hit) {
            bu_strv_push(&missing, str(b, "id"));
            continue;
        }
        res->runs++;
        if (strcmp(str(hit, "status"), "ok") != 0) {
            bu_strv_take(&failed, bu_printf("%s: %s: %s", str(hit, "id"), str(hit, "status"),
                                            str(hit, "reason")));
            continue;
        }
        struct bu_strv names = { 0 };
        bench_run_metric_names(b, &names);
        for (unsigned k = 0; k < names.n; k++) {
            const char *m = names.v[k];
            if (!bu_glob_any(&o->metrics, m))
                continue;
            json_t *bv = bench_run_value(b, m), *cv = bench_run_value(hit, m);
            if (!json_is_number(bv))
                continue;
            res->metrics++;
            const char *label;
            enum bench_format fmt;
            enum bench_better better;
            bench_metric_info(s, m, &label, &fmt, &better);
            if (!json_is_number(cv)) {
                add(&fs, str(b, "id"), m, bv, cv, REGRESSION);
                res->regressions++;
                continue;
            }
            int within, r = compare(o, m, better, bv, cv, &within);
            res->within += within;
            if (r < 0) {
                add(&fs, str(b, "id"), m, bv, cv, REGRESSION);
                res->regressions++;
            } else if (r > 0) {
                add(&fs, str(b, "id"), m, bv, cv, IMPROVEMENT);
                res->improvements++;
            }
        }
        bu_strv_free(&names);
    }
    json_array_foreach(cruns, j, c) {
        int found = 0;
        json_array_foreach(bruns, i, b)
            found |= strcmp(str(c, "id"), str(b, "id")) == 0;
        if (!found)
            bu_strv_push(&added, str(c, "id"));
    }
    res->missing_runs = missing.n;
    res->new_runs = added.n;
    if (!res->runs) {
        res->status = 2;
        snprintf(res->reason, sizeof(res->reason), "mismatched files: no run of the baseline is "
                 "in the current results");
        goto out;
    }
    if (fs.n && res->regressions) {
        for (unsigned k = 0; k < fs.n; k++)
            if (fs.f[k].kind == REGRESSION) {
                char more[48] = "";
                if (res->regressions > 1)
                    snprintf(more, sizeof(more), " (and %u more)", res->regressions - 1);
                snprintf(res->reason, sizeof(res->reason), "regression: run %s, metric %s: %s -> "
                         "%s (%s)%s", fs.f[k].run, fs.f[k].metric, fs.f[k].base, fs.f[k].cur,
                         fs.f[k].change, more);
                break;
            }
        res->status = 1;
    }
    if (failed.n) {
        if (!res->status)
            snprintf(res->reason, sizeof(res->reason), "regression: run %s%s", failed.v[0],
                     failed.n > 1 ? " (and more runs that failed)" : "");
        res->status = 1;
    }
    if (missing.n) {
        if (!res->status)
            snprintf(res->reason, sizeof(res->reason), "regression: run %s of the baseline is "
                     "missing from the current results%s", missing.v[0],
                     missing.n > 1 ? " (and more)" : "");
        res->status = 1;
    }
    /* The dashboards: the current values. */
    json_array_foreach(cruns, j, c) {
        if (strcmp(str(c, "status"), "ok") != 0)
            continue;
        struct bu_strv names = { 0 };
        bench_run_metric_names(c, &names);
        for (unsigned k = 0; k < names.n; k++) {
            const char *m = names.v[k];
            if (o->metrics.n ? !bu_glob_any(&o->metrics, m) : !dashboard_metric(s, m))
                continue;
            json_t *v = bench_run_value(c, m);
            if (!json_is_number(v))
                continue;
            const char *label;
            enum bench_format fmt;
            enum bench_better better;
            bench_metric_info(s, m, &label, &fmt, &better);
            if (gab && better == BENCH_LOWER) {
                char *name = bu_printf("%s %s", str(c, "id"), m);
                json_t *e = json_pack("{s:s,s:s,s:f}", "name", name, "unit", unit_of(m),
                                      "value", bench_num(v));
                free(name);
                if (strcmp(m, "host.seconds") == 0) {
                    json_t *sp = json_object_get(json_object_get(c, "host"), "seconds");
                    double lo = bench_num(json_object_get(sp, "min")),
                           hi = bench_num(json_object_get(sp, "max"));
                    char *rg = bu_printf("± %.6g", (hi - lo) / 2);
                    json_object_set_new(e, "range", json_string(rg));
                    free(rg);
                    json_object_set_new(e, "extra", json_pack("s", "median of --repeat"));
                }
                json_array_append_new(*gab, e);
            }
            if (bmf) {
                json_t *bench = json_object_get(*bmf, str(c, "id"));
                if (!bench) {
                    bench = json_object();
                    json_object_set_new(*bmf, str(c, "id"), bench);
                }
                json_t *mv = json_pack("{s:f}", "value", bench_num(v));
                if (strcmp(m, "host.seconds") == 0 || strcmp(m, "host.cpu_seconds") == 0) {
                    json_t *sp = json_object_get(json_object_get(c, "host"),
                                                 m[5] == 's' ? "seconds" : "cpu_seconds");
                    json_object_set_new(mv, "lower_value",
                                        json_real(bench_num(json_object_get(sp, "min"))));
                    json_object_set_new(mv, "upper_value",
                                        json_real(bench_num(json_object_get(sp, "max"))));
                }
                json_object_set_new(bench, m, mv);
            }
        }
        bu_strv_free(&names);
    }
out:
    if (md) {
        json_t *bt = json_object_get(baseline, "tool"), *ct = json_object_get(current, "tool");
        fprintf(md, "## tlbvisor gate: %s\n\n", res->status == 0 ? "✅ pass"
                : res->status == 1 ? "❌ regression" : "⚠️ cannot compare");
        fprintf(md, "Baseline `%s` (suite %s, tlbvisor %s) against current `%s` (suite %s, "
                "tlbvisor %s).\n\n", o->baseline_name, str(json_object_get(baseline, "suite"), "name"),
                str(bt, "git_revision"), o->current_name,
                str(json_object_get(current, "suite"), "name"), str(ct, "git_revision"));
        if (res->status == 2) {
            fprintf(md, "%s\n", res->reason);
        } else {
            fprintf(md, "%u runs compared, %u metric values: **%u regressions**, %u "
                    "improvements, %u changes within tolerance; %u runs missing, %u new. "
                    "Tolerances: modelled %.4g%%, host seconds %.4g%% (and %.3g s), callgrind "
                    "%.4g%%.\n", res->runs, res->metrics, res->regressions, res->improvements,
                    res->within, res->missing_runs, res->new_runs, o->tolerance_pct,
                    o->host_tolerance_pct, o->host_slack_s, o->callgrind_tolerance_pct);
            if (failed.n) {
                fputs("\n### ❌ Runs that did not end as expected\n\n", md);
                for (unsigned k = 0; k < failed.n; k++)
                    fprintf(md, "- `%s`\n", failed.v[k]);
            }
            if (missing.n) {
                fputs("\n### ❌ Runs of the baseline missing from the current results\n\n", md);
                for (unsigned k = 0; k < missing.n; k++)
                    fprintf(md, "- `%s`\n", missing.v[k]);
            }
            md_table(md, &fs, REGRESSION, 50);
            md_table(md, &fs, IMPROVEMENT, 30);
            if (added.n) {
                fputs("\n### New runs (not in the baseline)\n\n", md);
                for (unsigned k = 0; k < added.n; k++)
                    fprintf(md, "- `%s`\n", added.v[k]);
            }
        }
    }
    for (unsigned k = 0; k < fs.n; k++) {
        free(fs.f[k].run); free(fs.f[k].metric); free(fs.f[k].base); free(fs.f[k].cur);
        free(fs.f[k].change);
    }
    free(fs.f);
    bu_strv_free(&missing);
    bu_strv_free(&failed);
    bu_strv_free(&added);
}
