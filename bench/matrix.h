/* matrix.h - a suite's runs: every workload x every configuration that runs it x every
 * combination of its swept option values x every cost profile, in that order (file order
 * within each). A run's id, "workload/config[:opt=value,...]/profile", names it everywhere
 * (results, --only, --run, the gate); its index is its place in the full matrix. */
#ifndef TLBVISOR_BENCH_MATRIX_H
#define TLBVISOR_BENCH_MATRIX_H

#include "suite.h"
#include "util.h"

struct bench_run {
    unsigned index;                /* place in the full matrix */
    char *id;
    const struct bench_workload *w;
    const struct bench_config *c;
    char *variant;                 /* "opt=value,..." of the swept options, or "" */
    const char *profile;           /* a built-in profile's name, or a file */
    char *label;                   /* "config label (variant)" for tables and plots */
    struct bu_strv opt_names, opt_values;  /* the options given (workload's, then the
                                    * configuration's, which override them) */
    struct bu_strv argv;           /* "run", options, images, "--", boot args: the command
                                    * without the program and --stats */
    struct bu_strv images;         /* the guest images it boots */
    char *args;                    /* its boot arguments (expanded) */
    struct bench_run_facts facts;
    int external;                  /* the configuration's command, not `tlbvisor run`: argv
                                    * is the whole command line */
    int baseline;                  /* index of its native baseline run, or -1 */
    int selected;                  /* to be run (--only, or a baseline of one) */
};

struct bench_matrix {
    struct bench_run *runs;
    unsigned n, cap;
};

/* Expands s into m, with ${build} = build_dir. Every run's options are checked as
 * `tlbvisor run` would (h). Returns 0 (every run selected), or -1 with a one-line reason. */
int bench_matrix_build(const struct bench_suite *s, const struct bench_run_hooks *h,
                       const char *build_dir, struct bench_matrix *m, char *err,
                       size_t errlen);
/* Selects the runs whose id matches one of the patterns (fnmatch) and their native
 * baselines. Returns how many runs match a pattern (0: nothing matched). */
unsigned bench_matrix_select(struct bench_matrix *m, const struct bu_strv *only);
/* The run with this id, or NULL. */
struct bench_run *bench_matrix_find(struct bench_matrix *m, const char *id);
void bench_matrix_free(struct bench_matrix *m);

#endif
