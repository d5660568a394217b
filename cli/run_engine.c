/* run_engine.c - --engine (run_engine.h). */
#include <stdio.h>

#include "core/cpu_engine.h"
#include "jit/jit.h"
#include "run_engine.h"
#include "run_opts.h"

int run_engine_attach(struct cpu *cpu, int engine)
{
    if (engine == RUN_ENGINE_INTERP)
        return 0;
    if (!jit_host_supported()) {
        static int told;
        if (!told++)
            fprintf(stderr, "tlbvisor: notice: no compiling engine for this host (x86-64 only): "
                    "the interpreter runs\n");
        return 0;
    }
    struct cpu_engine *e = jit_new(cpu, NULL);
    if (!e) {
        fprintf(stderr, "tlbvisor: cannot create the compiling engine: out of memory\n");
        return -1;
    }
    cpu_set_engine(cpu, e);
    return 0;
}
