/* stats.h - named counters. Components own their counters as plain uint64_t fields (the hot
 * path only increments them) and register a name for each; the registry reads them when a
 * report is written. Names are hierarchical: "cpu.instructions", "tlb.refills". */
#ifndef TLBVISOR_STATS_H
#define TLBVISOR_STATS_H

#include <stdint.h>
#include <stdio.h>

struct stats_entry {
    char name[64];
    const uint64_t *value;
};

struct stats {
    unsigned n, cap;
    struct stats_entry *e;
};

void stats_init(struct stats *st);
void stats_free(struct stats *st);
/* Registers a counter; the name is printf-formatted. */
void stats_add(struct stats *st, const uint64_t *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The named counter itself (to read it later without a search), or NULL. */
const uint64_t *stats_find(const struct stats *st, const char *name);
/* Returns the current value of the named counter, or -1 if there is none. */
int64_t stats_get(const struct stats *st, const char *name);
struct cost_model;
/* Writes {"counters": {name: value, ...}} plus the given extra top-level string fields and,
 * if cost is not NULL, the cost model as "cost": {name: cycles, ...}. */
int stats_write_json(const struct stats *st, FILE *f, const char *const *extra_kv,
                     const struct cost_model *cost);

#endif
