/* ntable.c - a VM's nested table (nt_int.h): the x86 format of pagewalk/pw.h, GPA -> machine
 * address, in machine frames the VM owns (owner tag NT_OWNER), built from the pmap on the
 * VM's nested faults. One directory; one page table per 4 MiB of guest RAM that has 4 KiB
 * entries; with large nested pages, a 4 MiB extent the pmap placed in one aligned machine
 * run is mapped by its directory entry alone (PS). An entry is P, and RW only where the
 * pmap says the page may be written through a translation (pmap_writable: not a shared
 * page, not a fresh page watched for double zeroing): the guest's first store to such a
 * page is a nested fault with the write qualification, and the page is asked for again
 * with PMAP_WRITE (copy on write, classification) and mapped writable. Machine memory
 * (core/mem.c) reaches the table through the unmapped and protect hooks (nested.c). */
#include <string.h>

#include "../core/frames.h"
#include "../core/pmap.h"
#include "nt_int.h"

static uint32_t get(struct vmm *vmm, uint32_t mfn, uint32_t i)
{
    uint32_t v;
    memcpy(&v, frames_host(&vmm->frames, mfn) + 4 * i, 4);
    return v;
}

static void put(struct vmm *vmm, uint32_t mfn, uint32_t i, uint32_t v)
{
    memcpy(frames_host(&vmm->frames, mfn) + 4 * i, &v, 4);
}

static uint32_t take_frame(struct vmm *vmm, struct vm *vm)
{
    uint32_t mfn = frames_alloc(&vmm->frames, NT_OWNER(vm));
    if (mfn != FRAMES_NONE) {
        NV(vm)->n.table_frames++;
        NT(vmm)->frames++;
    }
    return mfn;
}

static void give_frame(struct vmm *vmm, struct vm *vm, uint32_t mfn)
{
    frames_free(&vmm->frames, mfn);
    NV(vm)->n.table_frames--;
    NT(vmm)->frames--;
}

int nt_table_init(struct vmm *vmm, struct vm *vm)
{
    struct nt_vm *n = NV(vm);
    for (uint32_t e = 0; e < NT_MAX_PT; e++)
        n->pt[e] = FRAMES_NONE;
    n->root = take_frame(vmm, vm);
    return n->root == FRAMES_NONE ? -1 : 0;
}

/* The machine no longer caches what vm's table said (if the machine holds vm's state;
 * otherwise vm's next switch-in loads its root, which empties every nested cache). */
static void invalidate(struct vmm *vmm, struct vm *vm)
{
    struct nt_vm *n = NV(vm);
    n->n.invalidations++;
    if (NT(vmm)->loaded == vm)
        pw_mmu_nested_invalidate(NT(vmm)->hw);
}

/* With large nested pages: maps gpfn's whole extent with one PS entry if the pmap placed
 * it in one aligned run (backing every page of it: the VMM zeroes the 4 MiB once, as a
 * hypervisor that backs guest memory with huge pages). Returns 1 if it did, 0 if the
 * extent cannot be large, -1 if the pool ran out. */
static int map_large(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct pmap *p = &vm->pmap;
    struct nt_vm *n = NV(vm);
    uint32_t e = gpfn / PMAP_EXTENT_PAGES, first = e * PMAP_EXTENT_PAGES;
    if (!p->ext_run || first + PMAP_EXTENT_PAGES > p->npages)
        return 0;
    if (pmap_fill(p, gpfn) == PMAP_NONE)
        return -1;
    if (p->ext_run[e] == PMAP_NONE || p->ext_run[e] == PMAP_NO_RUN)
        return 0;
    for (uint32_t g = first; g < first + PMAP_EXTENT_PAGES; g++)
        if (pmap_lookup(p, g) == PMAP_NONE && pmap_fill(p, g) == PMAP_NONE)
            return -1;
    uint32_t run = pmap_extent_mfn(p, e);
    if (run == PMAP_NONE)
        return 0;
    if (n->pt[e] != FRAMES_NONE) {
        /* the extent's 4 KiB entries give way to one 4 MiB entry: the page-walk cache may
         * hold the old directory entry, whose table goes back to the pool */
        give_frame(vmm, vm, n->pt[e]);
        n->pt[e] = FRAMES_NONE;
        invalidate(vmm, vm);
    }
    put(vmm, n->root, e, (run << 12) | PW_P | PW_RW | PW_PS);
    n->n.large_fills++;
    return 1;
}

