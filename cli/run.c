/* run.c - `tlbvisor run`: boot an ELF on the machine natively, or as VMs under the VMM.
 *
 * Exit status (RUN_EXIT_*, also in --help): the guest's own (0 after SOFTRES, a UHI exit code
 * 1..255), 2 for usage or image errors, 3 when a limit ended the run or the guest is stuck,
 * 4 when the guest exited with a code outside 0..255. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/file.h"
#include "core/swap.h"
#include "core/machine.h"
#include "core/mmu.h"
#include "core/mmu_backend.h"
#include "core/vmm.h"
#include "mips/r4k_tlb.h"
#include "pagewalk/pw.h"
#include "run_engine.h"
#include "run_opts.h"

enum { RUN_EXIT_USAGE = 2, RUN_EXIT_LIMIT = 3, RUN_EXIT_BAD_CODE = 4 };
#define ERR_MAX 8192             /* messages carry a path of any length (file_msg) */

static void print_usage(FILE *f, const struct opt *table, size_t n)
{
    fputs("usage: tlbvisor run [--native] [options] ELF [-- BOOT ARGS...]\n"
          "       tlbvisor run [options] --vm SPEC [--vm SPEC...]\n"
          "\n"
          "Boots ELF (MIPS32 little-endian, linked in kseg0/kseg1) as QEMU's Malta bootloader\n"
          "would, and runs it until it powers off: with --native directly on the emulated\n"
          "Malta-like machine; without it as deprivileged guests of the VMM: Disco-style on the\n"
          "software-managed TLB (--mmu swtlb), or on the hardware page walker (--mmu pagewalk)\n"
          "with one of its back ends (--backend; the registered back ends are listed below).\n"
          "The guest console (UART) goes to stdout and reads stdin; diagnostics go to stderr.\n"
          "\n"
          "options:\n", f);
    opt_print_help(table, n, f);
    fputs("  -h, --help            this text\n"
          "\n"
          "built-in cost profiles (--cost-profile NAME; docs/cost-model.md):\n", f);
    for (size_t i = 0; i < cost_profile_count; i++)
        fprintf(f, "  %-20s  %s\n", cost_profiles[i].name, cost_profiles[i].summary);
    fputs("\n"
          "registered back ends (--backend NAME, --vm ...,backend=NAME; docs/backends.md):\n", f);
    for (unsigned i = 0; vmm_backend_list[i]; i++) {
        const struct mmu_backend *b = vmm_backend_list[i];
        fprintf(f, "  %-20s  %s%s\n", b->name, b->summary,
                vmm_backend_default(b->mmu) == b ? "; the default" : "");
    }
    fputs("\n"
          "Numbers (N) are decimal digits without sign or leading zero; a SIZE is N, NK, NM or\n"
          "NG (binary multiples). An option may be given once (--vm: once per VM); an option\n"
          "that would do nothing in the run (a VMM option with --native, an --mmu swtlb option\n"
          "with --mmu pagewalk) is refused.\n"
          "BOOT ARGS are joined with spaces into the boot command line (argv[1], at most 255\n"
          "bytes).\n"
          "\n"
          "exit status: the guest's (0 after Malta SOFTRES or the PIIX4's soft off, a UHI exit\n"
          "code 1..255); 2 for usage or image errors; 3 when --max-insns or the simulated-time\n"
          "limit (2^62 cycles) ended the run, or the guest hung in wait or in an exception\n"
          "loop; 4 when the guest exited with a code outside 0..255. Under the VMM: 3 for the\n"
          "machine-wide limit, else the status of the first VM (in order) that did not end\n"
          "with 0.\n", f);
}

/* Parses "ELF[,mem=SIZE][,weight=N][,initrd=FILE][,mmu=MMU][ -- BOOT ARGS]" into sp; buf (1024
 * bytes) keeps the strings. Returns 0, or -1 with the reason in why. */
