/* run_opts.c - the option table of `tlbvisor run` (run_opts.h): the run's own rows here,
 * each back end's from the registry. */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mmu_backend.h"
#include "core/frames.h"
#include "core/swap.h"
#include "jit/jit.h"
#include "mips/r4k_tlb.h"
#include "run_opts.h"

static const char *const mmu_names[] = { "swtlb", "pagewalk", NULL };
static const char *const onoff_names[] = { "on", "off", NULL };
/* The registry's names (vmm_backend_list), in its order: --backend's index is the
 * registry's. Filled before main runs (the option table is a constant). */
static const char *backend_names[VMM_MAX_BACKEND_NAMES + 1];
__attribute__((constructor)) static void backend_names_init(void)
{
    for (unsigned i = 0; i < VMM_MAX_BACKEND_NAMES && vmm_backend_list[i]; i++)
        backend_names[i] = vmm_backend_list[i]->name;
}
static const char *const idle_names[] = { "both", "wait", "spin", "off", NULL };
static const char *const engine_names[] = { "interp", "jit", "check", NULL };

#define F(field) OPT_FIELD(struct run_opts, field)
#define VMM OPT_SCOPE_VMM | OPT_SCOPE_ANY_MMU, "the VMM (runs without --native)"
#define SWTLB OPT_SCOPE_ANY_MODE | OPT_SCOPE_SWTLB, "--mmu swtlb"
#define PAGEWALK OPT_SCOPE_ANY_MODE | OPT_SCOPE_PAGEWALK, "--mmu pagewalk"
#define ALL OPT_SCOPE_ALL, "every run"

