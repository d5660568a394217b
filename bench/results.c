/* results.c - results documents: reading, writing, merging, the analysis across runs, CSV
 * (results.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/file.h"
#include "metric.h"
#include "plot.h"
#include "report.h"
#include "results.h"

json_t *bench_host_json(void)
{
    struct utsname u;
    char hn[256] = "", model[256] = "";
    gethostname(hn, sizeof(hn) - 1);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "model name", 10) == 0) {
            const char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ')
                    c++;
                snprintf(model, sizeof(model), "%.*s", (int)strcspn(c, "\n"), c);
            }
            break;
        }
    if (f)
        fclose(f);
    for (char *p = model; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    for (char *p = hn; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    uname(&u);
    return json_pack("{s:s,s:s,s:s,s:s,s:i}", "hostname", hn,
                     "os", u.sysname, "release", u.release, "cpu", model,
                     "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN));
}

json_t *bench_doc_new(const struct bench_suite *s, json_t *tool)
{
    char now[64];
    bu_utc_now(now, sizeof(now));
    json_t *doc = json_object();
    json_object_set_new(doc, "schema_version", json_integer(BENCH_SCHEMA_VERSION));
    json_object_set(doc, "tool", tool);
    json_object_set_new(doc, "suite", json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", s->name,
                                                "source", s->source, "checksum", s->checksum,
                                                "description",
                                                s->description ? s->description : "",
                                                "text", s->text));
    json_object_set_new(doc, "created", json_string(now));
    json_object_set_new(doc, "host", bench_host_json());
    json_object_set_new(doc, "command", json_array());
    json_object_set_new(doc, "runs", json_array());
    return doc;
}

void bench_doc_set_command(json_t *doc, int argc, char **argv)
{
    json_t *a = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(a, json_stringn(argv[i], strlen(argv[i])) ?: json_string("?"));
    json_object_set_new(doc, "command", a);
}

int bench_doc_write(json_t *doc, const char *path)
{
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = strlen(text);
    text = bu_realloc(text, n + 2);
    text[n] = '\n';
    int rc = bu_write_file(path, text, n + 1);
    free(text);
    return rc;
}

json_t *bench_doc_read(const char *path, const char *what, char *err, size_t errlen)
{
    uint8_t *text;
    size_t len;
    char why[512];
    if (file_read_all(path, what, BENCH_RESULTS_MAX_BYTES, NULL, 0, &text, &len, why,
                      sizeof(why)) != 0) {
        char m[1024];
        file_msg(m, sizeof(m), path, why);
        snprintf(err, errlen, "%s %s", what, m);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    const char *bad = NULL;
    char buf[256];
    if (!doc) {
        snprintf(buf, sizeof(buf), "not valid JSON: %s (line %d, column %d)", je.text, je.line,
                 je.column);
        bad = buf;
    } else if (!json_is_object(doc) || !json_is_integer(json_object_get(doc, "schema_version"))) {
        bad = "not a tlbvisor results file (no schema_version)";
    } else if (json_integer_value(json_object_get(doc, "schema_version")) != BENCH_SCHEMA_VERSION) {
        snprintf(buf, sizeof(buf), "unknown schema_version %lld (this tlbvisor reads %d)",
                 (long long)json_integer_value(json_object_get(doc, "schema_version")),
                 BENCH_SCHEMA_VERSION);
        bad = buf;
    } else if (!json_is_array(json_object_get(doc, "runs")) ||
               !json_is_object(json_object_get(doc, "suite")) ||
               !json_is_string(json_object_get(json_object_get(doc, "suite"), "text"))) {
        bad = "not a tlbvisor results file (no runs or suite)";
    } else {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(doc, "runs"), i, r) {
            if (!json_is_object(r) || !json_is_string(json_object_get(r, "id")) ||
                !json_is_integer(json_object_get(r, "index")) ||
                !json_is_string(json_object_get(r, "status")) ||
                !json_is_string(json_object_get(r, "workload")) ||
                !json_is_string(json_object_get(r, "profile")) ||
                !json_is_string(json_object_get(r, "mode")) ||
                !json_is_string(json_object_get(r, "native_key")) ||
                !(json_is_object(json_object_get(r, "counters")) ||
                  json_is_null(json_object_get(r, "counters")))) {
                snprintf(buf, sizeof(buf), "run %zu is incomplete (id, index, status, workload, "
                         "profile, mode, native_key, counters)", i);
                bad = buf;
                break;
            }
        }
    }
    if (bad) {
        char m[1024];
        file_msg(m, sizeof(m), path, bad);
        snprintf(err, errlen, "%s %s", what, m);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- analysis ---- */

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int ok(json_t *run)
{
    return strcmp(str(run, "status"), "ok") == 0;
}

