/* run_engine.h - --engine: the execution engine that runs a machine's CPU (docs/engine.md). */
#ifndef TLBVISOR_CLI_RUN_ENGINE_H
#define TLBVISOR_CLI_RUN_ENGINE_H

struct cpu;

/* Installs engine (enum run_engine) on cpu. A compiling engine on a host that cannot run
 * it falls back to the interpreter with a one-line notice on stderr. Returns 0, or -1 after
 * a message (out of memory). */
int run_engine_attach(struct cpu *cpu, int engine);

#endif
