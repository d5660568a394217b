/* vmm.c - trap-and-emulate for deprivileged guests (vmm.h, docs/vmm.md).
 *
 * Every hardware exception enters vmm_exception. Its outcomes:
 *  - TLBL/TLBS/Mod: the back end's (mmu_backend.h): it fills the machine's MMU and retries,
 *    emulates a device access, or reflects what the guest's own MMU model says.
 *  - Coprocessor Unusable from guest kernel mode: a privileged instruction, offered to the
 *    back end (MMU operations) and otherwise emulated against the guest's CP0 (vm->v).
 *  - The machine's timer interrupt: the guest's Count/Compare event; delivered when the guest
 *    has interrupts enabled.
 *  - Everything else belongs to the guest and is reflected to its vectors.
 * After emulating the instruction at cpu->pc the VMM continues at cpu->npc, which the CPU set
 * to the branch destination when the instruction was in a delay slot. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"
#include "elf.h"
#include "devtime.h"
#include "emul.h"
#include "file.h"
#include "malta.h"
#include "mmu.h"
#include "mmu_backend.h"
#include "vmm.h"

#define VMM_MACHINE_TLB_ENTRIES 64 /* Config1.MMUSize + 1 of the machine (never seen by guests) */

/* The machine's Segmentation Control while a guest runs follows the guest's own segment
 * map: every segment is mapped for the hardware, so that the VMM sees each first access as
 * a TLB miss and maps it (unmapped guest segments onto the guest's RAM, mapped ones from
 * the guest's TLB), and its access mode makes the hardware raise the address errors the
 * guest expects. The hardware runs guest user mode as user mode and guest kernel and
 * supervisor modes as supervisor mode, so a segment is
 *   MUSK if guest user mode may reach it, MSK if only the guest's present privileged mode
 *   (kernel, or supervisor while the guest is in it) may, MK if neither may.
 * In guest user mode the privileged side is the guest's kernel: the configuration is the
 * same on both sides of a system call, and the translation cache survives it. */
#define SC_CFG(am) ((uint32_t)(am) << SC_AM_SHIFT)

static uint32_t machine_seg_cfg(const struct cpu *v, uint32_t seg_va)
{
    uint32_t pa;
    int priv = v->tc_mode == TC_USER ? TC_KERNEL : v->tc_mode;
    if (cpu_seg_lookup_mode(v, TC_USER, seg_va, &pa) != SEG_ERROR)
        return SC_CFG(SC_AM_MUSK);
    return SC_CFG(cpu_seg_lookup_mode(v, priv, seg_va, &pa) != SEG_ERROR ? SC_AM_MSK : SC_AM_MK);
}

static void write_guest(void *ctx, uint32_t gpa, const void *src, uint32_t len)
{
    pmap_write(ctx, gpa, src, len);
}

/* The guest's clock is the machine's: the guest has the machine to itself. */
static void sync_time(struct vmm *vmm)
{
    struct cpu *v = vmm->cur->v;
    v->icount = vmm->cpu->icount;
    v->cycles_extra = vmm->cpu->cycles_extra;
    cpu_timer_catch_up(v);
}

/* Count at cycle t of a CPU whose Count runs (Cause.DC = 0). */
static uint32_t count_at(const struct cpu *c, uint64_t t)
{
    return c->cp0.count_at_origin + (uint32_t)((t - c->cp0.count_origin) / 2);
}

/* Do the guest's Count and the machine's agree at every cycle from now on? Both advance a
 * tick every two cycles, so agreeing on two consecutive cycles is agreeing for ever. */
static int same_count(const struct cpu *v, const struct cpu *m)
{
    uint64_t t = cpu_cycles(m);
    if ((v->cp0.cause & CA_DC) || (m->cp0.cause & CA_DC) || t < v->cp0.count_origin ||
        t < m->cp0.count_origin)
        return 0;
    return count_at(v, t) == count_at(m, t) && count_at(v, t + 1) == count_at(m, t + 1);
}

/* Makes the hardware follow the guest's state: mode, interrupt enable, ASID, timer. */
static void sync_hw(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu, *v = vmm->cur->v;
    const struct cp0 *vc = &v->cp0;
    uint32_t st = (uint32_t)(v->tc_mode >= TC_KERNEL || v->tc_mode == TC_SUPER ? 1 : 2)
                  << ST_KSU_SHIFT;
    const uint32_t im = (1u << (ST_IM_SHIFT + 7)) | CA_IP_HW;
    if ((vc->status & (ST_IE | ST_EXL | ST_ERL)) == ST_IE && (vc->status & im))
        st |= ST_IE | (vc->status & im);            /* the timer (IM7) and the board's lines
                                                     * (IM2-6), as the guest enables them */
    if ((cpu->cp0.status & ST_WRITABLE) != st)
        cpu_cp0_write(cpu, CP0_STATUS, 0, st);
    /* User-mode rdhwr as the guest allows it; Count (CC) only while the guest's Count is
     * the machine's, else rdhwr CC traps (RI) and is emulated (emulate_rdhwr). */
    cpu->cp0.hwrena = vc->hwrena & (same_count(v, cpu) ? 0xFu : ~(1u << 2));
    uint32_t sc0 = machine_seg_cfg(v, 0xE0000000u) | machine_seg_cfg(v, 0xC0000000u) << 16;
    uint32_t sc1 = machine_seg_cfg(v, 0xA0000000u) | machine_seg_cfg(v, 0x80000000u) << 16;
    uint32_t sc2 = machine_seg_cfg(v, 0x40000000u) | machine_seg_cfg(v, 0x00000000u) << 16;
    if (cpu->cp0.segctl[0] != sc0 || cpu->cp0.segctl[1] != sc1 || cpu->cp0.segctl[2] != sc2) {
        cpu->cp0.segctl[0] = sc0;
        cpu->cp0.segctl[1] = sc1;
        cpu->cp0.segctl[2] = sc2;
        cpu_tc_flush(cpu);
    }
    struct vm *vm = vmm->cur;
    uint32_t key = vmm_seg_key(v);
    if (!vm->seg_key_set || key != vm->seg_key) {
        if (vm->seg_key_set && vmm->backend->seg_changed)
            vmm->backend->seg_changed(vmm, vm);
        vm->seg_key = key;
        vm->seg_key_set = 1;
    }
    vmm->backend->sync(vmm);                        /* the guest's ASID, mode */
    cpu->timer_cycle = v->timer_cycle;
    cpu->dev_cycle = vmm->cur->board.next_event;    /* the guest's board */
    cpu_set_irq_lines(cpu, vmm->cur->board.ip);
    cpu_recompute_stop(cpu);
}

static void propagate_stop(struct vmm *vmm)
{
    struct cpu *v = vmm->cur->v;
    if (v->stop)
        cpu_request_stop(vmm->cpu, v->stop, v->exit_code);
}

/* Reflects e to the guest: the guest's exception entry, exactly as on the bare machine. */
void vmm_reflect(struct vmm *vmm, const struct cpu_exc *e)
{
    struct cpu *cpu = vmm->cpu, *v = vmm->cur->v;
    v->pc = cpu->pc;
    v->npc = cpu->npc;
    v->ds_pc = cpu->ds_pc;
    v->icount = cpu->icount;
    cpu_exception_native(v, e);
    cpu->pc = v->pc;
    cpu->npc = v->pc + 4;
    vmm->cur->n.reflected++;
    if (e->refill && e->code != EXC_MOD)
        vmm->cur->n.refill_reflected++;
    sync_hw(vmm);
    propagate_stop(vmm);
}

