/* tests/test_timer.c — Count/Compare as a scheduled event, the timer interrupt, and `wait`
 * (core/cp0.c, and the interpreter's event points in core/cpu_exec.c).
 *
 * Time is cycles: one per instruction plus cycles_extra; Count = cycles / 2 from reset.
 * Tests that need "the cycle when Count == Compare" either move cycles_extra by hand and call
 * cpu_service_events (the event logic alone), or run the interpreter with insn_limit (the
 * contract that the match is seen exactly at the predicted instruction). */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "core/cp0.h"
#include "fixture.h"

#define RAM_BYTES (1u << 20)
#define CODE 0x80010000u
#define CODE_PA 0x00010000u
#define IM7 (1u << (ST_IM_SHIFT + 7))

static struct fx fx;
static struct cpu *cpu;                            /* fx.cpu */

#define I_(op, rs, rt, imm) \
    ((uint32_t)(op) << 26 | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | ((uint32_t)(imm) & 0xFFFFu))
#define ADDIU(t, s, i) I_(9, s, t, i)
#define BEQ(s, t, off) I_(4, s, t, off)
#define MTC0(t, rd, sel) (0x40800000u | (uint32_t)(t) << 16 | (uint32_t)(rd) << 11 | (sel))
#define WAIT 0x42000020u
#define SDBBP1 0x7000007Fu
#define NOP 0u
enum { ZERO = 0, T0 = 8, T3 = 11 };

static void put1(uint32_t pa, uint32_t w) { fx_put(&fx, pa, &w, 1); }

static void setup(void)
{
    fx_setup(&fx, RAM_BYTES, 64, NULL);
    cpu = fx.cpu;
    cpu_register_stats(cpu, &fx.st);
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);          /* kernel, BEV=0, interrupts off */
    put1(0x180, SDBBP1);                           /* general vector: UHI exit */
    put1(0x200, SDBBP1);                           /* IV vector */
}

static void teardown(void) { fx_teardown(&fx); }

TestSuite(timer, .init = setup, .fini = teardown);

static uint32_t count(void) { return cpu_cp0_read(cpu, CP0_COUNT, 0); }
static int ti(void) { return (cpu->cp0.cause & (CA_TI | CA_IP7)) == (CA_TI | CA_IP7); }

/* Fills n words of straight-line code at CODE with addiu t3, t3, 1 and ends with sdbbp 1. */
static void straight_line(unsigned n)
{
    uint32_t *w = malloc((n + 1) * 4);
    cr_assert_not_null(w);
    for (unsigned i = 0; i < n; i++)
        w[i] = ADDIU(T3, T3, 1);
    w[n] = SDBBP1;
    fx_put(&fx, CODE_PA, w, n + 1);
    free(w);
}

/* ---- Count ---------------------------------------------------------------------------------- */

Test(timer, count_ticks_every_two_cycles)
{
    cr_assert_eq(count(), 0);
    cpu->cycles_extra += 1;
    cr_assert_eq(count(), 0);
    cpu->cycles_extra += 1;
    cr_assert_eq(count(), 1);
    cpu->cycles_extra += 9;
    cr_assert_eq(count(), 5);
    cpu_cp0_write(cpu, CP0_COUNT, 0, 0xFFFFFFFEu);       /* written at cycle 11 */
    cr_assert_eq(count(), 0xFFFFFFFEu);
    cpu->cycles_extra += 3;
    cr_assert_eq(count(), 0xFFFFFFFFu);
    cpu->cycles_extra += 1;
    cr_assert_eq(count(), 0);                             /* wraps */
}

Test(timer, count_advances_with_instructions)
{
    straight_line(300);
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->icount, 301);
    cr_assert_eq(cpu_cycles(cpu), 301);
    cr_assert_eq(count(), 150);
    cr_assert_eq(cpu->gpr[T3], 300);
}

/* ---- Compare ---------------------------------------------------------------------------------- */

