/* vtlb.c - the exact guest TLB (--shadow-opts exact): beyond KVM and Xen, whose shadows
 * are caches of the guest's page tables and so are looser than the hardware TLB they
 * stand for.
 *
 * The VM keeps a model of its TLB with the guest's geometry — the same code as the
 * machine's TLB (pagewalk/tlb.h): same sets, ways, lookup order, round-robin replacement,
 * D re-walks, fault invalidation. The shadow holds exactly the model's entries and nothing
 * else (a single root: the guest's PTBase selects no shadow, its writes flush the model's
 * non-global entries as natively): every access the native TLB would miss misses the
 * shadow too and reaches the VMM, which walks the guest's tables at that moment (A/D set
 * as natively) and fills the model; an access the native TLB would serve is served by the
 * machine from the shadow, or, if the VMM dropped that shadow entry meanwhile (recycling,
 * a segment-map change, a world switch), rebuilt from the model without a walk. When the
 * model drops an entry (eviction, InvlPg, PTBase write, a fault) its shadow entries and
 * the machine's copies go at once. So stale entries behave as on the native machine: a
 * PTE upgraded without InvlPg still faults once through the old entry, one downgraded
 * keeps allowing writes until it is flushed, and the A/D bits are set at the same points.
 * Guest page tables are never write-protected in this mode: the native TLB does not watch
 * them either. The machine's own TLB (same geometry) is a cache of the shadow that also
 * holds the VMM's kseg entries; its evictions cost machine walks, never guest-visible
 * effects. */
#include <stdlib.h>

#include "../core/pmap.h"
#include "../pagewalk/tlb.h"
#include "sh_int.h"

struct sh_vtlb {
    struct pw_tlb t;
    struct vmm *vmm;
    struct vm *vm;
};

static int big_bit(const struct sh_page *sp, uint32_t i)
{
    return (sp->big_bits[i / 32] >> (i % 32)) & 1;
}

/* The model dropped entry e: its shadow entries go, and whatever the machine TLB holds of
 * its range. */
static void vtlb_dropped(void *ctx, const struct pw_tlb_entry *e)
{
    struct sh_vtlb *v = ctx;
    struct sh_vm *s = SV(v->vm);
    struct sh_page *root = sh_root(s);
    uint32_t slot = e->va >> 22;
    if (root && root->tgt[slot] != SH_NONE && s->pages[root->tgt[slot]]->kind == SP_VTLB) {
        struct sh_page *sp = s->pages[root->tgt[slot]];
        if (e->big) {
            for (uint32_t j = 0; j < 1024 && sp->present; j++)
                if (sp->tgt[j] != SH_NONE && big_bit(sp, j))
                    spte_clear(v->vmm, v->vm, sp, j);
        } else {
            uint32_t j = (e->va >> 12) & 1023;
            if (sp->tgt[j] != SH_NONE && !big_bit(sp, j))
                spte_clear(v->vmm, v->vm, sp, j);
        }
    }
    if (v->vmm->cur == v->vm) {
        if (e->big)
            pw_mmu_invalidate_range(S(v->vmm)->hw, e->va, PW_PAGE_4M_BYTES);
        else
            sh_hw_invlpg(v->vmm, e->va);
    }
}

int vtlb_init(struct vm *vm, const struct pw_config *geom)
{
    struct sh_vm *s = SV(vm);
    struct sh_vtlb *v = calloc(1, sizeof(*v));
    if (!v || pw_tlb_init(&v->t, geom, vtlb_dropped, v) != 0) {
        free(v);
        return -1;
    }
    v->vm = vm;
    v->vmm = vm->owner;
    s->vtlb = v;
    return 0;
}

void vtlb_free(struct sh_vm *s)
{
    if (!s->vtlb)
        return;
    pw_tlb_free(&s->vtlb->t);
    free(s->vtlb);
    s->vtlb = NULL;
}

/* Makes the shadow entry for va from model entry e and retries; a frame without RAM is
 * a device access or a bus error. */
static void build(struct vmm *vmm, struct vm *vm, uint32_t va, const struct pw_tlb_entry *e,
                  int fetch)
{
    struct sh_vm *s = SV(vm);
    struct sh_page *root = sh_root(s), *sp;
    uint32_t gpfn = (e->pa | (va & (pw_tlb_entry_bytes(e) - 1))) >> 12;
    uint32_t mfn = pmap_fill(&vm->pmap, gpfn), slot = va >> 22, j = (va >> 12) & 1023;
    if (mfn == PMAP_NONE) {
        vmm_access_unbacked(vmm, fetch);
        return;
    }
    uint32_t c = root->tgt[slot];
    if (c != SH_NONE && s->pages[c]->kind == SP_VTLB) {
        sp = s->pages[c];
    } else {
        sp_unlink(vmm, vm, root, slot);
        if (!(sp = sp_new(vmm, vm, SP_VTLB, SH_NONE, SH_NODE(root->id, slot)))) {
            out_of_frames(vmm);
            return;
        }
        memset(sp->big_bits, 0, sizeof(sp->big_bits));
        sp_link(vmm, vm, root, slot, sp, SH_PDE);
    }
    sp_touch(s, sp);
    uint32_t spte = mfn << 12 | SH_PTE | (e->rw && e->dirty ? PW_RW : 0) | (e->us ? PW_US : 0) |
                    (e->global ? PW_G : 0);
    spte_set(vmm, vm, sp, j, spte, gpfn);
    if (e->big)
        sp->big_bits[j / 32] |= 1u << (j % 32);
    else
        sp->big_bits[j / 32] &= ~(1u << (j % 32));
    vmm_retry(vmm);
}

