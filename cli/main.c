/* main.c - the tlbvisor program: subcommand dispatch and the stats file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: tlbvisor COMMAND [options]\n"
    "\n"
    "tlbvisor is a deterministic emulator of a MIPS32r2 machine with two MMUs (an R4K\n"
    "software-managed TLB and an x86-like hardware page walker).\n"
    "\n"
    "commands:\n"
    "  run      boot an ELF on the machine: tlbvisor run --native [--mmu swtlb|pagewalk] ELF\n"
    "  bench    run a suite of experiments: tlbvisor bench --suite quick --out DIR\n"
    "  gate     compare results with a baseline: tlbvisor gate --baseline A --current B\n"
    "  recost   results under another cost profile: tlbvisor recost --cost-profile P FILE\n"
    "  help     this text\n"
    "\n"
    "'tlbvisor COMMAND --help' describes a command's options.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    if (strcmp(argv[1], "gate") == 0)
        return cmd_gate(argc - 1, argv + 1);
    if (strcmp(argv[1], "recost") == 0)
        return cmd_recost(argc - 1, argv + 1);
    fprintf(stderr, "tlbvisor: unknown command '%s'\n%s", argv[1], usage);
    return 2;
}
