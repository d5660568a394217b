/* bench.c - `tlbvisor bench` and `tlbvisor bench merge`: the CLI of the bench library
 * (bench/), and the run options it checks suites against (the hooks over run_opt_table:
 * the run's own options and every registered back end's).
 *
 * Exit status: 0 every run ended as expected; 1 some did not (failed, crashed, timed out,
 * missing image, output different from the workload's other runs); 2 usage errors, a bad
 * suite, an unwritable --out, an interruption. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "bench/matrix.h"
#include "bench/results.h"
#include "bench/runner.h"
#include "bench/suite.h"
#include "cli.h"
#include "core/file.h"
#include "opts.h"
#include "run_opts.h"

/* ---- the run options, for suites ---- */

static const struct opt *run_opt(const char *name)
{
    size_t n;
    const struct opt *t = run_opt_table(&n);
    for (size_t i = 0; t && i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

static int hook_info(const char *name, int *flag, char *err, size_t errlen)
{
    size_t n;
    if (!run_opt_table(&n)) {
        snprintf(err, errlen, "%s", run_opt_table_error());
        return -1;
    }
    const struct opt *o = run_opt(name);
    if (!o) {
        snprintf(err, errlen, "not a run option ('tlbvisor run --help' lists them)");
        return -1;
    }
    *flag = o->kind == OPT_FLAG;
    return 0;
}

/* The effective value of option o in ro, canonical ("134217728", "swtlb", ""). */
static void opt_value(const struct opt *o, const struct run_opts *ro, char *buf, size_t len)
{
    const void *p = (const char *)ro + o->off;
    switch (o->kind) {
    case OPT_FLAG: snprintf(buf, len, "%d", *(const int *)p); break;
    case OPT_UINT: case OPT_SIZE:
        snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)p);
        break;
    case OPT_CHOICE: snprintf(buf, len, "%s", o->choices[*(const int *)p]); break;
    case OPT_STRING: snprintf(buf, len, "%s", *(const char *const *)p ? *(const char *const *)p : ""); break;
    default: buf[0] = 0;
    }
}

static int hook_check(int argc, char **argv, struct bench_run_facts *f, char *err, size_t errlen)
{
    static struct run_opts *rop;               /* the block, kept for every check */
    size_t nt;
    const struct opt *table = run_opt_table(&nt);
    if (!table || (!rop && !(rop = run_opts_new()))) {
        snprintf(err, errlen, "%s", table ? "out of memory" : run_opt_table_error());
        return -1;
    }
    struct run_opts *ro = rop;
    run_opts_default(ro);
    int optind_, help;
    opt_capture_errors(err, errlen);
    int rc = opt_parse(table, nt, ro, argc, argv, &optind_, &help, "run");
    if (rc == 0) {
        unsigned scope = (ro->native ? OPT_SCOPE_NATIVE : OPT_SCOPE_VMM) |
                         (ro->mmu == RUN_MMU_PAGEWALK ? OPT_SCOPE_PAGEWALK : OPT_SCOPE_SWTLB);
        rc = opt_check_scope(table, nt, ro, scope, "run");
    }
    opt_capture_errors(NULL, 0);
    if (rc)
        return -1;
    f->vmm = !ro->native;
    f->mmu = ro->mmu == RUN_MMU_PAGEWALK ? "pagewalk" : "swtlb";
    f->vms = (unsigned)ro->vms;
    /* Every option that has an effect natively, but the mode itself and what the bench
     * gives each run (stats, cost profile: an axis of its own). */
    size_t n = 0;
    f->native_key[0] = 0;
    for (size_t i = 0; i < nt; i++) {
        const struct opt *o = &table[i];
        if (!(o->scope & OPT_SCOPE_NATIVE) || o->kind == OPT_REPEAT ||
            strcmp(o->name, "native") == 0 || strcmp(o->name, "stats") == 0 ||
            strcmp(o->name, "cost-profile") == 0)
            continue;
        char v[256];
        opt_value(o, ro, v, sizeof(v));
        n += (size_t)snprintf(f->native_key + n, n < sizeof(f->native_key) ?
                              sizeof(f->native_key) - n : 0, "%s%s=%s", n ? ";" : "", o->name, v);
    }
    return 0;
}

