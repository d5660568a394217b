/* disco.h - the Disco back end (mmu_backend.h, docs/vmm.md): memory virtualization on the
 * software-managed TLB. */
#ifndef TLBVISOR_DISCO_H
#define TLBVISOR_DISCO_H

#include "../core/mmu_backend.h"

struct disco_opts {
    int l2tlb;                     /* keep the L2 software TLB (default on) */
    unsigned l2tlb_entries;        /* its size per VM (L2TLB_MIN_ENTRIES..L2TLB_MAX_ENTRIES) */
};

extern const struct mmu_backend disco_backend;
/* Its command-line options (disco_opts.c): --l2tlb, --l2tlb-entries into a disco_opts. */
extern const struct mmu_backend_opts disco_cmdline_opts;

#endif
