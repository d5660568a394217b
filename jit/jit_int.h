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

/* A compiled block: the instructions head .. head + ninsns - 1 of one predecoded page,
 * entered at head only. */
struct jblock {
    struct jpage *jp;
    struct jblock *next;         /* in jp's list */
    uint16_t head, ninsns;
    uint8_t *code;
    uint32_t code_bytes;
};

/* What the engine keeps per predecoded page (dpage->engine). slot[i] is the entry of the
 * block whose head is instruction i (an even host address), or 2 * (times the dispatcher
 * reached i as a run start) + 1 while it has none; compiled code reads it to chain. */
struct jpage {
    uintptr_t slot[DPAGE_INSNS];
    struct dpage *dp;
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

struct jit {
    struct cpu_engine base;
    struct jit_config cfg;
    struct jpage *pages;         /* every jpage (a list, for flushes) */
    uint8_t *cache, *cache_end, *cache_next;
    void *enter;                 /* the trampoline: uint64_t enter(struct cpu *, code, tc) */
    struct jit_counters n;
};

#endif
