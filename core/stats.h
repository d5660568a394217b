/* stats.h - named counters. Components own their counters as plain uint64_t fields (the hot
 * path only increments them) and register a name for each; the registry reads them when a
 * report is written. Names are hierarchical: "cpu.instructions", "tlb.refills". */
#ifndef TLBVISOR_STATS_H
#define TLBVISOR_STATS_H

#include <stdint.h>
#include <stdio.h>

#define STATS_MAX_PARTS 4

struct stats_entry {
    char name[64];
    const uint64_t *value;
    const uint64_t *more[STATS_MAX_PARTS - 1]; /* further parts of a summed counter */
    unsigned nmore;
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
/* Registers value as one more part of the counter called name, which reads as the sum of
 * its parts (one machine counter kept by several instances of the same hardware: two
 * pagewalk back ends each own a walker); without such a counter, registers it as
 * stats_add does. At most STATS_MAX_PARTS parts (abort beyond: a program error). */
void stats_add_part(struct stats *st, const uint64_t *value, const char *name);
/* The sum of every counter of st0 added to st as parts (stats_add_part), in st0's order. */
void stats_merge(struct stats *st, const struct stats *st0);
/* The named counter itself (to read it later without a search), or NULL; of a summed
 * counter, its first part. */
const uint64_t *stats_find(const struct stats *st, const char *name);
/* Returns the current value of the named counter (a summed counter's sum), or -1 if there
 * is none. */
int64_t stats_get(const struct stats *st, const char *name);
struct cost_model;
/* Writes {"counters": {name: value, ...}} plus the given extra top-level string fields and,
 * if cost is not NULL, the cost model as "cost": {name: cycles, ...}. */
int stats_write_json(const struct stats *st, FILE *f, const char *const *extra_kv,
                     const struct cost_model *cost);

#endif
