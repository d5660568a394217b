/* tests/fixture.h - the machine the criterion unit tests run on: a zeroed RAM buffer at PA 0,
 * a bus with no devices, a CPU and one MMU personality, plus the run helpers every test file
 * needs. A test file keeps one `static struct fx fx` and calls fx_setup/fx_teardown from its
 * suite's .init/.fini; criterion runs each test in its own process, so nothing leaks between
 * tests. Every helper asserts (cr_assert) instead of returning an error. */
#ifndef TLBVISOR_TESTS_FIXTURE_H
#define TLBVISOR_TESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/cpu.h"
#include "core/mmu.h"
#include "core/stats.h"

struct pw_config;

struct fx {
    uint8_t *ram;              /* ram_bytes of guest RAM, physical address 0.. */
    uint32_t ram_bytes;
    struct bus bus;            /* the CPU points here: a struct fx must not move */
    struct cpu *cpu;
    struct mmu *mmu;           /* also cpu->mmu */
    struct stats st;           /* the MMU's counters; the CPU's only if the test adds them */
};

/* Builds the machine and resets the CPU (Status.BEV=1, kernel mode). tlb_entries is the
 * CPU's Config1.MMUSize+1; the MMU is the pagewalk personality with *pw if pw is not NULL,
 * else the swtlb with tlb_entries entries. Registers the MMU's counters in fx->st. */
void fx_setup(struct fx *fx, uint32_t ram_bytes, unsigned tlb_entries,
              const struct pw_config *pw);
/* Installs the execution engine that the environment asks for on cpu: TLBVISOR_ENGINE=jit
 * the compiling engine, unset or interp the interpreter. fx_setup and fx_run_vms call it, so
 * that ctest runs the same tests, with the same exact expectations, on both engines. */
void fx_engine(struct cpu *cpu);
/* Frees everything fx_setup built. */
void fx_teardown(struct fx *fx);

/* Copies n words to RAM at physical address pa behind the CPU's back, and tells the CPU
 * (cpu_phys_written), so that no stale decoded instruction survives. */
void fx_put(struct fx *fx, uint32_t pa, const uint32_t *w, size_t n);

/* Continues from the current state for at most n more instructions. Sets $t9 = 1 first, so
 * that `sdbbp 1` is the UHI exit (CPU_STOP_EXIT). Returns why the CPU stopped. */
enum cpu_stop fx_resume(struct fx *fx, uint64_t n);
/* Like fx_resume, from pc (not in a delay slot). */
enum cpu_stop fx_run_at(struct fx *fx, uint32_t pc, uint64_t n);

/* Cause.ExcCode of the last exception. */
unsigned fx_exccode(const struct fx *fx);

/* ---- the VMM on guest programs (test_disco.c, test_shadow.c) ---- */
struct vmm;
struct vmm_config;
/* Builds and runs the VMs of cfg (its console to /dev/null), booting guest program name:
 * a path relative to guest_dir without ".elf", loaded from its own directory so that the
 * guest's argv[0], and with it every count, is the same whatever the build directory.
 * Every VM must power off with status 0. The caller destroys vmm. */
void fx_run_vms(struct vmm *vmm, struct vmm_config *cfg, const char *guest_dir,
                const char *name);
/* The current value of vmm's counter name, which must exist. */
int64_t fx_counter(const struct vmm *vmm, const char *name);

#endif
