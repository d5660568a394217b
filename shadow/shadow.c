/* shadow.c - the shadow back end's hooks (mmu_backend.h, docs/shadow.md): a thin layer over
 * the rooms of sh_int.h.
 *
 * The guest programs PTBase/InvlPg and reads PTBase/PFErr on a model of its walker
 * (model.c, vm->v->mmu) that never translates a machine access. The machine's walker
 * (pagewalk/pw.c, vmm->cpu->mmu) walks shadow pages: machine frames owned by the VMM,
 * guest-virtual -> machine. The machine TLB stands for the guest's TLB: zapping a shadow
 * entry leaves the machine TLB alone (as a native PTE write leaves the TLB), guest InvlPg
 * and PTBase writes are passed on, and guest-global entries are global in the shadow. With
 * --shadow-opts exact the guest's TLB is emulated exactly instead (vtlb.c). */
#include <stdlib.h>

#include "../core/pmap.h"
#include "sh_int.h"

/* ---- the machine ----------------------------------------------------------------------- */

void sh_hw_invlpg(struct vmm *vmm, uint32_t va)
{
    struct mmu *hw = S(vmm)->hw;
    hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_INVLPG, va);
}

void sh_hw_flush_all(struct vmm *vmm)
{
    pw_mmu_flush_all(S(vmm)->hw);
    S(vmm)->tlb_flushes++;
    /* the machine TLB held the current VM's entries only (another VM's bits stay set:
     * an InvlPg then empties a range it need not, nothing worse) */
    if (vmm->cur && vmm->cur->backend == &shadow_backend && vmm->cur->be)
        memset(SV(vmm->cur)->big_cached, 0, sizeof(SV(vmm->cur)->big_cached));
}

/* The options with every default filled in. */
static struct shadow_opts opts_or_defaults(const struct shadow_opts *o)
{
    struct shadow_opts r = { .pw = { PW_DEFAULT_TLB_ENTRIES, PW_DEFAULT_TLB_WAYS } };
    if (o)
        r = *o;
    if (!r.max_frames)
        r.max_frames = SHADOW_DEFAULT_FRAMES;
    if (!r.roots)
        r.roots = r.opts & SHADOW_OPT_MRU ? SHADOW_DEFAULT_ROOTS_MRU : SHADOW_DEFAULT_ROOTS;
    if (!r.oos)
        r.oos = SHADOW_DEFAULT_OOS;
    if (!r.prefetch)
        r.prefetch = SHADOW_DEFAULT_PREFETCH;
    return r;
}

/* ---- the back-end hooks ------------------------------------------------------------------ */

/* After every exit the back end handled, with --shadow-audit: a disagreement stops the VM. */
static void audit(struct vmm *vmm, const char *where)
{
    if (S(vmm)->o.audit && vmm->cur && vmm->cur->be && sh_audit(vmm, vmm->cur, where))
        cpu_request_stop(vmm->cpu, CPU_STOP_FAULT_LOOP, 0);
}

static void sh_fault_unmapped(struct vmm *vmm, const struct vmm_fault *f)
{
    S(vmm)->busy++;
    sh_do_fault_unmapped(vmm, f);
    S(vmm)->busy--;
    audit(vmm, "fault");
}

static void sh_fault_mapped(struct vmm *vmm, const struct vmm_fault *f)
{
    S(vmm)->busy++;
    sh_do_fault_mapped(vmm, f);
    S(vmm)->busy--;
    audit(vmm, "fault");
}

static int sh_priv_op(struct vmm *vmm, const struct dinsn *d)
{
    struct vm *vm = vmm->cur;
    struct sh_vm *s = SV(vm);
    if (d->op != OP_MTC0 || d->rd != PW_CP0_REG)
        return 0;
    uint32_t val = vmm->cpu->gpr[d->rt];
    switch (d->imm) {
    case PW_SEL_PTBASE:
        /* The guest switches address spaces: the cached root of its directory, and a
         * machine PTBase write, which flushes the non-global entries as the guest expects.
         * Out-of-sync tables are resynced first (the guest may rely on what it changed). */
        s->model->ptbase = val & PW_FRAME_4K;
        if (sh_opt(s, SHADOW_OPT_EXACT))
            vtlb_flush(vmm, vm, 1);
        else if (sh_opt(s, SHADOW_OPT_OOS))
            oos_resync_all(vmm, vm);
        S(vmm)->busy++;
        int failed = root_switch(vmm, vm, val >> 12) != 0;
        S(vmm)->busy--;
        if (failed)
            out_of_frames(vmm);
        break;
    case PW_SEL_INVLPG:
        S(vmm)->busy++;
        sh_do_invlpg(vmm, vm, val);
        S(vmm)->busy--;
        break;
    default:
        return 0;                  /* PFErr (read-only) and the rest: the core */
    }
    audit(vmm, "priv_op");
    return 1;
}