Test(timer, compare_match_sets_ti_at_the_predicted_cycle)
{
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 50);
    cr_assert_eq(cpu->timer_cycle, 100);
    cpu->cycles_extra = 99;
    cpu_service_events(cpu);
    cr_assert_not(cpu->cp0.cause & (CA_TI | CA_IP7));
    cpu->cycles_extra = 100;
    cpu_service_events(cpu);
    cr_assert(ti());
    cr_assert_eq(count(), 50);
    cr_assert_eq(cpu->timer_cycle, 100 + (2ull << 32));  /* next match: one Count period on */
    cr_assert_eq(cpu->n.interrupts, 0);                  /* IE=0: no interrupt */

    /* Writing Compare clears TI and IP7 and schedules the next match. */
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 60);
    cr_assert_not(cpu->cp0.cause & (CA_TI | CA_IP7));
    cr_assert_eq(cpu->timer_cycle, 120);
    /* Compare == Count now: the next match is a full period away. */
    cpu_cp0_write(cpu, CP0_COMPARE, 0, count());
    cr_assert_eq(cpu->timer_cycle, 100 + (2ull << 32));
    /* Cause writes cannot set TI or IP7. */
    cpu_cp0_write(cpu, CP0_CAUSE, 0, CA_TI | CA_IP7 | CA_BD);
    cr_assert_eq(cpu->cp0.cause & (CA_TI | CA_IP7 | CA_BD), 0);
}

Test(timer, compare_after_count_write)
{
    cpu->cycles_extra = 10;
    cpu_cp0_write(cpu, CP0_COUNT, 0, 1000);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 1003);
    cr_assert_eq(cpu->timer_cycle, 16);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 999);              /* behind Count: after a wrap */
    cr_assert_eq(cpu->timer_cycle, 10 + 2 * ((1ull << 32) - 1));
}

Test(timer, ti_appears_exactly_at_the_predicted_instruction)
{
    /* Straight-line code, interrupts disabled, Compare = 50: Count reaches 50 at cycle 100,
     * i.e. after the 100th instruction. Step to 99, then one more. */
    straight_line(3000);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 50);
    cr_assert_eq(fx_run_at(&fx, CODE, 99), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(cpu->icount, 99, "icount %llu", (unsigned long long)cpu->icount);
    cr_assert_not(cpu->cp0.cause & CA_TI);
    cr_assert_eq(fx_resume(&fx, 1), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(cpu->icount, 100, "icount %llu", (unsigned long long)cpu->icount);
    cr_assert(ti());
    cr_assert_eq(count(), 50);
    cr_assert_eq(cpu->gpr[T3], 100);
    cr_assert_eq(cpu->pc, CODE + 400);
}

Test(timer, ti_is_set_while_interrupts_are_disabled)
{
    /* Whatever the event points, by the end of a run past the match TI is set and no
     * interrupt was taken. */
    straight_line(2500);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 500);
    cr_assert_eq(fx_run_at(&fx, CODE, 100000), CPU_STOP_EXIT);
    cr_assert(ti());
    cr_assert_eq(cpu->n.interrupts, 0);
    cr_assert_eq(cpu->gpr[T3], 2500);
}

/* ---- the timer interrupt ------------------------------------------------------------------------ */

Test(timer, interrupt_taken_at_the_predicted_instruction)
{
    /* IE and IM7: the interrupt is taken after the 100th instruction; EPC is the 101st. */
    straight_line(3000);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 50);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM7);
    cr_assert_eq(fx_run_at(&fx, CODE, 100000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->pc, 0x80000180u, "pc %#x", cpu->pc);
    cr_assert_eq(fx_exccode(&fx), EXC_INT);
    cr_assert_eq(cpu->cp0.epc, CODE + 400, "EPC %#x", cpu->cp0.epc);
    cr_assert_eq(cpu->gpr[T3], 100);
    cr_assert(ti());
    cr_assert(cpu->cp0.status & ST_EXL);
    cr_assert_eq(cpu->n.interrupts, 1);
    cr_assert_eq(stats_get(&fx.st, "cpu.interrupts"), 1);
    cr_assert_eq(cpu->n.exceptions[EXC_INT], 1);
    cr_assert_eq(cpu->icount, 101);                      /* + the sdbbp at the vector */
}

Test(timer, interrupt_in_a_loop_and_iv_vector)
{
    /* loop: addiu t3; b loop; nop. Match at cycle 100: after 33 iterations and one addiu,
     * the next instruction is the branch. Cause.IV selects the 0x200 vector. */
    static const uint32_t loop[] = { ADDIU(T3, T3, 1), BEQ(ZERO, ZERO, 0xFFFE), NOP };
    fx_put(&fx, CODE_PA, loop, 3);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 50);
    cpu_cp0_write(cpu, CP0_CAUSE, 0, CA_IV);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM7);
    cr_assert_eq(fx_run_at(&fx, CODE, 100000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->pc, 0x80000200u, "pc %#x", cpu->pc);
    cr_assert_eq(fx_exccode(&fx), EXC_INT);
    cr_assert_eq(cpu->cp0.epc, CODE + 4, "EPC %#x", cpu->cp0.epc);
    cr_assert_eq(cpu->gpr[T3], 34);
}

