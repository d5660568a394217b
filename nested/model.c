/* model.c - the guest's walker as the core sees it (vm->v->mmu). In nested mode the guest's
 * PTBase, InvlPg and PFErr are the machine's while the VM runs (its kernel reads and writes
 * them without a trap); this model keeps them while it does not, and walks the guest's own
 * tables through its pmap (walk.h's rules, no side effect) for the core's instruction fetch
 * and device emulation. */
#include <stdlib.h>

#include "../core/pmap.h"
#include "../pagewalk/walk.h"
#include "nt_int.h"

static void live_regs(struct nt_model *md)
{
    if (md->on_cpu)
        pw_mmu_guest_regs(md->nt->hw, &md->ptbase, &md->pferr);
}

static int gw_reaches(void *ctx, uint32_t gpa)
{
    const struct pmap *p = ctx;
    return p->ram_bytes >= 4 && gpa <= p->ram_bytes - 4;
}

static uint32_t gw_read(void *ctx, uint32_t gpa)
{
    uint32_t v = 0;
    pmap_read(ctx, gpa, &v, 4);
    return v;
}

static void gw_write(void *ctx, uint32_t gpa, uint32_t v)
{
    (void)ctx, (void)gpa, (void)v;      /* update == 0: never called */
}

static const struct pw_walk_acc gw_acc = { .reaches = gw_reaches, .read = gw_read,
                                           .write = gw_write };

static int model_translate(struct mmu *m, uint32_t va, int access, int user, uint32_t *pa)
{
    struct nt_model *md = (struct nt_model *)m;
    struct pw_walk w;
    live_regs(md);
    if (pw_walk_tables(&gw_acc, &md->vm->pmap, md->ptbase, va, access, user, 0, &w) != PW_WALK_OK)
        return MMU_PAGEFAULT;
    *pa = pw_walk_frame(&w) | (va & (w.big ? 0x3FFFFFu : 0xFFFu));
    return MMU_OK;
}

static int model_tlb_op(struct mmu *m, int op)
{
    (void)m, (void)op;
    return EXC_RI;                 /* as the native walker: no software-visible TLB */
}

static int model_cp0_read(struct mmu *m, int reg, int sel, uint32_t *val)
{
    struct nt_model *md = (struct nt_model *)m;
    if (reg != PW_CP0_REG)
        return 0;
    live_regs(md);
    switch (sel) {
    case PW_SEL_PTBASE: *val = md->ptbase; return 1;
    case PW_SEL_INVLPG: *val = 0; return 1;
    case PW_SEL_PFERR: *val = md->pferr; return 1;
    }
    return 0;
}

/* Reached only if the core emulates a write the hardware did not serve: keeps the machine
 * in step while the VM runs. */
static int model_cp0_write(struct mmu *m, int reg, int sel, uint32_t val)
{
    struct nt_model *md = (struct nt_model *)m;
    if (reg != PW_CP0_REG || sel > PW_SEL_PFERR)
        return 0;
    live_regs(md);
    if (sel == PW_SEL_PTBASE) {
        md->ptbase = val & PW_FRAME_4K;
        if (md->on_cpu)
            pw_mmu_set_guest_regs(md->nt->hw, md->ptbase, md->pferr);
    } else if (sel == PW_SEL_INVLPG && md->on_cpu) {
        pw_mmu_invalidate_range(md->nt->hw, val & PW_FRAME_4K, 0x1000u);
    }
    return 1;
}

static void model_asid_changed(struct mmu *m)
{
    (void)m;
}

static void model_destroy(struct mmu *m)
{
    free(m);
}

const struct mmu_ops nt_model_ops = {
    .name = "pagewalk (nested)",
    .translate = model_translate,
    .tlb_op = model_tlb_op,
    .cp0_read = model_cp0_read,
    .cp0_write = model_cp0_write,
    .asid_changed = model_asid_changed,
    .destroy = model_destroy,
};
