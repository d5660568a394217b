/* nested.c - the nested-paging back end's hooks (mmu_backend.h, docs/nested.md).
 *
 * The machine's walker runs in nested mode for the VM on the CPU: its nested root is the
 * VM's nested table, its PTBase/PFErr the guest's own (the guest kernel reads and writes
 * them without a trap; a world switch saves and loads them), and the guest's unmapped
 * segments (kseg0/kseg1, or useg with ERL) are guest-unpaged regions of the walker. So the
 * VMM sees only:
 *   - nested faults (EXC_NPF): a guest-physical page not in the nested table yet is backed
 *     from the pmap and mapped (ntable.c), and the access retried; a GPA outside the VM's
 *     RAM is a device access (emulated) or a bus error, as on the bare machine; a guest
 *     table entry outside RAM is the guest's page fault, as the native walker reports it;
 *   - the guest's own page faults (TLBL/TLBS, PFErr already the guest's): reflected;
 *   - nothing for the guest's page-table writes, PTBase switches or InvlPg.
 * Nothing here is in core/: the back end is the table at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cpu.h"
#include "../core/frames.h"
#include "../core/opt_table.h"
#include "../core/pmap.h"
#include "../core/stats.h"
#include "nt_int.h"

int nested_parse_opts(const char *s, struct pw_nested_config *c, char *err, size_t errlen)
{
    *c = (struct pw_nested_config){ 0 };
    if (strcmp(s, "none") == 0)
        return 0;
    if (strcmp(s, "all") == 0) {
        *c = (struct pw_nested_config){ .pwc = 1, .ntlb = 1, .large = 1 };
        return 0;
    }
    const char *p = s;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 3 && strncmp(p, "pwc", 3) == 0)
            c->pwc = 1;
        else if (len == 4 && strncmp(p, "ntlb", 4) == 0)
            c->ntlb = 1;
        else if (len == 5 && strncmp(p, "large", 5) == 0)
            c->large = 1;
        else {
            snprintf(err, errlen, "unknown nested-paging option '%.*s' (pwc, ntlb, large, all, "
                     "none)", (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        p += len;
        if (*p == ',' && *++p == '\0') {
            snprintf(err, errlen, "empty nested-paging option at the end of '%.60s'", s);
            return -1;
        }
    }
    return 0;
}

/* ---- the command line: --nested-opts (mmu_backend.h struct mmu_backend_opts) ---- */

/* What the CLI's parser fills (the row's offsets are into it). */
struct nested_cmdline {
    const char *opts;              /* --nested-opts, as given */
    struct {
        unsigned opts;
    } given;
    struct nested_opts out;        /* what nt_init gets */
};

static const struct opt nested_rows[] = {
    { "nested-opts", "LIST|all|none", OPT_STRING, 0, 0, 0, NULL,
      OPT_SCOPE_VMM | OPT_SCOPE_PAGEWALK, "the VMM with --mmu pagewalk",
      OPT_FIELD(struct nested_cmdline, opts), "none",
      "nested paging's optional hardware, comma-separated: pwc (page-walk cache), ntlb "
      "(nested TLB), large (4 MiB nested pages over 4 MiB machine extents) (docs/nested.md)" },
};

/* The list by name, the walker's TLB from the run (ctx->machine: its struct pw_config), and
 * --nested-opts refused when no VM of the run is under nested paging. */
static int nested_cmdline_finish(void *p, const struct mmu_backend_optctx *ctx,
                                 const void **backend_opts, char *err, size_t errlen)
{
    struct nested_cmdline *c = p;
    const struct pw_config *pw = ctx->machine;
    char why[256];
    c->out = (struct nested_opts){
        .pw = pw ? *pw : (struct pw_config){ PW_DEFAULT_TLB_ENTRIES, PW_DEFAULT_TLB_WAYS } };
    if (c->opts && nested_parse_opts(c->opts, &c->out.hw, why, sizeof(why))) {
        snprintf(err, errlen, "bad --nested-opts: %s", why);
        return -1;
    }
    if (c->given.opts && !ctx->used) {
        snprintf(err, errlen, "--nested-opts does nothing without --backend nested (or a --vm "
                 "with backend=nested)");
        return -1;
    }
    *backend_opts = &c->out;
    return 0;
}

