/* jit_int.h - the engine's internals shared by its files (not for core/ or the CLI). */
#ifndef TLBVISOR_JIT_INT_H
#define TLBVISOR_JIT_INT_H

#include <stdint.h>

#include "core/cpu.h"
#include "core/cpu_engine.h"
#include "jit/jit.h"

/* jit_step's outcome: the next instruction follows in sequence on the page (SEQ), starts a
 * new run (HEAD: after a jump, a delay slot, an exception, a page end, or anything after
 * which the interpreter looks its PC up again), or the machine stops (OUT). */
enum { STEP_SEQ, STEP_HEAD, STEP_OUT };

/* The engine's words in cpu->engine_scratch. */
enum { JIT_SCRATCH_EXIT,         /* nonzero: a block was dropped; running code must leave */
       JIT_SCRATCH_TARGET };     /* a jump's destination while its delay slot runs */

/* Executes d, the (decoded) instruction at cpu->pc (step.c). */
int jit_step(struct cpu *cpu, const struct dinsn *d);

struct jpage;

/* The longest block, in instructions, and the most code it can take. */
#define JIT_BLOCK_MAX 128
#define JIT_HOT_BYTES (JIT_BLOCK_MAX * 160 + 4096)
#define JIT_COLD_BYTES (JIT_BLOCK_MAX * 300 + 4096)
#define JIT_BLOCK_BYTES_MAX (JIT_HOT_BYTES + JIT_COLD_BYTES)

/* A compiled block: the instructions head .. head + ninsns - 1 of one predecoded page as
 * seen at one virtual page, entered at head only. */
struct jblock {
    struct jpage *jp;
    struct jblock *next;         /* in jp's list */
    uint16_t head, ninsns;
    uint8_t *code;
    uint32_t code_bytes;
};

/* What the engine keeps per predecoded page and virtual page it is executed at (the same
 * physical code can run at several virtual addresses, and a block's PCs are those of one).
 * dpage->engine is the first of the page's aliases (the one used last). slot[i] is the
 * entry of the block whose head is instruction i (an even host address), or
 * 2 * (times the dispatcher reached i as a run start) + 1 while it has none: compiled code
 * reads it to chain from block to block. */
struct jpage {
    uintptr_t slot[DPAGE_INSNS];
    uint32_t va_page;
    struct dpage *dp;
    struct jpage *alias;         /* the next jpage of the same dpage */
    struct jblock *blocks;
    struct jpage *prev, *next;   /* in the engine's list of pages */
    uint8_t covered[DPAGE_INSNS / 8];   /* instructions inside some block */
};

/* Counters of host work, printed by jit_print_stats (never in --stats: the stats file is
 * the same whichever engine ran). */
struct jit_counters {
    uint64_t blocks_compiled, insns_compiled, code_bytes, compile_ns;
    uint64_t blocks_invalidated, cache_flushes, pages;
    uint64_t enters, steps, helper_exits;
};

/* The trampoline into compiled code: runs code (a block's entry) with cpu and the
 * translation cache tc of the current mode; returns JIT_EXIT_* with cpu->pc (and the rest
 * of the state) where execution goes on. */
typedef int (*jit_enter_fn)(struct cpu *cpu, const void *code, void *tc);
enum { JIT_EXIT_NORMAL, JIT_EXIT_BUDGET };   /* BUDGET: the block at cpu->pc does not fit
                                              * before icount_stop */

struct jit {
    struct cpu_engine base;
    struct jit_config cfg;
    struct jpage *pages;         /* every jpage (a list, for flushes) */
    uint8_t *cache, *cache_end, *cache_next, *cache_blocks;  /* cache_blocks: after the
                                                              * trampoline */
    size_t cache_bytes;
    jit_enter_fn enter;
    void *exit, *exit_budget;    /* where compiled code leaves (the trampoline's tail) */
    uint32_t no_enter_pc;        /* the block here did not fit: step once */
    uint64_t break_at;           /* TLBVISOR_JIT_BREAK: the block entry after which $2 is
                                  * corrupted (a test that --engine check sees it) */
    struct cg *cg;               /* the compiler's state and buffers (compile.c) */
    uint8_t *hotbuf, *coldbuf;
    struct jit_counters n;
};

/* Code cache space for a block of bytes, or NULL when the cache is full (jit.c). */
uint8_t *jit_cache_alloc(struct jit *j, uint32_t bytes);
/* Compiles the block of jp whose head is instruction head (compile.c); NULL when nothing
 * there can be compiled or the cache is full. */
struct jblock *jit_compile(struct jit *j, struct jpage *jp, unsigned head);
struct cg *jit_cg_new(void);
/* Emits the trampoline at the start of the code cache (compile.c). */
void jit_emit_runtime(struct jit *j);

#endif
