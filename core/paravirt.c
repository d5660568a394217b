/* core/paravirt.c - hypercalls and the per-vCPU page (paravirt.h, guest/include/tv_pv.h,
 * docs/paravirt.md). */
#include <stddef.h>
#include <string.h>

#include "guest/include/tv_abi.h"
#include "mem.h"
#include "mmu_backend.h"
#include "paravirt.h"
#include "stats.h"
#include "vmm.h"

void pv_init(struct vm_pv *pv)
{
    memset(pv, 0, sizeof(*pv));
    pv->page_gpfn = UINT32_MAX;
}

/* The guest-writable fields: their wmask bit, offset and CP0 register. */
static const struct { uint32_t bit; unsigned off; int reg; } writable[] = {
    { TV_PV_W_STATUS, TV_PV_STATUS, CP0_STATUS }, { TV_PV_W_EPC, TV_PV_EPC, CP0_EPC },
    { TV_PV_W_ENTRYHI, TV_PV_ENTRYHI, CP0_ENTRYHI },
    { TV_PV_W_ENTRYLO0, TV_PV_ENTRYLO0, CP0_ENTRYLO0 },
    { TV_PV_W_ENTRYLO1, TV_PV_ENTRYLO1, CP0_ENTRYLO1 },
    { TV_PV_W_INDEX, TV_PV_INDEX, CP0_INDEX },
};

int pv_pull(struct vmm *vmm)
{
    struct vm *vm = vmm->cur;
    if (!pv_active(&vm->pv))
        return 0;
    uint8_t *page = pmap_host(&vm->pmap, vm->pv.page_gpfn);
    if (!page)
        return 0;                       /* the VM is being stopped (pmap's failed hook) */
    uint32_t wmask, val;
    memcpy(&wmask, page + TV_PV_WMASK, 4);
    if (!wmask)
        return 0;
    int changed = 0;
    for (unsigned i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
        if (!(wmask & writable[i].bit))
            continue;
        memcpy(&val, page + writable[i].off, 4);
        vmm_guest_mtc0(vmm, writable[i].reg, val);   /* as the guest's mtc0, back end too */
        vm->pv.pushed[i] = cpu_cp0_read(vm->v, writable[i].reg, 0);
        vm->pv.n.pulls++;
        changed |= writable[i].reg == CP0_STATUS || writable[i].reg == CP0_ENTRYHI;
    }
    memset(page + TV_PV_WMASK, 0, 4);
    return changed;
}

void pv_push(struct vmm *vmm)
{
    struct vm *vm = vmm->cur;
    if (!pv_active(&vm->pv) || vm->state != VM_RUNNING)
        return;
    uint8_t *page = pmap_host(&vm->pmap, vm->pv.page_gpfn);
    if (!page)
        return;
    struct cpu *v = vm->v;
    struct tv_pv_page pg = {
        .magic = TV_PV_MAGIC, .version = TV_PV_VERSION,
        .cause = cpu_cp0_read(v, CP0_CAUSE, 0), .badvaddr = cpu_cp0_read(v, CP0_BADVADDR, 0),
        .context = cpu_cp0_read(v, CP0_CONTEXT, 0), .pferr = cpu_cp0_read(v, 22, 2),
        .balloon_target = (uint32_t)vm->pmap.balloon_target,
    };
    /* The VMM's own fields, always; a guest-writable one only when the virtual register
     * changed since the VMM last wrote or took it: the guest may have stored a new value
     * there and be about to flag it in wmask (a trap in between, e.g. a TLB miss, must not
     * undo its store). */
    memcpy(page + TV_PV_MAGIC_OFF, &pg.magic, 8);
    memcpy(page + TV_PV_CAUSE, &pg.cause, 4);
    memcpy(page + TV_PV_BADVADDR, &pg.badvaddr, 8);
    memcpy(page + TV_PV_PFERR, &pg.pferr, 8);
    for (unsigned i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
        uint32_t val = cpu_cp0_read(v, writable[i].reg, 0);
        if (vm->pv.pushed_valid && val == vm->pv.pushed[i])
            continue;
        memcpy(page + writable[i].off, &val, 4);
        vm->pv.pushed[i] = val;
    }
    vm->pv.pushed_valid = 1;
}

/* TV_HC_MMU_UPDATE: n {ptr, val} pairs at guest-physical pa. Returns how many were done
 * (an entry outside the VM's RAM, or unaligned, ends the batch). */
static uint32_t mmu_update(struct vmm *vmm, uint32_t pa, uint32_t n)
{
    struct vm *vm = vmm->cur;
    uint32_t done = 0;
    if (n > 1024)
        n = 1024;                       /* one call is bounded; the guest calls again */
    for (; done < n; done++) {
        struct tv_mmu_update u;
        if (pmap_read(&vm->pmap, pa + done * sizeof(u), &u, sizeof(u)) != 0 || (u.ptr & 3) ||
            (uint64_t)u.ptr + 4 > vm->pmap.ram_bytes)
            break;
        if (vmm->backend->pt_write)
            vmm->backend->pt_write(vmm, vm, u.ptr, u.val);
        else if (pmap_write(&vm->pmap, u.ptr, &u.val, 4) != 0)
            break;
        vmm_charge(vmm, COST_emulate_priv, 1);
        vm->pv.n.mmu_updates++;
    }
    return done;
}