int nt_map(struct vmm *vmm, struct vm *vm, uint32_t gpfn, int store)
{
    struct nt_vm *n = NV(vm);
    uint32_t e = gpfn / PMAP_EXTENT_PAGES;
    if (NT(vmm)->o.hw.large) {
        int rc = map_large(vmm, vm, gpfn);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
    uint32_t mfn = pmap_get(&vm->pmap, gpfn, store ? PMAP_WRITE : PMAP_READ);
    if (mfn == PMAP_NONE)
        return -1;
    if (n->pt[e] == FRAMES_NONE) {
        if ((n->pt[e] = take_frame(vmm, vm)) == FRAMES_NONE)
            return -1;
        put(vmm, n->root, e, (n->pt[e] << 12) | PW_P | PW_RW);
    }
    uint32_t i = gpfn % PMAP_EXTENT_PAGES, old = get(vmm, n->pt[e], i);
    uint32_t neu = (mfn << 12) | PW_P | (pmap_writable(&vm->pmap, gpfn) ? PW_RW : 0);
    if (old == neu && vmm_store_completed(vmm))  /* the machine's copy is right: a store */
        return 0;                                /* the pmap completed (pmap.h zero_store) */
    put(vmm, n->pt[e], i, neu);
    if (old & PW_P) {
        /* a read-only entry made writable (or moved): the machine may cache the old one */
        n->n.upgrades++;
        invalidate(vmm, vm);
    } else {
        n->n.fills++;
    }
    return 0;
}

int nt_protect(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct nt_vm *n = NV(vm);
    uint32_t e = gpfn / PMAP_EXTENT_PAGES;
    if (e >= NT_MAX_PT)
        return 0;
    uint32_t pde = get(vmm, n->root, e);
    if (!(pde & PW_P))
        return 0;
    if (pde & PW_PS)
        return nt_unmap(vmm, vm, gpfn);   /* a 4 MiB entry goes whole; pages fault back */
    uint32_t i = gpfn % PMAP_EXTENT_PAGES, pte = get(vmm, n->pt[e], i);
    if (!(pte & PW_RW))
        return 0;
    put(vmm, n->pt[e], i, pte & ~PW_RW);
    invalidate(vmm, vm);
    return 1;
}

int nt_unmap(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct nt_vm *n = NV(vm);
    uint32_t e = gpfn / PMAP_EXTENT_PAGES;
    if (e >= NT_MAX_PT)
        return 0;
    uint32_t pde = get(vmm, n->root, e);
    if (!(pde & PW_P))
        return 0;
    if (pde & PW_PS) {
        put(vmm, n->root, e, 0);        /* the whole extent; its other pages fault back in */
    } else {
        uint32_t i = gpfn % PMAP_EXTENT_PAGES;
        if (!(get(vmm, n->pt[e], i) & PW_P))
            return 0;
        put(vmm, n->pt[e], i, 0);
    }
    invalidate(vmm, vm);
    return 1;
}

void nt_table_clear(struct vmm *vmm, struct vm *vm)
{
    struct nt_vm *n = NV(vm);
    for (uint32_t e = 0; e < NT_MAX_PT; e++)
        if (n->pt[e] != FRAMES_NONE) {
            give_frame(vmm, vm, n->pt[e]);
            n->pt[e] = FRAMES_NONE;
        }
    if (n->root != FRAMES_NONE)
        memset(frames_host(&vmm->frames, n->root), 0, FRAMES_FRAME_BYTES);
}

void nt_table_free(struct vmm *vmm, struct vm *vm)
{
    struct nt_vm *n = NV(vm);
    nt_table_clear(vmm, vm);
    if (n->root != FRAMES_NONE) {
        give_frame(vmm, vm, n->root);
        n->root = FRAMES_NONE;
    }
}
