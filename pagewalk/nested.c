/* nested.c - the pagewalk personality's nested mode (pw.h "nested mode", docs/pagewalk.md
 * "Nested mode"): what EPT/NPT add to an x86 walker.
 *
 * A TLB miss in nested mode is a two-dimensional walk. The guest's walk is walk.h's
 * pw_walk_tables over the guest's tables, with accessors that translate each guest table
 * address through the nested table before reading it; the nested translations are
 * pw_walk_tables again, over the nested table in machine RAM (read only: the nested walk
 * writes no A/D). So both dimensions follow the one set of walk rules, and a guest walk of
 * n levels over a nested table of m levels makes n·m + n + m references: n·m + m nested
 * reads (each guest entry's GPA, then the final GPA) and n guest reads, plus the guest's own
 * A/D write-backs. The optional structures cut that down, each counted:
 *   - the page-walk cache (Bhargava et al., ASPLOS'08): guest PDEs tagged by their
 *     guest-physical address (a hit saves the PDE's nested translation and its read) and
 *     nested PDEs tagged by their machine address (a hit saves a nested read);
 *   - the nested TLB: GPA page -> machine page (a hit saves a whole nested walk);
 *   - large nested pages: a nested PDE with PS maps 4 MiB (one nested reference, not two).
 * All are direct-mapped, so their contents depend only on the sequence of walks. The TLB
 * holds the combined translation (GVA -> machine), at the smaller of the two page sizes. */
#include <string.h>

#include "../core/cpu.h"
#include "../core/stats.h"
#include "pw_int.h"

#define PWC_MASK (PW_PWC_ENTRIES - 1)
#define NTLB_MASK (PW_NTLB_ENTRIES - 1)
#define OFF_4K 0x00000FFFu
#define OFF_4M 0x003FFFFFu

/* One walker memory reference: counted in pw.memrefs and charged cost.walker_memref. */
static inline void charge(struct pw *pw)
{
    pw->n.memrefs++;
    pw->base.cpu->cycles_extra += pw->base.cpu->cost.walker_memref;
}

static int in_ram(const struct pw *pw, uint32_t pa)
{
    uint32_t ram_bytes = pw->base.cpu->ram_bytes;
    return ram_bytes >= 4 && pa <= ram_bytes - 4;
}

/* Empties the TLB (global entries included), the CPU's translation cache and every nested
 * cache: the translations of one guest are gone (a new nested root, INVEPT, a mode change). */
static void flush_all(struct pw *pw)
{
    pw_tlb_flush(&pw->tlb, 0, 0);
    cpu_tc_flush(pw->base.cpu);
    memset(pw->nest.pwc_guest, 0, sizeof(pw->nest.pwc_guest));
    memset(pw->nest.pwc_nested, 0, sizeof(pw->nest.pwc_nested));
    memset(pw->nest.ntlb, 0, sizeof(pw->nest.ntlb));
}

void pw_nested_guest_flush(struct pw *pw)
{
    memset(pw->nest.pwc_guest, 0, sizeof(pw->nest.pwc_guest));
}

void pw_nested_invlpg(struct pw *pw, uint32_t va)
{
    /* The guest invalidates its page, whatever its size: the 4 KiB pieces of a guest
     * 4 MiB page (splintered over 4 KiB nested pages) go with any of them, even if the
     * piece of va itself is not cached. */
    struct pw_tlb *t = &pw->tlb;
    for (unsigned i = 0; i < t->sets * t->ways; i++) {
        struct pw_tlb_entry *e = &t->e[i];
        if (e->valid && e->splinter && (e->va >> 22) == (va >> 22)) {
            uint32_t piece = e->va;
            pw_tlb_invalidate_va(t, piece);
            cpu_tc_flush_range(pw->base.cpu, piece, PW_PAGE_4K_BYTES);
        }
    }
    pw_nested_guest_flush(pw);
}

/* ---- the nested dimension: guest-physical -> machine ----------------------------------- */

/* The nested walk's accessors: the nested table in machine RAM; its first level through the
 * nested part of the page-walk cache. */
struct nwalk {
    struct pw *pw;
    int level;                 /* reaches() calls so far */
    int hit;                   /* the entry being read is the PWC's */
    int pde_hit;               /* the PDE came from the PWC */
    uint32_t pde;              /* ... its value */
};

static int n_reaches(void *ctx, uint32_t pa)
{
    struct nwalk *c = ctx;
    struct pw *pw = c->pw;
    c->hit = 0;
    if (c->level++ == 0 && pw->nest.c.pwc) {
        const struct pw_pwc_entry *e = &pw->nest.pwc_nested[(pa >> 2) & PWC_MASK];
        if (e->tag == (pa | 1)) {
            c->hit = c->pde_hit = 1;
            c->pde = e->pde;
            pw->nest.n.pwc_nested_hits++;
            return 1;
        }
    }
    return in_ram(pw, pa);
}