static const struct mmu_backend_opts nested_cmdline_opts = {
    .table = nested_rows,
    .count = sizeof(nested_rows) / sizeof(nested_rows[0]),
    .size = sizeof(struct nested_cmdline),
    .finish = nested_cmdline_finish,
};

static struct nested_opts opts_or_defaults(const void *o)
{
    if (o)
        return *(const struct nested_opts *)o;
    return (struct nested_opts){ .pw = { PW_DEFAULT_TLB_ENTRIES, PW_DEFAULT_TLB_WAYS } };
}

static void out_of_frames(struct vmm *vmm)
{
    fprintf(stderr, "tlbvisor: vm%u: no machine frame left for its memory or nested table\n",
            vmm->cur->id);
    cpu_request_stop(vmm->cpu, CPU_STOP_HANG, 0);
}

/* The guest's segment map as guest-unpaged regions of the walker: a 512 MiB region the
 * guest reaches unmapped (in its present mode, or in kernel mode for a region the present
 * mode cannot reach, which the machine's segment control keeps out of reach anyway) goes
 * to its guest-physical base without a guest walk. Reloaded at a world switch and when
 * the core says the guest's segment map changed (seg_changed). */
static void load_direct(struct vmm *vmm, struct vm *vm, int force)
{
    struct nt_vm *n = NV(vm);
    uint8_t mask = 0;
    uint32_t base[8] = { 0 };
    for (unsigned r = 0; r < 8; r++) {
        uint32_t pa, va = r << 29;
        enum seg_kind k = cpu_seg_lookup_mode(vm->v, vm->v->tc_mode, va, &pa);
        if (k == SEG_ERROR)
            k = cpu_seg_lookup_mode(vm->v, TC_KERNEL, va, &pa);
        if (k == SEG_UNMAPPED) {
            mask |= (uint8_t)(1u << r);
            base[r] = pa & 0xE0000000u;
        }
    }
    if (!force && mask == n->direct && memcmp(base, n->direct_base, sizeof(base)) == 0)
        return;
    n->n.seg_changes += !force;
    n->direct = mask;
    memcpy(n->direct_base, base, sizeof(base));
    pw_mmu_set_direct(NT(vmm)->hw, mask, base);
}

/* The guest's own page fault (the hardware walked the guest's tables; PFErr is its own
 * already): reflected. */
static void nt_fault_mapped(struct vmm *vmm, const struct vmm_fault *f)
{
    NV(vmm->cur)->n.guest_faults++;
    vmm_reflect(vmm, f->e);
}

/* A machine page fault where the guest sees no paging: the walker's guest-unpaged regions
 * lagged the guest's segment map. Reloaded and retried once; a second time is a bug of
 * this back end, and the VM stops rather than loop. */
static void nt_fault_unmapped(struct vmm *vmm, const struct vmm_fault *f)
{
    struct vm *vm = vmm->cur;
    struct nt_vm *n = NV(vm);
    if (n->direct & (1u << (f->va >> 29))) {
        fprintf(stderr, "tlbvisor: vm%u: nested paging walked the guest-unpaged address "
                "0x%08x: stopped\n", vm->id, f->va);
        cpu_request_stop(vmm->cpu, CPU_STOP_FAULT_LOOP, 0);
        return;
    }
    load_direct(vmm, vm, 1);
    vmm_retry(vmm);
}

/* A nested fault (the exit, EXC_NPF) at guest-physical f->gpa: a page of the VM's RAM not
 * in the nested table yet is mapped and the access retried; a guest table entry outside
 * RAM is the guest's page fault; anything else a device access or a bus error. */
