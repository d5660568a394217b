/* pages.c - shadow pages (KVM's kvm_mmu_page): made within the VM's budget, found again by
 * guest frame and role, linked into directories, zapped, recycled.
 *
 * Every page is one machine frame (owner tag SH_OWNER(vm), zeroed, page_zero charged) and a
 * host struct. Pages are hashed by gfn; a page's role is (kind, gfn, owner): owner is the
 * directory slot an unshared page was made for, or SH_NONE for a page any root may use
 * (--shadow-opts share, and the VM's kseg pages). The VM never holds more pages than its
 * budget (sh->max_frames): at the budget it recycles its least recently used page other
 * than the current root first (KVM kvm_mmu_zap_oldest_mmu_pages). */
#include <stdlib.h>

#include "sh_int.h"

static uint32_t hash_of(uint32_t gfn)
{
    return (gfn * 2654435761u) >> (32 - 12);
}

static void lru_del(struct sh_vm *s, struct sh_page *sp)
{
    if (sp->lru_prev != SH_NONE)
        s->pages[sp->lru_prev]->lru_next = sp->lru_next;
    else
        s->lru_head = sp->lru_next;
    if (sp->lru_next != SH_NONE)
        s->pages[sp->lru_next]->lru_prev = sp->lru_prev;
    else
        s->lru_tail = sp->lru_prev;
}

static void lru_push(struct sh_vm *s, struct sh_page *sp)
{
    sp->lru_prev = SH_NONE;
    sp->lru_next = s->lru_head;
    if (s->lru_head != SH_NONE)
        s->pages[s->lru_head]->lru_prev = sp->id;
    else
        s->lru_tail = sp->id;
    s->lru_head = sp->id;
}

void sp_touch(struct sh_vm *s, struct sh_page *sp)
{
    if (s->lru_head == sp->id)
        return;
    lru_del(s, sp);
    lru_push(s, sp);
}

/* Frees the least recently used page other than the current root (a root with every
 * page under it that is its alone). Returns 0, or -1 if nothing could be freed. */
static int recycle(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    uint64_t before = s->n.frames;
    for (uint32_t id = s->lru_tail; id != SH_NONE; id = s->pages[id]->lru_prev) {
        if (id != s->cur) {
            sp_zap(vmm, vm, s->pages[id]);
            break;
        }
    }
    s->n.recycled += before - s->n.frames;
    return s->n.frames < before ? 0 : -1;
}

static int grow_ids(struct sh_vm *s)
{
    uint32_t cap = s->npages_cap ? 2 * s->npages_cap : 64;
    if (cap > SH_MAX_PAGES)
        return -1;
    struct sh_page **np = realloc(s->pages, cap * sizeof(*np));
    if (!np)
        return -1;
    for (uint32_t i = s->npages_cap; i < cap; i++)
        np[i] = NULL;
    s->pages = np;
    s->npages_cap = cap;
    return 0;
}

struct sh_page *sp_new(struct vmm *vmm, struct vm *vm, int kind, uint32_t gfn, uint32_t owner)
{
    struct sh_vm *s = SV(vm);
    if (s->n.frames >= S(vmm)->max_frames && recycle(vmm, vm) != 0) {
        s->n.alloc_failed++;
        return NULL;
    }
    /* the lowest free id (deterministic, and ids stay small); none below page_free */
    uint32_t id = s->page_free;
    while (id < s->npages_cap && s->pages[id])
        id++;
    if (id == s->npages_cap && grow_ids(s) != 0) {
        s->n.alloc_failed++;
        return NULL;
    }
    struct sh_page *sp = malloc(sizeof(*sp));
    if (!sp) {
        s->n.alloc_failed++;
        return NULL;
    }
    uint32_t mfn = frames_alloc(&vmm->frames, SH_OWNER(vm));
    if (mfn == FRAMES_NONE) {
        free(sp);
        s->n.alloc_failed++;
        return NULL;
    }
    memset(sp, 0, offsetof(struct sh_page, tgt));
    memset(sp->tgt, 0xFF, sizeof(sp->tgt));  /* next/prev: set when a slot joins a list */
    sp->id = id;
    sp->mfn = mfn;
    sp->gfn = gfn;
    sp->owner = owner;
    sp->kind = (uint8_t)kind;
    sp->parents = SH_NONE;
    s->pages[id] = sp;
    s->page_free = id + 1;
    uint32_t h = hash_of(gfn);
    sp->hash_next = s->hash[h];
    s->hash[h] = id;
    lru_push(s, sp);
    s->n.frames++;
    s->n.frames_allocated++;
    if (s->n.frames > s->n.frames_peak)
        s->n.frames_peak = s->n.frames;
    if (vmm->cur == vm)
        vmm_charge(vmm, COST_page_zero, 1);
    if (kind == SP_TABLE)
        track_inc(vmm, vm, gfn);
    return sp;
}

uint32_t sp_next_of_gfn(const struct sh_vm *s, uint32_t gfn, uint32_t from)
{
    uint32_t id = from == SH_NONE ? s->hash[hash_of(gfn)] : s->pages[from]->hash_next;
    while (id != SH_NONE && s->pages[id]->gfn != gfn)
        id = s->pages[id]->hash_next;
    return id;
}