/* The run's own options, in the order --help lists them; each back end's follow. */
static const struct opt run_own_opts[] = {
    { "native", NULL, OPT_FLAG, 0, 0, 0, NULL, OPT_SCOPE_NATIVE | OPT_SCOPE_ANY_MMU,
      "runs with --native", F(native), NULL,
      "run directly on the machine (no VMM)" },
    { "mmu", "MMU", OPT_CHOICE, 0, 0, 0, mmu_names, ALL, F(mmu), "swtlb",
      "MMU personality: R4K software-managed TLB, or x86-like hardware page walker with a "
      "hardware TLB; under the VMM, swtlb guests run Disco-style and pagewalk guests on "
      "shadow page tables" },
    { "mem", "SIZE", OPT_SIZE, 1u << 20, 256u << 20, 4096, NULL, ALL, F(mem), "128M",
      "guest RAM (under the VMM: of each VM without mem= in its --vm)" },
    { "tlb-entries", "N", OPT_UINT, R4K_TLB_MIN, R4K_TLB_MAX, 0, NULL, SWTLB, F(tlb_entries),
      "64", "swtlb: TLB entries (the guest's, under the VMM)" },
    { "pw-tlb-entries", "N", OPT_UINT, 1, 4096, 0, NULL, PAGEWALK, F(pw_tlb_entries), "64",
      "pagewalk: hardware TLB entries; entries / ways must be a power of two" },
    { "pw-tlb-ways", "N", OPT_UINT, 1, 4096, 0, NULL, PAGEWALK, F(pw_tlb_ways), "4",
      "pagewalk: hardware TLB associativity" },
    { "max-insns", "N", OPT_UINT, 1, UINT64_C(1) << 62, 0, NULL, ALL, F(max_insns), NULL,
      "stop after N instructions (exit status 3); without it, no limit" },
    { "stats", "FILE", OPT_STRING, 0, 0, 0, NULL, ALL, F(stats), NULL,
      "write every counter as JSON to FILE ('-' for stdout), with the cost model used; FILE "
      "is created before the run starts and must not be an input of the run" },
    { "cost-profile", "NAME|FILE", OPT_STRING, 0, 0, 0, NULL, ALL, F(cost_profile), "default",
      "the cost model: a built-in profile (listed below), or the default model with constants "
      "overridden from a JSON object file (docs/cost-model.md), e.g. "
      "{\"insn\": 1, \"walker_memref\": 30}; a file named like a built-in profile is read "
      "as ./NAME" },
    { "vms", "N", OPT_UINT, 1, RUN_MAX_VMS, 0, NULL, VMM, F(vms), "1",
      "VMM: N VMs each boot ELF; their console lines are prefixed [vmN] when N > 1" },
    { "vm", "'ELF[,mem=SIZE][,weight=N][,initrd=FILE][,mmu=MMU][ -- BOOT ARGS]'", OPT_REPEAT,
      1, RUN_MAX_VMS, 0, NULL, VMM, F(vm), NULL,
      "VMM: one VM of its own; repeat for each VM, up to 1024 (mem= as --mem, weight= as "
      "--weight, initrd= as --initrd, mmu= as --mmu for this VM: Disco and shadow paging side "
      "by side; the options of --mmu's technique apply, a VM of the other one has that "
      "technique's defaults); not with --vms, --weight or an ELF argument" },
    { "weight", "W1[,W2...]", OPT_STRING, 0, 0, 0, NULL, VMM, F(weight), NULL,
      "VMM with --vms N: each VM's proportional share, 1..1000, one per VM, in order "
      "(default 1 each)" },
    { "quantum", "CYCLES", OPT_UINT, 1, UINT32_MAX, 0, NULL, VMM, F(quantum), "100000",
      "VMM: scheduler quantum" },
    { "idle-detect", "MODE", OPT_CHOICE, 0, 0, 0, idle_names, VMM, F(idle_detect), "both",
      "VMM: halt a vCPU that executes wait, that is found spinning in an idle loop, both, or "
      "neither" },
    { "machine-mem", "SIZE", OPT_SIZE, 1u << 20, FRAMES_MAX_BYTES, 4096, NULL, VMM,
      F(machine_mem), NULL,
      "VMM: machine memory, which may be less than the VMs' RAM added up (overcommit): pages "
      "are then reclaimed (balloon, compressed store, swap); without it, machine memory is "
      "the VMs' RAM plus 1M and nothing is reclaimed" },
    { "compress", "on|off", OPT_CHOICE, 0, 0, 0, onoff_names, VMM, F(compress), "on",
      "VMM with --machine-mem: reclaimed pages go to an lz4-compressed store in host memory "
      "(pages of one repeated word kept as that word, incompressible ones raw)" },
    { "compress-max", "SIZE", OPT_SIZE, 0, UINT64_C(64) << 30, 4096, NULL, VMM, F(compress_max),
      "machine-mem/4", "VMM with --machine-mem: the compressed store's bound in bytes; when it "
      "is full, pages go to the swap file" },
    { "swap", "FILE[,size=SIZE]", OPT_STRING, 0, 0, 0, NULL, VMM, F(swap), NULL,
      "VMM with --machine-mem: swap file for reclaimed pages (created, or truncated; removed "
      "at the end if created; a directory: an unnamed file of the run's own in it), SIZE "
      "4K..64G (default 256M); every page keeps a checksum" },
    { "share", "on|off", OPT_CHOICE, 0, 0, 0, onoff_names, VMM, F(share), "off",
      "VMM: content-based page sharing: identical pages within and across VMs mapped "
      "read-only to one machine frame, copied on the first write" },
    { "share-rate", "N", OPT_UINT, 1, 1u << 20, 0, NULL, VMM, F(share_rate), "64",
      "VMM with --share on: pages the sharing scanner hashes per scheduler slice" },
    { "balloon", "on|off", OPT_CHOICE, 0, 0, 0, onoff_names, VMM, F(balloon), "on",
      "VMM: ask the balloon drivers of paravirtual guests (pv=1) for pages when machine "
      "memory runs low, before compressing or swapping" },
    { "zero-track", "on|off", OPT_CHOICE, 0, 0, 0, onoff_names, VMM, F(zero_track), "off",
      "VMM: watch every frame the VMM zeroes until the guest has zeroed it all over again "
      "(counted: vmN.mem.double_zeroed) or written anything else to it; costs a fault per "
      "guest store into a watched frame (docs/memory.md)" },
    { "engine", "ENGINE", OPT_CHOICE, 0, 0, 0, engine_names, ALL, F(engine), "jit",
      "execution engine: jit: hot blocks compiled to x86-64 code (on another host the "
      "interpreter runs, with a one-line notice), or interp: the interpreter; the counters are "
      "the same; check: both side by side, compared at every block (exit status 5 at the first "
      "divergence; docs/engine.md)" },
    { "jit-cache", "SIZE", OPT_SIZE, 256u << 10, 1u << 30, 4096, NULL, ALL, F(jit_cache), "32M",
      "--engine jit: the code cache of each CPU; when it is full every block is dropped and "
      "hot code compiled again (docs/engine.md)" },
    { "quiet", NULL, OPT_FLAG, 0, 0, 0, NULL, VMM, F(quiet), NULL,
      "VMM: no summary table on stderr at the end" },
    { "initrd", "FILE", OPT_STRING, 0, 0, 0, NULL, ALL, F(initrd), NULL,
      "an initial ramdisk, placed at the top of low memory and announced (rd_start=, "
      "rd_size= before the boot arguments) as QEMU's Malta loader does; under the VMM, "
      "every VM's but those whose --vm gives initrd= (docs/linux.md)" },
    { "argv0", "STRING", OPT_STRING, 0, 0, 0, NULL, ALL, F(argv0), NULL,
      "the guest's argv[0] (default: the image's file name without its directory, so that a "
      "run does not depend on where the image lies; QEMU's Malta loader passes the path as "
      "given); under the VMM, every VM's" },
    { "stdin-vm", "N", OPT_UINT, 0, RUN_MAX_VMS, 0, NULL, VMM, F(stdin_vm), "1",
      "VMM: the VM whose console reads stdin (0: none); natively the machine's does. A "
      "terminal is put in raw mode once the guest reads (Ctrl-A x ends the run); a file or "
      "pipe is read at the same simulated instants on every run (docs/linux.md)" },
    { "report-unmodelled", NULL, OPT_FLAG, 0, 0, 0, NULL, ALL, F(report_unmodelled), NULL,
      "report on stderr each address of a device the board does not model that the guest "
      "touches (always counted: devices.unmodelled)" },
    { "backend", "NAME", OPT_CHOICE, 0, 0, 0, backend_names, VMM, F(backend),
      "the first registered for --mmu",
      "VMM: the memory-virtualization technique, a registered back end of --mmu's MMU (listed "
      "below and by --list-backends; docs/backends.md)" },
    { "list-backends", NULL, OPT_FLAG, 0, 0, 0, NULL, ALL, F(list_backends), NULL,
      "print the registered back ends, one a line (NAME MMU default|-), and exit" },
};

