/* roots.c - the root cache (one shadow page directory per guest directory), PTBase
 * switches, and the machine's PTBase.
 *
 * Two policies (--shadow-opts mru, --shadow-roots N):
 *  - LRU (default, N = 32): up to N roots; a switch to a directory without one makes one,
 *    dropping the least recently used root (and every table that was its alone).
 *  - MRU (KVM): the current root and the N - 1 previous ones, most recent first
 *    (KVM_MMU_NUM_PREV_ROOTS = 3); a root that falls out of the cache is not dropped but
 *    kept as an ordinary shadow page, found again by its guest directory (root_reused)
 *    until the budget recycles it or the guest writes to it.
 * A new root gets the VM's kseg pages in its kseg0/kseg1 slots at once. */
#include <stdlib.h>

#include "sh_int.h"

struct sh_page *sh_root(struct sh_vm *s)
{
    return s->cur == SH_NONE ? NULL : s->pages[s->cur];
}

void root_uncache(struct sh_vm *s, struct sh_page *root)
{
    if (!root->pinned)
        return;
    for (unsigned i = 0; i < s->ncache; i++) {
        if (s->cache[i] == root->id) {
            memmove(&s->cache[i], &s->cache[i + 1], (s->ncache - i - 1) * sizeof(*s->cache));
            s->ncache--;
            break;
        }
    }
    root->pinned = 0;
}

/* Puts root at the front of the cache (MRU order); the root that falls off the end is
 * unpinned and kept as a page. */
static void cache_front(struct sh_vm *s, struct sh_page *root)
{
    root_uncache(s, root);
    if (s->ncache == s->roots_max) {
        s->pages[s->cache[s->ncache - 1]]->pinned = 0;
        s->ncache--;
    }
    memmove(&s->cache[1], &s->cache[0], s->ncache * sizeof(*s->cache));
    s->cache[0] = root->id;
    s->ncache++;
    root->pinned = 1;
}

/* The root of guest directory gfn: cached, kept (MRU), or made. Returns it, or NULL when
 * machine memory ran out; *hit says it was cached. */
static struct sh_page *root_get(struct vmm *vmm, struct vm *vm, uint32_t gfn, int *hit)
{
    struct sh_vm *s = SV(vm);
    int mru = sh_opt(s, SHADOW_OPT_MRU);
    *hit = 0;
    for (unsigned i = 0; i < s->ncache; i++) {
        struct sh_page *r = s->pages[s->cache[i]];
        if (r->gfn == gfn) {
            *hit = 1;
            if (mru)
                cache_front(s, r);
            return r;
        }
    }
    if (mru) {
        struct sh_page *r = sp_find(s, SP_ROOT, gfn, SH_NONE);
        if (r) {
            s->n.root_reused++;
            cache_front(s, r);
            return r;
        }
    } else if (s->ncache == s->roots_max) {
        struct sh_page *victim = NULL;
        for (unsigned i = 0; i < s->ncache; i++) {
            struct sh_page *r = s->pages[s->cache[i]];
            if (!victim || r->last_use < victim->last_use)
                victim = r;
        }
        sp_zap(vmm, vm, victim);
    }
    struct sh_page *r = sp_new(vmm, vm, SP_ROOT, gfn, SH_NONE);
    if (!r)
        return NULL;
    r->last_use = s->clock;
    for (uint32_t k = 0; k < KSEG_PDES; k++)
        if (s->kseg[k] != SH_NONE)
            sp_link(vmm, vm, r, KSEG_FIRST_PDE + k, s->pages[s->kseg[k]], SH_PDE);
    if (mru) {
        cache_front(s, r);
    } else {
        s->cache[s->ncache++] = r->id;
        r->pinned = 1;
    }
    s->n.roots_created++;
    return r;
}

void load_empty_root(struct vmm *vmm)
{
    struct mmu *hw = S(vmm)->hw;
    hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_PTBASE, S(vmm)->empty_root << 12);
}

int load_root(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    uint32_t gfn = sh_opt(s, SHADOW_OPT_EXACT) ? SH_EXACT_ROOT : s->model->ptbase >> 12;
    if (s->cur == SH_NONE || s->pages[s->cur]->gfn != gfn) {
        int hit;
        struct sh_page *r = root_get(vmm, vm, gfn, &hit);
        if (!r)
            return -1;
        s->cur = r->id;
    }
    struct sh_page *r = s->pages[s->cur];
    r->last_use = ++s->clock;
    struct mmu *hw = S(vmm)->hw;
    uint32_t want = r->mfn << 12, have = 0;
    hw->ops->cp0_read(hw, PW_CP0_REG, PW_SEL_PTBASE, &have);
    if (have != want)
        hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_PTBASE, want);
    return 0;
}

int root_switch(struct vmm *vmm, struct vm *vm, uint32_t gfn)
{
    struct sh_vm *s = SV(vm);
    if (sh_opt(s, SHADOW_OPT_EXACT))
        gfn = SH_EXACT_ROOT;          /* one root: its entries are the guest TLB's */
    s->n.root_switches++;
    int hit;
    struct sh_page *r = root_get(vmm, vm, gfn, &hit);
    if (!r)
        return -1;
    s->n.root_hits += hit;
    s->cur = r->id;
    r->last_use = ++s->clock;
    struct mmu *hw = S(vmm)->hw;
    hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_PTBASE, r->mfn << 12);
    return 0;
}

void root_zap_guest(struct vmm *vmm, struct vm *vm, struct sh_page *root)
{
    for (uint32_t i = 0; i < 1024; i++)
        if (root->tgt[i] != SH_NONE && SV(vm)->pages[root->tgt[i]]->kind != SP_KSEG)
            sp_unlink(vmm, vm, root, i);
    if (root->protected_) {
        root->protected_ = 0;
        track_dec(vmm, vm, root->gfn);
    }
}

void out_of_frames(struct vmm *vmm)
{
    fprintf(stderr, "tlbvisor: vm%u: no machine frame left for shadow page tables\n",
            vmm->cur->id);
    cpu_request_stop(vmm->cpu, CPU_STOP_HANG, 0);
}
