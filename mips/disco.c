/* disco.c - the Disco back end: a deprivileged guest's memory on the software-managed TLB
 * (disco.h, mmu_backend.h, docs/vmm.md).
 *
 * The guest programs a virtual TLB (vm->v->mmu, an R4K TLB of its own that never
 * translates a machine access) and reads back exactly what it wrote. The machine's TLB
 * holds only VMM-made entries, VPN -> MFN:
 *   - HW_VMM: the VMM's own mapping of guest kseg0/kseg1 (and of useg under ERL) onto the
 *     VM's machine frames, global, made on the first miss without the guest;
 *   - HW_GUEST: a copy of guest TLB entry `slot`, made on a miss the guest's TLB maps;
 *   - HW_L2: a copy of an entry the guest's TLB no longer holds but the L2 software TLB
 *     kept (l2tlb.h).
 * A miss that neither the guest's TLB nor the L2 TLB resolves is reflected: the guest's
 * refill handler runs, its tlbwr traps, and the entry lands in the guest's TLB (and in the
 * L2 TLB); the next miss on the page is filled from there.
 *
 * The L2 TLB makes the guest's TLB look larger than it is, which is only sound while the
 * guest cannot tell: an entry the guest's TLB evicted by tlbwr (at an index the guest does
 * not choose) may live on in the L2 TLB, but never an entry the guest knows is gone:
 *   - a tlbp that misses: the guest now believes the page is not cached (it may change the
 *     PTE without telling the TLB): the L2 entries of that page are dropped;
 *   - a tlbwi to an index the guest did not just find by tlbp, a tlbr of an index, or a
 *     tlbwr whose index the guest can know (it read Random, or Wired leaves one choice):
 *     the guest knows what that index held, so every entry ever evicted from that index is
 *     retired (l2tlb_flush_slot). A kernel's flush loop (tlbwi over every index) thus
 *     empties the L2 TLB as it empties the real one;
 *   - a tlbwi to the index its tlbp just found: the occupant it replaces is dropped.
 * Hardware copies follow the same rules (HW_L2 copies are retired with their L2 entries).
 *
 * Hardware ASIDs are shared by all VMs: each (VM, guest ASID) gets a machine ASID on first
 * use (1..255; 0 is never given and tags the empty entries); when they run out the machine
 * TLB is emptied and a new generation starts. A world switch therefore drops only the
 * outgoing VM's global kseg entries; its other entries wait, under their own ASIDs, for the
 * VM to come back. */
#include <stdlib.h>
#include <string.h>

#include "../core/cpu_ops.h"
#include "../core/mmu.h"
#include "../core/stats.h"
#include "../core/vmm.h"
#include "disco.h"
#include "l2tlb.h"
#include "r4k_tlb.h"

#define HW_ENTRIES 64
#define HW_ASIDS 256
#define SLOT_UNKNOWN 0xFF          /* HW_GUEST copy whose guest index was not found */

enum hw_kind { HW_EMPTY, HW_VMM, HW_GUEST, HW_L2 };

/* What the VMM knows of each machine TLB entry. */
struct hw_entry {
    uint8_t kind;                  /* enum hw_kind */
    uint8_t global;                /* G (HW_VMM kseg0/kseg1 entries) */
    uint8_t slot;                  /* HW_GUEST, HW_L2: the guest TLB index it came from */
    uint16_t vm;                   /* owner VM id, 0 for none */
    uint32_t vpn2;
    uint32_t gpfn[2];              /* the guest-physical page of each half (the reverse map
                                    * GPFN -> machine entries), PMAP_NONE if invalid */
};

struct disco {
    struct mmu *hw;                /* the machine's TLB */
    struct hw_entry e[HW_ENTRIES];
    unsigned victim;               /* round-robin replacement of machine entries */
    uint32_t asid_gen;             /* machine ASID generation (from 1) */
    unsigned asid_next;            /* next free machine ASID in it */
    int l2_on;
    unsigned l2_entries;
    struct {
        uint64_t asid_rollovers;   /* machine ASIDs ran out: machine TLB emptied */
        uint64_t asids_assigned;
        uint64_t dropped;          /* machine entries invalidated by the VMM */
        uint64_t rmap_drops;       /* ... because their guest page lost its frame */
        uint64_t rmap_protects;    /* machine entries made read-only (a page became shared) */
    } n;
};

