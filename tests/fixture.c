/* tests/fixture.c - the unit tests' machine (see fixture.h). */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#include "core/cp0.h"
#include "mips/r4k_tlb.h"
#include "pagewalk/pw.h"

#define FX_T9 25               /* $t9: the UHI operation register */

void fx_setup(struct fx *fx, uint32_t ram_bytes, unsigned tlb_entries,
              const struct pw_config *pw)
{
    fx->ram_bytes = ram_bytes;
    fx->ram = calloc(1, ram_bytes);
    cr_assert_not_null(fx->ram);
    bus_init(&fx->bus, fx->ram, ram_bytes);
    fx->cpu = cpu_new(fx->ram, ram_bytes, &fx->bus, tlb_entries);
    cr_assert_not_null(fx->cpu);
    fx->mmu = pw ? pw_new(fx->cpu, pw) : r4k_tlb_new(fx->cpu, tlb_entries);
    cr_assert_not_null(fx->mmu);
    fx->cpu->mmu = fx->mmu;
    cpu_reset(fx->cpu);
    stats_init(&fx->st);
    fx->mmu->ops->register_stats(fx->mmu, &fx->st);
}

void fx_teardown(struct fx *fx)
{
    stats_free(&fx->st);
    fx->mmu->ops->destroy(fx->mmu);
    cpu_free(fx->cpu);
    free(fx->ram);
    memset(fx, 0, sizeof(*fx));
}

void fx_put(struct fx *fx, uint32_t pa, const uint32_t *w, size_t n)
{
    cr_assert(pa <= fx->ram_bytes && n * 4 <= fx->ram_bytes - pa,
              "fx_put: %zu words at PA %#x overrun RAM", n, pa);
    memcpy(fx->ram + pa, w, n * 4);
    cpu_phys_written(fx->cpu, pa, (unsigned)(n * 4));
}

enum cpu_stop fx_resume(struct fx *fx, uint64_t n)
{
    struct cpu *cpu = fx->cpu;
    cpu->stop = CPU_STOP_NONE;
    cpu->gpr[FX_T9] = 1;
    cpu->insn_limit = cpu->icount + n;
    cpu_kick(cpu);
    return cpu_run(cpu);
}

enum cpu_stop fx_run_at(struct fx *fx, uint32_t pc, uint64_t n)
{
    fx->cpu->pc = pc;
    fx->cpu->npc = pc + 4;
    fx->cpu->ds_pc = 1;
    return fx_resume(fx, n);
}

unsigned fx_exccode(const struct fx *fx)
{
    return (fx->cpu->cp0.cause & CA_EXC_MASK) >> CA_EXC_SHIFT;
}
