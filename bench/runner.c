/* runner.c - child runs (runner.h). One loop: start tasks while fewer than --jobs run,
 * wait for a child, a deadline or a signal (sigtimedwait with SIGCHLD blocked, so no child
 * can end unseen), reap, kill what is past its deadline, and turn each run whose tasks have
 * all ended into its run.json. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "results.h"
#include "runner.h"

#define CALLGRIND_TIMEOUT_FACTOR 100   /* valgrind runs a program 50-100x slower */
#define STATS_MAX_BYTES (64u << 20)

struct task {
    unsigned run;                  /* index into m->runs */
    int k;                         /* repeat number, or -1 for the callgrind execution */
    pid_t pid;
    double start, deadline, wall, cpu;
    int status;                    /* wait status */
    int timed_out, killed, started, done, spawn_errno;
};

struct runstate {
    unsigned tasks;
    int written;
    char *missing;                 /* an image that is not there: the run is not started */
};

char *bench_run_dir(const struct bench_exec *e, const struct bench_run *r)
{
    return e->flat ? bu_strdup(e->runs_dir) : bu_printf("%s/%04u", e->runs_dir, r->index);
}

/* The child's argv: the program (or valgrind and the program), "run", --stats, the rest. */
static char **child_argv(const struct bench_exec *e, const struct bench_run *r,
                         const char *dir, int k)
{
    struct bu_strv a = { 0 };
    if (r->external) {                 /* another program: its command line as it is */
        for (unsigned i = 0; i < r->argv.n; i++)
            bu_strv_push(&a, r->argv.v[i]);
        bu_strv_take(&a, NULL);
        return a.v;
    }
    if (k < 0) {
        bu_strv_push(&a, "valgrind");
        bu_strv_push(&a, "--tool=callgrind");
        bu_strv_take(&a, bu_printf("--callgrind-out-file=%s/callgrind.out", dir));
        bu_strv_push(&a, "--dump-line=no");
    }
    bu_strv_push(&a, e->tlbvisor);
    bu_strv_push(&a, r->argv.v[0]);                /* "run" */
    bu_strv_push(&a, "--stats");
    bu_strv_take(&a, k < 0 ? bu_printf("%s/stats.cg.json", dir)
                           : bu_printf("%s/stats.%d.json", dir, k));
    for (unsigned i = 1; i < r->argv.n; i++)
        bu_strv_push(&a, r->argv.v[i]);
    bu_strv_take(&a, NULL);
    return a.v;
}

static void free_argv(char **v)
{
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* Starts a task: fork, and in the child its own process group, the default signal mask,
 * stdin /dev/null, stdout/stderr to files, exec. */
static void start(const struct bench_exec *e, struct bench_matrix *m, struct task *t)
{
    struct bench_run *r = &m->runs[t->run];
    char *dir = bench_run_dir(e, r);
    char **argv = child_argv(e, r, dir, t->k);
    char *out = t->k < 0 ? bu_printf("%s/stdout.cg", dir) : bu_printf("%s/stdout.%d", dir, t->k);
    char *errf = t->k < 0 ? bu_printf("%s/stderr.cg", dir) : bu_printf("%s/stderr.%d", dir, t->k);
    t->started = 1;
    t->start = bu_now();
    double limit = (double)e->timeout_s * (t->k < 0 ? CALLGRIND_TIMEOUT_FACTOR : 1);
    t->deadline = t->start + limit;
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int er = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (in < 0 || o < 0 || er < 0)
            _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(er, 2);
        execvp(argv[0], argv);
        dprintf(2, "tlbvisor bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        t->spawn_errno = errno;
        t->done = 1;
    } else {
        setpgid(pid, pid);             /* also here: no race with a kill before the child's */
        t->pid = pid;
    }
    free_argv(argv);
    free(out);
    free(errf);
    free(dir);
}

/* ---- reading what a run left ---- */

/* Printable ASCII of s (JSON strings must be UTF-8; guest output is any bytes). */
static void printable(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
}

/* The first line of a file that says something ("tlbvisor: ..." preferred), or "". */
static char *first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512], *best = NULL;
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0])
            continue;
        if (strncmp(line, "tlbvisor", 8) == 0 || strncmp(line, "==", 2) != 0) {
            if (!best || (strncmp(best, "tlbvisor", 8) != 0 && strncmp(line, "tlbvisor", 8) == 0)) {
                free(best);
                best = bu_strdup(line);
            }
            if (strncmp(best, "tlbvisor", 8) == 0)
                break;
        }
    }
    if (f)
        fclose(f);
    if (!best)
        best = bu_strdup("");
    printable(best);
    return best;
}

