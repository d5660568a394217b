/* sh_int.h - the shadow back end's rooms and what they share (docs/shadow.md "Code").
 *
 * Split the way KVM splits its shadow MMU (arch/x86/kvm/mmu/): one job per file.
 *   model.c      the guest's walker model (PTBase, PFErr) and the walk of its tables
 *   pages.c      shadow pages: allocation within the VM's budget, lookup by guest frame
 *                and role, linking into directories, zapping, recycling (mmu pages)
 *   rmap.c       the reverse map: guest frame -> every shadow entry that maps it
 *   page_track.c write tracking: which guest frames are page tables, write-protected
 *   spte.c       every shadow entry is built here (make_spte) and set/cleared here
 *   roots.c      the root cache, PTBase switches, the machine's PTBase
 *   fault.c      shadow faults, fills, prefetch, and the emulation of page-table writes
 *   oos.c        out-of-sync leaf tables
 *   vtlb.c       the exact guest TLB
 *   audit.c      --shadow-audit: every shadow entry against the guest's tables and pmap
 *   shadow.c     the back-end hooks (mmu_backend.h): a thin layer over the rooms
 *
 * A shadow page is one machine frame the machine's walker reads (a page directory or a
 * page table) plus its host-side bookkeeping. Its role says what it was made from:
 *   SP_ROOT    a shadow page directory for the guest directory at gfn
 *   SP_TABLE   a shadow of the guest page table at gfn
 *   SP_BIG     a guest 4 MiB page (PDE at gfn's frame) split into 4 KiB shadow entries
 *   SP_DIRECT  guest-unmapped addresses outside kseg0/kseg1 (useg under ERL), gfn = base
 *   SP_KSEG    guest kseg0/kseg1 -> its RAM, gfn = 4 MiB window index (shared by all roots)
 *   SP_VTLB    exact mode: the entries of the guest's TLB (vtlb.c) in one 4 MiB range
 * A directory slot that points at a shadow page is one of the page's parents; a leaf slot
 * that maps a guest frame is on that frame's reverse map. Both lists are threaded through
 * the per-slot next/prev arrays of the page that owns the slot, and a node is named by
 * (page id << 10 | slot). */
#ifndef TLBVISOR_SHADOW_INT_H
#define TLBVISOR_SHADOW_INT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/cpu_ops.h"
#include "../core/mmu.h"
#include "../core/vmm.h"
#include "../pagewalk/walk.h"
#include "shadow.h"

#define SH_NONE 0xFFFFFFFFu
#define SH_MANY_VAS 0xFFFFFFFEu              /* wva: writable at more than one address */
#define SH_OWNER(vm) (0x10000u | (vm)->id)   /* owner tag of a VM's shadow frames */
#define SH_OWNER_MACHINE 0x1FFFFu            /* owner tag of the back end's own frame */
#define KSEG_FIRST_PDE 512u                  /* 0x80000000 >> 22 */
#define KSEG_PDES 256u                       /* kseg0 and kseg1: 0x80000000..0xBFFFFFFF */
#define SH_PDE (PW_P | PW_RW | PW_US | PW_A) /* a PDE whose rights live in its table */
#define SH_PTE (PW_P | PW_A | PW_D)          /* A, D preset: the machine walker never writes */
#define SH_HASH 4096u                        /* buckets of the page hash (by gfn) */
#define SH_NODE(id, slot) ((id) << 10 | (slot))
#define SH_NODE_PAGE(n) ((n) >> 10)
#define SH_NODE_SLOT(n) ((n) & 1023u)
#define SH_MAX_PAGES (1u << 22)               /* page ids fit a node name */

enum sp_kind { SP_ROOT, SP_TABLE, SP_BIG, SP_DIRECT, SP_KSEG, SP_VTLB };
#define SH_EXACT_ROOT 0x100000u              /* the exact mode's one root: no guest frame */