static uint32_t n_read(void *ctx, uint32_t pa)
{
    struct nwalk *c = ctx;
    uint32_t v;
    if (c->hit)
        return c->pde;
    memcpy(&v, c->pw->base.cpu->ram + pa, 4);
    c->pw->nest.n.nested_refs++;
    charge(c->pw);
    return v;
}

static void n_write(void *ctx, uint32_t pa, uint32_t v)
{
    (void)ctx, (void)pa, (void)v;       /* never called: the nested walk has update == 0 */
}

static const struct pw_walk_acc nested_acc = { .reaches = n_reaches, .read = n_read,
                                               .write = n_write };

/* A nested translation. */
struct ntr {
    uint32_t mpa;              /* the machine address of the GPA */
    uint8_t rw, big;           /* the nested rights allow writes; a 4 MiB nested page */
    uint32_t npf;              /* on a fault: the qualification (PW_NPF_P/W/RSVD) */
};

/* Translates gpa for a write (store != 0) or a read through the nested TLB, else the nested
 * walk. Returns 0 with *t, or -1 with t->npf (a nested fault). */
static int nested_translate(struct pw *pw, uint32_t gpa, int store, struct ntr *t)
{
    struct pw_nested *nt = &pw->nest;
    if (nt->c.ntlb) {
        struct pw_ntlb_entry *e = &nt->ntlb[(gpa >> 12) & NTLB_MASK];
        if (!(e->valid && !e->big && e->gpa == (gpa & PW_FRAME_4K))) {
            e = &nt->ntlb[(gpa >> 22) & NTLB_MASK];
            if (!(e->valid && e->big && e->gpa == (gpa & PW_FRAME_4M)))
                e = NULL;
        }
        if (e && (!store || e->rw)) {
            nt->n.ntlb_hits++;
            t->mpa = e->mpa | (gpa & (e->big ? OFF_4M : OFF_4K));
            t->rw = e->rw;
            t->big = e->big;
            return 0;
        }
        nt->n.ntlb_misses++;
    }
    struct nwalk c = { .pw = pw };
    struct pw_walk w;
    enum pw_walk_fault f = pw_walk_tables(&nested_acc, &c, nt->nroot, gpa,
                                          store ? MMU_STORE : MMU_LOAD, 0, 0, &w);
    if (nt->c.pwc && !c.pde_hit && (w.pde & (PW_P | PW_PS)) == PW_P) {
        struct pw_pwc_entry *e = &nt->pwc_nested[(w.pde_pa >> 2) & PWC_MASK];
        e->tag = w.pde_pa | 1;
        e->pde = w.pde;
    }
    t->npf = store ? PW_NPF_W : 0;
    if (w.big && !nt->c.large) {
        t->npf |= PW_NPF_RSVD;
        return -1;
    }
    if (f != PW_WALK_OK) {
        t->npf |= f == PW_WALK_PROTECTION ? PW_NPF_P : 0;
        return -1;
    }
    t->big = (uint8_t)w.big;
    t->rw = (pw_walk_rights(&w) & PW_RW) != 0;
    t->mpa = pw_walk_frame(&w) | (gpa & (w.big ? OFF_4M : OFF_4K));
    if (nt->c.ntlb) {
        uint32_t page = gpa & (w.big ? PW_FRAME_4M : PW_FRAME_4K);
        struct pw_ntlb_entry *e = &nt->ntlb[(gpa >> (w.big ? 22 : 12)) & NTLB_MASK];
        *e = (struct pw_ntlb_entry){ .gpa = page, .mpa = pw_walk_frame(&w), .valid = 1,
                                     .big = t->big, .rw = t->rw };
    }
    return 0;
}

/* ---- the guest dimension: guest-virtual -> guest-physical ------------------------------ */

/* The guest walk's accessors: each guest table address is translated through the nested
 * table (a failure ends the walk: the exit), then read in machine RAM; the first level may
 * come from the guest part of the page-walk cache. A/D write-backs go to the machine address
 * the read used and need the nested entry's RW (x86: the walker's A/D updates are writes
 * for EPT). */
struct gwalk {
    struct pw *pw;
    int level, hit, pde_hit;
    uint32_t pde;              /* the PWC's PDE, on a hit */
    uint32_t mpa;              /* machine address of the entry just reached */
    uint8_t rw;                /* its nested rights allow the write-back */
    uint32_t npf, ngpa;        /* a nested fault met (npf != 0): qualification, GPA */
};