/* Output checksums: one per VM (lines "[vmN] ..." when the run has several VMs), lines that
 * match ignore left out; also the last line kept of VM 1 and how many lines were kept. */
static json_t *output_json(const char *path, unsigned vms, const char *ignore)
{
    regex_t re;
    int have_re = ignore && regcomp(&re, ignore, REG_EXTENDED | REG_NOSUB) == 0;
    uint64_t h[9];
    unsigned long kept = 0;
    char *last = bu_strdup("");
    for (unsigned i = 0; i < 9; i++)
        h[i] = BU_FNV_INIT;
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (f && (len = getline(&line, &cap, f)) >= 0) {
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        if (len && line[len - 1] == '\r')        /* a reference emulator's serial CRLF */
            line[--len] = 0;
        unsigned vm = 1;
        char *text = line;
        if (vms > 1 && strncmp(line, "[vm", 3) == 0 && line[3] >= '1' && line[3] <= '8' &&
            line[4] == ']' && line[5] == ' ') {
            vm = (unsigned)(line[3] - '0');
            text = line + 6;
        }
        if (have_re && regexec(&re, text, 0, NULL, 0) == 0)
            continue;
        h[vm] = bu_fnv1a(h[vm], text, strlen(text));
        h[vm] = bu_fnv1a(h[vm], "\n", 1);
        kept++;
        if (vm == 1) {
            free(last);
            last = bu_strndup(text, strlen(text) > 200 ? 200 : strlen(text));
        }
    }
    free(line);
    if (f)
        fclose(f);
    if (have_re)
        regfree(&re);
    printable(last);
    json_t *o = json_object(), *cs = json_array();
    for (unsigned i = 1; i <= (vms ? vms : 1) && i <= 8; i++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "fnv1a64:%016llx", (unsigned long long)h[i]);
        json_array_append_new(cs, json_string(buf));
    }
    json_object_set_new(o, "checksums", cs);
    json_object_set_new(o, "last_line", json_string(last));
    json_object_set_new(o, "lines", json_integer((json_int_t)kept));
    free(last);
    return o;
}

/* Reads a stats file: a JSON object with integer "counters". NULL with a reason. */
static json_t *read_stats(const char *path, char *why, size_t len)
{
    uint8_t *text;
    size_t n;
    char e[256];
    if (file_read_all(path, "stats", STATS_MAX_BYTES, NULL, 0, &text, &n, e, sizeof(e)) != 0) {
        snprintf(why, len, "no stats file: %s", e);
        return NULL;
    }
    json_error_t je;
    json_t *st = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, &je);
    free(text);
    json_t *c = st ? json_object_get(st, "counters") : NULL;
    if (!st || !json_is_object(c)) {
        snprintf(why, len, "bad stats file: %s", st ? "no counters" : je.text);
        json_decref(st);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(c, k, v)
        if (!json_is_integer(v)) {
            snprintf(why, len, "bad stats file: counter %.64s is not an integer", k);
            json_decref(st);
            return NULL;
        }
    return st;
}