static const struct bench_run_hooks hooks = { hook_info, hook_check };

/* ---- options of bench ---- */

enum host_metric { HOST_SECONDS, HOST_CALLGRIND };

struct bench_opts {
    const char *suite, *out, *emit_jobs, *run, *tlbvisor, *build;
    uint64_t jobs, repeat, timeout;
    int list, host_metric;
    const char *only[64];
    struct {
        unsigned suite, out, jobs, repeat, only, timeout, host_metric, emit_jobs, run, list,
            tlbvisor, build;
    } given;
};

static const char *const host_metric_names[] = { "seconds", "callgrind", NULL };

#define F(field) offsetof(struct bench_opts, field), offsetof(struct bench_opts, given.field)
#define ANY OPT_SCOPE_ALL, "every bench"
static const struct opt bench_opt_table[] = {
    { "suite", "NAME|FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(suite), NULL,
      "the suite: a built-in one (listed below) or a suite file (docs/benchmarking.md)" },
    { "out", "DIR", OPT_STRING, 0, 0, 0, NULL, ANY, F(out), NULL,
      "write results.json, results.csv, report.md and plots/ into DIR (created), and each "
      "run's files into DIR/runs/NNNN; with --run, the run's directory itself" },
    { "jobs", "N", OPT_UINT, 1, 64, 0, NULL, ANY, F(jobs), "1",
      "run N runs at once" },
    { "repeat", "N", OPT_UINT, 1, 100, 0, NULL, ANY, F(repeat), "the suite's, else 1",
      "run every run N times: host seconds are the minimum, median and maximum; the counters "
      "must be the same every time" },
    { "only", "PATTERN", OPT_REPEAT, 1, 64, 0, NULL, ANY, F(only), NULL,
      "run only the runs whose id (workload/config[:swept options]/profile) matches the "
      "fnmatch PATTERN, and their native baselines; repeatable" },
    { "timeout", "SECONDS", OPT_UINT, 1, 86400, 0, NULL, ANY, F(timeout), "the suite's, else 600",
      "kill a run (its process group) after SECONDS of wall-clock time: status timeout" },
    { "host-metric", "KIND", OPT_CHOICE, 0, 0, 0, host_metric_names, ANY, F(host_metric),
      "seconds", "host cost: wall-clock and CPU seconds; callgrind also runs each run once "
      "under valgrind --tool=callgrind for host instructions per guest instruction "
      "(host.insns_per_guest_insn, independent of machine load)" },
    { "emit-jobs", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(emit_jobs), NULL,
      "run nothing: write one self-contained shell command per run to FILE (for GNU parallel "
      "or a Slurm job array), each writing DIR/runs/NNNN; then 'tlbvisor bench merge --out "
      "DIR DIR/runs'" },
    { "run", "ID", OPT_STRING, 0, 0, 0, NULL, ANY, F(run), NULL,
      "run the one run ID into --out (what --emit-jobs writes)" },
    { "list", NULL, OPT_FLAG, 0, 0, 0, NULL, ANY, F(list), NULL,
      "print the ids of the runs (with --only: those selected) and exit" },
    { "tlbvisor", "FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(tlbvisor), NULL,
      "the program the runs run (default: this one), e.g. another build to compare" },
    { "build", "DIR", OPT_STRING, 0, 0, 0, NULL, ANY, F(build), NULL,
      "the value of ${build} in suite files (default: the directory above the one that "
      "holds the program the runs run, as in build/cli/tlbvisor)" },
};
static const size_t bench_opt_count = sizeof(bench_opt_table) / sizeof(bench_opt_table[0]);

