/* opt_table.h - the type of a command-line option table: one row per option gives its name,
 * argument syntax, limits, where it applies and its help line. The CLI's parser and --help
 * (cli/opts.h) read such tables; a memory-virtualization back end declares its own rows in
 * this format (core/mmu_backend.h `opts`, docs/backends.md "Options"), so it needs this
 * header only, not the CLI's.
 *
 * Syntax of every numeric argument (one syntax, no other meaning):
 *   N     decimal digits, no sign, no leading zero (0 itself where 0 is allowed), no spaces;
 *         a value above the option's maximum, or above 2^64 - 1, is refused
 *   SIZE  N, or N followed by K, M or G (multiples of 1024 bytes, 1024 K, 1024 M)
 * A boolean switch takes "on" or "off". An option given twice is refused, unless it says it
 * repeats (--vm). */
#ifndef TLBVISOR_OPT_TABLE_H
#define TLBVISOR_OPT_TABLE_H

#include <stddef.h>
#include <stdint.h>

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

/* off and given_off of a row: field's value and its counter given.field in struct type. */
#define OPT_FIELD(type, field) offsetof(type, field), offsetof(type, given.field)

#endif