void vtlb_fault(struct vmm *vmm, struct vm *vm, uint32_t va, int access, int user, int store, int fetch)
{
    struct sh_vm *s = SV(vm);
    struct pw_tlb *t = &s->vtlb->t;
    struct pw_tlb_entry *e;
    enum shadow_fault f;
    switch (pw_tlb_lookup(t, va, store, user, &e)) {
    case PW_TLB_HIT:
        /* the native TLB would serve it: the shadow entry was dropped meanwhile */
        s->n.vtlb_hits++;
        build(vmm, vm, va, e, fetch);
        return;
    case PW_TLB_FAULT:
        /* a stale entry refuses the access, as natively: fault, entry gone */
        f = SHADOW_PROTECTION;
        pw_tlb_invalidate_va(t, va);
        goto reflect;
    case PW_TLB_WALK:
        break;
    }
    struct shadow_walk w;
    f = guest_walk(vmm, vm, va, access, user, &w);
    if (f != SHADOW_OK) {
        pw_tlb_walked(t, va, e, NULL);
        goto reflect;
    }
    uint32_t rights = w.big ? w.leaf : w.pde & w.leaf;
    struct pw_tlb_entry n = {
        .va = va & (w.big ? PW_FRAME_4M : PW_FRAME_4K),
        .pa = w.leaf & (w.big ? PW_FRAME_4M : PW_FRAME_4K),
        .big = (uint8_t)w.big,
        .global = (w.leaf & PW_G) != 0,
        .rw = (rights & PW_RW) != 0,
        .us = (rights & PW_US) != 0,
        .dirty = (w.leaf & PW_D) != 0,
    };
    uint64_t evicted = t->evictions;
    struct pw_tlb_entry *filled = pw_tlb_walked(t, va, e, &n);
    s->n.vtlb_evictions += t->evictions - evicted;
    s->n.vtlb_fills += filled != e;
    build(vmm, vm, va, filled, fetch);
    return;
reflect:
    /* The guest's own page fault, with the PFErr its walker would give. */
    s->model->pferr = shadow_pferr(f, access, user);
    s->n.faults_reflected++;
    struct cpu_exc g = { .code = store ? EXC_TLBS : EXC_TLBL, .has_badvaddr = 1, .badvaddr = va };
    vmm_reflect(vmm, &g);
}

void vtlb_invlpg(struct vmm *vmm, struct vm *vm, uint32_t va)
{
    pw_tlb_invalidate_va(&SV(vm)->vtlb->t, va);
    sh_hw_invlpg(vmm, va);
}

void vtlb_flush(struct vmm *vmm, struct vm *vm, int keep_global)
{
    (void)vmm;
    SV(vm)->n.vtlb_flushes++;
    pw_tlb_flush(&SV(vm)->vtlb->t, keep_global, 1);
}

int vtlb_probe(struct sh_vm *s, uint32_t va, int store, int user, uint32_t *pa)
{
    struct pw_tlb_entry *e;
    if (!s->vtlb || pw_tlb_lookup(&s->vtlb->t, va, store, user, &e) != PW_TLB_HIT)
        return -1;
    *pa = e->pa | (va & (pw_tlb_entry_bytes(e) - 1));
    return 0;
}

int vtlb_expected(struct sh_vm *s, const struct sh_page *sp, uint32_t i, uint32_t *leaf,
                  uint32_t *gpfn)
{
    if (!s->vtlb || sp->parents == SH_NONE)
        return 0;
    uint32_t va = node_va(sp->parents, SH_NODE(sp->id, i));
    const struct pw_tlb_entry *e = pw_tlb_find_size(&s->vtlb->t, va, big_bit(sp, i));
    if (!e)
        return 0;
    *gpfn = (e->pa | (va & (pw_tlb_entry_bytes(e) - 1))) >> 12;
    *leaf = *gpfn << 12 | PW_P | PW_A | (e->rw ? PW_RW : 0) | (e->dirty ? PW_D : 0) |
            (e->us ? PW_US : 0) | (e->global ? PW_G : 0);
    return 1;
}
