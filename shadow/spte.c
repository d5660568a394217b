/* spte.c - every shadow entry is built here (KVM's make_spte) and written or cleared here,
 * so that the reverse map and the counts of present entries cannot drift from the frames
 * the machine walks.
 *
 * A shadow PTE carries A and D preset (the machine's walker never writes a shadow table),
 * G and US from the guest's leaf, and RW only if the guest allows the write, the page is
 * dirty in the guest's table (a clean page is mapped read-only so that its first store
 * faults and sets D, as natively), and the page is not a page table (write tracking). */
#include "../core/pmap.h"
#include "sh_int.h"

uint32_t make_spte(const struct sh_vm *s, uint32_t mfn, uint32_t gpfn, uint32_t leaf, int vmm_map)
{
    int tracked = is_tracked(s, gpfn);
    if (vmm_map) {
        /* kseg0/kseg1 (vmm_map 2) or another guest-unmapped range (1): the guest's RAM as
         * is, read-only where it holds a page table */
        uint32_t g = vmm_map == 2 && sh_opt(s, SHADOW_OPT_KGLOBAL) ? PW_G : 0;
        return mfn << 12 | SH_PTE | (tracked ? 0 : PW_RW) | g;
    }
    int writable = (leaf & PW_RW) && (leaf & PW_D) && !tracked;
    return mfn << 12 | SH_PTE | (writable ? PW_RW : 0) | (leaf & (PW_US | PW_G));
}

void spte_set(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i, uint32_t spte,
              uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    uint32_t node = SH_NODE(sp->id, i);
    if (sp->tgt[i] != SH_NONE)
        rmap_del(s, sp->tgt[i], node);
    else
        sp->present++;
    sp_entries(vmm, sp)[i] = spte;
    sp->tgt[i] = gpfn;
    rmap_add(s, gpfn, node);
}

void spte_clear(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i)
{
    if (sp->tgt[i] == SH_NONE)
        return;
    rmap_del(SV(vm), sp->tgt[i], SH_NODE(sp->id, i));
    sp->tgt[i] = SH_NONE;
    sp_entries(vmm, sp)[i] = 0;
    sp->present--;
}

void spte_each_va(struct vm *vm, const struct sh_page *sp, uint32_t i, void (*fn)(void *, uint32_t),
                  void *ctx)
{
    struct sh_vm *s = SV(vm);
    if (sp->kind == SP_KSEG) {
        fn(ctx, (KSEG_FIRST_PDE + sp->gfn) << 22 | i << 12);
        return;
    }
    for (uint32_t p = sp->parents; p != SH_NONE; p = list_next(s, p))
        fn(ctx, node_va(p, SH_NODE(sp->id, i)));
}

uint32_t spte_from_gpte(struct vm *vm, uint32_t gpte, uint32_t *gpfn)
{
    if ((gpte & (PW_P | PW_A)) != (PW_P | PW_A))
        return 0;
    *gpfn = gpte >> 12;
    uint32_t mfn = pmap_lookup(&vm->pmap, *gpfn);
    return mfn == PMAP_NONE ? 0 : make_spte(SV(vm), mfn, *gpfn, gpte, 0);
}

struct wva_note {
    struct sh_vm *s;
    uint32_t gpfn;
};

static void note_cb(void *ctx, uint32_t va)
{
    struct wva_note *n = ctx;
    note_writable(n->s, n->gpfn, va);
}

void spte_set_noted(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i, uint32_t spte,
                    uint32_t gpfn)
{
    spte_set(vmm, vm, sp, i, spte, gpfn);
    if ((spte & PW_RW) && sp->kind != SP_KSEG) {
        struct wva_note n = { SV(vm), gpfn };
        spte_each_va(vm, sp, i, note_cb, &n);
    }
}

void spte_propagate(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i, uint32_t gpte)
{
    struct sh_vm *s = SV(vm);
    uint32_t gpfn, spte;
    if (sh_opt(s, SHADOW_OPT_UPDATE) && (spte = spte_from_gpte(vm, gpte, &gpfn)) != 0) {
        spte_set_noted(vmm, vm, sp, i, spte, gpfn);
        s->n.updated++;
        return;
    }
    if (sp->tgt[i] != SH_NONE) {
        spte_clear(vmm, vm, sp, i);
        s->n.zapped++;
    }
}