struct disco_vm {
    struct mmu *vtlb;              /* the guest's TLB, as it programmed it */
    struct l2tlb l2;
    uint32_t hw_asid[HW_ASIDS];    /* (generation << 8) | machine ASID of guest ASID i */
    int tlbp_hit;                  /* guest index its last tlbp found, Index unchanged; or -1 */
    int random_read;               /* the guest read Random since its last tlbwr */
    struct {
        uint64_t kseg_fills, useg_fills, tlb_writes, hw_flushes;
        uint64_t l2_lookups, l2_hits, l2_misses;
    } n;
};

static struct disco *D(struct vmm *vmm) { return vmm->be; }
static struct disco_vm *DV(struct vm *vm) { return vm->be; }

static int in_kseg01(uint32_t va) { return va >= 0x80000000u && va < 0xC0000000u; }

/* Writes machine TLB entry idx (4 KiB pages) under machine ASID asid, keeping EntryHi. */
static void hw_write(struct vmm *vmm, unsigned idx, uint32_t hi, uint32_t lo0, uint32_t lo1)
{
    struct cp0 *c = &vmm->cpu->cp0;
    uint32_t saved = c->entryhi;
    c->index = idx;
    c->entryhi = hi;
    c->pagemask = 0;
    c->entrylo0 = lo0;
    c->entrylo1 = lo1;
    D(vmm)->hw->ops->tlb_op(D(vmm)->hw, MMU_TLBWI);
    c->entryhi = saved;
}

/* Empties machine entry i: V=0, a distinct VPN2, machine ASID 0 (never matched). */
static void hw_drop(struct vmm *vmm, unsigned i)
{
    struct disco *d = D(vmm);
    if (d->e[i].kind == HW_EMPTY)
        return;
    hw_write(vmm, i, 0xC0000000u + i * 0x2000u, 0, 0);
    memset(&d->e[i], 0, sizeof(d->e[i]));
    d->n.dropped++;
}

static void hw_drop_all(struct vmm *vmm)
{
    for (unsigned i = 0; i < HW_ENTRIES; i++)
        hw_drop(vmm, i);
}

/* Drops vm's machine entries of a kind (HW_EMPTY: every kind) from guest index slot
 * (-1: any), for page pair vpn2 (1: any), global ones only if only_global. */
static void hw_drop_where(struct vmm *vmm, unsigned vm, int kind, int slot, uint32_t vpn2,
                          int only_global)
{
    struct disco *d = D(vmm);
    for (unsigned i = 0; i < HW_ENTRIES; i++) {
        const struct hw_entry *h = &d->e[i];
        if (h->kind == HW_EMPTY || h->vm != vm || (kind != HW_EMPTY && h->kind != kind) ||
            (slot >= 0 && h->slot != slot) || (vpn2 != 1 && h->vpn2 != vpn2) ||
            (only_global && !h->global))
            continue;
        hw_drop(vmm, i);
    }
}

/* Drops vm's copies of guest entries (HW_GUEST, HW_L2) for any page pair inside the
 * [va, va + bytes) range of a guest entry. */
static void hw_drop_range(struct vmm *vmm, unsigned vm, uint32_t va, uint32_t bytes)
{
    struct disco *d = D(vmm);
    for (unsigned i = 0; i < HW_ENTRIES; i++) {
        const struct hw_entry *h = &d->e[i];
        if ((h->kind == HW_GUEST || h->kind == HW_L2) && h->vm == vm && h->vpn2 - va < bytes)
            hw_drop(vmm, i);
    }
}

/* The machine ASID of guest ASID g of the VM on the CPU; a new generation (machine TLB
 * emptied) when they run out. */
