/* machine.c - assembling and running one native machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elf.h"
#include "file.h"
#include "machine.h"
#include "malta.h"
#include "mmu.h"

int machine_create(struct machine *m, const struct machine_config *cfg, const char *elf_path,
                   char *err, size_t errlen)
{
    struct elf_image img;
    char msg[256];
    memset(m, 0, sizeof(*m));
    if (elf_load_file(elf_path, cfg->mem_bytes, &img, msg, sizeof(msg)) != 0) {
        file_msg(err, errlen, elf_path, msg);
        return -1;
    }
    m->ram_bytes = cfg->mem_bytes;
    /* Anonymous mapping: zero-filled, and host pages appear only when the guest uses them. */
    void *ram = mmap(NULL, m->ram_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate %u bytes of guest RAM", m->ram_bytes);
        elf_free(&img);
        return -1;
    }
    m->ram = ram;
    elf_copy_to_ram(&img, m->ram);
    bus_init(&m->bus, m->ram, m->ram_bytes);
    m->cpu = cpu_new(m->ram, m->ram_bytes, &m->bus, cfg->tlb_entries);
    if (!m->cpu) {
        snprintf(err, errlen, "out of memory");
        elf_free(&img);
        machine_destroy(m);
        return -1;
    }
    if (cfg->cost)
        m->cpu->cost = *cfg->cost;
    m->mmu = cfg->mmu_new(m->cpu, cfg->mmu_arg);
    if (!m->mmu) {
        snprintf(err, errlen, "cannot create the MMU");
        elf_free(&img);
        machine_destroy(m);
        return -1;
    }
    m->cpu->mmu = m->mmu;
    uart_init(&m->uart, cfg->out_fd, NULL);
    uart_attach(&m->uart, &m->bus);
    malta_attach_softres(m->cpu, &m->bus);
    cpu_reset(m->cpu);
    m->cpu->insn_limit = cfg->max_insns;
    cpu_recompute_stop(m->cpu);
    malta_boot(m->cpu, img.entry, cfg->image_name ? cfg->image_name : elf_path, cfg->cmdline);
    elf_free(&img);

    stats_init(&m->stats);
    cpu_register_stats(m->cpu, &m->stats);
    stats_add(&m->stats, &m->uart.tx_bytes, "uart.tx_bytes");
    if (m->mmu->ops->register_stats)
        m->mmu->ops->register_stats(m->mmu, &m->stats);
    return 0;
}

enum cpu_stop machine_run(struct machine *m)
{
    enum cpu_stop why = cpu_run(m->cpu);
    uart_flush(&m->uart);
    cpu_update_stats(m->cpu);
    return why;
}

const char *machine_mode_name(const struct cpu *cpu)
{
    static const char *const names[TC_MODES] = { "user", "supervisor", "kernel", "kernel (ERL)" };
    return cpu->tc_mode >= 0 && cpu->tc_mode < TC_MODES ? names[cpu->tc_mode] : "?";
}

void machine_destroy(struct machine *m)
{
    if (m->mmu)
        m->mmu->ops->destroy(m->mmu);
    cpu_free(m->cpu);
    if (m->ram)
        munmap(m->ram, m->ram_bytes);
    stats_free(&m->stats);
    memset(m, 0, sizeof(*m));
}
