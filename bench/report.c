/* report.c - report.md (report.h). Markdown tables: numbers right-aligned, "–" where a
 * metric does not apply, failed runs marked in red (an HTML span, which Markdown viewers
 * that allow it color, and a red circle, which every viewer shows). */
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "report.h"
#include "results.h"

#define RED_MARK "🔴"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int ok(json_t *run)
{
    return strcmp(str(run, "status"), "ok") == 0;
}

static int selected(const struct bench_table *t, json_t *r)
{
    return bu_glob_any(&t->configs, str(r, "config")) &&
           bu_glob_any(&t->workloads, str(r, "workload")) &&
           bu_glob_any(&t->profiles, str(r, "profile")) && bu_glob_any(&t->runs, str(r, "id"));
}

/* Markdown-safe: a '|' would end the cell. */
static void cell(FILE *f, const char *s)
{
    fputs(" ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
    fputs(" |", f);
}

static const char *published(const struct bench_table *t, const char *key)
{
    for (unsigned i = 0; i < t->published.n; i++) {
        const char *eq = strstr(t->published.v[i], " = ");
        char *pat = bu_strndup(t->published.v[i], (size_t)(eq - t->published.v[i]));
        int m = fnmatch(pat, key, 0) == 0;
        free(pat);
        if (m)
            return eq + 3;
    }
    return NULL;
}

static void value_cell(FILE *f, const struct bench_suite *s, json_t *r, const char *metric)
{
    const char *label;
    enum bench_format fmt;
    enum bench_better better;
    char buf[64];
    bench_metric_info(s, metric, &label, &fmt, &better);
    bench_metric_format(bench_run_value(r, metric), fmt, buf, sizeof(buf));
    cell(f, buf);
}

/* Writes a line of a note or a text with its references {RUN-ID METRIC} replaced by the
 * metric's value in that run ("–" where it has none, or the run was not run). */
static void prose_line(FILE *f, const struct bench_suite *s, json_t *runs, const char *line)
{
    char id[256], metric[128];
    for (const char *p = line; *p;) {
        size_t n = bench_ref_parse(line, p, id, sizeof(id), metric, sizeof(metric));
        if (!n) {
            fputc(*p++, f);
            continue;
        }
        json_t *r = NULL, *v = NULL;
        size_t i;
        json_array_foreach(runs, i, r)
            if (strcmp(str(r, "id"), id) == 0 && ok(r)) {
                v = bench_run_value(r, metric);
                break;
            }
        const char *label;
        enum bench_format fmt;
        enum bench_better better;
        char buf[64];
        bench_metric_info(s, metric, &label, &fmt, &better);
        bench_metric_format(v, fmt, buf, sizeof(buf));
        fputs(buf, f);
        p += n;
    }
    fputc('\n', f);
}

static void list_table(FILE *f, const struct bench_suite *s, const struct bench_table *t,
                       json_t *runs)
{
    static struct bu_strv dflt_rows;
    if (!dflt_rows.n) {
        bu_strv_push(&dflt_rows, "workload");
        bu_strv_push(&dflt_rows, "config");
    }
    const struct bu_strv *rows = t->rows.n ? &t->rows : &dflt_rows;
    int any_failed = 0;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
        if (selected(t, r) && !ok(r))
            any_failed = 1;
    fputs("|", f);
    for (unsigned k = 0; k < rows->n; k++)
        cell(f, strcmp(rows->v[k], "config") == 0 ? "run" : rows->v[k]);
    for (unsigned k = 0; k < t->columns.n; k++) {
        const char *label;
        enum bench_format fmt;
        enum bench_better better;
        bench_metric_info(s, t->columns.v[k], &label, &fmt, &better);
        cell(f, label);
    }
    if (t->published.n)
        cell(f, t->published_label ? t->published_label : "published");
    if (any_failed && !bu_glob_any(rows, "status"))
        cell(f, "status");
    fputs("\n|", f);
    for (unsigned k = 0; k < rows->n; k++)
        fputs("---|", f);
    for (unsigned k = 0; k < t->columns.n; k++)
        fputs("---:|", f);
    if (t->published.n)
        fputs("---|", f);
    if (any_failed && !bu_glob_any(rows, "status"))
        fputs("---|", f);
    fputs("\n", f);
    json_array_foreach(runs, i, r) {
        if (!selected(t, r))
            continue;
        fputs("|", f);
        for (unsigned k = 0; k < rows->n; k++) {
            const char *w = rows->v[k];
            if (strcmp(w, "workload") == 0)
                cell(f, str(r, "workload_label"));
            else if (strcmp(w, "config") == 0 || strcmp(w, "label") == 0)
                cell(f, str(r, "label"));
            else if (strcmp(w, "run") == 0)
                cell(f, str(r, "id"));
            else if (strcmp(w, "output") == 0) {
                char *c = bu_printf("`%s`", str(json_object_get(r, "output"), "last_line"));
                cell(f, c);
                free(c);
            }
            else if (strcmp(w, "status") == 0) {
                char *c = ok(r) ? bu_strdup("ok") : bu_printf(RED_MARK " <span style=\"color:red\">"
                                                             "%s</span>", str(r, "status"));
                cell(f, c);
                free(c);
            } else
                cell(f, str(r, w));
        }
        for (unsigned k = 0; k < t->columns.n; k++)
            value_cell(f, s, r, t->columns.v[k]);
        if (t->published.n) {
            const char *p = published(t, str(r, "id"));
            cell(f, p ? p : "");
        }
        if (any_failed && !bu_glob_any(rows, "status")) {
            char *c = ok(r) ? bu_strdup("ok") : bu_printf(RED_MARK " <span style=\"color:red\">"
                                                         "%s</span>", str(r, "status"));
            cell(f, c);
            free(c);
        }
        fputs("\n", f);
    }
}

/* Workloads down, configurations (labels; with the profile when several are shown)
 * across, one metric in the cells. */
static void pivot_table(FILE *f, const struct bench_suite *s, const struct bench_table *t,
                        json_t *runs)
{
    struct bu_strv cols = { 0 }, wls = { 0 }, wlabels = { 0 };
    struct bu_strv profs = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        if (!selected(t, r))
            continue;
        int seen = 0;
        for (unsigned k = 0; k < profs.n; k++)
            seen |= strcmp(profs.v[k], str(r, "profile")) == 0;
        if (!seen)
            bu_strv_push(&profs, str(r, "profile"));
    }
    json_array_foreach(runs, i, r) {
        if (!selected(t, r))
            continue;
        char *c = profs.n > 1 ? bu_printf("%s, %s", str(r, "label"), str(r, "profile"))
                              : bu_strdup(str(r, "label"));
        int seen = 0;
        for (unsigned k = 0; k < cols.n; k++)
            seen |= strcmp(cols.v[k], c) == 0;
        if (!seen)
            bu_strv_take(&cols, c);
        else
            free(c);
        seen = 0;
        for (unsigned k = 0; k < wls.n; k++)
            seen |= strcmp(wls.v[k], str(r, "workload")) == 0;
        if (!seen) {
            bu_strv_push(&wls, str(r, "workload"));
            bu_strv_push(&wlabels, str(r, "workload_label"));
        }
    }
    fputs("|", f);
    cell(f, "workload");
    for (unsigned k = 0; k < cols.n; k++)
        cell(f, cols.v[k]);
    if (t->published.n)
        cell(f, t->published_label ? t->published_label : "published");
    fputs("\n|---|", f);
    for (unsigned k = 0; k < cols.n; k++)
        fputs("---:|", f);
    if (t->published.n)
        fputs("---|", f);
    fputs("\n", f);
    for (unsigned w = 0; w < wls.n; w++) {
        fputs("|", f);
        cell(f, wlabels.v[w]);
        for (unsigned k = 0; k < cols.n; k++) {
            json_t *hit = NULL;
            json_array_foreach(runs, i, r) {
                if (!selected(t, r) || strcmp(str(r, "workload"), wls.v[w]) != 0)
                    continue;
                char *c = profs.n > 1 ? bu_printf("%s, %s", str(r, "label"), str(r, "profile"))
                                      : bu_strdup(str(r, "label"));
                if (strcmp(c, cols.v[k]) == 0 && !hit)
                    hit = r;
                free(c);
            }
            if (!hit) {
                cell(f, "");
            } else if (!ok(hit)) {
                char *c = bu_printf(RED_MARK " <span style=\"color:red\">%s</span>",
                                    str(hit, "status"));
                cell(f, c);
                free(c);
            } else {
                value_cell(f, s, hit, t->columns.v[0]);
            }
        }
        if (t->published.n) {
            const char *p = published(t, wls.v[w]);
            cell(f, p ? p : "");
        }
        fputs("\n", f);
    }
    bu_strv_free(&cols);
    bu_strv_free(&wls);
    bu_strv_free(&wlabels);
    bu_strv_free(&profs);
}

