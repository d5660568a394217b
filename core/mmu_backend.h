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
 * tree); the core enumerates it (vmm_backend_list, vmm_backend_find, vmm_backend_default) and
 * so do the CLI, the bench suites' validation and `run --help` (docs/backends.md), which
 * also take each back end's command-line options from it (struct mmu_backend_opts).
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
struct opt;
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

/* What a back end's options may depend on besides themselves (mmu_backend_opts.finish). */
struct mmu_backend_optctx {
    const void *machine;        /* the run's configuration of the back end's machine MMU, from
                                 * the run's own options: for "pagewalk" a struct pw_config
                                 * (pagewalk/pw.h: --pw-tlb-entries, --pw-tlb-ways); for
                                 * "swtlb" NULL (the guest TLB's size is cfg->tlb_entries) */
    int used;                   /* the run has a VM under this back end (--backend or the
                                 * --mmu default, or a --vm's backend= or mmu=) */
};

/* A back end's command-line options (`tlbvisor run --NAME`, bench suites' `NAME = ...`;
 * docs/backends.md "Its options"). The rows are in the option-table format
 * (core/opt_table.h): their off and given_off are offsets into a struct of the back end's own
 * (size bytes), which the CLI zeroes, sets to its defaults, and fills from the command line
 * with the parser, the scope check and --help of the CLI's own options. The back end then
 * turns it into what init and vm_init get as cfg->backend_opts. The core never reads these;
 * the CLI enumerates them through the registry. */
struct mmu_backend_opts {
    const struct opt *table;    /* the rows, in the order `run --help` lists them */
    size_t count;
    size_t size;                /* sizeof the struct they fill */
    /* Optional (NULL: all zero): the defaults into o (size bytes, zeroed). */
    void (*defaults)(void *o);
    /* Optional (NULL: the back end gets o itself): after the command line, checks o as one
     * (what goes with what, what does nothing in this run) and sets *backend_opts to the
     * options the back end gets (inside o, which lives until the run ends; NULL: its
     * defaults). Called for every registered back end, used or not, in registry order,
     * once the run's technique is known. Returns 0, or -1 with the one-line message
     * (without "tlbvisor run: ") in err. */
    int (*finish)(void *o, const struct mmu_backend_optctx *ctx, const void **backend_opts,
                  char *err, size_t errlen);
};

struct mmu_backend {
    const char *name;           /* "disco", "shadow": also the "mmu" of the stats file */
    const char *mmu;            /* the machine MMU it drives: "swtlb" or "pagewalk" (the
                                 * first registered back end of an MMU is its default) */
    const char *summary;        /* one line for `run --help` and `run --list-backends` */
    /* Optional (NULL: none): its command-line options. */
    const struct mmu_backend_opts *opts;
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
    /* Machine memory (core/mem.c, docs/memory.md). A back end maps guest-physical pages
     * only through the pmap: it asks pmap_get(pmap, gpfn, PMAP_READ or PMAP_WRITE) for
     * each page it maps (the page may come back from the compressed store or the swap
     * file, or be copied out of a shared frame, or get its first frame), makes a
     * translation writable only if pmap_writable(pmap, gpfn) says so after that (a shared
     * page, or a fresh one watched for double zeroing, is not: the guest's first store
     * faults, and the back end asks again with PMAP_WRITE; a store the pmap completes,
     * vmm_store_completed, is not emulated but ends in vmm_retry), and keeps a reverse map from a
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
