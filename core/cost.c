/* cost.c - the cost model's defaults and profile files (cJSON). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"

void cost_default(struct cost_model *m)
{
#define COST_INIT(name, dflt, doc) m->name = (dflt);
    COST_FIELDS(COST_INIT)
#undef COST_INIT
}

static uint32_t *field(struct cost_model *m, const char *key)
{
#define COST_MATCH(name, dflt, doc) if (strcmp(key, #name) == 0) return &m->name;
    COST_FIELDS(COST_MATCH)
#undef COST_MATCH
    return NULL;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read cost profile %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (len + 1 == cap) {
            if (cap >= (1u << 20)) {
                snprintf(err, errlen, "cost profile %s is larger than 1 MiB", path);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else {
                buf = nb;
            }
        }
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    else if (!err[0])
        snprintf(err, errlen, "out of memory reading %s", path);
    return buf;
}

int cost_load_profile(struct cost_model *m, const char *path, char *err, size_t errlen)
{
    err[0] = 0;
    char *text = read_file(path, err, errlen);
    if (!text)
        return -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "cost profile %s: not a JSON object", path);
        rc = -1;
    }
    struct cost_model nm = *m;
    for (cJSON *it = root ? root->child : NULL; rc == 0 && it; it = it->next) {
        uint32_t *f = field(&nm, it->string);
        double v = cJSON_IsNumber(it) ? it->valuedouble : -1;
        if (!f) {
            snprintf(err, errlen, "cost profile %s: unknown cost '%s'", path, it->string);
            rc = -1;
        } else if (!cJSON_IsNumber(it) || v < 0 || v > 1e9 || v != (double)(uint32_t)v) {
            snprintf(err, errlen, "cost profile %s: '%s' must be an integer from 0 to 1000000000",
                     path, it->string);
            rc = -1;
        } else {
            *f = (uint32_t)v;
        }
    }
    if (rc == 0 && nm.insn == 0) {
        snprintf(err, errlen, "cost profile %s: 'insn' must be at least 1", path);
        rc = -1;
    }
    cJSON_Delete(root);
    if (rc == 0)
        *m = nm;
    return rc;
}

void cost_to_json(const struct cost_model *m, void *obj)
{
#define COST_JSON(name, dflt, doc) cJSON_AddNumberToObject(obj, #name, m->name);
    COST_FIELDS(COST_JSON)
#undef COST_JSON
}
