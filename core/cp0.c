/* cp0.c - CP0 register semantics, Count/Compare as a scheduled event, interrupts, eret and
 * wait. Write masks and reset values follow QEMU's 24Kc except where DESIGN.md §2 differs
 * (TLB size, Config3.SC, Segmentation Control). */
#include "cpu.h"
#include "mmu.h"

#define TIMER_PERIOD_CYCLES (2ull << 32)   /* Count wraps every 2^32 ticks of two cycles */

uint32_t cpu_count(const struct cpu *cpu)
{
    if (cpu->cp0.cause & CA_DC)
        return cpu->cp0.count_at_origin;
    return cpu->cp0.count_at_origin + (uint32_t)((cpu_cycles(cpu) - cpu->cp0.count_origin) / 2);
}

/* Random counts down from N-1 to Wired, one step per cycle, computed on demand. */
uint32_t cpu_random(const struct cpu *cpu)
{
    uint32_t n = cpu->tlb_entries, w = cpu->cp0.wired;
    if (w >= n)
        return n - 1;
    uint64_t span = n - w;
    return n - 1 - (uint32_t)((cpu_cycles(cpu) - cpu->cp0.random_origin) % span);
}

/* Count has reached Compare if timer_cycle is due: sets Cause.TI/IP7 and moves timer_cycle
 * to the next match after now, however many periods of Count (2^32 ticks) were skipped, so
 * that time jumps of any size (a large cost per instruction, a vCPU that was descheduled
 * for long) cost one call, not one per period. */
static inline void catch_up_at(struct cpu *cpu, uint64_t now)
{
    if (now < cpu->timer_cycle || cpu->timer_cycle == UINT64_MAX)
        return;
    cpu->cp0.cause |= CA_TI | CA_IP7;
    cpu->timer_cycle += ((now - cpu->timer_cycle) / TIMER_PERIOD_CYCLES + 1) * TIMER_PERIOD_CYCLES;
}

void cpu_timer_catch_up(struct cpu *cpu)
{
    catch_up_at(cpu, cpu_cycles(cpu));
}

/* Schedules the cycle at which Count next becomes equal to Compare. */
void cpu_timer_reschedule(struct cpu *cpu)
{
    uint64_t now = cpu_cycles(cpu);
    if (cpu->cp0.cause & CA_DC) {
        cpu->timer_cycle = UINT64_MAX;
    } else {
        uint64_t elapsed_ticks = (now - cpu->cp0.count_origin) / 2;
        uint32_t k = cpu->cp0.compare - cpu_count(cpu);
        uint64_t ticks = elapsed_ticks + (k ? k : (1ull << 32));
        cpu->timer_cycle = cpu->cp0.count_origin + 2 * ticks;
    }
    cpu_recompute_stop(cpu);
}

/* The instruction count at which cpu_cycles reaches cycle (the first count at or after it). */
static uint64_t icount_at_cycle(const struct cpu *cpu, uint64_t cycle)
{
    return cycle > cpu->cycles_extra
               ? (cycle - cpu->cycles_extra + cpu->cost.insn - 1) / cpu->cost.insn : 0;
}

/* The count at which the machine's own events need cpu_service_events (a kick: now). */
static inline uint64_t event_stop(const struct cpu *cpu)
{
    /* The next event in time: the timer, a board device, or the end of simulated time. */
    uint64_t event = cpu->timer_cycle < cpu->dev_cycle ? cpu->timer_cycle : cpu->dev_cycle;
    uint64_t stop = icount_at_cycle(cpu, event < CPU_CYCLES_MAX ? event : CPU_CYCLES_MAX);
    if (cpu->insn_limit && cpu->insn_limit < stop)
        stop = cpu->insn_limit;
    return cpu->kick_pending ? 0 : stop;
}

void cpu_recompute_stop(struct cpu *cpu)
{
    uint64_t stop = event_stop(cpu);
    cpu->icount_stop = cpu->pause_icount < stop ? cpu->pause_icount : stop;
}

void cpu_request_stop(struct cpu *cpu, enum cpu_stop why, int exit_code)
{
    if (!cpu->stop) {
        cpu->stop = why;
        cpu->exit_code = exit_code;
    }
    cpu_kick(cpu);
}

