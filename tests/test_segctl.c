/* tests/test_segctl.c — the segment map with Segmentation Control (core/cpu_mem.c).
 *
 * Every physical address answers with itself: RAM (1 MiB) holds its own addresses, and a
 * probe device covers the rest of the 4 GiB physical space, returning the PA it was asked
 * for (and recording the PA of the last write). So a successful cpu_load_slow tells which
 * PA an unmapped segment produced. Mapped segments go to the R4K TLB, which has no entry
 * for the addresses used here: a refill (TLBL/TLBS). Errors are AdEL/AdES with BadVAddr.
 *
 * Expected classification, from the MIPS32 PRA's SegCtl access modes (and QEMU's
 * is_seg_am_mapped): per mode user / supervisor / kernel, and kernel with ERL=1. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "core/cp0.h"
#include "fixture.h"

#define RAM_BYTES (1u << 20)

static struct fx fx;
static struct cpu *cpu;                             /* fx.cpu */
static struct mmu *mmu;                             /* fx.mmu */
static uint32_t last_write_pa;

static int probe_read(void *ctx, uint32_t off, unsigned size, uint32_t *val)
{
    (void)ctx; (void)size;
    *val = RAM_BYTES + off;
    return 0;
}

static int probe_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
    (void)ctx; (void)size; (void)val;
    last_write_pa = RAM_BYTES + off;
    return 0;
}

static void setup(void)
{
    fx_setup(&fx, RAM_BYTES, 64, NULL);
    cpu = fx.cpu;
    mmu = fx.mmu;
    for (uint32_t a = 0; a < RAM_BYTES; a += 4)          /* every word holds its own PA */
        memcpy(fx.ram + a, &a, 4);
    struct bus_device probe = { .name = "probe", .base = RAM_BYTES, .bytes = 0u - RAM_BYTES,
                                .read = probe_read, .write = probe_write };
    cr_assert_eq(bus_add_device(&fx.bus, &probe), 0);
}

static void teardown(void) { fx_teardown(&fx); }