/* The Ir total of a callgrind output file ("summary:" or "totals:" line), or -1. */
static long long callgrind_insns(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    long long v = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "summary:", 8) == 0 || (v < 0 && strncmp(line, "totals:", 7) == 0))
            v = strtoll(line + (line[0] == 's' ? 8 : 7), NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* {"min", "median", "max"} of n samples. */
static json_t *spread(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return json_pack("{s:f,s:f,s:f}", "min", v[0], "median", med, "max", v[n - 1]);
}

static json_t *strv_json(const struct bu_strv *l)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

/* The run's description: what it is, before anything ran. */
static json_t *describe(const struct bench_run *r)
{
    json_t *o = json_object(), *var = json_object(), *opts = json_object();
    json_object_set_new(o, "index", json_integer(r->index));
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "workload", json_string(r->w->name));
    json_object_set_new(o, "config", json_string(r->c->name));
    for (unsigned i = 0; i < r->c->nopt; i++)
        if (r->c->opt[i].values.n > 1)
            for (unsigned k = 0; k < r->opt_names.n; k++)
                if (strcmp(r->opt_names.v[k], r->c->opt[i].name) == 0)
                    json_object_set_new(var, r->opt_names.v[k], json_string(r->opt_values.v[k]));
    json_object_set_new(o, "variant", var);
    json_object_set_new(o, "profile", json_string(r->profile));
    json_object_set_new(o, "label", json_string(r->label));
    json_object_set_new(o, "workload_label", json_string(r->w->label ? r->w->label : r->w->name));
    json_object_set_new(o, "args", json_string(r->args));
    json_object_set_new(o, "images", strv_json(&r->images));
    for (unsigned i = 0; i < r->opt_names.n; i++)
        json_object_set_new(opts, r->opt_names.v[i], json_string(r->opt_values.v[i]));
    json_object_set_new(o, "options", opts);
    json_t *argv = json_array();
    if (!r->external) {
        json_array_append_new(argv, json_string("tlbvisor"));
        json_array_append_new(argv, json_string("run"));
        json_array_append_new(argv, json_string("--stats"));
        json_array_append_new(argv, json_string("stats.json"));
    }
    for (unsigned i = r->external ? 0 : 1; i < r->argv.n; i++)
        json_array_append_new(argv, json_string(r->argv.v[i]));
    json_object_set_new(o, "argv", argv);
    json_object_set_new(o, "native_key", json_string(r->facts.native_key));
    json_object_set_new(o, "vms", json_integer(r->facts.vms ? r->facts.vms : 1));
    json_object_set_new(o, "mode", json_string(r->external ? "external"
                                                            : r->facts.vmm ? "vmm" : "native"));
    json_object_set_new(o, "mmu", json_string(r->facts.mmu));
    json_object_set_new(o, "expected_exit", json_integer(r->w->exit_status));
    return o;
}

static void set_status(json_t *o, const char *status, const char *reason)
{
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
}

/* What went wrong with one execution, or NULL: sets *reason (malloc'd). */
static const char *task_problem(const struct bench_exec *e, const struct bench_run *r,
                                const struct task *t, const char *errf, char **reason)
{
    const char *what = t->k < 0 ? " (under callgrind)" : "";
    if (!t->started) {
        *reason = bu_strdup("interrupted before it started");
        return "not-run";
    }
    if (t->spawn_errno) {
        *reason = bu_printf("cannot fork: %s", strerror(t->spawn_errno));
        return "error";
    }
    if (t->killed) {
        *reason = bu_strdup("interrupted (SIGINT or SIGTERM)");
        return "interrupted";
    }
    if (t->timed_out) {
        *reason = bu_printf("timed out after %u s%s", t->k < 0 ?
                            e->timeout_s * CALLGRIND_TIMEOUT_FACTOR : e->timeout_s, what);
        return "timeout";
    }
    char *l = first_line(errf);
    const char *st = NULL;
    if (WIFSIGNALED(t->status)) {
        *reason = bu_printf("killed by signal %d (%s)%s%s%s", WTERMSIG(t->status),
                            strsignal(WTERMSIG(t->status)), what, l[0] ? ": " : "", l);
        st = "crashed";
    } else if (WEXITSTATUS(t->status) != r->w->exit_status) {
        *reason = bu_printf("exit status %d (expected %d)%s%s%s", WEXITSTATUS(t->status),
                            r->w->exit_status, what, l[0] ? ": " : "", l);
        st = WEXITSTATUS(t->status) >= 126 ? "error" : "failed";
    }
    free(l);
    return st;
}