struct sh_page {
    uint32_t id;
    uint32_t mfn;
    uint32_t gfn;              /* see the roles above */
    uint32_t owner;            /* unshared TABLE/BIG/DIRECT: the directory slot (node) it was
                                * made for; SH_NONE: shared (found by gfn and role alone) */
    uint8_t kind;              /* enum sp_kind */
    uint8_t protected_;        /* ROOT: the guest directory is tracked on its account */
    uint8_t unsync;            /* TABLE: out of sync (oos.c): not tracked */
    uint8_t pinned;            /* ROOT: in the root cache */
    uint8_t large;             /* KSEG: the window is one machine 4 MiB entry (klarge): the
                                * extent's run at large_mfn, no entries of its own */
    uint32_t large_mfn;
    uint32_t hash_next;        /* next page id in its hash bucket */
    uint32_t lru_prev, lru_next;
    uint32_t parents;          /* head of the list of directory slots pointing here */
    uint32_t nparents;
    uint32_t present;          /* slots in use */
    uint32_t write_count;      /* emulated writes since it was last used for a fill (flood) */
    uint32_t oos_writes;       /* TABLE: emulated writes while in sync (oos candidate) */
    uint64_t last_use;         /* ROOT: root cache order */
    uint32_t big_bits[32];     /* SP_VTLB: slot i stands for a piece of a 4 MiB TLB entry */
    uint32_t tgt[1024];        /* leaf roles: the guest frame slot i maps (rmap key); ROOT: the
                                * child page id under slot i; SH_NONE: empty */
    uint32_t next[1024], prev[1024];
};

/* The guest's walker as the guest programs it (vm->v->mmu). */
struct sh_model {
    struct mmu base;
    struct vm *vm;
    uint32_t ptbase;           /* CP0 22/0 */
    uint32_t pferr;            /* CP0 22/2 */
};

/* The counters, one field per vmN.shadow.NAME (register order in shadow.c). */
#define SH_COUNTERS(X) \
    X(faults) X(fills) X(kseg_fills) X(vmm_fills) X(faults_reflected) \
    X(pt_write_emulated) X(unshadowed) X(zapped) X(zapped_pdes) \
    X(roots_created) X(roots_dropped) X(root_switches) X(root_hits) X(invlpg) \
    X(ad_updates) X(a_set) X(dirty_faults) X(write_protects) X(protect_scans) \
    X(protect_flushes) X(seg_flushes) X(invlpg_big) \
    X(kseg_upgrades) X(frames) X(frames_peak) X(frames_allocated) X(frames_freed) X(alloc_failed) X(recycled) \
    X(shared_links) X(updated) X(unsynced) X(resynced) X(resync_skipped) X(resync_entries) X(oos_evictions) \
    X(flooded) X(early_unshadows) X(prefetched) X(root_reused) X(kseg_large) X(kseg_splits) \
    X(unprotects) X(vtlb_fills) X(vtlb_hits) X(vtlb_evictions) X(vtlb_flushes) X(audits)

struct sh_counters {
#define SH_COUNTER_FIELD(f) uint64_t f;
    SH_COUNTERS(SH_COUNTER_FIELD)
#undef SH_COUNTER_FIELD
};

struct sh_oos {                /* one out-of-sync table (oos.c) */
    uint32_t page;             /* its shadow page id, or SH_NONE */
    uint32_t snap[1024];       /* the guest table as the shadow last agreed with it */
};

struct sh_vtlb;

