/* shadow.c - the shadow page-table back end (shadow.h, mmu_backend.h, docs/shadow.md).
 *
 * The guest programs PTBase/InvlPg and reads PTBase/PFErr on a model of its walker
 * (struct sh_model, vm->v->mmu) that never translates a machine access. The machine's
 * walker (pagewalk/pw.c, vmm->cpu->mmu) walks shadow tables: machine frames owned by the
 * VMM (owner tag SH_OWNER), guest-virtual -> machine.
 *
 *  - Roots. One shadow page directory per guest directory GPFN, cached (SHADOW_ROOTS per VM,
 *    least recently used evicted); the machine's PTBase is the root of the guest's PTBase.
 *    Each PDE slot of a root is one of: empty; LEAF_TABLE (a shadow table of the guest page
 *    table at leaf_gpfn, private to the root, guest PDE's RW/US in the shadow PDE); LEAF_BIG
 *    (a guest 4 MiB page, split into 4 KiB shadow entries); LEAF_VMM (guest-unmapped
 *    addresses outside kseg0/kseg1, e.g. useg under ERL); LEAF_KSEG (one of the VM's kseg
 *    tables, shared by all its roots: guest kseg0/kseg1 -> its RAM).
 *  - Write protection. A guest page is a page table (pt_refs[gpfn] > 0) while a root's
 *    guest PDEs come from it or a LEAF_TABLE shadows it. Every shadow entry to it is then
 *    read-only (kseg entries at once; others found by a scan of the roots, only when some
 *    writable entry was made: wva[gpfn]), and the machine TLB forgets the addresses it was
 *    writable at (the one recorded, else everything: a global entry may outlive the shadow
 *    entry it came from). A guest store to it faults, is emulated
 *    (core/emul.c) and the shadow entries derived from the word written are zapped: in the
 *    current root the entry; any other root that uses the page is dropped whole.
 *  - A/D. Building an entry sets A (and D for a store) in the guest's entry as the native
 *    walker would; a clean page is mapped read-only, so its first store faults and sets D.
 *  - The machine TLB stands for the guest's TLB: zapping a shadow entry leaves the machine
 *    TLB alone (as a native PTE write leaves the TLB), guest InvlPg and PTBase writes are
 *    passed on, and guest-global entries are global in the shadow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cpu_ops.h"
#include "../core/emul.h"
#include "../core/mmu.h"
#include "../core/stats.h"
#include "../core/vmm.h"
#include "shadow.h"

#define SH_NONE 0xFFFFFFFFu
#define SH_NO_ROOT 0xFFu
#define SH_MANY_VAS 0xFFFFFFFEu              /* wva: writable at more than one address */
#define SH_OWNER(vm) (0x10000u | (vm)->id)   /* owner tag of a VM's shadow frames */
#define KSEG_FIRST_PDE 512u                  /* 0x80000000 >> 22 */
#define KSEG_PDES 256u                       /* kseg0 and kseg1: 0x80000000..0xBFFFFFFF */
#define SH_PDE (PW_P | PW_RW | PW_US | PW_A) /* a PDE whose rights live in its table */
#define SH_PTE (PW_P | PW_A | PW_D)          /* A, D preset: the machine walker never writes */

enum leaf_kind { LEAF_NONE, LEAF_TABLE, LEAF_BIG, LEAF_VMM, LEAF_KSEG };

struct sh_root {
    uint32_t gpfn;                 /* guest directory GPFN; SH_NONE: a free slot */
    uint32_t dir_mfn;
    int protected_;                /* guest PDEs used: the guest directory is write-protected */
    uint64_t last_use;
    uint32_t leaf_mfn[1024];       /* the table under PDE i, or SH_NONE */
    uint32_t leaf_gpfn[1024];      /* LEAF_TABLE: the guest table it shadows */
    uint8_t kind[1024];            /* enum leaf_kind */
};

/* "Root r's PDE slot pde shadows this guest page table": one node of a per-GPFN list. */
struct sh_link {
    uint32_t root;
    uint32_t pde;
    uint32_t next;
};

/* The guest's walker as the guest programs it (vm->v->mmu). */
struct sh_model {
    struct mmu base;
    struct vm *vm;
    uint32_t ptbase;               /* CP0 22/0 */
    uint32_t pferr;                /* CP0 22/2 */
};

struct sh_vm {
    struct sh_model *model;
    struct sh_root *roots;         /* [SHADOW_ROOTS] */
    unsigned cur;                  /* the root of the guest's PTBase, or SH_NO_ROOT */
    uint64_t clock;
    uint32_t kseg_mfn[KSEG_PDES];  /* the VM's kseg tables, or SH_NONE */
    uint32_t npages;
    uint16_t *pt_refs;             /* [npages]: uses of the page as a page table */
    uint8_t *root_of;              /* [npages]: the root keyed by the page, or SH_NO_ROOT */
    uint32_t *wva;                 /* [npages]: page VA of the writable non-kseg shadow entries
                                    * made for it, SH_MANY_VAS, or SH_NONE: none was made */
    uint32_t *link_head;           /* [npages]: its sh_link list, or SH_NONE */
    struct sh_link *links;
    uint32_t nlinks, links_cap, link_free;
    uint32_t seg_key;
    int seg_key_set;
    struct {
        uint64_t faults, fills, kseg_fills, vmm_fills, faults_reflected;
        uint64_t pt_write_emulated, unshadowed, zapped, zapped_pdes;
        uint64_t roots_created, roots_dropped, root_switches, root_hits, invlpg;
        uint64_t ad_updates, a_set, dirty_faults, write_protects, protect_scans, protect_flushes;
        uint64_t seg_flushes;
        uint64_t frames, frames_peak, frames_allocated, frames_freed, alloc_failed;
    } n;
};

