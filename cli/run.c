/* run.c - `tlbvisor run`: boot one ELF on a native machine and report.
 *
 * Exit status: the guest's (0 after SOFTRES, the UHI exit code), 2 for usage or image
 * errors, 3 when the guest ran out of instructions or hung in `wait` with no interrupt that
 * could end it. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/machine.h"
#include "core/mmu.h"
#include "core/vmm.h"
#include "mips/disco.h"
#include "mips/l2tlb.h"
#include "mips/r4k_tlb.h"
#include "pagewalk/pw.h"
#include "shadow/shadow.h"

static const char run_usage[] =
    "usage: tlbvisor run [--native] [options] ELF [-- BOOT ARGS...]\n"
    "\n"
    "Boots ELF (MIPS32 little-endian, linked in kseg0/kseg1) as QEMU's Malta bootloader\n"
    "would, and runs it until it powers off: with --native directly on the emulated\n"
    "Malta-like machine; without it as deprivileged guests of the VMM: Disco-style on the\n"
    "software-managed TLB (--mmu swtlb), or with shadow page tables on the hardware page\n"
    "walker (--mmu pagewalk).\n"
    "The guest console (UART) goes to stdout; diagnostics go to stderr.\n"
    "\n"
    "options:\n"
    "  --native             run directly on the machine (no VMM)\n"
    "  --vms N              VMM: N VMs (1..8) each boot ELF; their console lines are\n"
    "                       prefixed [vmN] when N > 1; default 1 (without --native)\n"
    "  --quantum CYCLES     VMM: scheduler quantum (default 100000)\n"
    "  --quiet              VMM: no summary table on stderr at the end\n"
    "  --idle-detect off|wait|spin|both\n"
    "                       VMM: halt a vCPU that executes wait, that is found spinning in\n"
    "                       an idle loop, both (default), or neither\n"
    "  --vm 'ELF[,mem=SIZE][,weight=N][,initrd=FILE][ -- BOOT ARGS]'\n"
    "                       VMM: one VM of its own (repeat for up to 8 different VMs;\n"
    "                       weight is its proportional share, 1..1000)\n"
    "  --weight W1[,W2...]  VMM with --vms N: each VM's proportional share, 1..1000, in\n"
    "                       order (default 1 each)\n"
    "  --l2tlb on|off       VMM: Disco's L2 software TLB, which resolves a refill from a\n"
    "                       translation the guest wrote earlier without running its refill\n"
    "                       handler (default on)\n"
    "  --l2tlb-entries N    VMM: L2 TLB entries per VM, 1..1048576 (default 4096)\n"
    "  --mmu swtlb|pagewalk MMU personality (default swtlb): R4K software-managed TLB, or\n"
    "                       x86-like hardware page walker with a hardware TLB; under the\n"
    "                       VMM, pagewalk guests run on shadow page tables\n"
    "  --initrd FILE        an initial ramdisk, placed and announced (rd_start=, rd_size=)\n"
    "                       as QEMU's Malta loader does (every VM of --vms N; with --vm,\n"
    "                       give initrd=FILE in each)\n"
    "  --stdin-vm N         VMM: the VM whose console reads stdin (default 1; 0: none);\n"
    "                       natively, 0 keeps stdin from the guest. A terminal is put in\n"
    "                       raw mode (Ctrl-A x ends the run); a file or pipe is read at\n"
    "                       deterministic instants (docs/linux.md)\n"
    "  --report-unmodelled  report each address of an unmodelled device that the guest\n"
    "                       touches on stderr (always counted: devices.unmodelled)\n"
    "  --mem SIZE           guest RAM, e.g. 64M, 256M (default 128M, at most 256M)\n"
    "  --tlb-entries N      swtlb: TLB entries, 16..256 (default 64)\n"
    "  --pw-tlb-entries N   pagewalk: hardware TLB entries (default 64)\n"
    "  --pw-tlb-ways N      pagewalk: hardware TLB associativity (default 4)\n"
    "  --max-insns N        stop after N instructions (exit status 3); default: no limit\n"
    "  --stats FILE         write every counter as JSON to FILE ('-' for stdout), with the\n"
    "                       cost model used\n"
    "  --cost-profile FILE  override cost-model constants from a JSON object file\n"
    "                       (docs/cost-model.md), e.g. {\"insn\": 1, \"walker_memref\": 30}\n"
    "  -h, --help           this text\n"
    "\n"
    "BOOT ARGS are joined with spaces into the boot command line (argv[1]).\n"
    "exit status: the guest's (0 after Malta SOFTRES, the UHI exit code), 2 for usage or\n"
    "image errors, 3 when --max-insns ran out or the guest waits for an interrupt that can\n"
    "never come.\n";

/* Parses a size with an optional K/M/G suffix. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *s == '-')
        return -1;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    }
    if (*end == 'i' && (end[1] == 'B' || end[1] == 'b'))
        end += 2;
    else if (*end == 'B')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int parse_uint(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* Parses "ELF[,mem=SIZE][,weight=N][ -- BOOT ARGS]" into sp (strings kept in buf). */