static int parse_vm_spec(const char *arg, struct vmm_vm_spec *sp, char *buf, char *why,
                         size_t whylen)
{
    uint64_t v;
    if (strlen(arg) >= 1024)
        return snprintf(why, whylen, "longer than 1023 bytes"), -1;
    strcpy(buf, arg);
    memset(sp, 0, sizeof(*sp));
    sp->weight = 1;
    sp->cmdline = "";
    char *dash = strstr(buf, " -- ");
    if (dash) {
        *dash = 0;
        sp->cmdline = dash + 4;
        if (strlen(sp->cmdline) > 255)
            return snprintf(why, whylen, "boot command line longer than 255 bytes"), -1;
    }
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    if (!tok || !*tok)
        return snprintf(why, whylen, "no ELF"), -1;
    sp->elf = tok;
    unsigned seen_mem = 0, seen_weight = 0, seen_initrd = 0, seen_mmu = 0;
    while ((tok = strtok_r(NULL, ",", &save))) {
        if (strncmp(tok, "mem=", 4) == 0 && !seen_mem++) {
            if (opt_parse_size(tok + 4, 1u << 20, 256u << 20, 4096, &v))
                return snprintf(why, whylen, "mem= must be 1M..256M, a multiple of 4K"), -1;
            sp->mem_bytes = (uint32_t)v;
        } else if (strncmp(tok, "initrd=", 7) == 0 && !seen_initrd++) {
            if (!tok[7])
                return snprintf(why, whylen, "initrd= needs a file"), -1;
            sp->initrd = tok + 7;
        } else if (strncmp(tok, "mmu=", 4) == 0 && !seen_mmu++) {
            /* this VM's technique, whatever --mmu says: that MMU's default back end (the
             * run's options of that technique apply to it; its guest TLB has that MMU's
             * default size) */
            if (strcmp(tok + 4, "swtlb") != 0 && strcmp(tok + 4, "pagewalk") != 0)
                return snprintf(why, whylen, "mmu= must be swtlb or pagewalk"), -1;
            if (!(sp->backend = vmm_backend_default(tok + 4)))
                return snprintf(why, whylen, "no back end is registered for mmu=%s", tok + 4), -1;
        } else if (strncmp(tok, "backend=", 8) == 0 && !seen_mmu++) {
            /* this VM's technique by name (as --backend) */
            if (!(sp->backend = vmm_backend_find(tok + 8))) {
                char names[160];
                vmm_backend_names(names, sizeof(names), ", ");
                return snprintf(why, whylen, "backend= must be a registered back end (%s)",
                                names), -1;
            }
        } else if (strncmp(tok, "weight=", 7) == 0 && !seen_weight++) {
            if (opt_parse_uint(tok + 7, 1, 1000, &v))
                return snprintf(why, whylen, "weight= must be 1..1000"), -1;
            sp->weight = (unsigned)v;
        } else {
            return snprintf(why, whylen, "unknown or repeated field '%.32s'", tok), -1;
        }
    }
    return 0;
}

static struct mmu *new_swtlb(struct cpu *cpu, const void *arg)
{
    return r4k_tlb_new(cpu, *(const unsigned *)arg);
}

/* The status of a guest's exit code: itself in 0..255, RUN_EXIT_BAD_CODE otherwise. */
static int exit_status_of(const char *who, int code)
{
    if (code >= 0 && code <= 255)
        return code;
    fprintf(stderr, "tlbvisor: %s exited with code %d, outside 0..255: exit status %d\n", who,
            code, RUN_EXIT_BAD_CODE);
    return RUN_EXIT_BAD_CODE;
}

/* Turns why the native machine stopped into the exit status, with a diagnostic on stderr. */
static int report(struct cpu *cpu, enum cpu_stop why)
{
    switch (why) {
    case CPU_STOP_POWEROFF: return 0;
    case CPU_STOP_EXIT: return exit_status_of("the guest", cpu->exit_code);
    case CPU_STOP_INSN_LIMIT:
        fprintf(stderr, "tlbvisor: instruction limit reached: %" PRIu64 " instructions, pc 0x%08x, %s mode\n",
                cpu->icount, cpu->pc, machine_mode_name(cpu));
        return RUN_EXIT_LIMIT;
    case CPU_STOP_TIME_LIMIT:
        fprintf(stderr, "tlbvisor: simulated-time limit reached: %" PRIu64 " cycles (2^62) after "
                "%" PRIu64 " instructions, pc 0x%08x, %s mode\n", cpu_cycles(cpu), cpu->icount,
                cpu->pc, machine_mode_name(cpu));
        return RUN_EXIT_LIMIT;
    case CPU_STOP_FAULT_LOOP:
        fprintf(stderr, "tlbvisor: guest stuck in an exception loop: %s at pc 0x%08x, %s mode, "
                "after %" PRIu64 " instructions (%u exceptions with no instruction completed, "
                "%u taken inside an exception handler)\n",
                cpu_exc_name((int)((cpu->cp0.cause & CA_EXC_MASK) >> CA_EXC_SHIFT)), cpu->pc,
                machine_mode_name(cpu), cpu->icount, cpu->exc_no_progress,
                cpu->nested_exceptions);
        return RUN_EXIT_LIMIT;
    default:
        fprintf(stderr, "tlbvisor: guest hung: wait with no interrupt that can end it, pc 0x%08x, "
                "%s mode, after %" PRIu64 " instructions\n", cpu->pc, machine_mode_name(cpu),
                cpu->icount);
        return RUN_EXIT_LIMIT;
    }
}