struct sh {
    struct mmu *hw;                /* the machine's walker */
    uint64_t tlb_flushes;          /* machine TLB emptied (world switch, VM stop, segment map) */
};

static struct sh *S(struct vmm *vmm) { return vmm->be; }
static struct sh_vm *SV(struct vm *vm) { return vm->be; }

/* ---- the guest's walk ----------------------------------------------------------------- */

static int in_ram(const struct pmap *p, uint32_t gpa)
{
    return p->ram_bytes >= 4 && gpa <= p->ram_bytes - 4;
}

static uint32_t walk_read(struct pmap *p, uint32_t gpa, struct shadow_walk *w)
{
    uint32_t v = 0;
    pmap_read(p, gpa, &v, 4);
    w->memrefs++;
    return v;
}

static void walk_write(struct pmap *p, uint32_t gpa, uint32_t v, struct shadow_walk *w)
{
    if (pmap_lookup(p, gpa >> 12) == PMAP_NONE)
        return;                    /* never: the entry was read non-zero from it */
    pmap_write(p, gpa, &v, 4);
    w->memrefs++;
    if (w->ad_writes < 2)
        w->written[w->ad_writes] = gpa;
    w->ad_writes++;
}

enum shadow_fault shadow_walk(struct pmap *p, uint32_t ptbase, uint32_t va, int access, int user,
                              int update, struct shadow_walk *w)
{
    int store = access == MMU_STORE;
    uint32_t leaf_gpa, rights;
    memset(w, 0, sizeof(*w));
    uint32_t pde_gpa = (ptbase & PW_FRAME_4K) + ((va >> 22) << 2);
    if (!in_ram(p, pde_gpa))
        return SHADOW_NOT_PRESENT;
    uint32_t pde = walk_read(p, pde_gpa, w);
    if (!(pde & PW_P))
        return SHADOW_NOT_PRESENT;
    if (pde & PW_PS) {
        w->big = 1;
        w->leaf = pde;
        leaf_gpa = pde_gpa;
        rights = pde;
    } else {
        if (!(pde & PW_A) && update) {
            pde |= PW_A;
            w->a_set++;
            walk_write(p, pde_gpa, pde, w);
        }
        uint32_t pte_gpa = (pde & PW_FRAME_4K) + ((va >> 10) & 0xFFCu);
        if (!in_ram(p, pte_gpa))
            return SHADOW_NOT_PRESENT;
        w->table_gpfn = pde >> 12;
        w->leaf = walk_read(p, pte_gpa, w);
        leaf_gpa = pte_gpa;
        if (!(w->leaf & PW_P))
            return SHADOW_NOT_PRESENT;
        rights = pde & w->leaf;
    }
    w->pde = pde;
    if ((store && !(rights & PW_RW)) || (user && !(rights & PW_US)))
        return SHADOW_PROTECTION;
    uint32_t set = PW_A | (store ? PW_D : 0);
    if ((w->leaf & set) != set && update) {
        w->d_set = store && !(w->leaf & PW_D);
        w->a_set += !(w->leaf & PW_A);
        w->leaf |= set;
        walk_write(p, leaf_gpa, w->leaf, w);
        if (w->big)
            w->pde = w->leaf;
    }
    w->gpa = w->big ? (w->leaf & PW_FRAME_4M) | (va & 0x3FF000u) : w->leaf & PW_FRAME_4K;
    return SHADOW_OK;
}

uint32_t shadow_pferr(enum shadow_fault f, int access, int user)
{
    return pw_pferr(f == SHADOW_PROTECTION, access, user);
}

/* ---- the guest's model of its walker (vm->v->mmu) -------------------------------------- */

/* Translates without side effects (no A/D, no PFErr): the core reads the instruction that
 * trapped and emulates device accesses through it. */
static int model_translate(struct mmu *m, uint32_t va, int access, int user, uint32_t *pa)
{
    struct sh_model *md = (struct sh_model *)m;
    struct shadow_walk w;
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

static const struct mmu_ops model_ops = {
    .name = "pagewalk (shadowed)",
    .translate = model_translate,
    .tlb_op = model_tlb_op,
    .cp0_read = model_cp0_read,
    .cp0_write = model_cp0_write,
    .asid_changed = model_asid_changed,
    .destroy = model_destroy,
};

/* ---- machine walker, frames ------------------------------------------------------------ */

static uint32_t *frame(struct vmm *vmm, uint32_t mfn)
{
    return (uint32_t *)frames_host(&vmm->frames, mfn);
}

static void hw_invlpg(struct vmm *vmm, uint32_t va)
{
    struct mmu *hw = S(vmm)->hw;
    hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_INVLPG, va);
}

static void hw_flush_all(struct vmm *vmm)
{
    pw_tlb_flush_all(S(vmm)->hw);
    S(vmm)->tlb_flushes++;
}

static void root_drop(struct vmm *vmm, struct vm *vm, unsigned r);