TestSuite(segctl, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

enum mode { USER, SUPER, KERNEL, KERNEL_ERL, NMODES };
static const char *const mode_name[NMODES] = { "user", "super", "kernel", "kernel+ERL" };
enum kind { UNM, MAP, ERR };
static const char *const kind_name[] = { "unmapped", "mapped", "error" };

static void set_mode(enum mode m)
{
    static const uint32_t st[NMODES] = { 2u << ST_KSU_SHIFT, 1u << ST_KSU_SHIFT, 0,
                                         ST_ERL | 2u << ST_KSU_SHIFT };
    cpu_cp0_write(cpu, CP0_STATUS, 0, st[m]);           /* BEV=0, EXL=0 */
    cpu->cp0.cause = 0;
    cpu->cp0.badvaddr = 0;
    cpu->pc = 0x80001000u;
    cpu->ds_pc = 1;
}

/* Asserts how va behaves for loads and stores in mode m; for unmapped, the PA. */
static void expect(uint32_t va, enum mode m, enum kind k, uint32_t pa, const char *what)
{
    uint32_t v = 0xDEADBEEFu;
    set_mode(m);
    bool ok = cpu_load_slow(cpu, va, 4, &v);
    const char *mn = mode_name[m];
    switch (k) {
    case UNM:
        cr_assert(ok, "%s: va %#x %s: want %s, got ExcCode %u", what, va, mn, kind_name[k],
                  fx_exccode(&fx));
        cr_assert_eq(v, pa, "%s: va %#x %s: pa %#x, want %#x", what, va, mn, v, pa);
        last_write_pa = 0;
        cr_assert(cpu_store_slow(cpu, va, 4, 0));
        if (pa >= RAM_BYTES)
            cr_assert_eq(last_write_pa, pa, "%s: store va %#x %s", what, va, mn);
        else
            memcpy(fx.ram + pa, &pa, 4);                    /* restore the marker */
        break;
    case MAP:
        cr_assert_not(ok, "%s: va %#x %s: want %s, got pa %#x", what, va, mn, kind_name[k], v);
        cr_assert_eq(fx_exccode(&fx), EXC_TLBL, "%s: va %#x %s: ExcCode %u", what, va, mn, fx_exccode(&fx));
        cr_assert_eq(cpu->cp0.badvaddr, va);
        cr_assert_eq(cpu->pc, 0x80000000u);               /* refill vector, EXL was 0 */
        set_mode(m);
        cr_assert_not(cpu_store_slow(cpu, va, 4, 0));
        cr_assert_eq(fx_exccode(&fx), EXC_TLBS, "%s: store va %#x %s", what, va, mn);
        break;
    case ERR:
        cr_assert_not(ok, "%s: va %#x %s: want %s, got pa %#x", what, va, mn, kind_name[k], v);
        cr_assert_eq(fx_exccode(&fx), EXC_ADEL, "%s: va %#x %s: ExcCode %u", what, va, mn, fx_exccode(&fx));
        cr_assert_eq(cpu->cp0.badvaddr, va);
        cr_assert_eq(cpu->pc, 0x80000180u);
        cr_assert_eq(cpu->cp0.epc, 0x80001000u);
        set_mode(m);
        cr_assert_not(cpu_store_slow(cpu, va, 4, 0));
        cr_assert_eq(fx_exccode(&fx), EXC_ADES, "%s: store va %#x %s", what, va, mn);
        cr_assert_eq(cpu->cp0.badvaddr, va);
        break;
    }
}

/* The six segment configurations: CFG0 (kseg3) .. CFG5 (useg low). */
struct seg { const char *name; uint32_t base; int reg, hi, big; };
static const struct seg segs[6] = {
    { "CFG0 kseg3", 0xE0000000u, 0, 0, 0 }, { "CFG1 sseg", 0xC0000000u, 0, 1, 0 },
    { "CFG2 kseg1", 0xA0000000u, 1, 0, 0 }, { "CFG3 kseg0", 0x80000000u, 1, 1, 0 },
    { "CFG4 useg high", 0x40000000u, 2, 0, 1 }, { "CFG5 useg low", 0x00000000u, 2, 1, 1 },
};

static void set_cfg(const struct seg *s, uint32_t cfg)
{
    uint32_t v = cpu_cp0_read(cpu, CP0_PAGEMASK, 2 + s->reg);
    v = s->hi ? (v & 0xFFFFu) | cfg << 16 : (v & 0xFFFF0000u) | cfg;
    cpu_cp0_write(cpu, CP0_PAGEMASK, 2 + s->reg, v);
}

static uint32_t cfg_of(unsigned am, unsigned pa, int eu)
{
    return (uint32_t)pa << SC_PA_SHIFT | am << SC_AM_SHIFT | (eu ? SC_EU : 0) | 3u;
}

/* ---- registers ------------------------------------------------------------------------------ */

Test(segctl, reset_values_and_write_mask)
{
    cr_assert_eq(cpu_cp0_read(cpu, CP0_PAGEMASK, 2), 0x00200010u);
    cr_assert_eq(cpu_cp0_read(cpu, CP0_PAGEMASK, 3), 0x00030002u);
    cr_assert_eq(cpu_cp0_read(cpu, CP0_PAGEMASK, 4), 0x003A043Au);
    cr_assert_eq(cpu_cp0_read(cpu, CP0_CONFIG, 3) & (1u << 25), 1u << 25);   /* Config3.SC */
    for (int sel = 2; sel <= 4; sel++) {
        cpu_cp0_write(cpu, CP0_PAGEMASK, sel, 0xFFFFFFFFu);
        cr_assert_eq(cpu_cp0_read(cpu, CP0_PAGEMASK, sel), 0xFE7FFE7Fu, "sel %d", sel);
        cpu_cp0_write(cpu, CP0_PAGEMASK, sel, 0);
        cr_assert_eq(cpu_cp0_read(cpu, CP0_PAGEMASK, sel), 0, "sel %d", sel);
    }
    /* PageMask itself is unaffected. */
    cr_assert_eq(cpu_cp0_read(cpu, CP0_PAGEMASK, 0), 0);
}

/* ---- the legacy map (reset SegCtl) ----------------------------------------------------------- */

Test(segctl, legacy_map_per_mode)
{
    static const struct { uint32_t va; enum kind k[NMODES]; uint32_t pa; } t[] = {
        { 0x00012340u, { MAP, MAP, MAP, UNM }, 0x00012340u },          /* useg */
        { 0x7FFFFFF0u, { MAP, MAP, MAP, UNM }, 0x7FFFFFF0u },          /* useg top */
        { 0x40123450u, { MAP, MAP, MAP, UNM }, 0x40123450u },
        { 0x80012340u, { ERR, ERR, UNM, UNM }, 0x00012340u },          /* kseg0 */
        { 0x9FFFFFF0u, { ERR, ERR, UNM, UNM }, 0x1FFFFFF0u },
        { 0xA0012340u, { ERR, ERR, UNM, UNM }, 0x00012340u },          /* kseg1 */
        { 0xBFC00380u, { ERR, ERR, UNM, UNM }, 0x1FC00380u },
        { 0xC0012340u, { ERR, MAP, MAP, MAP }, 0 },                    /* sseg */
        { 0xDFFFFFF0u, { ERR, MAP, MAP, MAP }, 0 },
        { 0xE0012340u, { ERR, ERR, MAP, MAP }, 0 },                    /* kseg3 */
        { 0xFFFFFFF0u, { ERR, ERR, MAP, MAP }, 0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        for (int m = 0; m < NMODES; m++)
            expect(t[i].va, (enum mode)m, t[i].k[m], t[i].pa, "legacy");
}

Test(segctl, user_mode_with_exl_is_kernel)
{
    /* EXL=1 with KSU=user is kernel mode: kseg0 works. */
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_EXL | 2u << ST_KSU_SHIFT);
    uint32_t v;
    cr_assert(cpu_load_slow(cpu, 0x80000100u, 4, &v));
    cr_assert_eq(v, 0x100);
}

/* ---- every access mode in every segment -------------------------------------------------------- */

Test(segctl, access_modes_in_every_segment)
{
    static const struct { unsigned am; enum kind k[3]; enum kind erl[2]; } t[] = {
        /*            user super kernel   ERL: EU=0 EU=1 */
        { SC_AM_UK,    { ERR, ERR, UNM }, { UNM, UNM } },
        { SC_AM_MK,    { ERR, ERR, MAP }, { MAP, UNM } },
        { SC_AM_MSK,   { ERR, MAP, MAP }, { MAP, UNM } },
        { SC_AM_MUSK,  { MAP, MAP, MAP }, { MAP, UNM } },
        { SC_AM_MUSUK, { MAP, MAP, UNM }, { UNM, UNM } },
        { SC_AM_USK,   { ERR, UNM, UNM }, { UNM, UNM } },
        { SC_AM_UUSK,  { UNM, UNM, UNM }, { UNM, UNM } },
    };
    /* The PA field (5) puts unmapped segments at 0xA0000000 (512 MiB segments) or, for the
     * 1 GiB segments, PA[31:30] = field bits 2:1 (0x80000000). */
    const unsigned pa_field = 5;
    char what[96];
    for (int s = 0; s < 6; s++) {
        const struct seg *sg = &segs[s];
        uint32_t va = sg->base + 0x00123450u;
        uint32_t pa = sg->big ? (((uint32_t)pa_field << 29) & 0xC0000000u) | (va & 0x3FFFFFFFu)
                              : (uint32_t)pa_field << 29 | (va & 0x1FFFFFFFu);
        for (size_t a = 0; a < sizeof(t) / sizeof(t[0]); a++) {
            for (int eu = 0; eu < 2; eu++) {
                cpu_reset(cpu);
                set_cfg(sg, cfg_of(t[a].am, pa_field, eu));
                snprintf(what, sizeof(what), "%s AM %u EU %d", sg->name, t[a].am, eu);
                for (int m = USER; m <= KERNEL; m++)
                    expect(va, (enum mode)m, t[a].k[m], pa, what);
                expect(va, KERNEL_ERL, t[a].erl[eu], pa, what);
            }
        }
    }
}

Test(segctl, unmapped_pa_field_all_values)
{
    /* kseg0 (512 MiB) with every PA value: PA << 29 | offset. */
    for (unsigned pa = 0; pa < 8; pa++) {
        set_cfg(&segs[3], cfg_of(SC_AM_UK, pa, 0));
        uint32_t want = pa << 29 | 0x00ABCDE0u;
        expect(0x80ABCDE0u, KERNEL, UNM, want, "kseg0 PA");
    }
    /* useg low (1 GiB) with PA 2 and 3: PA bit 0 is not used. */
    set_cfg(&segs[5], cfg_of(SC_AM_UUSK, 2, 0));
    expect(0x3FFFFFF0u, USER, UNM, 0x7FFFFFF0u, "useg PA 2");
    set_cfg(&segs[5], cfg_of(SC_AM_UUSK, 3, 0));
    expect(0x3FFFFFF0u, USER, UNM, 0x7FFFFFF0u, "useg PA 3");
    set_cfg(&segs[4], cfg_of(SC_AM_UUSK, 6, 0));
    expect(0x40000010u, SUPER, UNM, 0xC0000010u, "useg high PA 6");
}

Test(segctl, eu_applies_only_with_erl)
{
    /* Reset useg: MUSK with EU=1. EXL (not ERL) keeps it mapped. */
    cpu_cp0_write(cpu, CP0_STATUS, 0, ST_EXL);
    uint32_t v;
    cr_assert_not(cpu_load_slow(cpu, 0x00123450u, 4, &v));
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    /* With ERL: unmapped, identity. */
    expect(0x00123450u, KERNEL_ERL, UNM, 0x00123450u, "useg ERL");
    /* Clear EU in CFG5: mapped even with ERL. */
    set_cfg(&segs[5], cfg_of(SC_AM_MUSK, 0, 0));
    expect(0x00123450u, KERNEL_ERL, MAP, 0, "useg ERL EU=0");
    /* EU on kseg3 (MK): unmapped under ERL, at its PA. */
    set_cfg(&segs[0], cfg_of(SC_AM_MK, 7, 1));
    expect(0xE0000040u, KERNEL_ERL, UNM, 0xE0000040u, "kseg3 ERL EU=1");
    expect(0xE0000040u, KERNEL, MAP, 0, "kseg3 EU=1 no ERL");
}

/* ---- the interpreter sees SegCtl changes ------------------------------------------------------- */

#define I_(op, rs, rt, imm) \
    ((uint32_t)(op) << 26 | (uint32_t)(rs) << 21 | (uint32_t)(rt) << 16 | ((uint32_t)(imm) & 0xFFFFu))
#define LW(t, o, b) I_(35, b, t, o)
#define MTC0(t, rd, sel) (0x40800000u | (uint32_t)(t) << 16 | (uint32_t)(rd) << 11 | (sel))
#define SYSCALL_ 0x0000000Cu
#define SDBBP1 0x7000007Fu
enum { T0 = 8, T1 = 9, T2 = 10, T3 = 11 };

Test(segctl, mtc0_segctl_flushes_cached_translations)
{
    /* Code in kseg1 loads from kseg0 (cached in the translation cache), makes kseg0 mapped
     * (MK) with mtc0, and loads again: a TLB refill, not a stale hit. The TLB maps the vector
     * page 0x80000000 -> PA 0 so that the handler (UHI exit) can run. */
    static const uint32_t prog[] = { LW(T1, 0, T0), MTC0(T2, 5, 3), LW(T3, 0, T0), SDBBP1 };
    fx_put(&fx, 0x10000, prog, 4);
    fx_put(&fx, 0x0, (const uint32_t[]){ SDBBP1 }, 1);
    cpu_cp0_write(cpu, CP0_INDEX, 0, 0);
    cpu_cp0_write(cpu, CP0_ENTRYHI, 0, 0x80000000u);
    cpu_cp0_write(cpu, CP0_ENTRYLO0, 0, 0u << 6 | 3);       /* PA 0, V, G */
    cpu_cp0_write(cpu, CP0_ENTRYLO1, 0, 1u << 6 | 3);
    mmu->ops->tlb_op(mmu, MMU_TLBWI);
    cpu_cp0_write(cpu, CP0_STATUS, 0, 0);
    cpu->gpr[T0] = 0x80020000u;
    cpu->gpr[T2] = (SEGCTL1_RESET & 0xFFFFu) | cfg_of(SC_AM_MK, 0, 0) << 16;
    cpu->gpr[T3] = 0x5555;
    cr_assert_eq(fx_run_at(&fx, 0xA0010000u, 10000), CPU_STOP_EXIT, "pc %#x", cpu->pc);
    cr_assert_eq(cpu->gpr[T1], 0x20000);
    cr_assert_eq(cpu->gpr[T3], 0x5555);
    cr_assert_eq(fx_exccode(&fx), EXC_TLBL);
    cr_assert_eq(cpu->cp0.badvaddr, 0x80020000u);
    cr_assert_eq(cpu->cp0.epc, 0xA0010008u);
    cr_assert_eq(cpu->pc, 0x80000000u);
}

Test(segctl, user_code_runs_from_uusk_kseg1)
{
    /* kseg1 made UUSK: user mode fetches and loads there, unmapped. */
    static const uint32_t prog[] = { LW(T1, 0, T0), SYSCALL_ };
    fx_put(&fx, 0x10000, prog, 2);
    fx_put(&fx, 0x180, (const uint32_t[]){ SDBBP1 }, 1);
    set_cfg(&segs[2], cfg_of(SC_AM_UUSK, 0, 0));
    cpu_cp0_write(cpu, CP0_STATUS, 0, 2u << ST_KSU_SHIFT);
    cpu->gpr[T0] = 0xA0020000u;
    cr_assert_eq(fx_run_at(&fx, 0xA0010000u, 10000), CPU_STOP_EXIT, "pc %#x cause %#x", cpu->pc,
                 cpu->cp0.cause);
    cr_assert_eq(cpu->gpr[T1], 0x20000);
    cr_assert_eq(fx_exccode(&fx), EXC_SYS);
    cr_assert_eq(cpu->cp0.epc, 0xA0010004u);

    /* The same code in user mode with the reset map: AdEL on the fetch. */
    cpu_reset(cpu);
    cpu_cp0_write(cpu, CP0_STATUS, 0, 2u << ST_KSU_SHIFT);
    cr_assert_eq(fx_run_at(&fx, 0xA0010000u, 10000), CPU_STOP_EXIT);
    cr_assert_eq(fx_exccode(&fx), EXC_ADEL);
    cr_assert_eq(cpu->cp0.badvaddr, 0xA0010000u);
    cr_assert_eq(cpu->cp0.epc, 0xA0010000u);
}
