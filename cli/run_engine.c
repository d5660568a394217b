/* run_engine.c - --engine (run_engine.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/cpu_engine.h"
#include "core/machine.h"
#include "core/vmm.h"
#include "jit/check.h"
#include "jit/jit.h"
#include "run_engine.h"
#include "run_opts.h"

int run_engine_attach(struct cpu *cpu, const struct run_opts *o)
{
    if (o->engine == RUN_ENGINE_INTERP)
        return 0;
    if (!jit_host_supported()) {
        static int told;
        if (!told++)
            fprintf(stderr, "tlbvisor: notice: no compiling engine for this host (x86-64 only): "
                    "the interpreter runs\n");
        return 0;
    }
    struct jit_config cfg = { .compile = 1, .cache_bytes = o->jit_cache };
    struct cpu_engine *e = jit_new(cpu, &cfg);
    if (!e) {
        fprintf(stderr, "tlbvisor: cannot create the compiling engine: out of memory\n");
        return -1;
    }
    cpu_set_engine(cpu, e);
    return 0;
}

/* Every counter of a and b must agree; reports the differences. */
static int same_counters(const struct stats *a, const struct stats *b)
{
    int same = a->n == b->n;
    for (unsigned i = 0; i < a->n && i < b->n; i++) {
        if (*a->e[i].value == *b->e[i].value)
            continue;
        if (same)
            fprintf(stderr, "tlbvisor: --engine check: the engines ended with different "
                    "counters:\n");
        same = 0;
        fprintf(stderr, "  %-40s interp %" PRIu64 "  jit %" PRIu64 "\n", a->e[i].name,
                *a->e[i].value, *b->e[i].value);
    }
    return same;
}

struct native_pair {
    struct machine *m[2];
    enum cpu_stop why[2];
};

static void native_run(void *arg, int which)
{
    struct native_pair *p = arg;
    p->why[which] = machine_run(p->m[which]);
}

static void native_stop(void *arg, int which)
{
    struct native_pair *p = arg;
    cpu_request_stop(p->m[which]->cpu, CPU_STOP_INSN_LIMIT, 0);
}

enum cpu_stop run_check_native(struct machine *ref, struct machine *jit, int *diverged)
{
    struct native_pair p = { .m = { ref, jit } };
    struct check_run cr = { .cpu = { ref->cpu, jit->cpu }, .run = native_run,
                            .stop = native_stop, .arg = &p };
    *diverged = jit_check_run(&cr, stderr);
    if (*diverged == 0 && !same_counters(&ref->stats, &jit->stats))
        *diverged = 1;
    return p.why[0];
}

struct vmm_pair {
    struct vmm *v[2];
    enum cpu_stop why[2];
};

static void vmm_run_one(void *arg, int which)
{
    struct vmm_pair *p = arg;
    p->why[which] = vmm_run(p->v[which]);
}

static void vmm_stop_one(void *arg, int which)
{
    struct vmm_pair *p = arg;
    p->v[which]->max_insns = 1;              /* the machine-wide limit: every VM stops */
    cpu_request_stop(p->v[which]->cpu, CPU_STOP_INSN_LIMIT, 0);
}

enum cpu_stop run_check_vmm(struct vmm *ref, struct vmm *jit, int *diverged)
{
    struct vmm_pair p = { .v = { ref, jit } };
    struct check_run cr = { .cpu = { ref->cpu, jit->cpu }, .run = vmm_run_one,
                            .stop = vmm_stop_one, .arg = &p };
    *diverged = jit_check_run(&cr, stderr);
    if (*diverged == 0 && !same_counters(&ref->stats, &jit->stats))
        *diverged = 1;
    return p.why[0];
}
