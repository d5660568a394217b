/* metric.h - metrics of a run: its counters, the built-in derived metrics (cycles, ratio to
 * the native baseline, VMM share, ...), a suite's own [metric NAME] expressions, and the
 * host measurements. A metric's value is exact when it is an integer (json_int_t, every
 * counter is below 2^63) and a double otherwise; "no value" (null) where it does not apply
 * (traps of a native run, a ratio without a baseline). docs/results-schema.md lists them. */
#ifndef TLBVISOR_BENCH_METRIC_H
#define TLBVISOR_BENCH_METRIC_H

#include <jansson.h>
#include <stddef.h>

#include "suite.h"

/* A built-in metric: name, column heading, format, which way is better. */
struct bench_builtin_metric {
    const char *name, *label;
    enum bench_format fmt;
    enum bench_better better;
    const char *doc;
};
extern const struct bench_builtin_metric bench_builtin_metrics[];
extern const size_t bench_builtin_metric_count;

/* An expression ([metric NAME] expr): numbers, names of counters or metrics, sum(PATTERN)
 * over counters matching an fnmatch pattern, + - * /, parentheses, min(a, b), max(a, b),
 * first(a, b) (a if it has a value, else b).
 * NAME@WORKLOAD (or sum(PATTERN)@WORKLOAD) takes the value from the run of WORKLOAD with
 * the same configuration, swept values and cost profile: differences between runs, as a
 * nanobenchmark subtracts its empty loop; NAME@/CONFIG from the same workload's run under
 * CONFIG; NAME@WORKLOAD/CONFIG both. host.* names are the run's host figures (a metric
 * computed from them is a host figure too). */
struct bench_expr;
struct bench_expr *bench_expr_parse(const char *text, char *err, size_t errlen);
void bench_expr_free(struct bench_expr *e);
/* Its value for run (of runs, for @WORKLOAD): names are looked up in the run's metrics
 * (computed so far), then its counters. Returns a new JSON integer or real, or json_null()
 * (a name the run does not have, a division by zero, sum() of nothing, no such run). */
json_t *bench_expr_eval(const struct bench_expr *e, json_t *run, json_t *runs);

/* Computes run["metrics"]: the built-in metrics (ratio against baseline_cycles when it is
 * not NULL). */
void bench_metrics_compute(json_t *run, json_t *baseline_cycles);
/* Then the suite's metrics, in their order, for every run of runs. */
void bench_suite_metrics_compute(const struct bench_suite *s, json_t *runs);

/* How a metric reads: its heading, format and which way is better. A suite's metric
 * first, then the built-in ones, then counters (integers; "hits" and "free" counters are
 * better higher). */
void bench_metric_info(const struct bench_suite *s, const char *name, const char **label,
                       enum bench_format *fmt, enum bench_better *better);
/* Writes v (a JSON number or null) in format fmt: "1.30", "23%", "43458024", "–". */
void bench_metric_format(json_t *v, enum bench_format fmt, char *buf, size_t len);
/* The number in v as a double (0 for null). */
double bench_num(json_t *v);

#endif
