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
 *     write-protected, writes emulated and propagated, PTBase switches, InvlPg).
 * The core reaches a back end only through this table; it never includes a back end's
 * header. A back end reaches the core through the services declared at the end of vmm.h.
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

struct mmu_backend {
    const char *name;           /* "disco", "shadow": also the "mmu" of the stats file */
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
    /* A translation exception of the machine (TLBL, TLBS or Mod, refill or not, or a
     * walker page fault) while the guest ran: fill the machine's MMU and retry
     * (vmm_retry), emulate the access (vmm_access_unbacked), or reflect the exception the
     * guest's own MMU model gives (vmm_reflect). */
    void (*fault)(struct vmm *vmm, const struct cpu_exc *e);
    /* A privileged instruction of the guest kernel, decoded (d), before the core emulates
     * it. A back end performs the MMU operations it owns (tlbp/tlbr/tlbwi/tlbwr, writes
     * to PTBase or InvlPg) against the guest's model, keeps the machine consistent and
     * returns 1; it returns 0 for anything the core should emulate (it may still note it). */
    int (*priv_op)(struct vmm *vmm, const struct dinsn *d);
    /* The guest's translation state may have changed (its mode, ASID, ERL or segment map,
     * after any emulated instruction or reflection): make the machine's MMU follow. */
    void (*sync)(struct vmm *vmm);
    /* World switch: vm leaves the CPU / vm is put on it (its registers already loaded). */
    void (*switch_out)(struct vmm *vmm, struct vm *vm);
    void (*switch_in)(struct vmm *vmm, struct vm *vm);
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

#endif