static const char *vm_end_name(const struct vm *vm)
{
    if (vm->state != VM_DONE)
        return "running";
    switch (vm->why) {
    case CPU_STOP_POWEROFF: return "poweroff";
    case CPU_STOP_EXIT: return "exit";
    case CPU_STOP_HANG: return vm->vmm_error[0] ? "stopped" : "hung";
    case CPU_STOP_FAULT_LOOP: return "stuck";
    default: return "stopped";
    }
}

/* The table on stderr after a VMM run: per VM, how it ended and what the VMM did for it. */
static void print_vmm_summary(struct vmm *vmm)
{
    fprintf(stderr, "tlbvisor: %-4s %-9s %14s %10s %10s %10s %10s %10s %14s\n", "vm", "end",
            "cycles run", "traps", "emulated", "reflected", "refills", "resolved", "vmm cycles");
    for (unsigned i = 0; i < vmm->nvms; i++) {
        struct vm *vm = &vmm->vms[i];
        uint64_t traps = 0;
        for (int e = 0; e < EXC_COUNT; e++)
            traps += vm->n.traps[e];
        char name[16];
        snprintf(name, sizeof(name), "vm%u", vm->id);
        vmm_be_activate(vmm, vm->be_slot);          /* its technique answers for it */
        fprintf(stderr, "tlbvisor: %-4s %-9s %14llu %10llu %10llu %10llu %10llu %10llu %14llu\n",
                name, vm_end_name(vm), (unsigned long long)vmm->sched.v[vm->vcpu].cycles_run,
                (unsigned long long)traps, (unsigned long long)vm->n.priv_emulated,
                (unsigned long long)vm->n.reflected, (unsigned long long)vm->n.refill_reflected,
                (unsigned long long)vmm->backend->vm_resolved(vmm, vm),
                (unsigned long long)vm->n.vmm_cycles);
    }
    vmm_be_activate(vmm, vmm->vms[0].be_slot);
}

/* The exit status of a VMM run: the machine-wide limits (3), else the first VM (in order)
 * that did not end with status 0; a diagnostic for each VM that hung or got stuck. Pcs and
 * modes are the guest's, as the native run would report them. */
static int report_vms(struct vmm *vmm, enum cpu_stop why)
{
    if (why == CPU_STOP_INSN_LIMIT || why == CPU_STOP_TIME_LIMIT) {
        struct vm *vm = vmm->cur;
        if (why == CPU_STOP_INSN_LIMIT)
            fprintf(stderr, "tlbvisor: instruction limit reached: %" PRIu64 " instructions "
                    "(all VMs), vm%u at pc 0x%08x, %s mode\n", vmm->cpu->icount, vm->id,
                    vmm->cpu->pc, machine_mode_name(vm->v));
        else
            fprintf(stderr, "tlbvisor: simulated-time limit reached: %" PRIu64 " cycles (2^62), "
                    "vm%u at pc 0x%08x, %s mode\n", cpu_cycles(vmm->cpu), vm->id, vmm->cpu->pc,
                    machine_mode_name(vm->v));
        return RUN_EXIT_LIMIT;
    }
    int status = 0;
    for (unsigned i = 0; i < vmm->nvms; i++) {
        struct vm *vm = &vmm->vms[i];
        char who[32];
        int st;
        snprintf(who, sizeof(who), "vm%u", vm->id);
        if (vm->vmm_error[0]) {
            /* Its diagnostic was printed when it happened; the status says it failed. */
            if (!status)
                status = RUN_EXIT_LIMIT;
            continue;
        }
        switch (vm->why) {
        case CPU_STOP_POWEROFF: st = 0; break;
        case CPU_STOP_EXIT: st = exit_status_of(who, vm->exit_code); break;
        case CPU_STOP_FAULT_LOOP:
            fprintf(stderr, "tlbvisor: vm%u stuck in an exception loop at pc 0x%08x, %s mode; "
                    "stopped\n", vm->id, vm->end_pc, vm->end_mode);
            st = RUN_EXIT_LIMIT;
            break;
        case CPU_STOP_HANG:
            fprintf(stderr, "tlbvisor: vm%u hung: wait with no interrupt that can end it, pc "
                    "0x%08x, %s mode; stopped\n", vm->id, vm->end_pc, vm->end_mode);
            st = RUN_EXIT_LIMIT;
            break;
        default:
            fprintf(stderr, "tlbvisor: vm%u never finished\n", vm->id);
            st = RUN_EXIT_LIMIT;
            break;
        }
        if (!status)
            status = st;
    }
    return status;
}