Test(timer, interrupt_masked_by_im7_exl_erl)
{
    static const uint32_t masks[] = { ST_IE, IM7, ST_IE | IM7 | ST_EXL, ST_IE | IM7 | ST_ERL };
    for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
        cpu_cp0_write(cpu, CP0_COMPARE, 0, count() + 5);
        cpu_cp0_write(cpu, CP0_STATUS, 0, masks[i]);
        cpu->cycles_extra += 20;
        cpu_service_events(cpu);
        cr_assert(ti(), "mask %#x", masks[i]);
        cr_assert_eq(cpu->n.interrupts, 0, "mask %#x", masks[i]);
        cr_assert_eq(cpu_interrupt_pending(cpu), 0);
    }
    /* Unmasking takes it at the next event point. */
    cpu->pc = CODE;
    cpu->ds_pc = 1;
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM7);
    cr_assert(cpu_interrupt_pending(cpu));
    cpu_service_events(cpu);
    cr_assert_eq(cpu->n.interrupts, 1);
    cr_assert_eq(cpu->cp0.epc, CODE);
    cr_assert_eq(cpu->pc, 0x80000180u);
}

/* ---- wait ------------------------------------------------------------------------------------------ */

Test(timer, wait_skips_to_the_timer_event)
{
    static const uint32_t prog[] = { NOP, NOP, WAIT, ADDIU(T3, T3, 1), SDBBP1 };
    fx_put(&fx, CODE_PA, prog, 5);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 1000);             /* cycle 2000 */
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM7);
    cr_assert_eq(fx_run_at(&fx, CODE, 100000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->pc, 0x80000180u);
    cr_assert_eq(fx_exccode(&fx), EXC_INT);
    cr_assert_eq(cpu->cp0.epc, CODE + 12);               /* the instruction after wait */
    cr_assert_eq(cpu->gpr[T3], 0);
    cr_assert_eq(cpu->n.idle_cycles, 2000 - 3);          /* wait was the 3rd instruction */
    cr_assert_eq(stats_get(&fx.st, "cpu.idle_cycles"), 2000 - 3);
    cr_assert_eq(cpu->icount, 4);
    cr_assert_eq(cpu_cycles(cpu), 2001);
    cr_assert_eq(count(), 1000);
    cr_assert_eq(cpu->n.interrupts, 1);
}

Test(timer, wait_with_pending_interrupt_does_not_idle)
{
    static const uint32_t prog[] = { MTC0(T0, CP0_STATUS, 0), WAIT, SDBBP1 };
    fx_put(&fx, CODE_PA, prog, 3);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 1);
    cpu->cycles_extra = 10;
    cpu_service_events(cpu);                             /* TI pending, IE still 0 */
    cr_assert(ti());
    cpu->gpr[T0] = ST_IE | IM7;
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_EXIT);
    cr_assert_eq(fx_exccode(&fx), EXC_INT);
    cr_assert_eq(cpu->cp0.epc, CODE + 4);                /* taken right after the mtc0 */
    cr_assert_eq(cpu->n.idle_cycles, 0);
}

Test(timer, wait_with_interrupts_disabled_hangs)
{
    static const uint32_t statuses[] = { 0, ST_IE, IM7, ST_IE | IM7 | ST_EXL };
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        put1(CODE_PA + 16 * (uint32_t)i, WAIT);
        cpu_cp0_write(cpu, CP0_COMPARE, 0, count() + 100);
        cpu_cp0_write(cpu, CP0_STATUS, 0, statuses[i]);
        uint64_t cyc = cpu_cycles(cpu);
        cr_assert_eq(fx_run_at(&fx, CODE + 16 * (uint32_t)i, 1000), CPU_STOP_HANG, "status %#x",
                     statuses[i]);
        cr_assert_eq(cpu_cycles(cpu) - cyc, 1, "status %#x", statuses[i]);
        cr_assert_eq(cpu->n.idle_cycles, 0);
    }
}

Test(timer, wait_with_count_stopped_hangs)
{
    put1(CODE_PA, WAIT);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 100);
    cpu_cp0_write(cpu, CP0_CAUSE, 0, CA_DC);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM7);
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_HANG);
}

/* ---- Cause.DC ---------------------------------------------------------------------------------------- */

