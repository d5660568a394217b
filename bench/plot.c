/* plot.c - gnuplot plots (plot.h). For each plot: NAME.dat (tab-separated data), NAME.gp
 * (the script) and, from gnuplot, NAME.png and NAME.svg. Only runs without swept options
 * go into the overhead and cycle plots; swept configurations get their line plots. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metric.h"
#include "plot.h"
#include "results.h"

#define MAX_BARS 16              /* configurations in one overhead plot */

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int ok(json_t *run)
{
    return strcmp(str(run, "status"), "ok") == 0;
}

static int swept(json_t *run)
{
    return json_object_size(json_object_get(run, "variant")) > 0;
}

/* The suite's choice of what the plots show ([suite] plot-workloads, plot-configs). */
static const struct bench_suite *suite;

static int plotted(json_t *run)
{
    return !suite || (bu_glob_any(&suite->plot_workloads, str(run, "workload")) &&
                      bu_glob_any(&suite->plot_configs, str(run, "config")));
}

/* A gnuplot single-quoted string ('' is a quote inside). */
static void gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static void add_unique(struct bu_strv *l, const char *s)
{
    for (unsigned i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return;
    bu_strv_push(l, s);
}

static int gnuplot_missing;

/* Runs gnuplot on dir/name.gp (in dir). Returns 0 if it made the PNG. */
static int run_gnuplot(const char *dir, const char *name)
{
    if (gnuplot_missing)
        return -1;
    char *script = bu_printf("%s.gp", name), *log = bu_printf("%s/%s.log", dir, name);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int in = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (in >= 0)
            dup2(in, 0);
        if (chdir(dir) != 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    int rc = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
    if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        gnuplot_missing = 1;
        fprintf(stderr, "tlbvisor bench: warning: gnuplot not found, no plots (Debian package "
                "gnuplot-nox)\n");
    } else if (rc != 0) {
        fprintf(stderr, "tlbvisor bench: warning: gnuplot failed on %s/%s (see %s)\n", dir,
                script, log);
    } else {
        unlink(log);
    }
    free(script);
    free(log);
    return rc;
}

/* The terminal settings and, after the plot command, the same plot as SVG. */
static void gp_head(FILE *f, const char *name, int width, int height, const char *title)
{
    fprintf(f, "# %s: made by tlbvisor bench (plot.c); `gnuplot %s.gp` remakes %s.png and .svg\n",
            name, name, name);
    fprintf(f, "set terminal pngcairo noenhanced size %d,%d font ',11'\n", width, height);
    fprintf(f, "set output '%s.png'\n", name);
    fputs("set datafile separator '\\t'\nset datafile missing '?'\n", f);
    fputs("set title ", f);
    gp_quote(f, title);
    fputs(" font ',13'\nset grid ytics lc rgb '#c8c8c8'\nset border 3\nset tics nomirror\n", f);
}

static void gp_tail(FILE *f, const char *name, int width, int height)
{
    fprintf(f, "set terminal svg noenhanced size %d,%d dynamic font 'sans,11'\n", width, height);
    fprintf(f, "set output '%s.svg'\nreplot\nunset output\n", name);
}

/* Closes a plot's data file d and script f, runs gnuplot on them if want, and frees the
 * file names and the plot's name. Returns 1 if the PNG was made. */
static int plot_finish(FILE *d, FILE *f, const char *dir, char *name, char *dat, char *gp,
                       int want)
{
    if (d)
        fclose(d);
    if (f)
        fclose(f);
    int made = want && run_gnuplot(dir, name) == 0;
    free(dat);
    free(gp);
    free(name);
    return made;
}

static json_t *find_run(json_t *runs, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
        if (strcmp(str(r, "id"), id) == 0)
            return r;
    return NULL;
}

/* Overhead bars for one profile: workloads along x, a bar per VMM configuration. */
static int plot_overhead(json_t *runs, const char *profile, const char *dir)
{
    struct bu_strv wl = { 0 }, wlab = { 0 }, cols = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        if (strcmp(str(r, "profile"), profile) || swept(r) || !ok(r) || !plotted(r) ||
            strcmp(str(r, "mode"), "vmm") || !json_is_number(bench_run_value(r, "ratio")))
            continue;
        add_unique(&cols, str(r, "label"));
        if (cols.n > MAX_BARS)
            break;
    }
    if (!cols.n || cols.n > MAX_BARS) {
        bu_strv_free(&cols);
        return 0;
    }
    json_array_foreach(runs, i, r)
        if (!strcmp(str(r, "profile"), profile) && !strcmp(str(r, "mode"), "vmm") && !swept(r) &&
            plotted(r) && json_is_number(bench_run_value(r, "ratio"))) {
            unsigned before = wl.n;
            add_unique(&wl, str(r, "workload"));
            if (wl.n > before)
                bu_strv_push(&wlab, str(r, "workload"));
        }
    const char *pb = strrchr(profile, '/');
    char *name = bu_printf("overhead-%s", pb ? pb + 1 : profile);
    char *dat = bu_printf("%s/%s.dat", dir, name), *gp = bu_printf("%s/%s.gp", dir, name);
    FILE *d = fopen(dat, "w"), *f = fopen(gp, "w");
    int made = 0;
    if (d && f) {
        fputs("workload", d);
        for (unsigned c = 0; c < cols.n; c++)
            fprintf(d, "\t%s", cols.v[c]);
        fputs("\n", d);
        double ymax = 1;
        for (unsigned w = 0; w < wl.n; w++) {
            fputs(wlab.v[w], d);
            for (unsigned c = 0; c < cols.n; c++) {
                json_t *hit = NULL;
                json_array_foreach(runs, i, r)
                    if (!hit && !strcmp(str(r, "profile"), profile) && !swept(r) && plotted(r) &&
                        !strcmp(str(r, "workload"), wl.v[w]) && !strcmp(str(r, "label"), cols.v[c]) &&
                        ok(r) && json_is_number(bench_run_value(r, "ratio")))
                        hit = r;
                if (hit) {
                    double v = bench_num(bench_run_value(hit, "ratio"));
                    ymax = v > ymax ? v : ymax;
                    fprintf(d, "\t%.4f", v);
                } else {
                    fputs("\t?", d);
                }
            }
            fputs("\n", d);
        }
        int width = 420 + (int)(wl.n * (cols.n * 26 + 34));
        width = width < 900 ? 900 : width > 2400 ? 2400 : width;
        const char *pb = strrchr(profile, '/');
        char *title = bu_printf("Overhead: modelled cycles / native cycles (cost profile %s)",
                                pb ? pb + 1 : profile);
        gp_head(f, name, width, 560, title);
        free(title);
        fputs("set ylabel 'modelled cycles / native cycles (same MMU)'\n"
              "set style data histograms\nset style histogram clustered gap 1\n"
              "set style fill solid 0.85 border rgb '#404040'\nset boxwidth 0.9\n"
              "set key outside right top vertical Left reverse noautotitle\n", f);
        if (ymax > 12)                 /* ratios that span decades: log scale from 1 */
            fprintf(f, "set logscale y\nset yrange [0.9:%.2f]\nset ytics (1, 2, 5, 10, 20, 50, "
                    "100, 200, 500, 1000)\n", ymax * 1.5);
        else
            fprintf(f, "set yrange [0:%.2f]\n", ymax * 1.12);
        size_t longest = 0;
        for (unsigned w = 0; w < wl.n; w++)
            longest = strlen(wlab.v[w]) > longest ? strlen(wlab.v[w]) : longest;
        fputs("set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#000000' back\n", f);
        fputs(longest > 12 ? "set xtics scale 0 rotate by -20 left\nset bmargin 6\n"
                           : "set xtics scale 0\n", f);
        fputs("set linetype 1 lc rgb '#4477aa'\nset linetype 2 lc rgb '#ee6677'\n"
              "set linetype 3 lc rgb '#228833'\nset linetype 4 lc rgb '#ccbb44'\n"
              "set linetype 5 lc rgb '#66ccee'\nset linetype 6 lc rgb '#aa3377'\n"
              "set linetype 7 lc rgb '#bbbbbb'\nset linetype 8 lc rgb '#000000'\n", f);
        fputs("plot ", f);
        for (unsigned c = 0; c < cols.n; c++)
            fprintf(f, "%s'%s.dat' using %u%s title columnheader(%u)", c ? ", " : "", name, c + 2,
                    c == 0 ? ":xtic(1)" : "", c + 2);
        fputs("\n", f);
        gp_tail(f, name, width, 560);
        made = 1;
    }
    made = plot_finish(d, f, dir, name, dat, gp, made);
    bu_strv_free(&wl);
    bu_strv_free(&wlab);
    bu_strv_free(&cols);
    return made;
}