/* /dev/null for writing: the console of --engine check's second machine. */
static int open_null(void)
{
    return open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/* The stats file, opened before the run so that an unwritable path fails at once. */
static FILE *open_stats(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f) {
        char msg[ERR_MAX];
        file_msg(msg, sizeof(msg), path, strerror(errno));
        fprintf(stderr, "tlbvisor: cannot write stats to %s\n", msg);
    }
    return f;
}

/* Refuses a stats path that names one of the run's inputs (it would be overwritten). */
static int stats_clobbers(const char *stats, const char *input, const char *what)
{
    if (!stats || strcmp(stats, "-") == 0 || !input || !file_same(stats, input))
        return 0;
    opt_usage_error("run", "--stats %s is the %s: it would be overwritten", stats, what);
    return 1;
}

/* Parses --weight "W1,W2,..." into w[RUN_MAX_VMS]. Returns how many, or 0 on a syntax
 * error. */
static unsigned parse_weights(const char *s, unsigned *w)
{
    unsigned n = 0;
    char *save = NULL, *buf = strdup(s);
    if (!buf || !*s || s[strlen(s) - 1] == ',') {
        free(buf);
        return 0;
    }
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (n == RUN_MAX_VMS || opt_parse_uint(t, 1, 1000, &v)) {
            free(buf);
            return 0;
        }
        w[n++] = (unsigned)v;
    }
    free(buf);
    return n;
}

struct run_job {
    struct run_opts *o;            /* the options block (run_opts_new; the back ends' too) */
    const struct opt *table;       /* its rows (run_opt_table) */
    size_t ntable;
    const char *elf;
    char cmdline[256];
    struct vmm_vm_spec *specs;     /* [nspecs] (malloc) */
    char (*spec_text)[1024];       /* [nspecs] their strings (malloc) */
    unsigned nspecs;
    struct cost_model cost;
    struct pw_config pwc;
    unsigned tlb_n;
    char *swap_path;               /* --swap FILE (malloc) */
    uint64_t swap_bytes;           /* its size=, or 0 */
    /* Each registered back end's options from the run's (by registry index; NULL: its
     * defaults; finish_backend_opts), and the run's technique. */
    const void *be_opts[VMM_MAX_BACKEND_NAMES];
    const struct mmu_backend *backend;
};

/* Parses --swap "FILE[,size=SIZE]" into the job (the last ",size=" is the size). Returns 0,
 * or an exit status after a message. */
static int parse_swap(struct run_job *j, const char *arg)
{
    const char *comma = strrchr(arg, ',');
    size_t len = strlen(arg);
    if (comma && strncmp(comma + 1, "size=", 5) == 0) {
        if (opt_parse_size(comma + 6, SWAP_PAGE_BYTES, SWAP_MAX_BYTES, SWAP_PAGE_BYTES,
                           &j->swap_bytes))
            return opt_usage_error("run", "bad --swap '%s': size= must be 4K..64G, a multiple "
                                   "of 4K (N, NK, NM or NG)", arg);
        len = (size_t)(comma - arg);
    }
    if (len == 0)
        return opt_usage_error("run", "bad --swap '%s': no file (FILE[,size=SIZE])", arg);
    if (!(j->swap_path = strndup(arg, len)))
        return opt_usage_error("run", "out of memory");
    return 0;
}

/* Each registered back end's options (its rows of the table, parsed into j->o's block),
 * finished by the back end in registry order (mmu_backend.h struct mmu_backend_opts) into
 * what it gets (j->be_opts). Needs j->backend, j->specs and j->pwc. Returns 0, or -1 with
 * the message in err. */
