/* core/paravirt.h - the VMM's side of the paravirtual interface (guest/include/tv_pv.h,
 * docs/paravirt.md): hypercalls, and the per-vCPU page where a paravirtual guest kernel
 * reads and writes the privileged registers its exception and refill handlers use.
 *
 * core/vmm.c calls pv_pull on every entry into the VMM from a guest that registered a
 * page, pv_push before the guest runs again, and pv_hypercall for `mfc0 $v0, $21, 0` in
 * guest kernel mode. Guests that never register a page are untouched by any of this. */
#ifndef TLBVISOR_CORE_PARAVIRT_H
#define TLBVISOR_CORE_PARAVIRT_H

#include <stdint.h>

#include "guest/include/tv_pv.h"

struct stats;
struct vm;
struct vmm;

/* What the VMM must do after a hypercall, besides returning its value. */
enum pv_action { PV_CONTINUE, PV_IDLE, PV_YIELD };

struct vm_pv {
    uint32_t page_gpfn;            /* the registered page, or UINT32_MAX */
    uint32_t flags;                /* TV_PV_F_* given at registration */
    uint32_t pushed[6];            /* the guest-writable fields as the VMM last wrote them
                                    * (or took them): written again only when the virtual
                                    * CP0 changes, never over a value the guest has stored
                                    * and not yet flagged in wmask */
    int pushed_valid;
    struct {
        uint64_t hypercalls;       /* every hypercall, and by number: */
        uint64_t calls[TV_HC_COUNT];
        uint64_t bad_calls;        /* unknown numbers (answered -TV_EINVAL) */
        uint64_t pulls;            /* guest-written fields taken into the virtual CP0 */
        uint64_t cache_lines;      /* 16-byte lines covered by TV_HC_CACHE */
        uint64_t zeroed_yes;       /* TV_HC_ZEROED answered 1 (the guest skips its zeroing) */
        uint64_t zeroed_no;
        uint64_t balloon_given;    /* TV_HC_BALLOON_GIVE / TAKE that succeeded */
        uint64_t balloon_taken;
        uint64_t mmu_updates;      /* page-table words written by TV_HC_MMU_UPDATE */
    } n;
};

void pv_init(struct vm_pv *pv);
/* Does vm use the per-vCPU page? */
static inline int pv_active(const struct vm_pv *pv)
{
    return pv->page_gpfn != UINT32_MAX;
}
/* Takes the guest-writable fields of the page into the virtual CP0 of the VM on the CPU
 * (as mtc0 writes them). Returns 1 if its Status or EntryHi changed (the machine's state
 * must follow: the caller syncs it). */
int pv_pull(struct vmm *vmm);
/* Writes every field of the page from the virtual CP0 (and the balloon target). */
void pv_push(struct vmm *vmm);
/* Performs the hypercall of the VM on the CPU (number in $v0, arguments $a0..$a2) and
 * stores its result in *ret. Returns what the VMM must do next. */
enum pv_action pv_hypercall(struct vmm *vmm, uint32_t *ret);
/* Registers PREFIX.pv.* for vm. */
void pv_register_stats(struct vm_pv *pv, struct stats *st, const char *prefix);

#endif
