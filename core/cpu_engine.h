/* cpu_engine.h - the execution-engine interface: what runs a CPU's guest code.
 *
 * The interpreter (cpu_exec.c) is the reference engine: it runs a CPU whose cpu->engine is
 * NULL. Another engine (jit/: compiled blocks of x86-64 code) plugs in as a table of
 * function pointers, TinyEMU style, installed by whoever builds the machine (the CLI, a
 * test); core/ calls it only through this table and never includes its header.
 *
 * The contract every engine keeps (docs/engine.md): the architectural state, every counter
 * of struct cpu_counters, the MMU's and the VMM's counters and the event timing are the
 * interpreter's, bit for bit. In particular it decodes an instruction when it first
 * executes it (cpu.decoded_insns), counts translation-cache hits and misses as the
 * interpreter does, and calls cpu_service_events before exactly the instructions before
 * which the interpreter calls it: before instruction X iff icount >= icount_stop then. */
#ifndef TLBVISOR_CPU_ENGINE_H
#define TLBVISOR_CPU_ENGINE_H

#include "cpu.h"

struct cpu_engine;

struct cpu_engine_ops {
    const char *name;
    /* Runs cpu until something stops the machine, as cpu_run. */
    enum cpu_stop (*run)(struct cpu_engine *e);
    /* Instruction i (0..DPAGE_INSNS-1) of the predecoded page dp was forgotten: RAM under
     * it was written (self-modifying code, a walker's A/D update, a VMM's write). Called by
     * cpu_mem.c after dp->d[i] has become undecoded; the engine drops what it derived from
     * it. May be called from inside the engine's own run (a store's slow path). */
    void (*insn_forgotten)(struct cpu_engine *e, struct dpage *dp, unsigned i);
    /* dp is about to be freed (its RAM page became data, or every page is dropped). */
    void (*page_dropped)(struct cpu_engine *e, struct dpage *dp);
    /* Frees the engine (called by cpu_free, before the predecoded pages go). */
    void (*destroy)(struct cpu_engine *e);
};

/* Every engine embeds this as its first member. */
struct cpu_engine {
    const struct cpu_engine_ops *ops;
    struct cpu *cpu;
};

/* Installs e as cpu's engine (NULL: the interpreter). The CPU must not be running. The
 * previous engine, if any, is destroyed. */
void cpu_set_engine(struct cpu *cpu, struct cpu_engine *e);

/* The interpreter: the reference engine (cpu_exec.c). */
enum cpu_stop cpu_interp_run(struct cpu *cpu);

#endif
