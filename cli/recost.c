/* recost.c - `tlbvisor recost`: a results file under another cost profile, without running
 * anything again (bench/recost.h).
 *
 * Exit status: 0; 1 when a run's counters do not account for its modelled cycles (it is
 * left as it was); 2 bad input or usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/recost.h"
#include "bench/results.h"
#include "bench/suite.h"
#include "cli.h"
#include "core/cost.h"
#include "opts.h"

struct recost_opts {
    const char *cost_profile, *out, *from;
    struct {
        unsigned cost_profile, out, from;
    } given;
};

#define F(field) offsetof(struct recost_opts, field), offsetof(struct recost_opts, given.field)
#define ANY OPT_SCOPE_ALL, "every recost"
static const struct opt recost_opt_table[] = {
    { "cost-profile", "NAME|FILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(cost_profile), NULL,
      "the cost model to re-cost with: a built-in profile (tlbvisor run --help lists them) or "
      "a profile file (docs/cost-model.md)" },
    { "out", "DIR", OPT_STRING, 0, 0, 0, NULL, ANY, F(out), NULL,
      "write results.json, results.csv, report.md and plots/ into DIR (created)" },
    { "from", "PROFILE", OPT_STRING, 0, 0, 0, NULL, ANY, F(from), NULL,
      "re-cost the runs made under PROFILE (as their ids name it) and leave the others out; "
      "needed when the results hold runs of several profiles" },
};
#undef F
static const size_t recost_opt_count = sizeof(recost_opt_table) / sizeof(recost_opt_table[0]);

static void print_usage(FILE *f)
{
    fputs("usage: tlbvisor recost --cost-profile NAME|FILE --out DIR [--from PROFILE] RESULTS.json\n"
          "\n"
          "Re-costs a results file of tlbvisor bench under another cost model: every modelled\n"
          "cycle of a run is a count of events times a constant (docs/cost-model.md, \"The\n"
          "ledger\"), so the same events give new cycles (cpu.cycles, vmN.cycles.guest,\n"
          "vmN.cycles.vmm) exactly, and new ratios. Each run says whether its simulated time\n"
          "changed and what a rerun would change besides (where its timer interrupts and idle\n"
          "time would fall: those counts are the old run's). Run ids end in the new profile.\n"
          "\n"
          "options:\n", f);
    opt_print_help(recost_opt_table, recost_opt_count, f);
    fputs("  -h, --help            this text\n"
          "\n"
          "exit status: 0; 1 when a run's counters do not account for its cycles (it is left\n"
          "as it was); 2 bad input or usage.\n", f);
}

int cmd_recost(int argc, char **argv)
{
    struct recost_opts o;
    memset(&o, 0, sizeof(o));
    int optind_, help;
    int rc = opt_parse(recost_opt_table, recost_opt_count, &o, argc, argv, &optind_, &help,
                       "recost");
    if (rc)
        return rc;
    if (help) {
        print_usage(stdout);
        return 0;
    }
    if (!o.cost_profile || !o.out)
        return opt_usage_error("recost", "%s", "--cost-profile NAME|FILE and --out DIR are needed");
    if (optind_ != argc - 1)
        return opt_usage_error("recost", "%s", "one results file is needed");
    char err[1024];
    struct cost_model m;
    if (cost_select(&m, o.cost_profile, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor recost: cost profile %s\n", err);
        return 2;
    }
    json_t *doc = bench_doc_read(argv[optind_], "results", err, sizeof(err));
    if (!doc) {
        fprintf(stderr, "tlbvisor recost: %s\n", err);
        return 2;
    }
    /* One profile's runs: re-costed, their ids would otherwise collide. */
    json_t *runs = json_object_get(doc, "runs"), *kept = json_array();
    struct bu_strv profs = { 0 };
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        const char *p = json_string_value(json_object_get(r, "profile"));
        const char *pb = p ? strrchr(p, '/') : NULL;
        pb = pb ? pb + 1 : p ? p : "";
        int seen = 0;
        for (unsigned k = 0; k < profs.n; k++)
            seen |= strcmp(profs.v[k], pb) == 0;
        if (!seen)
            bu_strv_push(&profs, pb);
        if (!o.from || strcmp(o.from, pb) == 0 || (p && strcmp(o.from, p) == 0))
            json_array_append(kept, r);
    }
    if (!o.from && profs.n > 1) {
        fprintf(stderr, "tlbvisor recost: %s holds runs of %u cost profiles (%s, %s, ...): choose "
                "one with --from\n", argv[optind_], profs.n, profs.v[0], profs.v[1]);
        rc = 2;
    } else if (!json_array_size(kept)) {
        fprintf(stderr, "tlbvisor recost: no run of %s was made under profile %s\n",
                argv[optind_], o.from);
        rc = 2;
    }
    bu_strv_free(&profs);
    json_object_set_new(doc, "runs", kept);
    if (rc) {
        json_decref(doc);
        return rc;
    }
    struct bench_suite *s = bench_results_suite(doc, NULL, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "tlbvisor recost: the suite in %s: %s\n", argv[optind_], err);
        json_decref(doc);
        return 2;
    }
    struct bench_recost_result res;
    bench_recost(doc, &m, o.cost_profile, &res);
    bench_compute_metrics(doc, s);
    json_object_set_new(doc, "recost", json_pack("{s:s,s:i,s:i,s:i}", "profile", o.cost_profile,
                                                 "recosted", res.recosted, "time_changed",
                                                 res.time_changed, "inexact", res.inexact));
    bench_doc_set_command(doc, argc, argv);
    if (bench_write_outputs(doc, s, o.out, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor recost: %s\n", err);
        rc = 2;
    } else {
        fprintf(stderr, "tlbvisor recost: %u of %u runs re-costed under %s; simulated time "
                "changed in %u (each run's \"recost\" note says what a rerun would change); "
                "%s/report.md, results.json\n", res.recosted, res.runs, o.cost_profile,
                res.time_changed, o.out);
        if (res.inexact) {
            fprintf(stderr, "tlbvisor recost: %u runs not re-costed: %s\n", res.inexact,
                    res.first_inexact);
            rc = 1;
        }
    }
    json_decref(doc);
    bench_suite_free(s);
    return rc;
}
