/* shadow.h - the shadow page-table back end: unmodified guests built for the pagewalk MMU
 * (DESIGN.md §2b) run deprivileged under the VMM on a machine whose hardware walker
 * (pagewalk/pw.h) walks shadow tables the VMM keeps in machine frames (DESIGN.md §3,
 * docs/shadow.md). The core reaches it only through `shadow_backend` (mmu_backend.h).
 *
 * Besides the back end, this header exposes what is useful on its own: the options, and
 * the walk of a guest's own page tables through its pmap, with exactly the native
 * walker's rules (the same pw_walk_tables, pagewalk/walk.h). */
#ifndef TLBVISOR_SHADOW_H
#define TLBVISOR_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#include "../core/mmu_backend.h"
#include "../pagewalk/pw.h"

struct pmap;

/* The switchable mechanisms (--shadow-opts LIST|all|none; docs/shadow.md). */
#define SHADOW_OPTS(X) \
    X(SHARE, share, "shadow tables shared by every root that uses a guest table (KVM kvm_mmu_page)") \
    X(UPDATE, update, "an emulated PTE write updates the shadow entry in place (Xen validate_guest_pt_write)") \
    X(OOS, oos, "leaf tables written repeatedly go out of sync until InvlPg/PTBase/eviction (Xen sh_unsync)") \
    X(FLOOD, flood, "write-flood and early unshadowing instead of dropping whole roots (KVM, Xen)") \
    X(PREFETCH, prefetch, "a fill also maps the neighbouring entries that are accessed (KVM, Xen)") \
    X(MRU, mru, "KVM's root cache: current + 3 previous, most recent first; others kept as pages") \
    X(UNPROTECT, unprotect, "a frame that stops being a page table is writable again at once, through the reverse map") \
    X(KGLOBAL, kglobal, "kseg0/kseg1 shadow entries global: they survive the machine's PTBase writes") \
    X(KLARGE, klarge, "machine 4 MiB entries for kseg windows whose RAM is one aligned extent") \
    X(EXACT, exact, "the guest's TLB emulated exactly (stale entries as on the native machine)")

enum {
#define SHADOW_OPT_BIT(up, name, doc) SHADOW_OPT_BIT_##up,
    SHADOW_OPTS(SHADOW_OPT_BIT)
#undef SHADOW_OPT_BIT
    SHADOW_OPT_COUNT
};
#define SHADOW_OPT_SHARE (1u << SHADOW_OPT_BIT_SHARE)
#define SHADOW_OPT_UPDATE (1u << SHADOW_OPT_BIT_UPDATE)
#define SHADOW_OPT_OOS (1u << SHADOW_OPT_BIT_OOS)
#define SHADOW_OPT_FLOOD (1u << SHADOW_OPT_BIT_FLOOD)
#define SHADOW_OPT_PREFETCH (1u << SHADOW_OPT_BIT_PREFETCH)
#define SHADOW_OPT_MRU (1u << SHADOW_OPT_BIT_MRU)
#define SHADOW_OPT_UNPROTECT (1u << SHADOW_OPT_BIT_UNPROTECT)
#define SHADOW_OPT_KGLOBAL (1u << SHADOW_OPT_BIT_KGLOBAL)
#define SHADOW_OPT_KLARGE (1u << SHADOW_OPT_BIT_KLARGE)
#define SHADOW_OPT_EXACT (1u << SHADOW_OPT_BIT_EXACT)
/* `all`: every optimization (items 7-13 of issue 11, and unprotect). `exact` is a
 * transparency mode, not an optimization: it is named on its own. */
#define SHADOW_OPT_ALL (SHADOW_OPT_SHARE | SHADOW_OPT_UPDATE | SHADOW_OPT_OOS | SHADOW_OPT_FLOOD | \
                        SHADOW_OPT_PREFETCH | SHADOW_OPT_MRU | SHADOW_OPT_UNPROTECT | \
                        SHADOW_OPT_KGLOBAL | SHADOW_OPT_KLARGE)

/* Options (vmm_config.backend_opts; NULL: the defaults, every field 0 = its default):
 * the machine's walker TLB (also the TLB the guest sees), each VM's budget of machine
 * frames for shadow tables, the mechanisms on, and their sizes. */
