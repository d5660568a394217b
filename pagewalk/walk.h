/* walk.h - the x86 32-bit (non-PAE) page walk, written once (DESIGN.md §2b, docs/pagewalk.md).
 *
 * Every walker of these tables uses this one function: the machine's hardware walker
 * (pagewalk/pw.c, over machine RAM), the shadow back end's walk of a guest's own tables
 * (shadow/, over the guest's pmap), and a nested back end's walk, whose accessors translate
 * each guest-physical table address through its nested table. As KVM's
 * FNAME(walk_addr_generic) serves every paging mode and Xen's guest_walk.c serves shadow
 * and HAP, the rules live here and the users differ only in how an entry is read and
 * written back.
 *
 * The function is always inlined: with a constant accessor table at the call site the
 * compiler calls the accessors directly, so the machine's walker pays nothing for the
 * indirection. */
#ifndef TLBVISOR_PW_WALK_H
#define TLBVISOR_PW_WALK_H

#include <stdint.h>

#include "../core/mmu.h"
#include "pw.h"

/* How a walk reads and writes a paging-structure entry at table address pa (4-aligned;
 * physical for the machine, guest-physical for a guest's tables). */
struct pw_walk_acc {
    /* Whether pa is in the memory the walker reaches; if not, the walk faults as not
     * present, with no reference made. */
    int (*reaches)(void *ctx, uint32_t pa);
    /* Reads the entry (and counts/charges the reference). Only called where reaches. */
    uint32_t (*read)(void *ctx, uint32_t pa);
    /* Writes an entry back (A/D), counting/charging the reference. Only called for an
     * address the walk has just read. */
    void (*write)(void *ctx, uint32_t pa, uint32_t v);
};

/* Why a walk failed (PW_WALK_OK: it did not). OUTSIDE is reported to software as not
 * present (PFErr.P = 0); the machine's walker counts it apart. */
enum pw_walk_fault { PW_WALK_OK = 0, PW_WALK_NOT_PRESENT, PW_WALK_PROTECTION, PW_WALK_OUTSIDE };

/* What a walk found. */
struct pw_walk {
    uint32_t pde, pde_pa;      /* the PDE (as written back) and its address */
    uint32_t leaf, leaf_pa;    /* the leaf: the PTE, or the PDE of a 4 MiB page (as written
                                * back), and its address */
    int big;                   /* 4 MiB page (PDE.PS) */
    unsigned a_set;            /* A bits set (PDE and leaf) */
    unsigned d_set;            /* D set in the leaf (the first store to a clean page) */
    unsigned writes;           /* entries written back */
};

/* Rights of a successful walk: PDE and PTE combined, or a 4 MiB page's own (PW_RW|PW_US). */
static inline uint32_t pw_walk_rights(const struct pw_walk *w)
{
    return (w->big ? w->leaf : w->pde & w->leaf) & (PW_RW | PW_US);
}

/* The frame of a successful walk: 4 KiB-aligned, or 4 MiB-aligned for a big page. */
static inline uint32_t pw_walk_frame(const struct pw_walk *w)
{
    return w->leaf & (w->big ? PW_FRAME_4M : PW_FRAME_4K);
}

/* The page table a 4 KiB walk went through (the PDE's frame). */
static inline uint32_t pw_walk_table(const struct pw_walk *w)
{
    return w->pde & PW_FRAME_4K;
}

/* pw_walk_tables - the walk of va over the tables at ptbase, for access (MMU_LOAD/STORE/
 * FETCH) in user mode (user != 0) or a privileged mode. Uses no TLB state.
 *
 * Reads the PDE at ptbase + VA[31:22]*4: P, RW, US, PS, and the frame (bits 31:12, or 31:22
 * with PS; with PS also G). Without PS, sets A in the PDE as soon as it is used to reach the
 * page table (even if the PTE then faults, as QEMU does), then reads the PTE at
 * (PDE & ~0xFFF) + VA[21:12]*4: P, RW, US, G and the frame. Rights are those of PDE and PTE
 * combined: a store needs RW in both (also in kernel/supervisor mode: CR0.WP=1), user mode
 * needs US in both; a fetch is checked as a load (no NX). If the access is allowed, sets A
 * (and D on a store) in the leaf (PTE, or the 4 MiB PDE). An entry is written back only
 * when a bit changes, and only if update != 0 (a walk without side effects, for a model
 * that only looks). PWT, PCD and bits 21:12 of a 4 MiB PDE are ignored.
 *
 * Returns PW_WALK_OK with *w filled, or the kind of fault (then only a_set and writes are
 * meaningful, with pde/leaf as far as they were read). */
static inline __attribute__((always_inline)) enum pw_walk_fault
pw_walk_tables(const struct pw_walk_acc *acc, void *ctx, uint32_t ptbase, uint32_t va, int access,
               int user, int update, struct pw_walk *w)
{
    /* Locals throughout, *w written at the end: the machine's walker is on the
     * interpreter's TLB-miss path. */
    const int store = access == MMU_STORE;
    const uint32_t pde_pa = (ptbase & PW_FRAME_4K) + ((va >> 22) << 2);
    uint32_t pde = 0, leaf = 0, leaf_pa = pde_pa, rights, a_set = 0, writes = 0, d_set = 0;
    enum pw_walk_fault f = PW_WALK_OK;
    int big = 0;

    if (!acc->reaches(ctx, pde_pa)) {
        f = PW_WALK_OUTSIDE;
        goto out;
    }
    pde = acc->read(ctx, pde_pa);
    if (!(pde & PW_P)) {
        f = PW_WALK_NOT_PRESENT;
        goto out;
    }
    if (pde & PW_PS) {
        big = 1;
        leaf = pde;
        rights = pde;
    } else {
        if (!(pde & PW_A) && update) {
            pde |= PW_A;
            acc->write(ctx, pde_pa, pde);
            a_set = 1;
            writes = 1;
        }
        leaf_pa = (pde & PW_FRAME_4K) + ((va >> 10) & 0xFFCu);
        if (!acc->reaches(ctx, leaf_pa)) {
            f = PW_WALK_OUTSIDE;
            goto out;
        }
        leaf = acc->read(ctx, leaf_pa);
        if (!(leaf & PW_P)) {
            f = PW_WALK_NOT_PRESENT;
            goto out;
        }
        rights = pde & leaf;
    }
    if ((store && !(rights & PW_RW)) || (user && !(rights & PW_US))) {
        f = PW_WALK_PROTECTION;
        goto out;
    }
    const uint32_t set = PW_A | (store ? PW_D : 0);
    if ((leaf & set) != set && update) {
        a_set += !(leaf & PW_A);
        d_set = store && !(leaf & PW_D);
        leaf |= set;
        acc->write(ctx, leaf_pa, leaf);
        writes++;
        if (big)
            pde = leaf;
    }
out:
    w->pde = pde;
    w->pde_pa = pde_pa;
    w->leaf = leaf;
    w->leaf_pa = leaf_pa;
    w->big = big;
    w->a_set = a_set;
    w->d_set = d_set;
    w->writes = writes;
    return f;
}

#endif