struct sh_page *sp_find(struct sh_vm *s, int kind, uint32_t gfn, uint32_t owner)
{
    for (uint32_t id = sp_next_of_gfn(s, gfn, SH_NONE); id != SH_NONE; id = sp_next_of_gfn(s, gfn, id)) {
        struct sh_page *sp = s->pages[id];
        if (sp->kind == kind && sp->owner == owner)
            return sp;
    }
    return NULL;
}

/* Returns page sp's frame to the pool and forgets it (its entries and links must be gone). */
static void sp_free(struct vmm *vmm, struct vm *vm, struct sh_page *sp)
{
    struct sh_vm *s = SV(vm);
    uint32_t *p = &s->hash[hash_of(sp->gfn)];
    while (*p != sp->id)
        p = &s->pages[*p]->hash_next;
    *p = sp->hash_next;
    lru_del(s, sp);
    frames_free(&vmm->frames, sp->mfn);
    s->n.frames--;
    s->n.frames_freed++;
    if (sp->kind == SP_TABLE || sp->kind == SP_BIG || sp->kind == SP_DIRECT || sp->kind == SP_VTLB)
        s->n.zapped_pdes++;
    s->pages[sp->id] = NULL;
    if (sp->id < s->page_free)
        s->page_free = sp->id;
    free(sp);
}

void sp_link(struct vmm *vmm, struct vm *vm, struct sh_page *root, uint32_t i,
             struct sh_page *child, uint32_t pde_flags)
{
    struct sh_vm *s = SV(vm);
    if (root->tgt[i] != SH_NONE)
        sp_unlink(vmm, vm, root, i);
    if (child->large)          /* a kseg window mapped by one machine 4 MiB entry */
        sp_entries(vmm, root)[i] = child->large_mfn << 12 | PW_PS | PW_P | PW_RW | PW_A | PW_D |
                                   (sh_opt(s, SHADOW_OPT_KGLOBAL) ? PW_G : 0);
    else
        sp_entries(vmm, root)[i] = child->mfn << 12 | pde_flags;
    root->tgt[i] = child->id;
    root->present++;
    list_add(s, &child->parents, SH_NODE(root->id, i));
    if (++child->nparents > 1 && child->kind == SP_TABLE)
        s->n.shared_links++;
    if ((child->kind == SP_TABLE || child->kind == SP_BIG) && !root->protected_) {
        root->protected_ = 1;
        track_inc(vmm, vm, root->gfn);
    }
}

/* Removes the link from directory slot i of root to its child, without deciding the
 * child's fate. */
static struct sh_page *detach(struct vmm *vmm, struct vm *vm, struct sh_page *root, uint32_t i)
{
    struct sh_vm *s = SV(vm);
    struct sh_page *child = s->pages[root->tgt[i]];
    list_del(s, &child->parents, SH_NODE(root->id, i));
    child->nparents--;
    sp_entries(vmm, root)[i] = 0;
    root->tgt[i] = SH_NONE;
    root->present--;
    return child;
}

void sp_unlink(struct vmm *vmm, struct vm *vm, struct sh_page *root, uint32_t i)
{
    if (root->tgt[i] == SH_NONE)
        return;
    struct sh_page *child = detach(vmm, vm, root, i);
    if (child->nparents == 0 && child->kind != SP_KSEG)
        sp_zap(vmm, vm, child);
}

void sp_zap(struct vmm *vmm, struct vm *vm, struct sh_page *sp)
{
    struct sh_vm *s = SV(vm);
    if (sp->kind == SP_ROOT) {
        for (uint32_t i = 0; i < 1024; i++)
            sp_unlink(vmm, vm, sp, i);
        if (sp->protected_) {
            sp->protected_ = 0;
            track_dec(vmm, vm, sp->gfn);
        }
        root_uncache(s, sp);
        if (s->cur == sp->id)
            s->cur = SH_NONE;
        s->n.roots_dropped++;
        sp_free(vmm, vm, sp);
        return;
    }
    while (sp->parents != SH_NONE) {
        uint32_t p = sp->parents;
        detach(vmm, vm, s->pages[SH_NODE_PAGE(p)], SH_NODE_SLOT(p));
    }
    for (uint32_t i = 0; i < 1024 && sp->present; i++) {
        if (sp->tgt[i] == SH_NONE)
            continue;
        /* a writable kseg entry may outlive its page in the machine TLB (kseg entries are
         * never noted when made, and may be global): write tracking must know its address */
        if (sp->kind == SP_KSEG && (sp_entries(vmm, sp)[i] & PW_RW))
            note_writable(s, sp->tgt[i], (KSEG_FIRST_PDE + sp->gfn) << 22 | i << 12);
        spte_clear(vmm, vm, sp, i);
    }
    if (sp->kind == SP_TABLE) {
        if (sp->unsync)
            oos_forget(s, sp);
        else
            track_dec(vmm, vm, sp->gfn);
    }
    if (sp->kind == SP_KSEG) {
        if (sp->large)
            kseg_large_gone(vmm, vm, sp);
        s->kseg[sp->gfn] = SH_NONE;
    }
    sp_free(vmm, vm, sp);
}

void sp_zap_all(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    for (uint32_t id = 0; id < s->npages_cap; id++)
        if (s->pages[id] && s->pages[id]->kind == SP_ROOT)
            sp_zap(vmm, vm, s->pages[id]);
    for (uint32_t id = 0; id < s->npages_cap; id++)
        if (s->pages[id])
            sp_zap(vmm, vm, s->pages[id]);
    s->cur = SH_NONE;
}
