/* fault.c - shadow faults (KVM mmu.c/paging_tmpl.h FNAME(page_fault), Xen sh_page_fault):
 * a machine page fault is a shadow miss to fill, a store to a page table to emulate, or
 * the guest's own page fault to reflect; InvlPg; and the propagation of emulated
 * page-table writes to the shadows (zap, update in place, flood and early unshadowing,
 * out-of-sync tables). */
#include <stdlib.h>

#include "../core/emul.h"
#include "../core/pmap.h"
#include "sh_int.h"

/* ---- the guest's walk -------------------------------------------------------------------- */

enum shadow_fault guest_walk(struct vmm *vmm, struct vm *vm, uint32_t va, int access, int user,
                             struct shadow_walk *w)
{
    struct sh_vm *s = SV(vm);
    enum shadow_fault f = shadow_walk(&vm->pmap, s->model->ptbase, va, access, user, 1, w);
    vmm_charge(vmm, COST_walker_memref, w->memrefs);
    for (unsigned n = 0; n < w->ad_writes && n < 2; n++) {
        uint32_t mfn = pmap_lookup(&vm->pmap, w->written[n] >> 12);
        cpu_phys_written(vmm->cpu, mfn << 12 | (w->written[n] & 0xFFFu), 4);
    }
    s->n.ad_updates += w->ad_writes;
    s->n.a_set += w->a_set;
    s->n.dirty_faults += w->d_set;
    return f;
}

/* ---- reading the instruction that trapped --------------------------------------------------- */

/* The machine frame the machine's shadow tables give va (what the hardware walker would
 * use), or SH_NONE. */
static uint32_t shadow_lookup(struct vmm *vmm, uint32_t va)
{
    uint32_t root = 0;
    struct mmu *hw = S(vmm)->hw;
    hw->ops->cp0_read(hw, PW_CP0_REG, PW_SEL_PTBASE, &root);
    uint32_t pde = sh_frame(vmm, root >> 12)[va >> 22];
    if (!(pde & PW_P))
        return SH_NONE;
    if (pde & PW_PS)
        return (pde >> 12) + ((va >> 12) & 1023);
    uint32_t pte = sh_frame(vmm, pde >> 12)[(va >> 12) & 1023];
    return pte & PW_P ? pte >> 12 : SH_NONE;
}

/* The machine frame the machine would fetch va from: its TLB, or the shadow tables it
 * would walk (a stale TLB entry, or a shadow entry the guest's tables no longer back, is
 * what ran). The core's vmm_guest_fetch reads the trapped instruction there. */
int sh_machine_frame(struct vmm *vmm, uint32_t va, uint32_t *mfn)
{
    uint32_t pa;
    if (pw_mmu_probe(S(vmm)->hw, va, &pa) == 0) {
        *mfn = pa >> 12;
        return 0;
    }
    if ((*mfn = shadow_lookup(vmm, va)) == SH_NONE)
        return -1;
    return 0;
}

/* ---- propagation of page-table writes ---------------------------------------------------- */

/* Drops every shadow of guest frame gpfn as a page table, so that it is no longer
 * write-protected: a table is zapped wherever it is linked; the current root loses its
 * guest-derived tables; another root is dropped. */
static void unshadow_frame(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
again:
    for (uint32_t id = sp_next_of_gfn(s, gpfn, SH_NONE); id != SH_NONE;
         id = sp_next_of_gfn(s, gpfn, id)) {
        struct sh_page *sp = s->pages[id];
        if (sp->kind == SP_ROOT && sp->id == s->cur) {
            if (sp->protected_)
                root_zap_guest(vmm, vm, sp);
        } else if (sp->kind == SP_ROOT || sp->kind == SP_TABLE) {
            sp_zap(vmm, vm, sp);
            goto again;
        }
    }
}

void unshadow(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    if (gpfn >= SV(vm)->npages)
        return;
    unshadow_frame(vmm, vm, gpfn);
    SV(vm)->n.unshadowed++;
}

/* Counts an emulated write to sp; with flood detection, a page written three times
 * without being used for a fill in between is unshadowed (KVM detect_write_flooding).
 * Returns 1 if sp was zapped. */
static int flooded(struct vmm *vmm, struct vm *vm, struct sh_page *sp)
{
    struct sh_vm *s = SV(vm);
    if (!sh_opt(s, SHADOW_OPT_FLOOD) || ++sp->write_count < 3 || sp->id == s->cur)
        return 0;
    sp_zap(vmm, vm, sp);
    s->n.flooded++;
    return 1;
}

