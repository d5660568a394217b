/* cost.h - the cost model: every constant that turns counted events into modelled cycles.
 * Defaults and their rationale: docs/cost-model.md. A profile file (JSON, `--cost-profile`)
 * overrides any of them; reports carry the model used next to the raw counts, so results
 * can be re-costed. */
#ifndef TLBVISOR_COST_H
#define TLBVISOR_COST_H

#include <stddef.h>
#include <stdint.h>

#define COST_FIELDS(X) \
    X(insn, 1, "cycles per guest instruction (single-issue in-order pipeline)") \
    X(walker_memref, 20, "pagewalk: cycles per page-walker memory reference (PDE/PTE read, A/D write)") \
    X(trap_round_trip, 150, "VMM: cycles for a trap into the VMM and the return to the guest") \
    X(reflect, 40, "VMM: cycles to reflect an exception to the guest's vector") \
    X(emulate_priv, 30, "VMM: cycles to emulate one privileged instruction against the virtual CP0") \
    X(l2tlb_lookup, 20, "VMM (Disco): cycles per L2 software-TLB lookup") \
    X(shadow_update, 60, "VMM (shadow): cycles to emulate a guest page-table write and update the shadow") \
    X(shadow_resync, 256, "VMM (shadow): cycles to compare an out-of-sync page table with its snapshot") \
    X(world_switch, 500, "VMM: cycles to switch from one vCPU to another") \
    X(page_zero, 1024, "VMM: cycles to zero one 4 KiB machine frame (4 bytes per cycle)")

struct cost_model {
#define COST_FIELD(name, dflt, doc) uint32_t name;
    COST_FIELDS(COST_FIELD)
#undef COST_FIELD
};

/* The constants by number, in COST_FIELDS order: the VMM's ledger counts, per constant, how
 * many units of it were charged (vmN.cost.NAME), so that a result can be re-costed exactly
 * (bench/recost.c, docs/cost-model.md "Re-costing"). */
enum cost_id {
#define COST_ID(name, dflt, doc) COST_##name,
    COST_FIELDS(COST_ID)
#undef COST_ID
    COST_COUNT
};
/* "insn", "walker_memref", ...: the name of constant id (also its JSON key). */
const char *cost_name(enum cost_id id);
/* The value of constant id in m. */
uint32_t cost_of(const struct cost_model *m, enum cost_id id);

/* The default model. */
void cost_default(struct cost_model *m);
#define COST_MAX 1000000000u     /* largest value of any constant */

/* Overrides fields from a JSON object file {"insn": 1, ...}: strict JSON (one object,
 * nothing after it, no duplicate key), integer values 0..COST_MAX (insn at least 1),
 * known keys only. Returns 0, or -1 with a one-line message naming the file. */
int cost_load_profile(struct cost_model *m, const char *path, char *err, size_t errlen);
/* The same for a profile given as text (a JSON object); name stands for the file in
 * messages. */
int cost_parse_profile(struct cost_model *m, const char *text, size_t len, const char *name,
                       char *err, size_t errlen);
/* Writes the model as "key": value pairs into a JSON object (jansson json_t *). */
void cost_to_json(const struct cost_model *m, void *json_object);

/* Built-in profiles (core/cost_profiles.c): a name, a one-line summary and the constants
 * it changes from the default model, as a JSON object. Sources: docs/cost-model.md. */
struct cost_profile {
    const char *name;
    const char *summary;
    const char *overrides;
};
extern const struct cost_profile cost_profiles[];
extern const size_t cost_profile_count;
/* The built-in profile called name, or NULL. */
const struct cost_profile *cost_profile_find(const char *name);
/* --cost-profile NAME|FILE: the model of the built-in profile NAME, else the default model
 * overridden by the profile file FILE (a path: "./default" reads a file called default).
 * Returns 0, or -1 with a one-line message. */
int cost_select(struct cost_model *m, const char *name_or_file, char *err, size_t errlen);

#endif
