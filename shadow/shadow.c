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

/* ---- options ------------------------------------------------------------------------- */

static const struct { const char *name; unsigned bit; } opt_names[] = {
#define SHADOW_OPT_NAME(up, name, doc) { #name, SHADOW_OPT_##up },
    SHADOW_OPTS(SHADOW_OPT_NAME)
#undef SHADOW_OPT_NAME
};

int shadow_parse_opts(const char *str, unsigned *bits, char *err, size_t errlen)
{
    if (strcmp(str, "none") == 0) {
        *bits = 0;
        return 0;
    }
    unsigned b = 0;
    const char *p = str;
    for (;;) {
        size_t len = strcspn(p, ","), i;
        if (len == 3 && strncmp(p, "all", 3) == 0) {
            b |= SHADOW_OPT_ALL;
        } else {
            for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
                if (strlen(opt_names[i].name) == len && strncmp(p, opt_names[i].name, len) == 0)
                    break;
            if (i == sizeof(opt_names) / sizeof(opt_names[0])) {
                snprintf(err, errlen, "unknown shadow option '%.*s' (none, all, or a comma-"
                         "separated list of: share, update, oos, flood, prefetch, mru, unprotect, "
                         "kglobal, klarge, exact)", (int)(len > 40 ? 40 : len), p);
                return -1;
            }
            b |= opt_names[i].bit;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    *bits = b;
    return 0;
}

void shadow_format_opts(unsigned bits, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
        if ((bits & opt_names[i].bit) && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", opt_names[i].name);
    if (!n)
        snprintf(buf, len, "none");
}

int shadow_opts_check(const struct shadow_opts *o, char *err, size_t errlen)
{
    if (o->max_frames && (o->max_frames < SHADOW_MIN_FRAMES || o->max_frames > SHADOW_MAX_FRAMES)) {
        snprintf(err, errlen, "--shadow-frames must be %u..%u (got %u)", SHADOW_MIN_FRAMES,
                 SHADOW_MAX_FRAMES, o->max_frames);
        return -1;
    }
    if (o->roots > SHADOW_MAX_ROOTS) {
        snprintf(err, errlen, "--shadow-roots must be 1..%u (got %u)", SHADOW_MAX_ROOTS, o->roots);
        return -1;
    }
    if (o->oos > SHADOW_MAX_OOS) {
        snprintf(err, errlen, "--shadow-oos must be 1..%u (got %u)", SHADOW_MAX_OOS, o->oos);
        return -1;
    }
    if (o->prefetch > SHADOW_MAX_PREFETCH || (o->prefetch & (o->prefetch - 1))) {
        snprintf(err, errlen, "--shadow-prefetch must be a power of two 1..%u (got %u)",
                 SHADOW_MAX_PREFETCH, o->prefetch);
        return -1;
    }
    if (o->opts & ~((1u << SHADOW_OPT_COUNT) - 1)) {
        snprintf(err, errlen, "unknown shadow option bits %#x", o->opts);
        return -1;
    }
    return pw_config_check(&o->pw, err, errlen);
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

static void sh_fault(struct vmm *vmm, const struct cpu_exc *e)
{
    sh_do_fault(vmm, e);
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
        if (root_switch(vmm, vm, val >> 12) != 0)
            out_of_frames(vmm);
        break;
    case PW_SEL_INVLPG:
        sh_do_invlpg(vmm, vm, val);
        break;
    default:
        return 0;                  /* PFErr (read-only) and the rest: the core */
    }
    audit(vmm, "priv_op");
    return 1;
}

static void sh_sync(struct vmm *vmm)
{
    struct vm *vm = vmm->cur;
    struct sh_vm *s = SV(vm);
    uint32_t key = vmm_seg_key(vm->v);
    if (!s->seg_key_set || key != s->seg_key) {
        if (s->seg_key_set) {
            /* (the guest's TLB, exact mode, is not the VMM's to flush: its entries come
             * back into the shadow on demand) */
            sp_zap_all(vmm, vm);
            sh_hw_flush_all(vmm);
            s->n.seg_flushes++;
        }
        s->seg_key = key;
        s->seg_key_set = 1;
    }
    if (load_root(vmm, vm) != 0)
        out_of_frames(vmm);
}

static void sh_switch_out(struct vmm *vmm, struct vm *vm)
{
    (void)vm;
    sh_hw_flush_all(vmm);          /* global entries included: they are this VM's */
}

static void sh_switch_in(struct vmm *vmm, struct vm *vm)
{
    if (load_root(vmm, vm) != 0)
        out_of_frames(vmm);
}

/* Frames of vm go back to the pool. All of them (the VM stops): every shadow page goes,
 * the machine's PTBase rests on the empty root and the machine TLB is emptied. Some (a page
 * swapped, shared or ballooned away): every shadow entry that maps them goes, through the
 * reverse map, and the machine TLB forgets them; a frame that is a page table is unshadowed
 * first. */
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
        if (is_tracked(s, g) || sp_next_of_gfn(s, g, SH_NONE) != SH_NONE)
            unshadow(vmm, vm, g);
        while (s->rmap[g] != SH_NONE) {
            uint32_t n = s->rmap[g];
            spte_clear(vmm, vm, s->pages[SH_NODE_PAGE(n)], SH_NODE_SLOT(n));
        }
        flush = 1;                 /* a machine TLB entry may outlive its shadow entry */
    }
    if (flush)
        sh_hw_flush_all(vmm);
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
        if (!s->ext_tracked || pmap_use_extents(&vm->pmap) != 0)
            return -1;
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
    .init = sh_init,
    .fini = sh_fini,
    .vm_init = sh_vm_init,
    .vm_fini = sh_vm_fini,
    .vm_frames = sh_vm_frames,
    .fault = sh_fault,
    .priv_op = sh_priv_op,
    .sync = sh_sync,
    .switch_out = sh_switch_out,
    .switch_in = sh_switch_in,
    .unmapped = sh_unmapped,
    .register_stats = sh_register_stats,
    .register_vm_stats = sh_register_vm_stats,
    .vm_resolved = sh_vm_resolved,
};