/* Word idx of guest frame gpfn, a page table, changed to neu (an emulated store). The
 * shadows made from that word follow:
 *  - a root whose directory it is: the table under that slot goes; if the root is not the
 *    current one it is dropped whole instead (the directory of an address space that is not
 *    running is written when it is torn down or its page reused);
 *  - a shadow of it as a page table: the entry is updated in place or zapped; any other
 *    root that uses the table is dropped whole too, unless flood detection is on: then
 *    the write is propagated to every root, and a table written three times without being
 *    used for a fill in between is unshadowed (KVM detect_write_flooding), as is one that
 *    gets a second not-present entry in a row with no other fault in between (Xen
 *    check_for_early_unshadow: a table being torn down);
 *  - an out-of-sync candidate goes out of sync (oos.c).
 * The machine TLB is left alone, as a native PTE write leaves the native TLB. */
static void pt_written(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t idx, uint32_t neu,
                       uint32_t prev_gfn)
{
    struct sh_vm *s = SV(vm);
    int flood = sh_opt(s, SHADOW_OPT_FLOOD);
again:
    for (uint32_t id = sp_next_of_gfn(s, gpfn, SH_NONE); id != SH_NONE;
         id = sp_next_of_gfn(s, gpfn, id)) {
        struct sh_page *sp = s->pages[id];
        if (sp->kind == SP_ROOT) {
            if (!sp->protected_)
                continue;
            if (sp->id != s->cur) {
                sp_zap(vmm, vm, sp);
                goto again;
            }
            uint32_t c = sp->tgt[idx];
            if (c != SH_NONE && (s->pages[c]->kind == SP_TABLE || s->pages[c]->kind == SP_BIG))
                sp_unlink(vmm, vm, sp, idx);
        } else if (sp->kind == SP_TABLE && !sp->unsync) {
            if (!flood) {
                for (uint32_t p = sp->parents; p != SH_NONE; p = list_next(s, p)) {
                    if (SH_NODE_PAGE(p) != s->cur) {
                        sp_zap(vmm, vm, s->pages[SH_NODE_PAGE(p)]);
                        goto again;
                    }
                }
            }
            spte_propagate(vmm, vm, sp, idx, neu);
            if (flooded(vmm, vm, sp))
                goto again;
            if (sh_opt(s, SHADOW_OPT_OOS) && oos_maybe_unsync(vmm, vm, sp))
                goto again;
        }
    }
    if (flood && !(neu & PW_P) && prev_gfn == gpfn && is_tracked(s, gpfn) &&
        !(s->cur != SH_NONE && s->pages[s->cur]->gfn == gpfn)) {
        unshadow_frame(vmm, vm, gpfn);
        s->n.early_unshadows++;
    }
    s->last_write_gfn = gpfn;
}

/* The guest's store at cpu->pc to its page table at gpa (allowed by the guest's rights),
 * of any width (sb/sh/sw/swl/swr/sc): emulated — the word merged as the interpreter merges
 * it, an sc's LLbit cleared and its rt set to 1 — then propagated to the shadows (charged
 * shadow_update). Only an instruction the VMM cannot read back as that store unshadows the
 * page and runs again; if the same store comes back with no instruction completed in
 * between (it would loop: e.g. the page is the directory that maps the store's own
 * address), the VM stops as stuck with a message instead. */
static void emulate_pt_write(struct vmm *vmm, struct vm *vm, uint32_t va, uint32_t gpa,
                             uint32_t prev_gfn)
{
    struct cpu *cpu = vmm->cpu;
    struct sh_vm *s = SV(vm);
    uint32_t insn, gpfn = gpa >> 12, old, neu;
    struct emul_store m;
    if (vmm_guest_fetch(vmm, cpu->pc, &insn, 1) != 0 || emul_decode_store(insn, cpu->gpr, &m) != 0 ||
        m.va != va) {
        if (s->retry_pc == cpu->pc && s->retry_va == va && s->retry_icount == cpu->icount) {
            fprintf(stderr, "tlbvisor: vm%u: cannot complete the store to its page table at "
                    "0x%08x (pc 0x%08x): stopped\n", vm->id, va, cpu->pc);
            cpu_request_stop(cpu, CPU_STOP_FAULT_LOOP, 0);
            return;
        }
        s->retry_pc = cpu->pc;
        s->retry_va = va;
        s->retry_icount = cpu->icount;
        unshadow(vmm, vm, gpfn);
        vmm_retry(vmm);
        return;
    }
    uint8_t *host = pmap_host(&vm->pmap, gpfn);
    uint32_t off = gpa & 0xFFCu;
    memcpy(&old, host + off, 4);
    neu = emul_store_merge(&m, old);
    memcpy(host + off, &neu, 4);
    cpu_phys_written(cpu, pmap_lookup(&vm->pmap, gpfn) << 12 | off, 4);
    if (m.sc) {
        cpu->gpr[m.sc_reg] = 1;
        cpu->llbit = 0;
    }
    s->n.pt_write_emulated++;
    vmm_charge(vmm, COST_shadow_update, 1);
    pt_written(vmm, vm, gpfn, off >> 2, neu, prev_gfn);
    vmm_skip(vmm);
}