/* The guest's segment map changed: every shadow goes (the guest's TLB, exact mode, is not
 * the VMM's to flush: its entries come back into the shadow on demand). */
static void sh_seg_changed(struct vmm *vmm, struct vm *vm)
{
    sp_zap_all(vmm, vm);
    sh_hw_flush_all(vmm);
    SV(vm)->n.seg_flushes++;
}

static void sh_sync(struct vmm *vmm)
{
    struct vm *vm = vmm->cur;
    S(vmm)->busy++;
    int failed = load_root(vmm, vm) != 0;
    S(vmm)->busy--;
    if (failed)
        out_of_frames(vmm);
}

static void sh_switch_out(struct vmm *vmm, struct vm *vm)
{
    (void)vm;
    sh_hw_flush_all(vmm);          /* global entries included: they are this VM's */
}

static void sh_switch_in(struct vmm *vmm, struct vm *vm)
{
    S(vmm)->busy++;
    int failed = load_root(vmm, vm) != 0;
    S(vmm)->busy--;
    if (failed)
        out_of_frames(vmm);
}

/* Frames of vm go back to the pool. All of them (the VM stops): every shadow page goes,
 * the machine's PTBase rests on the empty root and the machine TLB is emptied. Some (a page
 * evicted, merged with an identical one, copied on write, or ballooned away): every shadow
 * entry that maps them goes, through the reverse map, a large kseg window over them too
 * (klarge), and the machine TLB forgets them. A frame that is a page table is also
 * unshadowed, except when the memory manager takes the page from inside one of this back
 * end's own hooks (busy: pmap_get may reclaim in the middle of a fill or a root switch,
 * which hold shadow pages): its bytes are kept then (compressed, swapped, shared or
 * copied: only a balloon or pmap_unmap loses them, and neither runs inside a fault), so the
 * shadows made from them stay true, and no shadow page is freed under the caller. */
static void sh_unmapped(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t count)
{
    struct sh_vm *s = SV(vm);
    if (gpfn == 0 && count >= s->npages) {
        sp_zap_all(vmm, vm);
        load_empty_root(vmm);
        sh_hw_flush_all(vmm);
        if (vm->state == VM_RUNNING && vm == vmm->cur && load_root(vmm, vm) != 0)
            out_of_frames(vmm);
        return;
    }
    int flush = 0;
    for (uint32_t g = gpfn; g < gpfn + count && g < s->npages; g++) {
        if (!S(vmm)->busy && (is_tracked(s, g) || sp_next_of_gfn(s, g, SH_NONE) != SH_NONE))
            unshadow(vmm, vm, g);
        while (s->rmap[g] != SH_NONE) {
            uint32_t n = s->rmap[g];
            spte_clear(vmm, vm, s->pages[SH_NODE_PAGE(n)], SH_NODE_SLOT(n));
            s->n.zapped++;
        }
        for (uint32_t k = g / PMAP_EXTENT_PAGES; k < KSEG_PDES; k += 128) {
            if (s->kseg[k] != SH_NONE && s->pages[s->kseg[k]]->large) {
                sp_zap(vmm, vm, s->pages[s->kseg[k]]);
                s->n.kseg_splits++;
            }
        }
        flush = 1;                 /* a machine TLB entry may outlive its shadow entry */
    }
    if (flush)
        sh_hw_flush_all(vmm);
}

struct sh_hook_ctx {
    struct vmm *vmm;
    struct vm *vm;
    int hit;
};

static void invlpg_va(void *ctx, uint32_t va)
{
    sh_hw_invlpg(ctx, va);
}

/* The reclaim clock's reference information (mmu_backend.h referenced): the A bits of the
 * shadow entries that map gpfn, tested and cleared. A shadow entry is made with A set and
 * the machine's walker sets it again when it next walks to it (the machine TLB forgets the
 * entry here, for the current VM's; another VM's entries are not in the machine TLB). */
