/* backend.c - the registry of memory-virtualization back ends (mmu_backend.h,
 * docs/backends.md): lookups over the one list, vmm_backend_list, which is defined
 * outside core/ (backends.c at the root of the tree). Off the hot path. */
#include <stdio.h>
#include <string.h>

#include "mmu_backend.h"

const struct mmu_backend *vmm_backend_find(const char *name)
{
    for (unsigned i = 0; vmm_backend_list[i]; i++)
        if (strcmp(vmm_backend_list[i]->name, name) == 0)
            return vmm_backend_list[i];
    return NULL;
}

const struct mmu_backend *vmm_backend_default(const char *mmu)
{
    for (unsigned i = 0; vmm_backend_list[i]; i++)
        if (strcmp(vmm_backend_list[i]->mmu, mmu) == 0)
            return vmm_backend_list[i];
    return NULL;
}

int vmm_backend_index(const struct mmu_backend *b)
{
    for (unsigned i = 0; vmm_backend_list[i]; i++)
        if (vmm_backend_list[i] == b)
            return (int)i;
    return -1;
}

unsigned vmm_backend_count(void)
{
    unsigned n = 0;
    while (vmm_backend_list[n])
        n++;
    return n;
}

void vmm_backend_names(char *buf, size_t len, const char *sep)
{
    size_t at = 0;
    if (len)
        buf[0] = '\0';
    for (unsigned i = 0; vmm_backend_list[i] && at < len; i++) {
        int n = snprintf(buf + at, len - at, "%s%s", i ? sep : "", vmm_backend_list[i]->name);
        if (n < 0)
            return;
        at += (size_t)n;
    }
}
