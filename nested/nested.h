/* nested.h - the nested-paging back end (DESIGN.md §3, docs/nested.md): unmodified guests
 * built for the pagewalk MMU run deprivileged under the VMM on a machine whose walker is in
 * nested mode (pagewalk/pw.h "nested mode", EPT/NPT-like): the guest's own tables and PTBase
 * are used directly by a two-dimensional walk, and the VMM keeps only a nested table
 * GPA -> machine per VM, built from the pmap on nested faults. The core reaches it only
 * through `nested_backend` (mmu_backend.h). */
#ifndef TLBVISOR_NESTED_H
#define TLBVISOR_NESTED_H

#include <stddef.h>
#include <stdint.h>

#include "../core/mmu_backend.h"
#include "../pagewalk/pw.h"

/* Options (vmm_config.backend_opts; NULL: the defaults): the machine's walker TLB (also the
 * TLB the guest sees) and nested mode's optional structures (page-walk cache, nested TLB,
 * large nested pages: the VMM then places each VM's RAM in 4 MiB machine extents and maps
 * a whole extent with one nested PDE). */
struct nested_opts {
    struct pw_config pw;
    struct pw_nested_config hw;
};

/* Parses --nested-opts: a comma-separated list of pwc, ntlb, large, or all, or none.
 * Returns 0, or -1 with a one-line message in err. */
int nested_parse_opts(const char *s, struct pw_nested_config *c, char *err, size_t errlen);

extern const struct mmu_backend nested_backend;

#endif
