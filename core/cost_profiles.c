/* cost_profiles.c - the built-in cost profiles (cost.h): `--cost-profile NAME`, the bench's
 * suites and `tlbvisor recost` find them here by name. Each one changes some constants of
 * the default model; every value and its source is in docs/cost-model.md ("Built-in
 * profiles"). Adding a profile is one line here and one section there. */
#include "cost.h"

const struct cost_profile cost_profiles[] = {
    { "default", "the default model (docs/cost-model.md)", "{}" },
};
const size_t cost_profile_count = sizeof(cost_profiles) / sizeof(cost_profiles[0]);
