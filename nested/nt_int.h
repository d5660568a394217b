/* nt_int.h - the nested back end's rooms (not for use outside nested/):
 *   nested.c  the hooks of mmu_backend.h: exits, world switches, segment map, counters;
 *   ntable.c  the nested table of a VM, in machine frames it owns, built from the pmap;
 *   model.c   what the guest sees of its walker while it is off the CPU, and the walk of
 *             its own tables for the core (instruction fetch, device emulation). */
#ifndef TLBVISOR_NESTED_INT_H
#define TLBVISOR_NESTED_INT_H

#include <stdint.h>

#include "../core/mmu.h"
#include "../core/vmm.h"
#include "nested.h"

#define NT_OWNER(vm) (0x20000u | (vm)->id)   /* owner tag of a VM's nested-table frames */
#define NT_OWNER_MACHINE 0x2FFFFu            /* the back end's own frame (the empty root) */
#define NT_MAX_PT 64u                        /* nested page tables: 256 MiB / 4 MiB */

/* Machine-wide state (vmm->be). */
struct nt {
    struct mmu *hw;                /* the machine's walker, in nested mode */
    struct nested_opts o;
    uint32_t empty_root;           /* MFN of an all-zero nested directory (no VM) */
    uint64_t frames;               /* frames the back end holds now, machine-wide */
    struct vm *loaded;             /* the VM whose nested root and registers the machine
                                    * holds (its TLB entries too): a VM switched out and
                                    * back in with no other nested VM in between finds them
                                    * intact, as with VT-x's VPID tags */
};

/* The guest's view of its walker: PTBase and PFErr (live in the machine while the VM runs,
 * kept here while it does not), RI for the TLB instructions. */
struct nt_model {
    struct mmu base;
    struct vm *vm;
    struct nt *nt;                 /* the machine walker's owner */
    int on_cpu;                    /* the machine holds the registers */
    uint32_t ptbase, pferr;
};

#define NT_COUNTERS(X) \
    X(exits)            /* nested faults (EXC_NPF) */ \
    X(fills)            /* nested PTEs written (4 KiB) */ \
    X(upgrades)         /* nested PTEs rewritten: read-only made writable (copy on write) */ \
    X(large_fills)      /* nested PDEs written with PS (4 MiB extents) */ \
    X(mmio)             /* exits for a GPA outside RAM: device accesses, bus errors */ \
    X(walk_outside)     /* guest table entries outside RAM: the guest's page fault */ \
    X(guest_faults)     /* the guest's own page faults, reflected */ \
    X(table_frames)     /* machine frames of the nested table now */ \
    X(invalidations)    /* nested entries removed or changed (INVEPT) */ \
    X(seg_changes)      /* guest segment-map changes (guest-unpaged regions reloaded) */

struct nt_vm {
    struct nt_model *model;
    uint32_t root;                 /* MFN of the nested page directory */
    uint32_t pt[NT_MAX_PT];        /* MFN of the nested page table of each 4 MiB, or NONE */
    uint32_t npages;
    uint8_t direct;                /* guest-unpaged regions, as loaded in the machine */
    uint32_t direct_base[8];
    struct {
#define NT_FIELD(f) uint64_t f;
        NT_COUNTERS(NT_FIELD)
#undef NT_FIELD
    } n;
};

#define NT(vmm) ((struct nt *)(vmm)->be)
#define NV(vm) ((struct nt_vm *)(vm)->be)

/* ntable.c */
int nt_table_init(struct vmm *vmm, struct vm *vm);
/* Maps gpfn (backing it first) in vm's nested table, with its whole 4 MiB extent when large
 * nested pages are on and the pmap gives the extent one aligned run. Returns 0, or -1 (no
 * machine frame left). */
int nt_map(struct vmm *vmm, struct vm *vm, uint32_t gpfn, int store);
/* Removes gpfn's nested entry (a 4 MiB entry covering it is split back into a table first
 * is not needed: the whole extent goes). Returns 1 if an entry was removed. */
int nt_unmap(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
/* Makes gpfn's nested entry read-only (a 4 MiB one goes whole). Returns 1 if it changed. */
int nt_protect(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
/* Frees every nested table frame but the root, which is emptied. */
void nt_table_clear(struct vmm *vmm, struct vm *vm);
void nt_table_free(struct vmm *vmm, struct vm *vm);

/* model.c */
extern const struct mmu_ops nt_model_ops;

#endif
