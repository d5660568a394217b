/* plot.h - plots through gnuplot (Debian gnuplot-nox), as SVG and PNG in OUT/plots:
 *   overhead-PROFILE   bars: each workload's ratio to its native baseline, one bar per
 *                      configuration run under the VMM
 *   cycles-PROFILE     stacked bars: each run's guest, VMM and idle cycles, as a fraction of
 *                      its native baseline's cycles
 *   sweep-CONFIG-OPT   lines: a metric (ratio, else cycles) against a swept option's value,
 *                      one line per workload (numeric values only)
 * gnuplot runs as a child process with a script file (kept next to the plot, so a plot can
 * be restyled by hand); a missing gnuplot is a warning, not a failure. */
#ifndef TLBVISOR_BENCH_PLOT_H
#define TLBVISOR_BENCH_PLOT_H

#include <jansson.h>

#include "suite.h"

/* Writes the plots of doc into out_dir/plots. Returns how many were made. */
int bench_plots_write(json_t *doc, const struct bench_suite *s, const char *out_dir);

#endif