static unsigned hw_asid(struct vmm *vmm, unsigned g)
{
    struct disco *d = D(vmm);
    struct disco_vm *dv = DV(vmm->cur);
    if (dv->hw_asid[g] >> 8 == d->asid_gen)
        return dv->hw_asid[g] & 0xFF;
    if (d->asid_next >= HW_ASIDS) {
        hw_drop_all(vmm);
        d->asid_gen++;
        d->asid_next = 1;
        d->n.asid_rollovers++;
    }
    dv->hw_asid[g] = d->asid_gen << 8 | d->asid_next;
    d->n.asids_assigned++;
    return d->asid_next++;
}

/* A machine EntryLo half: a translation of vm's page gpfn, what the reverse map records. */
struct half {
    uint32_t lo;                   /* machine EntryLo (PFN = MFN, D, V), 0 if invalid */
    uint32_t gpfn;                 /* PMAP_NONE if invalid */
};

/* Installs the machine entry for the even/odd pair of va under the current machine ASID
 * (or global), replacing any entry for the same pair. */
static void hw_fill(struct vmm *vmm, uint32_t va, struct half h0, struct half h1, int global,
                    enum hw_kind kind, unsigned slot)
{
    uint32_t lo0 = h0.lo, lo1 = h1.lo;
    struct disco *d = D(vmm);
    struct cp0 *c = &vmm->cpu->cp0;
    uint32_t hi = (va & ~0x1FFFu) | (c->entryhi & 0xFF);
    uint32_t saved = c->entryhi;
    c->entryhi = hi;
    c->pagemask = 0;
    d->hw->ops->tlb_op(d->hw, MMU_TLBP);
    c->entryhi = saved;
    unsigned idx = (c->index & 0x80000000u) ? d->victim++ % HW_ENTRIES : c->index;
    hw_write(vmm, idx, hi, lo0 | (global ? 1u : 0), lo1 | (global ? 1u : 0));
    d->e[idx] = (struct hw_entry){ .kind = (uint8_t)kind, .vm = (uint16_t)vmm->cur->id,
                                   .global = (uint8_t)(global != 0), .slot = (uint8_t)slot,
                                   .vpn2 = va & ~0x1FFFu,
                                   .gpfn = { lo0 & 2u ? h0.gpfn : PMAP_NONE,
                                             lo1 & 2u ? h1.gpfn : PMAP_NONE } };
}

/* The machine half for vm's guest page gpfn, which the guest may write if guest_d. The
 * page the access is for (mine) is asked of the pmap for that access (a store copies a
 * shared page, brings an evicted one back, backs a fresh one); the other half of the pair
 * is mapped only if that costs no more than it did before machine memory was managed: a
 * page with a frame, or a fresh one (backed, as always), never one the memory manager has
 * moved out (compressed, swapped, ballooned), which stays invalid until touched. D only
 * if the guest allows it and the pmap says the frame may be written. *beyond: gpfn is not
 * the guest's (outside its RAM), or the page could not be had. */
static struct half machine_half(struct vmm *vmm, uint32_t gpfn, int guest_d, int mine, int store,
                                int *beyond)
{
    struct pmap *p = &vmm->cur->pmap;
    struct half h = { 0, PMAP_NONE };
    enum pmap_state st = pmap_state(p, gpfn);
    if (!mine && gpfn < p->npages && st != PMAP_UNTOUCHED && st != PMAP_RESIDENT &&
        st != PMAP_SHARED)
        return h;
    uint32_t mfn = pmap_get(p, gpfn, mine && store ? PMAP_WRITE : PMAP_READ);
    if (mfn == PMAP_NONE) {
        *beyond = 1;
        return h;
    }
    h.lo = (mfn << 6) | (guest_d && pmap_writable(p, gpfn) ? 4u : 0) | 2u;
    h.gpfn = gpfn;
    return h;
}

/* The machine half for guest EntryLo lo (invalid if the guest's is). */
static struct half machine_lo(struct vmm *vmm, uint32_t lo, int mine, int store, int *beyond)
{
    if (!(lo & 2u))
        return (struct half){ 0, PMAP_NONE };
    return machine_half(vmm, (lo >> 6) & 0xFFFFFu, (lo & 4u) != 0, mine, store, beyond);
}

