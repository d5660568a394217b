/* page_track.c - write tracking (KVM page_track.c): which guest frames are page tables the
 * shadow depends on, and their write protection.
 *
 * A guest frame is tracked while at least one in-sync shadow page was made from it (a root
 * whose guest PDEs are in use, a shadow of it as a page table). From the moment it becomes
 * tracked, no shadow entry maps it writable: every entry on its reverse map loses RW, and
 * the machine TLB forgets the addresses they were writable at. A machine TLB entry can
 * also outlive its shadow entry (a guest-global entry survives root switches; the machine
 * TLB is left alone when a shadow entry is zapped, as a native TLB is when a PTE changes),
 * so the frame also remembers the one address a writable entry was ever made for (wva), or
 * that there were several: then the machine TLB is emptied. When the frame stops being
 * tracked its entries become writable again lazily (the next store faults and the entry
 * is rebuilt: KVM and Xen do so), or with --shadow-opts unprotect at once, through the
 * reverse map (entries whose guest PTE allows it). */
#include "sh_int.h"

int is_tracked(const struct sh_vm *s, uint32_t gpfn)
{
    return gpfn < s->npages && s->track[gpfn] != 0;
}

void note_writable(struct sh_vm *s, uint32_t gpfn, uint32_t va)
{
    if (gpfn >= s->npages)
        return;
    va &= PW_FRAME_4K;
    if (s->wva[gpfn] == SH_NONE)
        s->wva[gpfn] = va;
    else if (s->wva[gpfn] != va)
        s->wva[gpfn] = SH_MANY_VAS;
}

struct wva_ctx {
    struct sh_vm *s;
    uint32_t gpfn;
};

static void note_writable_cb(void *ctx, uint32_t va)
{
    struct wva_ctx *w = ctx;
    note_writable(w->s, w->gpfn, va);
}

struct prot_ctx {
    struct vmm *vmm;
    struct vm *vm;
    int set_rw;                /* 1: make writable again (unprotect) */
};

static void invlpg_cb(void *ctx, uint32_t va)
{
    sh_hw_invlpg(ctx, va);
}

static void downgrade(void *ctx, uint32_t node)
{
    struct prot_ctx *c = ctx;
    struct sh_vm *s = SV(c->vm);
    struct sh_page *sp = s->pages[SH_NODE_PAGE(node)];
    uint32_t i = SH_NODE_SLOT(node), *e = &sp_entries(c->vmm, sp)[i];
    if (!(*e & PW_RW))
        return;
    *e &= ~PW_RW;
    spte_each_va(c->vm, sp, i, invlpg_cb, c->vmm);
    s->n.write_protects++;
}

/* Guest frame gpfn has just become tracked: every shadow entry mapping it becomes
 * read-only, and its machine TLB entries go. */
static void protect(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    if (pmap_lookup(&vm->pmap, gpfn) == PMAP_NONE)
        return;
    struct prot_ctx c = { vmm, vm, 0 };
    rmap_each(s, gpfn, downgrade, &c);
    uint32_t wva = s->wva[gpfn];
    if (wva == SH_NONE)
        return;
    s->wva[gpfn] = SH_NONE;
    s->n.protect_scans++;
    if (wva == SH_MANY_VAS) {
        sh_hw_flush_all(vmm);
        s->n.protect_flushes++;
    } else {
        sh_hw_invlpg(vmm, wva);
    }
}

/* The entry at node maps a frame that is no longer tracked: RW again where the guest's
 * own entry allows it (kseg and direct maps always; a guest PTE if RW and D). */
static void upgrade(void *ctx, uint32_t node)
{
    struct prot_ctx *c = ctx;
    struct sh_vm *s = SV(c->vm);
    struct sh_page *sp = s->pages[SH_NODE_PAGE(node)];
    uint32_t i = SH_NODE_SLOT(node), *e = &sp_entries(c->vmm, sp)[i];
    if (*e & PW_RW)
        return;
    if (sp->kind == SP_KSEG || sp->kind == SP_DIRECT) {
        *e |= PW_RW;
    } else if (sp->kind == SP_TABLE && !sp->unsync) {
        uint32_t gpte = 0;
        pmap_read(&c->vm->pmap, (sp->gfn << 12) | i << 2, &gpte, 4);
        if (!(gpte & PW_RW) || !(gpte & PW_D) || (gpte & PW_FRAME_4K) >> 12 != sp->tgt[i])
            return;
        *e |= PW_RW;
    } else {
        return;
    }
    if (sp->kind != SP_KSEG) {
        struct wva_ctx w = { s, sp->tgt[i] };
        spte_each_va(c->vm, sp, i, note_writable_cb, &w);
    }
    /* the machine TLB may hold the read-only entry: it must walk again to see RW */
    spte_each_va(c->vm, sp, i, invlpg_cb, c->vmm);
    s->n.unprotects++;
}

void track_inc(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    if (gpfn >= s->npages)
        return;
    if (s->track[gpfn] == 0) {
        /* an out-of-sync shadow of the frame is brought back first: it is tracked again
         * (and protects the frame) before this new use counts */
        for (uint32_t id = sp_next_of_gfn(s, gpfn, SH_NONE); id != SH_NONE;
             id = sp_next_of_gfn(s, gpfn, id))
            if (s->pages[id]->unsync)
                oos_resync_page(vmm, vm, s->pages[id]);
    }
    if (s->track[gpfn]++ == 0) {
        s->ntracked++;
        kseg_tracked(vmm, vm, gpfn, +1);
        protect(vmm, vm, gpfn);
    }
}

void track_dec(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    if (gpfn >= s->npages || --s->track[gpfn] != 0)
        return;
    s->ntracked--;
    kseg_tracked(vmm, vm, gpfn, -1);
    if (sh_opt(s, SHADOW_OPT_UNPROTECT)) {
        struct prot_ctx c = { vmm, vm, 1 };
        rmap_each(s, gpfn, upgrade, &c);
    }
}
