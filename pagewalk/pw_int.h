/* pw_int.h - the pagewalk personality's state, shared by its two files: pw.c (the TLB, the
 * native walker, CP0) and nested.c (nested mode: the two-dimensional walk, the page-walk
 * cache, the nested TLB). Not for use outside pagewalk/: everyone else goes through pw.h. */
#ifndef TLBVISOR_PW_INT_H
#define TLBVISOR_PW_INT_H

#include <stdint.h>

#include "../core/cpu.h"
#include "pw.h"
#include "tlb.h"
#include "walk.h"

struct stats;

/* Nested mode's caches (docs/pagewalk.md "Nested mode"): direct-mapped, so that what they
 * hold depends only on the sequence of walks. */
#define PW_PWC_ENTRIES 32u         /* per kind: guest PDEs, nested PDEs */
#define PW_NTLB_ENTRIES 64u

struct pw_pwc_entry {              /* a cached page-directory entry */
    uint32_t tag;                  /* the PDE's address | 1 (0: empty): guest-physical for
                                    * a guest PDE, machine for a nested PDE */
    uint32_t pde;
};

struct pw_ntlb_entry {             /* a cached nested translation: GPA page -> machine page */
    uint32_t gpa, mpa;             /* 4 KiB- or 4 MiB-aligned */
    uint8_t valid, big, rw;
};

struct pw_nested {
    int on;                        /* nested mode (the VMM's guest mode) */
    struct pw_nested_config c;
    uint32_t nroot;                /* machine address of the nested page directory */
    uint8_t direct;                /* bit r: VA region r (VA[31:29]) is unpaged for the guest */
    uint32_t direct_base[8];       /* its guest-physical base (512 MiB-aligned) */
    struct pw_pwc_entry pwc_guest[PW_PWC_ENTRIES], pwc_nested[PW_PWC_ENTRIES];
    struct pw_ntlb_entry ntlb[PW_NTLB_ENTRIES];
    struct {
        uint64_t walks_2d, walks_direct, guest_refs, nested_refs, faults;
        uint64_t refs_direct;      /* the memory references of the walks_direct */
        uint64_t pwc_guest_hits, pwc_nested_hits, ntlb_hits, ntlb_misses;
        uint64_t splintered, invalidations;
    } n;
};

struct pw {
    struct mmu base;
    struct pw_tlb tlb;          /* tlb.h; its drop callback keeps the CPU's translation cache */
    uint32_t ptbase;            /* CP0 22/0: page directory PA, low 12 bits 0 */
    uint32_t pferr;             /* CP0 22/2: error code of the last page fault */
    struct {
        uint64_t lookups, hits, walks, memrefs;
        uint64_t faults_not_present, faults_protection, faults_outside_ram;
        uint64_t a_set, d_set, flushes_ptbase, invlpg;
    } n;
    struct pw_nested nest;      /* after the native fields: off the native walker's lines */
};

/* Why a walk failed: walk.h's kinds under this personality's names, and the nested exit. */
enum pw_fault {
    PWF_NONE = PW_WALK_OK,
    PWF_NOT_PRESENT = PW_WALK_NOT_PRESENT,
    PWF_PROTECTION = PW_WALK_PROTECTION,
    PWF_OUTSIDE_RAM = PW_WALK_OUTSIDE,
    PWF_NESTED,                 /* nested fault: base.exit_info and *gpa set */
};

/* nested.c: the two-dimensional walk of va (nested mode's replacement for pw.c's walk),
 * with the same contract, plus PWF_NESTED with *gpa and pw->base.exit_info set. */
enum pw_fault pw_nested_walk(struct pw *pw, uint32_t va, int access, int user,
                             struct pw_tlb_entry *out, uint32_t *gpa);
/* nested.c: the translation of va in a guest-unpaged region (pw.h pw_mmu_set_direct):
 * MMU_OK with *pa, or MMU_NESTED with *pa the GPA and base.exit_info set. */
int pw_nested_direct(struct pw *pw, uint32_t va, int access, uint32_t *pa);
/* nested.c: the guest wrote PTBase or InvlPg (flushes the guest part of the PWC). */
void pw_nested_guest_flush(struct pw *pw);
/* nested.c: the guest's InvlPg of va, after the native one: the splintered pieces of its
 * 4 MiB page, and the guest part of the PWC. */
void pw_nested_invlpg(struct pw *pw, uint32_t va);
void pw_nested_register_stats(struct pw *pw, struct stats *st);
/* pw.c: the personality's mmu_ops for nested mode (on) or the native one. */
void pw_set_nested_ops(struct pw *pw, int on);
/* After a walk: re-arms the CPU's stop point for the cycles just charged, keeping a kick
 * that is pending (cpu_recompute_stop would otherwise cancel it; docs/pagewalk.md). */
static inline void pw_walk_done(struct pw *pw)
{
    struct cpu *cpu = pw->base.cpu;
    int kicked = cpu->icount_stop == 0;
    cpu_recompute_stop(cpu);
    if (kicked)
        cpu_kick(cpu);
}

#endif