struct merge_opts {
    const char *out;
    struct {
        unsigned out;
    } given;
};
#undef F
#define F(field) offsetof(struct merge_opts, field), offsetof(struct merge_opts, given.field)
static const struct opt merge_opt_table[] = {
    { "out", "DIR", OPT_STRING, 0, 0, 0, NULL, ANY, F(out), NULL,
      "write results.json, results.csv, report.md and plots/ into DIR (created)" },
};
#undef F

static void print_suites(FILE *f)
{
    fputs("built-in suites (bench/suites/NAME.ini):\n", f);
    for (size_t i = 0; i < bench_builtin_suite_count; i++) {
        char d[160];
        fprintf(f, "  %-20s  %s\n", bench_builtin_suites[i].name,
                bench_builtin_description(&bench_builtin_suites[i], d, sizeof(d)));
    }
}

static void print_usage(FILE *f)
{
    fputs("usage: tlbvisor bench --suite NAME|FILE --out DIR [options]\n"
          "       tlbvisor bench --suite NAME|FILE --emit-jobs FILE --out DIR [options]\n"
          "       tlbvisor bench merge --out DIR PATH...\n"
          "\n"
          "Runs a suite: every workload under every configuration (and every combination of\n"
          "swept option values) and every cost profile, each run a child `tlbvisor run`.\n"
          "Writes DIR/results.json (docs/results-schema.md), results.csv, report.md and\n"
          "plots/ (SVG and PNG through gnuplot). A progress bar with ETA on a terminal, else\n"
          "one line per finished run on stderr.\n"
          "\n"
          "options:\n", f);
    opt_print_help(bench_opt_table, bench_opt_count, f);
    fputs("  -h, --help            this text\n\n", f);
    print_suites(f);
    fputs("\n"
          "bench merge joins per-run results (run.json files, directories holding one, or\n"
          "directories of such directories, e.g. DIR/runs) into the results an in-process\n"
          "bench writes: the same counters, byte for byte, apart from host figures.\n"
          "\n"
          "exit status: 0 every run ended as expected; 1 some did not (failed, crashed, timed\n"
          "out, image missing, guest output different from the workload's other runs); 2\n"
          "usage errors, a bad suite, an unwritable --out, an interruption (what finished is\n"
          "kept).\n", f);
}

static int usage_error(const char *fmt, const char *a)
{
    return opt_usage_error("bench", fmt, a);
}

static json_t *tool_json(void)
{
    return json_pack("{s:s,s:s,s:s}", "name", "tlbvisor", "version", tlbvisor_version,
                     "git_revision", tlbvisor_git_revision);
}

/* An absolute path for path (which may not exist yet: its parent is resolved). */
static char *absolute(const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return bu_strdup(buf);
    if (path[0] == '/')
        return bu_strdup(path);
    if (!getcwd(buf, sizeof(buf)))
        return bu_strdup(path);
    return bu_printf("%s/%s", buf, path);
}

/* Creates dir and checks that files can be written in it. Returns 0, or 2 after a message. */
static int prepare_out(const char *dir)
{
    char msg[1024];
    if (bu_mkdir_p(dir) != 0 || access(dir, W_OK | X_OK) != 0) {
        file_msg(msg, sizeof(msg), dir, strerror(errno));
        fprintf(stderr, "tlbvisor bench: cannot write into --out %s\n", msg);
        return 2;
    }
    return 0;
}

/* Takes DIR/.lock for the rest of the process: two benches writing one --out would mix
 * their runs. Returns 0, or 2 after a message. */
static int lock_out(const char *dir)
{
    char *p = bu_printf("%s/.lock", dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    int busy = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    free(p);
    if (fd < 0 || busy) {
        char msg[1024];
        file_msg(msg, sizeof(msg), dir, busy ? "another tlbvisor bench is writing into it"
                                             : strerror(errno));
        fprintf(stderr, "tlbvisor bench: cannot use --out %s\n", msg);
        if (fd >= 0)
            close(fd);
        return 2;
    }
    return 0; /* fd stays open (and locked) until the process ends */
}

static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *p = bu_strdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(p, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *f = bu_printf("%s/%s", d, prog);
        found = access(f, X_OK) == 0;
        free(f);
    }
    free(p);
    return found;
}

