/* tests/test_idle.c - the VMM's inference of a spinning idle loop (core/idle.c) on short
 * instruction sequences: what is an idle loop (waiting for something outside it) and what
 * is not (a loop making progress by itself, a loop that stores, a loop outside the
 * kernel or with interrupts off). */
#include <criterion/criterion.h>

#include <string.h>

#include "core/cp0.h"
#include "core/cpu.h"
#include "core/idle.h"

#define CODE 0x80001000u
#define R_(op, rs, rt, rd, sa, fn) \
    ((uint32_t)(op) << 26 | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | (uint32_t)(rd) << 11 | \
     (uint32_t)(sa) << 6 | (fn))
#define I_(op, rs, rt, imm) \
    ((uint32_t)(op) << 26 | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | ((uint32_t)(imm) & 0xFFFFu))
#define NOP 0u
#define B(off) I_(4, 0, 0, off)
#define BEQ(s, t, off) I_(4, s, t, off)
#define BNE(s, t, off) I_(5, s, t, off)
#define ADDIU(t, s, i) I_(9, s, t, i)
#define ADDU(d, s, t) R_(0, s, t, d, 0, 33)
#define LW(t, off, b) I_(35, b, t, off)
#define SW(t, off, b) I_(43, b, t, off)
enum { ZERO = 0, T0 = 8, T1 = 9, A0 = 4 };

static uint32_t code[16];

static int fetch(void *ctx, uint32_t va, uint32_t *insn)
{
    (void)ctx;
    if (va < CODE || va >= CODE + sizeof(code))
        return -1;
    *insn = code[(va - CODE) / 4];
    return 0;
}

static struct cpu *v;

static void setup(void)
{
    v = cpu_new(NULL, 1u << 20, NULL, 16);
    cr_assert_not_null(v);
    v->tc_mode = TC_KERNEL;
    v->cp0.status = ST_IE | (1u << (ST_IM_SHIFT + 7));
    memset(code, 0, sizeof(code));
}

static void teardown(void) { cpu_free(v); }

TestSuite(idle, .init = setup, .fini = teardown);

/* The loop's instructions are loop[0..] (code[1..]: the detector also reads the word
 * before pc); pc_word: where the guest is, in loop words. */
static uint32_t *const loop = code + 1;

static int spinning_at(unsigned pc_word)
{
    return idle_spinning(v, CODE + 4 * (1 + pc_word), fetch, NULL);
}

Test(idle, branch_to_itself_is_idle)
{
    loop[0] = B(-1);                        /* 1: b 1b */
    loop[1] = NOP;
    cr_assert(spinning_at(0));
    cr_assert(spinning_at(1), "in the delay slot too");
}

Test(idle, polling_memory_is_idle)
{
    loop[0] = LW(T0, 0, A0);                /* 1: lw t0, 0(a0) */
    loop[1] = BEQ(T0, ZERO, -2);            /*    beqz t0, 1b */
    loop[2] = NOP;
    cr_assert(spinning_at(1));
    /* A register recomputed from memory each pass, then changed: still waiting. */
    loop[0] = LW(T0, 0, A0);
    loop[1] = ADDIU(T0, T0, 1);
    loop[2] = BEQ(T0, ZERO, -3);
    loop[3] = NOP;
    cr_assert(spinning_at(0));
}

Test(idle, a_countdown_is_not_idle)
{
    /* Linux's __delay: 1: bnez a0, 1b; addiu a0, a0, -1 (the slot decrements). */
    loop[0] = BNE(A0, ZERO, -1);
    loop[1] = ADDIU(A0, A0, -1);
    cr_assert_not(spinning_at(0));
    cr_assert_not(spinning_at(1));
    /* A counter compared with a bound. */
    loop[0] = ADDIU(T0, T0, 1);
    loop[1] = BNE(T0, T1, -2);
    loop[2] = NOP;
    cr_assert_not(spinning_at(0));
    /* Accumulating into a register (read before written in the pass). */
    loop[0] = ADDU(T1, T1, T0);
    loop[1] = B(-2);
    loop[2] = NOP;
    cr_assert_not(spinning_at(1));
}

Test(idle, a_store_or_the_wrong_mode_is_not_idle)
{
    loop[0] = SW(T0, 0, A0);
    loop[1] = B(-2);
    loop[2] = NOP;
    cr_assert_not(spinning_at(0));
    loop[0] = B(-1);
    loop[1] = NOP;
    v->tc_mode = TC_USER;
    cr_assert_not(spinning_at(0));
    v->tc_mode = TC_KERNEL;
    v->cp0.status = ST_IE;                  /* the timer (IM7) masked */
    cr_assert_not(spinning_at(0));
    v->cp0.status = ST_IE | ST_EXL | (1u << (ST_IM_SHIFT + 7));
    cr_assert_not(spinning_at(0));
}
