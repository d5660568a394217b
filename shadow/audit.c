/* audit.c - --shadow-audit (Xen's sh_audit_*): after every exit the back end handled, every
 * shadow entry of the VM is checked against the guest's tables, the pmap and the back
 * end's own bookkeeping. A disagreement is printed (the first few) and stops the VM: it is
 * a VMM bug. The audit changes nothing; it is for tests and debugging, and slow.
 *
 * What must hold:
 *  - every shadow page's frame is the VM's; its count of present slots is right;
 *  - a leaf entry maps the machine frame the pmap gives its guest frame, is on that frame's
 *    reverse map, and is never writable while the frame is tracked;
 *  - an entry of an in-sync table agrees with the guest's PTE (present, accessed, same
 *    frame, same US and G, writable only if the PTE is RW and dirty); an out-of-sync
 *    table's entries agree with its snapshot; a split 4 MiB page's with its guest PDE; an
 *    exact-mode entry with the guest TLB's entry for its address (vtlb.c);
 *    kseg and direct entries map the guest RAM of their address;
 *  - a directory slot points at a live page that lists it among its parents, with the
 *    guest PDE's rights for a table; a root with guest-derived tables has its directory
 *    tracked;
 *  - each frame's tracking count is the number of its in-sync shadows. */
#include <stdarg.h>
#include <stdlib.h>

#include "../core/pmap.h"
#include "sh_int.h"

#define AUDIT_MAX_REPORTS 8

struct audit {
    struct vmm *vmm;
    struct vm *vm;
    const char *where;
    unsigned bad;
};

static void report(struct audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct audit *a, const char *fmt, ...)
{
    if (a->bad++ < AUDIT_MAX_REPORTS) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "tlbvisor: vm%u: shadow audit after %s: ", a->vm->id, a->where);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
}

static uint32_t guest_word(struct vm *vm, uint32_t gfn, uint32_t i)
{
    uint32_t v = 0;
    pmap_read(&vm->pmap, gfn << 12 | i << 2, &v, 4);
    return v;
}

/* The guest leaf that slot i of leaf page sp stands for, and the frame it must map;
 * returns 0 if there is none to compare with (the entry is then wrong). */
static int expected(struct audit *a, const struct sh_page *sp, uint32_t i, uint32_t *leaf,
                    uint32_t *gpfn)
{
    struct sh_vm *s = SV(a->vm);
    switch (sp->kind) {
    case SP_TABLE:
        if (sp->unsync) {
            for (unsigned k = 0; k < s->oos_max; k++)
                if (s->oos[k].page == sp->id)
                    *leaf = s->oos[k].snap[i];
        } else {
            *leaf = guest_word(a->vm, sp->gfn, i);
        }
        *gpfn = *leaf >> 12;
        return (*leaf & (PW_P | PW_A)) == (PW_P | PW_A);
    case SP_BIG: {
        if (sp->parents == SH_NONE)
            return 0;
        const struct sh_page *root = s->pages[SH_NODE_PAGE(sp->parents)];
        *leaf = guest_word(a->vm, root->gfn, SH_NODE_SLOT(sp->parents));
        *gpfn = (*leaf & PW_FRAME_4M) >> 12 | i;
        return (*leaf & (PW_P | PW_A | PW_PS)) == (PW_P | PW_A | PW_PS);
    }
    case SP_VTLB:
        return vtlb_expected(s, sp, i, leaf, gpfn);
    case SP_KSEG:
        *leaf = 0;
        *gpfn = (((KSEG_FIRST_PDE + sp->gfn) << 22 | i << 12) & 0x1FFFFFFFu) >> 12;
        return 1;
    default:
        *leaf = 0;
        *gpfn = sp->gfn + i;
        return 1;
    }
}