/* Stacked cycles for one profile: per workload a group of bars (native and each VMM
 * configuration), each split into guest, VMM and idle cycles over the native cycles. */
static int plot_cycles(json_t *runs, const char *profile, const char *dir)
{
    struct bu_strv wl = { 0 }, wlab = { 0 };
    size_t i;
    json_t *r;
    unsigned bars = 0;
    json_array_foreach(runs, i, r)
        if (!strcmp(str(r, "profile"), profile) && !swept(r) && ok(r) && plotted(r) &&
            json_is_string(json_object_get(r, "baseline"))) {
            unsigned before = wl.n;
            add_unique(&wl, str(r, "workload"));
            if (wl.n > before)
                bu_strv_push(&wlab, str(r, "workload"));
            bars++;
        }
    int any_vmm = 0;                   /* natively the bars would all be 1: no plot */
    json_array_foreach(runs, i, r)
        any_vmm |= !strcmp(str(r, "mode"), "vmm") && !strcmp(str(r, "profile"), profile) &&
                   plotted(r) && !swept(r) && ok(r);
    if (!bars || bars > 80 || !any_vmm) {
        bu_strv_free(&wl);
        bu_strv_free(&wlab);
        return 0;
    }
    const char *pb = strrchr(profile, '/');
    char *name = bu_printf("cycles-%s", pb ? pb + 1 : profile);
    char *dat = bu_printf("%s/%s.dat", dir, name), *gp = bu_printf("%s/%s.gp", dir, name);
    FILE *d = fopen(dat, "w"), *f = fopen(gp, "w");
    int made = 0;
    if (d && f) {
        double ymax = 1;
        for (unsigned w = 0; w < wl.n; w++) {
            fputs("run\tguest\tVMM\tidle\n", d);
            json_array_foreach(runs, i, r) {
                if (strcmp(str(r, "profile"), profile) || swept(r) || !ok(r) || !plotted(r) ||
                    strcmp(str(r, "workload"), wl.v[w]))
                    continue;
                json_t *b = find_run(runs, str(r, "baseline"));
                if (!b || !ok(b))
                    continue;
                double base = bench_num(bench_run_value(b, "cycles"));
                if (base <= 0)
                    continue;
                double g = bench_num(bench_run_value(r, "guest_cycles")) / base;
                double v = bench_num(bench_run_value(r, "vmm_cycles")) / base;
                double id = bench_num(bench_run_value(r, "idle_cycles")) / base;
                ymax = g + v + id > ymax ? g + v + id : ymax;
                fprintf(d, "%s\t%.5f\t%.5f\t%.5f\n", str(r, "label"), g, v, id);
            }
            fputs("\n\n", d);
        }
        int width = 300 + (int)bars * 46 + (int)wl.n * 20;
        width = width < 900 ? 900 : width > 3000 ? 3000 : width;
        const char *pb = strrchr(profile, '/');
        char *title = bu_printf("Where the cycles go: guest, VMM, idle / native cycles (cost "
                                "profile %s)", pb ? pb + 1 : profile);
        gp_head(f, name, width, 620, title);
        free(title);
        fputs("set ylabel 'modelled cycles / native cycles'\n"
              "set style data histograms\nset style histogram rowstacked title offset 0,-1.5\n"
              "set style fill solid 0.85 border rgb '#404040'\nset boxwidth 0.75\n"
              "set key outside right top vertical\nset bmargin 9\n"
              "set xtics rotate by -35 left scale 0 font ',10'\n", f);
        fprintf(f, "set yrange [0:%.2f]\n", ymax * 1.1);
        fputs("plot ", f);
        for (unsigned w = 0; w < wl.n; w++) {
            fprintf(f, "%snewhistogram ", w ? ", \\\n     " : "");
            gp_quote(f, wlab.v[w]);
            fprintf(f, " font ',11', '%s.dat' index %u using 2:xtic(1) %s lc rgb '#4477aa', "
                    "'' index %u using 3 %s lc rgb '#ee6677', '' index %u using 4 %s lc rgb '#bbbbbb'",
                    name, w, w ? "notitle" : "title columnheader(2)", w,
                    w ? "notitle" : "title columnheader(3)", w,
                    w ? "notitle" : "title columnheader(4)");
        }
        fputs("\n", f);
        gp_tail(f, name, width, 620);
        made = 1;
    }
    made = plot_finish(d, f, dir, name, dat, gp, made);
    bu_strv_free(&wl);
    bu_strv_free(&wlab);
    return made;
}