/* Each run's native baseline (its id, or null). */
static void find_baselines(json_t *runs)
{
    size_t n = json_array_size(runs);
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(runs, i), *base = NULL;
        if (strcmp(str(r, "mode"), "native") == 0) {
            base = r;
        } else {
            for (size_t j = 0; j < n && !base; j++) {
                json_t *b = json_array_get(runs, j);
                if (strcmp(str(b, "mode"), "native") == 0 &&
                    strcmp(str(b, "workload"), str(r, "workload")) == 0 &&
                    strcmp(str(b, "profile"), str(r, "profile")) == 0 &&
                    strcmp(str(b, "native_key"), str(r, "native_key")) == 0)
                    base = b;
            }
        }
        json_object_set_new(r, "baseline", base ? json_string(str(base, "id")) : json_null());
    }
}

void bench_compute_metrics(json_t *doc, const struct bench_suite *s)
{
    json_t *runs = json_object_get(doc, "runs");
    size_t n = json_array_size(runs);
    find_baselines(runs);
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(runs, i), *bc = NULL;
        const char *bid = json_string_value(json_object_get(r, "baseline"));
        for (size_t j = 0; bid && j < n; j++) {
            json_t *b = json_array_get(runs, j);
            if (strcmp(str(b, "id"), bid) == 0 && ok(b))
                bc = json_object_get(json_object_get(b, "counters"), "cpu.cycles");
        }
        bench_metrics_compute(r, bc);
    }
    bench_suite_metrics_compute(s, runs);
}

void bench_analyze(json_t *doc, const struct bench_suite *s)
{
    json_t *runs = json_object_get(doc, "runs");
    size_t n = json_array_size(runs);
    find_baselines(runs);
    /* Transparency: every run of a workload that ended as expected printed what the first
     * one did (per VM; a run of several copies of one guest: each VM what a one-VM run
     * printed). */
    for (size_t i = 0; i < n; i++) {
        json_t *ref = json_array_get(runs, i);
        if (!ok(ref))
            continue;
        int first = 1;
        for (size_t j = 0; j < i && first; j++) {
            json_t *b = json_array_get(runs, j);
            if (ok(b) && strcmp(str(b, "workload"), str(ref, "workload")) == 0)
                first = 0;
        }
        if (!first)
            continue;
        json_t *rc = json_object_get(json_object_get(ref, "output"), "checksums");
        for (size_t j = i + 1; j < n; j++) {
            json_t *r = json_array_get(runs, j);
            if (!ok(r) || strcmp(str(r, "workload"), str(ref, "workload")) != 0)
                continue;
            json_t *cs = json_object_get(json_object_get(r, "output"), "checksums");
            size_t nr = json_array_size(rc);
            for (size_t k = 0; nr && k < json_array_size(cs); k++) {
                const char *want = json_string_value(json_array_get(rc, k < nr ? k : nr - 1));
                const char *got = json_string_value(json_array_get(cs, k));
                if (want && got && strcmp(want, got) != 0) {
                    char *why = bu_printf("guest output of vm%zu differs from %s (last line "
                                          "'%s', there '%s')", k + 1, str(ref, "id"),
                                          str(json_object_get(r, "output"), "last_line"),
                                          str(json_object_get(ref, "output"), "last_line"));
                    json_object_set_new(r, "status", json_string("mismatch"));
                    json_object_set_new(r, "reason", json_string(why));
                    free(why);
                    break;
                }
            }
        }
    }
    bench_compute_metrics(doc, s);
    /* Summary. */
    json_t *by = json_object();
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(runs, i);
        const char *st = str(r, "status");
        json_t *c = json_object_get(by, st);
        json_object_set_new(by, st, json_integer(c ? json_integer_value(c) + 1 : 1));
        good += ok(r);
    }
    json_object_set_new(doc, "summary", json_pack("{s:I,s:I,s:I,s:o}", "runs", (json_int_t)n,
                                                  "ok", (json_int_t)good, "failed",
                                                  (json_int_t)(n - good), "status", by));
}

static int cmp_index(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "index"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "index"));
    return x < y ? -1 : x > y;
}