static int parse_vm_spec(const char *arg, struct vmm_vm_spec *sp, char *buf)
{
    uint64_t v;
    if (strlen(arg) >= 1024)
        return -1;
    strcpy(buf, arg);
    memset(sp, 0, sizeof(*sp));
    sp->weight = 1;
    sp->cmdline = "";
    char *dash = strstr(buf, " -- ");
    if (dash) {
        *dash = 0;
        sp->cmdline = dash + 4;
        if (strlen(sp->cmdline) > 255)
            return -1;
    }
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    if (!tok || !*tok)
        return -1;
    sp->elf = tok;
    while ((tok = strtok_r(NULL, ",", &save))) {
        if (strncmp(tok, "mem=", 4) == 0) {
            if (parse_size(tok + 4, &v) || v < (1u << 20) || v > (256u << 20) || (v & 0xFFF))
                return -1;
            sp->mem_bytes = (uint32_t)v;
        } else if (strncmp(tok, "initrd=", 7) == 0 && tok[7]) {
            sp->initrd = tok + 7;
        } else if (strncmp(tok, "weight=", 7) == 0) {
            if (parse_uint(tok + 7, &v) || v < 1 || v > 1000)
                return -1;
            sp->weight = (unsigned)v;
        } else {
            return -1;
        }
    }
    return 0;
}

static struct mmu *new_swtlb(struct cpu *cpu, const void *arg)
{
    return r4k_tlb_new(cpu, *(const unsigned *)arg);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "tlbvisor run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see 'tlbvisor run --help')\n");
    return 2;
}

/* Turns why the machine stopped into the exit status, with a diagnostic on stderr. */
static int report(struct cpu *cpu, enum cpu_stop why)
{
    int status;
    switch (why) {
    case CPU_STOP_POWEROFF: status = 0; break;
    case CPU_STOP_EXIT: status = cpu->exit_code & 0xFF; break;
    case CPU_STOP_INSN_LIMIT:
        fprintf(stderr, "tlbvisor: instruction limit reached: %" PRIu64 " instructions, pc 0x%08x, %s mode\n",
                cpu->icount, cpu->pc, machine_mode_name(cpu));
        status = 3;
        break;
    case CPU_STOP_FAULT_LOOP:
        fprintf(stderr, "tlbvisor: guest stuck in an exception loop: %s at pc 0x%08x, %s mode, "
                "after %" PRIu64 " instructions (%u exceptions with no instruction completed, "
                "%u taken inside an exception handler)\n",
                cpu_exc_name((int)((cpu->cp0.cause & CA_EXC_MASK) >> CA_EXC_SHIFT)), cpu->pc,
                machine_mode_name(cpu), cpu->icount, cpu->exc_no_progress,
                cpu->nested_exceptions);
        status = 3;
        break;
    default:
        fprintf(stderr, "tlbvisor: guest hung: wait with no interrupt that can end it, pc 0x%08x, "
                "%s mode, after %" PRIu64 " instructions\n", cpu->pc, machine_mode_name(cpu),
                cpu->icount);
        status = 3;
        break;
    }
    return status;
}

static const char *vm_end_name(const struct vm *vm)
{
    if (vm->state != VM_DONE)
        return "running";
    switch (vm->why) {
    case CPU_STOP_POWEROFF: return "poweroff";
    case CPU_STOP_EXIT: return "exit";
    case CPU_STOP_HANG: return "hung";
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
        char name[8];
        snprintf(name, sizeof(name), "vm%u", vm->id);
        fprintf(stderr, "tlbvisor: %-4s %-9s %14llu %10llu %10llu %10llu %10llu %10llu %14llu\n",
                name, vm_end_name(vm), (unsigned long long)vmm->sched.v[vm->vcpu].cycles_run,
                (unsigned long long)traps, (unsigned long long)vm->n.priv_emulated,
                (unsigned long long)vm->n.reflected, (unsigned long long)vm->n.refill_reflected,
                (unsigned long long)vmm->backend->vm_resolved(vmm, vm),
                (unsigned long long)vm->n.vmm_cycles);
    }
}

