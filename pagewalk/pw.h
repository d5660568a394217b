/* pw.h - the pagewalk MMU personality (DESIGN.md §2b): an x86-like hardware page walker over
 * 32-bit non-PAE page tables, cached by a set-associative hardware TLB that only the walker
 * fills. No software-visible TLB: tlbp/tlbr/tlbwi/tlbwr raise RI. docs/pagewalk.md has the
 * full description (formats, rights, A/D, TLB organisation, costs, counters). */
#ifndef TLBVISOR_PW_H
#define TLBVISOR_PW_H

#include <stddef.h>
#include <stdint.h>

#include "../core/mmu.h"

#define PW_DEFAULT_TLB_ENTRIES 64
#define PW_DEFAULT_TLB_WAYS 4
#define PW_MAX_TLB_ENTRIES 65536u

/* CP0 registers of the personality: register 22, selects 0..2. */
#define PW_CP0_REG 22
#define PW_SEL_PTBASE 0     /* CR3: physical address of the page directory (low 12 bits 0) */
#define PW_SEL_INVLPG 1     /* write-only: invalidate the translation of the written VA */
#define PW_SEL_PFERR 2      /* read-only: error code of the last page fault */

/* PFErr bits (x86 #PF error code layout). */
#define PW_PFERR_P (1u << 0)   /* 1: protection violation; 0: not present */
#define PW_PFERR_W (1u << 1)   /* the access was a store */
#define PW_PFERR_U (1u << 2)   /* the CPU was in user mode */
#define PW_PFERR_I (1u << 4)   /* the access was an instruction fetch */

/* PDE/PTE bits. */
#define PW_P   (1u << 0)
#define PW_RW  (1u << 1)
#define PW_US  (1u << 2)
#define PW_PWT (1u << 3)
#define PW_PCD (1u << 4)
#define PW_A   (1u << 5)
#define PW_D   (1u << 6)
#define PW_PS  (1u << 7)       /* PDE only: maps a 4 MiB page */
#define PW_G   (1u << 8)       /* leaf only (PTE, or PDE with PS) */
#define PW_FRAME_4K 0xFFFFF000u
#define PW_FRAME_4M 0xFFC00000u

/* Hardware TLB geometry: tlb_entries = sets * tlb_ways, the number of sets a power of two. */
struct pw_config {
    unsigned tlb_entries;      /* total entries, 4 KiB and 4 MiB together (default 64) */
    unsigned tlb_ways;         /* associativity (default 4) */
};

/* Returns 0 if c is usable, else -1 with a one-line message in err. */
/* PFErr (PW_PFERR_*) of a page fault: a protection violation (protection != 0) or a page
 * not present, for access (MMU_LOAD/STORE/FETCH) in user mode (user != 0) or not. */
uint32_t pw_pferr(int protection, int access, int user);
int pw_config_check(const struct pw_config *c, char *err, size_t errlen);

/* Creates the personality for cpu; cfg points to a struct pw_config (NULL: the defaults).
 * Returns NULL if the configuration is invalid or memory runs out. PTBase starts at 0 and
 * the TLB empty. Matches machine.h's mmu_ctor. */
struct mmu *pw_new(struct cpu *cpu, const void *cfg);

/* Invalidates every TLB entry, global ones included, and the CPU's translation cache. No
 * instruction does this (a PTBase write keeps global entries): it is for a hypervisor that
 * hands the machine to another VM (shadow/). */
void pw_mmu_flush_all(struct mmu *m);

/* Invalidates every TLB entry (4 KiB or 4 MiB, global or not) that translates an address
 * of [va, va + bytes), and the CPU's cached translations of that range. No instruction
 * does this: it is for a hypervisor whose 4 KiB entries stand for one guest 4 MiB page. */
void pw_mmu_invalidate_range(struct mmu *m, uint32_t va, uint32_t bytes);

/* The physical address the TLB translates va to, without a walk, a counter or any change:
 * returns 0 with *pa set, or -1 when no entry translates va. For a hypervisor that must
 * read what the machine executed (shadow/). */
int pw_mmu_probe(struct mmu *m, uint32_t va, uint32_t *pa);

/* ---- nested mode (docs/pagewalk.md "Nested mode") ----------------------------------------
 * What VT-x's EPT and SVM's NPT add to the machine, for a hypervisor (nested/): while nested
 * mode is on, PTBase, InvlPg and PFErr belong to the guest, which reads and writes them in
 * supervisor mode without a trap; the walker translates guest-virtual to guest-physical with
 * the guest's tables at PTBase, translating each guest table reference and the final
 * guest-physical address through the nested table at the nested root (same x86 format,
 * GPA -> machine address; RW and, where allowed, PS honoured, US and A/D ignored: the nested
 * walk writes nothing). A guest page fault is the machine's as before (TLBL/TLBS, PFErr); a
 * guest-physical address the nested table does not translate for the access is
 * MMU_NESTED, the exit EXC_NPF with the GPA and a qualification (PW_NPF_*). The TLB holds the
 * combined GVA -> machine translations. No instruction reaches any of this. */

/* Optional structures of nested mode, each switchable (Bhargava et al., ASPLOS'08). */
struct pw_nested_config {
    int pwc;                   /* page-walk cache: guest PDEs (by their GPA) and nested PDEs
                                * (by GPA[31:22]), 32 entries each, direct-mapped */
    int ntlb;                  /* nested TLB: GPA page -> machine page, 64 entries */
    int large;                 /* large nested pages: a nested PDE with PS maps 4 MiB; off: PS
                                * is reserved and such an entry faults (PW_NPF_RSVD) */
};

/* Exit qualification of EXC_NPF (cpu_exc.npf). */
#define PW_NPF_P    (1u << 0)  /* the nested entry is present but does not allow the access */
#define PW_NPF_W    (1u << 1)  /* a write (a store, or the walker's A/D write-back) */
#define PW_NPF_RSVD (1u << 3)  /* a nested PDE with PS while large nested pages are off */
#define PW_NPF_I    (1u << 4)  /* the final access was an instruction fetch */
#define PW_NPF_WALK (1u << 5)  /* the GPA is an entry of the guest's tables, not the access's */

/* Turns nested mode on with options c (NULL: all off), nested root 0 (every GPA faults
 * until pw_mmu_set_nroot), or off (c ignored). Empties the TLB and the nested caches. */
void pw_mmu_nested(struct mmu *m, int on, const struct pw_nested_config *c);
/* Sets the nested root (machine address of the nested page directory; low 12 bits
 * ignored) and empties the TLB and the nested caches (no tags: one guest at a time). */
void pw_mmu_set_nroot(struct mmu *m, uint32_t nroot);
/* The nested table changed in a way that may remove or reduce a translation (INVEPT):
 * empties the TLB and the nested caches. Adding a translation needs nothing. */
void pw_mmu_nested_invalidate(struct mmu *m);
/* Guest-unpaged VA regions: bit r of mask makes VA[31:29] == r translate to guest-physical
 * base[r] | VA[28:0] without a guest walk (a guest's unmapped kseg0/kseg1, as a VT-x guest
 * with paging off), then through the nested table. Empties the TLB. */
void pw_mmu_set_direct(struct mmu *m, uint8_t mask, const uint32_t base[8]);
/* The guest's registers, for a world switch: PTBase and PFErr. Setting them empties the
 * TLB and the guest entries of the page-walk cache. */
void pw_mmu_guest_regs(struct mmu *m, uint32_t *ptbase, uint32_t *pferr);
void pw_mmu_set_guest_regs(struct mmu *m, uint32_t ptbase, uint32_t pferr);

#endif