/* A zeroed machine frame for vm's shadow tables (page_zero charged while vm runs), or
 * SH_NONE. When the pool is empty, the roots other than the current one go first. */
static uint32_t sh_alloc(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    uint32_t mfn = frames_alloc(&vmm->frames, SH_OWNER(vm));
    if (mfn == FRAMES_NONE) {
        for (unsigned r = 0; r < SHADOW_ROOTS; r++)
            if (r != s->cur && s->roots[r].gpfn != SH_NONE)
                root_drop(vmm, vm, r);
        mfn = frames_alloc(&vmm->frames, SH_OWNER(vm));
        if (mfn == FRAMES_NONE) {
            s->n.alloc_failed++;
            return SH_NONE;
        }
    }
    s->n.frames++;
    s->n.frames_allocated++;
    if (s->n.frames > s->n.frames_peak)
        s->n.frames_peak = s->n.frames;
    if (vmm->cur == vm)
        vmm_charge(vmm, COST_page_zero, 1);
    return mfn;
}

static void sh_free(struct vmm *vmm, struct vm *vm, uint32_t mfn)
{
    struct sh_vm *s = SV(vm);
    frames_free(&vmm->frames, mfn);
    s->n.frames--;
    s->n.frames_freed++;
}

/* ---- write protection of guest page tables --------------------------------------------- */

/* Guest page gpfn has just become a page table: every shadow entry mapping it becomes
 * read-only, and its machine TLB entries go: at the address its writable entries were made
 * for, or all of them if there were several (the shadow entry of a machine TLB entry may
 * be gone: a guest-global entry survives root switches and dropped roots). */
static void protect(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    uint32_t mfn = pmap_lookup(&vm->pmap, gpfn);
    if (mfn == PMAP_NONE)
        return;
    for (uint32_t base = 0x80000000u; base <= 0xA0000000u; base += 0x20000000u) {
        uint32_t va = base + (gpfn << 12);
        uint32_t k = (va >> 22) - KSEG_FIRST_PDE;
        if (s->kseg_mfn[k] == SH_NONE)
            continue;
        uint32_t *pte = &frame(vmm, s->kseg_mfn[k])[(va >> 12) & 1023];
        if (*pte & PW_RW) {
            *pte &= ~PW_RW;
            hw_invlpg(vmm, va);
            s->n.write_protects++;
        }
    }
    uint32_t wva = s->wva[gpfn];
    if (wva == SH_NONE)
        return;
    s->wva[gpfn] = SH_NONE;
    s->n.protect_scans++;
    if (wva == SH_MANY_VAS) {
        hw_flush_all(vmm);
        s->n.protect_flushes++;
    } else {
        hw_invlpg(vmm, wva);
    }
    for (unsigned r = 0; r < SHADOW_ROOTS; r++) {
        struct sh_root *root = &s->roots[r];
        if (root->gpfn == SH_NONE)
            continue;
        for (uint32_t i = 0; i < 1024; i++) {
            if (root->kind[i] == LEAF_NONE || root->kind[i] == LEAF_KSEG)
                continue;
            uint32_t *t = frame(vmm, root->leaf_mfn[i]);
            for (uint32_t j = 0; j < 1024; j++) {
                if ((t[j] & (PW_P | PW_RW)) == (PW_P | PW_RW) && t[j] >> 12 == mfn) {
                    t[j] &= ~PW_RW;
                    hw_invlpg(vmm, i << 22 | j << 12);
                    s->n.write_protects++;
                }
            }
        }
    }
}

static void pt_ref(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    if (gpfn < s->npages && s->pt_refs[gpfn]++ == 0)
        protect(vmm, vm, gpfn);
}

static void pt_unref(struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    if (gpfn < s->npages)
        s->pt_refs[gpfn]--;        /* unprotected lazily: the next store fault upgrades */
}

/* A writable non-kseg shadow entry va -> gpfn is being made. */
static void note_writable(struct sh_vm *s, uint32_t gpfn, uint32_t va)
{
    va &= PW_FRAME_4K;
    if (s->wva[gpfn] == SH_NONE)
        s->wva[gpfn] = va;
    else if (s->wva[gpfn] != va)
        s->wva[gpfn] = SH_MANY_VAS;
}

static int is_pt(const struct sh_vm *s, uint32_t gpfn)
{
    return gpfn < s->npages && s->pt_refs[gpfn] != 0;
}

static int link_add(struct vmm *vmm, struct vm *vm, uint32_t gpfn, unsigned r, uint32_t pde)
{
    struct sh_vm *s = SV(vm);
    uint32_t l = s->link_free;
    if (l != SH_NONE) {
        s->link_free = s->links[l].next;
    } else {
        if (s->nlinks == s->links_cap) {
            uint32_t cap = s->links_cap ? 2 * s->links_cap : 256;
            struct sh_link *n = realloc(s->links, cap * sizeof(*n));
            if (!n)
                return -1;
            s->links = n;
            s->links_cap = cap;
        }
        l = s->nlinks++;
    }
    s->links[l] = (struct sh_link){ .root = r, .pde = pde, .next = s->link_head[gpfn] };
    s->link_head[gpfn] = l;
    pt_ref(vmm, vm, gpfn);
    return 0;
}

