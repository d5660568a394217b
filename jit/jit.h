/* jit.h - the compiling execution engine (docs/engine.md): hot blocks of guest code run as
 * x86-64 host code, with the interpreter's exact counters and event timing. It plugs into
 * a CPU through core/cpu_engine.h (cpu_set_engine). */
#ifndef TLBVISOR_JIT_H
#define TLBVISOR_JIT_H

#include <stddef.h>
#include <stdint.h>

struct cpu;
struct cpu_engine;

struct jit_config {
    unsigned hot;                /* a block is compiled when its head is reached this often
                                  * (0: the default, JIT_HOT_DEFAULT) */
    size_t cache_bytes;          /* code cache (0: JIT_CACHE_DEFAULT) */
    int no_chain;                /* every block returns to the dispatcher (for --engine check) */
    int compile;                 /* 0: never compile (the step interpreter runs everything) */
    int no_regs;                 /* guest registers stay in memory (a measurement of what
                                  * the host registers buy; docs/engine.md) */
    /* Called at every block end where the instruction count grew (the dispatcher, state
     * in the CPU), if set: the lockstep check's hook (check.h). */
    void (*block_end)(void *ctx, struct cpu *cpu, uint32_t block_pc);
    void *block_end_ctx;
};
#define JIT_HOT_DEFAULT 32
#define JIT_CACHE_DEFAULT (32u << 20)

/* 1 if this host can run compiled code (x86-64), else 0. */
int jit_host_supported(void);

/* A new engine for cpu (install it with cpu_set_engine), or NULL when the host is not
 * x86-64 or memory is short. cfg may be NULL (defaults). */
struct cpu_engine *jit_new(struct cpu *cpu, const struct jit_config *cfg);

/* Prints the engine's host-side figures (blocks, compile time, code cache) on f (a FILE *). */
void jit_print_stats(const struct cpu_engine *e, void *f);
/* Prints the guest code of the block (or, if none is compiled there, the instructions)
 * that begins at pc, as the engine sees it, on f (a FILE *). */
void jit_describe(const struct cpu_engine *e, uint32_t pc, void *f);

#endif
