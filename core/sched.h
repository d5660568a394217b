/* core/sched.h - the VMM scheduler: every vCPU of every VM on one physical CPU, proportional
 * share by stride scheduling, a quantum in cycles, deterministic (DESIGN.md §3).
 *
 * This is policy only: it never runs a vCPU, reads a clock or touches guest state. The VMM
 * owns simulated time (`now`, in cycles) and passes it in; the same sequence of calls gives
 * the same decisions and the same counters on any host. The VMM's run loop is:
 *
 *     for (;;) {
 *         sched_tick(s, now);                       // wake vCPUs whose timer is due
 *         v = sched_pick(s, now);
 *         if (v == SCHED_NONE) {                    // every live vCPU is halted
 *             if (sched_live(s) == 0) break;        // all stopped: done
 *             now = sched_idle_jump(s, now);        // jump to the next timer event
 *             if (now == UINT64_MAX) break;         // halted for ever: deadlock
 *             continue;
 *         }
 *         run v from now until sched_slice_end(s, v, now), or until it halts or stops;
 *         sched_account(s, v, used); now += used;
 *         if it executed `wait` or was found idle:   sched_halt(s, v, now, next_timer_cycle);
 *         if it powered off or crashed:               sched_remove(s, v, now);
 *     }
 *
 * and sched_wake(s, v, now) when the VMM injects an interrupt into a halted vCPU.
 *
 * Policy (docs/sched.md): each vCPU has a weight (1..1000) and a pass. The runnable vCPU
 * with the smallest pass runs; ties go to the lowest vCPU id. After it ran c cycles its
 * pass grows by c * SCHED_STRIDE1 / weight, exactly (the remainder of the division is
 * carried, so no cycle is ever lost to rounding). The virtual time vtime is the smallest
 * pass of the runnable vCPUs, never decreasing; a vCPU that is added, or that wakes from a
 * halt, gets pass = max(its pass, vtime), so it cannot bank credit while it is idle.
 *
 * Not thread-safe (tlbvisor runs every vCPU on one host thread). */
#ifndef TLBVISOR_CORE_SCHED_H
#define TLBVISOR_CORE_SCHED_H

#include <stdint.h>

struct stats;

/* The most vCPUs: a sanity bound, not an array size (the table grows as they are added). */
#define SCHED_MAX_VCPUS 65536
#define SCHED_NONE UINT32_MAX                /* "no vCPU": nobody runnable, or an error */
#define SCHED_NO_WAKE UINT64_MAX             /* wake cycle of a vCPU with no timer armed */
#define SCHED_WEIGHT_MIN 1u
#define SCHED_WEIGHT_MAX 1000u
#define SCHED_DEFAULT_WEIGHT 1u
/* 100000 cycles: half of the guest kernel's 200000-cycle timer tick (TICK_COUNT Count
 * ticks at 2 cycles per tick), so two busy VMs each run in every tick period. */
#define SCHED_DEFAULT_QUANTUM_CYCLES 100000u
#define SCHED_MAX_QUANTUM_CYCLES UINT32_MAX
#define SCHED_STRIDE1 (1u << 16)             /* pass units per cycle at weight 1 */

enum sched_state {
    SCHED_RUNNABLE,   /* may be picked */
    SCHED_HALTED,     /* waiting for wake_cycle or an injected interrupt */
    SCHED_STOPPED,    /* removed for good (powered off, crashed); never picked again */
};

struct sched_vcpu {
    /* Read-only outside sched.c. */
    uint32_t vm;              /* VM id, as the VMM numbers them (names the counters) */
    uint32_t index;           /* vCPU index inside its VM */
    uint32_t weight;          /* 1..1000 */
    enum sched_state state;
    uint64_t pass;            /* stride pass; the smallest runnable one runs */
    uint64_t pass_rem;        /* carried remainder of (cycles * SCHED_STRIDE1) / weight */
    uint64_t wake_cycle;      /* HALTED: cycle its next timer interrupt is due, or SCHED_NO_WAKE */
    uint64_t halt_start;      /* HALTED: cycle from which halted time is not yet counted */

    /* Counters (vmN.sched.* or vmN.vcpuI.sched.*), registered by sched_register_stats. */
    uint64_t slices;          /* sched_account calls: slices run */
    uint64_t cycles_run;      /* cycles accounted to it */
    uint64_t cycles_halted;   /* cycles spent halted (up to the last wake/remove/flush) */
    uint64_t halts;           /* sched_halt calls */
    uint64_t wakeups;         /* halted -> runnable transitions (timer or injected) */
};

struct sched {
    /* Read-only outside sched.c. */
    uint64_t quantum_cycles;  /* longest slice */
    uint64_t vtime;           /* virtual time: min pass of the runnable vCPUs, monotonic */
    uint32_t nvcpus;          /* ids 0 .. nvcpus-1 were handed out (stopped ones included) */
    uint32_t cap;             /* entries allocated in v */
    struct sched_vcpu *v;     /* [cap]; grows with sched_add (it moves until the stats are
                               * registered: call sched_register_stats after the last add) */