/* The whole table (run_opt_table) and the block's layout (run_opts_new), built once. */
static struct {
    struct opt *rows;
    size_t n;
    size_t be_off[VMM_MAX_BACKEND_NAMES];   /* each back end's struct in the block, or 0 */
    size_t size;                            /* the block's */
    char why[160];                          /* why it could not be built */
} all;

/* Lays out the block (struct run_opts, then each back end's struct, each aligned as any
 * object) and copies every row, a back end's with its offsets moved by its struct's place.
 * Returns 0, or -1 with the reason in all.why (out of memory; a back end's option named as
 * an option before it, which the parser would never reach). */
static int build(void)
{
    if (all.rows)
        return 0;
    size_t own = sizeof(run_own_opts) / sizeof(run_own_opts[0]), n = own;
    size_t size = sizeof(struct run_opts), align = alignof(max_align_t);
    size_t be_off[VMM_MAX_BACKEND_NAMES] = { 0 };
    for (unsigned i = 0; i < VMM_MAX_BACKEND_NAMES && vmm_backend_list[i]; i++) {
        const struct mmu_backend_opts *bo = vmm_backend_list[i]->opts;
        if (!bo)
            continue;
        size = (size + align - 1) / align * align;
        be_off[i] = size;
        size += bo->size;
        n += bo->count;
    }
    struct opt *rows = malloc(n * sizeof(*rows));
    if (!rows) {
        snprintf(all.why, sizeof(all.why), "out of memory");
        return -1;
    }
    memcpy(rows, run_own_opts, sizeof(run_own_opts));
    size_t k = own;
    for (unsigned i = 0; i < VMM_MAX_BACKEND_NAMES && vmm_backend_list[i]; i++) {
        const struct mmu_backend_opts *bo = vmm_backend_list[i]->opts;
        for (size_t r = 0; bo && r < bo->count; r++, k++) {
            rows[k] = bo->table[r];
            rows[k].off += be_off[i];
            rows[k].given_off += be_off[i];
            for (size_t e = 0; e < k; e++)
                if (strcmp(rows[e].name, rows[k].name) == 0) {
                    snprintf(all.why, sizeof(all.why), "back end %s: option --%.40s is already "
                             "an option of run", vmm_backend_list[i]->name, rows[k].name);
                    free(rows);
                    return -1;
                }
        }
    }
    memcpy(all.be_off, be_off, sizeof(be_off));
    all.size = size;
    all.n = n;
    all.rows = rows;
    return 0;
}

const char *run_opt_table_error(void)
{
    return all.why;
}

const struct opt *run_opt_table(size_t *n)
{
    if (build())
        return NULL;
    *n = all.n;
    return all.rows;
}

void *run_opts_backend(struct run_opts *o, unsigned i)
{
    if (build() || i >= VMM_MAX_BACKEND_NAMES || !vmm_backend_list[i] || !vmm_backend_list[i]->opts)
        return NULL;
    return (char *)o + all.be_off[i];
}

struct run_opts *run_opts_new(void)
{
    struct run_opts *o;
    if (build() || !(o = malloc(all.size)))
        return NULL;
    run_opts_default(o);
    return o;
}

void run_opts_default(struct run_opts *o)
{
    memset(o, 0, all.size);
    o->mmu = RUN_MMU_SWTLB;
    o->mem = 128u << 20;
    o->tlb_entries = 64;
    o->pw_tlb_entries = 64;
    o->pw_tlb_ways = 4;
    o->vms = 1;
    o->idle_detect = RUN_IDLE_BOTH;
    o->compress = RUN_ON;
    o->share = RUN_OFF;
    o->balloon = RUN_ON;
    o->zero_track = RUN_OFF;
    o->share_rate = 64;
    o->engine = RUN_ENGINE_JIT;                     /* the interpreter on non-x86-64 hosts */
    o->jit_cache = JIT_CACHE_DEFAULT;
    o->stdin_vm = 1;
    for (unsigned i = 0; i < VMM_MAX_BACKEND_NAMES && vmm_backend_list[i]; i++) {
        const struct mmu_backend_opts *bo = vmm_backend_list[i]->opts;
        if (bo && bo->defaults)
            bo->defaults((char *)o + all.be_off[i]);
    }
}