/* The machine half for the guest-physical page of va under the guest's TLB (invalid if
 * the guest's TLB does not map it). */
static struct half guest_lo(struct vmm *vmm, uint32_t va, int mine, int store, int *beyond)
{
    uint32_t gpa, gpa_w;
    struct mmu *vtlb = DV(vmm->cur)->vtlb;
    if (vtlb->ops->translate(vtlb, va, MMU_LOAD, 0, &gpa) != MMU_OK)
        return (struct half){ 0, PMAP_NONE };
    int dirty = vtlb->ops->translate(vtlb, va, MMU_STORE, 0, &gpa_w) == MMU_OK;
    return machine_half(vmm, gpa >> 12, dirty, mine, store, beyond);
}

/* A refill the guest's TLB cannot serve: does the L2 TLB hold a usable entry (valid, and
 * dirty for a store)? Then it goes straight into the machine TLB. Returns 1 if served. */
static int l2_serve(struct vmm *vmm, uint32_t va, int store)
{
    struct vm *vm = vmm->cur;
    struct disco_vm *dv = DV(vm);
    dv->n.l2_lookups++;
    vmm_charge(vmm, COST_l2tlb_lookup, 1);
    const struct l2tlb_entry *e = l2tlb_lookup(&dv->l2, va, vm->v->cp0.entryhi & 0xFF);
    unsigned half = (va >> 12) & 1;
    if (!e || !(e->lo[half] & 2u) || (store && !(e->lo[half] & 4u))) {
        l2tlb_classify_miss(&dv->l2, va, vm->v->cp0.entryhi & 0xFF, e != NULL);
        dv->n.l2_misses++;
        return 0;
    }
    int beyond0 = 0, beyond1 = 0;
    struct half lo0 = machine_lo(vmm, e->lo[0], half == 0, store, &beyond0);
    struct half lo1 = machine_lo(vmm, e->lo[1], half == 1, store, &beyond1);
    if (half ? beyond1 : beyond0) {
        l2tlb_classify_miss(&dv->l2, va, vm->v->cp0.entryhi & 0xFF, 1);
        dv->n.l2_misses++;                  /* the guest's refill path gives the bus error */
        return 0;
    }
    hw_fill(vmm, va, lo0, lo1, 0, HW_L2, e->slot);
    dv->n.l2_hits++;
    vmm_retry(vmm);
    return 1;
}

/* Unmapped for the guest (kseg0/kseg1, useg with ERL): the VMM's own mapping of its
 * guest-physical RAM, both pages of the machine entry's pair. */
static void disco_fault_unmapped(struct vmm *vmm, const struct vmm_fault *f)
{
    struct vm *vm = vmm->cur;
    struct disco_vm *dv = DV(vm);
    uint32_t va = f->va, pair = f->gpa & ~0x1FFFu;
    int odd = (va & 0x1000u) != 0, store = f->access == MMU_STORE, beyond[2] = { 0, 0 };
    struct half h0 = machine_half(vmm, pair >> 12, 1, !odd, store, &beyond[0]);
    struct half h1 = machine_half(vmm, (pair >> 12) + 1, 1, odd, store, &beyond[1]);
    if (beyond[odd]) {
        vmm_access_unbacked(vmm, f->access == MMU_FETCH);
        return;
    }
    hw_fill(vmm, va, h0, h1, in_kseg01(va), HW_VMM, 0);
    dv->n.kseg_fills++;
    vmm_retry(vmm);
}

/* A mapped segment: does the guest's TLB map it? Else the L2 TLB? Else the guest's own
 * refill, invalid or Mod exception. */