/* Reads a run.json, a directory holding one, or a directory of such directories (sorted)
 * into docs. Returns 0, or 2 after a message. */
static int collect(const char *path, json_t ***docs, unsigned *n, unsigned *cap, int depth)
{
    struct stat st;
    char err[1024];
    if (stat(path, &st) != 0) {
        file_msg(err, sizeof(err), path, strerror(errno));
        fprintf(stderr, "tlbvisor bench merge: %s\n", err);
        return 2;
    }
    if (S_ISDIR(st.st_mode)) {
        char *rj = bu_printf("%s/run.json", path);
        if (access(rj, F_OK) == 0) {
            int rc = collect(rj, docs, n, cap, depth + 1);
            free(rj);
            return rc;
        }
        free(rj);
        if (depth > 0) {
            fprintf(stderr, "tlbvisor bench merge: %s: no run.json in it (a run that never "
                    "started?)\n", path);
            return 2;
        }
        struct dirent **list;
        int m = scandir(path, &list, NULL, alphasort);
        if (m < 0) {
            file_msg(err, sizeof(err), path, strerror(errno));
            fprintf(stderr, "tlbvisor bench merge: %s\n", err);
            return 2;
        }
        int rc = 0, any = 0;
        for (int i = 0; i < m; i++) {
            if (list[i]->d_name[0] != '.' && rc == 0) {
                char *sub = bu_printf("%s/%s", path, list[i]->d_name);
                struct stat ss;
                if (stat(sub, &ss) == 0 && S_ISDIR(ss.st_mode)) {
                    rc = collect(sub, docs, n, cap, depth + 1);
                    any = 1;
                }
                free(sub);
            }
            free(list[i]);
        }
        free(list);
        if (rc == 0 && !any) {
            fprintf(stderr, "tlbvisor bench merge: %s: no run.json and no run directories "
                    "in it\n", path);
            return 2;
        }
        return rc;
    }
    json_t *d = bench_doc_read(path, "run", err, sizeof(err));
    if (!d) {
        fprintf(stderr, "tlbvisor bench merge: %s\n", err);
        return 2;
    }
    *BU_PUSH(*docs, *n, *cap) = d;
    return 0;
}

/* Merges docs and writes the outputs into out. Returns the exit status. */
static int merge_and_write(json_t **docs, unsigned n, const char *out, int argc, char **argv,
                           json_t *timing, const char *who)
{
    char err[1024];
    struct bench_suite *s = NULL;
    json_t *doc = bench_merge(docs, n, &hooks, &s, err, sizeof(err));
    if (!doc) {
        fprintf(stderr, "tlbvisor %s: %s\n", who, err);
        return 2;
    }
    bench_doc_set_command(doc, argc, argv);
    if (timing)
        json_object_set(doc, "timing", timing);
    int rc = 0;
    if (bench_write_outputs(doc, s, out, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor %s: %s\n", who, err);
        rc = 2;
    }
    json_t *sum = json_object_get(doc, "summary");
    long long runs = json_integer_value(json_object_get(sum, "runs"));
    long long good = json_integer_value(json_object_get(sum, "ok"));
    fprintf(stderr, "tlbvisor %s: %lld runs, %lld as expected%s; %s/report.md, results.json, "
            "results.csv, plots/\n", who, runs, good, runs == good ? "" : " (see the report)",
            out);
    if (runs != good) {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(doc, "runs"), i, r)
            if (strcmp(json_string_value(json_object_get(r, "status")), "ok") != 0)
                fprintf(stderr, "tlbvisor %s: %s: %s: %s\n", who,
                        json_string_value(json_object_get(r, "id")),
                        json_string_value(json_object_get(r, "status")),
                        json_string_value(json_object_get(r, "reason")) ?: "");
        if (rc == 0)
            rc = 1;
    }
    json_decref(doc);
    bench_suite_free(s);
    return rc;
}

