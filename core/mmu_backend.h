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
    /* Machine memory (core/mem.c, docs/memory.md). A back end maps guest-physical pages
     * only through the pmap: it asks pmap_get(pmap, gpfn, PMAP_READ or PMAP_WRITE) for
     * each page it maps (the page may come back from the compressed store or the swap
     * file, or be copied out of a shared frame, or get its first frame), makes a
     * translation writable only if pmap_writable(pmap, gpfn) says so after that (a shared
     * page, or a fresh one watched for double zeroing, is not: the guest's first store
     * faults, and the back end asks again with PMAP_WRITE), and keeps a reverse map from a
     * GPFN to every translation of it it holds (machine TLB, L2 TLB, shadow entries) for:
     *
     * unmapped: guest-physical pages [gpfn, gpfn + count) of vm lose their machine frames
     * (the VM stops, a page is evicted, merged with an identical one, copied on write, or
     * given to the balloon): no translation to those frames may survive. It is called
     * while pmap_lookup still gives the old frame, possibly from inside the back end's own
     * fault handling of another page (pmap_get may reclaim), and must not allocate frames
     * or change the pmap. */
    void (*unmapped)(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t count);
    /* Optional (NULL: the core calls unmapped instead, which is one way of doing it):
     * every translation of vm's page gpfn that allows writes becomes read-only (a page
     * becoming shared); the same constraints as unmapped. */
    void (*protect)(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
    /* Optional (NULL: only the pmap's own reference bit, set by every pmap_get): has the
     * guest used vm's page gpfn through a translation the back end holds since the last
     * call (test and clear)? Used by the reclaim clock (Disco: a machine TLB entry maps it;
     * shadow: the A bit of a shadow entry). Must not allocate or change the pmap. */
    int (*referenced)(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
    /* Optional (NULL: the core writes the word through the pmap): a paravirtual guest's
     * batched page-table update (TV_HC_MMU_UPDATE, docs/paravirt.md): store word val at
     * guest-physical gpa (in RAM, aligned) as the guest's own store would, and keep every
     * translation made from the old value consistent (shadow: zap or update the shadow
     * entries of a write-protected page table), without a trap per word. */
    void (*pt_write)(struct vmm *vmm, struct vm *vm, uint32_t gpa, uint32_t val);
    /* Machine-wide counters (after the core's) and vm's counters under prefix px ("vm1"). */
    void (*register_stats)(struct vmm *vmm, struct stats *st);
    void (*register_vm_stats)(struct vmm *vmm, struct vm *vm, struct stats *st, const char *px);
    /* Per-VM figures for the summary table: misses the back end resolved without the guest
     * (fills, L2 TLB hits, shadow entries) and guest MMU operations it emulated. */
    uint64_t (*vm_resolved)(const struct vmm *vmm, const struct vm *vm);
};

#endif