static void nt_fault_nested(struct vmm *vmm, const struct vmm_fault *f)
{
    struct vm *vm = vmm->cur;
    struct nt_vm *n = NV(vm);
    const struct cpu_exc *e = f->e;
    n->n.exits++;
    uint32_t gpfn = f->gpa >> 12;
    if (gpfn < vm->pmap.npages) {
        /* a write (the access, or the walker's A/D write-back to a guest table) asks the
         * pmap for a writable frame: a shared page is copied, a watched one classified */
        if (nt_map(vmm, vm, gpfn, (e->npf & PW_NPF_W) != 0) != 0) {
            out_of_frames(vmm);
            return;
        }
        vmm_retry(vmm);
        return;
    }
    if (e->npf & PW_NPF_WALK) {
        /* a guest table entry outside the guest's RAM: the native walker's not-present
         * fault (pw.faults.pt_outside_ram there) */
        n->n.walk_outside++;
        struct nt_model *md = n->model;
        pw_mmu_guest_regs(NT(vmm)->hw, &md->ptbase, &md->pferr);
        pw_mmu_set_guest_regs(NT(vmm)->hw, md->ptbase, pw_pferr(0, f->access, f->user));
        struct cpu_exc g = { .code = f->access == MMU_STORE ? EXC_TLBS : EXC_TLBL,
                             .has_badvaddr = 1, .badvaddr = f->va, .fetch = e->fetch };
        vmm_reflect(vmm, &g);
        return;
    }
    n->n.mmio++;
    vmm_access_unbacked(vmm, f->access == MMU_FETCH);
}

static int nt_priv_op(struct vmm *vmm, const struct dinsn *d)
{
    (void)vmm, (void)d;
    return 0;                          /* the hardware serves the guest's MMU registers */
}

static void nt_seg_changed(struct vmm *vmm, struct vm *vm)
{
    load_direct(vmm, vm, 0);
}

static void nt_sync(struct vmm *vmm)
{
    (void)vmm;                         /* the hardware follows the guest's mode and PTBase */
}

static void nt_switch_out(struct vmm *vmm, struct vm *vm)
{
    struct nt_model *md = NV(vm)->model;
    pw_mmu_guest_regs(NT(vmm)->hw, &md->ptbase, &md->pferr);
    md->on_cpu = 0;
}

static void nt_switch_in(struct vmm *vmm, struct vm *vm)
{
    struct nt_vm *n = NV(vm);
    if (NT(vmm)->loaded == vm) {
        n->model->on_cpu = 1;              /* nothing else used the walker meanwhile */
        return;
    }
    NT(vmm)->loaded = vm;
    pw_mmu_set_nroot(NT(vmm)->hw, n->root << 12);
    pw_mmu_set_guest_regs(NT(vmm)->hw, n->model->ptbase, n->model->pferr);
    n->model->on_cpu = 1;
    load_direct(vmm, vm, 1);
}

/* Frames of vm go back to the pool: all (the VM stops: the nested table goes, the machine
 * rests on the empty root), or some (a page swapped, shared or ballooned away: its nested
 * entry goes, and the machine forgets what it cached). */
static void nt_unmapped(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t count)
{
    struct nt_vm *n = NV(vm);
    if (gpfn == 0 && count >= n->npages) {
        if (NT(vmm)->loaded == vm) {
            pw_mmu_set_nroot(NT(vmm)->hw, NT(vmm)->empty_root << 12);
            NT(vmm)->loaded = NULL;
        }
        nt_table_free(vmm, vm);
        return;
    }
    for (uint32_t g = gpfn; g < gpfn + count && g < n->npages; g++)
        nt_unmap(vmm, vm, g);
}

/* A page of vm becomes shared (or otherwise read-only for the guest): its nested entry
 * loses RW; the guest's next store to it is a nested fault that copies it (nt_map). */
static void nt_protect_hook(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    if (gpfn < NV(vm)->npages)
        nt_protect(vmm, vm, gpfn);
}

