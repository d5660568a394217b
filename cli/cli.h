/* cli.h - subcommands of the tlbvisor program. */
#ifndef TLBVISOR_CLI_H
#define TLBVISOR_CLI_H

int cmd_run(int argc, char **argv);

#endif
