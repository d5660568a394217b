/* tests/test_sched.c - the VMM scheduler (core/sched.c): stride proportional share, halts,
 * timer wakes, idle jumps, removal, counters, and the "idle detection matters" scenario of
 * issue 4 in miniature.
 *
 * No CPU is involved: a small simulated run loop (run_sim) plays the VMM, with each vCPU a
 * scripted behaviour. The scheduler is deterministic, so every pick, cycle and counter is
 * checked exactly; the expected values are derived by hand in the comments. */
#include <criterion/criterion.h>

#include <signal.h>
#include <string.h>

#include "core/sched.h"
#include "core/stats.h"

#define S SCHED_STRIDE1

/* Runs v for exactly cycles (a full or partial slice) and charges it. */
static void run(struct sched *s, uint32_t v, uint64_t *now, uint64_t cycles)
{
    *now += cycles;
    sched_account(s, v, cycles);
}

/* ---- set-up and validation --------------------------------------------------------- */

Test(sched, init_and_add_validate)
{
    struct sched s;
    cr_assert_eq(sched_init(&s, 0), 0);
    cr_assert_eq(s.quantum_cycles, SCHED_DEFAULT_QUANTUM_CYCLES);
    cr_assert_eq(sched_init(&s, (uint64_t)SCHED_MAX_QUANTUM_CYCLES + 1), -1);
    cr_assert_eq(sched_init(&s, 1000), 0);
    cr_assert_eq(s.quantum_cycles, 1000);

    cr_assert_eq(sched_add(&s, 1, 0, 0), 0u);             /* weight 0 -> default 1 */
    cr_assert_eq(s.v[0].weight, 1u);
    cr_assert_eq(sched_add(&s, 2, 0, SCHED_WEIGHT_MAX), 1u);
    cr_assert_eq(sched_add(&s, 3, 0, SCHED_WEIGHT_MAX + 1), SCHED_NONE);
    cr_assert_eq(s.nvcpus, 2u);
    for (uint32_t i = 2; i < SCHED_MAX_VCPUS; i++)    /* the table grows as needed */
        cr_assert_eq(sched_add(&s, 4, i, 1), i);
    cr_assert_eq(sched_add(&s, 4, 99, 1), SCHED_NONE);   /* the sanity bound */
    cr_assert_eq(sched_live(&s), SCHED_MAX_VCPUS);
    sched_free(&s);
}

Test(sched, empty_scheduler_picks_none)
{
    struct sched s;
    sched_init(&s, 1000);
    cr_assert_eq(sched_pick(&s, 0), SCHED_NONE);
    cr_assert_eq(sched_next_wake(&s), SCHED_NO_WAKE);
    cr_assert_eq(sched_idle_jump(&s, 0), SCHED_NO_WAKE);
    cr_assert_eq(sched_live(&s), 0u);
    sched_free(&s);
}

/* ---- proportional share ------------------------------------------------------------ */

/* Three vCPUs of weight 1 using full quanta: 0,1,2,0,1,2,... (passes tie after each round;
 * ties go to the lowest id). */
Test(sched, equal_weights_round_robin)
{
    struct sched s;
    sched_init(&s, 1000);
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(sched_add(&s, i + 1, 0, 1), i);
    uint64_t now = 0;
    for (unsigned k = 0; k < 30; k++) {
        uint32_t v = sched_pick(&s, now);
        cr_assert_eq(v, k % 3, "slice %u ran vCPU %u", k, v);
        cr_assert_eq(sched_pick(&s, now), v);           /* picking changes nothing */
        cr_assert_eq(sched_slice_end(&s, v, now), now + 1000);
        run(&s, v, &now, 1000);
    }
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(s.v[i].slices, 10u);
        cr_assert_eq(s.v[i].cycles_run, 10000u);
        cr_assert_eq(s.v[i].pass, 10000ull * S);
    }
    cr_assert_eq(s.slices, 30u);
    cr_assert_eq(s.cycles_run, 30000u);
    cr_assert_eq(s.vtime, 10000ull * S);
    sched_free(&s);
}

/* Equal weights, unequal slices: the share is of cycles, not of slices. vCPU 0 uses full
 * quanta of 1000, vCPU 1 yields after 250: one slice of 0 per four of 1. */
