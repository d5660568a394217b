/* stats.c - the counter registry and its JSON report (jansson). */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "stats.h"

void stats_init(struct stats *st)
{
    memset(st, 0, sizeof(*st));
}

void stats_free(struct stats *st)
{
    free(st->e);
    memset(st, 0, sizeof(*st));
}

void stats_add(struct stats *st, const uint64_t *value, const char *fmt, ...)
{
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->e = realloc(st->e, st->cap * sizeof(*st->e));
        if (!st->e)
            abort();
    }
    struct stats_entry *e = &st->e[st->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->name, sizeof(e->name), fmt, ap);
    va_end(ap);
    e->value = value;
}

const uint64_t *stats_find(const struct stats *st, const char *name)
{
    for (unsigned i = 0; i < st->n; i++)
        if (strcmp(st->e[i].name, name) == 0)
            return st->e[i].value;
    return NULL;
}

int64_t stats_get(const struct stats *st, const char *name)
{
    for (unsigned i = 0; i < st->n; i++)
        if (strcmp(st->e[i].name, name) == 0)
            return (int64_t)*st->e[i].value;
    return -1;
}

int stats_write_json(const struct stats *st, FILE *f, const char *const *extra_kv,
                     const struct cost_model *cost)
{
    json_t *root = json_object(), *c = json_object();
    for (const char *const *kv = extra_kv; kv && kv[0]; kv += 2)
        json_object_set_new(root, kv[0], json_string(kv[1]));
    /* Exact integers: every counter stays below 2^63 (simulated time is capped at
     * CPU_CYCLES_MAX, and no counter grows faster than cycles). */
    for (unsigned i = 0; i < st->n; i++)
        json_object_set_new(c, st->e[i].name, json_integer((json_int_t)*st->e[i].value));
    json_object_set_new(root, "counters", c);
    if (cost) {
        json_t *m = json_object();
        cost_to_json(cost, m);
        json_object_set_new(root, "cost", m);
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 && fputc('\n', f) != EOF
             ? 0 : -1;
    json_decref(root);
    return rc;
}
