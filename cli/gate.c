/* gate.c - `tlbvisor gate`: compare results with a baseline (bench/gate.h).
 *
 * Exit status: 0 pass, 1 regression, 2 bad input (unreadable, truncated or mismatched
 * files, an unknown schema version, usage), each with a one-line reason on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/gate.h"
#include "bench/results.h"
#include "bench/suite.h"
#include "cli.h"
#include "core/file.h"
#include "opts.h"

struct gate_opts {
    const char *baseline, *current, *md, *gab, *bmf;
    const char *tolerance, *host_tolerance, *host_slack, *callgrind_tolerance;
    const char *metric[64];
    struct {
        unsigned baseline, current, metric, tolerance, host_tolerance, host_slack,
            callgrind_tolerance, md, gab, bmf;
    } given;
};

#define F(field) offsetof(struct gate_opts, field), offsetof(struct gate_opts, given.field)
#define ANY OPT_SCOPE_ALL, "every gate"
static const struct opt gate_opt_table[] = {
    { "baseline", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(baseline), NULL,
      "the results to compare with (a results.json of tlbvisor bench)" },
    { "current", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(current), NULL,
      "the results to judge" },
    { "metric", "PATTERN", OPT_REPEAT, 1, 64, 0, NULL, ANY, F(metric), NULL,
      "compare only the metrics whose name matches the fnmatch PATTERN (counters such as "
      "cpu.cycles, derived metrics such as ratio, host figures such as host.seconds); a "
      "PATTERN starting with '!' leaves metrics out; repeatable (default: every metric)" },
    { "tolerance", "PCT", OPT_STRING, 0, 0, 0, NULL, ANY, F(tolerance), "0",
      "modelled metrics may get worse by up to PCT percent (0: exactly the same or better)" },
    { "host-tolerance", "PCT", OPT_STRING, 0, 0, 0, NULL, ANY, F(host_tolerance), "25",
      "host seconds, CPU seconds and MIPS may get worse by up to PCT percent (more than 0)" },
    { "host-slack", "SECONDS", OPT_STRING, 0, 0, 0, NULL, ANY, F(host_slack), "0.05",
      "... or by up to SECONDS (the noise of starting a process)" },
    { "callgrind-tolerance", "PCT", OPT_STRING, 0, 0, 0, NULL, ANY, F(callgrind_tolerance), "2",
      "host instructions per guest instruction (--host-metric callgrind) may get worse by up "
      "to PCT percent (more than 0)" },
    { "md", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(md), NULL,
      "write the Markdown summary to FILE instead of stdout (e.g. $GITHUB_STEP_SUMMARY)" },
    { "gab", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(gab), NULL,
      "write the current results as github-action-benchmark customSmallerIsBetter JSON "
      "(metrics where lower is better)" },
    { "bmf", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(bmf), NULL,
      "write the current results as Bencher Metric Format JSON" },
};
#undef F
static const size_t gate_opt_count = sizeof(gate_opt_table) / sizeof(gate_opt_table[0]);

static void print_usage(FILE *f)
{
    fputs("usage: tlbvisor gate --baseline FILE --current FILE [options]\n"
          "\n"
          "Compares two results files of tlbvisor bench run by run (matched by id; a run\n"
          "configured differently in the two is an error) and metric by metric: modelled\n"
          "figures exactly (or within --tolerance), host figures always within a tolerance.\n"
          "A change for the worse beyond the tolerance is a regression; a change for the\n"
          "better is reported, never failed. A baseline run missing from the current results,\n"
          "or one that did not end as expected there, is a regression. Which way is better:\n"
          "lower for cycles, counts, ratios and host time; higher for counters named *hits*\n"
          "or *.free and for host.mips.\n"
          "\n"
          "options:\n", f);
    opt_print_help(gate_opt_table, gate_opt_count, f);
    fputs("  -h, --help            this text\n"
          "\n"
          "Without --metric, the dashboards (--gab, --bmf) get the headline metrics: cycles,\n"
          "ratio, vmm_cycles, traps, host.seconds, host.cpu_seconds, host.insns_per_guest_insn\n"
          "and the suite's own metrics.\n"
          "\n"
          "exit status: 0 pass; 1 regression; 2 bad input (an unreadable, truncated or\n"
          "mismatched file, an unknown schema version, no run in common, a baseline run that\n"
          "did not end as expected), each with a one-line reason on stderr.\n", f);
}

/* A percentage or seconds: decimal digits with an optional fraction, at most max. */
static int parse_decimal(const char *s, double max, double *v)
{
    const char *p = s;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits || *p || s[0] == '.')
        return -1;
    *v = strtod(s, NULL);
    return *v <= max ? 0 : -1;
}