/* The exit status of a VMM run: the machine-wide limit (3), else the first VM (in order)
 * that did not end with status 0; a diagnostic for each VM that hung or got stuck. */
static int report_vms(struct vmm *vmm, enum cpu_stop why)
{
    if (why == CPU_STOP_INSN_LIMIT)
        return report(vmm->cpu, why);
    int status = 0;
    for (unsigned i = 0; i < vmm->nvms; i++) {
        struct vm *vm = &vmm->vms[i];
        int st;
        switch (vm->why) {
        case CPU_STOP_POWEROFF: st = 0; break;
        case CPU_STOP_EXIT: st = vm->exit_code & 0xFF; break;
        case CPU_STOP_FAULT_LOOP:
            fprintf(stderr, "tlbvisor: vm%u stuck in an exception loop at pc 0x%08x; stopped\n",
                    vm->id, vm->end_pc);
            st = 3;
            break;
        case CPU_STOP_HANG:
            fprintf(stderr, "tlbvisor: vm%u hung: wait with no interrupt that can end it, pc "
                    "0x%08x; stopped\n", vm->id, vm->end_pc);
            st = 3;
            break;
        default:
            fprintf(stderr, "tlbvisor: vm%u never finished\n", vm->id);
            st = 3;
            break;
        }
        if (!status)
            status = st;
    }
    return status;
}

