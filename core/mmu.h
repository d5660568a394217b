/* mmu.h - the MMU personality interface: what the CPU asks of the hardware that translates
 * mapped segments. Two personalities implement it: mips/ (R4K software-managed TLB) and
 * pagewalk/ (x86-like hardware page walker). core/ calls only through this table. */
#ifndef TLBVISOR_MMU_H
#define TLBVISOR_MMU_H

#include <stdint.h>

struct cpu;
struct stats;

enum mmu_access { MMU_LOAD = 0, MMU_STORE = 1, MMU_FETCH = 2 };

/* Outcome of a translation. The CPU turns a fault into the architectural exception. */
enum mmu_fault {
    MMU_OK = 0,
    MMU_REFILL,     /* no matching TLB entry: TLBL/TLBS at the refill vector */
    MMU_INVALID,    /* matching entry with V=0: TLBL/TLBS at the general vector */
    MMU_MOD,        /* store to a matching entry with D=0: Mod */
    MMU_PAGEFAULT,  /* walker fault: TLBL/TLBS at the general vector, PFErr already set */
    MMU_NESTED,     /* nested-paging fault (an exit, EXC_NPF): *pa is the guest-physical
                     * address, mmu->exit_info the qualification */
};

/* TLB instructions, for mmu_ops.tlb_op. */
enum mmu_tlb_op { MMU_TLBP, MMU_TLBR, MMU_TLBWI, MMU_TLBWR };

struct mmu;

struct mmu_ops {
    const char *name;
    /* Translates va (in a mapped segment) for access by a CPU in user mode (user != 0) or a
     * privileged mode. Returns MMU_OK with *pa set, or a fault. May charge cycles and count. */
    int (*translate)(struct mmu *mmu, uint32_t va, int access, int user, uint32_t *pa);
    /* Executes tlbp/tlbr/tlbwi/tlbwr against the CPU's CP0. Returns 0, or EXC_RI when the
     * personality has no software-visible TLB. Invalidates the CPU's translation cache. */
    int (*tlb_op)(struct mmu *mmu, int op);
    /* CP0 registers owned by the personality (e.g. PTBase). Return 1 if handled. */
    int (*cp0_read)(struct mmu *mmu, int reg, int sel, uint32_t *val);
    int (*cp0_write)(struct mmu *mmu, int reg, int sel, uint32_t val);
    /* The ASID in EntryHi changed (swtlb: mappings of other ASIDs become invisible). */
    void (*asid_changed)(struct mmu *mmu);
    /* Registers the personality's counters under prefix (e.g. "tlb."). */
    void (*register_stats)(struct mmu *mmu, struct stats *st);
    /* Optional (NULL: none): whether CP0 register reg/sel is served to a CPU in mode (a
     * TC_* below TC_KERNEL, without CU0) instead of raising CpU: the guest-mode registers of
     * a personality in a hardware-virtualization mode (pagewalk's nested mode serves the
     * guest's PTBase, InvlPg and PFErr). Called only on that cold path. */
    int (*cp0_unprivileged)(struct mmu *mmu, int reg, int sel, int mode);
    void (*destroy)(struct mmu *mmu);
};

/* Every personality embeds this as its first member. */
struct mmu {
    const struct mmu_ops *ops;
    struct cpu *cpu;
    uint32_t exit_info;     /* qualification of the last MMU_NESTED */
};

#endif