static int cmd_merge(int argc, char **argv)
{
    struct merge_opts o = { 0 };
    int optind_, help;
    int rc = opt_parse(merge_opt_table, 1, &o, argc, argv, &optind_, &help, "bench merge");
    if (rc)
        return rc;
    if (help) {
        print_usage(stdout);
        return 0;
    }
    if (!o.out)
        return opt_usage_error("bench merge", "%s", "--out DIR is needed");
    if (optind_ >= argc)
        return opt_usage_error("bench merge", "%s", "nothing to merge (give run.json files or "
                               "run directories)");
    json_t **docs = NULL;
    unsigned n = 0, cap = 0;
    for (int i = optind_; i < argc && rc == 0; i++)
        rc = collect(argv[i], &docs, &n, &cap, 0);
    if (rc == 0)
        rc = prepare_out(o.out);
    if (rc == 0)
        rc = lock_out(o.out);
    if (rc == 0)
        rc = merge_and_write(docs, n, o.out, argc, argv, NULL, "bench merge");
    for (unsigned i = 0; i < n; i++)
        json_decref(docs[i]);
    free(docs);
    return rc;
}

static int emit_jobs(const struct bench_opts *o, struct bench_suite *s, struct bench_matrix *m,
                     const char *prog, const char *self, const char *build, const char *out,
                     unsigned repeat, unsigned timeout)
{
    char *tmp = bu_printf("%s.tmp.%ld", o->emit_jobs, (long)getpid());
    FILE *f = fopen(tmp, "w");
    char msg[1024];
    if (!f) {
        file_msg(msg, sizeof(msg), o->emit_jobs, strerror(errno));
        fprintf(stderr, "tlbvisor bench: cannot write --emit-jobs %s\n", msg);
        free(tmp);
        return 2;
    }
    char *suite = strncmp(s->source, "builtin:", 8) == 0 ? bu_strdup(s->name) : absolute(s->source);
    char *qs = bu_shell_quote(suite), *qself = bu_shell_quote(self), *qb = bu_shell_quote(build);
    char *qp = bu_shell_quote(prog);
    unsigned jobs = 0;
    for (unsigned i = 0; i < m->n; i++) {
        struct bench_run *r = &m->runs[i];
        if (!r->selected)
            continue;
        char *dir = bu_printf("%s/runs/%04u", out, r->index);
        char *qd = bu_shell_quote(dir), *qi = bu_shell_quote(r->id);
        fprintf(f, "%s bench --suite %s --run %s --out %s --repeat %u --timeout %u "
                "--build %s --tlbvisor %s%s\n", qself, qs, qi, qd, repeat, timeout, qb, qp,
                o->host_metric == HOST_CALLGRIND ? " --host-metric callgrind" : "");
        free(dir);
        free(qd);
        free(qi);
        jobs++;
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, o->emit_jobs) != 0) {
        file_msg(msg, sizeof(msg), o->emit_jobs, strerror(errno));
        fprintf(stderr, "tlbvisor bench: cannot write --emit-jobs %s\n", msg);
        unlink(tmp);
        free(tmp);
        return 2;
    }
    fprintf(stderr, "tlbvisor bench: %u commands in %s, one per line; run them (e.g. 'parallel "
            "< %s', or as a Slurm job array: docs/benchmarking.md), then 'tlbvisor bench merge "
            "--out %s %s/runs'\n", jobs, o->emit_jobs, o->emit_jobs, out, out);
    free(tmp);
    free(suite);
    free(qs);
    free(qself);
    free(qb);
    free(qp);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    static struct bench_opts o;
    memset(&o, 0, sizeof(o));
    o.jobs = 1;
    int optind_, help;
    int rc = opt_parse(bench_opt_table, bench_opt_count, &o, argc, argv, &optind_, &help, "bench");
    if (rc)
        return rc;
    if (help) {
        print_usage(stdout);
        return 0;
    }
    if (optind_ < argc)
        return usage_error("unexpected argument '%s'", argv[optind_]);
    if (!o.suite)
        return usage_error("%s", "--suite NAME|FILE is needed (built-in suites: tlbvisor bench "
                           "--help)");
    if (o.run && (o.emit_jobs || o.given.only || o.list))
        return usage_error("%s", "--run runs one run: not with --emit-jobs, --only or --list");
    if (!o.list && !o.out)
        return usage_error("%s", "--out DIR is needed");
    if (o.host_metric == HOST_CALLGRIND && !o.list && !o.emit_jobs && !in_path("valgrind"))
        return usage_error("%s", "--host-metric callgrind needs valgrind (Debian package "
                           "valgrind) on the PATH");
    /* The programs: this one (for emitted commands) and the one the runs run. */
    char *self = absolute("/proc/self/exe");
    char *prog = absolute(o.tlbvisor ? o.tlbvisor : "/proc/self/exe");
    if (access(prog, X_OK) != 0) {
        char msg[1024];
        file_msg(msg, sizeof(msg), prog, strerror(errno));
        fprintf(stderr, "tlbvisor bench: --tlbvisor %s\n", msg);
        free(self);
        free(prog);
        return 2;
    }
    char *build;
    if (o.build) {
        build = absolute(o.build);
    } else {
        char *d = bu_strdup(prog), *sl = strrchr(d, '/');
        if (sl)
            *sl = 0;
        sl = strrchr(d, '/');
        if (sl && sl != d)
            *sl = 0;
        build = d;
    }
    char err[1024];
    struct bench_suite *s = bench_suite_load(o.suite, &hooks, err, sizeof(err));
    struct bench_matrix m = { 0 };
    if (!s) {
        fprintf(stderr, "tlbvisor bench: %s\n", err);
        rc = 2;
        goto out;
    }
    if (bench_matrix_build(s, &hooks, build, &m, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor bench: %s\n", err);
        rc = 2;
        goto out;
    }
    struct bu_strv only = { 0 };
    for (unsigned i = 0; i < o.given.only; i++)
        bu_strv_push(&only, o.only[i]);
    if (o.run) {
        struct bench_run *r = bench_matrix_find(&m, o.run);
        if (!r) {
            fprintf(stderr, "tlbvisor bench: no run '%s' in suite %s (tlbvisor bench --suite %s "
                    "--list)\n", o.run, s->name, o.suite);
            bu_strv_free(&only);
            rc = 2;
            goto out;
        }
        for (unsigned i = 0; i < m.n; i++)
            m.runs[i].selected = &m.runs[i] == r;
    } else if (bench_matrix_select(&m, &only) == 0) {
        fprintf(stderr, "tlbvisor bench: --only matches no run of suite %s (tlbvisor bench "
                "--suite %s --list)\n", s->name, o.suite);
        bu_strv_free(&only);
        rc = 2;
        goto out;
    }
    bu_strv_free(&only);
    if (o.list) {
        for (unsigned i = 0; i < m.n; i++)
            if (m.runs[i].selected)
                printf("%s%s\n", m.runs[i].id, m.runs[i].selected == 2 ? "  (native baseline)" : "");
        rc = 0;
        goto out;
    }
    unsigned repeat = o.given.repeat ? (unsigned)o.repeat : s->repeat;
    unsigned timeout = o.given.timeout ? (unsigned)o.timeout : s->timeout_s;
    char *out = NULL;
    if ((rc = prepare_out(o.out)) != 0 || (!o.run && (rc = lock_out(o.out)) != 0))
        goto out;
    out = absolute(o.out);
    if (!o.run) {
        /* DIR/runs is the bench's: the runs of an earlier bench there are not this one's
         * (a later `bench merge DIR/runs` would take them). */
        char *rd = bu_printf("%s/runs", out);
        if (bu_remove_matching(rd, "[0-9][0-9][0-9][0-9]") != 0) {
            char msg[1024];
            file_msg(msg, sizeof(msg), rd, strerror(errno));
            fprintf(stderr, "tlbvisor bench: cannot empty %s\n", msg);
            free(rd);
            free(out);
            rc = 2;
            goto out;
        }
        free(rd);
    }
    if (o.emit_jobs) {
        rc = emit_jobs(&o, s, &m, prog, self, build, out, repeat, timeout);
        free(out);
        goto out;
    }
    json_t *tool = tool_json();
    char *runs_dir = o.run ? bu_strdup(out) : bu_printf("%s/runs", out);
    struct bench_exec e = {
        .tlbvisor = prog, .runs_dir = runs_dir, .flat = o.run != NULL, .jobs = (unsigned)o.jobs,
        .repeat = repeat, .timeout_s = timeout, .callgrind = o.host_metric == HOST_CALLGRIND,
        .progress_bar = !o.run && isatty(2), .tool = tool,
    };
    double wall, runs_wall, t0 = bu_now();
    rc = bench_execute(s, &m, &e, &wall, &runs_wall);
    if (o.run) {
        /* One run for a later merge: its run.json is the result. */
        if (rc == 0 || rc == 1) {
            char *rj = bu_printf("%s/run.json", out);
            json_t *d = bench_doc_read(rj, "run", err, sizeof(err));
            json_t *r = d ? json_array_get(json_object_get(d, "runs"), 0) : NULL;
            if (r && strcmp(json_string_value(json_object_get(r, "status")), "ok") != 0) {
                fprintf(stderr, "tlbvisor bench: %s: %s: %s\n", o.run,
                        json_string_value(json_object_get(r, "status")),
                        json_string_value(json_object_get(r, "reason")) ?: "");
                rc = 1;
            }
            json_decref(d);
            free(rj);
        }
    } else if (rc != 2 || wall > 0) {
        /* Merge what finished, exactly as `bench merge` would. */
        json_t **docs = NULL;
        unsigned nd = 0, cap = 0;
        int rrc = 0;
        for (unsigned i = 0; i < m.n && rrc == 0; i++) {
            if (!m.runs[i].selected)
                continue;
            char *dir = bench_run_dir(&e, &m.runs[i]);
            char *rj = bu_printf("%s/run.json", dir);
            if (access(rj, F_OK) == 0)
                rrc = collect(rj, &docs, &nd, &cap, 1);
            free(rj);
            free(dir);
        }
        double t1 = bu_now();
        unsigned nsel = 0;
        for (unsigned i = 0; i < m.n; i++)
            nsel += m.runs[i].selected != 0;
        json_t *timing = json_pack("{s:i,s:i,s:f,s:f,s:f}", "jobs", (int)o.jobs, "runs", (int)nsel,
                                   "wall_s", wall, "runs_wall_s", runs_wall,
                                   "overhead_per_run_s", o.jobs == 1 && nsel
                                   ? (wall - runs_wall) / nsel : 0.0);
        int mrc = nd && rrc == 0 ? merge_and_write(docs, nd, out, argc, argv, timing, "bench") : 2;
        json_decref(timing);
        if (mrc > rc)
            rc = mrc;
        for (unsigned i = 0; i < nd; i++)
            json_decref(docs[i]);
        free(docs);
        double t2 = bu_now();
        if (o.jobs == 1 && nsel)
            fprintf(stderr, "tlbvisor bench: %.2f s in all; the runs %.2f s; the bench's own "
                    "time %.1f ms per run (%.1f%% of a run), then %.2f s for the results, "
                    "report and plots\n", t2 - t0, runs_wall, (wall - runs_wall) / nsel * 1e3,
                    runs_wall > 0 ? (wall - runs_wall) / runs_wall * 100 : 0.0, t2 - t1);
        else
            fprintf(stderr, "tlbvisor bench: %.2f s in all (%u jobs), then %.2f s for the "
                    "results, report and plots\n", t1 - t0, (unsigned)o.jobs, t2 - t1);
    }
    json_decref(tool);
    free(runs_dir);
    free(out);
out:
    bench_matrix_free(&m);
    bench_suite_free(s);
    free(self);
    free(prog);
    free(build);
    return rc;
}
