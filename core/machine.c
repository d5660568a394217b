/* machine.c - assembling and running one native machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elf.h"
#include "file.h"
#include "machine.h"
#include "mmu.h"

static uint64_t host_now(void *ctx) { return cpu_cycles(((struct machine *)ctx)->cpu); }
static void host_irq_lines(void *ctx, uint32_t ip) { cpu_set_irq_lines(((struct machine *)ctx)->cpu, ip); }
static void host_events(void *ctx, uint64_t next) { cpu_set_dev_cycle(((struct machine *)ctx)->cpu, next); }
static void host_poweroff(void *ctx)
{
    cpu_request_stop(((struct machine *)ctx)->cpu, CPU_STOP_POWEROFF, 0);
}
static void board_event(void *ctx) { malta_service(&((struct machine *)ctx)->board); }
static void idle_hook(void *ctx, uint64_t cycles)
{
    struct machine *m = ctx;
    if (m->has_input && m->input.raw) {
        uart_flush(&m->uart);             /* an interactive guest idles: its prompt is out */
        console_in_idle(&m->input, cycles);
    }
}

int machine_create(struct machine *m, const struct machine_config *cfg, const char *elf_path,
                   char *err, size_t errlen)
{
    struct elf_image img;
    char msg[256];
    uint8_t *initrd = NULL;
    size_t initrd_bytes = 0;
    memset(m, 0, sizeof(*m));
    if (elf_load_file(elf_path, cfg->mem_bytes, &img, msg, sizeof(msg)) != 0) {
        file_msg(err, errlen, elf_path, msg);
        return -1;
    }
    if (cfg->initrd && malta_load_initrd(cfg->initrd, &initrd, &initrd_bytes, err, errlen) != 0) {
        elf_free(&img);
        return -1;
    }
    m->ram_bytes = cfg->mem_bytes;
    /* Anonymous mapping: zero-filled, and host pages appear only when the guest uses them. */
    void *ram = mmap(NULL, m->ram_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate %u bytes of guest RAM", m->ram_bytes);
        elf_free(&img);
        free(initrd);
        return -1;
    }
    m->ram = ram;
    elf_copy_to_ram(&img, m->ram);
    bus_init(&m->bus, m->ram, m->ram_bytes);
    m->cpu = cpu_new(m->ram, m->ram_bytes, &m->bus, cfg->tlb_entries);
    if (!m->cpu) {
        snprintf(err, errlen, "out of memory");
        elf_free(&img);
        free(initrd);
        machine_destroy(m);
        return -1;
    }
    if (cfg->cost)
        m->cpu->cost = *cfg->cost;
    m->mmu = cfg->mmu_new(m->cpu, cfg->mmu_arg);
    if (!m->mmu) {
        snprintf(err, errlen, "cannot create the MMU");
        elf_free(&img);
        free(initrd);
        machine_destroy(m);
        return -1;
    }
    m->cpu->mmu = m->mmu;
    cpu_reset(m->cpu);
    m->cpu->insn_limit = cfg->max_insns;
    cpu_recompute_stop(m->cpu);

    uart_init(&m->uart, cfg->out_fd, NULL);
    if (cfg->in_fd >= 0) {
        console_in_init(&m->input, cfg->in_fd);
        m->input.quit = host_poweroff;       /* Ctrl-A x */
        m->input.quit_ctx = m;
        m->has_input = 1;
    }
    struct malta_host host = { .ctx = m, .now = host_now, .irq_lines = host_irq_lines,
                               .events = host_events, .poweroff = host_poweroff };
    malta_init(&m->board, &host, &m->uart, m->has_input ? &m->input : NULL);
    m->board.report_unmodelled = cfg->report_unmodelled;
    malta_attach(&m->board, &m->bus);
    m->cpu->dev_event = board_event;
    m->cpu->dev_ctx = m;
    m->cpu->idle_hook = idle_hook;
    m->cpu->idle_ctx = m;

    struct malta_boot boot = {
        .ram_bytes = m->ram_bytes, .entry = img.entry, .kernel_end = elf_image_end(&img),
        .image = elf_path, .argv0 = cfg->argv0, .cmdline = cfg->cmdline,
        .initrd = initrd, .initrd_bytes = (uint32_t)initrd_bytes, .seed = 0,
    };
    int rc = malta_boot(m->cpu, &boot, err, errlen);
    elf_free(&img);
    free(initrd);
    if (rc != 0) {
        machine_destroy(m);
        return -1;
    }

    stats_init(&m->stats);
    cpu_register_stats(m->cpu, &m->stats);
    stats_add(&m->stats, &m->uart.tx_bytes, "uart.tx_bytes");
    stats_add(&m->stats, &m->board.n.accesses, "devices.accesses");
    malta_register_stats(&m->board, &m->stats, "");
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
    if (m->has_input)
        console_in_close(&m->input);
    if (m->mmu)
        m->mmu->ops->destroy(m->mmu);
    cpu_free(m->cpu);
    if (m->ram)
        munmap(m->ram, m->ram_bytes);
    stats_free(&m->stats);
    memset(m, 0, sizeof(*m));
}