static void link_del(struct vm *vm, uint32_t gpfn, unsigned r, uint32_t pde)
{
    struct sh_vm *s = SV(vm);
    for (uint32_t *p = &s->link_head[gpfn]; *p != SH_NONE; p = &s->links[*p].next) {
        struct sh_link *l = &s->links[*p];
        if (l->root == r && l->pde == pde) {
            uint32_t dead = *p;
            *p = l->next;
            s->links[dead].next = s->link_free;
            s->link_free = dead;
            pt_unref(vm, gpfn);
            return;
        }
    }
}

/* ---- roots ----------------------------------------------------------------------------- */

/* Empties PDE slot i of root r (its table freed unless it is a shared kseg table). The
 * machine TLB keeps what it cached from it, as a native TLB keeps what it cached. */
static void pde_zap(struct vmm *vmm, struct vm *vm, unsigned r, uint32_t i)
{
    struct sh_root *root = &SV(vm)->roots[r];
    if (root->kind[i] == LEAF_NONE)
        return;
    if (root->kind[i] == LEAF_TABLE)
        link_del(vm, root->leaf_gpfn[i], r, i);
    if (root->kind[i] != LEAF_KSEG) {
        sh_free(vmm, vm, root->leaf_mfn[i]);
        SV(vm)->n.zapped_pdes++;
    }
    frame(vmm, root->dir_mfn)[i] = 0;
    root->kind[i] = LEAF_NONE;
    root->leaf_mfn[i] = SH_NONE;
    root->leaf_gpfn[i] = SH_NONE;
}

/* Drops every table of root r that came from the guest's tables (or the VMM's non-kseg
 * fills); the guest directory is no longer write-protected on its account. */
static void root_zap_guest(struct vmm *vmm, struct vm *vm, unsigned r)
{
    struct sh_root *root = &SV(vm)->roots[r];
    for (uint32_t i = 0; i < 1024; i++)
        if (root->kind[i] != LEAF_NONE && root->kind[i] != LEAF_KSEG)
            pde_zap(vmm, vm, r, i);
    if (root->protected_) {
        root->protected_ = 0;
        pt_unref(vm, root->gpfn);
    }
}

/* Frees root r altogether. If it was the current root, the caller loads another. */
static void root_drop(struct vmm *vmm, struct vm *vm, unsigned r)
{
    struct sh_vm *s = SV(vm);
    struct sh_root *root = &s->roots[r];
    if (root->gpfn == SH_NONE)
        return;
    root_zap_guest(vmm, vm, r);
    sh_free(vmm, vm, root->dir_mfn);
    if (root->gpfn < s->npages)
        s->root_of[root->gpfn] = SH_NO_ROOT;
    root->gpfn = SH_NONE;
    s->n.roots_dropped++;
    if (s->cur == r)
        s->cur = SH_NO_ROOT;
}

/* The root of guest directory gpfn: cached, or made (evicting the least recently used root
 * other than the current one when all are in use), with the VM's kseg tables in it.
 * Returns its index, or SH_NO_ROOT when machine memory ran out. */
static unsigned root_get(struct vmm *vmm, struct vm *vm, uint32_t gpfn, int *hit)
{
    struct sh_vm *s = SV(vm);
    unsigned victim = SH_NO_ROOT, free_slot = SH_NO_ROOT;
    *hit = 0;
    for (unsigned r = 0; r < SHADOW_ROOTS; r++) {
        if (s->roots[r].gpfn == gpfn) {
            *hit = 1;
            return r;
        }
        if (s->roots[r].gpfn == SH_NONE) {
            if (free_slot == SH_NO_ROOT)
                free_slot = r;
        } else if (r != s->cur &&
                   (victim == SH_NO_ROOT || s->roots[r].last_use < s->roots[victim].last_use)) {
            victim = r;
        }
    }
    if (free_slot == SH_NO_ROOT) {
        if (victim == SH_NO_ROOT)
            return SH_NO_ROOT;
        root_drop(vmm, vm, victim);
        free_slot = victim;
    }
    uint32_t mfn = sh_alloc(vmm, vm);
    if (mfn == SH_NONE)
        return SH_NO_ROOT;
    struct sh_root *root = &s->roots[free_slot];
    root->gpfn = gpfn;
    root->dir_mfn = mfn;
    root->protected_ = 0;
    root->last_use = s->clock;
    memset(root->kind, LEAF_NONE, sizeof(root->kind));
    memset(root->leaf_mfn, 0xFF, sizeof(root->leaf_mfn));
    memset(root->leaf_gpfn, 0xFF, sizeof(root->leaf_gpfn));
    uint32_t *dir = frame(vmm, mfn);
    for (uint32_t k = 0; k < KSEG_PDES; k++) {
        if (s->kseg_mfn[k] == SH_NONE)
            continue;
        dir[KSEG_FIRST_PDE + k] = s->kseg_mfn[k] << 12 | SH_PDE;
        root->kind[KSEG_FIRST_PDE + k] = LEAF_KSEG;
        root->leaf_mfn[KSEG_FIRST_PDE + k] = s->kseg_mfn[k];
    }
    if (gpfn < s->npages)
        s->root_of[gpfn] = (uint8_t)free_slot;
    s->n.roots_created++;
    return free_slot;
}

