/* recost.h - a results document under another cost model, without running anything again
 * (docs/cost-model.md "Re-costing").
 *
 * Every modelled cycle of a run is units x constant (the VMM's ledger, vmN.cost.NAME, and
 * the machine's instructions and walker references) plus idle time, so new constants give
 * new cycles exactly, for the same events: cpu.cycles, vmN.cycles.guest, vmN.cycles.vmm.
 * What a rerun would also change is said per run: when a run's cycles move, the timer
 * interrupts and idle time it had (and the scheduling of several VMs) would fall elsewhere,
 * so its time-driven counts (cpu.interrupts, cpu.idle_cycles, vmN.end_cycle, the
 * scheduler's) are the old ones. */
#ifndef TLBVISOR_BENCH_RECOST_H
#define TLBVISOR_BENCH_RECOST_H

#include <jansson.h>

#include "core/cost.h"

struct bench_recost_result {
    unsigned runs, recosted, time_changed, inexact;
    char first_inexact[256];       /* a run whose counters do not account for its cycles */
};

/* Re-costs every run of doc (that has counters) from its own constants to m (profile
 * names it: run ids and "profile" change to it). Each run gets "recost": {"from",
 * "exact", "cycles_before", "time_changed", "note"}. */
void bench_recost(json_t *doc, const struct cost_model *m, const char *profile,
                  struct bench_recost_result *res);

#endif