Test(timer, cause_dc_freezes_count)
{
    cpu->cycles_extra = 40;                               /* Count 20 */
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 30);               /* due at cycle 60 */
    cpu_cp0_write(cpu, CP0_CAUSE, 0, CA_DC);
    cr_assert_eq(cpu->cp0.cause & CA_DC, CA_DC);
    cr_assert_eq(count(), 20);
    cpu->cycles_extra = 1000;
    cr_assert_eq(count(), 20);
    cpu_service_events(cpu);
    cr_assert_not(ti(), "no match while Count is stopped");
    cpu_cp0_write(cpu, CP0_COUNT, 0, 25);                 /* writable while stopped */
    cr_assert_eq(count(), 25);
    cpu->cycles_extra = 1001;
    cr_assert_eq(count(), 25);

    /* Restart: Count continues from 25; Compare 30 is 5 ticks away. */
    cpu_cp0_write(cpu, CP0_CAUSE, 0, 0);
    cr_assert_eq(count(), 25);
    cpu->cycles_extra = 1003;
    cr_assert_eq(count(), 26);
    cr_assert_eq(cpu->timer_cycle, 1001 + 10);
    cpu->cycles_extra = 1010;
    cpu_service_events(cpu);
    cr_assert_not(ti());
    cpu->cycles_extra = 1011;
    cpu_service_events(cpu);
    cr_assert(ti());
    cr_assert_eq(count(), 30);
}

/* ---- device interrupt lines and board events (cpu_set_irq_lines, dev_cycle) ---------------- */

#define IM2 (1u << (ST_IM_SHIFT + 2))
#define IP2 (1u << (CA_IP_SHIFT + 2))

/* A board whose event at dev_cycle raises IP2 if raise is set, and records when it ran. */
static struct {
    int calls, raise;
    uint64_t at[8];
} board;

static void board_event(void *ctx)
{
    (void)ctx;
    if (board.calls < 8)
        board.at[board.calls] = cpu_cycles(cpu);
    board.calls++;
    cpu_set_dev_cycle(cpu, UINT64_MAX);
    if (board.raise)
        cpu_set_irq_lines(cpu, IP2);
}

static uint64_t idle_skipped;
static void idle_hook(void *ctx, uint64_t cycles)
{
    (void)ctx;
    idle_skipped += cycles;
}

static void attach_board(uint64_t at, int raise)
{
    memset(&board, 0, sizeof(board));
    board.raise = raise;
    cpu->dev_event = board_event;
    cpu->dev_ctx = NULL;
    cpu_set_dev_cycle(cpu, at);
}

Test(timer, irq_line_is_taken_when_ie_and_im_allow)
{
    straight_line(100);
    cpu_set_irq_lines(cpu, IP2);
    cr_assert_eq(cpu->cp0.cause & CA_IP_HW, IP2);
    /* IE = 0: not taken; the code runs to its end. */
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->gpr[T3], 100);
    cr_assert_eq(cpu->n.interrupts, 0);
    /* IE = 1, IM2: taken before the first instruction, at the general vector. */
    cpu->gpr[T3] = 0;
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM2);
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->n.interrupts, 1);
    cr_assert_eq(fx_exccode(&fx), EXC_INT);
    cr_assert_eq(cpu->cp0.epc, CODE);
    cr_assert_eq(cpu->gpr[T3], 0);
    /* Lines are levels of the device: mtc0 Cause does not clear them, the device does. */
    cpu_cp0_write(cpu, CP0_CAUSE, 0, 0);
    cr_assert_eq(cpu->cp0.cause & CA_IP_HW, IP2);
    cpu_set_irq_lines(cpu, 0);
    cr_assert_eq(cpu->cp0.cause & CA_IP_HW, 0);
}

Test(timer, board_event_runs_at_its_exact_instruction)
{
    /* Events at cycles 37 and (rescheduled by hand) 1000: the service runs with exactly
     * that many instructions executed, like the timer. */
    straight_line(3000);
    attach_board(37, 0);
    cr_assert_eq(fx_run_at(&fx, CODE, 500), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(board.calls, 1);
    cr_assert_eq(board.at[0], 37);
    cpu_set_dev_cycle(cpu, 1000);
    cr_assert_eq(fx_resume(&fx, 1000), CPU_STOP_INSN_LIMIT);
    cr_assert_eq(board.calls, 2);
    cr_assert_eq(board.at[1], 1000);
    cr_assert_eq(cpu->n.interrupts, 0);
}

Test(timer, board_event_raising_a_line_interrupts_at_once)
{
    straight_line(3000);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM2);
    attach_board(250, 1);
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_EXIT);
    cr_assert_eq(cpu->n.interrupts, 1);
    cr_assert_eq(cpu->cp0.epc, CODE + 250 * 4);    /* the 251st instruction did not run */
    cr_assert_eq(cpu->gpr[T3], 250);
}