/* Frees every shadow table of vm (roots and kseg tables). */
static void drop_all(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    for (unsigned r = 0; r < SHADOW_ROOTS; r++)
        root_drop(vmm, vm, r);
    for (uint32_t k = 0; k < KSEG_PDES; k++) {
        if (s->kseg_mfn[k] != SH_NONE) {
            sh_free(vmm, vm, s->kseg_mfn[k]);
            s->kseg_mfn[k] = SH_NONE;
        }
    }
}

/* Makes the root of the guest's PTBase current and the machine's PTBase point to it
 * (written only when it changes: a write flushes the machine's non-global entries).
 * Returns 0, or -1 when machine memory ran out. */
static int load_root(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    uint32_t gpfn = s->model->ptbase >> 12;
    if (s->cur == SH_NO_ROOT || s->roots[s->cur].gpfn != gpfn) {
        int hit;
        unsigned r = root_get(vmm, vm, gpfn, &hit);
        if (r == SH_NO_ROOT)
            return -1;
        s->cur = r;
    }
    s->roots[s->cur].last_use = ++s->clock;
    struct mmu *hw = S(vmm)->hw;
    uint32_t want = s->roots[s->cur].dir_mfn << 12, have = 0;
    hw->ops->cp0_read(hw, PW_CP0_REG, PW_SEL_PTBASE, &have);
    if (have != want)
        hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_PTBASE, want);
    return 0;
}

/* Machine memory ran out for a shadow table: the VM cannot go on (it stops as hung). */
static void out_of_frames(struct vmm *vmm)
{
    fprintf(stderr, "tlbvisor: vm%u: no machine frame left for shadow page tables\n",
            vmm->cur->id);
    cpu_request_stop(vmm->cpu, CPU_STOP_HANG, 0);
}

/* The table under PDE i of the current root, of the given kind (LEAF_TABLE: shadowing guest
 * table gpfn) with PDE flags pde_flags, made if needed. Returns it, or NULL (no memory). */
static uint32_t *root_leaf(struct vmm *vmm, struct vm *vm, uint32_t i, int kind, uint32_t gpfn,
                           uint32_t pde_flags)
{
    struct sh_vm *s = SV(vm);
    unsigned r = s->cur;
    struct sh_root *root = &s->roots[r];
    uint32_t *dir = frame(vmm, root->dir_mfn);
    if (root->kind[i] == kind && root->leaf_gpfn[i] == gpfn && (dir[i] & 0xFFFu) == pde_flags)
        return frame(vmm, root->leaf_mfn[i]);
    pde_zap(vmm, vm, r, i);
    uint32_t mfn = sh_alloc(vmm, vm);
    if (mfn == SH_NONE)
        return NULL;
    root->leaf_mfn[i] = mfn;
    root->leaf_gpfn[i] = gpfn;
    root->kind[i] = (uint8_t)kind;
    dir[i] = mfn << 12 | pde_flags;
    if (kind == LEAF_TABLE && link_add(vmm, vm, gpfn, r, i) != 0) {
        pde_zap(vmm, vm, r, i);
        return NULL;
    }
    if ((kind == LEAF_TABLE || kind == LEAF_BIG) && !root->protected_) {
        root->protected_ = 1;
        pt_ref(vmm, vm, root->gpfn);
    }
    return frame(vmm, mfn);
}

/* The VM's kseg table for PDE i (0x80000000 <= i << 22 < 0xC0000000), made if needed, and
 * present in the current root. Returns it, or NULL (no memory). */
static uint32_t *kseg_table(struct vmm *vmm, struct vm *vm, uint32_t i)
{
    struct sh_vm *s = SV(vm);
    uint32_t k = i - KSEG_FIRST_PDE;
    struct sh_root *root = &s->roots[s->cur];
    if (s->kseg_mfn[k] == SH_NONE) {
        uint32_t mfn = sh_alloc(vmm, vm);
        if (mfn == SH_NONE)
            return NULL;
        s->kseg_mfn[k] = mfn;
    }
    if (root->kind[i] != LEAF_KSEG) {
        pde_zap(vmm, vm, s->cur, i);
        frame(vmm, root->dir_mfn)[i] = s->kseg_mfn[k] << 12 | SH_PDE;
        root->kind[i] = LEAF_KSEG;
        root->leaf_mfn[i] = s->kseg_mfn[k];
    }
    return frame(vmm, s->kseg_mfn[k]);
}

/* Drops every shadow of guest page gpfn as a page table, so that it is no longer
 * write-protected (a store the VMM cannot emulate). */
static void unshadow(struct vmm *vmm, struct vm *vm, uint32_t gpfn)
{
    struct sh_vm *s = SV(vm);
    if (gpfn >= s->npages)
        return;
    unsigned r = s->root_of[gpfn];
    if (r != SH_NO_ROOT) {
        if (r == s->cur)
            root_zap_guest(vmm, vm, r);
        else
            root_drop(vmm, vm, r);
    }
    while (s->link_head[gpfn] != SH_NONE) {
        struct sh_link *l = &s->links[s->link_head[gpfn]];
        pde_zap(vmm, vm, l->root, l->pde);
    }
    s->n.unshadowed++;
}

/* Word idx of guest page table gpfn was written: the shadow entries made from it go. In
 * the current root the entry is zapped; another root that uses the page is dropped whole
 * (it is the guest's tables of an address space that is not running: being torn down,
 * or its pages reused). */