void vmm_reflect_code(struct vmm *vmm, int code)
{
    struct cpu_exc e = { .code = code };
    vmm_reflect(vmm, &e);
}

/* Takes a pending, enabled guest interrupt before the instruction at cpu->pc, which may be
 * a delay slot (cpu->ds_pc == cpu->pc: the interrupt then returns to the branch). */
static void deliver_pending(struct vmm *vmm)
{
    sync_time(vmm);
    if (cpu_interrupt_pending(vmm->cur->v))
        vmm_reflect_code(vmm, EXC_INT);
}

/* Retries the trapped instruction after a fill. In a delay slot the branch runs again (as
 * after the guest's own eret to EPC = the branch), so its destination is taken again. */
void vmm_retry(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu;
    if (vmm->zero_store_done) {          /* a store of zeros into a watched zero frame */
        vmm->zero_store_done = 0;
        vmm_skip(vmm);
        return;
    }
    /* The dispatches this adds are the VMM's, not the guest's (vmN.retried_insns). */
    vmm->cur->n.retried_insns += !vmm->trap->fetch;
    if (cpu->ds_pc == cpu->pc) {
        cpu->pc -= 4;
        vmm->cur->n.retried_insns++;
    }
    cpu->npc = cpu->pc + 4;
}

void vmm_skip(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu;
    cpu->pc = cpu->npc;
    cpu->npc = cpu->pc + 4;
    cpu->ds_pc = 1;
}

int vmm_guest_fetch(struct vmm *vmm, uint32_t va, uint32_t *insn, int as_run)
{
    uint32_t gpa, mfn;
    struct vm *vm = vmm->cur;
    struct mmu *gm = vm->v->mmu;
    if (as_run && vmm->backend->machine_frame && vmm->backend->machine_frame(vmm, va, &mfn) == 0) {
        if (frames_owner(&vmm->frames, mfn) != vm->pmap.vm_id)
            return -1;
        memcpy(insn, frames_host(&vmm->frames, mfn) + (va & 0xFFFu), 4);
        return 0;
    }
    enum seg_kind k = cpu_seg_lookup(vm->v, va, &gpa);
    if (k == SEG_ERROR || (k == SEG_MAPPED &&
        gm->ops->translate(gm, va, MMU_FETCH, 0, &gpa) != MMU_OK))
        return -1;
    return pmap_read(&vm->pmap, gpa, insn, 4);
}

static int idle_fetch(void *ctx, uint32_t va, uint32_t *insn)
{
    return vmm_guest_fetch(ctx, va, insn, 0);
}

/* Emulates the load or store at cpu->pc against the guest device at gpa's page. */
static void emulate_device(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu;
    struct emul_mem m;
    uint32_t insn, val;
    if (vmm_guest_fetch(vmm, cpu->pc, &insn, 0) || emul_decode_mem(insn, cpu->gpr, &m)) {
        vmm_reflect_code(vmm, EXC_DBE);
        return;
    }
    uint32_t gpa;
    enum seg_kind k = cpu_seg_lookup(vmm->cur->v, m.va, &gpa);
    if (k == SEG_MAPPED &&
        vmm->cur->v->mmu->ops->translate(vmm->cur->v->mmu, m.va, m.store ? MMU_STORE : MMU_LOAD,
                                         0, &gpa) != MMU_OK)
        k = SEG_ERROR;
    if (k == SEG_ERROR) {
        vmm_reflect_code(vmm, EXC_DBE);
        return;
    }
    int rc = m.store ? bus_write(&vmm->cur->bus, gpa, m.size, m.value)
                     : bus_read(&vmm->cur->bus, gpa, m.size, &val);
    if (rc) {
        vmm_reflect_code(vmm, EXC_DBE);
        return;
    }
    if (!m.store)
        emul_finish_load(&m, val, cpu->gpr);
    vmm->cur->n.device_accesses++;
    vmm_skip(vmm);
    deliver_pending(vmm);                    /* the access may have raised a line */
    propagate_stop(vmm);
}

void vmm_access_unbacked(struct vmm *vmm, int fetch)
{
    if (fetch)
        vmm_reflect_code(vmm, EXC_IBE);
    else
        emulate_device(vmm);
}

uint32_t vmm_seg_key(const struct cpu *v)
{
    const struct cp0 *vc = &v->cp0;
    uint32_t key = (vc->status & ST_ERL) ^ vc->segctl[0] ^ (vc->segctl[1] * 3u) ^
                   (vc->segctl[2] * 5u);
    for (int i = 0; i < 6; i++) {
        uint32_t cfg = vc->segctl[i / 2] >> (16 * (i % 2));
        if (((cfg >> SC_AM_SHIFT) & SC_AM_MASK) == SC_AM_MUSUK)
            return key ^ (uint32_t)(v->tc_mode + 1) * 0x9E3779B1u;
    }
    return key;
}

/* The kind of a privileged instruction, for vmN.priv.KIND; -1 if the VMM does not emulate
 * it (the guest gets the Coprocessor Unusable it would get from a real CPU... never, for
 * a kernel-mode guest: only for opcodes no MIPS32r2 CPU has). */
static int priv_kind(int op)
{
    switch (op) {
    case OP_MFC0: return VMM_PRIV_mfc0;
    case OP_MTC0: return VMM_PRIV_mtc0;
    case OP_TLBP: return VMM_PRIV_tlbp;
    case OP_TLBR: return VMM_PRIV_tlbr;
    case OP_TLBWI: return VMM_PRIV_tlbwi;
    case OP_TLBWR: return VMM_PRIV_tlbwr;
    case OP_ERET: return VMM_PRIV_eret;
    case OP_WAIT: return VMM_PRIV_wait;
    case OP_DI: case OP_EI: return VMM_PRIV_di_ei;
    case OP_CACHE: return VMM_PRIV_cache;
    case OP_RDPGPR: case OP_WRPGPR: return VMM_PRIV_shadow_regs;
    default: return -1;
    }
}

/* Counts an emulated privileged instruction and continues after it. */
static void priv_done(struct vmm *vmm, int kind)
{
    vmm->cur->n.priv_emulated++;
    vmm->cur->n.priv[kind]++;
    vmm_skip(vmm);
}

void vmm_guest_mtc0(struct vmm *vmm, int reg, uint32_t val)
{
    struct dinsn d = { .op = OP_MTC0, .rt = REG_SINK, .rd = (uint8_t)reg, .imm = 0 };
    vmm->cpu->gpr[REG_SINK] = val;         /* the sink register carries the value */
    if (!vmm->backend->priv_op(vmm, &d))
        cpu_cp0_write(vmm->cur->v, reg, 0, val);
    vmm->cpu->gpr[REG_SINK] = 0;
}

/* `mfc0 $rt, $21, 0` in guest kernel mode: a hypercall (guest/include/tv_pv.h), its
 * result in rt. TV_HC_IDLE halts the vCPU until its timer interrupt is due (as wait, but
 * with interrupts left disabled: the guest acknowledges the timer itself); TV_HC_YIELD
 * ends its slice. */