Test(sched, equal_weights_share_cycles_not_slices)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    uint64_t now = 0;
    static const uint32_t expect[10] = {0, 1, 1, 1, 1, 0, 1, 1, 1, 1};
    for (unsigned k = 0; k < 500; k++) {
        uint32_t v = sched_pick(&s, now);
        cr_assert_eq(v, expect[k % 10], "slice %u", k);
        run(&s, v, &now, v == 0 ? 1000 : 250);
    }
    cr_assert_eq(s.v[0].slices, 100u);
    cr_assert_eq(s.v[1].slices, 400u);
    cr_assert_eq(s.v[0].cycles_run, 100000u);
    cr_assert_eq(s.v[1].cycles_run, 100000u);
    sched_free(&s);
}

/* Weights 1:3 with full quanta: passes grow by Q*S and Q*S/3, so the order is 0,1,1,1
 * repeated (the tie after each group goes to vCPU 0) and 400 slices split 100/300:
 * exactly 25% / 75% of the cycles. */
Test(sched, weights_1_to_3_full_quanta)
{
    struct sched s;
    sched_init(&s, 3000);
    cr_assert_eq(sched_add(&s, 1, 0, 1), 0u);
    cr_assert_eq(sched_add(&s, 2, 0, 3), 1u);
    uint64_t now = 0;
    for (unsigned k = 0; k < 400; k++) {
        uint32_t v = sched_pick(&s, now);
        cr_assert_eq(v, k % 4 == 0 ? 0u : 1u, "slice %u", k);
        run(&s, v, &now, sched_slice_end(&s, v, now) - now);
    }
    cr_assert_eq(now, 1200000u);
    cr_assert_eq(s.v[0].cycles_run, 300000u);    /* 25% */
    cr_assert_eq(s.v[1].cycles_run, 900000u);    /* 75% */
    cr_assert_eq(s.v[0].slices, 100u);
    cr_assert_eq(s.v[1].slices, 300u);
    cr_assert_eq(s.v[0].pass, s.v[1].pass);
    sched_free(&s);
}

/* Weights 1:3 where the heavy vCPU yields after half a quantum: vCPU 1's pass grows by
 * (Q/2)*S/3 = Q*S/6, so each group is one slice of vCPU 0 and six of vCPU 1; over 700
 * slices vCPU 0 runs 100 * Q = 120000 cycles and vCPU 1 600 * Q/2 = 360000: still 25/75. */
Test(sched, weights_1_to_3_fixed_uneven_sequence)
{
    struct sched s;
    sched_init(&s, 1200);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 3);
    uint64_t now = 0;
    for (unsigned k = 0; k < 700; k++) {
        uint32_t v = sched_pick(&s, now);
        cr_assert_eq(v, k % 7 == 0 ? 0u : 1u, "slice %u", k);
        run(&s, v, &now, v == 0 ? 1200 : 600);
    }
    cr_assert_eq(s.v[0].cycles_run, 120000u);
    cr_assert_eq(s.v[1].cycles_run, 360000u);
    cr_assert_eq(s.v[0].slices, 100u);
    cr_assert_eq(s.v[1].slices, 600u);
    sched_free(&s);
}

/* Irregular slice lengths from a fixed pseudo-random sequence: the stride bound holds
 * after every slice (the weighted cycle counts never differ by more than one quantum), and
 * the totals are exact for this sequence. */
Test(sched, weights_1_to_3_irregular_bound)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 3);
    uint64_t now = 0;
    uint32_t x = 12345;
    while (now < 4000000) {
        uint32_t v = sched_pick(&s, now);
        x = x * 1103515245u + 12345u;
        run(&s, v, &now, 1 + (x >> 16) % 1000);        /* 1 .. quantum cycles */
        int64_t a3 = (int64_t)s.v[0].cycles_run * 3, b = (int64_t)s.v[1].cycles_run;
        cr_assert_leq(a3 - b, 3 * 1000);
        cr_assert_leq(b - a3, 3 * 1000);
    }
    uint64_t a = s.v[0].cycles_run, b = s.v[1].cycles_run;
    cr_assert_eq(a + b, now);
    /* 25% of now within a quantum. */
    cr_assert_leq(a * 4, now + 4000);
    cr_assert_geq(a * 4 + 4000, now);
    /* exact, for this sequence (recorded; the policy is deterministic). */
    cr_assert_eq(now, 4000184u);
    cr_assert_eq(s.slices, 8022u);
    cr_assert_eq(a, 1000662u);                         /* 25.02% */
    cr_assert_eq(b, 2999522u);
    sched_free(&s);
}

