/* machine.h - one native machine: RAM, bus, devices, CPU and an MMU personality, booted
 * from an ELF image by the Malta protocol. The personality is passed in as a constructor so
 * that core/ does not depend on mips/ or pagewalk/. */
#ifndef TLBVISOR_MACHINE_H
#define TLBVISOR_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "bus.h"
#include "console.h"
#include "malta.h"
#include "stats.h"
#include "uart.h"

struct mmu;

typedef struct mmu *(*mmu_ctor)(struct cpu *cpu, const void *arg);

struct machine_config {
    uint32_t mem_bytes;          /* guest RAM, multiple of 4 KiB, at most 256 MiB */
    unsigned tlb_entries;        /* Config1.MMUSize + 1 (Random range) */
    mmu_ctor mmu_new;
    const void *mmu_arg;
    uint64_t max_insns;          /* 0: no limit */
    const char *argv0;           /* argv[0]; NULL: the image's file name (malta.h) */
    const char *cmdline;         /* argv[1] */
    const char *initrd;          /* initial ramdisk file, or NULL */
    int out_fd;                  /* guest console */
    int in_fd;                   /* guest console input (console.h), or -1 for none */
    int report_unmodelled;       /* report unmodelled device accesses on stderr */
    const struct cost_model *cost; /* NULL: the default model */
};

struct machine {
    uint8_t *ram;
    uint32_t ram_bytes;
    struct bus bus;
    struct uart uart;
    struct console_in input;
    int has_input;
    struct malta board;
    struct cpu *cpu;
    struct mmu *mmu;
    struct stats stats;
};

/* Builds the machine and loads the ELF. Returns 0, or -1 with a message in err. */
int machine_create(struct machine *m, const struct machine_config *cfg, const char *elf_path,
                   char *err, size_t errlen);
enum cpu_stop machine_run(struct machine *m);
void machine_destroy(struct machine *m);
const char *machine_mode_name(const struct cpu *cpu);

#endif