static void hypercall(struct vmm *vmm, unsigned rt)
{
    struct cpu *cpu = vmm->cpu, *v = vmm->cur->v;
    uint32_t ret;
    enum pv_action a = pv_hypercall(vmm, &ret);
    cpu->gpr[rt] = ret;
    priv_done(vmm, VMM_PRIV_hypercall);
    sync_hw(vmm);
    if (a == PV_IDLE && !(v->cp0.cause & v->cp0.status & 0xFF00u)) {
        int can_wake = v->timer_cycle != UINT64_MAX && (v->cp0.status & (1u << (ST_IM_SHIFT + 7)));
        if (!can_wake)
            cpu->pc -= 4;                  /* a hang is reported at the call */
        cpu_request_stop(cpu, can_wake ? CPU_STOP_YIELD : CPU_STOP_HANG, 0);
    } else if (a == PV_YIELD) {
        cpu->insn_limit = cpu->icount;     /* the slice ends here (vmm_run sets the next) */
    }
    deliver_pending(vmm);
    propagate_stop(vmm);
}

/* Emulates the privileged instruction at cpu->pc against the guest's CP0 (vm->v); the back
 * end performs the MMU operations. Guest-visible state: whatever the instruction changes
 * on the bare machine (registers, CP0, the guest's MMU model), then a pending interrupt. */
static void emulate_priv(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu, *v = vmm->cur->v;
    uint32_t insn;
    struct dinsn d;
    uint32_t *r = cpu->gpr;

    if (vmm_guest_fetch(vmm, cpu->pc, &insn, 0)) {
        vmm_reflect_code(vmm, EXC_IBE);
        return;
    }
    cpu_decode(insn, &d);
    int kind = priv_kind(d.op);
    if (kind < 0) {
        struct cpu_exc e = { .code = EXC_CPU, .ce = 0 };
        vmm_reflect(vmm, &e);
        return;
    }
    sync_time(vmm);
    if (d.op == OP_MFC0 && d.rd == TV_HC_CP0_REG && d.imm == 0) {
        hypercall(vmm, d.rt);
        return;
    }
    if (vmm->backend->priv_op(vmm, &d)) {
        priv_done(vmm, kind);
        sync_hw(vmm);
        deliver_pending(vmm);
        propagate_stop(vmm);
        return;
    }
    switch (d.op) {
    case OP_MFC0: r[d.rt] = cpu_cp0_read(v, d.rd, (int)d.imm); break;
    case OP_MTC0: cpu_cp0_write(v, d.rd, (int)d.imm, r[d.rt]); break;
    case OP_DI: case OP_EI: {
        uint32_t old = v->cp0.status;
        r[d.rt] = old;
        cpu_cp0_write(v, CP0_STATUS, 0, d.op == OP_EI ? (old | ST_IE) : (old & ~ST_IE));
        break;
    }
    case OP_ERET:
        cpu_eret(v);
        cpu->llbit = 0;
        vmm->cur->n.priv_emulated++;
        vmm->cur->n.priv[kind]++;
        cpu->pc = v->pc;
        cpu->npc = v->pc + 4;
        cpu->ds_pc = 1;
        sync_hw(vmm);
        deliver_pending(vmm);
        return;
    case OP_WAIT: {
        uint32_t wait_pc = cpu->pc;
        priv_done(vmm, kind);
        sync_hw(vmm);
        if (!vmm->idle_wait)
            return;                        /* no detection: the guest's idle loop spins */
        if (!cpu_interrupt_pending(v)) {
            /* The vCPU halts until its timer or its board may interrupt it; the scheduler
             * runs another VM or idles. A wait nothing can end stops the VM at the wait,
             * as the bare machine reports it. */
            int can_wake = (v->cp0.status & (ST_IE | ST_EXL | ST_ERL)) == ST_IE &&
                           (((v->cp0.status & (1u << (ST_IM_SHIFT + 7))) &&
                             v->timer_cycle != UINT64_MAX) ||
                            ((v->cp0.status & CA_IP_HW) && vmm->cur->board.next_event != DEV_NEVER));
            if (!can_wake)
                cpu->pc = wait_pc;
            cpu_request_stop(cpu, can_wake ? CPU_STOP_YIELD : CPU_STOP_HANG, 0);
        }
        return;
    }
    case OP_RDPGPR: case OP_WRPGPR: r[d.rd] = r[d.rt]; break;
    case OP_TLBP: case OP_TLBR: case OP_TLBWI: case OP_TLBWR: {
        /* Left by the back end to the guest's MMU model: whatever exception the model
         * raises (the pagewalk personality: RI), the guest gets, as on the bare machine. */
        static const int ops[] = { [OP_TLBR - OP_TLBR] = MMU_TLBR, [OP_TLBWI - OP_TLBR] = MMU_TLBWI,
                                   [OP_TLBWR - OP_TLBR] = MMU_TLBWR, [OP_TLBP - OP_TLBR] = MMU_TLBP };
        int exc = v->mmu->ops->tlb_op(v->mmu, ops[d.op - OP_TLBR]);
        if (exc) {
            vmm_reflect_code(vmm, exc);
            return;
        }
        break;
    }
    default: break;                        /* cache: nothing to do */
    }
    priv_done(vmm, kind);
    sync_hw(vmm);
    deliver_pending(vmm);
    propagate_stop(vmm);
}

/* rdhwr that the hardware refused (RI): in guest kernel mode (the hardware runs it in
 * supervisor mode), and in guest user mode for Count when the machine's Count is not the
 * guest's (sync_hw). Returns 1 if the instruction was an rdhwr the guest may execute and
 * has been emulated; else the guest gets its RI. */
static int emulate_rdhwr(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu;
    const struct cpu *v = vmm->cur->v;
    uint32_t insn;
    struct dinsn d;
    if (vmm_guest_fetch(vmm, cpu->pc, &insn, 0))
        return 0;
    cpu_decode(insn, &d);
    if (d.op != OP_RDHWR)
        return 0;
    if (v->tc_mode < TC_KERNEL && !(v->cp0.status & ST_CU0) &&
        (d.rd > 3 || !(v->cp0.hwrena & (1u << d.rd))))
        return 0;                          /* the guest's own RI (TLS: ULR is not there) */
    sync_time(vmm);
    uint32_t val;
    switch (d.rd) {
    case 0: val = 0; break;
    case 1: val = CP0_SYNCI_STEP; break;
    case 2: val = cpu_count(vmm->cur->v); break;
    case 3: val = CP0_CCRES; break;
    default: return 0;
    }
    cpu->gpr[d.rt] = val;
    vmm->cur->n.priv_emulated++;
    vmm->cur->n.priv[VMM_PRIV_rdhwr]++;
    cpu->pc = cpu->npc;
    cpu->npc = cpu->pc + 4;
    return 1;
}

/* Charges the VMM's work to simulated time (cost.h): it is the machine's time, so the
 * guest's Count sees it, as it would on real hardware. */
void vmm_charge(struct vmm *vmm, enum cost_id id, uint64_t units)
{
    uint64_t cycles = units * cost_of(&vmm->cpu->cost, id);
    vmm->cpu->cycles_extra += cycles;
    vmm->cur->n.vmm_cycles += cycles;
    vmm->cur->n.cost_units[id] += units;
}

/* The machine memory manager's work since the last call (a reclaim, a page brought back,
 * a copy on write, the sharing scan), charged to the VM on the CPU by cost constant. */