static void pt_written(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t idx)
{
    struct sh_vm *s = SV(vm);
    unsigned r = s->root_of[gpfn];
    if (r != SH_NO_ROOT && s->roots[r].protected_) {
        if (r != s->cur)
            root_drop(vmm, vm, r);
        else if (s->roots[r].kind[idx] == LEAF_TABLE || s->roots[r].kind[idx] == LEAF_BIG)
            pde_zap(vmm, vm, r, idx);
    }
again:
    for (uint32_t l = s->link_head[gpfn]; l != SH_NONE; l = s->links[l].next) {
        unsigned lr = s->links[l].root;
        if (lr != s->cur) {
            root_drop(vmm, vm, lr);
            goto again;
        }
        uint32_t *t = frame(vmm, s->roots[lr].leaf_mfn[s->links[l].pde]);
        if (t[idx]) {
            t[idx] = 0;
            s->n.zapped++;
        }
    }
}

/* Reads the guest instruction at va (as the guest's mode sees it). */
static int guest_insn(struct vm *vm, uint32_t va, uint32_t *insn)
{
    uint32_t gpa;
    struct shadow_walk w;
    enum seg_kind k = cpu_seg_lookup(vm->v, va, &gpa);
    if (k == SEG_ERROR)
        return -1;
    if (k == SEG_MAPPED) {
        if (shadow_walk(&vm->pmap, SV(vm)->model->ptbase, va, MMU_FETCH,
                        vm->v->tc_mode == TC_USER, 0, &w) != SHADOW_OK)
            return -1;
        gpa = w.gpa | (va & 0xFFFu);
    }
    return pmap_read(&vm->pmap, gpa, insn, 4);
}

/* The guest's store at cpu->pc to its page table at gpa (allowed by the guest's rights):
 * emulated, then its shadows zapped (charged shadow_update). A store the VMM cannot
 * decode (swl, sc, ...) unshadows the page instead and runs again. */
static void emulate_pt_write(struct vmm *vmm, struct vm *vm, uint32_t va, uint32_t gpa)
{
    struct cpu *cpu = vmm->cpu;
    struct sh_vm *s = SV(vm);
    uint32_t insn, gpfn = gpa >> 12;
    struct emul_mem m;
    if (guest_insn(vm, cpu->pc, &insn) != 0 || emul_decode_mem(insn, cpu->gpr, &m) != 0 ||
        !m.store || m.va != va) {
        unshadow(vmm, vm, gpfn);
        vmm_retry(vmm);
        return;
    }
    uint8_t *host = pmap_host(&vm->pmap, gpfn);
    memcpy(host + (gpa & 0xFFFu), &m.value, m.size);
    cpu_phys_written(cpu, pmap_lookup(&vm->pmap, gpfn) << 12 | (gpa & 0xFFFu), m.size);
    s->n.pt_write_emulated++;
    vmm_charge(vmm, COST_shadow_update, 1);
    pt_written(vmm, vm, gpfn, (gpa & 0xFFFu) >> 2);
    cpu->pc = cpu->npc;
    cpu->npc = cpu->pc + 4;
}

/* A machine fault at va that the guest sees unmapped (at guest-physical gpa): kseg0/kseg1
 * through the VM's kseg tables, anything else (useg under ERL, a remapped segment) through
 * a LEAF_VMM table of the current root. */
static void fill_unmapped(struct vmm *vmm, struct vm *vm, uint32_t va, uint32_t gpa, int store,
                          int fetch)
{
    struct sh_vm *s = SV(vm);
    uint32_t gpfn = gpa >> 12, i = va >> 22;
    uint32_t mfn = pmap_fill(&vm->pmap, gpfn);
    if (mfn == PMAP_NONE) {
        vmm_access_unbacked(vmm, fetch);
        return;
    }
    int kseg = va >= 0x80000000u && va < 0xC0000000u && gpa == (va & 0x1FFFFFFFu);
    uint32_t *t = kseg ? kseg_table(vmm, vm, i) : root_leaf(vmm, vm, i, LEAF_VMM, SH_NONE, SH_PDE);
    if (!t) {
        out_of_frames(vmm);
        return;
    }
    int pt = is_pt(s, gpfn);
    t[(va >> 12) & 1023] = mfn << 12 | SH_PTE | (pt ? 0 : PW_RW);
    if (kseg) {
        s->n.kseg_fills++;
    } else {
        s->n.vmm_fills++;
        if (!pt)
            note_writable(s, gpfn, va);
    }
    if (store && pt) {
        emulate_pt_write(vmm, vm, va, gpa | (va & 0xFFFu));
        return;
    }
    vmm_retry(vmm);
}

/* A machine fault at va that the guest's tables map (walk w, A/D already set): the shadow
 * entry, read-only if the page is clean or a page table; a store to a page table is
 * emulated. */
