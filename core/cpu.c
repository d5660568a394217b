/* cpu.c - CPU construction and its counters. */
#include <stdlib.h>

#include "cpu.h"
#include "cpu_engine.h"
#include "stats.h"

static const char *const exc_names[EXC_COUNT] = {
    [EXC_INT] = "Int", [EXC_MOD] = "Mod", [EXC_TLBL] = "TLBL", [EXC_TLBS] = "TLBS",
    [EXC_ADEL] = "AdEL", [EXC_ADES] = "AdES", [EXC_IBE] = "IBE", [EXC_DBE] = "DBE",
    [EXC_SYS] = "Sys", [EXC_BP] = "Bp", [EXC_RI] = "RI", [EXC_CPU] = "CpU", [EXC_OV] = "Ov",
    [EXC_TR] = "Tr", [EXC_NPF] = "NPF",
};

const char *cpu_exc_name(int code)
{
    return code >= 0 && code < EXC_COUNT && exc_names[code] ? exc_names[code] : "?";
}

struct cpu *cpu_new(uint8_t *ram, uint32_t ram_bytes, struct bus *bus, unsigned tlb_entries)
{
    struct cpu *cpu = calloc(1, sizeof(*cpu));
    if (!cpu)
        return NULL;
    cpu->ram = ram;
    cpu->ram_bytes = ram_bytes;
    cpu->ram_pages = ram_bytes >> 12;
    cpu->dpages = calloc(cpu->ram_pages ? cpu->ram_pages : 1, sizeof(*cpu->dpages));
    if (!cpu->dpages) {
        free(cpu);
        return NULL;
    }
    cpu->bus = bus;
    cpu->tlb_entries = tlb_entries;
    cpu->exception = cpu_exception_native;
    cpu->pause_icount = UINT64_MAX;                 /* no pause (cpu.h) */
    cpu->dev_cycle = UINT64_MAX;                /* no board until one is attached */
    cost_default(&cpu->cost);
    return cpu;
}

void cpu_free(struct cpu *cpu)
{
    if (!cpu)
        return;
    cpu_set_engine(cpu, NULL);
    for (uint32_t i = 0; i < cpu->ram_pages; i++)
        free(cpu->dpages[i]);
    free(cpu->dpages);
    free(cpu);
}

enum cpu_stop cpu_run(struct cpu *cpu)
{
    return cpu->engine ? cpu->engine->ops->run(cpu->engine) : cpu_interp_run(cpu);
}

void cpu_set_engine(struct cpu *cpu, struct cpu_engine *e)
{
    if (cpu->engine)
        cpu->engine->ops->destroy(cpu->engine);
    cpu->engine = e;
}

void cpu_register_stats(struct cpu *cpu, struct stats *st)
{
    stats_add(st, &cpu->icount, "cpu.instructions");
    stats_add(st, &cpu->stat_cycles, "cpu.cycles");
    stats_add(st, &cpu->n.idle_cycles, "cpu.idle_cycles");
    stats_add(st, &cpu->n.interrupts, "cpu.interrupts");
    stats_add(st, &cpu->n.event_checks, "cpu.event_checks");
    for (int i = 0; i < EXC_COUNT; i++)
        if (exc_names[i])
            stats_add(st, &cpu->n.exceptions[i], "cpu.exceptions.%s", exc_names[i]);
    stats_add(st, &cpu->n.tc_hits, "tcache.hits");
    stats_add(st, &cpu->n.tc_misses_r, "tcache.misses.load");
    stats_add(st, &cpu->n.tc_misses_w, "tcache.misses.store");
    stats_add(st, &cpu->n.tc_misses_x, "tcache.misses.fetch");
    stats_add(st, &cpu->n.tc_flushes, "tcache.flushes");
    stats_add(st, &cpu->n.decoded_insns, "cpu.decoded_insns");
    stats_add(st, &cpu->n.dpages_dropped, "cpu.dpages_dropped");
}

/* Brings derived counters up to date before a report. */
void cpu_update_stats(struct cpu *cpu)
{
    cpu->stat_cycles = cpu_cycles(cpu);
}
