/* vmm.h - the hypervisor: guests run deprivileged on the machine's CPU, the VMM owns the
 * hardware (docs/vmm.md). It runs several virtual machines, one vCPU each: the guest's
 * kernel mode is hardware supervisor mode with kseg0/kseg1 made mapped and
 * supervisor-accessible through SegCtl; every exception enters the VMM (cpu->exception),
 * which emulates privileged instructions and device registers, hands translation faults and
 * MMU operations to the memory-virtualization back end (mmu_backend.h), and reflects
 * everything else to the guest's vectors.
 *
 * The guest's view of CP0 and of its MMU is a complete second `struct cpu` that never runs
 * (vm->v): its CP0 registers and MMU model are the architectural model the native machine
 * uses, so mfc0/mtc0/eret, the MMU instructions and exception entry behave for the guest
 * exactly as on the bare machine. */
#ifndef TLBVISOR_VMM_H
#define TLBVISOR_VMM_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "console.h"
#include "cost.h"
#include "cpu.h"
#include "frames.h"
#include "idle.h"
#include "machine.h"
#include "malta.h"
#include "mem.h"
#include "paravirt.h"
#include "pmap.h"
#include "sched.h"
#include "stats.h"
#include "uart.h"

/* The most VMs one machine runs: a sanity bound on the command line, not the size of any
 * array (the VMs, their vCPUs and counters are allocated for the number asked for). */
#define VMM_MAX_VMS 1024
#define VMM_MAX_BACKENDS 4         /* different techniques on one machine at once */

/* Emulated privileged instructions, by kind (vmN.priv.KIND). */
#define VMM_PRIV_KINDS(X) X(mfc0) X(mtc0) X(tlbp) X(tlbr) X(tlbwi) X(tlbwr) X(eret) X(wait) \
    X(di_ei) X(cache) X(rdhwr) X(shadow_regs) X(hypercall)
enum vmm_priv {
#define VMM_PRIV_ENUM(k) VMM_PRIV_##k,
    VMM_PRIV_KINDS(VMM_PRIV_ENUM)
#undef VMM_PRIV_ENUM
    VMM_PRIV_COUNT
};

struct vm_counters {
    uint64_t traps[EXC_COUNT];     /* hardware exceptions that entered the VMM, by cause */
    uint64_t priv_emulated;        /* privileged instructions emulated */
    uint64_t priv[VMM_PRIV_COUNT]; /* ... by kind */
    uint64_t reflected;            /* exceptions reflected to the guest */
    uint64_t refill_reflected;     /* of which TLB refills (the guest's refill handler ran) */
    uint64_t device_accesses;      /* emulated UART/SOFTRES loads and stores */
    uint64_t instructions;         /* guest instructions the VM executed: what the native
                                    * machine counts (retried_insns not included) */
    uint64_t retried_insns;        /* dispatches the VMM added by retrying a trapped
                                    * instruction (vmm_retry): the instruction again if it
                                    * was dispatched before it trapped (a load or store, not
                                    * a fetch), and the branch of a delay slot */
    uint64_t guest_cycles;         /* modelled cycles of those: (instructions + retried_insns)
                                    * x insn + walker_memrefs x walker_memref */
    uint64_t walker_memrefs;       /* the machine page walker's memory references while the
                                    * VM ran (its share of pw.memrefs) */
    uint64_t vmm_cycles;           /* modelled cycles spent in the VMM (cost.h): the sum over
                                    * constants of cost_units[id] x the constant */
    uint64_t cost_units[COST_COUNT]; /* the ledger: units of each constant charged by
                                    * vmm_charge (vmN.cost.NAME) */
    uint64_t idle_wait_halts;      /* halts because the guest executed wait */
    uint64_t idle_spin_halts;      /* halts because the guest was found spinning idle */
    uint64_t end_cycle;            /* machine cycle at which the VM stopped */
};

/* What became of a VM. */
enum vm_state { VM_RUNNING, VM_DONE };