/* Everything the run's executions left, into its run object. */
static json_t *assemble(const struct bench_suite *s, const struct bench_exec *e,
                        const struct bench_run *r, struct task *tasks, unsigned ntasks,
                        const char *dir, const char *missing)
{
    json_t *o = describe(r);
    json_t *first = NULL;          /* the stats of the first execution that produced any */
    const char *status = NULL;     /* the first problem */
    char *reason = NULL;
    double *wall = bu_alloc(sizeof(double) * (ntasks + 1));
    double *cpu = bu_alloc(sizeof(double) * (ntasks + 1));
    unsigned nw = 0;
    long long cg = -1;
    json_object_set_new(o, "exit_status", json_null());
    json_object_set_new(o, "signal", json_null());
    if (missing) {
        status = "missing";
        reason = bu_strdup(missing);
    }
    for (unsigned i = 0; i < ntasks && !missing; i++) {
        struct task *t = &tasks[i];
        if (t->k < 0 && r->external)   /* no callgrind execution of another program */
            continue;
        char *errf = t->k < 0 ? bu_printf("%s/stderr.cg", dir) : bu_printf("%s/stderr.%d", dir, t->k);
        char *statsf = t->k < 0 ? bu_printf("%s/stats.cg.json", dir)
                                : bu_printf("%s/stats.%d.json", dir, t->k);
        char *why = NULL;
        const char *st = task_problem(e, r, t, errf, &why);
        int ran = t->started && !t->spawn_errno && !t->killed;
        if (ran && t->k == 0 && !t->timed_out) {
            if (WIFEXITED(t->status))
                json_object_set_new(o, "exit_status", json_integer(WEXITSTATUS(t->status)));
            else
                json_object_set_new(o, "signal", json_integer(WTERMSIG(t->status)));
        }
        if (ran && t->k >= 0) {
            wall[nw] = t->wall;
            cpu[nw++] = t->cpu;
        }
        if (!st && !r->external) {
            char msg[512];
            json_t *stats = read_stats(statsf, msg, sizeof(msg));
            if (!stats) {
                st = "error";
                why = bu_printf("%s%s", msg, t->k < 0 ? " (under callgrind)" : "");
            } else if (!first) {
                first = stats;
            } else {
                if (!json_equal(json_object_get(first, "counters"),
                                json_object_get(stats, "counters"))) {
                    st = "nondeterministic";
                    why = bu_strdup(t->k < 0 ? "counters differ under callgrind"
                                             : "counters differ between repeats");
                }
                json_decref(stats);
            }
            if (t->k < 0) {
                char *cgf = bu_printf("%s/callgrind.out", dir);
                cg = callgrind_insns(cgf);
                free(cgf);
            }
        }
        if (st && !status) {
            status = st;
            reason = why;
        } else {
            free(why);
        }
        free(errf);
        free(statsf);
    }
    set_status(o, status ? status : "ok", reason);
    free(reason);
    if (first) {
        json_t *mode = json_object_get(first, "mode"), *be = json_object_get(first, "backend");
        if (json_is_string(mode))
            json_object_set(o, "mode", mode);
        json_object_set_new(o, "backend", json_is_string(be) ? json_incref(be) : json_null());
        json_object_set(o, "cost", json_object_get(first, "cost"));
    } else {
        json_object_set_new(o, "backend", json_null());
        json_object_set_new(o, "cost", json_null());
    }
    char *outf = bu_printf("%s/stdout.0", dir);
    json_object_set_new(o, "output", !missing && (first || r->external) && access(outf, R_OK) == 0
                        ? output_json(outf, r->facts.vms, r->w->ignore ? r->w->ignore :
                                      s->ignore ? s->ignore : BENCH_DEFAULT_IGNORE)
                        : json_null());
    free(outf);
    json_object_set(o, "counters", first ? json_object_get(first, "counters") : json_null());
    json_t *host = json_object();
    if (nw) {
        json_t *samples = json_array();
        for (unsigned i = 0; i < nw; i++)
            json_array_append_new(samples, json_real(wall[i]));
        json_object_set_new(host, "seconds", spread(wall, nw));
        json_object_set_new(host, "cpu_seconds", spread(cpu, nw));
        json_object_set_new(host, "samples", samples);
    }
    json_t *insns = first ? json_object_get(json_object_get(first, "counters"),
                                            "cpu.instructions") : NULL;
    double med = nw ? json_real_value(json_object_get(json_object_get(host, "seconds"),
                                                      "median")) : 0;
    if (insns && med > 0)
        json_object_set_new(host, "mips", json_real((double)json_integer_value(insns) / med / 1e6));
    if (cg >= 0) {
        json_object_set_new(host, "callgrind_insns", json_integer(cg));
        if (insns && json_integer_value(insns) > 0)
            json_object_set_new(host, "insns_per_guest_insn",
                                json_real((double)cg / (double)json_integer_value(insns)));
    }
    char hn[256] = "";
    gethostname(hn, sizeof(hn) - 1);
    printable(hn);
    json_object_set_new(host, "hostname", json_string(hn));
    json_object_set_new(o, "host", host);
    json_decref(first);
    free(wall);
    free(cpu);
    return o;
}