static void disco_fault_mapped(struct vmm *vmm, const struct vmm_fault *flt)
{
    struct vm *vm = vmm->cur;
    struct disco_vm *dv = DV(vm);
    const struct cpu_exc *e = flt->e;
    uint32_t va = flt->va, gpa;
    int fetch = flt->access == MMU_FETCH;
    int store = flt->access == MMU_STORE;
    int f = dv->vtlb->ops->translate(dv->vtlb, va, store ? MMU_STORE : MMU_LOAD, 0, &gpa);
    if (f == MMU_REFILL && dv->l2.n && l2_serve(vmm, va, store))
        return;
    if (f != MMU_OK) {
        struct cpu_exc g = { .code = f == MMU_MOD ? EXC_MOD : e->code, .has_badvaddr = 1,
                             .badvaddr = va, .tlb_context = 1, .refill = f == MMU_REFILL };
        vmm_reflect(vmm, &g);
        return;
    }
    int beyond0 = 0, beyond1 = 0, odd = (va & 0x1000u) != 0;
    struct half lo0 = guest_lo(vmm, va & ~0x1000u, !odd, store, &beyond0);
    struct half lo1 = guest_lo(vmm, va | 0x1000u, odd, store, &beyond1);
    if (odd ? beyond1 : beyond0) {
        /* The guest mapped a frame it does not have: a bus error, as on the bare machine. */
        vmm_access_unbacked(vmm, fetch);
        return;
    }
    /* Which guest entry is this (its copy goes when the guest rewrites it)? */
    struct cp0 *vc = &vm->v->cp0;
    uint32_t saved_hi = vc->entryhi, saved_index = vc->index;
    vc->entryhi = (va & ~0x1FFFu) | (saved_hi & 0xFF);
    dv->vtlb->ops->tlb_op(dv->vtlb, MMU_TLBP);
    unsigned slot = (vc->index & 0x80000000u) ? SLOT_UNKNOWN : vc->index;
    vc->entryhi = saved_hi;
    vc->index = saved_index;
    hw_fill(vmm, va, lo0, lo1, 0, HW_GUEST, slot);
    dv->n.useg_fills++;
    vmm_retry(vmm);
}

/* Is the L2 entry for the guest entry at slot (as view shows it) still the live one? */
static int l2_holds(struct disco_vm *dv, const struct r4k_tlb_view *view, unsigned slot)
{
    const struct l2tlb_entry *e =
        l2tlb_lookup(&dv->l2, view->entryhi & ~0x1FFFu, view->g ? L2TLB_GLOBAL : view->entryhi & 0xFF);
    return e && e->slot == slot && (view->g ? e->asid == L2TLB_GLOBAL : 1) &&
           e->vpn2 == (view->entryhi & ~0x1FFFu);
}

/* The guest's tlbwi or tlbwr: the guest's TLB changes exactly as on the bare machine; the
 * machine's copies and the L2 TLB follow the rules at the top of this file. */
