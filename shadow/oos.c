/* oos.c - out-of-sync leaf tables (Xen sh_unsync/sh_resync, KVM unsync pages).
 *
 * A guest page table that the guest keeps writing (a second emulated write while in sync)
 * stops being write-protected: its shadow takes a snapshot of it, the frame is no longer
 * tracked (its mappings become writable again through the reverse map) and the guest's
 * further stores to it run at full speed. The shadow entries may then be stale, as a TLB
 * may be: x86 software must InvlPg (or write PTBase) before it relies on a changed PTE, and
 * those are the points where the shadow catches up: InvlPg brings the one entry it names
 * back in sync (as Xen's sh_invlpg); a PTBase write resyncs every out-of-sync table —
 * each entry that differs from the snapshot is updated or zapped, charged shadow_resync
 * per table. Xen and KVM then write-protect the table again; here it stays out of sync
 * (its snapshot refreshed), so that a table the guest keeps writing costs no trap per
 * write across address-space switches either. It is written-protected again only when it
 * is evicted to make room (at most --shadow-oos per vCPU, Xen's 3, round robin) or its
 * frame is shadowed in another role.
 *
 * Only a table whose frame has no other in-sync shadow goes out of sync (not a directory
 * in use, not a second unshared shadow of the same table). */
#include <stdlib.h>

#include "../core/pmap.h"
#include "sh_int.h"

#define OOS_WRITES 1           /* emulated writes while in sync that make a table a candidate */

int oos_init(struct sh_vm *s, unsigned n)
{
    s->oos = calloc(n ? n : 1, sizeof(*s->oos));
    if (!s->oos)
        return -1;
    s->oos_max = n;
    for (unsigned i = 0; i < n; i++)
        s->oos[i].page = SH_NONE;
    return 0;
}

void oos_free(struct sh_vm *s)
{
    free(s->oos);
    s->oos = NULL;
}

static struct sh_oos *slot_of(struct sh_vm *s, const struct sh_page *sp)
{
    for (unsigned i = 0; i < s->oos_max; i++)
        if (s->oos[i].page == sp->id)
            return &s->oos[i];
    return NULL;
}

void oos_forget(struct sh_vm *s, struct sh_page *sp)
{
    struct sh_oos *o = slot_of(s, sp);
    if (o)
        o->page = SH_NONE;
    sp->unsync = 0;
}

/* ---- which tables were written: dirty bits of the machine's own entries -------------------
 * Every shadow entry that maps an out-of-sync table's frame is kept clean (D clear) in
 * machine memory; the machine's walker sets D in it on the first store through it, as a
 * hardware walker does. A resync compares a table with its snapshot only if one of those
 * entries became dirty (or is new: entries are made with D preset). The machine TLB is
 * made to walk again after the bits are cleared: at every address of those entries, and
 * where a writable entry of the frame may have outlived its shadow entry (wva). */

struct clean_ctx {
    struct vmm *vmm;
    struct vm *vm;
    int dirty;
};

static void invlpg_cb(void *ctx, uint32_t va)
{
    sh_hw_invlpg(ctx, va);
}

static void clean_cb(void *ctx, uint32_t node)
{
    struct clean_ctx *c = ctx;
    struct sh_page *sp = SV(c->vm)->pages[SH_NODE_PAGE(node)];
    uint32_t i = SH_NODE_SLOT(node), *e = &sp_entries(c->vmm, sp)[i];
    if (!(*e & PW_D))
        return;
    *e &= ~PW_D;
    spte_each_va(c->vm, sp, i, invlpg_cb, c->vmm);
}

static void clean_mappings(struct vmm *vmm, struct vm *vm, uint32_t gfn)
{
    struct sh_vm *s = SV(vm);
    struct clean_ctx c = { vmm, vm, 0 };
    rmap_each(s, gfn, clean_cb, &c);
    if (s->wva[gfn] == SH_MANY_VAS)
        sh_hw_flush_all(vmm);
    else if (s->wva[gfn] != SH_NONE)
        sh_hw_invlpg(vmm, s->wva[gfn]);
}

static void dirty_cb(void *ctx, uint32_t node)
{
    struct clean_ctx *c = ctx;
    struct sh_page *sp = SV(c->vm)->pages[SH_NODE_PAGE(node)];
    c->dirty |= (sp_entries(c->vmm, sp)[SH_NODE_SLOT(node)] & PW_D) != 0;
}

