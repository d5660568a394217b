/* mmu_backend.h - the one boundary between the VMM core and a memory-virtualization
 * technique (DESIGN.md §3, docs/vmm.md "Back ends").
 *
 * The core (core/vmm.c) owns the VMs, their registers and virtual CP0 (vm->v), the pmap
 * GPFN -> MFN, the scheduler, the idle detector, device emulation, reflection and the
 * counters. A back end owns the machine's MMU (vmm->cpu->mmu), the guest's architectural
 * MMU model (vm->v->mmu) and everything that keeps the two consistent:
 *   - mips/disco.c: the software-managed TLB, Disco-style (virtual TLB per vCPU, VMM fills
 *     VPN -> MFN, L2 software TLB, hardware ASIDs shared among VMs);
 *   - shadow/: the hardware page walker with shadow page tables (guest page tables
 *     write-protected, writes emulated and propagated, PTBase switches, InvlPg);
 *   - nested/: the hardware page walker in its nested mode (EPT/NPT-like).
 * The core reaches a back end only through this table; it never includes a back end's
 * header. A back end reaches the core through the services declared at the end of vmm.h.
 * Back ends register by name in one list outside core/ (backends.c at the root of the
 * tree); the core enumerates it (vmm_backend_find, vmm_backend_default, vmm_backends) and
 * so do the CLI, the bench suites' validation and `run --help` (docs/backends.md).
 *
 * What the core does before a back end sees a translation fault (vmm.c classify_fault):
 * it looks the faulting address up in the guest's own segment map (vm->v) and reflects
 * the address error the bare machine would raise for a segment the guest's mode cannot
 * reach; it tells the back end whether the guest sees the address unmapped (and at which
 * guest-physical address) or mapped through its MMU, with the access kind and mode. It
 * owns the segment-map key (vmm_seg_key) and calls seg_changed when it changes; it offers
 * the guest instruction fetch (vmm_guest_fetch: the guest's view, or what the machine ran)
 * and the skip of the trapped instruction
 * (vmm_skip) as services.
 *
 * Every hook runs with vmm->cur the VM on the CPU unless it names another vm. */
#ifndef TLBVISOR_MMU_BACKEND_H
#define TLBVISOR_MMU_BACKEND_H

#include <stddef.h>
#include <stdint.h>

struct cpu_exc;
struct dinsn;
struct stats;
struct vm;
struct vmm;
struct vmm_config;

/* A translation fault of the machine while the guest ran, as the core classified it. */
struct vmm_fault {
    const struct cpu_exc *e;    /* the machine's exception (code, refill, npf...) */
    uint32_t va;                /* the faulting address (e->badvaddr) */
    int access;                 /* MMU_LOAD, MMU_STORE (stores and Mod) or MMU_FETCH */
    int user;                   /* the guest was in user mode */
    uint32_t gpa;               /* fault_unmapped: where the guest's segment map sends va;
                                 * fault_nested: the guest-physical address of the exit */
};

