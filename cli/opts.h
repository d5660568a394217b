/* opts.h - command-line options as data: one table per subcommand gives each option's name,
 * argument syntax, limits, where it applies and its help line. The parser, the --help text
 * and the docs all come from the table, so the limits the code enforces and the limits the
 * help states are the same numbers.
 *
 * Syntax of every numeric argument (one syntax, no other meaning):
 *   N     decimal digits, no sign, no leading zero (0 itself where 0 is allowed), no spaces;
 *         a value above the option's maximum, or above 2^64 - 1, is refused
 *   SIZE  N, or N followed by K, M or G (multiples of 1024 bytes, 1024 K, 1024 M)
 * A boolean switch takes "on" or "off". An option given twice is refused, unless it says it
 * repeats (--vm). */
#ifndef TLBVISOR_CLI_OPTS_H
#define TLBVISOR_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_kind {
    OPT_FLAG,       /* no argument: sets an int to 1 */
    OPT_UINT,       /* N in [min, max] into a uint64_t */
    OPT_SIZE,       /* SIZE in [min, max], a multiple of align, into a uint64_t */
    OPT_CHOICE,     /* one of choices[] into an int (its index) */
    OPT_STRING,     /* any non-empty text into a const char * */
    OPT_REPEAT,     /* text, repeatable: appended to a const char *[] (max entries) */
};

/* Where an option has an effect. A run has one scope bit of each pair; an option given in a
 * run outside its scope is refused, naming where it applies. */
#define OPT_SCOPE_NATIVE   0x01u
#define OPT_SCOPE_VMM      0x02u
#define OPT_SCOPE_SWTLB    0x04u
#define OPT_SCOPE_PAGEWALK 0x08u
#define OPT_SCOPE_ALL      0x0Fu
#define OPT_SCOPE_ANY_MODE (OPT_SCOPE_NATIVE | OPT_SCOPE_VMM)
#define OPT_SCOPE_ANY_MMU  (OPT_SCOPE_SWTLB | OPT_SCOPE_PAGEWALK)

struct opt {
    const char *name;               /* long name without "--" */
    const char *metavar;            /* "N", "SIZE", "FILE"; NULL for a flag */
    enum opt_kind kind;
    uint64_t min, max, align;       /* OPT_UINT, OPT_SIZE (align: OPT_SIZE only; 0 = 1) */
    const char *const *choices;     /* OPT_CHOICE: NULL-terminated */
    unsigned scope;                 /* OPT_SCOPE_* bits where it has an effect */
    const char *where;              /* in messages: "the VMM", "--mmu pagewalk" */
    size_t off;                     /* offset of its value in the options struct */
    size_t given_off;               /* offset of its "times given" unsigned counter */
    const char *dflt;               /* the default, as help shows it; NULL: none */
    const char *help;               /* one sentence; the range and default are appended */
};

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
