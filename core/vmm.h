/* vmm.h - the hypervisor: guests run deprivileged on the machine's CPU, the VMM owns the
 * hardware. This first version runs ONE virtual machine on the software-managed TLB,
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
#include "stats.h"
#include "uart.h"

#define VMM_HW_TLB_ENTRIES 64

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
};

struct vm {
    unsigned id;
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
    struct vm vm;
    unsigned hw_next;              /* round-robin victim for VMM TLB fills */
    uint32_t seg_key;              /* the guest segment map the hardware TLB was filled for */
    struct stats stats;
};

struct vmm_config {
    uint32_t mem_bytes;            /* the VM's guest-physical RAM */
    unsigned tlb_entries;          /* the guest's TLB size (Config1.MMUSize + 1) */
    mmu_ctor tlb_new;              /* builds an R4K TLB of *(unsigned *)arg entries */
    uint64_t max_insns;
    const char *image_name;
    const char *cmdline;
    int out_fd;
    const struct cost_model *cost;
};

int vmm_create(struct vmm *vmm, const struct vmm_config *cfg, const char *elf_path,
               char *err, size_t errlen);
enum cpu_stop vmm_run(struct vmm *vmm);
void vmm_destroy(struct vmm *vmm);

#endif
