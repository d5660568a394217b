/* shadowx.c - TEMPORARY experiment driver for the shadow back end's options (issue 11),
 * until `tlbvisor run` takes --shadow-opts/--shadow-frames/... (they go into the reworked
 * cli/run.c when it lands on main; then this file goes).
 *
 * usage: shadowx [--opts LIST] [--frames N] [--roots N] [--oos N] [--prefetch N] [--audit]
 *                [--cost FILE] [--vms N] [--mem MiB] [--pw-tlb E,W] [--stats FILE]
 *                [--disco 'ELF ARGS'] ELF [ARGS...]
 * Runs ELF (a pagewalk guest) under the VMM with shadow paging; guest console on stdout.
 * --disco adds a Disco VM (an swtlb guest, L2 TLB on) next to it, as VM 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cost.h"
#include "core/vmm.h"
#include "mips/disco.h"
#include "mips/l2tlb.h"
#include "shadow/shadow.h"

int main(int argc, char **argv)
{
    struct shadow_opts o = { .pw = { 64, 4 } };
    struct cost_model cost;
    char err[512], cmdline[1024] = "";
    const char *stats = NULL, *cost_path = NULL, *disco = NULL;
    unsigned vms = 1, mem = 128;
    int i = 1;
    cost_default(&cost);
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--audit")) { o.audit = 1; continue; }
        i++;
        if (!strcmp(a, "--opts")) {
            if (shadow_parse_opts(v, &o.opts, err, sizeof(err))) { fprintf(stderr, "%s\n", err); return 2; }
        } else if (!strcmp(a, "--frames")) o.max_frames = (unsigned)atoi(v);
        else if (!strcmp(a, "--roots")) o.roots = (unsigned)atoi(v);
        else if (!strcmp(a, "--oos")) o.oos = (unsigned)atoi(v);
        else if (!strcmp(a, "--prefetch")) o.prefetch = (unsigned)atoi(v);
        else if (!strcmp(a, "--cost")) cost_path = v;
        else if (!strcmp(a, "--vms")) vms = (unsigned)atoi(v);
        else if (!strcmp(a, "--mem")) mem = (unsigned)atoi(v);
        else if (!strcmp(a, "--pw-tlb")) sscanf(v, "%u,%u", &o.pw.tlb_entries, &o.pw.tlb_ways);
        else if (!strcmp(a, "--stats")) stats = v;
        else if (!strcmp(a, "--disco")) disco = v;
        else { fprintf(stderr, "shadowx: unknown option %s\n", a); return 2; }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: shadowx [options] ELF [ARGS...]\n");
        return 2;
    }
    const char *elf = argv[i++];
    for (size_t len = 0; i < argc; i++)
        len += (size_t)snprintf(cmdline + len, sizeof(cmdline) - len, "%s%s", len ? " " : "", argv[i]);
    if (cost_path && cost_load_profile(&cost, cost_path, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct vmm_config cfg = {
        .vms = vms, .idle_detect = IDLE_DETECT_WAIT | IDLE_DETECT_SPIN, .mem_bytes = mem << 20,
        .tlb_entries = 16, .backend = &shadow_backend, .backend_opts = &o, .cmdline = cmdline,
        .out_fd = STDOUT_FILENO, .cost = &cost,
    };
    static struct disco_opts dopts = { .l2tlb = 1, .l2tlb_entries = L2TLB_DEFAULT_ENTRIES };
    static char dbuf[1024];
    struct vmm_vm_spec specs[2] = {
        { .elf = elf, .cmdline = cmdline, .mem_bytes = mem << 20, .weight = 1 },
        { .mem_bytes = mem << 20, .weight = 1, .backend = &disco_backend, .backend_opts = &dopts,
          .tlb_entries = 64 },
    };
    if (disco) {
        snprintf(dbuf, sizeof(dbuf), "%s", disco);
        char *sp = strchr(dbuf, ' ');
        specs[1].cmdline = sp ? (*sp = 0, sp + 1) : "";
        specs[1].elf = dbuf;
        cfg.vms = 2;
        cfg.spec = specs;
    }
    static struct vmm vmm;
    if (vmm_create(&vmm, &cfg, elf, err, sizeof(err))) {
        fprintf(stderr, "shadowx: %s\n", err);
        return 2;
    }
    enum cpu_stop why = vmm_run(&vmm);
    int status = why == CPU_STOP_INSN_LIMIT ? 3 : 0;
    for (unsigned v = 0; v < vmm.nvms; v++)
        if (!status && vmm.vms[v].why != CPU_STOP_POWEROFF)
            status = vmm.vms[v].why == CPU_STOP_EXIT ? vmm.vms[v].exit_code & 0xFF : 3;
    if (stats) {
        FILE *f = fopen(stats, "w");
        char optbuf[256];
        shadow_format_opts(o.opts, optbuf, sizeof(optbuf));
        const char *kv[] = { "tool", "shadowx", "shadow_opts", optbuf, NULL };
        if (!f || stats_write_json(&vmm.stats, f, kv, &vmm.cpu->cost))
            status = 2;
        if (f)
            fclose(f);
    }
    vmm_destroy(&vmm);
    return status;
}
