/* report.h - report.md: the suite's tables and texts in file order, the failed runs in red,
 * the plots (docs/benchmarking.md "The report"). */
#ifndef TLBVISOR_BENCH_REPORT_H
#define TLBVISOR_BENCH_REPORT_H

#include <jansson.h>

#include "suite.h"

/* Writes the report of doc (analyzed) to path; plots are looked for in out_dir/plots.
 * Returns 0, or -1 with errno. */
int bench_report_write(json_t *doc, const struct bench_suite *s, const char *out_dir,
                       const char *path);

#endif