Test(timer, wait_skips_to_a_board_event_that_interrupts)
{
    /* wait with IM2 only (no timer): time jumps to the board's event at 5000, which raises
     * IP2; the interrupt is taken after the wait. */
    uint32_t code[] = { WAIT, ADDIU(T3, T3, 1), SDBBP1 };
    fx_put(&fx, CODE_PA, code, 3);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM2);
    attach_board(5000, 1);
    cpu->idle_hook = idle_hook;
    idle_skipped = 0;
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_EXIT);
    cr_assert_eq(board.calls, 1);
    cr_assert_eq(board.at[0], 5000);
    cr_assert_eq(cpu->n.interrupts, 1);
    cr_assert_eq(cpu->cp0.epc, CODE + 4);
    cr_assert_eq(cpu->n.idle_cycles, 5000 - 1);    /* the wait itself was cycle 1 */
    cr_assert_eq(idle_skipped, 5000 - 1);
    cr_assert_eq(cpu->gpr[T3], 0);
}

Test(timer, wait_goes_on_waiting_after_a_board_event_without_interrupt)
{
    /* The board's event at 3000 raises nothing: the CPU keeps waiting, until the timer
     * (Compare 4000: cycle 8000) interrupts. */
    uint32_t code[] = { WAIT, SDBBP1 };
    fx_put(&fx, CODE_PA, code, 2);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM2 | IM7);
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 4000);
    attach_board(3000, 0);
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_EXIT);
    cr_assert_eq(board.calls, 1);
    cr_assert_eq(board.at[0], 3000);
    cr_assert_eq(cpu->n.interrupts, 1);
    cr_assert(ti());
    cr_assert_eq(cpu->n.idle_cycles, 8000 - 1);
    cr_assert_eq(cpu->icount, 2);                    /* wait, then sdbbp at the vector */
}

Test(timer, wait_with_no_event_that_can_interrupt_hangs)
{
    /* IM2 enabled but the board has no event and no line is up: nothing can end it. */
    uint32_t code[] = { WAIT, SDBBP1 };
    fx_put(&fx, CODE_PA, code, 2);
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE | IM2);
    attach_board(UINT64_MAX, 0);
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_HANG);
    /* With the board's event masked (IM2 off, IM7 off): hangs too, the event not run. */
    cpu->stop = CPU_STOP_NONE;
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_IE);
    attach_board(200, 1);
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_HANG);
    cr_assert_eq(board.calls, 0);
}

/* ---- long time jumps and the simulated-time limit (issue 8) -------------------------------- */

/* A jump of many Count periods (a large cost per instruction, a vCPU descheduled for long)
 * is caught up in one call: TI set once, the next match after now. Before, each call moved
 * the timer one period, and host work grew with the square of the instructions. */
Test(timer, catch_up_skips_every_missed_period_at_once)
{
    const uint64_t period = 2ull << 32;
    cpu_cp0_write(cpu, CP0_COMPARE, 0, 50);
    cr_assert_eq(cpu->timer_cycle, 100);
    cpu->cycles_extra = 100 + 1000 * period + 7;
    cpu_service_events(cpu);
    cr_assert(ti());
    cr_assert_eq(cpu->timer_cycle, 100 + 1001 * period);
    cr_assert_eq(cpu->n.event_checks, 1);
}

/* Simulated time stops at CPU_CYCLES_MAX: the run ends (CPU_STOP_TIME_LIMIT) at the exact
 * instruction whose cycles reach it, so no counter can pass 2^63 in a report. */
Test(timer, simulated_time_limit_stops_the_machine)
{
    straight_line(300);
    cpu->cost.insn = 1000;
    cpu->cycles_extra = CPU_CYCLES_MAX - 100 * 1000;
    cr_assert_eq(fx_run_at(&fx, CODE, 1000), CPU_STOP_TIME_LIMIT);
    cr_assert_eq(cpu->icount, 100);
    cr_assert_eq(cpu_cycles(cpu), CPU_CYCLES_MAX);
    cr_assert_eq(cpu->gpr[T3], 100);
}
