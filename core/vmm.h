/* vmm.h - the hypervisor: guests run deprivileged on the machine's CPU, the VMM owns the
 * hardware. It runs several virtual machines, one vCPU each, on the software-managed TLB,
 * Disco-style (docs/vmm.md): the guest's kernel mode is hardware supervisor mode with
 * kseg0/kseg1 made mapped and supervisor-accessible through SegCtl; every exception enters
 * the VMM (cpu->exception), which fills the hardware TLB itself (kseg0/kseg1, and useg
 * pages the guest's own TLB already maps), emulates privileged instructions and device
 * registers, and reflects everything else to the guest's vectors.
 *
 * The guest's view of CP0 and of its TLB is a complete second `struct cpu` that never runs
 * (vm->v): its CP0 registers and its R4K TLB are the architectural model the native machine
 * uses, so mfc0/mtc0/tlbp/tlbr/tlbwi/tlbwr/eret and exception entry behave for the guest
 * exactly as on the bare machine. */
#ifndef TLBVISOR_VMM_H
#define TLBVISOR_VMM_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "cost.h"
#include "cpu.h"
#include "frames.h"
#include "machine.h"
#include "pmap.h"
#include "sched.h"
#include "stats.h"
#include "uart.h"

#define VMM_HW_TLB_ENTRIES 64
#define VMM_MAX_VMS 8
#define VMM_IDLE_WAIT 1            /* wait halts the vCPU until its next interrupt */
#define VMM_IDLE_SPIN 2            /* a spinning idle loop is inferred and halts the vCPU */
#define VMM_IDLE_PROBE_CYCLES 4000 /* slice of a vCPU last found spinning ... */
#define VMM_IDLE_PROBES 8          /* ... for this many slices after it was found */
#define VMM_IDLE_LOOP_MAX 8        /* longest loop body (instructions) taken as an idle loop */

struct vm_counters {
    uint64_t traps[EXC_COUNT];     /* hardware exceptions that entered the VMM, by cause */
    uint64_t priv_emulated;        /* privileged instructions emulated */
    uint64_t reflected;            /* exceptions reflected to the guest */
    uint64_t refill_reflected;     /* of which TLB refills (the guest's refill handler ran) */
    uint64_t kseg_fills;           /* hardware TLB fills for guest kseg0/kseg1 by the VMM */
    uint64_t useg_fills;           /* hardware TLB fills from the guest's own TLB entries */
    uint64_t device_accesses;      /* emulated UART/SOFTRES loads and stores */
    uint64_t tlb_writes;           /* guest tlbwi/tlbwr (each drops its hardware copies) */
    uint64_t hw_flushes;           /* whole hardware TLB dropped (guest segment map changed) */
    uint64_t vmm_cycles;           /* modelled cycles spent in the VMM (cost.h) */
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
    uint32_t end_pc;
    char prefix[16];               /* "[vmN] " on its console lines when several VMs run */
    /* The machine's registers while another VM runs. */
    uint32_t gpr[33], hi, lo, pc, npc, ds_pc, ll_va;
    int llbit;
    int probe;                     /* found spinning lately: its next slices are short */
    struct pmap pmap;
    struct cpu *v;                 /* the guest's CP0, TLB and exception model (never runs) */
    struct mmu *vtlb;              /* the guest's TLB as it programmed it */
    struct bus bus;                /* the guest's devices */
    struct uart uart;
    int8_t hw_src[VMM_HW_TLB_ENTRIES]; /* per hardware entry: the guest TLB index it copies */
    struct vm_counters n;
};

struct vmm {
    struct frames frames;
    struct bus hwbus;              /* nothing on it: guests never reach devices directly */
    struct cpu *cpu;               /* the machine */
    struct mmu *hwtlb;
    struct vm vms[VMM_MAX_VMS];
    unsigned nvms;
    struct vm *cur;                /* the VM on the CPU */
    struct sched sched;
    uint64_t max_insns;            /* machine-wide instruction limit (0: none) */
    int idle_wait, idle_spin;      /* idle detection: halt on wait; infer spinning idle loops */
    uint64_t world_switches;
    unsigned hw_next;              /* round-robin victim for VMM TLB fills */
    uint32_t seg_key;              /* the guest segment map the hardware TLB was filled for */
    struct stats stats;
};

/* One VM: its image, boot command line, RAM and scheduling weight. */
struct vmm_vm_spec {
    const char *elf;
    const char *cmdline;
    uint32_t mem_bytes;
    unsigned weight;               /* 1..1000 */
};

struct vmm_config {
    unsigned vms;                  /* how many VMs (1..VMM_MAX_VMS) */
    const struct vmm_vm_spec *spec; /* vms specs; or NULL: every VM boots elf_path, cmdline */
    uint64_t quantum_cycles;       /* scheduler quantum (0: sched's default) */
    int idle_detect;               /* VMM_IDLE_* bits (default both) */
    uint32_t mem_bytes;            /* each VM's guest-physical RAM (without spec) */
    unsigned tlb_entries;          /* the guest's TLB size (Config1.MMUSize + 1) */
    mmu_ctor tlb_new;              /* builds an R4K TLB of *(unsigned *)arg entries */
    uint64_t max_insns;
    const char *cmdline;
    int out_fd;
    const struct cost_model *cost;
};

int vmm_create(struct vmm *vmm, const struct vmm_config *cfg, const char *elf_path,
               char *err, size_t errlen);
/* Runs every VM until each has stopped (or the machine-wide instruction limit). Returns
 * CPU_STOP_INSN_LIMIT for the limit, else CPU_STOP_POWEROFF; each VM's end is in vms[]. */
enum cpu_stop vmm_run(struct vmm *vmm);
void vmm_destroy(struct vmm *vmm);

#endif