/* Passes are exact: the remainder of cycles * S / weight is carried, so three 1-cycle
 * slices at weight 3 advance the pass by exactly S. */
Test(sched, pass_remainder_is_carried)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 3);
    sched_account(&s, 0, 1);
    cr_assert_eq(s.v[0].pass, S / 3);
    cr_assert_eq(s.v[0].pass_rem, S % 3);
    sched_account(&s, 0, 1);
    sched_account(&s, 0, 1);
    cr_assert_eq(s.v[0].pass, S);
    cr_assert_eq(s.v[0].pass_rem, 0u);
    sched_account(&s, 0, 999);
    cr_assert_eq(s.v[0].pass, 334ull * S);
    cr_assert_eq(s.v[0].cycles_run, 1002u);
    sched_free(&s);
}

/* ---- halts, wakes, idle jumps ------------------------------------------------------ */

/* A halted vCPU is never picked and banks no credit: vCPU 1 halts at 0 while vCPU 0 runs
 * ten quanta alone; woken, it gets pass = vtime = 10 quanta, so the two then alternate
 * (tie to vCPU 0) instead of vCPU 1 running ten slices in a row. */
Test(sched, halted_vcpu_banks_no_credit)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    uint64_t now = 0;
    sched_halt(&s, 1, now, SCHED_NO_WAKE);
    for (unsigned k = 0; k < 10; k++) {
        cr_assert_eq(sched_pick(&s, now), 0u);
        cr_assert_eq(sched_slice_end(&s, 0, now), now + 1000);   /* no timer to cut it */
        run(&s, 0, &now, 1000);
    }
    cr_assert_eq(s.v[1].cycles_run, 0u);
    cr_assert_eq(s.vtime, 10000ull * S);
    cr_assert_eq(sched_wake(&s, 1, now), 1);
    cr_assert_eq(sched_wake(&s, 1, now), 0);                    /* already runnable */
    cr_assert_eq(s.v[1].pass, 10000ull * S);
    cr_assert_eq(s.v[1].cycles_halted, 10000u);
    cr_assert_eq(s.v[1].halts, 1u);
    cr_assert_eq(s.v[1].wakeups, 1u);
    for (unsigned k = 0; k < 10; k++) {
        uint32_t v = sched_pick(&s, now);
        cr_assert_eq(v, k % 2, "slice %u after the wake", k);
        run(&s, v, &now, 1000);
    }
    cr_assert_eq(s.v[0].cycles_run, 15000u);
    cr_assert_eq(s.v[1].cycles_run, 5000u);
    sched_free(&s);
}

/* A vCPU that halts ahead of vtime keeps its pass on waking (no boost either way). */
Test(sched, wake_keeps_a_pass_above_vtime)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    uint64_t now = 0;
    run(&s, 0, &now, 1000);                 /* vCPU 0: pass 1000 S; vtime 0 (vCPU 1) */
    sched_halt(&s, 0, now, 5000);
    run(&s, 1, &now, 300);                  /* vtime 300 S */
    cr_assert_eq(s.vtime, 300ull * S);
    cr_assert_eq(sched_tick(&s, 4999), 0u);
    cr_assert_eq(sched_tick(&s, 5000), 1u);
    cr_assert_eq(s.v[0].pass, 1000ull * S);
    cr_assert_eq(s.v[0].cycles_halted, 5000u - 1000u);
    cr_assert_eq(sched_pick(&s, 5000), 1u);
    sched_free(&s);
}

