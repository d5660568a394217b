/* cli.h - subcommands of the tlbvisor program. */
#ifndef TLBVISOR_CLI_H
#define TLBVISOR_CLI_H

struct stats;
struct cost_model;

int cmd_run(int argc, char **argv);
/* Writes the counters as JSON to path ("-" for stdout). Returns 0 or -1 (message printed). */
int write_stats(const struct stats *st, const char *path, const char *mmu, const char *image,
                const struct cost_model *cost);

#endif