static void charge_mem(struct vmm *vmm)
{
    uint64_t units[COST_COUNT];
    if (!vmm->mem.has_uncharged || !mem_take_charges(&vmm->mem, units))
        return;                              /* (the test inline: once per trap) */
    for (int id = 0; id < COST_COUNT; id++)
        if (units[id])
            vmm_charge(vmm, (enum cost_id)id, units[id]);
}

static void vmm_exception_body(struct cpu *cpu, const struct cpu_exc *e);

/* A translation fault, classified for the back end (mmu_backend.h): an address the guest's
 * mode cannot reach in its own segment map takes the guest's address error (the machine's
 * segment map may allow more); an address the guest sees unmapped goes to fault_unmapped
 * with its guest-physical address, one the guest's MMU maps to fault_mapped; a nested
 * exit to fault_nested. */
static void classify_fault(struct vmm *vmm, const struct cpu_exc *e)
{
    struct vm *vm = vmm->cur;
    struct vmm_fault f = { .e = e, .va = e->badvaddr, .user = vm->v->tc_mode == TC_USER,
                           .access = e->fetch ? MMU_FETCH : e->access };
    if (e->code == EXC_NPF) {
        f.gpa = e->gpa;
        if (vmm->backend->fault_nested) {
            vmm->backend->fault_nested(vmm, &f);
            return;
        }
        fprintf(stderr, "tlbvisor: vm%u: a nested-paging exit under the %s back end: "
                "stopped\n", vm->id, vmm->backend->name);
        cpu_request_stop(vmm->cpu, CPU_STOP_FAULT_LOOP, 0);
        return;
    }
    enum seg_kind k = cpu_seg_lookup(vm->v, f.va, &f.gpa);
    if (k == SEG_ERROR) {
        struct cpu_exc g = { .code = f.access == MMU_STORE ? EXC_ADES : EXC_ADEL,
                             .has_badvaddr = 1, .badvaddr = f.va };
        vmm_reflect(vmm, &g);
        return;
    }
    if (k == SEG_UNMAPPED)
        vmm->backend->fault_unmapped(vmm, &f);
    else
        vmm->backend->fault_mapped(vmm, &f);
}

static void vmm_exception(struct cpu *cpu, const struct cpu_exc *e)
{
    struct vmm *vmm = cpu->exception_ctx;
    uint64_t filled = vmm->cur->pmap.filled;
    uint64_t emulated = vmm->cur->n.priv_emulated + vmm->cur->n.device_accesses;
    uint64_t reflected = vmm->cur->n.reflected;
    pmap_clear_pins(&vmm->cur->pmap);
    if (pv_active(&vmm->cur->pv) && pv_pull(vmm))   /* the per-vCPU page, pv=1 guests */
        sync_hw(vmm);
    vmm_exception_body(cpu, e);
    vmm_charge(vmm, COST_trap_round_trip, 1);
    vmm_charge(vmm, COST_emulate_priv,
               vmm->cur->n.priv_emulated + vmm->cur->n.device_accesses - emulated);
    vmm_charge(vmm, COST_reflect, vmm->cur->n.reflected - reflected);
    vmm_charge(vmm, COST_page_zero, vmm->cur->pmap.filled - filled);
    charge_mem(vmm);
    if (pv_active(&vmm->cur->pv))            /* (it may have been set up in this trap) */
        pv_push(vmm);
    cpu_recompute_stop(cpu);
}

static void vmm_exception_body(struct cpu *cpu, const struct cpu_exc *e)
{
    struct vmm *vmm = cpu->exception_ctx;
    vmm->trap = e;
    vmm->zero_store_done = 0;
    vmm->cur->n.traps[e->code & (EXC_COUNT - 1)]++;
    switch (e->code) {
    case EXC_TLBL: case EXC_TLBS: case EXC_MOD: case EXC_NPF:
        classify_fault(vmm, e);
        return;
    case EXC_CPU:
        if (e->ce == 0 && vmm->cur->v->tc_mode >= TC_KERNEL) {
            emulate_priv(vmm);
            return;
        }
        break;
    case EXC_RI:
        if (emulate_rdhwr(vmm))
            return;
        break;
    case EXC_INT:
        /* The machine's timer is the guest's Count/Compare event; its board's lines are
         * mirrored in the machine's IP2-6 (sync_hw). */
        cpu->cp0.cause &= ~(CA_TI | CA_IP7);
        deliver_pending(vmm);
        sync_hw(vmm);
        return;
    }
    vmm_reflect(vmm, e);
}


void vmm_be_activate(struct vmm *vmm, unsigned slot)
{
    const struct vmm_be *b = &vmm->bes[slot];
    if (vmm->backend == b->backend && vmm->be == b->be && vmm->cpu->mmu == b->mmu)
        return;
    vmm->backend = b->backend;
    vmm->be = b->be;
    if (vmm->cpu->mmu != b->mmu) {
        vmm->cpu->mmu = b->mmu;
        cpu_tc_flush(vmm->cpu);
    }
}

static void register_vm_stats(struct vmm *vmm, struct stats *st, struct vm *vm)
{
    char px[16];
    snprintf(px, sizeof(px), "vm%u", vm->id);
    pmap_register_stats(&vm->pmap, st, px);
    stats_add(st, &vm->uart.tx_bytes, "%s.uart.tx_bytes", px);
    stats_add(st, &vm->uart.split_lines, "%s.uart.split_lines", px);
    char bpx[20];
    snprintf(bpx, sizeof(bpx), "%s.", px);
    malta_register_stats(&vm->board, st, bpx);
    for (int i = 0; i < EXC_COUNT; i++)
        if (strcmp(cpu_exc_name(i), "?") != 0)
            stats_add(st, &vm->n.traps[i], "%s.traps.%s", px, cpu_exc_name(i));
    stats_add(st, &vm->n.priv_emulated, "%s.priv_emulated", px);
    static const char *const kinds[] = {
#define VMM_PRIV_NAME(k) #k,
        VMM_PRIV_KINDS(VMM_PRIV_NAME)
#undef VMM_PRIV_NAME
    };
    for (int i = 0; i < VMM_PRIV_COUNT; i++)
        stats_add(st, &vm->n.priv[i], "%s.priv.%s", px, kinds[i]);
    stats_add(st, &vm->n.reflected, "%s.reflected", px);
    stats_add(st, &vm->n.refill_reflected, "%s.tlb.refill_reflected", px);
    stats_add(st, &vm->n.device_accesses, "%s.devices.accesses", px);
    stats_add(st, &vm->n.instructions, "%s.instructions", px);
    stats_add(st, &vm->n.retried_insns, "%s.retried_insns", px);
    stats_add(st, &vm->n.guest_cycles, "%s.cycles.guest", px);
    stats_add(st, &vm->n.vmm_cycles, "%s.cycles.vmm", px);
    stats_add(st, &vm->n.walker_memrefs, "%s.walker_memrefs", px);
    for (int i = 0; i < COST_COUNT; i++)
        stats_add(st, &vm->n.cost_units[i], "%s.cost.%s", px, cost_name(i));
    stats_add(st, &vm->n.idle_wait_halts, "%s.idle.wait_halts", px);
    stats_add(st, &vm->n.idle_spin_halts, "%s.idle.spin_halts", px);
    stats_add(st, &vm->n.end_cycle, "%s.end_cycle", px);
    pv_register_stats(&vm->pv, st, px);
    vmm_be_activate(vmm, vm->be_slot);
    vmm->backend->register_vm_stats(vmm, vm, st, px);
}