Test(sched, next_wake_tick_and_slice_cut)
{
    struct sched s;
    sched_init(&s, 1000);
    for (uint32_t i = 0; i < 4; i++)
        sched_add(&s, i + 1, 0, 1);
    sched_halt(&s, 0, 0, 500);
    sched_halt(&s, 1, 0, 300);
    sched_halt(&s, 2, 0, SCHED_NO_WAKE);
    cr_assert_eq(sched_next_wake(&s), 300u);
    cr_assert_eq(sched_pick(&s, 0), 3u);
    /* the slice of vCPU 3 is cut at the first timer due to another vCPU */
    cr_assert_eq(sched_slice_end(&s, 3, 0), 300u);
    cr_assert_eq(sched_slice_end(&s, 3, 400), 500u);
    cr_assert_eq(sched_slice_end(&s, 3, 600), 1600u);       /* wakes <= now do not cut */
    cr_assert_eq(sched_tick(&s, 299), 0u);
    cr_assert_eq(sched_tick(&s, 300), 1u);
    cr_assert_eq(s.v[1].state, SCHED_RUNNABLE);
    cr_assert_eq(s.v[1].wake_cycle, SCHED_NO_WAKE);
    cr_assert_eq(sched_next_wake(&s), 500u);
    cr_assert_eq(sched_tick(&s, 10000), 1u);                 /* vCPU 0; vCPU 2 has no timer */
    cr_assert_eq(sched_next_wake(&s), SCHED_NO_WAKE);
    cr_assert_eq(s.v[2].state, SCHED_HALTED);
    cr_assert_eq(s.v[0].cycles_halted, 10000u);              /* woken late: counted to now */
    cr_assert_eq(s.v[1].cycles_halted, 300u);
    cr_assert_eq(s.wakeups, 2u);
    /* halting a halted vCPU only moves its wake cycle */
    sched_halt(&s, 2, 10000, 12000);
    cr_assert_eq(s.v[2].halts, 1u);
    cr_assert_eq(sched_next_wake(&s), 12000u);
    sched_free(&s);
}

/* Everybody halted: pick gives SCHED_NONE; the idle jump moves time to the next wake,
 * counts the skipped cycles and wakes the vCPUs due. */
Test(sched, all_halted_idle_jump)
{
    struct sched s;
    struct stats st;
    stats_init(&st);
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    sched_register_stats(&s, &st);
    uint64_t now = 0;
    run(&s, 0, &now, 100);
    sched_halt(&s, 0, now, 2000);
    run(&s, 1, &now, 100);
    sched_halt(&s, 1, now, 2000);
    cr_assert_eq(sched_pick(&s, now), SCHED_NONE);
    now = sched_idle_jump(&s, now);
    cr_assert_eq(now, 2000u);
    cr_assert_eq(stats_get(&st, "machine.sched.idle_jump_cycles"), 1800);
    cr_assert_eq(stats_get(&st, "machine.sched.idle_jumps"), 1);
    cr_assert_eq(stats_get(&st, "machine.sched.wakeups"), 2);
    cr_assert_eq(stats_get(&st, "vm1.sched.cycles_halted"), 1900);
    cr_assert_eq(stats_get(&st, "vm2.sched.cycles_halted"), 1800);
    cr_assert_eq(sched_pick(&s, now), 0u);
    /* a wake cycle already reached: the jump is of 0 cycles but still wakes */
    sched_halt(&s, 0, now, now);
    sched_halt(&s, 1, now, SCHED_NO_WAKE);
    cr_assert_eq(sched_idle_jump(&s, now), now);
    cr_assert_eq(stats_get(&st, "machine.sched.idle_jumps"), 1);
    cr_assert_eq(s.v[0].state, SCHED_RUNNABLE);
    /* halted for ever: no jump, nothing counted */
    sched_halt(&s, 0, now, SCHED_NO_WAKE);
    cr_assert_eq(sched_idle_jump(&s, now), SCHED_NO_WAKE);
    cr_assert_eq(stats_get(&st, "machine.sched.idle_jump_cycles"), 1800);
    sched_flush_stats(&s, now + 50);
    cr_assert_eq(s.v[1].cycles_halted, 1800u + 50u);
    cr_assert_eq(s.v[1].state, SCHED_HALTED);
    stats_free(&st);
    sched_free(&s);
}

Test(sched, idle_jump_with_runnable_vcpu_aborts, .signal = SIGABRT)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_idle_jump(&s, 0);
}

/* ---- removal ----------------------------------------------------------------------- */

