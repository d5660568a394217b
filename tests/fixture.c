/* tests/fixture.c - the unit tests' machine (see fixture.h). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

#include "core/cp0.h"
#include "core/cpu_engine.h"
#include "core/vmm.h"
#include "jit/jit.h"
#include "mips/r4k_tlb.h"
#include "pagewalk/pw.h"

#define FX_T9 25               /* $t9: the UHI operation register */

void fx_engine(struct cpu *cpu)
{
    const char *e = getenv("TLBVISOR_ENGINE");
    if (!e || strcmp(e, "interp") == 0)
        return;
    cr_assert_str_eq(e, "jit", "TLBVISOR_ENGINE must be interp or jit");
    struct cpu_engine *jit = jit_new(cpu, NULL);
    cr_assert_not_null(jit, "no compiling engine on this host");
    cpu_set_engine(cpu, jit);
}

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
    fx_engine(fx->cpu);
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

void fx_run_vms(struct vmm *vmm, struct vmm_config *cfg, const char *guest_dir,
                const char *name)
{
    char dir[512], elf[512], err[512];
    const char *slash = strrchr(name, '/');
    if (slash) {
        snprintf(dir, sizeof(dir), "%s/%.*s", guest_dir, (int)(slash - name), name);
        name = slash + 1;
    } else {
        snprintf(dir, sizeof(dir), "%s", guest_dir);
    }
    cr_assert_eq(chdir(dir), 0, "%s", dir);
    snprintf(elf, sizeof(elf), "%s.elf", name);
    int devnull = open("/dev/null", O_WRONLY);
    cr_assert_geq(devnull, 0);
    cfg->out_fd = devnull;
    cr_assert_eq(vmm_create(vmm, cfg, elf, err, sizeof(err)), 0, "%s", err);
    fx_engine(vmm->cpu);
    cr_assert_eq(vmm_run(vmm), CPU_STOP_POWEROFF);
    for (unsigned i = 0; i < cfg->vms; i++)
        cr_assert_eq(vmm->vms[i].exit_code, 0, "vm%u of %s: exit %d", i + 1, name,
                     vmm->vms[i].exit_code);
    close(devnull);
}

int64_t fx_counter(const struct vmm *vmm, const char *name)
{
    int64_t v = stats_get(&vmm->stats, name);
    cr_assert_geq(v, 0, "no counter %s", name);
    return v;
}