/* ---- the pmap hooks: the machine memory manager reaches the back ends through them ---- */

/* A guest-physical page of the VM loses its frame (evicted, merged, copied, ballooned,
 * pmap_unmap): the back end drops every translation to it first. */
/* A hook may be called for a VM other than the one on the CPU (the reclaim clock takes a
 * page of any VM): the VM's technique is made the active one for the call, and the one that
 * was active comes back afterwards. */
struct be_saved {
    const struct mmu_backend *backend;
    void *be;
    struct mmu *mmu;
};

static struct be_saved be_enter(struct vm *vm)
{
    struct vmm *vmm = vm->owner;
    struct be_saved s = { vmm->backend, vmm->be, vmm->cpu->mmu };
    vmm_be_activate(vmm, vm->be_slot);
    return s;
}

static void be_leave(struct vmm *vmm, struct be_saved s)
{
    vmm->backend = s.backend;
    vmm->be = s.be;
    if (vmm->cpu->mmu != s.mmu) {
        vmm->cpu->mmu = s.mmu;
        cpu_tc_flush(vmm->cpu);
    }
}

static void vm_page_unmapped(void *ctx, uint32_t gpfn)
{
    struct vm *vm = ctx;
    struct be_saved s = be_enter(vm);
    vm->owner->backend->unmapped(vm->owner, vm, gpfn, 1);
    be_leave(vm->owner, s);
}

static void vm_page_protect(void *ctx, uint32_t gpfn)
{
    struct vm *vm = ctx;
    struct be_saved s = be_enter(vm);
    vm->owner->backend->protect(vm->owner, vm, gpfn);
    be_leave(vm->owner, s);
}

static int vm_page_referenced(void *ctx, uint32_t gpfn)
{
    struct vm *vm = ctx;
    struct be_saved s = be_enter(vm);
    int r = vm->owner->backend->referenced(vm->owner, vm, gpfn);
    be_leave(vm->owner, s);
    return r;
}

/* The guest's store that faulted on gpfn, a frame the VMM zeroed and watches: if it
 * stores only zero bytes, which ones; the VMM completes it by going on after it (vmm_retry:
 * the frame holds zeros already) and the page stays read-only. */
static int vm_zero_store(void *ctx, uint32_t gpfn, struct pmap_zero_store *z)
{
    struct vm *vm = ctx;
    struct vmm *vmm = vm->owner;
    uint32_t insn;
    struct emul_store m;
    const struct cpu_exc *e = vmm->trap;
    if (vmm->cur != vm || !e || !e->has_badvaddr || e->fetch ||
        vmm_guest_fetch(vmm, vmm->cpu->pc, &insn, 1) != 0 ||
        emul_decode_store(insn, vmm->cpu->gpr, &m) != 0 || m.sc || m.value != 0 ||
        m.va >> 12 != e->badvaddr >> 12)
        return 0;
    (void)gpfn;
    z->offset = m.word_va & 0xFFFu;
    z->mask = (m.mask & 0x000000FFu ? 1u : 0) | (m.mask & 0x0000FF00u ? 2u : 0) |
              (m.mask & 0x00FF0000u ? 4u : 0) | (m.mask & 0xFF000000u ? 8u : 0);
    vmm->zero_store_done = 1;
    return 1;
}

/* A page of the VM cannot be given to it: the VM stops (the others go on); it never gets
 * bytes that are not its own. */
static void vm_page_failed(void *ctx, uint32_t gpfn, enum pmap_failure why)
{
    struct vm *vm = ctx;
    struct vmm *vmm = vm->owner;
    if (!vm->vmm_error[0]) {
        char why_text[sizeof(vm->vmm_error) - 40];
        mem_explain(&vmm->mem, why, why_text, sizeof(why_text));
        if (gpfn == PMAP_NONE)
            snprintf(vm->vmm_error, sizeof(vm->vmm_error), "%s", why_text);
        else
            snprintf(vm->vmm_error, sizeof(vm->vmm_error), "guest-physical page %#x: %s",
                     gpfn << 12, why_text);
        fprintf(stderr, "tlbvisor: vm%u: %s; vm%u stopped\n", vm->id, vm->vmm_error, vm->id);
    }
    if (vmm->cur == vm)
        cpu_request_stop(vmm->cpu, CPU_STOP_HANG, 0);
}

/* A machine frame is handed out again: the CPU forgets the code it predecoded there. */
static void frame_reused(void *ctx, uint32_t mfn)
{
    struct cpu *cpu = ctx;
    if ((uint64_t)mfn < cpu->ram_pages && cpu->dpages[mfn])
        cpu_phys_written(cpu, mfn << 12, FRAMES_FRAME_BYTES);
}

/* The board of a VM: its time is the machine's; its lines are the guest's Cause IP2-6
 * (mirrored on the machine while it runs); its events are the machine's while it runs,
 * and wake it when it is halted (vmm_run). */
static uint64_t board_now(void *ctx) { return cpu_cycles(((struct vm *)ctx)->owner->cpu); }

static void board_irq_lines(void *ctx, uint32_t ip)
{
    struct vm *vm = ctx;
    vm->v->cp0.cause = (vm->v->cp0.cause & ~CA_IP_HW) | ip;
    if (vm->owner->cur == vm)
        cpu_set_irq_lines(vm->owner->cpu, ip);
}

static void board_events(void *ctx, uint64_t next)
{
    struct vm *vm = ctx;
    if (vm->owner->cur == vm)
        cpu_set_dev_cycle(vm->owner->cpu, next);
}

static void board_poweroff(void *ctx)
{
    struct vm *vm = ctx;
    cpu_request_stop(vm->v, CPU_STOP_POWEROFF, 0);
    if (vm->owner->cur == vm)
        cpu_request_stop(vm->owner->cpu, CPU_STOP_POWEROFF, 0);
}

/* The machine reached the current VM's board event. */
static void machine_dev_event(void *ctx)
{
    struct vmm *vmm = ctx;
    malta_service(&vmm->cur->board);
}

/* Ctrl-A x on an interactive console: every VM powers off. */
static void input_quit(void *ctx)
{
    struct vmm *vmm = ctx;
    vmm->quit = 1;
    cpu_request_stop(vmm->cpu, CPU_STOP_POWEROFF, 0);
}

/* A file every VM that names it shares (an image, an initrd): read once. */
struct vm_file {
    const char *path;
    uint8_t *data;                 /* initrds */
    size_t bytes;
    struct elf_image img;          /* images */
};