static void audit_leaf(struct audit *a, const struct sh_page *sp)
{
    struct sh_vm *s = SV(a->vm);
    const uint32_t *e = sp_entries(a->vmm, sp);
    for (uint32_t i = 0; i < 1024; i++) {
        if (sp->tgt[i] == SH_NONE) {
            if (e[i])
                report(a, "page %u (kind %d) slot %u: entry %#x without a target", sp->id,
                       sp->kind, i, e[i]);
            continue;
        }
        uint32_t g = sp->tgt[i], leaf = 0, want = SH_NONE;
        uint32_t mfn = pmap_lookup(&a->vm->pmap, g);
        if (!(e[i] & PW_P) || mfn == PMAP_NONE || e[i] >> 12 != mfn) {
            report(a, "page %u slot %u: entry %#x, guest frame %#x is machine %#x", sp->id, i,
                   e[i], g, mfn);
            continue;
        }
        if ((e[i] & PW_RW) && is_tracked(s, g))
            report(a, "page %u slot %u: writable entry to tracked frame %#x", sp->id, i, g);
        if (!expected(a, sp, i, &leaf, &want) || want != g) {
            report(a, "page %u (kind %d, gfn %#x) slot %u: maps %#x, guest says %#x (leaf %#x)",
                   sp->id, sp->kind, sp->gfn, i, g, want, leaf);
            continue;
        }
        if (sp->kind == SP_TABLE || sp->kind == SP_BIG || sp->kind == SP_VTLB) {
            if ((e[i] & (PW_US | PW_G)) != (leaf & (PW_US | PW_G)))
                report(a, "page %u slot %u: US/G %#x, guest leaf %#x", sp->id, i, e[i], leaf);
            if ((e[i] & PW_RW) && (leaf & (PW_RW | PW_D)) != (PW_RW | PW_D))
                report(a, "page %u slot %u: writable, guest leaf %#x", sp->id, i, leaf);
        }
    }
}

static void audit_root(struct audit *a, const struct sh_page *root)
{
    struct sh_vm *s = SV(a->vm);
    const uint32_t *e = sp_entries(a->vmm, root);
    int guest_children = 0;
    for (uint32_t i = 0; i < 1024; i++) {
        if (root->tgt[i] == SH_NONE) {
            if (e[i])
                report(a, "root %u slot %u: entry %#x without a child", root->id, i, e[i]);
            continue;
        }
        const struct sh_page *c = s->pages[root->tgt[i]];
        if (!c) {
            report(a, "root %u slot %u: child %u is gone", root->id, i, root->tgt[i]);
            continue;
        }
        int listed = 0;
        for (uint32_t p = c->parents; p != SH_NONE; p = list_next(s, p))
            listed |= p == SH_NODE(root->id, i);
        if (!listed)
            report(a, "root %u slot %u: child %u does not list it", root->id, i, c->id);
        uint32_t pde = guest_word(a->vm, root->gfn, i);
        switch (c->kind) {
        case SP_TABLE:
            guest_children = 1;
            if ((pde & (PW_P | PW_A | PW_PS)) != (PW_P | PW_A) || pde >> 12 != c->gfn ||
                e[i] != (c->mfn << 12 | PW_P | PW_A | (pde & (PW_RW | PW_US))))
                report(a, "root %u slot %u: table entry %#x for guest PDE %#x (shadows %#x)",
                       root->id, i, e[i], pde, c->gfn);
            break;
        case SP_BIG:
            guest_children = 1;
            if ((pde & (PW_P | PW_A | PW_PS)) != (PW_P | PW_A | PW_PS))
                report(a, "root %u slot %u: split 4 MiB page for guest PDE %#x", root->id, i, pde);
            break;
        case SP_KSEG:
            if (i < KSEG_FIRST_PDE || i - KSEG_FIRST_PDE != c->gfn || s->kseg[c->gfn] != c->id)
                report(a, "root %u slot %u: kseg page %u of window %u", root->id, i, c->id, c->gfn);
            if (c->large) {
                uint32_t x = ((i << 22) & 0x1FFFFFFFu) >> 22;
                if (!(e[i] & PW_PS) || e[i] >> 12 != c->large_mfn ||
                    pmap_extent_mfn(&a->vm->pmap, x) != c->large_mfn || s->ext_tracked[x])
                    report(a, "root %u slot %u: large kseg entry %#x, extent %u", root->id, i,
                           e[i], x);
            }
            break;
        default:
            break;
        }
    }
    if (guest_children && (!root->protected_ || !is_tracked(s, root->gfn)))
        report(a, "root %u (directory %#x): guest tables under an untracked directory",
               root->id, root->gfn);
}

/* A small open-addressing count per guest frame, for the frames the pages name: the audit
 * costs O(shadow pages), not O(guest RAM), after every exit. */
struct fcount {
    uint32_t cap, n;
    uint32_t *key, *val;
};