/* Keeps the first execution's files as stdout, stderr, stats.json; removes the others. */
static void tidy(const char *dir, unsigned repeat, int callgrind)
{
    static const char *const names[][2] = { { "stdout.%d", "stdout" }, { "stderr.%d", "stderr" },
                                            { "stats.%d.json", "stats.json" } };
    for (unsigned n = 0; n < 3; n++) {
        char *f0, fmt[64];
        snprintf(fmt, sizeof(fmt), "%%s/%s", names[n][0]);
        f0 = bu_printf(fmt, dir, 0);
        char *to = bu_printf("%s/%s", dir, names[n][1]);
        rename(f0, to);
        free(f0);
        free(to);
        for (unsigned k = 1; k < repeat; k++) {
            char *fk = bu_printf(fmt, dir, k);
            unlink(fk);
            free(fk);
        }
    }
    if (callgrind) {
        static const char *const cg[] = { "stdout.cg", "stats.cg.json" };
        for (unsigned i = 0; i < 2; i++) {
            char *f = bu_printf("%s/%s", dir, cg[i]);
            unlink(f);
            free(f);
        }
    }
}

static void progress(const struct bench_exec *e, unsigned done, unsigned total, double t0,
                     const char *id, const char *status, double secs)
{
    double el = bu_now() - t0;
    if (!e->progress_bar) {
        fprintf(stderr, "[%u/%u] %s %s %.2f s\n", done, total, id, status, secs);
        return;
    }
    enum { W = 30 };
    unsigned fill = total ? done * W / total : W;
    double eta = done ? el / done * (total - done) : 0;
    fprintf(stderr, "\r\033[K[%.*s%*s] %u/%u runs  %02d:%02d elapsed  ETA %02d:%02d  %s%s%s",
            (int)fill, "##############################", (int)(W - fill), "", done, total,
            (int)el / 60, (int)el % 60, (int)eta / 60, (int)eta % 60,
            strcmp(status, "ok") ? "last failure: " : "", strcmp(status, "ok") ? id : "",
            strcmp(status, "ok") ? "" : "");
    if (done == total)
        fputc('\n', stderr);
}