static void fill_mapped(struct vmm *vmm, struct vm *vm, uint32_t va, const struct shadow_walk *w,
                        int store, int fetch)
{
    struct sh_vm *s = SV(vm);
    uint32_t gpfn = w->gpa >> 12, i = va >> 22;
    uint32_t mfn = pmap_fill(&vm->pmap, gpfn);
    if (mfn == PMAP_NONE) {
        /* The guest mapped a frame it does not have: a device, or a bus error. */
        vmm_access_unbacked(vmm, fetch);
        return;
    }
    uint32_t *t = w->big ? root_leaf(vmm, vm, i, LEAF_BIG, SH_NONE, SH_PDE)
                         : root_leaf(vmm, vm, i, LEAF_TABLE, w->table_gpfn,
                                     PW_P | PW_A | (w->pde & (PW_RW | PW_US)));
    if (!t) {
        out_of_frames(vmm);
        return;
    }
    int pt = is_pt(s, gpfn);
    int writable = (w->leaf & PW_RW) && (w->leaf & PW_D) && !pt;
    t[(va >> 12) & 1023] = mfn << 12 | SH_PTE | (writable ? PW_RW : 0) |
                           (w->leaf & (PW_US | PW_G));
    if (writable)
        note_writable(s, gpfn, va);
    s->n.fills++;
    if (store && !writable) {
        emulate_pt_write(vmm, vm, va, w->gpa | (va & 0xFFFu));
        return;
    }
    vmm_retry(vmm);
}

/* ---- the back-end hooks ------------------------------------------------------------------ */

static void sh_fault(struct vmm *vmm, const struct cpu_exc *e)
{
    struct vm *vm = vmm->cur;
    struct sh_vm *s = SV(vm);
    struct mmu *hw = S(vmm)->hw;
    uint32_t va = e->badvaddr, hw_err = 0;
    hw->ops->cp0_read(hw, PW_CP0_REG, PW_SEL_PFERR, &hw_err);
    int store = e->code == EXC_TLBS;
    int fetch = !store && (hw_err & PW_PFERR_I);
    int access = store ? MMU_STORE : fetch ? MMU_FETCH : MMU_LOAD;
    s->n.faults++;
    if (s->cur == SH_NO_ROOT && load_root(vmm, vm) != 0) {
        out_of_frames(vmm);
        return;
    }
    uint32_t upa;
    enum seg_kind k = cpu_seg_lookup(vm->v, va, &upa);
    if (k == SEG_ERROR) {
        struct cpu_exc g = { .code = store ? EXC_ADES : EXC_ADEL, .has_badvaddr = 1, .badvaddr = va };
        vmm_reflect(vmm, &g);
        return;
    }
    if (k == SEG_UNMAPPED) {
        fill_unmapped(vmm, vm, va, upa, store, fetch);
        return;
    }
    int user = vm->v->tc_mode == TC_USER;
    struct shadow_walk w;
    enum shadow_fault f = shadow_walk(&vm->pmap, s->model->ptbase, va, access, user, 1, &w);
    vmm_charge(vmm, COST_walker_memref, w.memrefs);
    for (unsigned n = 0; n < w.ad_writes && n < 2; n++) {
        uint32_t mfn = pmap_lookup(&vm->pmap, w.written[n] >> 12);
        cpu_phys_written(vmm->cpu, mfn << 12 | (w.written[n] & 0xFFFu), 4);
    }
    s->n.ad_updates += w.ad_writes;
    s->n.a_set += w.a_set;
    s->n.dirty_faults += w.d_set;
    if (f != SHADOW_OK) {
        /* The guest's own page fault, with the PFErr its walker would give. */
        s->model->pferr = shadow_pferr(f, access, user);
        s->n.faults_reflected++;
        struct cpu_exc g = { .code = store ? EXC_TLBS : EXC_TLBL, .has_badvaddr = 1, .badvaddr = va };
        vmm_reflect(vmm, &g);
        return;
    }
    fill_mapped(vmm, vm, va, &w, store, fetch);
}

static int sh_priv_op(struct vmm *vmm, const struct dinsn *d)
{
    struct vm *vm = vmm->cur;
    struct sh_vm *s = SV(vm);
    if (d->op != OP_MTC0 || d->rd != PW_CP0_REG)
        return 0;
    uint32_t val = vmm->cpu->gpr[d->rt];
    struct mmu *hw = S(vmm)->hw;
    switch (d->imm) {
    case PW_SEL_PTBASE: {
        /* The guest switches address spaces: the cached root of its directory, and a
         * machine PTBase write, which flushes the non-global entries as the guest expects. */
        s->model->ptbase = val & PW_FRAME_4K;
        s->n.root_switches++;
        int hit;
        unsigned r = root_get(vmm, vm, val >> 12, &hit);
        if (r == SH_NO_ROOT) {
            out_of_frames(vmm);
            return 1;
        }
        s->n.root_hits += hit;
        s->cur = r;
        s->roots[r].last_use = ++s->clock;
        hw->ops->cp0_write(hw, PW_CP0_REG, PW_SEL_PTBASE, s->roots[r].dir_mfn << 12);
        return 1;
    }
    case PW_SEL_INVLPG: {
        /* The guest drops a translation: the machine's, and the shadow entry. */
        s->n.invlpg++;
        hw_invlpg(vmm, val);
        uint32_t i = val >> 22;
        if (s->cur != SH_NO_ROOT) {
            struct sh_root *root = &s->roots[s->cur];
            if (root->kind[i] == LEAF_TABLE || root->kind[i] == LEAF_BIG) {
                uint32_t *t = frame(vmm, root->leaf_mfn[i]);
                if (t[(val >> 12) & 1023]) {
                    t[(val >> 12) & 1023] = 0;
                    s->n.zapped++;
                }
            }
        }
        return 1;
    }
    default:
        return 0;                  /* PFErr (read-only) and the rest: the core */
    }
}

