/* run_opts.h - the options of `tlbvisor run`, as a table (opts.h): the run's own rows
 * (run_opts.c) and, after them, each registered back end's (core/mmu_backend.h `opts`, in
 * registry order). The table is the one place where an option's syntax, limits, scope and
 * help are written: --help, the checks, the bench's suite keys and docs/cli.md all come from
 * it. An option of the run adds one field in struct run_opts and one table line; a back
 * end's option is a line of the back end's own table, never a line here. */
#ifndef TLBVISOR_CLI_RUN_OPTS_H
#define TLBVISOR_CLI_RUN_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "opts.h"

#define RUN_MAX_VMS 1024         /* VMM_MAX_VMS */

/* Indices of the OPT_CHOICE options' values. */
enum run_mmu { RUN_MMU_SWTLB, RUN_MMU_PAGEWALK };
enum run_onoff { RUN_ON, RUN_OFF };
enum run_idle { RUN_IDLE_BOTH, RUN_IDLE_WAIT, RUN_IDLE_SPIN, RUN_IDLE_OFF };
enum run_engine { RUN_ENGINE_INTERP, RUN_ENGINE_JIT, RUN_ENGINE_CHECK };

struct run_opts {
    int native, mmu, quiet, idle_detect, engine;
    uint64_t mem, tlb_entries, pw_tlb_entries, pw_tlb_ways, max_insns, vms, quantum;
    uint64_t jit_cache, stdin_vm;
    int report_unmodelled;
    uint64_t machine_mem, compress_max, share_rate;    /* machine memory (docs/memory.md) */
    int compress, share, zero_track, balloon;
    const char *swap;
    const char *stats, *cost_profile, *weight, *initrd, *argv0;
    const char *vm[RUN_MAX_VMS];   /* the --vm specs (8 KiB) */
    /* the technique under the VMM: an index of the registry (vmm_backend_list; default: by
     * --mmu, vmm_backend_default); --list-backends */
    int backend, list_backends;
    /* How many times each option was given (opts.h), in table order by name. */
    struct {
        unsigned native, mmu, quiet, idle_detect, mem, tlb_entries, pw_tlb_entries,
            pw_tlb_ways, max_insns, vms, quantum, stats, cost_profile, weight, vm,
            initrd, stdin_vm, report_unmodelled, backend, list_backends, engine, jit_cache;
        unsigned machine_mem, compress_max, share_rate, compress, share, zero_track, balloon,
            swap, argv0;
    } given;
    /* In a block from run_opts_new, each back end's options struct follows
     * (run_opts_backend). */
};

/* Every row of `tlbvisor run` (*n of them): the run's own, then each registered back end's
 * in registry order, the back ends' offsets moved to their struct's place in a block of
 * run_opts_new, so that the parser (opts.h) fills one block. Built on first use; NULL when
 * it cannot be (run_opt_table_error says why: out of memory, or two options of one name). */
const struct opt *run_opt_table(size_t *n);
const char *run_opt_table_error(void);

/* A block of every run option (struct run_opts, then each back end's options struct), set
 * to the defaults; free() it. NULL when out of memory or without a table. */
struct run_opts *run_opts_new(void);
/* Back to the defaults (every option not given), the back ends' included; o from
 * run_opts_new. */
void run_opts_default(struct run_opts *o);
/* Back end i's (vmm_backend_list[i]) options struct inside o's block, or NULL if it has no
 * options. */
void *run_opts_backend(struct run_opts *o, unsigned i);

#endif