int bench_execute(const struct bench_suite *s, struct bench_matrix *m,
                  const struct bench_exec *e, double *wall_s, double *runs_wall_s)
{
    double t0 = bu_now();
    unsigned per = e->repeat + (e->callgrind ? 1 : 0), nsel = 0;
    for (unsigned i = 0; i < m->n; i++)
        nsel += m->runs[i].selected != 0;
    struct task *tasks = bu_alloc(sizeof(*tasks) * (size_t)nsel * per);
    struct runstate *rs = bu_alloc(sizeof(*rs) * m->n);
    unsigned nt = 0;
    int rc = 0;
    /* Run directories first: an unwritable one stops everything before anything runs. */
    for (unsigned i = 0; i < m->n; i++) {
        if (!m->runs[i].selected)
            continue;
        char *dir = bench_run_dir(e, &m->runs[i]);
        if (bu_mkdir_p(dir) != 0) {
            char msg[1024];
            file_msg(msg, sizeof(msg), dir, strerror(errno));
            fprintf(stderr, "tlbvisor bench: cannot create %s\n", msg);
            free(dir);
            free(tasks);
            free(rs);
            return 2;
        }
        free(dir);
        for (unsigned k = 0; k < m->runs[i].images.n && !rs[i].missing; k++)
            if (access(m->runs[i].images.v[k], R_OK) != 0)
                rs[i].missing = bu_printf("guest image %s: %s", m->runs[i].images.v[k],
                                          strerror(errno));
        for (unsigned k = 0; k < per; k++)
            tasks[nt++] = (struct task){ .run = i, .k = k < e->repeat ? (int)k : -1,
                                         .done = rs[i].missing != NULL ||
                                                 (k >= e->repeat && m->runs[i].external),
                                         .started = k >= e->repeat && m->runs[i].external };
        rs[i].tasks = per;
    }
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    /* The order of starts: repeats interleaved (every run once, then every run again), so
     * that a change in the machine's load falls on all the runs alike, not on one run. */
    unsigned *order = bu_alloc(sizeof(*order) * (nt ? nt : 1)), no = 0;
    for (unsigned k = 0; k < per; k++)
        for (unsigned i = 0; i < nt; i += per)
            order[no++] = i + k;
    unsigned next = 0, running = 0, runs_done = 0;
    int stop = 0;
    double runs_wall = 0, last_draw = t0;
    while (running || (!stop && next < nt)) {
        while (!stop && running < e->jobs && next < nt) {
            struct task *t = &tasks[order[next++]];
            if (rs[t->run].missing)
                continue;
            start(e, m, t);
            if (!t->done)
                running++;
        }
        /* Wait for a child, a signal or the earliest deadline. */
        double now = bu_now(), wait = 1.0;
        for (unsigned i = 0; i < nt; i++)
            if (tasks[i].started && !tasks[i].done && tasks[i].pid > 0 && !tasks[i].timed_out) {
                double d = tasks[i].deadline - now;
                if (d < wait)
                    wait = d < 0 ? 0 : d;
            }
        struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
        int sig = running ? sigtimedwait(&set, NULL, &ts) : -1;
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            stop = 1;
            rc = 2;
            for (unsigned i = 0; i < nt; i++)
                if (tasks[i].started && !tasks[i].done && tasks[i].pid > 0) {
                    kill(-tasks[i].pid, SIGKILL);
                    tasks[i].killed = 1;
                }
            if (e->progress_bar)
                fputc('\n', stderr);
            fprintf(stderr, "tlbvisor bench: interrupted: stopping the runs, keeping what "
                    "finished\n");
        }
        /* Reap. */
        for (;;) {
            int st;
            struct rusage ru;
            pid_t pid = wait4(-1, &st, WNOHANG, &ru);
            if (pid <= 0)
                break;
            for (unsigned i = 0; i < nt; i++) {
                struct task *t = &tasks[i];
                if (t->pid != pid || t->done)
                    continue;
                t->done = 1;
                t->status = st;
                t->wall = bu_now() - t->start;
                t->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
                running--;
            }
        }
        /* The bar's clock moves even while no run ends. */
        if (e->progress_bar && runs_done < nsel && bu_now() - last_draw >= 1.0) {
            progress(e, runs_done, nsel, t0, "", "ok", 0);
            last_draw = bu_now();
        }
        /* Deadlines. */
        now = bu_now();
        for (unsigned i = 0; i < nt; i++) {
            struct task *t = &tasks[i];
            if (t->started && !t->done && t->pid > 0 && !t->timed_out && now >= t->deadline) {
                kill(-t->pid, SIGKILL);
                t->timed_out = 1;
            }
        }
        /* Runs whose tasks have all ended (or will never start). */
        for (unsigned i = 0; i < nt; i += per) {
            unsigned ri = tasks[i].run;
            if (rs[ri].written)
                continue;
            unsigned ended = 0;
            for (unsigned k = 0; k < per; k++)
                ended += tasks[i + k].done || (stop && !tasks[i + k].started);
            if (ended < per)
                continue;
            struct bench_run *r = &m->runs[ri];
            char *dir = bench_run_dir(e, r);
            json_t *o = assemble(s, e, r, &tasks[i], per, dir, rs[ri].missing);
            if (!rs[ri].missing)
                tidy(dir, e->repeat, e->callgrind);
            json_t *doc = bench_doc_new(s, e->tool);
            json_object_set_new(doc, "partial", json_true());
            json_array_append_new(json_object_get(doc, "runs"), o);
            char *path = bu_printf("%s/run.json", dir);
            if (bench_doc_write(doc, path) != 0) {
                char msg[1024];
                file_msg(msg, sizeof(msg), path, strerror(errno));
                fprintf(stderr, "tlbvisor bench: cannot write %s\n", msg);
                rc = 2;
            }
            const char *st = json_string_value(json_object_get(o, "status"));
            if (strcmp(st, "ok") != 0 && rc == 0)
                rc = 1;
            double secs = 0;
            for (unsigned k = 0; k < per; k++)
                if (tasks[i + k].k >= 0)
                    secs += tasks[i + k].wall;
            runs_wall += secs;
            runs_done++;
            if (strcmp(st, "ok") != 0 && e->progress_bar) {
                fprintf(stderr, "\r\033[Ktlbvisor bench: %s: %s: %s\n", r->id, st,
                        json_string_value(json_object_get(o, "reason")));
            }
            progress(e, runs_done, nsel, t0, r->id, st, secs / e->repeat);
            last_draw = bu_now();
            rs[ri].written = 1;
            json_decref(doc);
            free(path);
            free(dir);
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (unsigned i = 0; i < m->n; i++)
        free(rs[i].missing);
    free(order);
    free(tasks);
    free(rs);
    *wall_s = bu_now() - t0;
    *runs_wall_s = runs_wall;
    return rc;
}
