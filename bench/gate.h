/* gate.h - comparing results with a baseline (docs/benchmarking.md "The gate").
 *
 * Runs are matched by id; a run whose configuration (workload, boot arguments, options,
 * cost constants) differs between the two files makes them mismatched. Every metric of a
 * baseline run is compared (or those the patterns select): modelled figures exactly, or
 * within --tolerance; host seconds always within a tolerance (and at least an absolute
 * slack); callgrind host instructions within their own. A change for the worse beyond the
 * tolerance is a regression; for the better, an improvement (reported, never failed).
 * A run of the baseline that is missing, or that did not end as expected, in the current
 * results is a regression. */
#ifndef TLBVISOR_BENCH_GATE_H
#define TLBVISOR_BENCH_GATE_H

#include <jansson.h>
#include <stdio.h>

#include "suite.h"
#include "util.h"

struct bench_gate_opts {
    struct bu_strv metrics;        /* patterns (fnmatch; '!' excludes); empty: every metric */
    double tolerance_pct;          /* modelled metrics (default 0: exact) */
    double host_tolerance_pct;     /* host seconds, CPU seconds, MIPS */
    double host_slack_s;           /* ... and at least this many seconds */
    double callgrind_tolerance_pct; /* host instructions (callgrind) */
    const char *baseline_name, *current_name;   /* for the summary */
};

struct bench_gate_result {
    int status;                    /* 0 pass, 1 regression, 2 mismatched input */
    char reason[512];              /* one line: why not 0 */
    unsigned runs, metrics, regressions, improvements, within, missing_runs, new_runs;
};

/* Compares current with baseline (documents of results.h); s: the current suite, for the
 * direction and format of its own metrics (NULL: built-in ones only). Writes the Markdown
 * summary to md (if not NULL); fills *gab (github-action-benchmark customSmallerIsBetter)
 * and *bmf (Bencher Metric Format) if not NULL. */
void bench_gate(json_t *baseline, json_t *current, const struct bench_suite *s,
                const struct bench_gate_opts *o, FILE *md, json_t **gab, json_t **bmf,
                struct bench_gate_result *res);

#endif