int cpu_interrupt_pending(const struct cpu *cpu)
{
    const struct cp0 *c = &cpu->cp0;
    if ((c->status & (ST_IE | ST_EXL | ST_ERL)) != ST_IE)
        return 0;
    return (c->cause & c->status & 0xFF00u) != 0;
}

/* The machine's events at icount (cpu_service_events without the pause). */
static inline void service(struct cpu *cpu)
{
    cpu->kick_pending = 0;
    cpu->n.event_checks++;
    uint64_t now = cpu_cycles(cpu);
    catch_up_at(cpu, now);
    if (now >= CPU_CYCLES_MAX) {
        cpu->stop = CPU_STOP_TIME_LIMIT;
        return;
    }
    if (now >= cpu->dev_cycle)
        cpu->dev_event(cpu->dev_ctx);
    if (cpu->insn_limit && cpu->icount >= cpu->insn_limit) {
        cpu->stop = CPU_STOP_INSN_LIMIT;
        return;
    }
    cpu_recompute_stop(cpu);
    if (cpu_interrupt_pending(cpu)) {
        cpu->n.interrupts++;
        cpu_raise_code(cpu, EXC_INT);
    }
}

/* The pause (cpu.h), then the events if any are due: out of the events' line (a tail call,
 * so that the common path keeps no registers). */
static __attribute__((noinline)) void pause_then_service(struct cpu *cpu)
{
    /* A pause alone is not an event: afterwards, as if nothing had been serviced. */
    int alone = cpu->icount < event_stop(cpu);
    cpu->pause(cpu->pause_ctx);
    if (cpu->stop)
        return;
    if (alone)
        cpu_recompute_stop(cpu);
    else
        service(cpu);
}

/* Called by the interpreter when icount reaches icount_stop: the pause first (if one is
 * due), then fires the timer, enforces the instruction limit, takes a pending interrupt,
 * and sets the next stop. */
void cpu_service_events(struct cpu *cpu)
{
    if (cpu->stop)
        return;
    if (__builtin_expect(cpu->icount >= cpu->pause_icount, 0) && cpu->pause)
        pause_then_service(cpu);
    else
        service(cpu);
}

void cpu_eret(struct cpu *cpu)
{
    struct cp0 *c = &cpu->cp0;
    if (c->status & ST_ERL) {
        cpu->pc = c->errorepc;
        c->status &= ~ST_ERL;
    } else {
        cpu->pc = c->epc;
        c->status &= ~ST_EXL;
    }
    cpu->npc = cpu->pc + 4;
    cpu->llbit = 0;
    cpu->nested_exceptions = 0;
    cpu->ds_pc = 1;
    cpu_update_mode(cpu);
    cpu_kick(cpu);                               /* interrupts may now be enabled */
}

/* wait: the CPU idles until an enabled interrupt is pending. Time jumps to the next event
 * (the timer, if it can interrupt; a board event, which may raise a line) instead of being
 * simulated; the skipped cycles are counted as idle. An event that raises no enabled
 * interrupt is serviced and the CPU goes on waiting. A wait that no interrupt can ever end
 * stops the machine (CPU_STOP_HANG) instead of hanging the host. */
void cpu_wait(struct cpu *cpu)
{
    const struct cp0 *c = &cpu->cp0;
    while (!cpu_interrupt_pending(cpu) && !cpu->stop) {
        int enabled = (c->status & (ST_IE | ST_EXL | ST_ERL)) == ST_IE;
        uint64_t next = UINT64_MAX;
        if (enabled && (c->status & (1u << (ST_IM_SHIFT + 7))))
            next = cpu->timer_cycle;
        if (enabled && (c->status & (CA_IP_HW)) && cpu->dev_cycle < next)
            next = cpu->dev_cycle;
        if (next == UINT64_MAX) {
            cpu_request_stop(cpu, CPU_STOP_HANG, 0);
            return;
        }
        uint64_t now = cpu_cycles(cpu);
        if (next > CPU_CYCLES_MAX)
            next = CPU_CYCLES_MAX;               /* simulated time ends there */
        if (next > now) {
            uint64_t skip = next - now;
            if (cpu->idle_hook)
                cpu->idle_hook(cpu->idle_ctx, skip);
            cpu->cycles_extra += skip;
            cpu->n.idle_cycles += skip;
        }
        if (cpu_cycles(cpu) >= CPU_CYCLES_MAX) {
            cpu_request_stop(cpu, CPU_STOP_TIME_LIMIT, 0);
            return;
        }
        cpu_timer_catch_up(cpu);
        if (cpu_cycles(cpu) >= cpu->dev_cycle)
            cpu->dev_event(cpu->dev_ctx);
    }
    cpu_recompute_stop(cpu);
    cpu_kick(cpu);
}

