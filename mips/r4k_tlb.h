/* r4k_tlb.h - the swtlb MMU personality: an R4000-style software-managed TLB. */
#ifndef TLBVISOR_R4K_TLB_H
#define TLBVISOR_R4K_TLB_H

#include "../core/mmu.h"

#define R4K_TLB_MIN 16
#define R4K_TLB_MAX 256

/* Creates a TLB of n dual entries (R4K_TLB_MIN..R4K_TLB_MAX) for cpu. */
struct mmu *r4k_tlb_new(struct cpu *cpu, unsigned n);

/* Entry idx as tlbr would read it, without touching CP0 or the counters: EntryHi
 * (VPN2 | ASID), PageMask, EntryLo0/1 without G, and G. */
struct r4k_tlb_view {
    uint32_t entryhi, pagemask, lo[2];
    unsigned g;
};
void r4k_tlb_peek(const struct mmu *m, unsigned idx, struct r4k_tlb_view *out);

#endif
