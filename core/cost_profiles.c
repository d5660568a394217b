/* cost_profiles.c - the built-in cost profiles (cost.h): `--cost-profile NAME`, the bench's
 * suites and `tlbvisor recost` find them here by name. Each one changes some constants of
 * the default model; every value, its source and how it was derived is in
 * docs/cost-model.md ("Built-in profiles"). Adding a profile is one line here and one
 * section there. */
#include "cost.h"

const struct cost_profile cost_profiles[] = {
    { "default", "the default model (docs/cost-model.md)", "{}" },
    { "p4-swvmm", "Pentium 4, software VMM (Adams & Agesen, ASPLOS'06)",
      "{\"trap_round_trip\": 2294, \"shadow_update\": 390}" },
    { "p4-hwvmm", "Pentium 4, hardware VMM, VT-x (Adams & Agesen, ASPLOS'06)",
      "{\"trap_round_trip\": 2400, \"shadow_update\": 10332}" },
    { "x86-recent", "recent x86, hardware VMM (VM exit+entry: Dall et al., ISCA'16)",
      "{\"trap_round_trip\": 1300}" },
};
const size_t cost_profile_count = sizeof(cost_profiles) / sizeof(cost_profiles[0]);