/* Builds VM number id (1..) from its spec, its loaded image and initrd (or NULL). */
static int vm_create(struct vmm *vmm, struct vm *vm, unsigned id, const struct vmm_config *cfg,
                     const struct vmm_vm_spec *sp, const struct elf_image *img,
                     const struct vm_file *initrd, char *err, size_t errlen)
{
    vm->id = id;
    pv_init(&vm->pv);
    snprintf(err, errlen, "cannot create VM %u (out of memory)", id);
    struct vmm_config vcfg = *cfg;         /* the VM's own guest TLB size, if it has one */
    if (sp->tlb_entries)
        vcfg.tlb_entries = sp->tlb_entries;
    cfg = &vcfg;
    /* The guest's CP0 and MMU model never runs: no RAM of its own, no predecoded pages
     * (their table would cost 8 bytes per guest page per VM). */
    vm->v = cpu_new(NULL, 0, &vm->bus, cfg->tlb_entries);
    if (!vm->v || pmap_init(&vm->pmap, &vmm->frames, id, sp->mem_bytes) != 0 ||
        mem_add_vm(&vmm->mem, &vm->pmap) != 0)
        return -1;
    if (cfg->cost)
        vm->v->cost = *cfg->cost;
    vm->owner = vmm;
    vmm_be_activate(vmm, vm->be_slot);
    if (vmm->backend->vm_init(vmm, vm, cfg) != 0)
        return -1;
    struct pmap_hooks hooks = {
        .unmap = vm_page_unmapped,
        .protect = vmm->backend->protect ? vm_page_protect : NULL,
        .referenced = vmm->backend->referenced ? vm_page_referenced : NULL,
        .zero_store = vm_zero_store,
        .failed = vm_page_failed,
        .ctx = vm,
    };
    pmap_set_hooks(&vm->pmap, &hooks);
    cpu_reset(vm->v);
    if (cfg->vms > 1)
        snprintf(vm->prefix, sizeof(vm->prefix), "[vm%u] ", id);
    bus_init(&vm->bus, NULL, sp->mem_bytes);
    uart_init(&vm->uart, cfg->out_fd, vm->prefix);
    struct malta_host host = { .ctx = vm, .now = board_now, .irq_lines = board_irq_lines,
                               .events = board_events, .poweroff = board_poweroff };
    malta_init(&vm->board, &host, &vm->uart, vmm->input_vm == id ? &vmm->input : NULL);
    vm->board.report_unmodelled = cfg->report_unmodelled;
    snprintf(vm->board_name, sizeof(vm->board_name), "vm%u: ", id);
    vm->board.name = vm->board_name;
    malta_attach(&vm->board, &vm->bus);
    if (pmap_load_elf(&vm->pmap, img) != 0)
        return -1;
    struct malta_boot boot = {
        .ram_bytes = sp->mem_bytes, .entry = img->entry, .kernel_end = elf_image_end(img),
        .image = sp->elf, .argv0 = cfg->argv0, .cmdline = sp->cmdline,
        .initrd = initrd ? initrd->data : NULL,
        .initrd_bytes = initrd ? (uint32_t)initrd->bytes : 0,
        .seed = id - 1,              /* VM 1 sees the native machine's (transparency) */
    };
    if (malta_boot_to(vm->v, &boot, write_guest, &vm->pmap, err, errlen) != 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "VM %u: %s", id, err);
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    memcpy(vm->gpr, vm->v->gpr, sizeof(vm->gpr));
    vm->pc = vm->v->pc;
    vm->npc = vm->v->npc;
    vm->ds_pc = 1;
    vm->vcpu = sched_add(&vmm->sched, id, 0, sp->weight);
    return vm->vcpu == SCHED_NONE ? -1 : 0;
}

