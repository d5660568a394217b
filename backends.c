/* backends.c - the one list of memory-virtualization back ends this program is built with
 * (the registry's contents; the mechanism is core/backend.c, the contract
 * core/mmu_backend.h, the recipe for a new one docs/backends.md). Order matters: the first
 * back end of each machine MMU is that MMU's default. Adding a technique: its directory,
 * its library in CMakeLists.txt, and one line here. */
#include <stddef.h>

#include "core/mmu_backend.h"

extern const struct mmu_backend disco_backend;   /* mips/disco.c */
extern const struct mmu_backend shadow_backend;  /* shadow/shadow.c */
extern const struct mmu_backend nested_backend;  /* nested/nested.c */

const struct mmu_backend *const vmm_backend_list[] = {
    &disco_backend,
    &shadow_backend,
    &nested_backend,
    NULL,
};