/* A paravirtual guest's batched page-table store (mmu_backend.h pt_write, TV_HC_MMU_UPDATE,
 * Xen's mmu_update): the word is written as emulate_pt_write writes it and, when the frame
 * is a tracked page table, propagated to the shadows made from it (charged shadow_update,
 * counted in pt_write_batched) — without the trap per word. Words of a frame that is no
 * page table (or an out-of-sync one) are plain stores. */
void sh_pt_write_batched(struct vmm *vmm, struct vm *vm, uint32_t gpa, uint32_t val)
{
    struct sh_vm *s = SV(vm);
    uint32_t gpfn = gpa >> 12, off = gpa & 0xFFCu;
    uint8_t *host = pmap_host(&vm->pmap, gpfn);
    if (!host)
        return;
    memcpy(host + off, &val, 4);
    cpu_phys_written(vmm->cpu, pmap_lookup(&vm->pmap, gpfn) << 12 | off, 4);
    if (!is_tracked(s, gpfn))
        return;
    s->n.pt_write_batched++;
    vmm_charge(vmm, COST_shadow_update, 1);
    pt_written(vmm, vm, gpfn, off >> 2, val, s->last_write_gfn);
}

/* ---- fills ------------------------------------------------------------------------------ */

/* Maps up to the prefetch width of neighbours of slot i in table sp (the aligned group it
 * belongs to), from guest table gfn: entries that are present, accessed and backed, none
 * that a walk would have to change (KVM direct_pte_prefetch, Xen sh_prefetch). Clean
 * pages come read-only as on a fill, so A and D stay exact. */
static void prefetch(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i)
{
    struct sh_vm *s = SV(vm);
    unsigned width = S(vmm)->o.prefetch;
    uint32_t first = i & ~(width - 1), gpte[SHADOW_MAX_PREFETCH];
    if (pmap_read(&vm->pmap, sp->gfn << 12 | first << 2, gpte, width * 4) != 0)
        return;
    vmm_charge(vmm, COST_walker_memref, 1);    /* one read of the group */
    for (uint32_t j = 0; j < width; j++) {
        uint32_t slot = first + j, gpfn, spte;
        if (slot == i || sp->tgt[slot] != SH_NONE)
            continue;
        if ((spte = spte_from_gpte(vm, gpte[j], &gpfn)) == 0)
            continue;
        spte_set_noted(vmm, vm, sp, slot, spte, gpfn);
        s->n.prefetched++;
    }
}

/* The machine frame behind guest-physical page gpfn for an access (pmap_get), the kseg
 * windows told when the page got its first frame; or PMAP_NONE when the guest has no RAM
 * there (a device, or a bus error: the access is emulated or reflected, vmm_access_unbacked). */
static uint32_t back_frame(struct vmm *vmm, struct vm *vm, uint32_t gpfn, int store, int fetch)
{
    uint64_t filled = vm->pmap.filled;
    uint32_t mfn = pmap_get(&vm->pmap, gpfn, store ? PMAP_WRITE : PMAP_READ);
    if (mfn == PMAP_NONE) {
        vmm_access_unbacked(vmm, fetch);
        return PMAP_NONE;
    }
    if (vm->pmap.filled != filled)
        kseg_backed(vmm, vm, gpfn);
    return mfn;
}

/* A machine fault at va that the guest sees unmapped (at guest-physical gpa): kseg0/kseg1
 * through the VM's kseg pages, anything else (useg under ERL, a remapped segment) through
 * a direct page of the current root. */
