/* test_emul.c - the VMM's instruction-emulation helpers (core/emul.c) and the contract the
 * VMM relies on: at the exception entry point, cpu->pc is the trapping instruction and
 * cpu->npc where execution continues after it (the branch destination in a delay slot). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/cpu.h"
#include "core/emul.h"
#include "fixture.h"

#define I_(op, s, t, imm) ((uint32_t)(op) << 26 | (uint32_t)(s) << 21 | (uint32_t)(t) << 16 | ((imm) & 0xFFFFu))
#define LB(t, o, b) I_(32, b, t, o)
#define LH(t, o, b) I_(33, b, t, o)
#define LW(t, o, b) I_(35, b, t, o)
#define LBU(t, o, b) I_(36, b, t, o)
#define LHU(t, o, b) I_(37, b, t, o)
#define SB(t, o, b) I_(40, b, t, o)
#define SH(t, o, b) I_(41, b, t, o)
#define SW(t, o, b) I_(43, b, t, o)
#define LWL(t, o, b) I_(34, b, t, o)
#define LL(t, o, b) I_(48, b, t, o)
#define SWL(t, o, b) I_(42, b, t, o)
#define SWR(t, o, b) I_(46, b, t, o)
#define SC(t, o, b) I_(56, b, t, o)
#define ADDIU(t, s, i) I_(9, s, t, i)
#define BEQ(s, t, off) I_(4, s, t, off)
#define BNE(s, t, off) I_(5, s, t, off)
#define ADDU(d, s, t) ((uint32_t)(s) << 21 | (uint32_t)(t) << 16 | (uint32_t)(d) << 11 | 0x21u)
#define SDBBP1 0x7000007Fu
#define NOP 0u

enum { T0 = 8, T1 = 9, T2 = 10, T3 = 11 };

Test(emul, decodes_loads_and_stores)
{
    uint32_t gpr[33] = { 0 };
    gpr[T0] = 0xB8000000u;
    gpr[T1] = 0x12345687u;
    static const struct {
        uint32_t insn;
        int store; unsigned size; int sign; unsigned reg; uint32_t va, value;
    } cases[] = {
        { LB(T2, 0x3FD, T0), 0, 1, 1, T2, 0xB80003FDu, 0 },
        { LBU(T2, -3, T0), 0, 1, 0, T2, 0xB7FFFFFDu, 0 },
        { LH(T2, 2, T0), 0, 2, 1, T2, 0xB8000002u, 0 },
        { LHU(T2, 2, T0), 0, 2, 0, T2, 0xB8000002u, 0 },
        { LW(0, 4, T0), 0, 4, 0, 32, 0xB8000004u, 0 },             /* to $zero: the sink */
        { SB(T1, 0x3F8, T0), 1, 1, 0, T1, 0xB80003F8u, 0x87 },
        { SH(T1, 0, T0), 1, 2, 0, T1, 0xB8000000u, 0x5687 },
        { SW(T1, 8, T0), 1, 4, 0, T1, 0xB8000008u, 0x12345687u },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct emul_mem m;
        cr_assert_eq(emul_decode_mem(cases[i].insn, gpr, &m), 0, "case %zu", i);
        cr_assert_eq(m.store, cases[i].store, "case %zu", i);
        cr_assert_eq(m.size, cases[i].size, "case %zu", i);
        cr_assert_eq(m.sign, cases[i].sign, "case %zu", i);
        cr_assert_eq(m.reg, cases[i].reg, "case %zu", i);
        cr_assert_eq(m.va, cases[i].va, "case %zu", i);
        cr_assert_eq(m.value, cases[i].value, "case %zu", i);
    }
}

Test(emul, refuses_what_is_not_a_simple_load_or_store)
{
    uint32_t gpr[33] = { 0 };
    struct emul_mem m;
    cr_assert_eq(emul_decode_mem(ADDU(T2, T0, T1), gpr, &m), -1);
    cr_assert_eq(emul_decode_mem(LWL(T2, 0, T0), gpr, &m), -1);
    cr_assert_eq(emul_decode_mem(LL(T2, 0, T0), gpr, &m), -1);
    cr_assert_eq(emul_decode_mem(0xFC000000u, gpr, &m), -1);    /* reserved opcode 63 */
}

