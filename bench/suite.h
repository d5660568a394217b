/* suite.h - a bench suite: the experiment as data (docs/benchmarking.md "Suite files").
 *
 * A suite file is INI (parsed by inih): a [suite] section, then [workload NAME] (a guest
 * image and its boot arguments), [config NAME] (run options; an option given several
 * whitespace-separated values is swept), [metric NAME] (a derived metric, an expression
 * over counters), [table NAME] and [text NAME] (the report, in file order). The matrix is
 * workloads x configurations (x sweep values) x cost profiles (matrix.h).
 *
 * Built-in suites are the files bench/suites/NAME.ini, compiled into the program (the
 * generated table bench_builtin_suites[]): adding one is adding a file. */
#ifndef TLBVISOR_BENCH_SUITE_H
#define TLBVISOR_BENCH_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* How `tlbvisor run` options are known to the bench: the CLI's option table behind two
 * calls (the bench library does not include the CLI). */
struct bench_run_facts {
    int vmm;                       /* a run under the VMM (not --native) */
    const char *mmu;               /* "swtlb" or "pagewalk" */
    unsigned vms;                  /* VMs it boots (--vms) */
    char native_key[1024];         /* the effective value of every option that applies to a
                                    * native run, canonical: runs with the same key and
                                    * workload are comparable, natively and under the VMM */
};
struct bench_run_hooks {
    /* Is name a run option a suite may give? *flag: it takes no argument (a suite writes
     * on or off). Returns 0, or -1 with the reason in err. */
    int (*info)(const char *name, int *flag, char *err, size_t errlen);
    /* Checks the options of one run (argv[0] = "run", then "--name" ["value"]..., no image)
     * as `tlbvisor run` would. Returns 0 with *facts filled, or -1 with the one-line
     * reason in err. */
    int (*check)(int argc, char **argv, struct bench_run_facts *facts, char *err,
                 size_t errlen);
};

enum bench_better { BENCH_LOWER, BENCH_HIGHER };
enum bench_format { BENCH_FMT_AUTO, BENCH_FMT_INT, BENCH_FMT_RATIO, BENCH_FMT_PERCENT,
                    BENCH_FMT_SECONDS, BENCH_FMT_FLOAT };

/* A run option set by a workload or a configuration; values.n > 1 is a sweep. */
struct bench_option {
    char *name;
    struct bu_strv values;
};

struct bench_workload {
    char *name, *label;
    char *elf;                     /* image template ("${build}/...${mmu}..."), or NULL */
    char *args;                    /* boot arguments template ("" for none) */
    struct bu_strv vm;             /* --vm SPEC templates (instead of elf) */
    int exit_status;               /* the status a correct run ends with */
    char *ignore;                  /* console lines left out of the checksum (ERE), or NULL */
    struct bench_option *opt;      /* run options it needs (a configuration may override) */
    unsigned nopt, capopt;
};

struct bench_config {
    char *name, *label;
    struct bench_option *opt;
    unsigned nopt, capopt;
    struct bu_strv workloads;      /* fnmatch patterns of the workloads it runs; empty: all */
    char *command;                 /* another program instead of `tlbvisor run` (a reference
                                    * emulator): a template of words, or NULL */
};

struct bench_metricdef {
    char *name, *expr, *label;
    enum bench_format fmt;
    enum bench_better better;
};

struct bench_table {
    char *name, *title;
    int pivot;                     /* layout = pivot: workloads x configurations, one metric */
    struct bu_strv columns;        /* metrics (list layout), or the one metric (pivot) */
    struct bu_strv rows;           /* list layout: the describing columns (workload, config,
                                    * profile, label, args, status, run, output: the guest's
                                    * last line) */
    struct bu_strv configs, workloads, profiles, runs;  /* patterns selecting runs */
    struct bu_strv notes;          /* text after the table, one paragraph per line */
    struct bu_strv published;      /* "RUNPATTERN = TEXT": a column of published figures */
    char *published_label;
};

struct bench_text {
    char *name;
    struct bu_strv body;           /* lines */
};

enum bench_item_kind { BENCH_ITEM_TABLE, BENCH_ITEM_TEXT };
struct bench_item {
    enum bench_item_kind kind;
    unsigned index;                /* into tables[] or texts[] */
};

struct bench_suite {
    char *name;                    /* "quick", or the file name without ".ini" */
    char *source;                  /* "builtin:quick", or the file's path as given */
    char *dir;                     /* the file's directory (${suite_dir}); "" if built in */
    char *text;                    /* the whole file */
    char checksum[32];             /* "fnv1a64:..." of text */
    char *description, *title;
    struct bu_strv intro;
    unsigned timeout_s, repeat;
    char *ignore;                  /* default ERE of lines left out of checksums */
    struct bu_strv profiles;       /* cost profiles: built-in names or files */
    int report_host;               /* report host figures (host seconds, the host) */
    struct bu_strv plot_workloads, plot_configs;  /* what the plots show (patterns) */
    struct bench_workload *workloads;
    unsigned nworkloads, capworkloads;
    struct bench_config *configs;
    unsigned nconfigs, capconfigs;
    struct bench_metricdef *metrics;
    unsigned nmetrics, capmetrics;
    struct bench_table *tables;
    unsigned ntables, captables;
    struct bench_text *texts;
    unsigned ntexts, captexts;
    struct bench_item *items;
    unsigned nitems, capitems;
};

#define BENCH_DEFAULT_TIMEOUT_S 600
#define BENCH_DEFAULT_IGNORE "^\\[kstat\\]"
#define BENCH_SUITE_MAX_BYTES (1u << 20)

/* The built-in suites (generated from bench/suites/ by the build). */
struct bench_builtin {
    const char *name, *text;
};
extern const struct bench_builtin bench_builtin_suites[];
extern const size_t bench_builtin_suite_count;

/* Loads a suite: a built-in one by name, or a file (a path; "./quick" reads a file called
 * quick). Every key is checked (run options through hooks). Returns a suite, or NULL with
 * a one-line reason ("quick.ini:12: unknown key 'foo' in [config x]") in err. */
struct bench_suite *bench_suite_load(const char *name_or_file, const struct bench_run_hooks *h,
                                     char *err, size_t errlen);
/* The same from text; source names it in messages and results. */
struct bench_suite *bench_suite_parse(const char *name, const char *source, const char *dir,
                                      const char *text, size_t len,
                                      const struct bench_run_hooks *h, char *err,
                                      size_t errlen);
void bench_suite_free(struct bench_suite *s);

/* A figure quoted in a note or a text: "{RUN-ID METRIC}" (one space between), replaced in
 * the report by the metric's value in that run, formatted as the tables format it, so
 * that prose never quotes a figure of an older run ("{" after "$" is not one). If a
 * reference starts at `at` in line, copies its run id and metric into id and metric
 * (NUL-terminated) and returns the reference's length; else 0. */
size_t bench_ref_parse(const char *line, const char *at, char *id, size_t idlen, char *metric,
                       size_t mlen);
/* Checks that every reference in s's notes and texts names a run has_run(ctx, id) knows.
 * Returns 0, or -1 with "SOURCE: table NAME: no run 'ID' ..." in err. */
int bench_refs_check(const struct bench_suite *s, int (*has_run)(void *ctx, const char *id),
                     void *ctx, char *err, size_t errlen);
/* The description line of a built-in suite ("" if it has none). */
const char *bench_builtin_description(const struct bench_builtin *b, char *buf, size_t len);

#endif
