/* shadow.h - the shadow page-table back end: unmodified guests built for the pagewalk MMU
 * (DESIGN.md §2b) run deprivileged under the VMM on a machine whose hardware walker
 * (pagewalk/pw.h) walks shadow tables the VMM keeps in machine frames (DESIGN.md §3,
 * docs/shadow.md). The core reaches it only through `shadow_backend` (mmu_backend.h).
 *
 * Besides the back end, this header exposes the one piece that is useful on its own and
 * that the unit tests check in isolation: the walk of a guest's own page tables through
 * its pmap, with exactly the native walker's rules (pagewalk/pw.c pw_walk). */
#ifndef TLBVISOR_SHADOW_H
#define TLBVISOR_SHADOW_H

#include <stdint.h>

#include "../core/mmu_backend.h"
#include "../pagewalk/pw.h"

struct pmap;

/* Options (vmm_config.backend_opts; NULL: the defaults): the machine's walker TLB, which is
 * also the TLB the guest sees, and each VM's budget of machine frames for shadow tables
 * (0: SHADOW_DEFAULT_FRAMES; at least SHADOW_MIN_FRAMES). */
struct shadow_opts {
    struct pw_config pw;
    unsigned max_frames;
};

#define SHADOW_DEFAULT_FRAMES 1024u
#define SHADOW_MIN_FRAMES 16u
#define SHADOW_MAX_FRAMES 65536u

/* Roots (shadow page directories) cached per VM, keyed by the guest directory's GPFN. */
#define SHADOW_ROOTS 32

extern const struct mmu_backend shadow_backend;

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

/* shadow_walk - the native walker's walk of va (pagewalk/pw.c pw_walk) over the guest's
 * tables in guest-physical memory p, directory at ptbase, for access (MMU_LOAD/STORE/FETCH)
 * in user mode (user != 0) or a privileged mode. Reads the PDE (P, RW, US, PS, frame) and,
 * without PS, the PTE (P, RW, US, G, frame); rights are PDE & PTE (a store needs RW in both,
 * user mode US in both). A PDE or PTE outside the VM's RAM reads as not present. With
 * update != 0 it writes back as the native walker does: A in a non-PS PDE as soon as it is
 * used to reach the table (even if the PTE then faults), A (and D on a store) in the leaf if
 * the access is allowed; never in a pmap page that is unbacked. Returns SHADOW_OK with *w
 * filled, or the kind of fault (w->memrefs is set either way). */
enum shadow_fault shadow_walk(struct pmap *p, uint32_t ptbase, uint32_t va, int access, int user,
                              int update, struct shadow_walk *w);

/* PFErr (pw.h PW_PFERR_*) of fault f for access in user mode or not, as the native walker
 * sets it. */
uint32_t shadow_pferr(enum shadow_fault f, int access, int user);

#endif
