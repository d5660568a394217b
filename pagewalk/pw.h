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

#endif