json_t *bench_merge(json_t *const *docs, size_t n, const struct bench_run_hooks *h,
                    struct bench_suite **suite, char *err, size_t errlen)
{
    *suite = NULL;
    if (!n) {
        snprintf(err, errlen, "nothing to merge");
        return NULL;
    }
    json_t *s0 = json_object_get(docs[0], "suite"), *t0 = json_object_get(docs[0], "tool");
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *si = json_object_get(docs[i], "suite");
        if (strcmp(str(si, "checksum"), str(s0, "checksum")) != 0) {
            snprintf(err, errlen, "runs of different suites (%s %s, %s %s): merge the runs of "
                     "one suite at a time", str(s0, "name"), str(s0, "checksum"),
                     str(si, "name"), str(si, "checksum"));
            return NULL;
        }
        if (!json_equal(json_object_get(docs[i], "tool"), t0)) {
            snprintf(err, errlen, "runs made by different tlbvisor builds (%s, %s)",
                     str(t0, "git_revision"),
                     str(json_object_get(docs[i], "tool"), "git_revision"));
            return NULL;
        }
        total += json_array_size(json_object_get(docs[i], "runs"));
    }
    json_t **all = bu_alloc(sizeof(json_t *) * (total + 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j;
        json_t *r;
        json_array_foreach(json_object_get(docs[i], "runs"), j, r)
            all[k++] = r;
    }
    qsort(all, total, sizeof(*all), cmp_index);
    for (size_t i = 1; i < total; i++)
        if (json_integer_value(json_object_get(all[i], "index")) ==
            json_integer_value(json_object_get(all[i - 1], "index"))) {
            snprintf(err, errlen, "run %s given twice", str(all[i], "id"));
            free(all);
            return NULL;
        }
    /* The suite, from the documents themselves. */
    const char *src = str(s0, "source"), *slash = strrchr(src, '/');
    char *dir = slash && strncmp(src, "builtin:", 8) != 0
                ? bu_strndup(src, (size_t)(slash - src)) : bu_strdup("");
    const char *text = str(s0, "text");
    char why[768];
    struct bench_suite *s = bench_suite_parse(str(s0, "name"), src, dir, text, strlen(text),
                                              h, why, sizeof(why));
    free(dir);
    if (!s) {
        snprintf(err, errlen, "the suite in the results: %s", why);
        free(all);
        return NULL;
    }
    json_t *doc = bench_doc_new(s, t0);
    json_t *runs = json_object_get(doc, "runs");
    for (size_t i = 0; i < total; i++) {
        json_t *r = json_deep_copy(all[i]);
        /* What the last analysis added is recomputed. */
        json_object_del(r, "baseline");
        json_object_del(r, "metrics");
        if (strcmp(str(r, "status"), "mismatch") == 0) {
            json_object_set_new(r, "status", json_string("ok"));
            json_object_set_new(r, "reason", json_null());
        }
        json_array_append_new(runs, r);
    }
    free(all);
    bench_analyze(doc, s);
    *suite = s;
    return doc;
}

/* ---- values, CSV ---- */

json_t *bench_run_value(json_t *run, const char *name)
{
    if (strncmp(name, "host.", 5) == 0) {
        json_t *h = json_object_get(run, "host");
        const char *k = name + 5;
        if (strcmp(k, "seconds") == 0)
            return json_object_get(json_object_get(h, "seconds"), "median");
        if (strcmp(k, "seconds.min") == 0)
            return json_object_get(json_object_get(h, "seconds"), "min");
        if (strcmp(k, "seconds.max") == 0)
            return json_object_get(json_object_get(h, "seconds"), "max");
        if (strcmp(k, "cpu_seconds") == 0)
            return json_object_get(json_object_get(h, "cpu_seconds"), "median");
        json_t *v = json_object_get(h, k);
        return json_is_number(v) ? v : NULL;
    }
    json_t *v = json_object_get(json_object_get(run, "metrics"), name);
    if (!v)
        v = json_object_get(json_object_get(run, "counters"), name);
    return v;
}

void bench_run_metric_names(json_t *run, struct bu_strv *names)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(run, "counters"), k, v)
        bu_strv_push(names, k);
    json_object_foreach(json_object_get(run, "metrics"), k, v)
        bu_strv_push(names, k);
    static const char *const host[] = { "host.seconds", "host.seconds.min", "host.seconds.max",
                                        "host.cpu_seconds", "host.mips",
                                        "host.callgrind_insns", "host.insns_per_guest_insn" };
    for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
        if (bench_run_value(run, host[i]))
            bu_strv_push(names, host[i]);
}

static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static void csv_value(json_t *v, char *buf, size_t len)
{
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.15g", json_real_value(v));
    else
        buf[0] = 0;
}