Test(emul, finishes_loads_with_their_extension)
{
    uint32_t gpr[33] = { 0 };
    struct emul_mem m;
    gpr[T0] = 0x1000;
    emul_decode_mem(LB(T2, 0, T0), gpr, &m);
    emul_finish_load(&m, 0x80, gpr);
    cr_assert_eq(gpr[T2], 0xFFFFFF80u);
    emul_decode_mem(LBU(T2, 0, T0), gpr, &m);
    emul_finish_load(&m, 0x1F80, gpr);
    cr_assert_eq(gpr[T2], 0x80u);
    emul_decode_mem(LH(T2, 0, T0), gpr, &m);
    emul_finish_load(&m, 0x8001, gpr);
    cr_assert_eq(gpr[T2], 0xFFFF8001u);
    emul_decode_mem(LHU(T2, 0, T0), gpr, &m);
    emul_finish_load(&m, 0x18001, gpr);
    cr_assert_eq(gpr[T2], 0x8001u);
    emul_decode_mem(LW(T2, 0, T0), gpr, &m);
    emul_finish_load(&m, 0xDEADBEEFu, gpr);
    cr_assert_eq(gpr[T2], 0xDEADBEEFu);
}

Test(emul, decodes_every_store_width_as_a_word_change)
{
    uint32_t gpr[33] = { 0 };
    struct emul_store st;
    gpr[T0] = 0x80002000u;
    gpr[T1] = 0xA1B2C3D4u;
    cr_assert_eq(emul_decode_store(SB(T1, 3, T0), gpr, &st), 0);
    cr_assert_eq(st.va, 0x80002003u);
    cr_assert_eq(st.word_va, 0x80002000u);
    cr_assert_eq(st.mask, 0xFF000000u);
    cr_assert_eq(emul_store_merge(&st, 0x11223344u), 0xD4223344u);
    cr_assert_eq(emul_decode_store(SC(0, 4, T0), gpr, &st), 0);
    cr_assert_eq(st.sc, 1);
    cr_assert_eq(st.sc_reg, 32);                    /* sc to $zero: the sink */
    cr_assert_eq(emul_decode_store(LW(T2, 0, T0), gpr, &st), -1);
    cr_assert_eq(emul_decode_store(LWL(T2, 0, T0), gpr, &st), -1);
}

/* ---- the exception-entry contract, with a handler that emulates a device ---------------- */

static struct fx fx;
static uint32_t device[4];                 /* a pretend device at physical 0x10000000 */
static unsigned traps;
static uint32_t seen_pc, seen_npc, seen_ds;

/* Emulates the trapped access against `device` and continues at cpu->npc, as a VMM does. */
static void emulate(struct cpu *cpu, const struct cpu_exc *e)
{
    uint32_t insn;
    cr_assert_eq(e->code, EXC_DBE);
    memcpy(&insn, fx.ram + (cpu->pc & 0x1FFFFFFFu), 4);
    struct emul_mem m;
    cr_assert_eq(emul_decode_mem(insn, cpu->gpr, &m), 0);
    uint32_t *reg = &device[(m.va >> 2) & 3];
    if (m.store)
        *reg = m.value;
    else
        emul_finish_load(&m, *reg, cpu->gpr);
    traps++;
    seen_pc = cpu->pc;
    seen_npc = cpu->npc;
    seen_ds = cpu->ds_pc;
    cpu->pc = cpu->npc;
    cpu->npc = cpu->pc + 4;
}

static void setup(void)
{
    fx_setup(&fx, 1u << 20, 16, NULL);
    fx.cpu->exception = emulate;
    memset(device, 0, sizeof(device));
    traps = 0;
}

static void teardown(void) { fx_teardown(&fx); }

TestSuite(emul_entry, .init = setup, .fini = teardown);

#define CODE 0x80001000u