static void a_test_clear(void *ctx, uint32_t node)
{
    struct sh_hook_ctx *c = ctx;
    struct sh_vm *s = SV(c->vm);
    struct sh_page *sp = s->pages[SH_NODE_PAGE(node)];
    uint32_t i = SH_NODE_SLOT(node), *e = &sp_entries(c->vmm, sp)[i];
    if (!(*e & PW_A))
        return;
    *e &= ~PW_A;
    c->hit = 1;
    s->n.a_cleared++;
    if (c->vmm->cur == c->vm)
        spte_each_va(c->vm, sp, i, invlpg_va, c->vmm);
}

static int sh_referenced(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_hook_ctx c = { vmm, vm, 0 };
    rmap_each(SV(vm), gpfn, a_test_clear, &c);
    return c.hit;
}

/* A page becoming shared (mmu_backend.h protect): its writable shadow entries become
 * read-only, found through the reverse map; the machine TLB forgets them. */
static void ro(void *ctx, uint32_t node)
{
    struct sh_hook_ctx *c = ctx;
    struct sh_vm *s = SV(c->vm);
    struct sh_page *sp = s->pages[SH_NODE_PAGE(node)];
    uint32_t i = SH_NODE_SLOT(node), *e = &sp_entries(c->vmm, sp)[i];
    if (!(*e & PW_RW))
        return;
    *e &= ~PW_RW;
    s->n.write_protects++;
    if (c->vmm->cur == c->vm)
        spte_each_va(c->vm, sp, i, invlpg_va, c->vmm);
}

static void sh_protect(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    struct sh_hook_ctx c = { vmm, vm, 0 };
    rmap_each(s, gpfn, ro, &c);
    for (uint32_t k = gpfn / PMAP_EXTENT_PAGES; k < KSEG_PDES; k += 128)
        if (s->kseg[k] != SH_NONE && s->pages[s->kseg[k]]->large) {
            sp_zap(vmm, vm, s->pages[s->kseg[k]]);
            s->n.kseg_splits++;
        }
}

static void sh_pt_write(struct vmm *vmm, struct vm *vm, uint32_t gpa, uint32_t val)
{
    S(vmm)->busy++;
    sh_pt_write_batched(vmm, vm, gpa, val);
    S(vmm)->busy--;
}