Test(sched, removal_is_for_good)
{
    struct sched s;
    sched_init(&s, 1000);
    for (uint32_t i = 0; i < 3; i++)
        sched_add(&s, i + 1, 0, 1);
    uint64_t now = 0;
    run(&s, 0, &now, 1000);
    sched_remove(&s, 0, now);
    sched_halt(&s, 2, now, 5000);
    cr_assert_eq(sched_live(&s), 2u);
    for (unsigned k = 0; k < 3; k++) {
        cr_assert_eq(sched_pick(&s, now), 1u);
        run(&s, 1, &now, 1000);
    }
    sched_remove(&s, 2, now);                   /* halted: time halted counted to now */
    cr_assert_eq(s.v[2].cycles_halted, 3000u);
    cr_assert_eq(sched_next_wake(&s), SCHED_NO_WAKE);
    cr_assert_eq(sched_tick(&s, 1000000), 0u);
    cr_assert_eq(sched_wake(&s, 0, now), 0);
    cr_assert_eq(sched_wake(&s, 2, now), 0);
    sched_halt(&s, 0, now, 0);
    sched_account(&s, 0, 777);
    cr_assert_eq(s.v[0].state, SCHED_STOPPED);
    cr_assert_eq(s.v[0].cycles_run, 1000u);
    cr_assert_eq(s.v[0].halts, 0u);
    cr_assert_eq(sched_pick(&s, now), 1u);
    sched_remove(&s, 1, now);
    cr_assert_eq(sched_live(&s), 0u);
    cr_assert_eq(sched_pick(&s, now), SCHED_NONE);
    cr_assert_eq(sched_idle_jump(&s, now), SCHED_NO_WAKE);
    /* ids are never reused */
    cr_assert_eq(sched_add(&s, 9, 0, 1), 3u);
    sched_free(&s);
}

Test(sched, bad_vcpu_id_aborts, .signal = SIGABRT)
{
    struct sched s;
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_account(&s, 1, 10);
}

/* ---- counters ---------------------------------------------------------------------- */

Test(sched, counter_names)
{
    struct sched s;
    struct stats st;
    stats_init(&st);
    sched_init(&s, 1000);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    sched_add(&s, 2, 1, 1);
    sched_register_stats(&s, &st);
    cr_assert_eq(st.n, 6u + 3u * 5u);
    uint64_t now = 0;
    run(&s, 2, &now, 42);
    sched_halt(&s, 2, now, 100);
    sched_tick(&s, 100);
    cr_assert_eq(stats_get(&st, "vm2.vcpu1.sched.slices"), 1);
    cr_assert_eq(stats_get(&st, "vm2.vcpu1.sched.cycles_run"), 42);
    cr_assert_eq(stats_get(&st, "vm2.vcpu1.sched.cycles_halted"), 58);
    cr_assert_eq(stats_get(&st, "vm2.vcpu1.sched.halts"), 1);
    cr_assert_eq(stats_get(&st, "vm2.vcpu1.sched.wakeups"), 1);
    cr_assert_eq(stats_get(&st, "vm2.sched.slices"), 0);
    cr_assert_eq(stats_get(&st, "vm1.sched.cycles_run"), 0);
    cr_assert_eq(stats_get(&st, "machine.sched.slices"), 1);
    cr_assert_eq(stats_get(&st, "machine.sched.cycles_run"), 42);
    cr_assert_eq(stats_get(&st, "machine.sched.halts"), 1);
    stats_free(&st);
    sched_free(&s);
}

/* ---- "idle detection matters", in miniature ---------------------------------------- */

enum behaviour {
    BUSY,        /* needs work_cycles of CPU, then powers off */
    IDLE_HALTS,  /* idle with detection: runs handle_cycles per timer tick, then halts */
    IDLE_SPINS,  /* idle without detection: burns every slice it is given */
};

struct sim_vcpu {
    enum behaviour b;
    uint64_t work_cycles;     /* BUSY: left to do */
    uint64_t handle_cycles;   /* IDLE_HALTS: cycles run per wake (tick handler + wait, or
                               * spin until the spin detector fires) */
    uint64_t finish;          /* BUSY: cycle it powered off */
};

#define TICK_CYCLES 1000000u   /* guest timer period */

/* The VMM run loop of sched.h over scripted vCPUs; runs until every BUSY vCPU finished.
 * Returns the cycle at which the last one did. */