static int g_reaches(void *ctx, uint32_t gpa)
{
    struct gwalk *c = ctx;
    struct pw *pw = c->pw;
    struct ntr t;
    c->hit = 0;
    if (c->npf)
        return 0;
    if (c->level++ == 0 && pw->nest.c.pwc) {
        const struct pw_pwc_entry *e = &pw->nest.pwc_guest[(gpa >> 2) & PWC_MASK];
        if (e->tag == (gpa | 1)) {
            c->hit = c->pde_hit = 1;
            c->pde = e->pde;
            pw->nest.n.pwc_guest_hits++;
            return 1;
        }
    }
    if (nested_translate(pw, gpa, 0, &t)) {
        c->npf = t.npf | PW_NPF_WALK;
        c->ngpa = gpa;
        return 0;
    }
    c->mpa = t.mpa;
    c->rw = t.rw;
    return in_ram(pw, t.mpa);
}

static uint32_t g_read(void *ctx, uint32_t gpa)
{
    struct gwalk *c = ctx;
    uint32_t v;
    (void)gpa;
    if (c->hit)
        return c->pde;
    memcpy(&v, c->pw->base.cpu->ram + c->mpa, 4);
    c->pw->nest.n.guest_refs++;
    charge(c->pw);
    return v;
}

static void g_write(void *ctx, uint32_t gpa, uint32_t v)
{
    struct gwalk *c = ctx;
    struct cpu *cpu = c->pw->base.cpu;
    if (c->npf)
        return;
    if (!c->rw) {
        c->npf = PW_NPF_P | PW_NPF_W | PW_NPF_WALK;
        c->ngpa = gpa;
        return;
    }
    memcpy(cpu->ram + c->mpa, &v, 4);
    cpu_phys_written(cpu, c->mpa, 4);
    c->pw->nest.n.guest_refs++;
    charge(c->pw);
}

static const struct pw_walk_acc guest_acc = { .reaches = g_reaches, .read = g_read,
                                              .write = g_write };

/* A nested fault: the exit's qualification and GPA. */
static enum pw_fault nested_exit(struct pw *pw, uint32_t npf, uint32_t gpa, uint32_t *gpa_out)
{
    pw->nest.n.faults++;
    pw->base.exit_info = npf;
    *gpa_out = gpa;
    pw_walk_done(pw);
    return PWF_NESTED;
}

int pw_nested_direct(struct pw *pw, uint32_t va, int access, uint32_t *pa)
{
    /* Unpaged for the guest (its kseg0/kseg1): a one-dimensional walk whose result is a
     * guest-physical mapping, not a combined one: it does not enter the TLB (where it would
     * evict the guest's own translations, which the guest's unmapped segments never do on
     * the bare machine); the nested TLB, when on, caches it (as VT-x keeps guest-physical
     * mappings apart from combined ones). The CPU's translation cache may hold it: every
     * change of the nested table, the nested root or the regions flushes that cache. */
    struct ntr t;
    uint32_t gpa = pw->nest.direct_base[va >> 29] | (va & 0x1FFFFFFFu);
    uint64_t refs = pw->n.memrefs;
    pw->nest.n.walks_direct++;
    int f = nested_translate(pw, gpa, access == MMU_STORE, &t);
    pw->nest.n.refs_direct += pw->n.memrefs - refs;
    if (f) {
        nested_exit(pw, t.npf | (access == MMU_FETCH ? PW_NPF_I : 0), gpa, pa);
        return MMU_NESTED;
    }
    *pa = t.mpa;
    pw_walk_done(pw);
    return MMU_OK;
}

enum pw_fault pw_nested_walk(struct pw *pw, uint32_t va, int access, int user,
                             struct pw_tlb_entry *out, uint32_t *gpa_out)
{
    struct pw_nested *nt = &pw->nest;
    const int store = access == MMU_STORE;
    const uint32_t fetch = access == MMU_FETCH ? PW_NPF_I : 0;
    uint32_t gpa;
    int gbig, grw, gus, gdirty, gglobal;
    struct ntr t;
    struct gwalk c = { .pw = pw };
    struct pw_walk w;

