/* cost.c - the cost model's defaults and profile files (jansson). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "file.h"

void cost_default(struct cost_model *m)
{
#define COST_INIT(name, dflt, doc) m->name = (dflt);
    COST_FIELDS(COST_INIT)
#undef COST_INIT
}

const char *cost_name(enum cost_id id)
{
    static const char *const names[] = {
#define COST_NAME(name, dflt, doc) #name,
        COST_FIELDS(COST_NAME)
#undef COST_NAME
    };
    return (unsigned)id < COST_COUNT ? names[id] : "?";
}

uint32_t cost_of(const struct cost_model *m, enum cost_id id)
{
    switch (id) {
#define COST_CASE(name, dflt, doc) case COST_##name: return m->name;
        COST_FIELDS(COST_CASE)
#undef COST_CASE
    default: return 0;
    }
}

static uint32_t *field(struct cost_model *m, const char *key)
{
#define COST_MATCH(name, dflt, doc) if (strcmp(key, #name) == 0) return &m->name;
    COST_FIELDS(COST_MATCH)
#undef COST_MATCH
    return NULL;
}

/* A profile is a small JSON object: anything larger than this is not one. */
#define COST_PROFILE_MAX_BYTES (1u << 20)

int cost_load_profile(struct cost_model *m, const char *path, char *err, size_t errlen)
{
    char why[512];
    uint8_t *text;
    size_t len;
    if (file_read_all(path, "cost profile", COST_PROFILE_MAX_BYTES, NULL, 0, &text, &len, why,
                      sizeof(why)) != 0) {
        file_msg(err, errlen, path, why);
        return -1;
    }
    int rc = cost_parse_profile(m, (const char *)text, len, path, err, errlen);
    free(text);
    return rc;
}

int cost_parse_profile(struct cost_model *m, const char *text, size_t len, const char *path,
                       char *err, size_t errlen)
{
    char why[512];
    /* Strict JSON: one object, nothing after it, no duplicate key, no NUL byte. */
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = 0;
    if (!root) {
        snprintf(why, sizeof(why), "not valid JSON: %s (line %d, column %d)", jerr.text,
                 jerr.line, jerr.column);
        rc = -1;
    } else if (!json_is_object(root)) {
        snprintf(why, sizeof(why), "not a JSON object");
        rc = -1;
    }
    struct cost_model nm = *m;
    const char *key;
    json_t *val;
    if (rc == 0)
        json_object_foreach(root, key, val) {
            uint32_t *f = field(&nm, key);
            json_int_t v = json_is_integer(val) ? json_integer_value(val) : -1;
            if (!f) {
                snprintf(why, sizeof(why), "unknown cost '%.64s'", key);
                rc = -1;
            } else if (v < 0 || v > COST_MAX) {
                snprintf(why, sizeof(why), "'%s' must be an integer from 0 to %u", key,
                         COST_MAX);
                rc = -1;
            } else {
                *f = (uint32_t)v;
            }
            if (rc)
                break;
        }
    if (rc == 0 && nm.insn == 0) {
        snprintf(why, sizeof(why), "'insn' must be at least 1");
        rc = -1;
    }
    json_decref(root);
    if (rc == 0)
        *m = nm;
    else
        file_msg(err, errlen, path, why);
    return rc;
}

void cost_to_json(const struct cost_model *m, void *obj)
{
#define COST_JSON(name, dflt, doc) json_object_set_new(obj, #name, json_integer(m->name));
    COST_FIELDS(COST_JSON)
#undef COST_JSON
}

const struct cost_profile *cost_profile_find(const char *name)
{
    for (size_t i = 0; i < cost_profile_count; i++)
        if (strcmp(cost_profiles[i].name, name) == 0)
            return &cost_profiles[i];
    return NULL;
}

int cost_select(struct cost_model *m, const char *name_or_file, char *err, size_t errlen)
{
    cost_default(m);
    const struct cost_profile *p = cost_profile_find(name_or_file);
    if (p)
        return cost_parse_profile(m, p->overrides, strlen(p->overrides), p->name, err, errlen);
    return cost_load_profile(m, name_or_file, err, errlen);
}