/* The table a suite without [table] sections gets: every run, the headline metrics. */
static void default_table(FILE *f, const struct bench_suite *s, json_t *runs)
{
    struct bench_table t = { 0 };
    bu_strv_push(&t.rows, "workload");
    bu_strv_push(&t.rows, "config");
    bu_strv_push(&t.rows, "profile");
    bu_strv_split(&t.columns, s->report_host ? "cycles ratio traps vmm_share host.seconds"
                                             : "cycles ratio traps vmm_share");
    list_table(f, s, &t, runs);
    bu_strv_free(&t.rows);
    bu_strv_free(&t.columns);
}

static int has_plot(const char *out_dir, const char *name)
{
    char *p = bu_printf("%s/plots/%s.png", out_dir, name);
    int r = access(p, R_OK) == 0;
    free(p);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int bench_report_write(json_t *doc, const struct bench_suite *s, const char *out_dir,
                       const char *path)
{
    char *tmp;
    FILE *f = bu_open_replace(path, &tmp);
    if (!f)
        return -1;
    json_t *runs = json_object_get(doc, "runs");
    fprintf(f, "# %s\n\n", s->title ? s->title : s->name);
    fprintf(f, "<!-- generated by tlbvisor bench (suite %s): edit the suite, not this file -->\n\n",
            s->source);
    if (s->description && !s->intro.n)
        fprintf(f, "%s\n\n", s->description);
    for (unsigned i = 0; i < s->intro.n; i++)
        fprintf(f, "%s\n", s->intro.v[i]);
    if (s->intro.n)
        fputs("\n", f);
    json_t *sum = json_object_get(doc, "summary");
    if (s->report_host) {
        json_t *h = json_object_get(doc, "host"), *tool = json_object_get(doc, "tool");
        fprintf(f, "Made by tlbvisor %s (%s) on %s (%s, %lld CPUs, %s %s), %s.\n\n",
                str(tool, "version"), str(tool, "git_revision"), str(h, "hostname"),
                str(h, "cpu"), (long long)json_integer_value(json_object_get(h, "cpus")),
                str(h, "os"), str(h, "release"), str(doc, "created"));
    }
    long long nfail = (long long)json_integer_value(json_object_get(sum, "failed"));
    fprintf(f, "%lld runs, %lld as expected", (long long)json_integer_value(json_object_get(sum, "runs")),
            (long long)json_integer_value(json_object_get(sum, "ok")));
    if (nfail)
        fprintf(f, ", " RED_MARK " <span style=\"color:red\">**%lld failed**</span>", nfail);
    fputs(".\n\n", f);
    if (nfail) {
        fputs("## " RED_MARK " Failed runs\n\n", f);
        size_t i;
        json_t *r;
        json_array_foreach(runs, i, r)
            if (!ok(r))
                fprintf(f, "- <span style=\"color:red\">`%s`: **%s**</span>: %s\n", str(r, "id"),
                        str(r, "status"), str(r, "reason"));
        fputs("\n", f);
    }
    for (unsigned i = 0; i < s->nitems; i++) {
        const struct bench_item *it = &s->items[i];
        if (it->kind == BENCH_ITEM_TEXT) {
            const struct bench_text *t = &s->texts[it->index];
            for (unsigned k = 0; k < t->body.n; k++)
                prose_line(f, s, runs, t->body.v[k]);
            fputs("\n", f);
            continue;
        }
        const struct bench_table *t = &s->tables[it->index];
        if (t->title)
            fprintf(f, "## %s\n\n", t->title);
        if (t->pivot)
            pivot_table(f, s, t, runs);
        else
            list_table(f, s, t, runs);
        fputs("\n", f);
        for (unsigned k = 0; k < t->notes.n; k++)
            prose_line(f, s, runs, t->notes.v[k]);
        if (t->notes.n)
            fputs("\n", f);
    }
    if (!s->ntables) {
        fputs("## Runs\n\n", f);
        default_table(f, s, runs);
        fputs("\n", f);
    }
    /* The plots that were made, in name order. */
    char *pd = bu_printf("%s/plots", out_dir);
    DIR *d = opendir(pd);
    struct bu_strv names = { 0 };
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".png") == 0)
            bu_strv_take(&names, bu_strndup(de->d_name, l - 4));
    }
    if (d)
        closedir(d);
    free(pd);
    if (names.n)
        qsort(names.v, names.n, sizeof(char *), cmp_str);
    if (names.n) {
        fputs("## Plots\n\n", f);
        for (unsigned i = 0; i < names.n; i++)
            if (has_plot(out_dir, names.v[i]))
                fprintf(f, "![%s](plots/%s.png)\n\n", names.v[i], names.v[i]);
    }
    bu_strv_free(&names);
    fputs("Every counter of every run is in `results.json` (its schema: "
          "docs/results-schema.md) and, one row per run and metric, in `results.csv`.\n", f);
    return bu_close_replace(f, tmp, path);
}