    pw->n.walks++;
    nt->n.walks_2d++;
    enum pw_fault f = (enum pw_fault)pw_walk_tables(&guest_acc, &c, pw->ptbase, va, access,
                                                    user, 1, &w);
    if (c.npf)
        return nested_exit(pw, c.npf | fetch, c.ngpa, gpa_out);
    if (w.writes) {
        pw->n.a_set += w.a_set;
        pw->n.d_set += w.d_set;
    }
    if (nt->c.pwc && !c.pde_hit && (w.pde & (PW_P | PW_PS | PW_A)) == (PW_P | PW_A)) {
        struct pw_pwc_entry *e = &nt->pwc_guest[(w.pde_pa >> 2) & PWC_MASK];
        e->tag = w.pde_pa | 1;
        e->pde = w.pde;
    }
    if (f != PWF_NONE) {
        pw_walk_done(pw);
        return f;                       /* the guest's page fault */
    }
    uint32_t rights = pw_walk_rights(&w);
    gbig = w.big;
    gpa = pw_walk_frame(&w) | (va & (gbig ? OFF_4M : OFF_4K));
    grw = (rights & PW_RW) != 0;
    gus = (rights & PW_US) != 0;
    gdirty = (w.leaf & PW_D) != 0;
    gglobal = (w.leaf & PW_G) != 0;
    if (nested_translate(pw, gpa, store, &t))
        return nested_exit(pw, t.npf | fetch, gpa, gpa_out);
    int big = gbig && t.big;
    nt->n.splintered += gbig && !t.big;
    /* Rights are the guest's, so that a violation is the guest's page fault; a page the
     * nested table keeps read-only is entered clean, so that a store walks again and
     * meets the nested fault. */
    *out = (struct pw_tlb_entry){
        .va = va & (big ? PW_FRAME_4M : PW_FRAME_4K),
        .pa = t.mpa & (big ? PW_FRAME_4M : PW_FRAME_4K),
        .big = (uint8_t)big,
        .global = (uint8_t)gglobal,
        .rw = (uint8_t)grw,
        .us = (uint8_t)gus,
        .dirty = (uint8_t)(gdirty && t.rw),
        .splinter = (uint8_t)(gbig && !big),
    };
    pw_walk_done(pw);
    return PWF_NONE;
}

/* ---- the hypervisor's side (pw.h) ----------------------------------------------------- */

void pw_mmu_nested(struct mmu *m, int on, const struct pw_nested_config *c)
{
    struct pw *pw = (struct pw *)m;
    static const struct pw_nested_config none;
    pw->nest.on = on != 0;
    pw_set_nested_ops(pw, pw->nest.on);
    pw->nest.c = on && c ? *c : none;
    pw->nest.nroot = 0;
    pw->nest.direct = 0;
    memset(pw->nest.direct_base, 0, sizeof(pw->nest.direct_base));
    flush_all(pw);
}

void pw_mmu_set_nroot(struct mmu *m, uint32_t nroot)
{
    struct pw *pw = (struct pw *)m;
    pw->nest.nroot = nroot & PW_FRAME_4K;
    flush_all(pw);
}

void pw_mmu_nested_invalidate(struct mmu *m)
{
    struct pw *pw = (struct pw *)m;
    pw->nest.n.invalidations++;
    flush_all(pw);
}

void pw_mmu_set_direct(struct mmu *m, uint8_t mask, const uint32_t base[8])
{
    struct pw *pw = (struct pw *)m;
    pw->nest.direct = mask;
    for (int r = 0; r < 8; r++)
        pw->nest.direct_base[r] = base ? base[r] & 0xE0000000u : 0;
    pw_tlb_flush(&pw->tlb, 0, 0);
    cpu_tc_flush(pw->base.cpu);
}

void pw_mmu_guest_regs(struct mmu *m, uint32_t *ptbase, uint32_t *pferr)
{
    const struct pw *pw = (const struct pw *)m;
    *ptbase = pw->ptbase;
    *pferr = pw->pferr;
}

void pw_mmu_set_guest_regs(struct mmu *m, uint32_t ptbase, uint32_t pferr)
{
    struct pw *pw = (struct pw *)m;
    pw->ptbase = ptbase & PW_FRAME_4K;
    pw->pferr = pferr;
    pw_tlb_flush(&pw->tlb, 0, 0);
    cpu_tc_flush(pw->base.cpu);
    pw_nested_guest_flush(pw);
}

void pw_nested_register_stats(struct pw *pw, struct stats *st)
{
    struct pw_nested *nt = &pw->nest;
    stats_add(st, &nt->n.walks_2d, "pw.nested.walks_2d");
    stats_add(st, &nt->n.walks_direct, "pw.nested.walks_direct");
    stats_add(st, &nt->n.refs_direct, "pw.nested.refs_direct");
    stats_add(st, &nt->n.guest_refs, "pw.nested.guest_refs");
    stats_add(st, &nt->n.nested_refs, "pw.nested.nested_refs");
    stats_add(st, &nt->n.faults, "pw.nested.faults");
    stats_add(st, &nt->n.pwc_guest_hits, "pw.nested.pwc_guest_hits");
    stats_add(st, &nt->n.pwc_nested_hits, "pw.nested.pwc_nested_hits");
    stats_add(st, &nt->n.ntlb_hits, "pw.nested.ntlb_hits");
    stats_add(st, &nt->n.ntlb_misses, "pw.nested.ntlb_misses");
    stats_add(st, &nt->n.splintered, "pw.nested.splintered");
    stats_add(st, &nt->n.invalidations, "pw.nested.invalidations");
}