Test(emul_entry, straight_line_access_continues_at_the_next_instruction)
{
    const uint32_t prog[] = { SW(T1, 4, T0), LW(T2, 4, T0), ADDIU(T3, T2, 1), SDBBP1 };
    fx_put(&fx, CODE & 0x1FFFFFFFu, prog, 4);
    fx.cpu->gpr[T0] = 0xB0000000u;
    fx.cpu->gpr[T1] = 41;
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_EXIT);
    cr_assert_eq(traps, 2);
    cr_assert_eq(seen_pc, CODE + 4);
    cr_assert_eq(seen_npc, CODE + 8);
    cr_assert_eq(seen_ds, 1);                       /* not a delay slot */
    cr_assert_eq(device[1], 41);
    cr_assert_eq(fx.cpu->gpr[T3], 42);
}

Test(emul_entry, access_in_a_taken_branch_delay_slot_continues_at_the_target)
{
    /* beq $0,$0 -> CODE+0x10; the slot stores to the device; the fall-through must not run */
    const uint32_t prog[] = { BEQ(0, 0, 3), SW(T1, 0, T0), ADDIU(T3, T3, 100), SDBBP1,
                              ADDIU(T3, T3, 1), SDBBP1 };
    fx_put(&fx, CODE & 0x1FFFFFFFu, prog, 6);
    fx.cpu->gpr[T0] = 0xB0000000u;
    fx.cpu->gpr[T1] = 7;
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_EXIT);
    cr_assert_eq(traps, 1);
    cr_assert_eq(seen_pc, CODE + 4);
    cr_assert_eq(seen_npc, CODE + 0x10);
    cr_assert_eq(seen_ds, CODE + 4);                /* in a delay slot: EPC would be CODE */
    cr_assert_eq(device[0], 7);
    cr_assert_eq(fx.cpu->gpr[T3], 1);
}

Test(emul_entry, access_in_a_not_taken_branch_delay_slot_continues_after_it)
{
    const uint32_t prog[] = { BNE(0, 0, 3), SW(T1, 0, T0), ADDIU(T3, T3, 100), SDBBP1,
                              ADDIU(T3, T3, 1), SDBBP1 };
    fx_put(&fx, CODE & 0x1FFFFFFFu, prog, 6);
    fx.cpu->gpr[T0] = 0xB0000000u;
    fx.cpu->gpr[T1] = 9;
    cr_assert_eq(fx_run_at(&fx, CODE, 100), CPU_STOP_EXIT);
    cr_assert_eq(traps, 1);
    cr_assert_eq(seen_npc, CODE + 8);
    cr_assert_eq(seen_ds, CODE + 4);
    cr_assert_eq(device[0], 9);
    cr_assert_eq(fx.cpu->gpr[T3], 100);
}

/* emul_decode_store merges exactly as the interpreter stores: every width at every byte
 * offset it allows, on the same old word. */
Test(emul_entry, store_merge_matches_the_interpreter)
{
    static const struct { uint32_t op; unsigned step; } ops[] = {
        { 40, 1 }, { 41, 2 }, { 43, 4 }, { 42, 1 }, { 46, 1 },     /* sb sh sw swl swr */
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        for (unsigned b = 0; b < 4; b += ops[i].step) {
            const uint32_t old = 0x11223344u;
            const uint32_t prog[] = { I_(ops[i].op, T0, T1, b), SDBBP1 };
            fx_put(&fx, 0x2000, &old, 1);
            fx_put(&fx, CODE & 0x1FFFFFFFu, prog, 2);
            fx.cpu->gpr[T0] = 0x80002000u;
            fx.cpu->gpr[T1] = 0xA1B2C3D4u;
            cr_assert_eq(fx_run_at(&fx, CODE, 10), CPU_STOP_EXIT);
            uint32_t got;
            memcpy(&got, fx.ram + 0x2000, 4);
            struct emul_store st;
            cr_assert_eq(emul_decode_store(prog[0], fx.cpu->gpr, &st), 0);
            cr_assert_eq(st.word_va, 0x80002000u);
            cr_assert_eq(emul_store_merge(&st, old), got, "op %u offset %u", ops[i].op, b);
        }
    }
}