struct sh_vm {
    struct sh_model *model;
    unsigned opts;             /* SHADOW_OPT_* in effect for this VM */
    /* shadow pages */
    struct sh_page **pages;    /* by id; NULL: a free id */
    uint32_t npages_cap, page_free; /* ids below page_free are in use */
    uint32_t hash[SH_HASH];
    uint32_t lru_head, lru_tail; /* most / least recently used */
    uint64_t clock;
    /* per guest frame [npages] */
    uint32_t npages;
    uint32_t *rmap;            /* head of the reverse map of each guest frame */
    uint32_t *track;           /* in-sync shadow pages made from it: write-protected if > 0 */
    uint32_t *wva;             /* page VA of the writable non-kseg shadow entries made for it,
                                * SH_MANY_VAS, or SH_NONE: none was made */
    uint32_t *ext_tracked;     /* [4 MiB extents]: tracked frames in the extent (klarge) */
    uint32_t ntracked;         /* frames with track > 0 (for the audit) */
    uint64_t nrmap;            /* nodes on reverse maps (for the audit) */
    /* roots */
    uint32_t cur;              /* the root of the guest's PTBase (page id), or SH_NONE */
    uint32_t *cache;           /* [roots_max] root page ids; MRU: most recent first */
    unsigned ncache, roots_max;
    uint32_t kseg[KSEG_PDES];  /* the VM's kseg page for each window, or SH_NONE */
    uint32_t big_cached[32];   /* bit i: the machine TLB may hold 4 KiB pieces of a guest
                                * 4 MiB page at PDE i (since the last full flush) */
    uint32_t seg_key;
    int seg_key_set;
    /* write emulation */
    uint32_t retry_pc, retry_va;   /* the last store that could not be emulated ... */
    uint64_t retry_icount;         /* ... and the instruction count then */
    uint32_t last_write_gfn;       /* early unshadow: the table of the last emulated write */
    /* out-of-sync tables */
    struct sh_oos *oos;        /* [oos_max] */
    unsigned oos_max, oos_next;
    struct sh_vtlb *vtlb;      /* exact: the guest's TLB */
    struct sh_counters n;
};

struct sh {
    struct mmu *hw;            /* the machine's walker */
    uint32_t max_frames;       /* each VM's shadow budget (--shadow-frames) */
    struct shadow_opts o;      /* as given (defaults filled in) */
    uint32_t empty_root;       /* a machine page directory with nothing in it, for as long as
                                * the machine exists: the machine's PTBase when no VM's root
                                * is loaded (never a freed frame) */
    uint64_t frames;           /* machine frames the back end holds for itself (1) */
    uint64_t tlb_flushes;      /* machine TLB emptied (world switch, VM stop, segment map) */
};

static inline struct sh *S(struct vmm *vmm) { return vmm->be; }
static inline struct sh_vm *SV(struct vm *vm) { return vm->be; }
static inline int sh_opt(const struct sh_vm *s, unsigned opt) { return (s->opts & opt) != 0; }
static inline struct sh_page *sh_page(const struct sh_vm *s, uint32_t id) { return s->pages[id]; }
static inline uint32_t *sh_frame(struct vmm *vmm, uint32_t mfn)
{
    return (uint32_t *)frames_host(&vmm->frames, mfn);
}
static inline uint32_t *sp_entries(struct vmm *vmm, const struct sh_page *sp)
{
    return sh_frame(vmm, sp->mfn);
}

/* ---- machine (shadow.c) ---- */
void sh_hw_invlpg(struct vmm *vmm, uint32_t va);
void sh_hw_flush_all(struct vmm *vmm);

/* ---- model.c ---- */
extern const struct mmu_ops sh_model_ops;

/* ---- pages.c ---- */
/* A new shadow page of kind/gfn/owner (zeroed frame, charged page_zero), within the VM's
 * budget (recycling its least recently used pages first). NULL when none can be had. */
struct sh_page *sp_new(struct vmm *vmm, struct vm *vm, int kind, uint32_t gfn, uint32_t owner);
/* The page of that role, or NULL. */
struct sh_page *sp_find(struct sh_vm *s, int kind, uint32_t gfn, uint32_t owner);
/* Makes directory slot i of root point at child with the given PDE flags (replacing what
 * was there). */
void sp_link(struct vmm *vmm, struct vm *vm, struct sh_page *root, uint32_t i,
             struct sh_page *child, uint32_t pde_flags);
/* Empties directory slot i of root. A child left without parents goes too (a kseg page
 * stays: every root links it). */