static int nt_init(struct vmm *vmm, const struct vmm_config *cfg, char *err, size_t errlen)
{
    struct nested_opts o = opts_or_defaults(cfg->backend_opts);
    if (pw_config_check(&o.pw, err, errlen))
        return -1;
    struct nt *nt = calloc(1, sizeof(*nt));
    if (!nt || !(nt->hw = pw_new(vmm->cpu, &o.pw))) {
        free(nt);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    nt->o = o;
    nt->empty_root = frames_alloc(&vmm->frames, NT_OWNER_MACHINE);
    if (nt->empty_root == FRAMES_NONE) {
        nt->hw->ops->destroy(nt->hw);
        free(nt);
        snprintf(err, errlen, "no machine frame for the nested back end");
        return -1;
    }
    nt->frames = 1;
    pw_mmu_nested(nt->hw, 1, &o.hw);
    pw_mmu_set_nroot(nt->hw, nt->empty_root << 12);
    vmm->be = nt;
    vmm->cpu->mmu = nt->hw;
    return 0;
}

static void nt_fini(struct vmm *vmm)
{
    struct nt *nt = NT(vmm);
    if (nt->hw)
        nt->hw->ops->destroy(nt->hw);
    frames_free(&vmm->frames, nt->empty_root);
    vmm->cpu->mmu = NULL;
    free(nt);
    vmm->be = NULL;
}

/* A VM's nested table: a directory and at most one page table per 4 MiB of its RAM. */
static uint32_t nt_vm_frames(const struct vmm_config *cfg)
{
    (void)cfg;
    return 1 + NT_MAX_PT;
}

static int nt_vm_init(struct vmm *vmm, struct vm *vm, const struct vmm_config *cfg)
{
    (void)cfg;
    struct nt_vm *n = calloc(1, sizeof(*n));
    if (!n)
        return -1;
    vm->be = n;
    n->npages = vm->pmap.npages;
    n->root = FRAMES_NONE;
    if (!(n->model = calloc(1, sizeof(*n->model))))
        return -1;
    n->model->base.ops = &nt_model_ops;
    n->model->base.cpu = vm->v;
    n->model->vm = vm;
    n->model->nt = NT(vmm);
    vm->v->mmu = &n->model->base;
    if (NT(vmm)->o.hw.large && pmap_use_extents(&vm->pmap) != 0)
        return -1;
    return nt_table_init(vmm, vm);
}

static void nt_vm_fini(struct vmm *vmm, struct vm *vm)
{
    struct nt_vm *n = NV(vm);
    if (NT(vmm) && NT(vmm)->loaded == vm) {
        pw_mmu_set_nroot(NT(vmm)->hw, NT(vmm)->empty_root << 12);
        NT(vmm)->loaded = NULL;
    }
    nt_table_free(vmm, vm);
    if (n->model && vm->v && vm->v->mmu == &n->model->base)
        vm->v->mmu = NULL;
    free(n->model);
    free(n);
    vm->be = NULL;
}

static void nt_register_stats(struct vmm *vmm, struct stats *st)
{
    stats_add(st, &NT(vmm)->frames, "machine.nested.frames");
}

static void nt_register_vm_stats(struct vmm *vmm, struct vm *vm, struct stats *st, const char *px)
{
    (void)vmm;
    struct nt_vm *n = NV(vm);
#define NT_STAT(f) stats_add(st, &n->n.f, "%s.nested." #f, px);
    NT_COUNTERS(NT_STAT)
#undef NT_STAT
}

static uint64_t nt_vm_resolved(const struct vmm *vmm, const struct vm *vm)
{
    (void)vmm;
    const struct nt_vm *n = vm->be;
    return n ? n->n.fills + n->n.large_fills : 0;
}

const struct mmu_backend nested_backend = {
    .name = "nested",
    .mmu = "pagewalk",
    .summary = "nested paging, EPT/NPT-like: the walker's nested mode (--mmu pagewalk)",
    .opts = &nested_cmdline_opts,
    .init = nt_init,
    .fini = nt_fini,
    .vm_init = nt_vm_init,
    .vm_fini = nt_vm_fini,
    .vm_frames = nt_vm_frames,
    .fault_unmapped = nt_fault_unmapped,
    .fault_mapped = nt_fault_mapped,
    .fault_nested = nt_fault_nested,
    .priv_op = nt_priv_op,
    .seg_changed = nt_seg_changed,
    .sync = nt_sync,
    .switch_out = nt_switch_out,
    .switch_in = nt_switch_in,
    .unmapped = nt_unmapped,
    .protect = nt_protect_hook,
    .register_stats = nt_register_stats,
    .register_vm_stats = nt_register_vm_stats,
    .vm_resolved = nt_vm_resolved,
};