static int numeric(const char *s)
{
    char *end;
    if (!*s)
        return 0;
    strtod(s, &end);
    if (*end == 'K' || *end == 'M' || *end == 'G')
        end++;
    return *end == 0;
}

static double num_value(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return *end == 'K' ? v * 1024 : *end == 'M' ? v * 1048576 : *end == 'G' ? v * 1073741824 : v;
}

/* One line plot per swept numeric option of a configuration: the metric against the
 * option's value, a line per workload (and per value of the configuration's other swept
 * options, and per profile). */
static int plot_sweeps(json_t *runs, const char *dir)
{
    struct bu_strv done = { 0 };
    int made = 0;
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        const char *opt;
        json_t *val;
        if (!plotted(r))
            continue;
        json_object_foreach(json_object_get(r, "variant"), opt, val) {
            char *key = bu_printf("%s\t%s", str(r, "config"), opt);
            int seen = 0;
            for (unsigned k = 0; k < done.n; k++)
                seen |= strcmp(done.v[k], key) == 0;
            if (seen) {
                free(key);
                continue;
            }
            bu_strv_take(&done, key);
            /* The lines: runs of this config grouped by everything but opt. */
            struct bu_strv lines = { 0 };
            int all_numeric = 1, ratio = 1;
            size_t j;
            json_t *q;
            json_array_foreach(runs, j, q) {
                if (strcmp(str(q, "config"), str(r, "config")) || !plotted(q))
                    continue;
                all_numeric &= numeric(str(json_object_get(q, "variant"), opt));
                /* A native configuration is its own baseline (ratio 1): its cycles show. */
                if (ok(q) && (!json_is_number(bench_run_value(q, "ratio")) ||
                              strcmp(str(q, "mode"), "vmm") != 0))
                    ratio = 0;
                char line[512];
                size_t n = (size_t)snprintf(line, sizeof(line), "%s", str(q, "workload_label"));
                const char *o2;
                json_t *v2;
                json_object_foreach(json_object_get(q, "variant"), o2, v2)
                    if (strcmp(o2, opt) && n < sizeof(line))
                        n += (size_t)snprintf(line + n, sizeof(line) - n, ", %s=%s", o2,
                                              json_string_value(v2));
                if (n < sizeof(line))
                    snprintf(line + n, sizeof(line) - n, "%s%s", "\t", str(q, "profile"));
                add_unique(&lines, line);
            }
            if (!all_numeric || lines.n > 24) {
                bu_strv_free(&lines);
                continue;
            }
            int multi_prof = 0;
            for (unsigned k = 1; k < lines.n; k++)
                multi_prof |= strcmp(strchr(lines.v[k], '\t'), strchr(lines.v[0], '\t')) != 0;
            const char *metric = ratio ? "ratio" : "cycles";
            char *name = bu_printf("sweep-%s-%s", str(r, "config"), opt);
            char *dat = bu_printf("%s/%s.dat", dir, name), *gp = bu_printf("%s/%s.gp", dir, name);
            FILE *d = fopen(dat, "w"), *f = fopen(gp, "w");
            double lo = INFINITY, hi = 0, ylo = INFINITY, yhi = 0;
            if (d && f) {
                for (unsigned l = 0; l < lines.n; l++) {
                    fprintf(d, "%s\t%s\n", opt, metric);
                    json_array_foreach(runs, j, q) {
                        if (strcmp(str(q, "config"), str(r, "config")) || !ok(q) || !plotted(q))
                            continue;
                        char line[512];
                        size_t n = (size_t)snprintf(line, sizeof(line), "%s", str(q, "workload_label"));
                        const char *o2;
                        json_t *v2;
                        json_object_foreach(json_object_get(q, "variant"), o2, v2)
                            if (strcmp(o2, opt) && n < sizeof(line))
                                n += (size_t)snprintf(line + n, sizeof(line) - n, ", %s=%s", o2,
                                                      json_string_value(v2));
                        if (n < sizeof(line))
                            snprintf(line + n, sizeof(line) - n, "\t%s", str(q, "profile"));
                        if (strcmp(line, lines.v[l]))
                            continue;
                        double x = num_value(str(json_object_get(q, "variant"), opt));
                        lo = x < lo ? x : lo;
                        hi = x > hi ? x : hi;
                        double y = bench_num(bench_run_value(q, metric));
                        ylo = y < ylo ? y : ylo;
                        yhi = y > yhi ? y : yhi;
                        fprintf(d, "%.17g\t%.6g\n", x, y);
                    }
                    fputs("\n\n", d);
                }
                char *title = bu_printf("%s against --%s (%s)",
                                        ratio ? "Overhead" : "Cycles", opt, str(r, "config"));
                gp_head(f, name, 900, 600, title);
                free(title);
                if (ylo > 0 && yhi > 12 * ylo)       /* lines a decade apart: log scale */
                    fputs(ratio ? "set logscale y\nset ytics (1, 2, 5, 10, 20, 50, 100, 200, 500, "
                                  "1000, 2000, 5000)\n" : "set logscale y\n", f);
                fputs("set bmargin 7\n", f);
                fprintf(f, "set xlabel '--%s'\nset ylabel '%s'\n", opt,
                        ratio ? "modelled cycles / native cycles" : "modelled cycles");
                if (!ratio)
                    fputs("set format y '%.1s%c'\n", f);     /* 12.1M, not 1.21e+07 */
                if (hi >= 8 * lo && lo > 0)
                    fputs("set logscale x 2\n", f);
                fprintf(f, "set xrange [%.17g:%.17g]\n", lo > 0 && hi >= 8 * lo ? lo / 1.2 : lo - (hi - lo) * 0.05,
                        lo > 0 && hi >= 8 * lo ? hi * 1.2 : hi + (hi - lo) * 0.05 + (hi == lo));
                fputs(ylo > 0 && yhi > 12 * ylo ? "set yrange [*:*]\n" : "set yrange [0:*]\n", f);
                fputs("set key outside bottom center horizontal maxcols 2\n"
                      "set linetype 1 lc rgb '#4477aa'\nset linetype 2 lc rgb '#ee6677'\n"
                      "set linetype 3 lc rgb '#228833'\nset linetype 4 lc rgb '#ccbb44'\n"
                      "set linetype 5 lc rgb '#66ccee'\nset linetype 6 lc rgb '#aa3377'\n"
                      "set linetype 7 lc rgb '#bbbbbb'\nset linetype 8 lc rgb '#000000'\n", f);
                fputs("plot ", f);
                for (unsigned l = 0; l < lines.n; l++) {
                    char *t = bu_strdup(lines.v[l]);
                    char *tab = strchr(t, '\t');
                    if (tab && multi_prof)
                        *tab = ' ';
                    else if (tab)
                        *tab = 0;
                    fprintf(f, "%s'%s.dat' index %u using 1:2 with linespoints lw 2 pt 7 title ",
                            l ? ", \\\n     " : "", name, l);
                    gp_quote(f, t);
                    free(t);
                }
                fputs("\n", f);
                gp_tail(f, name, 900, 600);
            }
            made += plot_finish(d, f, dir, name, dat, gp, d && f);
            bu_strv_free(&lines);
        }
    }
    bu_strv_free(&done);
    return made;
}

int bench_plots_write(json_t *doc, const struct bench_suite *s, const char *out_dir)
{
    suite = s;
    char *dir = bu_printf("%s/plots", out_dir);
    if (bu_mkdir_p(dir) != 0) {
        fprintf(stderr, "tlbvisor bench: warning: cannot create %s: %s (no plots)\n", dir,
                strerror(errno));
        free(dir);
        return 0;
    }
    gnuplot_missing = 0;
    /* The plots of an earlier bench into this directory are not this one's. */
    static const char *const kinds[] = { "overhead-*", "cycles-*", "sweep-*" };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        bu_remove_matching(dir, kinds[k]);
    json_t *runs = json_object_get(doc, "runs");
    struct bu_strv profs = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
        add_unique(&profs, str(r, "profile"));
    int made = 0;
    for (unsigned p = 0; p < profs.n; p++) {
        made += plot_overhead(runs, profs.v[p], dir);
        made += plot_cycles(runs, profs.v[p], dir);
    }
    made += plot_sweeps(runs, dir);
    bu_strv_free(&profs);
    free(dir);
    return made;
}
