/* results.h - results documents (docs/results-schema.md): results.json, the per-run
 * run.json files they are merged from, results.csv.
 *
 * A document is {"schema_version": 1, "tool", "suite", "created", "host", "command",
 * "runs": [...], "summary"}. A run.json holds one run ("partial": true). Merging (the
 * in-process bench does exactly what `bench merge` does) orders the runs by their place
 * in the matrix, finds each run's native baseline, checks that every configuration of a
 * workload printed the same guest output, and computes the metrics. Host figures
 * (created, host, command, each run's "host") are the only fields that differ between two
 * merges of the same runs made on different hosts or by different routes. */
#ifndef TLBVISOR_BENCH_RESULTS_H
#define TLBVISOR_BENCH_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#include "suite.h"

#define BENCH_SCHEMA_VERSION 1
#define BENCH_RESULTS_MAX_BYTES (512u << 20)

/* A new document for suite s made by tool (borrowed), with no runs. */
json_t *bench_doc_new(const struct bench_suite *s, json_t *tool);
/* The host: hostname, OS, machine, CPU model, CPUs. */
json_t *bench_host_json(void);
/* Records the command line that made the document. */
void bench_doc_set_command(json_t *doc, int argc, char **argv);

/* Reads a document: strict JSON, a known schema_version, the fields a consumer relies on.
 * what names it in messages ("baseline"). Returns it, or NULL with a one-line reason. */
json_t *bench_doc_read(const char *path, const char *what, char *err, size_t errlen);
/* Writes doc to path (indented, keys in order, exact integers). Returns 0 or -1 (errno). */
int bench_doc_write(json_t *doc, const char *path);

/* Merges documents (run.json files, or results.json files) into one results document:
 * the same suite (checksum) and tool, no run twice. The suite is parsed from the
 * documents (hooks check it as a suite file is checked) into *suite. Returns the document
 * (runs in matrix order, baselines, transparency, metrics, summary), or NULL with a
 * one-line reason. */
json_t *bench_merge(json_t *const *docs, size_t n, const struct bench_run_hooks *h,
                    struct bench_suite **suite, char *err, size_t errlen);
/* Recomputes each run's native baseline and its metrics (ratio included). */
void bench_compute_metrics(json_t *doc, const struct bench_suite *s);
/* Recomputes, for a document's runs: baselines and ratios, the transparency check across a
 * workload's runs (status "mismatch"), the metrics and the summary. */
void bench_analyze(json_t *doc, const struct bench_suite *s);

/* Writes results.json, results.csv, report.md and the plots into out_dir. Returns 0, or -1
 * with a one-line reason (results.json is written first; a plot that gnuplot cannot make
 * is a warning on stderr, not a failure). */
/* The suite a results document was made from (its suite.text), parsed without checking
 * its run options (the results were made by whatever tlbvisor made them): how the tables
 * and metrics of earlier results read. source names it in messages (NULL: the document's
 * suite.source). NULL with the reason in err if the document holds no suite or it does
 * not parse. */
struct bench_suite *bench_results_suite(json_t *doc, const char *source, char *err,
                                        size_t errlen);
int bench_write_outputs(json_t *doc, const struct bench_suite *s, const char *out_dir,
                        char *err, size_t errlen);
/* One row per run x metric: suite, run, workload, config, variant, profile, mode, mmu,
 * backend, status, one column per run option of the suite, metric, value. */
int bench_write_csv(json_t *doc, const char *path);

/* The value of a metric in a run: "host.*" from its host figures, else its metrics, else
 * its counters. Borrowed; NULL if the run has none. */
json_t *bench_run_value(json_t *run, const char *name);
/* Every metric name of a run, in order: counters, metrics, host figures. */
void bench_run_metric_names(json_t *run, struct bu_strv *names);

#endif