static void guest_write(struct vmm *vmm, int op)
{
    struct vm *vm = vmm->cur;
    struct disco_vm *dv = DV(vm);
    struct cpu *v = vm->v;
    unsigned n = v->tlb_entries;
    unsigned idx = op == OP_TLBWI ? (v->cp0.index & 0x7FFFFFFFu) % n : cpu_random(v);
    int l2 = dv->l2.n != 0;
    struct r4k_tlb_view old, new;
    r4k_tlb_peek(dv->vtlb, idx, &old);
    int known = op == OP_TLBWI ? dv->tlbp_hit != (int)idx
                               : dv->random_read || v->cp0.wired + 1 >= n;
    if (l2 && known) {
        l2tlb_flush_slot(&dv->l2, idx);
        hw_drop_where(vmm, vm->id, HW_L2, (int)idx, 1, 0);
    } else if (l2 && op == OP_TLBWI) {
        /* The occupant the guest found by tlbp and now replaces. */
        l2tlb_drop_in_slot(&dv->l2, old.entryhi, old.g ? L2TLB_GLOBAL : old.entryhi & 0xFF, idx);
        hw_drop_where(vmm, vm->id, HW_L2, -1, old.entryhi & ~0x1FFFu, 0);
    }
    /* The copies of the entry replaced: a tlbwr's victim lives on in the L2 TLB. */
    int keep = l2 && !known && op == OP_TLBWR && old.pagemask == 0 && l2_holds(dv, &old, idx);
    struct disco *d = D(vmm);
    for (unsigned i = 0; i < HW_ENTRIES; i++) {
        struct hw_entry *h = &d->e[i];
        if (h->kind != HW_GUEST || h->vm != vm->id || (h->slot != idx && h->slot != SLOT_UNKNOWN))
            continue;
        if (keep && h->slot == idx)
            h->kind = HW_L2;
        else
            hw_drop(vmm, i);
    }
    dv->vtlb->ops->tlb_op(dv->vtlb, op == OP_TLBWI ? MMU_TLBWI : MMU_TLBWR);
    r4k_tlb_peek(dv->vtlb, idx, &new);
    /* Overlapping entries: the lowest index wins (r4k_tlb.c). A copy made from another index
     * for a page the new entry also maps may no longer be what the guest's TLB says: it
     * goes, and the next miss asks the guest's TLB again. */
    uint32_t span = (new.pagemask | 0x1FFFu) + 1;
    hw_drop_range(vmm, vm->id, new.entryhi & ~(span - 1), span);
    if (l2) {
        /* Older copies of the new entry's page from the L2 TLB are out of date now. */
        hw_drop_where(vmm, vm->id, HW_L2, -1, new.entryhi & ~0x1FFFu, 0);
        if (new.pagemask == 0)
            l2tlb_insert(&dv->l2, new.entryhi, new.g ? L2TLB_GLOBAL : new.entryhi & 0xFF, idx,
                         new.lo[0], new.lo[1]);
    }
    if (op == OP_TLBWR)
        dv->random_read = 0;
    dv->n.tlb_writes++;
}

static int disco_priv_op(struct vmm *vmm, const struct dinsn *d)
{
    struct vm *vm = vmm->cur;
    struct disco_vm *dv = DV(vm);
    struct cp0 *vc = &vm->v->cp0;
    switch (d->op) {
    case OP_MFC0:
        if (d->rd == CP0_RANDOM)
            dv->random_read = 1;
        return 0;
    case OP_MTC0:
        if (d->rd == CP0_INDEX)
            dv->tlbp_hit = -1;
        return 0;
    case OP_TLBP:
        dv->vtlb->ops->tlb_op(dv->vtlb, MMU_TLBP);
        if (!(vc->index & 0x80000000u)) {
            dv->tlbp_hit = (int)vc->index;
        } else {
            dv->tlbp_hit = -1;
            if (dv->l2.n) {
                /* A machine copy may outlive its L2 entry (evicted by another key). */
                l2tlb_drop(&dv->l2, vc->entryhi, vc->entryhi & 0xFF);
                hw_drop_where(vmm, vm->id, HW_L2, -1, vc->entryhi & ~0x1FFFu, 0);
            }
        }
        return 1;
    case OP_TLBR: {
        unsigned idx = (vc->index & 0x7FFFFFFFu) % vm->v->tlb_entries;
        dv->vtlb->ops->tlb_op(dv->vtlb, MMU_TLBR);
        if (dv->l2.n) {
            l2tlb_flush_slot(&dv->l2, idx);
            hw_drop_where(vmm, vm->id, HW_L2, (int)idx, 1, 0);
        }
        return 1;
    }
    case OP_TLBWI: case OP_TLBWR:
        guest_write(vmm, d->op);
        return 1;
    default:
        return 0;
    }
}

static void disco_sync(struct vmm *vmm)
{
    struct vm *vm = vmm->cur;
    struct cpu *cpu = vmm->cpu;
    unsigned asid = hw_asid(vmm, vm->v->cp0.entryhi & 0xFF);
    if ((cpu->cp0.entryhi & 0xFF) != asid)
        cpu_cp0_write(cpu, CP0_ENTRYHI, 0, (cpu->cp0.entryhi & ~0xFFu) | asid);
}