static uint64_t run_sim(struct sched *s, struct sim_vcpu *sv, unsigned n)
{
    uint64_t now = 0, last = 0;
    unsigned busy = 0;
    for (unsigned i = 0; i < n; i++)
        busy += sv[i].b == BUSY;
    while (busy) {
        sched_tick(s, now);
        uint32_t v = sched_pick(s, now);
        if (v == SCHED_NONE) {
            now = sched_idle_jump(s, now);
            cr_assert_neq(now, SCHED_NO_WAKE);
            continue;
        }
        uint64_t budget = sched_slice_end(s, v, now) - now, used;
        struct sim_vcpu *c = &sv[v];
        switch (c->b) {
        case BUSY:
            used = budget < c->work_cycles ? budget : c->work_cycles;
            c->work_cycles -= used;
            break;
        case IDLE_HALTS:
            used = budget < c->handle_cycles ? budget : c->handle_cycles;
            break;
        default:
            used = budget;
            break;
        }
        run(s, v, &now, used);
        if (c->b == BUSY && c->work_cycles == 0) {
            c->finish = last = now;
            sched_remove(s, v, now);
            busy--;
        } else if (c->b == IDLE_HALTS) {
            sched_halt(s, v, now, (now / TICK_CYCLES + 1) * TICK_CYCLES);
        }
    }
    sched_flush_stats(s, now);
    return last;
}

#define Q 100000u
#define B 10000000u             /* the busy vCPU's work: 100 quanta, 10 ticks */
#define H 1000u                 /* idle vCPU's cycles per tick with detection */

/* Alone, the busy vCPU finishes at exactly B, in B/Q slices. */
Test(sched, idle_detection_alone)
{
    struct sched s;
    sched_init(&s, Q);
    sched_add(&s, 1, 0, 1);
    struct sim_vcpu sv[1] = {{.b = BUSY, .work_cycles = B}};
    cr_assert_eq(run_sim(&s, sv, 1), B);
    cr_assert_eq(s.slices, B / Q);
    sched_free(&s);
}

/* Detection on: in each tick period [kP, (k+1)P) the busy vCPU (id 0, winning the pass
 * tie at the tick) runs a quantum, the woken idle vCPU runs H and halts until (k+1)P, and
 * the busy vCPU runs the rest of the period: P - H cycles per period. After 10 periods it
 * has done B - 10H; at 10P it wins the tie again and finishes the last 10H at once:
 * finish = 10P + 10H = B + 10H = 10,010,000 cycles (0.1% above alone). */
Test(sched, idle_detection_on_wait)
{
    struct sched s;
    struct stats st;
    stats_init(&st);
    sched_init(&s, Q);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    sched_register_stats(&s, &st);
    struct sim_vcpu sv[2] = {{.b = BUSY, .work_cycles = B}, {.b = IDLE_HALTS, .handle_cycles = H}};
    uint64_t finish = run_sim(&s, sv, 2);
    cr_assert_eq(finish, B + 10 * H);
    cr_assert_eq(stats_get(&st, "vm1.sched.cycles_run"), B);
    /* per period: 1 quantum, then 8 full quanta and one of Q - H up to the tick; +1 */
    cr_assert_eq(stats_get(&st, "vm1.sched.slices"), 101);
    cr_assert_eq(stats_get(&st, "vm2.sched.cycles_run"), 10 * H);
    cr_assert_eq(stats_get(&st, "vm2.sched.slices"), 10);
    cr_assert_eq(stats_get(&st, "vm2.sched.halts"), 10);
    cr_assert_eq(stats_get(&st, "vm2.sched.wakeups"), 10);
    /* halted from kP + Q + H to the next tick (woken at 10P, it never runs again) */
    cr_assert_eq(stats_get(&st, "vm2.sched.cycles_halted"), 10 * (TICK_CYCLES - Q - H));
    cr_assert_eq(stats_get(&st, "machine.sched.idle_jump_cycles"), 0);
    stats_free(&st);
    sched_free(&s);
}

/* Detection on, spinning guest: the spin detector fires after 5000 cycles of the idle
 * loop, so H = 5000 per period: finish = B + 10 * 5000 = 10,050,000. */
Test(sched, idle_detection_on_spin)
{
    struct sched s;
    sched_init(&s, Q);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    struct sim_vcpu sv[2] = {{.b = BUSY, .work_cycles = B},
                             {.b = IDLE_HALTS, .handle_cycles = 5000}};
    cr_assert_eq(run_sim(&s, sv, 2), B + 10 * 5000u);
    sched_free(&s);
}

/* Detection off: the idle vCPU spins through every quantum it gets, so the two alternate
 * full quanta and the busy vCPU's 100th slice ends at 199 Q = 2B - Q = 19,900,000. */