void sp_unlink(struct vmm *vmm, struct vm *vm, struct sh_page *root, uint32_t i);
/* Frees page sp: its entries, its parents' slots, its tracking; a root is dropped whole. */
void sp_zap(struct vmm *vmm, struct vm *vm, struct sh_page *sp);
/* Marks sp used now (recycling order). */
void sp_touch(struct sh_vm *s, struct sh_page *sp);
/* Frees every shadow page of vm. */
void sp_zap_all(struct vmm *vmm, struct vm *vm);
/* The first page with gfn in its hash chain from id (SH_NONE: the bucket's head), any role. */
uint32_t sp_next_of_gfn(const struct sh_vm *s, uint32_t gfn, uint32_t from);

/* ---- rmap.c ---- */
void rmap_add(struct sh_vm *s, uint32_t gpfn, uint32_t node);
void rmap_del(struct sh_vm *s, uint32_t gpfn, uint32_t node);
/* Calls fn for every shadow entry mapping gpfn (fn may clear it). */
void rmap_each(struct sh_vm *s, uint32_t gpfn, void (*fn)(void *ctx, uint32_t node), void *ctx);
void list_add(struct sh_vm *s, uint32_t *head, uint32_t node);
void list_del(struct sh_vm *s, uint32_t *head, uint32_t node);
static inline uint32_t list_next(const struct sh_vm *s, uint32_t node)
{
    return s->pages[SH_NODE_PAGE(node)]->next[SH_NODE_SLOT(node)];
}
/* The guest-virtual page address a leaf slot (node) translates when reached through
 * directory slot parent (a node of a root): parent slot << 22 | leaf slot << 12. */
static inline uint32_t node_va(uint32_t parent, uint32_t node)
{
    return SH_NODE_SLOT(parent) << 22 | SH_NODE_SLOT(node) << 12;
}