static int finish_backend_opts(struct run_job *j, char *err, size_t errlen)
{
    for (unsigned i = 0; vmm_backend_list[i]; i++) {
        const struct mmu_backend *b = vmm_backend_list[i];
        void *bo = run_opts_backend(j->o, i);
        if (!bo)
            continue;                              /* no options: NULL, its defaults */
        if (!b->opts->finish) {
            j->be_opts[i] = bo;                    /* the struct itself */
            continue;
        }
        struct mmu_backend_optctx ctx = {
            .machine = strcmp(b->mmu, "pagewalk") == 0 ? &j->pwc : NULL,
            .used = j->backend == b,
        };
        for (unsigned s = 0; s < j->nspecs; s++)
            ctx.used |= j->specs[s].backend == b;
        if (b->opts->finish(bo, &ctx, &j->be_opts[i], err, errlen))
            return -1;
    }
    return 0;
}

/* Everything after the option table: the positional arguments, what goes with what, the
 * back ends' options, the cost profile. Returns 0, or an exit status after a message. */
static int prepare(struct run_job *j, int argc, char **argv, int optind)
{
    struct run_opts *o = j->o;
    int pagewalk = o->mmu == RUN_MMU_PAGEWALK;
    unsigned scope = (o->native ? OPT_SCOPE_NATIVE : OPT_SCOPE_VMM) |
                     (pagewalk ? OPT_SCOPE_PAGEWALK : OPT_SCOPE_SWTLB);
    if (opt_check_scope(j->table, j->ntable, o, scope, "run"))
        return RUN_EXIT_USAGE;
    char why[256];
    unsigned nspecs = o->given.vm ? o->given.vm : o->given.weight ? (unsigned)o->vms : 0;
    if (nspecs && (!(j->specs = calloc(nspecs, sizeof(*j->specs))) ||
                   !(j->spec_text = calloc(nspecs, sizeof(*j->spec_text)))))
        return opt_usage_error("run", "out of memory");
    for (unsigned i = 0; i < o->given.vm; i++)
        if (parse_vm_spec(o->vm[i], &j->specs[i], j->spec_text[i], why, sizeof(why)))
            return opt_usage_error("run", "bad --vm '%.200s': %s (ELF[,mem=SIZE][,weight=N]"
                                   "[,initrd=FILE][,mmu=MMU][ -- BOOT ARGS])", o->vm[i], why);
    j->nspecs = o->given.vm;
    if (j->nspecs) {
        if (o->given.vms)
            return opt_usage_error("run", "--vms goes with one ELF for every VM: not with --vm");
        if (o->given.weight)
            return opt_usage_error("run", "--weight goes with --vms N (with --vm, give weight= "
                                   "in each --vm)");
        if (optind < argc)
            return opt_usage_error("run", "unexpected argument '%s' (with --vm, give everything "
                                   "in --vm)", argv[optind]);
        unsigned without_mem = 0;
        for (unsigned i = 0; i < j->nspecs; i++)
            if (!j->specs[i].mem_bytes) {
                j->specs[i].mem_bytes = (uint32_t)o->mem;
                without_mem++;
            }
        if (o->given.mem && !without_mem)
            return opt_usage_error("run", "--mem does nothing: every --vm gives mem=");
        unsigned without_initrd = 0;
        for (unsigned i = 0; i < j->nspecs; i++)
            if (!j->specs[i].initrd) {
                j->specs[i].initrd = o->initrd;
                without_initrd++;
            }
        if (o->given.initrd && !without_initrd)
            return opt_usage_error("run", "--initrd does nothing: every --vm gives initrd=");
        j->elf = j->specs[0].elf;
    } else {
        if (optind >= argc)
            return opt_usage_error("run", "missing ELF file");
        j->elf = argv[optind++];
        if (optind < argc && strcmp(argv[optind], "--") == 0)
            optind++;
        else if (optind < argc)
            return opt_usage_error("run", "unexpected argument '%s' (boot arguments go after "
                                   "--)", argv[optind]);
        size_t len = 0;
        for (int i = optind; i < argc; i++) {
            int n = snprintf(j->cmdline + len, sizeof(j->cmdline) - len, "%s%s",
                             i > optind ? " " : "", argv[i]);
            if (n < 0 || (size_t)n >= sizeof(j->cmdline) - len)
                return opt_usage_error("run", "boot command line too long (at most 255 bytes)");
            len += (size_t)n;
        }
    }
    if (o->given.weight) {
        unsigned *w = calloc(RUN_MAX_VMS, sizeof(*w)), n = w ? parse_weights(o->weight, w) : 0;
        if (!n) {
            free(w);
            return opt_usage_error("run", "bad --weight '%s': up to %u weights 1..1000, "
                                   "comma-separated", o->weight, RUN_MAX_VMS);
        }
        if (n != o->vms) {
            free(w);
            return opt_usage_error("run", "--weight needs one weight per VM (--vms %u)",
                                   (unsigned)o->vms);
        }
        for (unsigned i = 0; i < n; i++)
            j->specs[i] = (struct vmm_vm_spec){ .elf = j->elf, .cmdline = j->cmdline,
                                                .initrd = o->initrd,
                                                .mem_bytes = (uint32_t)o->mem, .weight = w[i] };
        j->nspecs = n;
        free(w);
    }
    unsigned vms = j->nspecs ? j->nspecs : (unsigned)o->vms;
    if (!o->native && o->stdin_vm > vms)
        return opt_usage_error("run", "--stdin-vm %u: there %s only %u VM%s", (unsigned)o->stdin_vm,
                               vms == 1 ? "is" : "are", vms, vms == 1 ? "" : "s");
    j->pwc = (struct pw_config){ .tlb_entries = (unsigned)o->pw_tlb_entries,
                                 .tlb_ways = (unsigned)o->pw_tlb_ways };
    char err[ERR_MAX];
    if (pagewalk && pw_config_check(&j->pwc, err, sizeof(err)))
        return opt_usage_error("run", "%s", err);
    const char *mmu = pagewalk ? "pagewalk" : "swtlb";
    j->backend = o->given.backend ? vmm_backend_list[o->backend] : vmm_backend_default(mmu);
    if (!j->backend)
        return opt_usage_error("run", "no back end is registered for --mmu %s", mmu);
    if (strcmp(j->backend->mmu, mmu) != 0)
        return opt_usage_error("run", "--backend %s needs --mmu %s", j->backend->name,
                               j->backend->mmu);
    if (finish_backend_opts(j, err, sizeof(err)))
        return opt_usage_error("run", "%s", err);
    if (cost_select(&j->cost, o->cost_profile ? o->cost_profile : "default", err, sizeof(err))) {
        fprintf(stderr, "tlbvisor: cost profile %s\n", err);
        return RUN_EXIT_USAGE;
    }
    if (o->cost_profile && !cost_profile_find(o->cost_profile) &&
        stats_clobbers(o->stats, o->cost_profile, "cost profile"))
        return RUN_EXIT_USAGE;
    for (unsigned i = 0; i < (j->nspecs ? j->nspecs : 1); i++)
        if (stats_clobbers(o->stats, j->nspecs ? j->specs[i].elf : j->elf, "guest image") ||
            stats_clobbers(o->stats, j->nspecs ? j->specs[i].initrd : o->initrd, "initrd"))
            return RUN_EXIT_USAGE;
    j->tlb_n = pagewalk ? 16 : (unsigned)o->tlb_entries;
    /* Machine memory: what only acts when pages are reclaimed needs --machine-mem. */
    static const char *const need_mm[] = { "compress", "compress-max", "swap" };
    for (unsigned i = 0; i < sizeof(need_mm) / sizeof(need_mm[0]); i++)
        if (opt_given(j->table, j->ntable, o, need_mm[i]) && !o->given.machine_mem)
            return opt_usage_error("run", "--%s does nothing without --machine-mem (nothing is "
                                   "reclaimed when machine memory holds every VM's RAM)",
                                   need_mm[i]);
    if (o->given.share_rate && o->share != RUN_ON)
        return opt_usage_error("run", "--share-rate does nothing without --share on");
    if (o->given.compress_max && o->compress != RUN_ON)
        return opt_usage_error("run", "--compress-max does nothing with --compress off");
    if (o->swap && parse_swap(j, o->swap))
        return RUN_EXIT_USAGE;
    if (stats_clobbers(o->stats, j->swap_path, "swap file") ||
        (j->swap_path && o->cost_profile && file_same(j->swap_path, o->cost_profile) &&
         opt_usage_error("run", "--swap %s is the cost profile: it would be overwritten",
                         j->swap_path)))
        return RUN_EXIT_USAGE;
    for (unsigned i = 0; j->swap_path && i < (j->nspecs ? j->nspecs : 1); i++) {
        const char *elf = j->nspecs ? j->specs[i].elf : j->elf;
        if (file_same(j->swap_path, elf))
            return opt_usage_error("run", "--swap %s is a guest image: it would be overwritten",
                                   j->swap_path);
    }
    return 0;
}