struct shadow_opts {
    struct pw_config pw;
    unsigned max_frames;       /* --shadow-frames: SHADOW_MIN_FRAMES..SHADOW_MAX_FRAMES */
    unsigned opts;             /* --shadow-opts: SHADOW_OPT_* bits */
    unsigned oos;              /* --shadow-oos: out-of-sync tables per vCPU (default 3) */
    unsigned roots;            /* --shadow-roots: root cache size (default 32, MRU: 4) */
    unsigned prefetch;         /* --shadow-prefetch: entries per prefetch group (default 8) */
    int audit;                 /* --shadow-audit: check every shadow entry after each exit */
};

#define SHADOW_DEFAULT_FRAMES 1024u
#define SHADOW_MIN_FRAMES 16u
#define SHADOW_MAX_FRAMES 65536u
#define SHADOW_DEFAULT_ROOTS 32u       /* LRU root cache (today's policy) */
#define SHADOW_DEFAULT_ROOTS_MRU 4u    /* KVM: the current root and 3 previous */
#define SHADOW_MAX_ROOTS 1024u
#define SHADOW_DEFAULT_OOS 3u          /* Xen: SHADOW_OOS_PAGES */
#define SHADOW_MAX_OOS 64u
#define SHADOW_DEFAULT_PREFETCH 8u     /* KVM: PTE_PREFETCH_NUM; Xen prefetches up to 32 */
#define SHADOW_MAX_PREFETCH 1024u

extern const struct mmu_backend shadow_backend;
/* Its command-line options (opts.c): --shadow-* into a shadow_opts. */
extern const struct mmu_backend_opts shadow_cmdline_opts;

/* Parses "none", "all" or a comma-separated list of option names (SHADOW_OPTS) into *bits
 * (opts.c, as the two below). Returns 0, or -1 with a one-line message. */
int shadow_parse_opts(const char *s, unsigned *bits, char *err, size_t errlen);
/* The names of the options set in bits, comma-separated ("none" if none), into buf. */
void shadow_format_opts(unsigned bits, char *buf, size_t len);
/* Checks o; returns 0, or -1 with a one-line message. */
int shadow_opts_check(const struct shadow_opts *o, char *err, size_t errlen);

/* Why a walk of the guest's tables failed (0: it did not). */
enum shadow_fault { SHADOW_OK = 0, SHADOW_NOT_PRESENT, SHADOW_PROTECTION };

/* What a walk found. */
struct shadow_walk {
    uint32_t pde;          /* the PDE (as written back) */
    uint32_t leaf;         /* the leaf: the PTE, or the PDE of a 4 MiB page (as written back) */
    uint32_t gpa;          /* guest-physical address of va's 4 KiB page */
    uint32_t table_gpfn;   /* 4 KiB pages: GPFN of the guest page table */
    int big;               /* 4 MiB page (PDE.PS) */
    unsigned memrefs;      /* guest page-table reads and writes made */
    unsigned ad_writes;    /* entries written back to set A or D */
    unsigned a_set;        /* A bits set (PDE and leaf), as the native walker's pw.a_set */
    int d_set;             /* D was set in the leaf (the first store to a clean page) */
    uint32_t written[2];   /* their guest-physical addresses */
};

/* shadow_walk - the native walker's walk of va (pagewalk/walk.h pw_walk_tables) over the
 * guest's tables in guest-physical memory p, directory at ptbase, for access
 * (MMU_LOAD/STORE/FETCH) in user mode (user != 0) or a privileged mode. A PDE or PTE
 * outside the VM's RAM reads as not present. With update != 0 it writes A/D back as the
 * native walker does (never into an unbacked pmap page). Returns SHADOW_OK with *w filled,
 * or the kind of fault (w->memrefs is set either way). */
enum shadow_fault shadow_walk(struct pmap *p, uint32_t ptbase, uint32_t va, int access, int user,
                              int update, struct shadow_walk *w);

/* PFErr (pw.h PW_PFERR_*) of fault f for access in user mode or not, as the native walker
 * sets it. */
uint32_t shadow_pferr(enum shadow_fault f, int access, int user);

#endif