enum { O_INITRD = 300, O_REPORT_UNMODELLED, O_STDIN_VM };
enum { O_NATIVE = 256, O_MMU, O_MEM, O_TLB, O_PWE, O_PWW, O_MAXI, O_STATS, O_COST, O_VMS, O_QUANTUM, O_VM, O_IDLE, O_QUIET,
       O_L2, O_L2N, O_WEIGHT };

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "native", no_argument, NULL, O_NATIVE },
        { "mmu", required_argument, NULL, O_MMU },
        { "mem", required_argument, NULL, O_MEM },
        { "tlb-entries", required_argument, NULL, O_TLB },
        { "pw-tlb-entries", required_argument, NULL, O_PWE },
        { "pw-tlb-ways", required_argument, NULL, O_PWW },
        { "max-insns", required_argument, NULL, O_MAXI },
        { "stats", required_argument, NULL, O_STATS },
        { "cost-profile", required_argument, NULL, O_COST },
        { "vms", required_argument, NULL, O_VMS },
        { "quantum", required_argument, NULL, O_QUANTUM },
        { "vm", required_argument, NULL, O_VM },
        { "l2tlb", required_argument, NULL, O_L2 },
        { "weight", required_argument, NULL, O_WEIGHT },
        { "l2tlb-entries", required_argument, NULL, O_L2N },
        { "idle-detect", required_argument, NULL, O_IDLE },
        { "quiet", no_argument, NULL, O_QUIET },
        { "initrd", required_argument, NULL, O_INITRD },
        { "report-unmodelled", no_argument, NULL, O_REPORT_UNMODELLED },
        { "stdin-vm", required_argument, NULL, O_STDIN_VM },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int native = 0, pagewalk = 0;
    uint64_t vms = 1, quantum = 0, l2n = 0;
    struct disco_opts disco = { .l2tlb = 1, .l2tlb_entries = L2TLB_DEFAULT_ENTRIES };
    static struct vmm_vm_spec specs[VMM_MAX_VMS];
    static char spec_text[VMM_MAX_VMS][1024];
    unsigned nspecs = 0, nweights = 0, weights[VMM_MAX_VMS];
    int idle_detect = IDLE_DETECT_WAIT | IDLE_DETECT_SPIN, quiet = 0;
    uint64_t mem = 128u << 20, tlb = 64, max_insns = 0, v;
    struct pw_config pwc = { .tlb_entries = 64, .tlb_ways = 4 };
    const char *stats_path = NULL, *cost_path = NULL, *initrd = NULL;
    int report_unmodelled = 0;
    uint64_t stdin_vm = 1;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case O_NATIVE: native = 1; break;
        case O_MMU:
            if (strcmp(optarg, "swtlb") == 0) pagewalk = 0;
            else if (strcmp(optarg, "pagewalk") == 0) pagewalk = 1;
            else return usage_error("unknown MMU '%s' (swtlb or pagewalk)", optarg);
            break;
        case O_MEM:
            if (parse_size(optarg, &mem) || mem < (1u << 20) || mem > (256u << 20) || (mem & 0xFFF))
                return usage_error("bad --mem '%s': a multiple of 4 KiB from 1M to 256M", optarg);
            break;
        case O_TLB:
            if (parse_uint(optarg, &tlb) || tlb < R4K_TLB_MIN || tlb > R4K_TLB_MAX)
                return usage_error("bad --tlb-entries '%s': 16..256", optarg);
            break;
        case O_PWE:
            if (parse_uint(optarg, &v) || v == 0 || v > 4096)
                return usage_error("bad --pw-tlb-entries '%s'", optarg);
            pwc.tlb_entries = (unsigned)v;
            break;
        case O_PWW:
            if (parse_uint(optarg, &v) || v == 0 || v > 4096)
                return usage_error("bad --pw-tlb-ways '%s'", optarg);
            pwc.tlb_ways = (unsigned)v;
            break;
        case O_MAXI:
            if (parse_uint(optarg, &max_insns))
                return usage_error("bad --max-insns '%s'", optarg);
            break;
        case O_STATS: stats_path = optarg; break;
        case O_COST: cost_path = optarg; break;
        case O_VMS:
            if (parse_uint(optarg, &vms) || vms == 0 || vms > VMM_MAX_VMS)
                return usage_error("bad --vms '%s': 1..8", optarg);
            break;
        case O_VM:
            if (nspecs == VMM_MAX_VMS)
                return usage_error("at most %s --vm options", "8");
            if (parse_vm_spec(optarg, &specs[nspecs], spec_text[nspecs]))
                return usage_error("bad --vm '%s': ELF[,mem=SIZE][,weight=N][,initrd=FILE][ -- BOOT ARGS]", optarg);
            nspecs++;
            break;
        case O_QUIET: quiet = 1; break;
        case O_INITRD: initrd = optarg; break;
        case O_REPORT_UNMODELLED: report_unmodelled = 1; break;
        case O_STDIN_VM:
            if (parse_uint(optarg, &stdin_vm) || stdin_vm > VMM_MAX_VMS)
                return usage_error("bad --stdin-vm '%s': 0 (none) or a VM number 1..8", optarg);
            break;
        case O_IDLE:
            if (strcmp(optarg, "off") == 0) idle_detect = 0;
            else if (strcmp(optarg, "wait") == 0) idle_detect = IDLE_DETECT_WAIT;
            else if (strcmp(optarg, "spin") == 0) idle_detect = IDLE_DETECT_SPIN;
            else if (strcmp(optarg, "both") == 0) idle_detect = IDLE_DETECT_WAIT | IDLE_DETECT_SPIN;
            else return usage_error("bad --idle-detect '%s': off, wait, spin or both", optarg);
            break;
        case O_QUANTUM:
            if (parse_uint(optarg, &quantum) || quantum == 0 || quantum > 0xFFFFFFFFu)
                return usage_error("bad --quantum '%s': cycles, 1..4294967295", optarg);
            break;
        case O_WEIGHT: {
            char *p = optarg, *end;
            nweights = 0;
            for (;;) {
                errno = 0;
                unsigned long w = strtoul(p, &end, 10);
                if (errno || end == p || *p == '-' || w < 1 || w > 1000 ||
                    nweights == VMM_MAX_VMS || (*end != ',' && *end != '\0'))
                    return usage_error("bad --weight '%s': up to 8 weights 1..1000, comma-separated",
                                       optarg);
                weights[nweights++] = (unsigned)w;
                if (*end == '\0')
                    break;
                p = end + 1;
            }
            break;
        }
        case O_L2:
            if (strcmp(optarg, "on") == 0) disco.l2tlb = 1;
            else if (strcmp(optarg, "off") == 0) disco.l2tlb = 0;
            else return usage_error("bad --l2tlb '%s': on or off", optarg);
            break;
        case O_L2N:
            if (parse_uint(optarg, &l2n) || l2n < L2TLB_MIN_ENTRIES || l2n > L2TLB_MAX_ENTRIES)
                return usage_error("bad --l2tlb-entries '%s': 1..1048576", optarg);
            disco.l2tlb_entries = (unsigned)l2n;
            break;
        case 'h': fputs(run_usage, stdout); return 0;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (nweights && (native || nspecs))
        return usage_error("%s", "--weight goes with --vms N (with --vm, give weight= in each --vm)");
    if (nweights && nweights != vms)
        return usage_error("%s", "--weight needs one weight per VM (--vms N)");
    if (nspecs) {
        if (native)
            return usage_error("%s", "--vm runs guests under the VMM: not with --native");
        if (optind < argc)
            return usage_error("unexpected argument '%s' (with --vm, give everything in --vm)",
                               argv[optind]);
        for (unsigned i = 0; i < nspecs; i++)
            if (!specs[i].mem_bytes)
                specs[i].mem_bytes = (uint32_t)mem;
        vms = nspecs;
    } else if (optind >= argc) {
        return usage_error("%s", "missing ELF file");
    }
    if (native && stdin_vm > 1)
        return usage_error("%s", "--stdin-vm with --native: 0 or 1 (one machine)");
    if (!native && stdin_vm > vms)
        return usage_error("%s", "--stdin-vm names a VM that does not exist");
    const char *elf = nspecs ? specs[0].elf : argv[optind++];
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    else if (optind < argc)
        return usage_error("unexpected argument '%s' (boot arguments go after --)", argv[optind]);

    char cmdline[1024] = "";
    size_t len = 0;
    for (int i = optind; i < argc; i++) {
        int n = snprintf(cmdline + len, sizeof(cmdline) - len, "%s%s", i > optind ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof(cmdline) - len)
            return usage_error("%s", "boot command line too long (at most 255 bytes)");
        len += (size_t)n;
    }
    if (len > 255)
        return usage_error("%s", "boot command line too long (at most 255 bytes)");

    char err[512];
    if (pagewalk && pw_config_check(&pwc, err, sizeof(err)))
        return usage_error("%s", err);
    struct cost_model cost;
    cost_default(&cost);
    if (cost_path && cost_load_profile(&cost, cost_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor: %s\n", err);
        return 2;
    }
    unsigned tlb_n = (unsigned)tlb;
    struct machine_config cfg = {
        .mem_bytes = (uint32_t)mem,
        .tlb_entries = pagewalk ? 16 : tlb_n,
        .mmu_new = pagewalk ? pw_new : new_swtlb,
        .mmu_arg = pagewalk ? (const void *)&pwc : (const void *)&tlb_n,
        .max_insns = max_insns,
        .image_name = elf,
        .cmdline = cmdline,
        .initrd = initrd,
        .out_fd = STDOUT_FILENO,
        .in_fd = stdin_vm ? STDIN_FILENO : -1,
        .report_unmodelled = report_unmodelled,
        .cost = &cost,
    };
    if (!native) {
        for (unsigned i = 0; i < nweights; i++) {
            specs[i] = (struct vmm_vm_spec){ .elf = elf, .cmdline = cmdline, .initrd = initrd,
                                             .mem_bytes = (uint32_t)mem, .weight = weights[i] };
            nspecs = nweights;
        }
        struct shadow_opts shadow = { .pw = pwc };
        struct vmm_config vc = {
            .vms = (unsigned)vms, .spec = nspecs ? specs : NULL, .quantum_cycles = quantum,
            .idle_detect = idle_detect,
            .mem_bytes = (uint32_t)mem, .tlb_entries = pagewalk ? 16 : tlb_n,
            .backend = pagewalk ? &shadow_backend : &disco_backend,
            .backend_opts = pagewalk ? (const void *)&shadow : (const void *)&disco,
            .max_insns = max_insns, .cmdline = cmdline, .initrd = initrd,
            .out_fd = STDOUT_FILENO, .in_fd = STDIN_FILENO, .stdin_vm = (unsigned)stdin_vm,
            .report_unmodelled = report_unmodelled, .cost = &cost,
        };
        static struct vmm vmm;                 /* large: keep it off the stack */
        if (vmm_create(&vmm, &vc, elf, err, sizeof(err)) != 0) {
            fprintf(stderr, "tlbvisor: %s\n", err);
            return 2;
        }
        vmm.cpu->trace_exceptions = getenv("TLBVISOR_TRACE_EXC") != NULL;
        int status = report_vms(&vmm, vmm_run(&vmm));
        if (!quiet)
            print_vmm_summary(&vmm);
        if (stats_path && write_stats(&vmm.stats, stats_path, vmm.backend->name, elf, &vmm.cpu->cost) != 0)
            status = status ? status : 2;
        vmm_destroy(&vmm);
        return status;
    }
    struct machine m;
    if (machine_create(&m, &cfg, elf, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlbvisor: %s\n", err);
        return 2;
    }
    m.cpu->trace_exceptions = getenv("TLBVISOR_TRACE_EXC") != NULL;
    int status = report(m.cpu, machine_run(&m));
    if (stats_path && write_stats(&m.stats, stats_path, pagewalk ? "pagewalk" : "swtlb", elf,
                                   &m.cpu->cost) != 0)
        status = status ? status : 2;
    machine_destroy(&m);
    return status;
}
