/* runner.h - running a matrix's selected runs as child processes (docs/benchmarking.md
 * "How runs are run").
 *
 * Each run is `TLBVISOR run ... --stats FILE` forked and exec'd in a process group of its
 * own, stdin /dev/null, stdout and stderr to files, killed (the whole group) at its
 * timeout; a crash, a timeout or a bad stats file is that run's status, never the bench's
 * end. --jobs N children run at once; a run is run --repeat N times (host seconds: min,
 * median, max; the counters must be the same every time), plus once under valgrind
 * --tool=callgrind with --host-metric callgrind. SIGINT/SIGTERM stop everything: running
 * children are killed, what finished is kept. */
#ifndef TLBVISOR_BENCH_RUNNER_H
#define TLBVISOR_BENCH_RUNNER_H

#include <jansson.h>

#include "matrix.h"
#include "suite.h"

struct bench_exec {
    const char *tlbvisor;          /* the program the runs run (absolute path) */
    const char *runs_dir;          /* where run directories go (absolute) */
    int flat;                      /* one run, straight into runs_dir (bench --run) */
    unsigned jobs, repeat, timeout_s;
    int callgrind;                 /* one more execution under callgrind per run */
    int progress_bar;              /* stderr is a terminal: a bar with ETA; else a line per run */
    json_t *tool;                  /* {"name", "version", "git_revision"} for the documents */
};

/* The directory of run r: runs_dir/NNNN (or runs_dir itself when flat). malloc'd. */
char *bench_run_dir(const struct bench_exec *e, const struct bench_run *r);

/* Runs every selected run of m, writing RUNDIR/run.json (a results document with that one
 * run; results.h) and its stdout, stderr and stats.json. Returns 0 when every run ended
 * as expected, 1 when some did not, 2 when interrupted (SIGINT/SIGTERM) or when a run
 * directory cannot be written (a message on stderr). *wall_s is the bench's wall-clock time
 * and *runs_wall_s the sum of the runs' (for the bench's own overhead). */
int bench_execute(const struct bench_suite *s, struct bench_matrix *m,
                  const struct bench_exec *e, double *wall_s, double *runs_wall_s);

#endif