struct vm {
    unsigned id;                   /* 1.. */
    uint32_t vcpu;                 /* its scheduler id */
    enum vm_state state;
    enum cpu_stop why;             /* how it ended */
    int exit_code;
    uint32_t end_pc;               /* where it stopped (a hung wait: the wait itself) */
    char vmm_error[200];           /* why the VMM stopped it (out of machine memory, a
                                    * corrupted swap page), or "" */
    const char *end_mode;          /* the guest's mode then ("kernel", "user", ...) */
    char prefix[16];               /* "[vmN] " on its console lines when several VMs run */
    char board_name[16];           /* "vmN: " on its unmodelled-access reports */
    /* The machine's registers while another VM runs. */
    uint32_t gpr[33], hi, lo, pc, npc, ds_pc, ll_va;
    int llbit;
    int probe;                     /* found spinning lately: its next slices are short */
    struct pmap pmap;
    struct cpu *v;                 /* the guest's CP0, MMU model and exception model (never
                                    * runs); v->mmu is the back end's model of the guest's MMU */
    struct bus bus;                /* the guest's devices: its own Malta board */
    struct uart uart;              /* its console output */
    struct malta board;
    void *be;                      /* the back end's per-VM state (only the back end's) */
    struct vm_pv pv;               /* its paravirtual interface (paravirt.h) */
    const struct mmu_backend *backend; /* its memory-virtualization technique */
    unsigned be_slot;              /* ... its index in vmm->bes */
    struct vmm *owner;
    uint32_t seg_key;              /* its segment map's key at the last sync (vmm_seg_key) */
    int seg_key_set;
    struct vm_counters n;
};

struct mmu_backend;

/* One technique in use on the machine: its state and the machine MMU it owns. */
struct vmm_be {
    const struct mmu_backend *backend;
    void *be;
    struct mmu *mmu;
    const uint64_t *memrefs;       /* its machine MMU's "pw.memrefs" counter, or NULL */
};

struct vmm {
    struct frames frames;
    struct mem mem;                /* the machine memory manager (mem.h) */
    struct bus hwbus;              /* nothing on it: guests never reach devices directly */
    struct cpu *cpu;               /* the machine; cpu->mmu belongs to the back end */
    /* The technique of the VM on the CPU (every hook is called with it active): its table,
     * its machine-wide state (only the back end's) and, in cpu->mmu, its machine MMU. VMs
     * of different techniques can run side by side (a Disco VM on the software TLB next to
     * a shadow-paging VM on the page walker): the machine then has one MMU per technique
     * and a world switch changes which one translates (vmm_be_activate). */
    const struct mmu_backend *backend;
    void *be;                      /* the active back end's machine-wide state */
    struct vmm_be bes[VMM_MAX_BACKENDS];
    unsigned nbes;
    struct vm *vms;                /* [nvms_alloc], allocated once: the stats registry keeps
                                    * pointers into them */
    unsigned nvms, nvms_alloc;
    struct vm *cur;                /* the VM on the CPU */
    const struct cpu_exc *trap;    /* the exception being handled (inside vmm_exception) */
    struct sched sched;
    uint64_t max_insns;            /* machine-wide instruction limit (0: none) */
    int idle_wait, idle_spin;      /* idle detection: halt on wait; infer spinning idle loops */
    uint64_t world_switches;
    struct console_in input;       /* cfg->in_fd, read by VM input_vm's console */
    unsigned input_vm;             /* 0: no VM reads the host's input */
    int quit;                      /* the user ended the run (Ctrl-A x) */
    int zero_store_done;           /* this trap's store was one of zeros into a frame watched
                                    * for double zeroing: vmm_retry goes on after it */
    struct stats stats;
};

/* One VM: its image, boot command line, RAM and scheduling weight; optionally its own
 * technique (NULL: the config's) with its options, and its guest TLB size. */
struct vmm_vm_spec {
    const char *elf;
    const char *cmdline;
    const char *initrd;            /* initial ramdisk file, or NULL */
    uint32_t mem_bytes;
    unsigned weight;               /* 1..1000 */
    const struct mmu_backend *backend;
    const void *backend_opts;
    unsigned tlb_entries;          /* 0: vmm_config.tlb_entries */
};

struct vmm_config {
    unsigned vms;                  /* how many VMs (1..VMM_MAX_VMS) */
    const struct vmm_vm_spec *spec; /* vms specs; or NULL: every VM boots elf_path, cmdline */
    uint64_t quantum_cycles;       /* scheduler quantum (0: sched's default) */
    int idle_detect;               /* IDLE_DETECT_* bits (default both) */
    uint32_t mem_bytes;            /* each VM's guest-physical RAM (without spec) */
    unsigned tlb_entries;          /* the guest's TLB size (Config1.MMUSize + 1) */
    uint64_t machine_mem_bytes;    /* the machine frame pool (0: every VM's RAM plus 1 MiB) */
    struct mem_config mem;         /* reclaim (on when machine_mem_bytes is given), the
                                    * compressed store, swap, sharing, zero tracking */
    const struct mmu_backend *backend; /* the memory-virtualization technique */
    const void *backend_opts;      /* its options (the back end's own struct), or NULL */
    uint64_t max_insns;
    const char *cmdline;
    const char *argv0;             /* every VM's argv[0]; NULL: its image's file name */
    const char *initrd;            /* without spec: every VM's initial ramdisk, or NULL */
    int out_fd;
    int in_fd;                     /* console input (console.h), or -1 */
    unsigned stdin_vm;             /* the VM (1..) whose console reads in_fd; 0: none */
    int report_unmodelled;         /* report unmodelled device accesses on stderr */
    const struct cost_model *cost;
};

