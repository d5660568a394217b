/* run_engine.h - --engine: the execution engine that runs a machine's CPU, and the lockstep
 * check of the two engines (docs/engine.md). */
#ifndef TLBVISOR_CLI_RUN_ENGINE_H
#define TLBVISOR_CLI_RUN_ENGINE_H

#include "core/cpu.h"

struct machine;
struct vmm;
struct stats;

/* Exit status of a run whose engines diverged (--engine check). */
#define RUN_EXIT_DIVERGED 5

struct run_opts;

/* Installs the engine o->engine (enum run_engine; not RUN_ENGINE_CHECK) on cpu, with
 * o->jit_cache. A compiling engine on a host that cannot run it falls back to the
 * interpreter with a one-line notice on stderr. Returns 0, or -1 after a message (out of
 * memory). */
int run_engine_attach(struct cpu *cpu, const struct run_opts *o);

/* --engine check: runs ref on the interpreter and jit (built the same way) on the
 * compiling engine in lockstep, then compares all their counters.
 * Returns why ref stopped; *diverged is 1 after a divergence was reported on stderr, -1
 * when the compiling engine cannot run here. */
enum cpu_stop run_check_native(struct machine *ref, struct machine *jit, int *diverged);
enum cpu_stop run_check_vmm(struct vmm *ref, struct vmm *jit, int *diverged);

#endif