/* The guest's segment map changed: the VMM's fills for its unmapped segments go. */
static void disco_seg_changed(struct vmm *vmm, struct vm *vm)
{
    hw_drop_where(vmm, vm->id, HW_EMPTY, -1, 1, 0);
    DV(vm)->n.hw_flushes++;
}

static void disco_switch_out(struct vmm *vmm, struct vm *vm)
{
    /* Global entries match under any ASID: the next VM must not see them. */
    hw_drop_where(vmm, vm->id, HW_EMPTY, -1, 1, 1);
}

static void disco_switch_in(struct vmm *vmm, struct vm *vm)
{
    (void)vmm;
    (void)vm;                       /* the core's sync_hw sets its ASID */
}

/* The machine TLB is the only place where Disco holds machine frames: the L2 TLB and the
 * guest's TLB hold guest-physical frames, mapped through the pmap each time they are used,
 * so a page that moves needs nothing there. The reverse map from a GPFN to the machine
 * entries of it is the entries' gpfn[] (64 entries: a scan is the cheapest index). */
static void disco_unmapped(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t count)
{
    struct disco *d = D(vmm);
    if (gpfn == 0 && count >= vm->pmap.npages) {
        hw_drop_where(vmm, vm->id, HW_EMPTY, -1, 1, 0);
        return;
    }
    for (unsigned i = 0; i < HW_ENTRIES; i++) {
        const struct hw_entry *h = &d->e[i];
        if (h->kind != HW_EMPTY && h->vm == vm->id &&
            (h->gpfn[0] - gpfn < count || h->gpfn[1] - gpfn < count)) {
            hw_drop(vmm, i);
            d->n.rmap_drops++;
        }
    }
}

/* Clears D in every machine half that maps vm's page gpfn (rewriting the entry in place). */
static void disco_protect(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct disco *d = D(vmm);
    for (unsigned i = 0; i < HW_ENTRIES; i++) {
        struct hw_entry *h = &d->e[i];
        if (h->kind == HW_EMPTY || h->vm != vm->id || (h->gpfn[0] != gpfn && h->gpfn[1] != gpfn))
            continue;
        struct r4k_tlb_view w;
        r4k_tlb_peek(d->hw, i, &w);
        uint32_t lo0 = w.lo[0] & ~(h->gpfn[0] == gpfn ? 4u : 0);
        uint32_t lo1 = w.lo[1] & ~(h->gpfn[1] == gpfn ? 4u : 0);
        if (lo0 == w.lo[0] && lo1 == w.lo[1])
            continue;
        hw_write(vmm, i, w.entryhi, lo0 | w.g, lo1 | w.g);
        d->n.rmap_protects++;
    }
}

/* A page the machine TLB maps is in use: the clock leaves it. */
static int disco_referenced(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    const struct disco *d = D(vmm);
    for (unsigned i = 0; i < HW_ENTRIES; i++) {
        const struct hw_entry *h = &d->e[i];
        if (h->kind != HW_EMPTY && h->vm == vm->id && (h->gpfn[0] == gpfn || h->gpfn[1] == gpfn))
            return 1;
    }
    return 0;
}