static void fill_unmapped(struct vmm *vmm, struct vm *vm, uint32_t va, uint32_t gpa, int store,
                          int fetch, uint32_t prev_gfn)
{
    struct sh_vm *s = SV(vm);
    struct sh_page *root = sh_root(s), *sp;
    uint32_t gpfn = gpa >> 12, i = va >> 22;
    uint32_t mfn = back_frame(vmm, vm, gpfn, store, fetch);
    if (mfn == PMAP_NONE)
        return;
    int kseg = va >= 0x80000000u && va < 0xC0000000u && gpa == (va & 0x1FFFFFFFu);
    if (kseg) {
        if (!(sp = kseg_page(vmm, vm, i - KSEG_FIRST_PDE, gpa >> 22))) {
            out_of_frames(vmm);
            return;
        }
        if (root->tgt[i] != sp->id)
            sp_link(vmm, vm, root, i, sp, SH_PDE);
        if (sp->large) {
            sp_touch(s, sp);
            s->n.kseg_fills++;
            vmm_retry(vmm);
            return;
        }
    } else {
        uint32_t c = root->tgt[i];
        if (c != SH_NONE && s->pages[c]->kind == SP_DIRECT) {
            sp = s->pages[c];
        } else {
            sp_unlink(vmm, vm, root, i);
            if (!(sp = sp_new(vmm, vm, SP_DIRECT, (gpa & PW_FRAME_4M) >> 12, SH_NODE(root->id, i)))) {
                out_of_frames(vmm);
                return;
            }
            sp_link(vmm, vm, root, i, sp, SH_PDE);
        }
    }
    sp_touch(s, sp);
    uint32_t slot = (va >> 12) & 1023, spte = make_spte(s, mfn, gpfn, 0, kseg ? 2 : 1);
    int upgrade = sp->tgt[slot] == gpfn && (spte & PW_RW);
    spte_set(vmm, vm, sp, slot, spte, gpfn);
    if (kseg) {
        s->n.kseg_fills++;
        s->n.kseg_upgrades += upgrade;
    } else {
        s->n.vmm_fills++;
        if (spte & PW_RW)
            note_writable(s, gpfn, va);
    }
    if (store && !(spte & PW_RW) && !vmm_store_completed(vmm)) {
        emulate_pt_write(vmm, vm, va, gpa | (va & 0xFFFu), prev_gfn);
        return;
    }
    vmm_retry(vmm);
}

/* A machine fault at va that the guest's tables map (walk w, A/D already set): the shadow
 * entry, read-only if the page is clean or a page table; a store to a page table is
 * emulated. */
static void fill_mapped(struct vmm *vmm, struct vm *vm, uint32_t va, const struct shadow_walk *w,
                        int store, int fetch, uint32_t prev_gfn)
{
    struct sh_vm *s = SV(vm);
    struct sh_page *root = sh_root(s), *sp = NULL;
    uint32_t gpfn = w->gpa >> 12, i = va >> 22;
    uint32_t mfn = back_frame(vmm, vm, gpfn, store, fetch);
    if (mfn == PMAP_NONE)
        return;
    uint32_t c = root->tgt[i], flags;
    if (w->big) {
        s->big_cached[i / 32] |= 1u << (i % 32);
        flags = SH_PDE;
        if (c != SH_NONE && s->pages[c]->kind == SP_BIG)
            sp = s->pages[c];
    } else {
        flags = PW_P | PW_A | (w->pde & (PW_RW | PW_US));
        uint32_t owner = sh_opt(s, SHADOW_OPT_SHARE) ? SH_NONE : SH_NODE(root->id, i);
        if (c != SH_NONE && s->pages[c]->kind == SP_TABLE && s->pages[c]->gfn == w->table_gpfn &&
            s->pages[c]->owner == owner && (sp_entries(vmm, root)[i] & 0xFFFu) == flags)
            sp = s->pages[c];
    }
    if (!sp) {
        sp_unlink(vmm, vm, root, i);
        if (w->big) {
            sp = sp_new(vmm, vm, SP_BIG, (w->leaf & PW_FRAME_4M) >> 12, SH_NODE(root->id, i));
        } else if (sh_opt(s, SHADOW_OPT_SHARE) &&
                   (sp = sp_find(s, SP_TABLE, w->table_gpfn, SH_NONE)) != NULL) {
            if (sp->unsync)
                oos_resync_page(vmm, vm, sp);
        } else {
            sp = sp_new(vmm, vm, SP_TABLE, w->table_gpfn,
                        sh_opt(s, SHADOW_OPT_SHARE) ? SH_NONE : SH_NODE(root->id, i));
        }
        if (!sp) {
            out_of_frames(vmm);
            return;
        }
        sp_link(vmm, vm, root, i, sp, flags);
    }
    sp_touch(s, sp);
    sp->write_count = 0;
    uint32_t slot = (va >> 12) & 1023, spte = make_spte(s, mfn, gpfn, w->leaf, 0);
    spte_set(vmm, vm, sp, slot, spte, gpfn);
    if (spte & PW_RW)
        note_writable(s, gpfn, va);
    if (sp->unsync)
        oos_note_fill(s, sp, slot, w->leaf);
    s->n.fills++;
    if (sh_opt(s, SHADOW_OPT_PREFETCH) && sp->kind == SP_TABLE && !sp->unsync)
        prefetch(vmm, vm, sp, slot);
    if (store && !(spte & PW_RW) && !vmm_store_completed(vmm)) {
        emulate_pt_write(vmm, vm, va, w->gpa | (va & 0xFFFu), prev_gfn);
        return;
    }
    vmm_retry(vmm);
}