static uint32_t *fcount_at(struct fcount *c, uint32_t g)
{
    if (2 * (c->n + 1) > c->cap) {
        struct fcount d = { c->cap ? 2 * c->cap : 256, 0, NULL, NULL };
        d.key = malloc(d.cap * sizeof(*d.key));
        d.val = calloc(d.cap, sizeof(*d.val));
        if (!d.key || !d.val)
            abort();
        memset(d.key, 0xFF, d.cap * sizeof(*d.key));
        for (uint32_t i = 0; i < c->cap; i++)
            if (c->key[i] != SH_NONE)
                *fcount_at(&d, c->key[i]) = c->val[i];
        free(c->key);
        free(c->val);
        *c = d;
    }
    uint32_t i = (g * 2654435761u) & (c->cap - 1);
    while (c->key[i] != SH_NONE && c->key[i] != g)
        i = (i + 1) & (c->cap - 1);
    if (c->key[i] == SH_NONE) {
        c->key[i] = g;
        c->n++;
    }
    return &c->val[i];
}

unsigned sh_audit(struct vmm *vmm, struct vm *vm, const char *where)
{
    struct sh_vm *s = SV(vm);
    struct audit a = { vmm, vm, where, 0 };
    struct fcount in_sync = { 0 }, mapped = { 0 };
    uint64_t present = 0;
    s->n.audits++;
    for (uint32_t id = 0; id < s->npages_cap; id++) {
        const struct sh_page *sp = s->pages[id];
        if (!sp)
            continue;
        if (frames_owner(&vmm->frames, sp->mfn) != SH_OWNER(vm))
            report(&a, "page %u: frame %#x is not the VM's", id, sp->mfn);
        uint32_t n = 0;
        for (uint32_t i = 0; i < 1024; i++)
            n += sp->tgt[i] != SH_NONE;
        if (n != sp->present)
            report(&a, "page %u: %u slots in use, counted %u", id, n, sp->present);
        if (sp->kind == SP_ROOT) {
            audit_root(&a, sp);
            if (sp->protected_ && sp->gfn < s->npages)
                (*fcount_at(&in_sync, sp->gfn))++;
            continue;
        }
        audit_leaf(&a, sp);
        present += n;
        if (sp->kind == SP_TABLE && !sp->unsync && sp->gfn < s->npages)
            (*fcount_at(&in_sync, sp->gfn))++;
        for (uint32_t i = 0; i < 1024; i++)
            if (sp->tgt[i] != SH_NONE && sp->tgt[i] < s->npages)
                (*fcount_at(&mapped, sp->tgt[i]))++;
    }
    /* every frame an entry maps lists exactly its entries; nothing else is listed */
    for (uint32_t k = 0; k < mapped.cap; k++) {
        if (mapped.key[k] == SH_NONE)
            continue;
        uint32_t g = mapped.key[k], listed = 0;
        for (uint32_t nd = s->rmap[g]; nd != SH_NONE; nd = list_next(s, nd)) {
            const struct sh_page *sp = s->pages[SH_NODE_PAGE(nd)];
            listed++;
            if (!sp || sp->kind == SP_ROOT || sp->tgt[SH_NODE_SLOT(nd)] != g)
                report(&a, "reverse map of %#x: node %#x does not map it", g, nd);
        }
        if (listed != mapped.val[k])
            report(&a, "reverse map of %#x: %u entries listed, %u map it", g, listed, mapped.val[k]);
    }
    if (s->nrmap != present)
        report(&a, "reverse maps hold %llu entries, shadow pages %llu",
               (unsigned long long)s->nrmap, (unsigned long long)present);
    /* every frame is tracked exactly as many times as it has in-sync shadows */
    for (uint32_t k = 0; k < in_sync.cap; k++)
        if (in_sync.key[k] != SH_NONE && s->track[in_sync.key[k]] != in_sync.val[k])
            report(&a, "frame %#x: tracked %u times, %u in-sync shadows", in_sync.key[k],
                   s->track[in_sync.key[k]], in_sync.val[k]);
    if (s->ntracked != in_sync.n)
        report(&a, "%u frames tracked, %u have in-sync shadows", s->ntracked, in_sync.n);
    free(in_sync.key);
    free(in_sync.val);
    free(mapped.key);
    free(mapped.val);
    return a.bad;
}