static int disco_init(struct vmm *vmm, const struct vmm_config *cfg, char *err, size_t errlen)
{
    const struct disco_opts *o = cfg->backend_opts;
    struct disco *d = calloc(1, sizeof(*d));
    unsigned l2_entries = o ? o->l2tlb_entries : L2TLB_DEFAULT_ENTRIES;
    if (!d || !(d->hw = r4k_tlb_new(vmm->cpu, HW_ENTRIES))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (l2_entries < L2TLB_MIN_ENTRIES || l2_entries > L2TLB_MAX_ENTRIES) {
        d->hw->ops->destroy(d->hw);
        free(d);
        snprintf(err, errlen, "L2 TLB entries: from %u to %u", L2TLB_MIN_ENTRIES,
                 L2TLB_MAX_ENTRIES);
        return -1;
    }
    d->l2_on = o ? o->l2tlb : 1;
    d->l2_entries = l2_entries;
    d->asid_gen = 1;
    d->asid_next = 1;
    vmm->be = d;
    vmm->cpu->mmu = d->hw;
    return 0;
}

static void disco_fini(struct vmm *vmm)
{
    struct disco *d = D(vmm);
    if (d->hw)
        d->hw->ops->destroy(d->hw);
    free(d);
    vmm->be = NULL;
}

static int disco_vm_init(struct vmm *vmm, struct vm *vm, const struct vmm_config *cfg)
{
    struct disco_vm *dv = calloc(1, sizeof(*dv));
    if (!dv)
        return -1;
    vm->be = dv;
    dv->tlbp_hit = -1;
    dv->vtlb = r4k_tlb_new(vm->v, cfg->tlb_entries);
    if (!dv->vtlb || (D(vmm)->l2_on && l2tlb_init(&dv->l2, D(vmm)->l2_entries) != 0))
        return -1;
    vm->v->mmu = dv->vtlb;
    return 0;
}

static void disco_vm_fini(struct vmm *vmm, struct vm *vm)
{
    (void)vmm;
    struct disco_vm *dv = DV(vm);
    if (dv->vtlb)
        dv->vtlb->ops->destroy(dv->vtlb);
    vm->v->mmu = NULL;
    l2tlb_free(&dv->l2);
    free(dv);
    vm->be = NULL;
}

static void disco_register_stats(struct vmm *vmm, struct stats *st)
{
    struct disco *d = D(vmm);
    stats_add(st, &d->n.asid_rollovers, "machine.asid.rollovers");
    stats_add(st, &d->n.asids_assigned, "machine.asid.assigned");
    stats_add(st, &d->n.dropped, "machine.tlb.vmm_drops");
    stats_add(st, &d->n.rmap_drops, "machine.tlb.rmap_drops");
    stats_add(st, &d->n.rmap_protects, "machine.tlb.rmap_protects");
}

static void disco_register_vm_stats(struct vmm *vmm, struct vm *vm, struct stats *st,
                                    const char *px)
{
    (void)vmm;
    struct disco_vm *dv = DV(vm);
    stats_add(st, &dv->n.useg_fills, "%s.tlb.vmm_fills_mapped", px);
    stats_add(st, &dv->n.kseg_fills, "%s.tlb.vmm_fills_kseg", px);
    stats_add(st, &dv->n.tlb_writes, "%s.tlb.guest_writes", px);
    stats_add(st, &dv->n.hw_flushes, "%s.tlb.hw_flushes", px);
    stats_add(st, &dv->n.l2_lookups, "%s.l2tlb.lookups", px);
    stats_add(st, &dv->n.l2_hits, "%s.l2tlb.hits", px);
    stats_add(st, &dv->n.l2_misses, "%s.l2tlb.misses", px);
    l2tlb_register_stats(&dv->l2, st, px);
}

static uint64_t disco_vm_resolved(const struct vmm *vmm, const struct vm *vm)
{
    (void)vmm;
    const struct disco_vm *dv = vm->be;
    return dv ? dv->n.useg_fills + dv->n.kseg_fills + dv->n.l2_hits : 0;
}

const struct mmu_backend disco_backend = {
    .name = "disco",
    .mmu = "swtlb",
    .summary = "Disco: the software-managed TLB virtualized (--mmu swtlb)",
    .opts = &disco_cmdline_opts,
    .init = disco_init,
    .fini = disco_fini,
    .vm_init = disco_vm_init,
    .vm_fini = disco_vm_fini,
    .fault_unmapped = disco_fault_unmapped,
    .fault_mapped = disco_fault_mapped,
    .priv_op = disco_priv_op,
    .seg_changed = disco_seg_changed,
    .sync = disco_sync,
    .switch_out = disco_switch_out,
    .switch_in = disco_switch_in,
    .unmapped = disco_unmapped,
    .protect = disco_protect,
    .referenced = disco_referenced,
    .register_stats = disco_register_stats,
    .register_vm_stats = disco_register_vm_stats,
    .vm_resolved = disco_vm_resolved,
};