int vmm_create(struct vmm *vmm, const struct vmm_config *cfg, const char *elf_path,
               char *err, size_t errlen);
/* Runs every VM until each has stopped (or the machine-wide instruction limit). Returns
 * CPU_STOP_INSN_LIMIT for the limit, else CPU_STOP_POWEROFF; each VM's end is in vms[]. */
enum cpu_stop vmm_run(struct vmm *vmm);
void vmm_destroy(struct vmm *vmm);

/* Services of the core for the back ends (mmu_backend.h). Each acts on vmm->cur, whose
 * trapping instruction is at cpu->pc (cpu->npc: where execution continues after it). */
/* Reflects e to the guest: its exception entry, exactly as on the bare machine. */
void vmm_reflect(struct vmm *vmm, const struct cpu_exc *e);
void vmm_reflect_code(struct vmm *vmm, int code);
/* Runs the trapping instruction again (from its branch if it is in a delay slot); or, if
 * the pmap found it a store of zeros into a frame still all zeros (zero_store_done), goes
 * on after it. */
void vmm_retry(struct vmm *vmm);
/* Whether the trapping store is complete already (a store of zeros into a frame watched
 * for double zeroing, pmap.h zero_store): the back end maps the page as pmap_writable
 * says and ends with vmm_retry, without emulating the store itself. */
static inline int vmm_store_completed(const struct vmm *vmm) { return vmm->zero_store_done; }
/* The trapping access reached a guest-physical page without RAM behind it (a device page,
 * or nothing): a fetch (fetch != 0) takes IBE; a load or store is emulated against the
 * guest's devices, or takes the bus error the bare machine would raise. */
void vmm_access_unbacked(struct vmm *vmm, int fetch);
/* The key of the guest's segment map (its ERL and SegCtl, and its mode when a segment is
 * unmapped for the kernel but mapped for the other modes, MUSUK): which guest addresses are
 * unmapped, and where they go, depends on nothing else. The core keeps each VM's key and
 * calls the back end's seg_changed when it changes. */
uint32_t vmm_seg_key(const struct cpu *v);
/* Reads the guest instruction at va of vmm->cur through the guest's own segment map and MMU
 * model (the guest's view: what the core emulates); with as_run, first from the machine
 * frame the back end's machine_frame gives, if that frame is the VM's (what the machine ran,
 * even where the guest's tables no longer say so: shadow paging's emulated page-table
 * stores). Returns 0, or -1 if it reaches no RAM. */
int vmm_guest_fetch(struct vmm *vmm, uint32_t va, uint32_t *insn, int as_run);
/* Completes the trapped instruction without executing it (the VMM emulated it): execution
 * continues at cpu->npc (the branch destination when it was in a delay slot). */
void vmm_skip(struct vmm *vmm);
/* The guest's `mtc0 val` to CP0 register reg (select 0) as the VMM emulates it: offered
 * to the back end first (which may note it or own the register), else written to the
 * virtual CP0 (paravirt.c: a register the guest wrote in its per-vCPU page). */
void vmm_guest_mtc0(struct vmm *vmm, int reg, uint32_t val);

/* Makes slot's technique the active one (its state in vmm->be, its MMU the machine's,
 * the CPU's translation cache flushed if that changed). For the core. */
void vmm_be_activate(struct vmm *vmm, unsigned slot);
/* Charges VMM work to the machine's time and to the current VM: units of cost constant id
 * (units x the constant's cycles), recorded in the VM's ledger (vmN.cost.NAME). Every
 * modelled cycle of VMM work goes through here, so that vmN.cycles.vmm is exactly the sum
 * of the ledger times the constants and a result can be re-costed. */
void vmm_charge(struct vmm *vmm, enum cost_id id, uint64_t units);

#endif
