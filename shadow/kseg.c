/* kseg.c - the guest's kseg0/kseg1 windows: unmapped for the guest, mapped for the machine
 * (the deprivileged guest kernel reaches them through SegCtl, docs/vmm.md) onto its RAM by
 * the VM's kseg pages, which every root of the VM shares.
 *
 * Two options make the kernel's own window cheaper for the machine:
 *  - kglobal: kseg entries are global, so the machine's PTBase writes (the guest's address
 *    space switches) do not flush them (spte.c);
 *  - klarge: a window whose guest-physical 4 MiB extent is one machine-contiguous, aligned
 *    run of frames, every page backed and none of them a page table, is mapped by one
 *    machine 4 MiB entry (a large kseg page: no table of its own, the root's directory
 *    entry is PS). The VM's RAM is then placed in extents (pmap_use_extents). When a frame
 *    inside becomes a page table the large mapping is split — dropped, and the machine TLB
 *    forgets its 4 MiB; the window is then filled page by page again (read-only where a
 *    table is) and made large again at a kseg fill once no frame of it is tracked. */
#include "../core/pmap.h"
#include "sh_int.h"

/* The kseg windows (kseg0 and kseg1) that show guest-physical extent e. */
static uint32_t window_of(uint32_t e, int kseg1)
{
    return e + (kseg1 ? 128u : 0u);
}

void kseg_large_gone(struct vmm *vmm, struct vm *vm, struct sh_page *sp)
{
    (void)vm;
    if (vmm->cur == vm)
        pw_mmu_invalidate_range(S(vmm)->hw, (KSEG_FIRST_PDE + sp->gfn) << 22, 1u << 22);
}

void kseg_tracked(struct vmm *vmm, struct vm *vm, uint32_t gpfn, int delta)
{
    struct sh_vm *s = SV(vm);
    if (!s->ext_tracked)
        return;
    uint32_t e = gpfn / PMAP_EXTENT_PAGES;
    s->ext_tracked[e] += (uint32_t)delta;
    if (delta <= 0)
        return;
    for (int k1 = 0; k1 < 2; k1++) {
        uint32_t k = window_of(e, k1);
        if (k < KSEG_PDES && s->kseg[k] != SH_NONE && s->pages[s->kseg[k]]->large) {
            sp_zap(vmm, vm, s->pages[s->kseg[k]]);
            s->n.kseg_splits++;
        }
    }
}

void kseg_backed(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    uint32_t e = gpfn / PMAP_EXTENT_PAGES;
    if (!sh_opt(s, SHADOW_OPT_KLARGE) || s->ext_tracked[e] ||
        pmap_extent_mfn(&vm->pmap, e) == PMAP_NONE)
        return;
    /* the extent is whole now: its 4 KiB kseg pages give way to large ones (made at the
     * next kseg access of each window) */
    for (int k1 = 0; k1 < 2; k1++) {
        uint32_t k = window_of(e, k1);
        if (k < KSEG_PDES && s->kseg[k] != SH_NONE && !s->pages[s->kseg[k]]->large)
            sp_zap(vmm, vm, s->pages[s->kseg[k]]);
    }
}

struct sh_page *kseg_page(struct vmm *vmm, struct vm *vm, uint32_t k, uint32_t e)
{
    struct sh_vm *s = SV(vm);
    struct sh_page *sp = s->kseg[k] != SH_NONE ? s->pages[s->kseg[k]] : NULL;
    uint32_t run = sh_opt(s, SHADOW_OPT_KLARGE) && s->ext_tracked && !s->ext_tracked[e]
                   ? pmap_extent_mfn(&vm->pmap, e) : PMAP_NONE;
    if (sp && (sp->large || run == PMAP_NONE))
        return sp;
    if (sp)
        sp_zap(vmm, vm, sp);          /* promoted: its 4 KiB entries give way */
    if (!(sp = sp_new(vmm, vm, SP_KSEG, k, SH_NONE)))
        return NULL;
    if (run != PMAP_NONE) {
        sp->large = 1;
        sp->large_mfn = run;
        s->n.kseg_large++;
    }
    s->kseg[k] = sp->id;
    return sp;
}