static int sh_init(struct vmm *vmm, const struct vmm_config *cfg, char *err, size_t errlen)
{
    struct shadow_opts o = opts_or_defaults(cfg->backend_opts);
    if (shadow_opts_check(&o, err, errlen))
        return -1;
    struct sh *sh = calloc(1, sizeof(*sh));
    if (!sh || !(sh->hw = pw_new(vmm->cpu, &o.pw))) {
        free(sh);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sh->o = o;
    sh->max_frames = o.max_frames;
    sh->empty_root = frames_alloc(&vmm->frames, SH_OWNER_MACHINE);
    if (sh->empty_root == FRAMES_NONE) {
        sh->hw->ops->destroy(sh->hw);
        free(sh);
        snprintf(err, errlen, "no machine frame for the shadow back end");
        return -1;
    }
    sh->frames = 1;
    vmm->be = sh;
    vmm->cpu->mmu = sh->hw;
    load_empty_root(vmm);
    return 0;
}

static uint32_t sh_vm_frames(const struct vmm_config *cfg)
{
    return opts_or_defaults(cfg->backend_opts).max_frames;
}

static void sh_fini(struct vmm *vmm)
{
    struct sh *sh = S(vmm);
    if (sh->hw)
        sh->hw->ops->destroy(sh->hw);
    frames_free(&vmm->frames, sh->empty_root);
    vmm->cpu->mmu = NULL;
    free(sh);
    vmm->be = NULL;
}

static int sh_vm_init(struct vmm *vmm, struct vm *vm, const struct vmm_config *cfg)
{
    (void)cfg;
    const struct shadow_opts *o = &S(vmm)->o;
    struct sh_vm *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    vm->be = s;
    s->pmap = &vm->pmap;
    s->opts = o->opts;
    s->cur = SH_NONE;
    s->retry_pc = SH_NONE;
    s->last_write_gfn = SH_NONE;
    s->lru_head = s->lru_tail = SH_NONE;
    s->npages = vm->pmap.npages;
    s->roots_max = o->roots;
    memset(s->hash, 0xFF, sizeof(s->hash));
    memset(s->kseg, 0xFF, sizeof(s->kseg));
    s->model = calloc(1, sizeof(*s->model));
    s->cache = calloc(s->roots_max, sizeof(*s->cache));
    s->rmap = malloc(s->npages * sizeof(*s->rmap));
    s->track = calloc(s->npages, sizeof(*s->track));
    s->wva = malloc(s->npages * sizeof(*s->wva));
    if (!s->model || !s->cache || !s->rmap || !s->track || !s->wva ||
        oos_init(s, sh_opt(s, SHADOW_OPT_OOS) ? o->oos : 0) != 0 ||
        (sh_opt(s, SHADOW_OPT_EXACT) && vtlb_init(vm, &o->pw) != 0))
        return -1;
    if (sh_opt(s, SHADOW_OPT_KLARGE)) {
        /* the VM's RAM in machine-contiguous 4 MiB extents (before the ELF is loaded) */
        s->ext_tracked = calloc((s->npages + PMAP_EXTENT_PAGES - 1) / PMAP_EXTENT_PAGES,
                                sizeof(*s->ext_tracked));
        if (!s->ext_tracked)
            return -1;
        /* refused when the memory manager may reclaim or share the VM's pages (pmap.h):
         * then no window is ever large */
        (void)pmap_use_extents(&vm->pmap);
    }
    memset(s->rmap, 0xFF, s->npages * sizeof(*s->rmap));
    memset(s->wva, 0xFF, s->npages * sizeof(*s->wva));
    s->model->base.ops = &sh_model_ops;
    s->model->base.cpu = vm->v;
    s->model->vm = vm;
    vm->v->mmu = &s->model->base;
    return 0;
}

static void sh_vm_fini(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    if (s->pages && s->rmap && s->track && s->wva) {
        sp_zap_all(vmm, vm);
        if (S(vmm))
            load_empty_root(vmm);
    }
    if (s->model && vm->v && vm->v->mmu == &s->model->base)
        vm->v->mmu = NULL;
    vtlb_free(s);
    oos_free(s);
    free(s->model);
    free(s->pages);
    free(s->cache);
    free(s->rmap);
    free(s->track);
    free(s->wva);
    free(s->ext_tracked);
    free(s);
    vm->be = NULL;
}

static void sh_register_stats(struct vmm *vmm, struct stats *st)
{
    stats_add(st, &S(vmm)->tlb_flushes, "machine.shadow.tlb_flushes");
    stats_add(st, &S(vmm)->frames, "machine.shadow.frames");
}

static void sh_register_vm_stats(struct vmm *vmm, struct vm *vm, struct stats *st, const char *px)
{
    (void)vmm;
    struct sh_vm *s = SV(vm);
#define SH_STAT(f) stats_add(st, &s->n.f, "%s.shadow." #f, px);
    SH_COUNTERS(SH_STAT)
#undef SH_STAT
}

static uint64_t sh_vm_resolved(const struct vmm *vmm, const struct vm *vm)
{
    (void)vmm;
    const struct sh_vm *s = vm->be;
    return s ? s->n.fills + s->n.kseg_fills + s->n.vmm_fills + s->n.pt_write_emulated : 0;
}

const struct mmu_backend shadow_backend = {
    .name = "shadow",
    .mmu = "pagewalk",
    .summary = "shadow page tables on the hardware page walker (--mmu pagewalk)",
    .opts = &shadow_cmdline_opts,
    .init = sh_init,
    .fini = sh_fini,
    .vm_init = sh_vm_init,
    .vm_fini = sh_vm_fini,
    .vm_frames = sh_vm_frames,
    .fault_unmapped = sh_fault_unmapped,
    .fault_mapped = sh_fault_mapped,
    .machine_frame = sh_machine_frame,
    .priv_op = sh_priv_op,
    .seg_changed = sh_seg_changed,
    .sync = sh_sync,
    .switch_out = sh_switch_out,
    .switch_in = sh_switch_in,
    .unmapped = sh_unmapped,
    .protect = sh_protect,
    .referenced = sh_referenced,
    .pt_write = sh_pt_write,
    .register_stats = sh_register_stats,
    .register_vm_stats = sh_register_vm_stats,
    .vm_resolved = sh_vm_resolved,
};
