/* opts.h - command-line options as data: one table per subcommand (the row type is
 * core/opt_table.h) gives each option's name, argument syntax, limits, where it applies and
 * its help line. The parser, the --help text and the docs all come from the table, so the
 * limits the code enforces and the limits the help states are the same numbers. */
#ifndef TLBVISOR_CLI_OPTS_H
#define TLBVISOR_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/opt_table.h"

/* Parses "N" into *v within [min, max]. Returns 0, or -1. */
int opt_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v);
/* Parses "SIZE" into *v within [min, max], a multiple of align (0 = any). Returns 0 or -1. */
int opt_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t align, uint64_t *v);
/* "1M", "256M", "4096", "4G": a size as the help writes it. */
void opt_fmt_size(char *buf, size_t len, uint64_t v);

/* Parses argv (argv[0] is the subcommand) against table (n entries) into the struct at base,
 * getopt_long style, stopping at the first non-option argument (returned in *optind_out).
 * "-h"/"--help" set *help. Returns 0, or 2 after a one-line message on stderr. */
int opt_parse(const struct opt *table, size_t n, void *base, int argc, char **argv,
              int *optind_out, int *help, const char *cmd);
/* Refuses any option given outside the run's scope (one OPT_SCOPE_* bit of each pair).
 * Returns 0, or 2 after a one-line message. */
int opt_check_scope(const struct opt *table, size_t n, const void *base, unsigned run_scope,
                    const char *cmd);
/* Was option name given? */
unsigned opt_given(const struct opt *table, size_t n, const void *base, const char *name);
/* Writes the options part of the help text: name, argument, help, range, default. */
void opt_print_help(const struct opt *table, size_t n, FILE *f);
/* Sends the messages of opt_usage_error to buf (the first one only, without the command
 * and the pointer to --help) instead of stderr, until called with NULL: a caller that checks
 * options on behalf of something else (a bench suite) says where they came from. */
void opt_capture_errors(char *buf, size_t len);
/* A one-line usage error: "tlbvisor CMD: MESSAGE" and the pointer to --help. Returns 2. */
int opt_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
