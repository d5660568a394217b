/* model.c - what the guest sees of its walker (vm->v->mmu): PTBase and PFErr, RI for the
 * TLB instructions; and the walk of the guest's own tables (pagewalk/walk.h's rules, over
 * its pmap). */
#include <stdlib.h>
#include <string.h>

#include "../core/pmap.h"
#include "sh_int.h"

/* ---- the guest's walk ----------------------------------------------------------------- */

/* The walk's accessors over the guest's RAM: guest-physical entries read and written
 * through the pmap; a write-back never backs a page (the entry was just read non-zero from
 * it, so it is backed). */
struct gwalk_ctx {
    struct pmap *p;
    struct shadow_walk *w;
};

static int gw_reaches(void *ctx, uint32_t gpa)
{
    const struct pmap *p = ((struct gwalk_ctx *)ctx)->p;
    return p->ram_bytes >= 4 && gpa <= p->ram_bytes - 4;
}

static uint32_t gw_read(void *ctx, uint32_t gpa)
{
    struct gwalk_ctx *c = ctx;
    uint32_t v = 0;
    pmap_read(c->p, gpa, &v, 4);
    c->w->memrefs++;
    return v;
}

static void gw_write(void *ctx, uint32_t gpa, uint32_t v)
{
    struct gwalk_ctx *c = ctx;
    if (pmap_lookup(c->p, gpa >> 12) == PMAP_NONE)
        return;
    pmap_write(c->p, gpa, &v, 4);
    c->w->memrefs++;
    if (c->w->ad_writes < 2)
        c->w->written[c->w->ad_writes] = gpa;
    c->w->ad_writes++;
}

static const struct pw_walk_acc gw_acc = { .reaches = gw_reaches, .read = gw_read, .write = gw_write };

enum shadow_fault shadow_walk(struct pmap *p, uint32_t ptbase, uint32_t va, int access, int user,
                              int update, struct shadow_walk *w)
{
    struct pw_walk pw;
    struct gwalk_ctx c = { p, w };
    memset(w, 0, sizeof(*w));
    enum pw_walk_fault f = pw_walk_tables(&gw_acc, &c, ptbase, va, access, user, update, &pw);
    w->a_set = pw.a_set;
    if (f != PW_WALK_OK)
        return f == PW_WALK_PROTECTION ? SHADOW_PROTECTION : SHADOW_NOT_PRESENT;
    w->pde = pw.pde;
    w->leaf = pw.leaf;
    w->big = pw.big;
    w->d_set = (int)pw.d_set;
    w->table_gpfn = pw.big ? 0 : pw_walk_table(&pw) >> 12;
    w->gpa = pw.big ? pw_walk_frame(&pw) | (va & 0x3FF000u) : pw_walk_frame(&pw);
    return SHADOW_OK;
}

uint32_t shadow_pferr(enum shadow_fault f, int access, int user)
{
    return pw_pferr(f == SHADOW_PROTECTION, access, user);
}

/* ---- the guest's model of its walker ----------------------------------------------------- */

/* Translates without side effects (no A/D, no PFErr, no TLB change): the core reads the
 * instruction that trapped and emulates device accesses through it. */
static int model_translate(struct mmu *m, uint32_t va, int access, int user, uint32_t *pa)
{
    struct sh_model *md = (struct sh_model *)m;
    struct shadow_walk w;
    /* in exact mode the guest's TLB answers first, as the native TLB would */
    if (md->vm->be && vtlb_probe(SV(md->vm), va, access == MMU_STORE, user, pa) == 0)
        return MMU_OK;
    if (shadow_walk(&md->vm->pmap, md->ptbase, va, access, user, 0, &w) != SHADOW_OK)
        return MMU_PAGEFAULT;
    *pa = w.gpa | (va & 0xFFFu);
    return MMU_OK;
}

static int model_tlb_op(struct mmu *m, int op)
{
    (void)m;
    (void)op;
    return EXC_RI;                 /* as the native walker: no software-visible TLB */
}

static int model_cp0_read(struct mmu *m, int reg, int sel, uint32_t *val)
{
    struct sh_model *md = (struct sh_model *)m;
    if (reg != PW_CP0_REG)
        return 0;
    switch (sel) {
    case PW_SEL_PTBASE: *val = md->ptbase; return 1;
    case PW_SEL_INVLPG: *val = 0; return 1;
    case PW_SEL_PFERR: *val = md->pferr; return 1;
    }
    return 0;
}

/* PTBase and InvlPg writes are the back end's (sh_priv_op); PFErr is read-only. */
static int model_cp0_write(struct mmu *m, int reg, int sel, uint32_t val)
{
    struct sh_model *md = (struct sh_model *)m;
    if (reg != PW_CP0_REG)
        return 0;
    if (sel == PW_SEL_PTBASE)
        md->ptbase = val & PW_FRAME_4K;
    return sel <= PW_SEL_PFERR;
}

static void model_asid_changed(struct mmu *m)
{
    (void)m;
}

static void model_destroy(struct mmu *m)
{
    free(m);
}

const struct mmu_ops sh_model_ops = {
    .name = "pagewalk (shadowed)",
    .translate = model_translate,
    .tlb_op = model_tlb_op,
    .cp0_read = model_cp0_read,
    .cp0_write = model_cp0_write,
    .asid_changed = model_asid_changed,
    .destroy = model_destroy,
};