Test(sched, idle_detection_off)
{
    struct sched s;
    sched_init(&s, Q);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    struct sim_vcpu sv[2] = {{.b = BUSY, .work_cycles = B}, {.b = IDLE_SPINS}};
    uint64_t finish = run_sim(&s, sv, 2);
    cr_assert_eq(finish, 2 * B - Q);
    cr_assert_eq(s.v[1].cycles_run, B - Q);
    cr_assert_eq(s.v[1].halts, 0u);
    /* the claim of issue 4: ~B with detection, ~2B without */
    cr_assert_geq(finish * 100, 199ull * B);
    sched_free(&s);
}

/* Only idle vCPUs left: every cycle between their tick handlers is jumped over. Two idle
 * vCPUs with H each per tick, 5 ticks: at kP both wake, run H each, halt until (k+1)P. */
Test(sched, idle_jump_reclaims_all_idle_time)
{
    struct sched s;
    struct stats st;
    stats_init(&st);
    sched_init(&s, Q);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    sched_add(&s, 3, 0, 1);
    sched_register_stats(&s, &st);
    /* a busy vCPU of 2H work finishes in the first period; afterwards all is idle */
    struct sim_vcpu sv[3] = {{.b = IDLE_HALTS, .handle_cycles = H},
                             {.b = IDLE_HALTS, .handle_cycles = H},
                             {.b = BUSY, .work_cycles = 5 * TICK_CYCLES}};
    uint64_t finish = run_sim(&s, sv, 3);
    /* per period the idle pair takes 2H, the busy vCPU the rest; it needs 5 P of work:
     * after 5 periods it has 5(P - 2H); at 5P the idle vCPUs (ids 0 and 1) win the tie
     * and run first, then it finishes its last 10H: 5P + 2H + 10H */
    cr_assert_eq(finish, 5 * TICK_CYCLES + 12 * H);
    cr_assert_eq(stats_get(&st, "machine.sched.idle_jump_cycles"), 0);
    /* now without the busy vCPU: two idle ones and a one-shot busy that stops at once */
    sched_init(&s, Q);
    sched_add(&s, 1, 0, 1);
    sched_add(&s, 2, 0, 1);
    sched_add(&s, 3, 0, 1);
    struct sim_vcpu sv2[3] = {{.b = IDLE_HALTS, .handle_cycles = H},
                              {.b = IDLE_HALTS, .handle_cycles = H},
                              {.b = BUSY, .work_cycles = 3 * H}};
    cr_assert_eq(run_sim(&s, sv2, 3), 5 * H);
    /* continue by hand through 5 more ticks with only idle vCPUs */
    uint64_t now = 5 * H;
    for (unsigned k = 1; k <= 5; k++) {
        cr_assert_eq(sched_pick(&s, now), SCHED_NONE);
        now = sched_idle_jump(&s, now);
        cr_assert_eq(now, k * TICK_CYCLES);
        for (uint32_t v = 0; v < 2; v++) {
            cr_assert_eq(sched_pick(&s, now), v);
            run(&s, v, &now, H);
            sched_halt(&s, v, now, (k + 1) * TICK_CYCLES);
        }
    }
    /* jumped: from 5H to P, then from kP + 2H to (k+1)P for k = 1..4 */
    cr_assert_eq(s.idle_jump_cycles, (TICK_CYCLES - 5 * H) + 4 * (TICK_CYCLES - 2 * H));
    cr_assert_eq(s.idle_jumps, 5u);
    stats_free(&st);
    sched_free(&s);
}

/* Same calls, same counters: run the detection-on scenario twice and compare all. */
Test(sched, deterministic)
{
    struct sched a, b;
    for (int r = 0; r < 2; r++) {
        struct sched *s = r ? &b : &a;
        sched_init(s, Q);
        sched_add(s, 1, 0, 2);
        sched_add(s, 2, 0, 7);
        struct sim_vcpu sv[2] = {{.b = BUSY, .work_cycles = B},
                                 {.b = IDLE_HALTS, .handle_cycles = 3 * H}};
        run_sim(s, sv, 2);
    }
    cr_assert_eq(a.nvcpus, b.nvcpus);
    cr_assert_eq(memcmp(a.v, b.v, a.nvcpus * sizeof(*a.v)), 0);
    struct sched_vcpu *va = a.v, *vb = b.v;
    a.v = b.v = NULL;                 /* the tables are elsewhere; the rest must be equal */
    cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
    a.v = va;
    b.v = vb;
    sched_free(&a);
    sched_free(&b);
}