void cpu_set_irq_lines(struct cpu *cpu, uint32_t lines)
{
    uint32_t cause = (cpu->cp0.cause & ~CA_IP_HW) | (lines & CA_IP_HW);
    if (cause != cpu->cp0.cause) {
        cpu->cp0.cause = cause;
        cpu_kick(cpu);                           /* an interrupt may now be pending */
    }
}

void cpu_set_dev_cycle(struct cpu *cpu, uint64_t cycle)
{
    if (cycle != cpu->dev_cycle) {
        cpu->dev_cycle = cycle;
        cpu_recompute_stop(cpu);
    }
}

int cpu_cp0_unprivileged(struct cpu *cpu, int reg, int sel)
{
    const struct mmu_ops *o = cpu->mmu->ops;
    return o->cp0_unprivileged && o->cp0_unprivileged(cpu->mmu, reg, sel, cpu->tc_mode);
}

uint32_t cpu_cp0_read(struct cpu *cpu, int reg, int sel)
{
    struct cp0 *c = &cpu->cp0;
    uint32_t v;
    if (cpu->mmu->ops->cp0_read && cpu->mmu->ops->cp0_read(cpu->mmu, reg, sel, &v))
        return v;
    switch (reg * 8 + sel) {
    case CP0_INDEX * 8: return c->index;
    case CP0_RANDOM * 8: return cpu_random(cpu);
    case CP0_ENTRYLO0 * 8: return c->entrylo0;
    case CP0_ENTRYLO1 * 8: return c->entrylo1;
    case CP0_CONTEXT * 8: return c->context;
    case CP0_PAGEMASK * 8: return c->pagemask;
    case CP0_PAGEMASK * 8 + 2: return c->segctl[0];
    case CP0_PAGEMASK * 8 + 3: return c->segctl[1];
    case CP0_PAGEMASK * 8 + 4: return c->segctl[2];
    case CP0_WIRED * 8: return c->wired;
    case CP0_HWRENA * 8: return c->hwrena;
    case CP0_BADVADDR * 8: return c->badvaddr;
    case CP0_COUNT * 8: return cpu_count(cpu);
    case CP0_ENTRYHI * 8: return c->entryhi;
    case CP0_COMPARE * 8: return c->compare;
    case CP0_STATUS * 8: return c->status;
    case CP0_STATUS * 8 + 1: return c->intctl;
    case CP0_STATUS * 8 + 2: return 0;                          /* SRSCtl */
    case CP0_CAUSE * 8: return c->cause;
    case CP0_EPC * 8: return c->epc;
    case CP0_PRID_REG * 8: return CP0_PRID;
    case CP0_PRID_REG * 8 + 1: return c->ebase;
    case CP0_CONFIG * 8: return c->config0;
    case CP0_CONFIG * 8 + 1: return CP0_CONFIG1_BASE | ((cpu->tlb_entries - 1) << 25);
    case CP0_CONFIG * 8 + 2: return CP0_CONFIG2;
    case CP0_CONFIG * 8 + 3: return CP0_CONFIG3;
    case CP0_LLADDR * 8: return c->lladdr;
    case CP0_ERROREPC * 8: return c->errorepc;
    }
    return 0;                                                   /* unknown registers read 0 */
}

static int valid_pagemask(uint32_t m)
{
    switch (m) {
    case 0x00000000: case 0x00006000: case 0x0001E000: case 0x0007E000: case 0x001FE000:
    case 0x007FE000: case 0x01FFE000: case 0x07FFE000: case 0x1FFFE000:
        return 1;
    }
    return 0;
}

