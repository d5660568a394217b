/* stats.c - the counter registry and its JSON report (cJSON). */
#include <cjson/cJSON.h>
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
    cJSON *root = cJSON_CreateObject(), *c = cJSON_CreateObject();
    for (const char *const *kv = extra_kv; kv && kv[0]; kv += 2)
        cJSON_AddStringToObject(root, kv[0], kv[1]);
    for (unsigned i = 0; i < st->n; i++)
        cJSON_AddNumberToObject(c, st->e[i].name, (double)*st->e[i].value);
    cJSON_AddItemToObject(root, "counters", c);
    if (cost) {
        cJSON *m = cJSON_CreateObject();
        cost_to_json(cost, m);
        cJSON_AddItemToObject(root, "cost", m);
    }
    char *s = cJSON_Print(root);
    int rc = s && fputs(s, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    free(s);
    cJSON_Delete(root);
    return rc;
}
