/* check.h - the lockstep check (--engine check): the interpreter and the compiling engine
 * run the same machine side by side, and the architectural state is compared at every
 * block end of the compiling engine; the first divergence is reported with the block's
 * guest code (docs/engine.md).
 *
 * The two machines are built by the caller (identical configurations) and run in two
 * coroutines of one thread (a context switch of 14 instructions): the engine runs one
 * block (chaining off), then the interpreter runs to the same instruction count (a pause
 * event, cpu->pause), then the states are compared. Compared: the general registers, HI,
 * LO, the PC (and the delay-slot state), the instruction count and cycles, every CP0
 * register the CPU holds, LL state, the mode, the stop reason, and every counter of struct
 * cpu_counters. The interpreter's pause is no event: it changes nothing the interpreter does or counts. */
#ifndef TLBVISOR_JIT_CHECK_H
#define TLBVISOR_JIT_CHECK_H

#include <stdio.h>

struct cpu;

struct check_run {
    struct cpu *cpu[2];                 /* 0: the reference (interpreter), 1: the compiler */
    void (*run)(void *arg, int which);  /* runs machine `which` to its end */
    void (*stop)(void *arg, int which); /* makes machine `which` stop soon (after a divergence) */
    void *arg;
};

/* Installs the compiling engine on cpu[1] and runs both machines in lockstep. Returns 0
 * when they agreed at every check and at the end, 1 after reporting the first divergence
 * on f, -1 when the engine cannot run here (f has the reason). */
int jit_check_run(const struct check_run *cr, FILE *f);
/* How many checks the last jit_check_run made. */
unsigned long long jit_check_count(void);

#endif
