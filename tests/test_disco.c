/* tests/test_disco.c - the Disco back end (mips/disco.c) behind the VMM core: the L2
 * software TLB resolving refills the guest's TLB evicted, its soundness rules, machine ASIDs
 * shared by VMs, and the back-end boundary (the VMM runs only through mmu_backend.h).
 *
 * The guests are the bare-metal programs built by the guest build (TLBVISOR_GUEST_DIR);
 * the emulator is deterministic, so every counter is checked exactly. */
#include <criterion/criterion.h>

#include "core/vmm.h"
#include "mips/disco.h"
#include "mips/l2tlb.h"
#include "fixture.h"

static struct vmm vmm;

/* Runs n VMs of the guest program `name` under the Disco back end with the L2 TLB on or off
 * and a guest TLB of tlb_entries; every VM must end by powering off with status 0. */
static void run_args(const char *name, const char *cmdline, unsigned n, int l2,
                     unsigned l2_entries, unsigned tlb_entries)
{
    struct disco_opts o = { .l2tlb = l2, .l2tlb_entries = l2_entries };
    struct vmm_config cfg = {
        .vms = n, .idle_detect = IDLE_DETECT_WAIT | IDLE_DETECT_SPIN, .mem_bytes = 16u << 20,
        .tlb_entries = tlb_entries, .backend = &disco_backend, .backend_opts = &o,
        .cmdline = cmdline,
    };
    fx_run_vms(&vmm, &cfg, TLBVISOR_GUEST_DIR, name);
}

static void run(const char *name, unsigned n, int l2, unsigned l2_entries, unsigned tlb_entries)
{
    run_args(name, "", n, l2, l2_entries, tlb_entries);
}

static int64_t c(const char *name) { return fx_counter(&vmm, name); }

static void fini(void) { vmm_destroy(&vmm); }

TestSuite(disco, .fini = fini);

Test(disco, l2_tlb_off_reflects_every_refill)
{
    run("tlb_evict", 1, 0, L2TLB_DEFAULT_ENTRIES, 64);
    cr_assert_eq(c("vm1.l2tlb.lookups"), 0);
    cr_assert_eq(c("vm1.l2tlb.inserts"), 0);
    cr_assert_eq(c("vm1.tlb.refill_reflected"), 1079);
    /* a tlbwr per refill, plus four rt_tlb_clear (64 tlbwi each) and one rewrite */
    cr_assert_eq(c("vm1.tlb.guest_writes"), c("vm1.tlb.refill_reflected") + 257);
    cr_assert_eq(c("vm1.priv.tlbwr"), 1079);
    cr_assert_eq(c("vm1.priv.tlbwi"), 257);
}

Test(disco, l2_tlb_serves_evicted_entries)
{
    run("tlb_evict", 1, 1, L2TLB_DEFAULT_ENTRIES, 64);
    /* every refill the guest's TLB could not serve was looked up; the hits never reached
     * the guest */
    cr_assert_eq(c("vm1.l2tlb.lookups"), c("vm1.l2tlb.hits") + c("vm1.l2tlb.misses"));
    cr_assert_eq(c("vm1.l2tlb.hits"), 577);
    cr_assert_eq(c("vm1.tlb.refill_reflected"), 528);
    cr_assert_eq(c("vm1.l2tlb.misses"), c("vm1.tlb.refill_reflected"));
    /* why: first touches, and exactly one miss for each of tlb_evict's three scenarios in
     * which the guest knows its old translation is gone (tlbp miss, flush, known victim) */
    cr_assert_eq(c("vm1.l2tlb.misses_cold"), 525);
    cr_assert_eq(c("vm1.l2tlb.misses_invalidated"), 3);
    cr_assert_eq(c("vm1.l2tlb.misses_conflict"), 0);
    cr_assert_eq(c("vm1.l2tlb.misses_unusable"), 0);
    /* slots the guest overwrote knowingly: four rt_tlb_clear (64 blind tlbwi each) and the
     * three tlbwr of check_known_victim (Wired = 63 leaves them one index); entries dropped
     * after a tlbp miss: pair 0 (check_probe_miss) and the rewrite's old occupant */
    cr_assert_eq(c("vm1.l2tlb.slot_flushes"), 259);
    cr_assert_eq(c("vm1.l2tlb.drops"), 2);
}

Test(disco, one_entry_l2_tlb_still_correct)
{
    run("tlb_evict", 1, 1, 1, 64);
    cr_assert_eq(c("vm1.l2tlb.lookups"), c("vm1.l2tlb.hits") + c("vm1.l2tlb.misses"));
    cr_assert_lt(c("vm1.l2tlb.hits"), 577);
}

Test(disco, machine_asids_shared_by_vms)
{
    run("tlb_evict", 2, 1, L2TLB_DEFAULT_ENTRIES, 16);
    /* each VM uses guest ASIDs 0 and 7: four machine ASIDs, never run out */
    cr_assert_eq(c("machine.asid.assigned"), 4);
    cr_assert_eq(c("machine.asid.rollovers"), 0);
    cr_assert_gt(c("machine.world_switches"), 0);
}

Test(disco, machine_asids_roll_over)
{
    /* Two guest kernels forking 300 children each: 1223 (VM, guest ASID) pairs get a
     * machine ASID, 255 at a time; each roll-over empties the machine TLB. Both VMs still
     * finish with status 0 (their output is checked against native runs in vmm.sh). */
    run_args("../kernel/kernel-swtlb", "workload=forkwait n=300", 2, 1, L2TLB_DEFAULT_ENTRIES, 64);
    cr_assert_eq(c("machine.asid.assigned"), 1223);
    cr_assert_eq(c("machine.asid.rollovers"), 4);
    /* recorded figure: 530 since guest images hold no build path (528 or 530 before,
     * depending on the length of the tree's path) */
    cr_assert_eq(c("machine.world_switches"), 530, "machine.world_switches %llu",
                 (unsigned long long)c("machine.world_switches"));
}