/* What every shadow fault starts with: counted, a run of emulated writes ended, a root
 * loaded; *prev_gfn the previous emulated write's frame. Returns 0, or -1 with the VM
 * stopped (no frame for a root). */
static int fault_begin(struct vmm *vmm, struct vm *vm, uint32_t *prev_gfn)
{
    struct sh_vm *s = SV(vm);
    *prev_gfn = s->last_write_gfn;
    s->n.faults++;
    s->last_write_gfn = SH_NONE;       /* any other fault ends a run of emulated writes */
    if (s->cur == SH_NONE && load_root(vmm, vm) != 0) {
        out_of_frames(vmm);
        return -1;
    }
    return 0;
}

void sh_do_fault_unmapped(struct vmm *vmm, const struct vmm_fault *f)
{
    struct vm *vm = vmm->cur;
    uint32_t prev_gfn;
    if (fault_begin(vmm, vm, &prev_gfn) == 0)
        fill_unmapped(vmm, vm, f->va, f->gpa, f->access == MMU_STORE, f->access == MMU_FETCH,
                      prev_gfn);
}

void sh_do_fault_mapped(struct vmm *vmm, const struct vmm_fault *f)
{
    struct vm *vm = vmm->cur;
    struct sh_vm *s = SV(vm);
    uint32_t va = f->va, prev_gfn;
    int access = f->access, store = access == MMU_STORE, fetch = access == MMU_FETCH;
    if (fault_begin(vmm, vm, &prev_gfn) != 0)
        return;
    if (sh_opt(s, SHADOW_OPT_EXACT)) {
        vtlb_fault(vmm, vm, va, access, f->user, store, fetch);
        return;
    }
    struct shadow_walk w;
    enum shadow_fault r = guest_walk(vmm, vm, va, access, f->user, &w);
    if (r != SHADOW_OK) {
        /* The guest's own page fault, with the PFErr its walker would give. */
        s->model->pferr = shadow_pferr(r, access, f->user);
        s->n.faults_reflected++;
        struct cpu_exc g = { .code = store ? EXC_TLBS : EXC_TLBL, .has_badvaddr = 1, .badvaddr = va };
        vmm_reflect(vmm, &g);
        return;
    }
    fill_mapped(vmm, vm, va, &w, store, fetch, prev_gfn);
}

/* ---- InvlPg ------------------------------------------------------------------------------ */

void sh_do_invlpg(struct vmm *vmm, struct vm *vm, uint32_t va)
{
    struct sh_vm *s = SV(vm);
    s->n.invlpg++;
    if (sh_opt(s, SHADOW_OPT_EXACT)) {
        vtlb_invlpg(vmm, vm, va);
        return;
    }
    if (sh_opt(s, SHADOW_OPT_OOS))
        oos_resync_va(vmm, vm, va);
    /* Inside a guest 4 MiB page the whole large translation goes, as natively: every 4 KiB
     * piece the machine TLB may hold, and the split shadow page. */
    uint32_t i = va >> 22;
    struct sh_page *root = sh_root(s);
    if (s->big_cached[i / 32] & (1u << (i % 32))) {
        s->big_cached[i / 32] &= ~(1u << (i % 32));
        pw_mmu_invalidate_range(S(vmm)->hw, va & PW_FRAME_4M, 1u << 22);
        if (root && root->tgt[i] != SH_NONE && s->pages[root->tgt[i]]->kind == SP_BIG)
            sp_unlink(vmm, vm, root, i);
        s->n.invlpg_big++;
        return;
    }
    sh_hw_invlpg(vmm, va);
    if (root && root->tgt[i] != SH_NONE) {
        struct sh_page *sp = s->pages[root->tgt[i]];
        uint32_t slot = (va >> 12) & 1023;
        if ((sp->kind == SP_TABLE || sp->kind == SP_BIG) && sp->tgt[slot] != SH_NONE) {
            spte_clear(vmm, vm, sp, slot);
            s->n.zapped++;
        }
    }
}