int bench_write_csv(json_t *doc, const char *path)
{
    char *tmp;
    FILE *f = bu_open_replace(path, &tmp);
    if (!f)
        return -1;
    json_t *runs = json_object_get(doc, "runs");
    const char *suite = str(json_object_get(doc, "suite"), "name");
    struct bu_strv opts = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(r, "options"), k, v) {
            int seen = 0;
            for (unsigned j = 0; j < opts.n; j++)
                seen |= strcmp(opts.v[j], k) == 0;
            if (!seen)
                bu_strv_push(&opts, k);
        }
    }
    static const char *const head[] = { "suite", "run", "workload", "config", "variant",
                                        "profile", "mode", "mmu", "backend", "status" };
    for (size_t h = 0; h < sizeof(head) / sizeof(head[0]); h++)
        csv_field(f, head[h], 0);
    for (unsigned j = 0; j < opts.n; j++) {
        char *c = bu_printf("opt.%s", opts.v[j]);
        csv_field(f, c, 0);
        free(c);
    }
    csv_field(f, "metric", 0);
    csv_field(f, "value", 1);
    json_array_foreach(runs, i, r) {
        struct bu_strv names = { 0 };
        bench_run_metric_names(r, &names);
        char variant[512] = "";
        size_t vn = 0;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(r, "variant"), k, v)
            vn += (size_t)snprintf(variant + vn, vn < sizeof(variant) ? sizeof(variant) - vn : 0,
                                   "%s%s=%s", vn ? "," : "", k, json_string_value(v));
        for (unsigned m = 0; m < names.n; m++) {
            const char *cells[] = { suite, str(r, "id"), str(r, "workload"), str(r, "config"),
                                    variant, str(r, "profile"), str(r, "mode"), str(r, "mmu"),
                                    str(r, "backend"), str(r, "status") };
            for (size_t c = 0; c < sizeof(cells) / sizeof(cells[0]); c++)
                csv_field(f, cells[c], 0);
            for (unsigned j = 0; j < opts.n; j++)
                csv_field(f, str(json_object_get(r, "options"), opts.v[j]), 0);
            char val[64];
            csv_value(bench_run_value(r, names.v[m]), val, sizeof(val));
            csv_field(f, names.v[m], 0);
            csv_field(f, val, 1);
        }
        bu_strv_free(&names);
    }
    bu_strv_free(&opts);
    return bu_close_replace(f, tmp, path);
}

int bench_write_outputs(json_t *doc, const struct bench_suite *s, const char *out_dir,
                        char *err, size_t errlen)
{
    char msg[1024];
    if (bu_mkdir_p(out_dir) != 0) {
        file_msg(msg, sizeof(msg), out_dir, strerror(errno));
        snprintf(err, errlen, "cannot create %s", msg);
        return -1;
    }
    static const char *const files[] = { "results.json", "results.csv", NULL, "report.md" };
    for (int i = 0; i < 4; i++) {
        if (i == 2) {              /* the plots, before the report that shows them */
            bench_plots_write(doc, s, out_dir);
            continue;
        }
        char *path = bu_printf("%s/%s", out_dir, files[i]);
        int rc = i == 0 ? bench_doc_write(doc, path) : i == 1 ? bench_write_csv(doc, path)
                                                             : bench_report_write(doc, s, out_dir, path);
        if (rc != 0) {
            file_msg(msg, sizeof(msg), path, strerror(errno));
            snprintf(err, errlen, "cannot write %s", msg);
            free(path);
            return -1;
        }
        free(path);
    }
    return 0;
}

static int lax_info(const char *name, int *flag, char *err, size_t errlen)
{
    (void)name, (void)err, (void)errlen;
    *flag = 0;
    return 0;
}

static int lax_check(int argc, char **argv, struct bench_run_facts *f, char *err, size_t errlen)
{
    (void)argc, (void)argv, (void)f, (void)err, (void)errlen;
    return 0;
}

struct bench_suite *bench_results_suite(json_t *doc, const char *source, char *err,
                                        size_t errlen)
{
    static const struct bench_run_hooks lax = { lax_info, lax_check };
    json_t *cs = json_object_get(doc, "suite");
    const char *text = json_string_value(json_object_get(cs, "text"));
    if (!text) {
        snprintf(err, errlen, "no suite.text in the results");
        return NULL;
    }
    const char *name = json_string_value(json_object_get(cs, "name"));
    if (!source)
        source = json_string_value(json_object_get(cs, "source"));
    return bench_suite_parse(name ? name : "?", source ? source : "?", "", text, strlen(text),
                             &lax, err, errlen);
}