int vmm_create(struct vmm *vmm, const struct vmm_config *cfg, const char *elf_path,
               char *err, size_t errlen)
{
    memset(vmm, 0, sizeof(*vmm));
    if (cfg->vms < 1 || cfg->vms > VMM_MAX_VMS) {
        snprintf(err, errlen, "from 1 to %d VMs", VMM_MAX_VMS);
        return -1;
    }
    /* Per-VM scratch, as many as asked for (no fixed array: up to VMM_MAX_VMS). */
    struct vmm_vm_spec *specs = calloc(cfg->vms, sizeof(*specs));
    struct vm_file *img = calloc(cfg->vms, sizeof(*img)), *rd = calloc(cfg->vms, sizeof(*rd));
    unsigned *img_of = calloc(cfg->vms, sizeof(*img_of)), *rd_of = calloc(cfg->vms, sizeof(*rd_of));
    unsigned *slot_of = calloc(cfg->vms, sizeof(*slot_of)), nimg = 0, nrd = 0;
    vmm->vms = calloc(cfg->vms, sizeof(*vmm->vms));
    int rc = -1;
    if (!specs || !img || !rd || !img_of || !rd_of || !slot_of || !vmm->vms) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    vmm->nvms_alloc = cfg->vms;
    /* The techniques in use (one machine-wide instance each, with the options of the first
     * VM that names it), each VM's RAM and its technique's budget for it, plus room for the
     * VMM's own frames. */
    struct vmm_config becfg[VMM_MAX_BACKENDS];
    uint64_t pool = 1u << 20;
    for (unsigned i = 0; i < cfg->vms; i++) {
        specs[i] = cfg->spec ? cfg->spec[i]
                             : (struct vmm_vm_spec){ .elf = elf_path, .cmdline = cfg->cmdline,
                                                     .initrd = cfg->initrd,
                                                     .mem_bytes = cfg->mem_bytes, .weight = 1 };
        const struct mmu_backend *b = specs[i].backend ? specs[i].backend : cfg->backend;
        unsigned j = 0;
        while (j < vmm->nbes && vmm->bes[j].backend != b)
            j++;
        if (j == vmm->nbes) {
            if (j == VMM_MAX_BACKENDS) {
                snprintf(err, errlen, "at most %d different techniques at once", VMM_MAX_BACKENDS);
                goto out;
            }
            becfg[j] = *cfg;
            becfg[j].backend = b;
            if (specs[i].backend && specs[i].backend != cfg->backend)
                becfg[j].backend_opts = specs[i].backend_opts;
            else if (specs[i].backend_opts)
                becfg[j].backend_opts = specs[i].backend_opts;
            vmm->bes[vmm->nbes++].backend = b;
        }
        slot_of[i] = j;
        pool += specs[i].mem_bytes +
                (b->vm_frames ? (uint64_t)b->vm_frames(&becfg[j]) << 12 : 0);
    }
    if (cfg->machine_mem_bytes)        /* overcommit: the pool is what the user gives */
        pool = cfg->machine_mem_bytes;
    if (pool > FRAMES_MAX_BYTES || frames_init(&vmm->frames, pool) != 0) {
        snprintf(err, errlen, "cannot have %llu bytes of machine memory (the host refused it, "
                 "or more than %llu MiB%s)", (unsigned long long)pool,
                 (unsigned long long)(FRAMES_MAX_BYTES >> 20),
                 cfg->machine_mem_bytes ? "" : ": give a smaller --machine-mem to overcommit");
        goto out;
    }
    sched_init(&vmm->sched, cfg->quantum_cycles);
    bus_init(&vmm->hwbus, frames_host(&vmm->frames, 0), (uint32_t)pool);
    vmm->cpu = cpu_new(frames_host(&vmm->frames, 0), (uint32_t)pool, &vmm->hwbus,
                       VMM_MACHINE_TLB_ENTRIES);
    if (!vmm->cpu) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (cfg->cost)
        vmm->cpu->cost = *cfg->cost;
    frames_set_reuse_hook(&vmm->frames, frame_reused, vmm->cpu);
    struct mem_config mc = cfg->mem;
    mc.reclaim = cfg->machine_mem_bytes != 0;
    if (mem_init(&vmm->mem, &vmm->frames, &mc, &vmm->cpu->cost, err, errlen) != 0)
        goto out;
    for (unsigned j = 0; j < vmm->nbes; j++) {
        vmm->backend = vmm->bes[j].backend;
        vmm->be = NULL;
        vmm->cpu->mmu = NULL;
        if (vmm->backend->init(vmm, &becfg[j], err, errlen) != 0) {
            vmm->nbes = j;
            goto out;
        }
        vmm->bes[j].be = vmm->be;
        vmm->bes[j].mmu = vmm->cpu->mmu;
    }
    cpu_reset(vmm->cpu);
    vmm->cpu->dev_event = machine_dev_event;
    vmm->cpu->dev_ctx = vmm;
    if (cfg->in_fd >= 0 && cfg->stdin_vm >= 1 && cfg->stdin_vm <= cfg->vms) {
        console_in_init(&vmm->input, cfg->in_fd);
        vmm->input.quit = input_quit;
        vmm->input.quit_ctx = vmm;
        vmm->input_vm = cfg->stdin_vm;
    }
    /* Each image and each initrd is read once, however many VMs boot it (a pipe can be
     * read only once); an image is checked against the smallest RAM of those VMs. */
    rc = 0;
    for (unsigned i = 0; i < cfg->vms && rc == 0; i++) {
        unsigned k = 0;
        while (k < nimg && strcmp(img[k].path, specs[i].elf) != 0)
            k++;
        img_of[i] = k;
        if (k == nimg) {
            uint32_t ram = specs[i].mem_bytes;
            for (unsigned l = i + 1; l < cfg->vms; l++)
                if (strcmp(specs[l].elf, specs[i].elf) == 0 && specs[l].mem_bytes < ram)
                    ram = specs[l].mem_bytes;
            char msg[512];
            img[nimg].path = specs[i].elf;
            if (elf_load_file(specs[i].elf, ram, &img[nimg].img, msg, sizeof(msg)) != 0) {
                file_msg(err, errlen, specs[i].elf, msg);
                rc = -1;
            }
            nimg++;
        }
        rd_of[i] = UINT_MAX;
        if (rc == 0 && specs[i].initrd) {
            k = 0;
            while (k < nrd && strcmp(rd[k].path, specs[i].initrd) != 0)
                k++;
            rd_of[i] = k;
            if (k == nrd) {
                rd[nrd].path = specs[i].initrd;
                rc = malta_load_initrd(specs[i].initrd, &rd[nrd].data, &rd[nrd].bytes, err, errlen);
                nrd++;
            }
        }
    }
    for (unsigned i = 0; i < cfg->vms && rc == 0; i++) {
        vmm->nvms++;
        vmm->vms[i].backend = vmm->bes[slot_of[i]].backend;
        vmm->vms[i].be_slot = slot_of[i];
        rc = vm_create(vmm, &vmm->vms[i], i + 1, &becfg[slot_of[i]], &specs[i], &img[img_of[i]].img,
                       rd_of[i] != UINT_MAX ? &rd[rd_of[i]] : NULL, err, errlen);
    }
out:
    for (unsigned k = 0; k < nimg; k++)
        elf_free(&img[k].img);
    for (unsigned k = 0; k < nrd; k++)
        free(rd[k].data);
    free(specs);
    free(img);
    free(rd);
    free(img_of);
    free(rd_of);
    free(slot_of);
    if (rc != 0) {
        vmm_destroy(vmm);
        return -1;
    }
    vmm_be_activate(vmm, vmm->vms[0].be_slot);

    /* The machine runs guests deprivileged, with every exception entering the VMM. */
    vmm->cpu->exception = vmm_exception;
    vmm->cpu->exception_ctx = vmm;
    vmm->max_insns = cfg->max_insns;
    vmm->idle_wait = (cfg->idle_detect & IDLE_DETECT_WAIT) != 0;
    vmm->idle_spin = (cfg->idle_detect & IDLE_DETECT_SPIN) != 0;

    struct stats *st = &vmm->stats;
    stats_init(st);
    cpu_register_stats(vmm->cpu, st);
    /* The machine's MMU counters, once: techniques that each own an instance of the same
     * hardware (shadow and nested paging both drive a walker) add their instance's counters
     * as parts of one machine counter (pw.memrefs is the machine's walker references). */
    for (unsigned j = 0; j < vmm->nbes; j++) {
        struct stats one;
        stats_init(&one);
        vmm->bes[j].mmu->ops->register_stats(vmm->bes[j].mmu, &one);
        vmm->bes[j].memrefs = stats_find(&one, "pw.memrefs");
        stats_merge(st, &one);
        stats_free(&one);
    }
    frames_register_stats(&vmm->frames, st);
    mem_register_stats(&vmm->mem, st);
    stats_add(st, &vmm->world_switches, "machine.world_switches");
    for (unsigned j = 0; j < vmm->nbes; j++) {
        vmm_be_activate(vmm, j);
        vmm->backend->register_stats(vmm, st);
    }
    for (unsigned i = 0; i < vmm->nvms; i++)
        register_vm_stats(vmm, st, &vmm->vms[i]);
    vmm_be_activate(vmm, vmm->vms[0].be_slot);
    sched_register_stats(&vmm->sched, st);
    return 0;
}

/* Puts vm on the CPU: its registers, the back end's world switch (no translation of another
 * VM stays usable), the hardware state its CP0 asks for. */
static void switch_to(struct vmm *vmm, struct vm *vm)
{
    struct cpu *cpu = vmm->cpu;
    struct vm *old = vmm->cur;
    if (old == vm)
        return;
    if (old) {
        memcpy(old->gpr, cpu->gpr, sizeof(old->gpr));
        old->hi = cpu->hi; old->lo = cpu->lo;
        old->pc = cpu->pc; old->npc = cpu->npc; old->ds_pc = cpu->ds_pc;
        old->llbit = cpu->llbit; old->ll_va = cpu->ll_va;
        vmm->backend->switch_out(vmm, old);
        vmm->world_switches++;
        vmm_charge(vmm, COST_world_switch, 1);
    }
    vmm->cur = vm;
    vmm_be_activate(vmm, vm->be_slot);
    cpu->exc_no_progress = 0;                 /* exception-loop detection is per guest */
    cpu->last_exc_icount = cpu->icount;
    memcpy(cpu->gpr, vm->gpr, sizeof(cpu->gpr));
    cpu->hi = vm->hi; cpu->lo = vm->lo;
    cpu->pc = vm->pc; cpu->npc = vm->npc; cpu->ds_pc = vm->ds_pc;
    cpu->llbit = vm->llbit; cpu->ll_va = vm->ll_va;
    vmm->backend->switch_in(vmm, vm);
    sync_hw(vmm);
}

static void vm_done(struct vmm *vmm, struct vm *vm, enum cpu_stop why, int code)
{
    vm->n.end_cycle = cpu_cycles(vmm->cpu);
    vm->state = VM_DONE;
    vm->why = why;
    vm->exit_code = code;
    vm->end_pc = vmm->cpu->pc;
    vm->end_mode = machine_mode_name(vm->v);
    uart_flush(&vm->uart);
    /* Its frames go back to the pool (zeroed again when handed out). The machine's MMU may
     * still map them: the back end drops that now, before any other VM can be given them. */
    vmm_be_activate(vmm, vm->be_slot);
    vmm->backend->unmapped(vmm, vm, 0, vm->pmap.npages);
    pmap_destroy(&vm->pmap);
    sched_remove(&vmm->sched, vm->vcpu, cpu_cycles(vmm->cpu));
}