/* Writes the stats of a finished run (f from open_stats). Returns 0 or -1 (message printed). */
static int finish_stats(FILE *f, const struct run_job *j, const struct stats *st,
                        const char *backend, const struct cost_model *cost)
{
    const char *mmu = j->o->mmu == RUN_MMU_PAGEWALK ? "pagewalk" : "swtlb";
    const char *kv[] = { "tool", "tlbvisor", "mode", backend ? "vmm" : "native", "mmu", mmu,
                         "backend", backend ? backend : "none", "image", j->elf,
                         "cost_profile", j->o->cost_profile ? j->o->cost_profile : "default",
                         NULL };
    int rc = stats_write_json(st, f, kv, cost);
    if (f != stdout ? fclose(f) != 0 : fflush(f) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "tlbvisor: cannot write stats to %s\n", j->o->stats);
    return rc;
}

static int run_vmm(struct run_job *j)
{
    static const int idle_bits[] = { [RUN_IDLE_BOTH] = IDLE_DETECT_WAIT | IDLE_DETECT_SPIN,
                                     [RUN_IDLE_WAIT] = IDLE_DETECT_WAIT,
                                     [RUN_IDLE_SPIN] = IDLE_DETECT_SPIN, [RUN_IDLE_OFF] = 0 };
    const struct run_opts *o = j->o;
    for (unsigned i = 0; i < j->nspecs; i++)       /* a VM of its own technique (mmu=) */
        if (j->specs[i].backend) {
            j->specs[i].backend_opts = j->be_opts[vmm_backend_index(j->specs[i].backend)];
            j->specs[i].tlb_entries = strcmp(j->specs[i].backend->mmu, "pagewalk") == 0
                                      ? 16 : (unsigned)o->tlb_entries;
        }
    struct vmm_config vc = {
        .vms = j->nspecs ? j->nspecs : (unsigned)o->vms, .spec = j->nspecs ? j->specs : NULL,
        .quantum_cycles = o->quantum, .idle_detect = idle_bits[o->idle_detect],
        .mem_bytes = (uint32_t)o->mem, .tlb_entries = j->tlb_n,
        .backend = j->backend, .backend_opts = j->be_opts[vmm_backend_index(j->backend)],
        .max_insns = o->max_insns, .cmdline = j->cmdline, .argv0 = o->argv0, .initrd = o->initrd,
        .out_fd = STDOUT_FILENO, .in_fd = STDIN_FILENO, .stdin_vm = (unsigned)o->stdin_vm,
        .report_unmodelled = o->report_unmodelled, .cost = &j->cost,
        .machine_mem_bytes = o->machine_mem,
        .mem = { .compress = o->compress == RUN_ON, .compress_bytes = o->compress_max,
                 .swap_path = j->swap_path, .swap_bytes = j->swap_bytes,
                 .share = o->share == RUN_ON, .share_rate = (unsigned)o->share_rate,
                 .zero_track = o->zero_track == RUN_ON, .balloon = o->balloon == RUN_ON },
    };
    static struct vmm vmm, vmm2;               /* large: keep them off the stack */
    char err[ERR_MAX];
    if (vmm_create(&vmm, &vc, j->elf, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor: %s\n", err);
        return RUN_EXIT_USAGE;
    }
    int check = o->engine == RUN_ENGINE_CHECK, diverged = 0;
    if (check) {                               /* the same machine again, console muted */
        vc.out_fd = open_null();
        if (vc.out_fd < 0 || vmm_create(&vmm2, &vc, j->elf, err, sizeof(err)) != 0) {
            fprintf(stderr, "tlbvisor: --engine check: cannot build the second machine\n");
            vmm_destroy(&vmm);
            return RUN_EXIT_USAGE;
        }
    }
    FILE *sf = o->stats ? open_stats(o->stats) : NULL;
    if ((o->stats && !sf) || (!check && run_engine_attach(vmm.cpu, o) != 0)) {
        if (sf && sf != stdout)
            fclose(sf);
        vmm_destroy(&vmm);
        return RUN_EXIT_USAGE;
    }
    vmm.cpu->trace_exceptions = getenv("TLBVISOR_TRACE_EXC") != NULL;
    enum cpu_stop why = check ? run_check_vmm(&vmm, &vmm2, &diverged) : vmm_run(&vmm);
    if (check) {
        vmm_destroy(&vmm2);
        close(vc.out_fd);
    }
    int status = diverged ? RUN_EXIT_DIVERGED : report_vms(&vmm, why);
    if (!o->quiet)
        print_vmm_summary(&vmm);
    if (sf && finish_stats(sf, j, &vmm.stats, vmm.backend->name, &vmm.cpu->cost) != 0)
        status = status ? status : RUN_EXIT_USAGE;
    vmm_destroy(&vmm);
    return status;
}

static int run_native(struct run_job *j)
{
    const struct run_opts *o = j->o;
    int pagewalk = o->mmu == RUN_MMU_PAGEWALK;
    struct machine_config cfg = {
        .mem_bytes = (uint32_t)o->mem,
        .tlb_entries = j->tlb_n,
        .mmu_new = pagewalk ? pw_new : new_swtlb,
        .mmu_arg = pagewalk ? (const void *)&j->pwc : (const void *)&j->tlb_n,
        .max_insns = o->max_insns,
        .argv0 = o->argv0,
        .cmdline = j->cmdline,
        .initrd = o->initrd,
        .out_fd = STDOUT_FILENO,
        .in_fd = STDIN_FILENO,
        .report_unmodelled = o->report_unmodelled,
        .cost = &j->cost,
    };
    struct machine m, m2;
    char err[ERR_MAX];
    if (machine_create(&m, &cfg, j->elf, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor: %s\n", err);
        return RUN_EXIT_USAGE;
    }
    int check = o->engine == RUN_ENGINE_CHECK, diverged = 0;
    if (check) {                               /* the same machine again, console muted */
        cfg.out_fd = open_null();
        if (cfg.out_fd < 0 || machine_create(&m2, &cfg, j->elf, err, sizeof(err)) != 0) {
            fprintf(stderr, "tlbvisor: --engine check: cannot build the second machine\n");
            machine_destroy(&m);
            return RUN_EXIT_USAGE;
        }
    }
    FILE *sf = o->stats ? open_stats(o->stats) : NULL;
    if ((o->stats && !sf) || (!check && run_engine_attach(m.cpu, o) != 0)) {
        if (sf && sf != stdout)
            fclose(sf);
        machine_destroy(&m);
        return RUN_EXIT_USAGE;
    }
    m.cpu->trace_exceptions = getenv("TLBVISOR_TRACE_EXC") != NULL;
    enum cpu_stop why = check ? run_check_native(&m, &m2, &diverged) : machine_run(&m);
    if (check) {
        machine_destroy(&m2);
        close(cfg.out_fd);
    }
    int status = diverged ? RUN_EXIT_DIVERGED : report(m.cpu, why);
    if (sf && finish_stats(sf, j, &m.stats, NULL, &m.cpu->cost) != 0)
        status = status ? status : RUN_EXIT_USAGE;
    machine_destroy(&m);
    return status;
}

int cmd_run(int argc, char **argv)
{
    static struct run_job job;                 /* large: keep it off the stack */
    struct run_job *j = &job;
    memset(j, 0, sizeof(*j));
    if (!(j->table = run_opt_table(&j->ntable)))
        return opt_usage_error("run", "%s", run_opt_table_error());
    if (!(j->o = run_opts_new()))
        return opt_usage_error("run", "out of memory");
    int optind_, help;
    int rc = opt_parse(j->table, j->ntable, j->o, argc, argv, &optind_, &help, "run");
    if (rc == 0 && help)
        print_usage(stdout, j->table, j->ntable);
    else if (rc == 0 && j->o->list_backends) {
        for (unsigned i = 0; vmm_backend_list[i]; i++) {
            const struct mmu_backend *b = vmm_backend_list[i];
            printf("%s %s %s\n", b->name, b->mmu, vmm_backend_default(b->mmu) == b ? "default" : "-");
        }
    } else if (rc == 0 && (rc = prepare(j, argc, argv, optind_)) == 0)
        rc = j->o->native ? run_native(j) : run_vmm(j);
    free(j->o);
    free(j->specs);
    free(j->spec_text);
    free(j->swap_path);
    return rc;
}