static void sh_sync(struct vmm *vmm)
{
    struct vm *vm = vmm->cur;
    struct sh_vm *s = SV(vm);
    uint32_t key = vmm_seg_key(vm->v);
    if (!s->seg_key_set || key != s->seg_key) {
        if (s->seg_key_set) {
            drop_all(vmm, vm);
            hw_flush_all(vmm);
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
    hw_flush_all(vmm);             /* global entries included: they are this VM's */
}

static void sh_switch_in(struct vmm *vmm, struct vm *vm)
{
    if (load_root(vmm, vm) != 0)
        out_of_frames(vmm);
}

/* Frames of vm go back to the pool: every shadow table goes (rebuilt on demand if the VM
 * runs on), and the machine TLB is emptied. */
static void sh_unmapped(struct vmm *vmm, struct vm *vm, uint32_t gpfn, uint32_t count)
{
    (void)gpfn;
    (void)count;
    drop_all(vmm, vm);
    hw_flush_all(vmm);
    if (vm->state == VM_RUNNING && vm == vmm->cur && load_root(vmm, vm) != 0)
        out_of_frames(vmm);
}

static int sh_init(struct vmm *vmm, const struct vmm_config *cfg, char *err, size_t errlen)
{
    const struct shadow_opts *o = cfg->backend_opts;
    struct sh *sh = calloc(1, sizeof(*sh));
    if (o && pw_config_check(&o->pw, err, errlen)) {
        free(sh);
        return -1;
    }
    if (!sh || !(sh->hw = pw_new(vmm->cpu, o ? &o->pw : NULL))) {
        free(sh);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vmm->be = sh;
    vmm->cpu->mmu = sh->hw;
    return 0;
}

static void sh_fini(struct vmm *vmm)
{
    struct sh *sh = S(vmm);
    if (sh->hw)
        sh->hw->ops->destroy(sh->hw);
    vmm->cpu->mmu = NULL;
    free(sh);
    vmm->be = NULL;
}

static int sh_vm_init(struct vmm *vmm, struct vm *vm, const struct vmm_config *cfg)
{
    (void)vmm;
    (void)cfg;
    struct sh_vm *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    vm->be = s;
    s->cur = SH_NO_ROOT;
    s->link_free = SH_NONE;
    s->npages = vm->pmap.npages;
    memset(s->kseg_mfn, 0xFF, sizeof(s->kseg_mfn));
    s->model = calloc(1, sizeof(*s->model));
    s->roots = calloc(SHADOW_ROOTS, sizeof(*s->roots));
    s->pt_refs = calloc(s->npages, sizeof(*s->pt_refs));
    s->root_of = malloc(s->npages);
    s->wva = malloc(s->npages * sizeof(*s->wva));
    s->link_head = malloc(s->npages * sizeof(*s->link_head));
    if (!s->model || !s->roots || !s->pt_refs || !s->root_of || !s->wva || !s->link_head)
        return -1;
    memset(s->wva, 0xFF, s->npages * sizeof(*s->wva));
    for (unsigned r = 0; r < SHADOW_ROOTS; r++)
        s->roots[r].gpfn = SH_NONE;
    memset(s->root_of, SH_NO_ROOT, s->npages);
    memset(s->link_head, 0xFF, s->npages * sizeof(*s->link_head));
    s->model->base.ops = &model_ops;
    s->model->base.cpu = vm->v;
    s->model->vm = vm;
    vm->v->mmu = &s->model->base;
    return 0;
}

static void sh_vm_fini(struct vmm *vmm, struct vm *vm)
{
    struct sh_vm *s = SV(vm);
    if (s->roots && s->root_of && s->link_head && s->pt_refs)
        drop_all(vmm, vm);
    if (vm->v && vm->v->mmu == &s->model->base)
        vm->v->mmu = NULL;
    free(s->model);
    free(s->roots);
    free(s->pt_refs);
    free(s->root_of);
    free(s->wva);
    free(s->link_head);
    free(s->links);
    free(s);
    vm->be = NULL;
}

static void sh_register_stats(struct vmm *vmm, struct stats *st)
{
    stats_add(st, &S(vmm)->tlb_flushes, "machine.shadow.tlb_flushes");
}

static void sh_register_vm_stats(struct vmm *vmm, struct vm *vm, struct stats *st, const char *px)
{
    (void)vmm;
    struct sh_vm *s = SV(vm);
#define SH_STAT(f) stats_add(st, &s->n.f, "%s.shadow." #f, px)
    SH_STAT(faults);
    SH_STAT(fills);
    SH_STAT(kseg_fills);
    SH_STAT(vmm_fills);
    SH_STAT(faults_reflected);
    SH_STAT(pt_write_emulated);
    SH_STAT(unshadowed);
    SH_STAT(zapped);
    SH_STAT(zapped_pdes);
    SH_STAT(roots_created);
    SH_STAT(roots_dropped);
    SH_STAT(root_switches);
    SH_STAT(root_hits);
    SH_STAT(invlpg);
    SH_STAT(ad_updates);
    SH_STAT(a_set);
    SH_STAT(dirty_faults);
    SH_STAT(write_protects);
    SH_STAT(protect_scans);
    SH_STAT(protect_flushes);
    SH_STAT(seg_flushes);
    SH_STAT(frames);
    SH_STAT(frames_peak);
    SH_STAT(frames_allocated);
    SH_STAT(frames_freed);
    SH_STAT(alloc_failed);
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