    /* Counters (machine.sched.*), registered by sched_register_stats. */
    uint64_t slices;          /* sum of the vCPUs' slices */
    uint64_t cycles_run;      /* sum of the vCPUs' cycles_run */
    uint64_t halts;           /* sum of the vCPUs' halts */
    uint64_t wakeups;         /* sum of the vCPUs' wakeups */
    uint64_t idle_jumps;      /* sched_idle_jump calls that moved time forward */
    uint64_t idle_jump_cycles;/* cycles skipped because every live vCPU was halted */
};

/* Empties s. quantum_cycles is the longest slice: 0 means SCHED_DEFAULT_QUANTUM_CYCLES.
 * Returns 0, or -1 if quantum_cycles > SCHED_MAX_QUANTUM_CYCLES. */
int sched_init(struct sched *s, uint64_t quantum_cycles);
/* Releases the vCPU table (counters registered from it must not be read afterwards). */
void sched_free(struct sched *s);

/* Adds a runnable vCPU of VM vm (index-th of that VM) with the given weight (0 means
 * SCHED_DEFAULT_WEIGHT); its pass starts at vtime. Returns its id (0, 1, 2, ... in the
 * order of the calls), or SCHED_NONE if weight is above SCHED_WEIGHT_MAX, SCHED_MAX_VCPUS
 * are there already or the host has no memory for the table. */
uint32_t sched_add(struct sched *s, uint32_t vm, uint32_t index, uint32_t weight);

/* The runnable vCPU with the smallest pass (ties: lowest id), or SCHED_NONE if none is
 * runnable. Changes nothing but vtime (brought up to that pass); calling it twice without
 * an account in between gives the same answer. now is for the contract only (picks never
 * depend on it): the caller is expected to have called sched_tick(s, now) first. */
uint32_t sched_pick(struct sched *s, uint64_t now);

/* The cycle at which the slice of v starting at now must end: now + quantum, cut short at
 * the earliest wake cycle of any other halted vCPU that lies after now, so a timer
 * interrupt due to a halted vCPU is delivered on time (the VMM then ticks and picks again;
 * the share stays exact, because passes grow by the cycles actually used). Always > now. */
uint64_t sched_slice_end(const struct sched *s, uint32_t v, uint64_t now);

/* Charges cycles to v (runnable or halted; not stopped): one slice, cycles_run, pass grows
 * by cycles * SCHED_STRIDE1 / weight with the remainder carried. cycles may be 0 (a vCPU
 * that halted on its first instruction still used a slice). */
void sched_account(struct sched *s, uint32_t v, uint64_t cycles);

/* v executed `wait` or was found idle at now: it is halted until wake_cycle (SCHED_NO_WAKE
 * if it has no timer armed) or an injected interrupt. A wake_cycle <= now is allowed: the
 * next sched_tick wakes it. A halted or stopped v is left as it is, except that a halted
 * v gets the new wake_cycle. */
void sched_halt(struct sched *s, uint32_t v, uint64_t now, uint64_t wake_cycle);

/* An interrupt was injected into v at now: if v is halted it becomes runnable with
 * pass = max(pass, vtime), its halted time is counted, and it counts a wakeup. Returns 1
 * if v was woken, 0 if it was runnable or stopped already. */
int sched_wake(struct sched *s, uint32_t v, uint64_t now);

/* Wakes, as sched_wake, every halted vCPU whose wake_cycle <= now, in id order. Returns
 * how many it woke. */
unsigned sched_tick(struct sched *s, uint64_t now);

/* The earliest wake_cycle of the halted vCPUs, or SCHED_NO_WAKE if none is halted or none
 * of them has a timer armed. */
uint64_t sched_next_wake(const struct sched *s);

/* Every live vCPU is halted at now (sched_pick gave SCHED_NONE): time jumps to the next
 * wake cycle, the skipped cycles are counted in idle_jump_cycles, and the vCPUs due then
 * are woken (sched_tick). Returns the new now (>= now), or SCHED_NO_WAKE (counting nothing)
 * if no halted vCPU will ever wake by timer: the machine is idle for ever, or no vCPU is
 * live. Calling it while a vCPU is runnable is a VMM bug: it aborts. */
uint64_t sched_idle_jump(struct sched *s, uint64_t now);

/* v powered off or crashed at now: it is stopped for good (halted time up to now is
 * counted). Its counters stay registered with their last values. */
void sched_remove(struct sched *s, uint32_t v, uint64_t now);

/* Number of vCPUs not stopped. */
uint32_t sched_live(const struct sched *s);

/* Counts the halted time of every halted vCPU up to now (for a report written while some
 * are still halted); they stay halted. */
void sched_flush_stats(struct sched *s, uint64_t now);

/* Registers machine.sched.{slices,cycles_run,halts,wakeups,idle_jumps,idle_jump_cycles}
 * and, for each vCPU added so far, vmN.sched.{slices,cycles_run,cycles_halted,halts,
 * wakeups} (vCPU index 0 of VM N) or vmN.vcpuI.sched.* (index I > 0). Call it after the
 * last sched_add. The registry keeps pointers into *s: s must not move afterwards. */
void sched_register_stats(struct sched *s, struct stats *st);

#endif /* TLBVISOR_CORE_SCHED_H */