/* ---- page_track.c ---- */
int is_tracked(const struct sh_vm *s, uint32_t gpfn);
void track_inc(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
void track_dec(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
/* A writable non-kseg shadow entry va -> gpfn is being made. */
void note_writable(struct sh_vm *s, uint32_t gpfn, uint32_t va);

/* ---- spte.c ---- */
/* The shadow entry for guest frame gpfn (backed by mfn) under guest leaf `leaf` (a PTE, or
 * a 4 MiB PDE standing for this 4 KiB piece; 0 for a kseg/direct entry the VMM maps). */
uint32_t make_spte(const struct sh_vm *s, uint32_t mfn, uint32_t gpfn, uint32_t leaf, int vmm_map);
void spte_set(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i, uint32_t spte,
              uint32_t gpfn);
void spte_clear(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i);
/* The shadow entry a guest PTE gives if it can be made without a walk that would change
 * the guest's memory: present, with A already set, to a frame already backed (update in
 * place, Xen validate_guest_pt_write; the prefetch test, KVM prefetch_invalid_gpte). 0
 * otherwise. */
uint32_t spte_from_gpte(struct vm *vm, uint32_t gpte, uint32_t *gpfn);
/* spte_set, and a writable entry's address noted for write tracking. */
void spte_set_noted(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i, uint32_t spte,
                    uint32_t gpfn);
/* Slot i of table sp now holds guest PTE gpte: its shadow entry is updated in place
 * (--shadow-opts update, when spte_from_gpte can) or zapped. */
void spte_propagate(struct vmm *vmm, struct vm *vm, struct sh_page *sp, uint32_t i, uint32_t gpte);
/* For every directory slot through which leaf slot i of sp is reached: fn(va). */
void spte_each_va(struct vm *vm, const struct sh_page *sp, uint32_t i, void (*fn)(void *, uint32_t),
                  void *ctx);

/* ---- roots.c ---- */
struct sh_page *sh_root(struct sh_vm *s);     /* the current root, or NULL */
int load_root(struct vmm *vmm, struct vm *vm);
void load_empty_root(struct vmm *vmm);
int root_switch(struct vmm *vmm, struct vm *vm, uint32_t gfn);
/* Drops the guest-derived tables under root (the guest directory is then not tracked on
 * its account). */
void root_zap_guest(struct vmm *vmm, struct vm *vm, struct sh_page *root);
void root_uncache(struct sh_vm *s, struct sh_page *root);
void out_of_frames(struct vmm *vmm);

/* ---- kseg.c ---- */
/* The kseg page for window k (va >> 22 - KSEG_FIRST_PDE) that maps guest-physical extent
 * e: made if needed; large (one machine 4 MiB entry) when klarge allows. NULL: no memory. */
struct sh_page *kseg_page(struct vmm *vmm, struct vm *vm, uint32_t k, uint32_t e);
/* Guest frame gpfn becomes / stops being tracked: a large kseg mapping over it is split. */
void kseg_tracked(struct vmm *vmm, struct vm *vm, uint32_t gpfn, int delta);
/* Guest frame gpfn was just backed: if that made its extent whole, its kseg windows are
 * remapped large at their next access (klarge). */
void kseg_backed(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
/* A large kseg page goes: the machine TLB forgets its 4 MiB. */
void kseg_large_gone(struct vmm *vmm, struct vm *vm, struct sh_page *sp);

/* ---- fault.c ---- */
void sh_do_fault(struct vmm *vmm, const struct cpu_exc *e);
void sh_do_invlpg(struct vmm *vmm, struct vm *vm, uint32_t va);
void unshadow(struct vmm *vmm, struct vm *vm, uint32_t gpfn);
/* The guest's walk (model.c) with its A/D write-backs made visible to the machine. */
enum shadow_fault guest_walk(struct vmm *vmm, struct vm *vm, uint32_t va, int access, int user,
                             struct shadow_walk *w);

/* ---- oos.c ---- */
/* Word written to in-sync table sp: maybe take it out of sync (returns 1 if it did). */
int oos_maybe_unsync(struct vmm *vmm, struct vm *vm, struct sh_page *sp);
void oos_resync_all(struct vmm *vmm, struct vm *vm);
/* Resyncs the out-of-sync tables that translate va (InvlPg). */
void oos_resync_va(struct vmm *vmm, struct vm *vm, uint32_t va);
/* A fill made slot j of out-of-sync table sp from guest PTE gpte. */
void oos_note_fill(struct sh_vm *s, struct sh_page *sp, uint32_t j, uint32_t gpte);
/* sp goes (zapped): forget it. */
void oos_forget(struct sh_vm *s, struct sh_page *sp);
/* Brings sp back in sync and tracked (its frame is about to be tracked for another role). */
void oos_resync_page(struct vmm *vmm, struct vm *vm, struct sh_page *sp);
int oos_init(struct sh_vm *s, unsigned n);
void oos_free(struct sh_vm *s);

/* ---- vtlb.c ---- */
int vtlb_init(struct vm *vm, const struct pw_config *geom);
void vtlb_free(struct sh_vm *s);
/* A machine fault at guest-mapped va in exact mode: the guest's TLB decides. */
void vtlb_fault(struct vmm *vmm, struct vm *vm, uint32_t va, int access, int user, int store, int fetch);
void vtlb_invlpg(struct vmm *vmm, struct vm *vm, uint32_t va);
void vtlb_flush(struct vmm *vmm, struct vm *vm, int keep_global);
/* The guest TLB's translation of va for an access, without a walk or any change: 0 with
 * *pa, or -1 (no entry, or its rights refuse the access). */
int vtlb_probe(struct sh_vm *s, uint32_t va, int store, int user, uint32_t *pa);
/* For the audit: the guest TLB entry that slot i of exact-mode page sp stands for, as a
 * leaf (P, A, RW, D, US, G as the entry says) and the guest frame; 0 if there is none. */
int vtlb_expected(struct sh_vm *s, const struct sh_page *sp, uint32_t i, uint32_t *leaf,
                  uint32_t *gpfn);

/* ---- audit.c ---- */
/* Checks every shadow entry of vm; returns the number of disagreements (printed). */
unsigned sh_audit(struct vmm *vmm, struct vm *vm, const char *where);

#endif