static int written(struct vmm *vmm, struct vm *vm, uint32_t gfn)
{
    struct clean_ctx c = { vmm, vm, 0 };
    rmap_each(SV(vm), gfn, dirty_cb, &c);
    return c.dirty;
}

/* Brings every entry of out-of-sync table sp up to date with the guest's table (charged
 * shadow_resync), unless no store can have reached it since the last time; the snapshot
 * follows. */
static void refresh(struct vmm *vmm, struct vm *vm, struct sh_page *sp, struct sh_oos *o)
{
    struct sh_vm *s = SV(vm);
    uint32_t g[1024];
    if (!written(vmm, vm, sp->gfn)) {
        s->n.resync_skipped++;
        return;
    }
    pmap_read(&vm->pmap, sp->gfn << 12, g, sizeof(g));
    for (uint32_t j = 0; j < 1024; j++) {
        if (g[j] == o->snap[j])
            continue;
        s->n.resync_entries++;
        spte_propagate(vmm, vm, sp, j, g[j]);
        o->snap[j] = g[j];
    }
    s->n.resynced++;
    if (vmm->cur == vm)
        vmm_charge(vmm, COST_shadow_resync, 1);
    clean_mappings(vmm, vm, sp->gfn);
}

void oos_resync_page(struct vmm *vmm, struct vm *vm, struct sh_page *sp)
{
    struct sh_oos *o = slot_of(SV(vm), sp);
    refresh(vmm, vm, sp, o);
    o->page = SH_NONE;
    sp->unsync = 0;
    sp->oos_writes = 0;
    track_inc(vmm, vm, sp->gfn);
}

/* A fill through out-of-sync table sp made slot j's entry from guest PTE gpte (as the
 * walk wrote it back): the shadow agrees with it now. */
void oos_note_fill(struct sh_vm *s, struct sh_page *sp, uint32_t j, uint32_t gpte)
{
    struct sh_oos *o = slot_of(s, sp);
    if (o)
        o->snap[j] = gpte;
}

int oos_maybe_unsync(struct vmm *vmm, struct vm *vm, struct sh_page *sp)
{
    struct sh_vm *s = SV(vm);
    if (++sp->oos_writes < OOS_WRITES || sp->unsync || s->track[sp->gfn] != 1 || !s->oos_max)
        return 0;
    struct sh_oos *o = NULL;
    for (unsigned i = 0; i < s->oos_max && !o; i++)
        if (s->oos[i].page == SH_NONE)
            o = &s->oos[i];
    if (!o) {
        o = &s->oos[s->oos_next];
        s->oos_next = (s->oos_next + 1) % s->oos_max;
        oos_resync_page(vmm, vm, s->pages[o->page]);
        s->n.oos_evictions++;
        if (s->track[sp->gfn] != 1)    /* the eviction shadowed the frame again */
            return 0;
    }
    pmap_read(&vm->pmap, sp->gfn << 12, o->snap, sizeof(o->snap));
    o->page = sp->id;
    sp->unsync = 1;
    s->n.unsynced++;
    track_dec(vmm, vm, sp->gfn);
    clean_mappings(vmm, vm, sp->gfn);
    return 1;
}

void oos_resync_all(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    for (unsigned i = 0; i < s->oos_max; i++)
        if (s->oos[i].page != SH_NONE)
            refresh(vmm, vm, s->pages[s->oos[i].page], &s->oos[i]);
}

void oos_resync_va(struct vmm *vmm, struct vm *vm, uint32_t va)
{
    struct sh_vm *s = SV(vm);
    struct sh_page *root = sh_root(s);
    if (!root || root->tgt[va >> 22] == SH_NONE)
        return;
    struct sh_page *sp = s->pages[root->tgt[va >> 22]];
    struct sh_oos *o;
    if (sp->kind != SP_TABLE || !sp->unsync || !(o = slot_of(s, sp)))
        return;
    /* the one entry (Xen sh_invlpg): the table stays out of sync */
    uint32_t j = (va >> 12) & 1023, g = 0;
    pmap_read(&vm->pmap, sp->gfn << 12 | j << 2, &g, 4);
    if (g != o->snap[j]) {
        s->n.resync_entries++;
        spte_propagate(vmm, vm, sp, j, g);
        o->snap[j] = g;
    }
}