static int write_json(json_t *j, const char *path, const char *what)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    size_t n = text ? strlen(text) : 0;
    int rc = -1;
    if (text) {
        text = realloc(text, n + 2);
        if (text) {
            text[n] = '\n';
            rc = bu_write_file(path, text, n + 1);
        }
    }
    if (rc) {
        char msg[1024];
        file_msg(msg, sizeof(msg), path, strerror(errno));
        fprintf(stderr, "tlbvisor gate: cannot write %s %s\n", what, msg);
    }
    free(text);
    return rc;
}

int cmd_gate(int argc, char **argv)
{
    struct gate_opts o;
    memset(&o, 0, sizeof(o));
    int optind_, help;
    int rc = opt_parse(gate_opt_table, gate_opt_count, &o, argc, argv, &optind_, &help, "gate");
    if (rc)
        return rc;
    if (help) {
        print_usage(stdout);
        return 0;
    }
    if (optind_ < argc)
        return opt_usage_error("gate", "unexpected argument '%s'", argv[optind_]);
    if (!o.baseline || !o.current)
        return opt_usage_error("gate", "%s", "--baseline FILE and --current FILE are needed");
    struct bench_gate_opts g = { .tolerance_pct = 0, .host_tolerance_pct = 25,
                                 .host_slack_s = 0.05, .callgrind_tolerance_pct = 2,
                                 .baseline_name = o.baseline, .current_name = o.current };
    struct { const char *arg, *name; double *v, max; int positive; } nums[] = {
        { o.tolerance, "tolerance", &g.tolerance_pct, 1000, 0 },
        { o.host_tolerance, "host-tolerance", &g.host_tolerance_pct, 1000, 1 },
        { o.host_slack, "host-slack", &g.host_slack_s, 3600, 0 },
        { o.callgrind_tolerance, "callgrind-tolerance", &g.callgrind_tolerance_pct, 1000, 1 },
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (nums[i].arg && (parse_decimal(nums[i].arg, nums[i].max, nums[i].v) != 0 ||
                            (nums[i].positive && *nums[i].v <= 0)))
            return opt_usage_error("gate", "bad --%s '%s': a decimal number%s up to %.0f",
                                   nums[i].name, nums[i].arg,
                                   nums[i].positive ? " above 0" : "", nums[i].max);
    for (unsigned i = 0; i < o.given.metric; i++)
        bu_strv_push(&g.metrics, o.metric[i]);
    char err[1024];
    json_t *base = bench_doc_read(o.baseline, "baseline", err, sizeof(err)), *cur = NULL;
    if (base)
        cur = bench_doc_read(o.current, "current", err, sizeof(err));
    if (!base || !cur) {
        fprintf(stderr, "tlbvisor gate: %s\n", err);
        json_decref(base);
        bu_strv_free(&g.metrics);
        return 2;
    }
    /* The current suite tells how its own metrics read (none: the gate goes on without). */
    struct bench_suite *s = bench_results_suite(cur, "the current results' suite", err,
                                                sizeof(err));
    FILE *md = stdout;
    if (o.md) {
        md = fopen(o.md, "w");
        if (!md) {
            char msg[1024];
            file_msg(msg, sizeof(msg), o.md, strerror(errno));
            fprintf(stderr, "tlbvisor gate: cannot write --md %s\n", msg);
            rc = 2;
        }
    }
    struct bench_gate_result res;
    json_t *gab = NULL, *bmf = NULL;
    if (rc == 0) {
        bench_gate(base, cur, s, &g, md, o.gab ? &gab : NULL, o.bmf ? &bmf : NULL, &res);
        rc = res.status;
        if (o.gab && res.status != 2 && write_json(gab, o.gab, "--gab") != 0)
            rc = 2;
        if (o.bmf && res.status != 2 && write_json(bmf, o.bmf, "--bmf") != 0)
            rc = 2;
        if (res.status)
            fprintf(stderr, "tlbvisor gate: %s\n", res.reason);
        else
            fprintf(stderr, "tlbvisor gate: pass: %u runs, %u metric values, %u improvements\n",
                    res.runs, res.metrics, res.improvements);
    }
    if (md && md != stdout && fclose(md) != 0)
        rc = 2;
    json_decref(gab);
    json_decref(bmf);
    json_decref(base);
    json_decref(cur);
    bench_suite_free(s);
    bu_strv_free(&g.metrics);
    return rc;
}