enum pv_action pv_hypercall(struct vmm *vmm, uint32_t *ret)
{
    struct vm *vm = vmm->cur;
    struct vm_pv *pv = &vm->pv;
    const uint32_t *r = vmm->cpu->gpr;
    uint32_t nr = r[2], a0 = r[4], a1 = r[5];
    uint32_t gpfn = a0 >> 12;
    pv->n.hypercalls++;
    if (nr < TV_HC_COUNT)
        pv->n.calls[nr]++;
    *ret = (uint32_t)-TV_EINVAL;
    switch (nr) {
    case TV_HC_PROBE:
        *ret = TV_HC_MAGIC;
        break;
    case TV_HC_PVPAGE:
        if ((a0 & 0xFFFu) || gpfn >= vm->pmap.npages)
            break;
        pv->page_gpfn = gpfn;
        pv->flags = a1;
        pv->pushed_valid = 0;               /* the next push writes every field */
        vm->pmap.balloon_driver = (a1 & TV_PV_F_BALLOON) != 0;
        *ret = 0;
        break;
    case TV_HC_CACHE:
        /* The machine has no caches to maintain (its predecoded code follows every store):
         * the call costs the one trap it is, instead of one per line. */
        pv->n.cache_lines += ((uint64_t)(a0 & 15u) + a1 + 15) / 16;
        *ret = 0;
        break;
    case TV_HC_IDLE:
        *ret = 1;
        return PV_IDLE;
    case TV_HC_YIELD:
        *ret = 0;
        return PV_YIELD;
    case TV_HC_TIMER:
        *ret = cpu_count(vm->v);
        cpu_cp0_write(vm->v, CP0_COMPARE, 0, *ret + a0);
        break;
    case TV_HC_ZEROED:
        if (gpfn >= vm->pmap.npages)
            break;
        *ret = (uint32_t)mem_reads_zero(&vm->pmap, gpfn);
        pv->n.zeroed_yes += *ret;
        pv->n.zeroed_no += !*ret;
        break;
    case TV_HC_BALLOON_GIVE:
        if (!(a0 & 0xFFFu) && mem_balloon_give(&vmm->mem, &vm->pmap, gpfn) == 0) {
            pv->n.balloon_given++;
            *ret = 0;
        }
        break;
    case TV_HC_BALLOON_TAKE:
        if (!(a0 & 0xFFFu) && mem_balloon_take(&vmm->mem, &vm->pmap, gpfn) == 0) {
            pv->n.balloon_taken++;
            *ret = 0;
        }
        break;
    case TV_HC_MMU_UPDATE:
        *ret = mmu_update(vmm, a0, a1);
        break;
    default:
        pv->n.bad_calls++;
        break;
    }
    return PV_CONTINUE;
}

void pv_register_stats(struct vm_pv *pv, struct stats *st, const char *px)
{
    static const char *const names[TV_HC_COUNT] = {
        [TV_HC_PROBE] = "probe", [TV_HC_PVPAGE] = "pvpage", [TV_HC_CACHE] = "cache",
        [TV_HC_IDLE] = "idle", [TV_HC_YIELD] = "yield", [TV_HC_TIMER] = "timer",
        [TV_HC_ZEROED] = "zeroed", [TV_HC_BALLOON_GIVE] = "balloon_give",
        [TV_HC_BALLOON_TAKE] = "balloon_take", [TV_HC_MMU_UPDATE] = "mmu_update",
    };
    stats_add(st, &pv->n.hypercalls, "%s.pv.hypercalls", px);
    for (int i = 0; i < TV_HC_COUNT; i++)
        stats_add(st, &pv->n.calls[i], "%s.pv.calls.%s", px, names[i]);
    stats_add(st, &pv->n.bad_calls, "%s.pv.bad_calls", px);
    stats_add(st, &pv->n.pulls, "%s.pv.pulls", px);
    stats_add(st, &pv->n.cache_lines, "%s.pv.cache_lines", px);
    stats_add(st, &pv->n.zeroed_yes, "%s.pv.zeroed_yes", px);
    stats_add(st, &pv->n.zeroed_no, "%s.pv.zeroed_no", px);
    stats_add(st, &pv->n.balloon_given, "%s.pv.balloon_given", px);
    stats_add(st, &pv->n.balloon_taken, "%s.pv.balloon_taken", px);
    stats_add(st, &pv->n.mmu_updates, "%s.pv.mmu_updates", px);
}
