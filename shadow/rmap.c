/* rmap.c - the reverse map: from a guest frame to every shadow entry that maps it (KVM's
 * rmap), and the lists it is made of.
 *
 * A list is a head (a node, or SH_NONE) and the next/prev arrays of the pages that own the
 * nodes: node (id << 10 | slot) is slot `slot` of page `id`. Every present leaf slot is on
 * exactly one list, its guest frame's reverse map (s->rmap[gpfn]); every directory slot
 * that points at a page is on that page's list of parents. Adding and removing a node is
 * O(1); nothing is allocated.
 *
 * Users: write protection (page_track.c: a page that becomes a page table loses RW in every
 * entry that maps it, with no scan of the roots), and whatever takes a frame away from a
 * VM (the unmapped hook: swap, sharing, balloon; issue 12). */
#include "sh_int.h"

static uint32_t *next_of(struct sh_vm *s, uint32_t node)
{
    return &s->pages[SH_NODE_PAGE(node)]->next[SH_NODE_SLOT(node)];
}

static uint32_t *prev_of(struct sh_vm *s, uint32_t node)
{
    return &s->pages[SH_NODE_PAGE(node)]->prev[SH_NODE_SLOT(node)];
}

void list_add(struct sh_vm *s, uint32_t *head, uint32_t node)
{
    *next_of(s, node) = *head;
    *prev_of(s, node) = SH_NONE;
    if (*head != SH_NONE)
        *prev_of(s, *head) = node;
    *head = node;
}

void list_del(struct sh_vm *s, uint32_t *head, uint32_t node)
{
    uint32_t n = *next_of(s, node), p = *prev_of(s, node);
    if (p != SH_NONE)
        *next_of(s, p) = n;
    else
        *head = n;
    if (n != SH_NONE)
        *prev_of(s, n) = p;
}

void rmap_add(struct sh_vm *s, uint32_t gpfn, uint32_t node)
{
    if (gpfn < s->npages) {
        list_add(s, &s->rmap[gpfn], node);
        s->nrmap++;
    }
}

void rmap_del(struct sh_vm *s, uint32_t gpfn, uint32_t node)
{
    if (gpfn < s->npages) {
        list_del(s, &s->rmap[gpfn], node);
        s->nrmap--;
    }
}

void rmap_each(struct sh_vm *s, uint32_t gpfn, void (*fn)(void *ctx, uint32_t node), void *ctx)
{
    if (gpfn >= s->npages)
        return;
    for (uint32_t n = s->rmap[gpfn], next; n != SH_NONE; n = next) {
        next = list_next(s, n);
        fn(ctx, n);
    }
}
