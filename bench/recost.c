/* recost.c - re-costing (recost.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recost.h"
#include "util.h"

static json_int_t counter(json_t *c, const char *name)
{
    json_t *v = json_object_get(c, name);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* The constants of a run ("cost" of its stats file). Returns 0, or -1 if one is missing. */
static int model_of(json_t *cost, struct cost_model *m)
{
    cost_default(m);
    for (int id = 0; id < COST_COUNT; id++) {
        json_t *v = json_object_get(cost, cost_name(id));
        if (!json_is_integer(v))
            return -1;
#define COST_SET(name, dflt, doc) if (id == COST_##name) m->name = (uint32_t)json_integer_value(v);
        COST_FIELDS(COST_SET)
#undef COST_SET
    }
    return 0;
}

/* The VMs of a run: 1..8 with a vmN.cycles.vmm counter. */
static unsigned vms_of(json_t *c)
{
    unsigned n = 0;
    for (unsigned i = 1; i <= 8; i++) {
        char k[48];
        snprintf(k, sizeof(k), "vm%u.cycles.vmm", i);
        if (json_object_get(c, k))
            n = i;
    }
    return n;
}

/* The run's cycles under model m, from its counters: machine, and per VM (guest, VMM). */
static json_int_t cycles_under(json_t *c, const struct cost_model *m, unsigned vms,
                               json_int_t *guest, json_int_t *vmm)
{
    json_int_t total = counter(c, "cpu.instructions") * cost_of(m, COST_insn) +
                       counter(c, "pw.memrefs") * cost_of(m, COST_walker_memref) +
                       counter(c, "cpu.idle_cycles");
    for (unsigned i = 1; i <= vms; i++) {
        char k[64];
        json_int_t v = 0;
        for (int id = 0; id < COST_COUNT; id++) {
            snprintf(k, sizeof(k), "vm%u.cost.%s", i, cost_name(id));
            v += counter(c, k) * cost_of(m, id);
        }
        snprintf(k, sizeof(k), "vm%u.instructions", i);
        json_int_t g = counter(c, k);
        snprintf(k, sizeof(k), "vm%u.retried_insns", i);
        g = (g + counter(c, k)) * cost_of(m, COST_insn);
        snprintf(k, sizeof(k), "vm%u.walker_memrefs", i);
        g += counter(c, k) * cost_of(m, COST_walker_memref);
        guest[i] = g;
        vmm[i] = v;
        total += v;
    }
    return total;
}

void bench_recost(json_t *doc, const struct cost_model *m, const char *profile,
                  struct bench_recost_result *res)
{
    memset(res, 0, sizeof(*res));
    size_t i;
    json_t *r;
    json_t *pj = json_object();
    cost_to_json(m, pj);
    json_array_foreach(json_object_get(doc, "runs"), i, r) {
        res->runs++;
        json_t *c = json_object_get(r, "counters");
        struct cost_model old;
        const char *from = json_string_value(json_object_get(r, "profile"));
        char *from_s = bu_strdup(from ? from : "?");
        json_t *rc = json_object();
        json_object_set_new(rc, "from", json_string(from_s));
        if (!json_is_object(c) || model_of(json_object_get(r, "cost"), &old) != 0) {
            json_object_set_new(rc, "exact", json_false());
            json_object_set_new(rc, "note", json_string("no counters or no cost constants: "
                                                        "not re-costed"));
        } else {
            unsigned vms = vms_of(c);
            json_int_t g0[9], v0[9], g1[9], v1[9];
            json_int_t before = counter(c, "cpu.cycles");
            json_int_t explained = cycles_under(c, &old, vms, g0, v0);
            int exact = explained == before;
            char k[64];
            for (unsigned v = 1; v <= vms && exact; v++) {
                snprintf(k, sizeof(k), "vm%u.cycles.guest", v);
                exact &= g0[v] == counter(c, k);
                snprintf(k, sizeof(k), "vm%u.cycles.vmm", v);
                exact &= v0[v] == counter(c, k);
            }
            if (!exact) {
                res->inexact++;
                if (!res->first_inexact[0])
                    snprintf(res->first_inexact, sizeof(res->first_inexact), "%s: %lld cycles "
                             "recorded, %lld accounted for by its counters",
                             json_string_value(json_object_get(r, "id")), (long long)before,
                             (long long)explained);
                json_object_set_new(rc, "exact", json_false());
                json_object_set_new(rc, "note", json_string("the counters do not account for "
                                    "every modelled cycle (a charge outside vmm_charge?): not "
                                    "re-costed"));
            } else {
                json_int_t after = cycles_under(c, m, vms, g1, v1);
                json_object_set_new(c, "cpu.cycles", json_integer(after));
                for (unsigned v = 1; v <= vms; v++) {
                    snprintf(k, sizeof(k), "vm%u.cycles.guest", v);
                    json_object_set_new(c, k, json_integer(g1[v]));
                    snprintf(k, sizeof(k), "vm%u.cycles.vmm", v);
                    json_object_set_new(c, k, json_integer(v1[v]));
                }
                /* One VM: every non-idle cycle is its own, so its scheduler account and its
                 * end move with the machine's time. (Several VMs: they would interleave
                 * differently; the note says so.) */
                if (vms == 1) {
                    static const char *const shifted[] = { "machine.sched.cycles_run",
                                                           "vm1.sched.cycles_run",
                                                           "vm1.end_cycle" };
                    for (size_t s = 0; s < sizeof(shifted) / sizeof(shifted[0]); s++)
                        if (json_is_integer(json_object_get(c, shifted[s])))
                            json_object_set_new(c, shifted[s],
                                                json_integer(counter(c, shifted[s]) + after - before));
                }
                json_object_set(r, "cost", pj);
                res->recosted++;
                int moved = after != before;
                res->time_changed += moved;
                json_object_set_new(rc, "exact", json_true());
                json_object_set_new(rc, "cycles_before", json_integer(before));
                json_object_set_new(rc, "time_changed", json_boolean(moved));
                char *note;
                json_int_t ints = counter(c, "cpu.interrupts"), idle = counter(c, "cpu.idle_cycles");
                if (!moved)
                    note = bu_strdup("simulated time unchanged: a rerun gives the same counters");
                else if (ints || idle || vms > 1)
                    note = bu_printf("simulated time moves by %+.2f%%: in a rerun its %lld timer "
                                     "interrupts%s%s would fall elsewhere; the time-driven "
                                     "counters (cpu.interrupts, cpu.idle_cycles%s) are the old "
                                     "run's",
                                     before ? (double)(after - before) / (double)before * 100 : 0,
                                     (long long)ints, idle ? " and its idle time" : "",
                                     vms > 1 ? " and the scheduling of its VMs" : "",
                                     vms > 1 ? ", end cycles, scheduling" : "");
                else
                    note = bu_printf("simulated time moves by %+.2f%%; the run took no timer "
                                     "interrupt and never idled, so its events are the same "
                                     "unless the guest reads Count or Random",
                                     before ? (double)(after - before) / (double)before * 100 : 0);
                json_object_set_new(rc, "note", json_string(note));
                free(note);
            }
        }
        json_object_set_new(r, "recost", rc);
        /* The run is now this profile's: its id says so. */
        json_object_set_new(r, "profile", json_string(profile));
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *slash = id ? strrchr(id, '/') : NULL;
        if (slash) {
            const char *pb = strrchr(profile, '/');
            char *nid = bu_printf("%.*s/%s", (int)(slash - id), id, pb ? pb + 1 : profile);
            json_object_set_new(r, "id", json_string(nid));
            free(nid);
        }
        free(from_s);
    }
    json_decref(pj);
}