void cpu_cp0_write(struct cpu *cpu, int reg, int sel, uint32_t v)
{
    struct cp0 *c = &cpu->cp0;
    if (cpu->mmu->ops->cp0_write && cpu->mmu->ops->cp0_write(cpu->mmu, reg, sel, v))
        return;
    switch (reg * 8 + sel) {
    case CP0_INDEX * 8: {
        uint32_t mask = 1;
        while (mask < cpu->tlb_entries)
            mask <<= 1;
        c->index = (c->index & 0x80000000u) | (v & (mask - 1));
        break;
    }
    case CP0_ENTRYLO0 * 8: c->entrylo0 = v & 0x03FFFFFFu; break;
    case CP0_ENTRYLO1 * 8: c->entrylo1 = v & 0x03FFFFFFu;   /* PABITS = 32: PFN is bits 25:6 */ break;
    case CP0_CONTEXT * 8: c->context = (c->context & 0x007FFFFFu) | (v & 0xFF800000u); break;
    case CP0_PAGEMASK * 8:
        if (valid_pagemask(v & 0x1FFFE000u))
            c->pagemask = v & 0x1FFFE000u;
        break;
    case CP0_PAGEMASK * 8 + 2: case CP0_PAGEMASK * 8 + 3: case CP0_PAGEMASK * 8 + 4:
        c->segctl[sel - 2] = v & SEGCTL_MASK;
        cpu_tc_flush(cpu);
        break;
    case CP0_WIRED * 8:
        c->wired = v % cpu->tlb_entries;
        c->random_origin = cpu_cycles(cpu);
        break;
    case CP0_HWRENA * 8: c->hwrena = v & 0xFu; break;
    case CP0_COUNT * 8:
        c->count_at_origin = v;
        c->count_origin = cpu_cycles(cpu);
        cpu_timer_reschedule(cpu);
        break;
    case CP0_ENTRYHI * 8: {
        uint32_t old = c->entryhi;
        c->entryhi = v & 0xFFFFE0FFu;
        if ((old ^ c->entryhi) & 0xFF) {
            if (cpu->mmu->ops->asid_changed)
                cpu->mmu->ops->asid_changed(cpu->mmu);
        }
        break;
    }
    case CP0_COMPARE * 8:
        c->compare = v;
        c->cause &= ~(CA_TI | CA_IP7);
        cpu_timer_reschedule(cpu);
        break;
    case CP0_STATUS * 8:
        c->status = (c->status & ~ST_WRITABLE) | (v & ST_WRITABLE);
        cpu_update_mode(cpu);
        cpu_kick(cpu);
        break;
    case CP0_STATUS * 8 + 1: c->intctl = (c->intctl & ~0x3E0u) | (v & 0x3E0u); break;
    case CP0_CAUSE * 8: {
        uint32_t old = c->cause;
        c->cause = (c->cause & ~CA_WRITABLE) | (v & CA_WRITABLE);
        if ((old ^ c->cause) & CA_DC) {
            /* Count stops or restarts: freeze or rebase it. */
            if (c->cause & CA_DC) {
                c->cause ^= CA_DC;
                c->count_at_origin = cpu_count(cpu);
                c->cause ^= CA_DC;
            }
            c->count_origin = cpu_cycles(cpu);
            cpu_timer_reschedule(cpu);
        }
        cpu_kick(cpu);
        break;
    }
    case CP0_EPC * 8: c->epc = v; break;
    case CP0_PRID_REG * 8 + 1: c->ebase = 0x80000000u | (v & 0x3FFFF000u); break;
    case CP0_CONFIG * 8: c->config0 = (c->config0 & ~7u) | (v & 7u); break;
    case CP0_ERROREPC * 8: c->errorepc = v; break;
    default: break;                                             /* read-only or unknown */
    }
}

void cpu_reset(struct cpu *cpu)
{
    struct cp0 *c = &cpu->cp0;
    for (int i = 0; i < 33; i++)
        cpu->gpr[i] = 0;
    cpu->hi = cpu->lo = 0;
    *c = (struct cp0){ 0 };
    c->status = ST_BEV;
    c->ebase = 0x80000000u;
    c->config0 = CP0_CONFIG0;
    c->segctl[0] = SEGCTL0_RESET;
    c->segctl[1] = SEGCTL1_RESET;
    c->segctl[2] = SEGCTL2_RESET;
    c->intctl = 0xFC000000u;                  /* IPTI = IPPCI = 7: timer on IP7 */
    c->wired = 0;
    cpu->llbit = 0;
    cpu->ds_pc = 1;
    cpu->tc_mode = -1;
    cpu_update_mode(cpu);
    cpu_tc_flush(cpu);
    cpu->kick_pending = 0;                    /* cpu_run looks the PC up first anyway */
    cpu_timer_reschedule(cpu);
}