/* When a halted VM may have an interrupt: its timer, or an event of its board if it
 * enables a board line. */
static uint64_t vm_wake_cycle(const struct vm *vm)
{
    uint64_t wake = vm->v->timer_cycle;
    if ((vm->v->cp0.status & CA_IP_HW) && vm->board.next_event < wake)
        wake = vm->board.next_event;
    return wake;
}

enum cpu_stop vmm_run(struct vmm *vmm)
{
    struct cpu *cpu = vmm->cpu;
    enum cpu_stop result = CPU_STOP_POWEROFF;
    while (sched_live(&vmm->sched) > 0) {
        uint64_t now = cpu_cycles(cpu);
        sched_tick(&vmm->sched, now);
        uint32_t id = sched_pick(&vmm->sched, now);
        if (id == SCHED_NONE) {
            /* Every VM waits for its timer: time jumps to the earliest. */
            uint64_t next = sched_idle_jump(&vmm->sched, now);
            if (next == SCHED_NO_WAKE)
                break;
            if (vmm->input_vm && vmm->input.raw) {
                /* An interactive console: its VM's prompt is out (a partial line, which
                 * another VM's output may follow), the host waits for a key. */
                uart_flush(&vmm->vms[vmm->input_vm - 1].uart);
                console_in_idle(&vmm->input, next - now);
            }
            cpu->cycles_extra += next - now;
            cpu->n.idle_cycles += next - now;
            continue;
        }
        /* Each VM added its one vCPU in order: vCPU id i is VM i + 1. */
        struct vm *vm = &vmm->vms[id];
        switch_to(vmm, vm);
        /* The memory manager's periodic work (sharing scan, reclaim to the watermark,
         * balloon targets), charged to the VM about to run. */
        pmap_clear_pins(&vm->pmap);
        mem_tick(&vmm->mem);
        charge_mem(vmm);
        struct pmap *thrash = mem_thrashing(&vmm->mem);
        if (thrash) {
            /* Machine memory cannot hold the working sets: the VM holding the most pages
             * stops (its frames come back), the others go on. */
            struct vm *victim = vm;
            for (unsigned i = 0; i < vmm->nvms; i++)
                if (&vmm->vms[i].pmap == thrash)
                    victim = &vmm->vms[i];
            vm_page_failed(victim, PMAP_NONE, PMAP_FAIL_THRASH);
            vm_done(vmm, victim, CPU_STOP_HANG, 0);
            victim->v->stop = CPU_STOP_NONE;
            cpu->stop = CPU_STOP_NONE;
            if (victim == vm)
                continue;
            /* it was not on the CPU: the one that is gets its technique and root back */
            victim->end_pc = victim->pc;
            vmm_be_activate(vmm, vm->be_slot);
            vmm->backend->switch_in(vmm, vm);
            sync_hw(vmm);
        }
        /* The slice, in instructions, and the machine-wide limit. */
        uint64_t end = sched_slice_end(&vmm->sched, id, now);
        if (vm->probe && end > now + IDLE_PROBE_CYCLES)
            end = now + IDLE_PROBE_CYCLES;
        uint64_t insns = end > now ? (end - now + cpu->cost.insn - 1) / cpu->cost.insn : 1;
        uint64_t limit = cpu->icount + insns;
        int global = vmm->max_insns && vmm->max_insns <= limit;
        cpu->insn_limit = global ? vmm->max_insns : limit;
        cpu->stop = CPU_STOP_NONE;
        cpu_recompute_stop(cpu);
        uint64_t icount = cpu->icount, retried = vm->n.retried_insns;
        uint64_t start = cpu_cycles(cpu), vmm_start = vm->n.vmm_cycles;
        const uint64_t *hw_memrefs = vmm->bes[vm->be_slot].memrefs;
        uint64_t memrefs = hw_memrefs ? *hw_memrefs : 0;
        enum cpu_stop why = cpu_run(cpu);
        sched_account(&vmm->sched, id, cpu_cycles(cpu) - now);
        vm->n.instructions += cpu->icount - icount;
        vm->n.instructions -= vm->n.retried_insns - retried;
        /* The guest's time: its instructions and what the hardware did for them on the way
         * (the pagewalk machine's walker memory references); everything else in the slice
         * is the VMM's, charged through vmm_charge. */
        vm->n.guest_cycles += cpu_cycles(cpu) - start - (vm->n.vmm_cycles - vmm_start);
        vm->n.walker_memrefs += (hw_memrefs ? *hw_memrefs : 0) - memrefs;
        switch (why) {
        case CPU_STOP_INSN_LIMIT:
            if (global && cpu->icount >= vmm->max_insns) {
                result = CPU_STOP_INSN_LIMIT;
                goto out;
            }
            /* End of the slice: spinning idle? Then it waits for its timer like wait. */
            if (vmm->idle_spin && idle_spinning(vm->v, cpu->pc, idle_fetch, vmm)) {
                vm->n.idle_spin_halts++;
                vm->probe = IDLE_PROBES;
                sched_halt(&vmm->sched, id, cpu_cycles(cpu), vm_wake_cycle(vm));
            } else if (vm->probe) {
                vm->probe--;                           /* still handling its interrupt */
            }
            break;
        case CPU_STOP_YIELD:
            vm->n.idle_wait_halts++;
            vm->probe = 0;
            sched_halt(&vmm->sched, id, cpu_cycles(cpu), vm_wake_cycle(vm));
            break;
        case CPU_STOP_EXIT:
            vm_done(vmm, vm, why, cpu->exit_code);
            break;
        default:                                       /* powered off, hung, stuck */
            vm_done(vmm, vm, why, vm->v->stop == CPU_STOP_POWEROFF ? 0 : cpu->exit_code);
            break;
        }
        vm->v->stop = CPU_STOP_NONE;
        if (vmm->quit) {
            for (unsigned i = 0; i < vmm->nvms; i++)
                if (vmm->vms[i].state == VM_RUNNING)
                    vm_done(vmm, &vmm->vms[i], CPU_STOP_POWEROFF, 0);
            break;
        }
    }
out:
    for (unsigned i = 0; i < vmm->nvms; i++)
        uart_flush(&vmm->vms[i].uart);
    sched_flush_stats(&vmm->sched, cpu_cycles(cpu));
    cpu_update_stats(cpu);
    return result;
}

void vmm_destroy(struct vmm *vmm)
{
    if (vmm->input_vm)
        console_in_close(&vmm->input);
    for (unsigned i = 0; vmm->vms && i < vmm->nvms_alloc; i++) {
        struct vm *vm = &vmm->vms[i];
        if (vm->be) {
            vmm_be_activate(vmm, vm->be_slot);
            vmm->backend->vm_fini(vmm, vm);
        }
        cpu_free(vm->v);
        if (vm->pmap.frames)
            pmap_destroy(&vm->pmap);
    }
    for (unsigned j = 0; j < vmm->nbes; j++) {
        if (!vmm->bes[j].be)
            continue;
        vmm_be_activate(vmm, j);
        vmm->backend->fini(vmm);
    }
    mem_fini(&vmm->mem);
    cpu_free(vmm->cpu);
    frames_destroy(&vmm->frames);
    stats_free(&vmm->stats);
    sched_free(&vmm->sched);
    free(vmm->vms);
    memset(vmm, 0, sizeof(*vmm));
}
