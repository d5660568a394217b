/* run_opts.h - the options of `tlbvisor run`, as a table (opts.h). The table is the one
 * place where an option's syntax, limits, scope and help are written: --help, the checks
 * and docs/cli.md all come from it. A back end or experiment adds its options here: one
 * field in struct run_opts and one table line. */
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
    int native, mmu, quiet, l2tlb, idle_detect, engine;
    uint64_t mem, tlb_entries, pw_tlb_entries, pw_tlb_ways, max_insns, vms, quantum;
    uint64_t l2tlb_entries, jit_cache, stdin_vm;
    int report_unmodelled;
    uint64_t machine_mem, compress_max, share_rate;    /* machine memory (docs/memory.md) */
    int compress, share, zero_track, balloon;
    const char *swap;
    const char *stats, *cost_profile, *weight, *initrd, *argv0;
    const char *vm[RUN_MAX_VMS];   /* the --vm specs (8 KiB) */
    /* shadow paging (shadow/shadow.h struct shadow_opts; 0: the back end's default) */
    const char *shadow_opts;
    uint64_t shadow_frames, shadow_oos, shadow_roots, shadow_prefetch;
    int shadow_audit;
    /* the technique under the VMM: an index of the registry (vmm_backend_list; default: by
     * --mmu, vmm_backend_default); --list-backends */
    int backend, list_backends;
    const char *nested_opts;       /* nested paging's (nested/nested.h) */
    /* How many times each option was given (opts.h), in table order by name. */
    struct {
        unsigned native, mmu, quiet, l2tlb, idle_detect, mem, tlb_entries, pw_tlb_entries,
            pw_tlb_ways, max_insns, vms, quantum, l2tlb_entries, stats, cost_profile, weight, vm,
            initrd, stdin_vm, report_unmodelled, shadow_opts, shadow_frames, shadow_oos,
            shadow_roots, shadow_prefetch, shadow_audit, backend, list_backends, nested_opts,
            engine, jit_cache;
        unsigned machine_mem, compress_max, share_rate, compress, share, zero_track, balloon,
            swap, argv0;
    } given;
};

extern const struct opt run_opt_table[];
extern const size_t run_opt_count;

/* The defaults (every option not given). */
void run_opts_default(struct run_opts *o);

#endif