struct mmu_backend {
    const char *name;           /* "disco", "shadow": also the "mmu" of the stats file */
    const char *mmu;            /* the machine MMU it drives: "swtlb" or "pagewalk" (the
                                 * first registered back end of an MMU is its default) */
    const char *summary;        /* one line for `run --help` and `run --list-backends` */
    /* Machine-wide set-up: builds the machine's MMU (vmm->cpu->mmu) and the back end's state
     * (vmm->be). Returns 0, or -1 with a message in err. */
    int (*init)(struct vmm *vmm, const struct vmm_config *cfg, char *err, size_t errlen);
    void (*fini)(struct vmm *vmm);
    /* Per VM: the guest's MMU model (vm->v->mmu, what the guest programs and reads back)
     * and the back end's per-VM state (vm->be). Returns 0 or -1 (out of memory). */
    int (*vm_init)(struct vmm *vmm, struct vm *vm, const struct vmm_config *cfg);
    /* Optional (NULL: none): the most machine frames the back end takes for one VM's own
     * use (shadow tables), its per-VM budget under options cfg->backend_opts. The core
     * adds them to the machine's pool, so that no VM can take what another VM's RAM
     * needs. */
    uint32_t (*vm_frames)(const struct vmm_config *cfg);
    void (*vm_fini)(struct vmm *vmm, struct vm *vm);
    /* Translation faults (TLBL, TLBS or Mod, refill or not, or a walker page fault) at an
     * address the guest's segment map lets its present mode reach (the core reflected the
     * rest as address errors). Each either fills the machine's MMU and retries
     * (vmm_retry), emulates the access (vmm_access_unbacked, or its own emulation ending
     * in vmm_skip), or reflects the exception the guest's own MMU model gives
     * (vmm_reflect).
     * fault_unmapped: the guest sees f->va unmapped (kseg0/kseg1, useg under ERL) at
     * guest-physical f->gpa: the VMM's own mapping of the VM's RAM.
     * fault_mapped: the guest's MMU (vm->v->mmu) translates f->va. */
    void (*fault_unmapped)(struct vmm *vmm, const struct vmm_fault *f);
    void (*fault_mapped)(struct vmm *vmm, const struct vmm_fault *f);
    /* Optional (NULL: the VM stops with a message): the machine's nested-paging exit
     * (EXC_NPF, a machine MMU in a hardware-virtualization mode): f->gpa is the
     * guest-physical address the back end's nested table does not translate. */
    void (*fault_nested)(struct vmm *vmm, const struct vmm_fault *f);
    /* A privileged instruction of the guest kernel, decoded (d), before the core emulates
     * it. A back end performs the MMU operations it owns (tlbp/tlbr/tlbwi/tlbwr, writes
     * to PTBase or InvlPg) against the guest's model, keeps the machine consistent and
     * returns 1; it returns 0 for anything the core should emulate (it may still note it). */
    int (*priv_op)(struct vmm *vmm, const struct dinsn *d);
    /* Optional (NULL: nothing to do): the guest's segment map (vmm_seg_key) changed while
     * vm ran: which guest addresses are unmapped, and where they go, may differ, so the
     * machine translations made for unmapped guest segments must go. Not called for a
     * VM's first key (a back end starts from nothing). */
    void (*seg_changed)(struct vmm *vmm, struct vm *vm);
    /* The guest's translation state may have changed (its mode, ASID or ERL, after any
     * emulated instruction or reflection; seg_changed already called): make the machine's
     * MMU follow. */
    void (*sync)(struct vmm *vmm);
    /* World switch: vm leaves the CPU / vm is put on it (its registers already loaded). */
    void (*switch_out)(struct vmm *vmm, struct vm *vm);
    void (*switch_in)(struct vmm *vmm, struct vm *vm);
    /* Optional (NULL: the guest's view only): the machine frame the machine would fetch va
     * from for the VM on the CPU now (its TLB, or the tables its walker would read), or -1.
     * vmm_guest_fetch(..., as_run = 1) reads the instruction there first: what ran, even
     * when the guest's tables no longer say so. Must not change any state or counter. */
    int (*machine_frame)(struct vmm *vmm, uint32_t va, uint32_t *mfn);
    /* Guest-physical pages [gpfn, gpfn + count) of vm lose their machine frames (the VM
     * stops, a page is swapped): no translation to those frames may survive. */
    void (*unmapped)(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t count);
    /* Machine-wide counters (after the core's) and vm's counters under prefix px ("vm1"). */
    void (*register_stats)(struct vmm *vmm, struct stats *st);
    void (*register_vm_stats)(struct vmm *vmm, struct vm *vm, struct stats *st, const char *px);
    /* Per-VM figures for the summary table: misses the back end resolved without the guest
     * (fills, L2 TLB hits, shadow entries) and guest MMU operations it emulated. */
    uint64_t (*vm_resolved)(const struct vmm *vmm, const struct vm *vm);
};

#define VMM_MAX_BACKEND_NAMES 16   /* registered back ends at most (the CLI's choice list) */

/* ---- the registry --------------------------------------------------------------------- */

/* The back ends this program is built with, in order, NULL-terminated: defined by the one
 * list outside core/ (backends.c); core/backend.c reads it. */
extern const struct mmu_backend *const vmm_backend_list[];

/* The registered back end called name, or NULL. */
const struct mmu_backend *vmm_backend_find(const char *name);
/* The default back end of machine MMU mmu ("swtlb", "pagewalk"): the first registered for
 * it, or NULL. */
const struct mmu_backend *vmm_backend_default(const char *mmu);
/* The index of b in the list (0..), or -1; the number of registered back ends. */
int vmm_backend_index(const struct mmu_backend *b);
unsigned vmm_backend_count(void);
/* Writes the names, separated by sep ("disco|shadow|nested"), into buf. */
void vmm_backend_names(char *buf, size_t len, const char *sep);

#endif
