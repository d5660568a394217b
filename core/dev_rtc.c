/* dev_rtc.c - MC146818A real-time clock (dev_rtc.h).
 *
 * The clock is a count of nanoseconds: offset_ns + dev_ns(cycle) while it runs, frozen_ns
 * while SET or the divider stops it. Time registers are computed from it when read; while
 * SET=1 they are plain bytes that software writes, and clearing SET makes them the time
 * (keeping the divider's phase within the second). Register C's flags are brought up to
 * date lazily (when C is read, when an enabled flag is due): every update (second
 * boundary) and periodic tick between the last check and now is accounted for. */
#include <string.h>

#include "dev_rtc.h"
#include "devtime.h"

enum { SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5, WDAY = 6,
       MDAY = 7, MONTH = 8, YEAR = 9, REG_A = 10, REG_B = 11, REG_C = 12, REG_D = 13,
       CENTURY = 0x32 };
#define A_UIP 0x80u
#define B_SET 0x80u
#define B_PIE 0x40u
#define B_AIE 0x20u
#define B_UIE 0x10u
#define B_DM 0x04u                  /* binary (else BCD) */
#define B_24H 0x02u
#define C_IRQF 0x80u
#define C_PF 0x40u
#define C_AF 0x20u
#define C_UF 0x10u
#define D_VRT 0x80u
#define UIP_NS 244140u              /* 8 periods of the 32.768 kHz time base */
#define NS 1000000000ull

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int binary(const struct rtc *r) { return (r->ram[REG_B] & B_DM) != 0; }

static uint8_t to_reg(const struct rtc *r, unsigned v)
{
    return (uint8_t)(binary(r) ? v : ((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const struct rtc *r, uint8_t v)
{
    return binary(r) ? v : (v >> 4) * 10 + (v & 0xF);
}

static uint8_t hour_to_reg(const struct rtc *r, unsigned h)
{
    if (r->ram[REG_B] & B_24H)
        return to_reg(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(to_reg(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const struct rtc *r, uint8_t v)
{
    if (r->ram[REG_B] & B_24H)
        return from_reg(r, v);
    unsigned h = from_reg(r, v & 0x7F) % 12;
    return h + ((v & 0x80) ? 12 : 0);
}

/* The time registers (0-9 except the alarms, and the century) for 'secs' since 1970. */
static void fill_time(struct rtc *r, uint64_t secs)
{
    int64_t y;
    unsigned mo, d;
    uint64_t days = secs / 86400, s = secs % 86400;
    civil_from_days((int64_t)days, &y, &mo, &d);
    r->ram[SEC] = to_reg(r, (unsigned)(s % 60));
    r->ram[MIN] = to_reg(r, (unsigned)(s / 60 % 60));
    r->ram[HOUR] = hour_to_reg(r, (unsigned)(s / 3600));
    r->ram[WDAY] = to_reg(r, (unsigned)((days + 4) % 7) + 1);   /* 1970-01-01 was a Thursday */
    r->ram[MDAY] = to_reg(r, d);
    r->ram[MONTH] = to_reg(r, mo);
    r->ram[YEAR] = to_reg(r, (unsigned)(y % 100));
    r->ram[CENTURY] = to_reg(r, (unsigned)(y / 100));
}

/* Seconds since 1970 that the time registers say. */
static uint64_t regs_time(const struct rtc *r)
{
    unsigned y = from_reg(r, r->ram[CENTURY]) * 100 + from_reg(r, r->ram[YEAR]);
    unsigned mo = from_reg(r, r->ram[MONTH]), d = from_reg(r, r->ram[MDAY]);
    if (mo < 1 || mo > 12)
        mo = 1;
    if (d < 1 || d > 31)
        d = 1;
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + (int64_t)hour_from_reg(r, r->ram[HOUR]) % 24 * 3600 +
                   (int64_t)from_reg(r, r->ram[MIN]) % 60 * 60 + from_reg(r, r->ram[SEC]) % 60;
    return secs > 0 ? (uint64_t)secs : 0;
}

static uint64_t time_ns(const struct rtc *r, uint64_t now)
{
    return r->running ? (uint64_t)(r->offset_ns + (int64_t)dev_ns(now)) : r->frozen_ns;
}

static int divider_runs(const struct rtc *r)
{
    return ((r->ram[REG_A] >> 4) & 7) <= 2;
}

/* Periodic rate: the period in cycles of the 32.768 kHz time base, 0 for none. */
static unsigned period_32k(const struct rtc *r)
{
    unsigned rs = r->ram[REG_A] & 0xF;
    if (rs == 0)
        return 0;
    return rs < 3 ? 64u << rs : 1u << (rs - 1);
}

static uint64_t periodic_index(uint64_t t_ns, unsigned period)
{
    return (uint64_t)((unsigned __int128)t_ns * 32768 / ((unsigned __int128)NS * period));
}

static uint64_t periodic_time(uint64_t index, unsigned period)
{
    unsigned __int128 num = (unsigned __int128)index * NS * period;
    return (uint64_t)((num + 32767) / 32768);
}

/* Does the alarm match time 'secs' (values 0xC0-0xFF do not care)? */
static int alarm_matches(const struct rtc *r, uint64_t secs)
{
    uint64_t s = secs % 86400;
    uint8_t a;
    a = r->ram[SEC_ALARM];
    if (a < 0xC0 && from_reg(r, a) != s % 60)
        return 0;
    a = r->ram[MIN_ALARM];
    if (a < 0xC0 && from_reg(r, a) != s / 60 % 60)
        return 0;
    a = r->ram[HOUR_ALARM];
    if (a < 0xC0 && hour_from_reg(r, a) != s / 3600)
        return 0;
    return 1;
}

static uint8_t irqf(const struct rtc *r)
{
    uint8_t c = r->ram[REG_C], b = r->ram[REG_B];
    return ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
           ((c & C_UF) && (b & B_UIE)) ? C_IRQF : 0;
}

/* Sets the flags of every update and periodic tick in (flags_ns, time now]. */
static void update_flags(struct rtc *r, uint64_t now)
{
    uint64_t t1 = time_ns(r, now), t0 = r->flags_ns;
    if (!r->running || t1 <= t0) {
        r->flags_ns = t1 > t0 ? t1 : t0;
        return;
    }
    uint64_t s0 = t0 / NS, s1 = t1 / NS;
    if (s1 > s0) {
        r->ram[REG_C] |= C_UF;
        uint64_t first = s1 - s0 > 86400 ? s1 - 86400 : s0 + 1;   /* a day covers every alarm */
        for (uint64_t s = first; s <= s1 && !(r->ram[REG_C] & C_AF); s++)
            if (alarm_matches(r, s))
                r->ram[REG_C] |= C_AF;
    }
    unsigned p = period_32k(r);
    if (p && periodic_index(t1, p) > periodic_index(t0, p))
        r->ram[REG_C] |= C_PF;
    r->flags_ns = t1;
}

static void report_irq(struct rtc *r)
{
    r->ram[REG_C] = (uint8_t)((r->ram[REG_C] & ~C_IRQF) | irqf(r));
    int level = (r->ram[REG_C] & C_IRQF) != 0;
    if (level != r->irq) {
        r->irq = level;
        if (r->irq_changed)
            r->irq_changed(r->ctx, level);
    }
}

/* When may an enabled flag next be set (while IRQF is clear)? */
static void schedule(struct rtc *r, uint64_t now)
{
    r->next_event = DEV_NEVER;
    if (!r->running || r->irq)
        return;
    uint64_t t = time_ns(r, now), next = UINT64_MAX;
    uint8_t b = r->ram[REG_B];
    if (b & (B_UIE | B_AIE))
        next = (t / NS + 1) * NS;
    unsigned p = period_32k(r);
    if ((b & B_PIE) && p) {
        uint64_t pt = periodic_time(periodic_index(t, p) + 1, p);
        if (pt < next)
            next = pt;
    }
    if (next != UINT64_MAX)
        r->next_event = dev_cycle_at_ns((uint64_t)((int64_t)next - r->offset_ns));
}

void rtc_service(struct rtc *r, uint64_t now)
{
    update_flags(r, now);
    report_irq(r);
    schedule(r, now);
}

/* Starts or stops the clock at cycle now (SET, divider), keeping its time. */
static void set_running(struct rtc *r, uint64_t now, int run)
{
    if (run == r->running)
        return;
    if (run) {
        r->offset_ns = (int64_t)r->frozen_ns - (int64_t)dev_ns(now);
    } else {
        r->frozen_ns = time_ns(r, now);
    }
    r->running = run;
}

/* Makes the time registers the clock's time, keeping the phase within the second. */
static void set_from_regs(struct rtc *r, uint64_t now)
{
    uint64_t phase = time_ns(r, now) % NS;
    int run = r->running;
    set_running(r, now, 0);
    r->frozen_ns = regs_time(r) * NS + phase;
    r->flags_ns = r->frozen_ns;
    set_running(r, now, run);
}

void rtc_init(struct rtc *r, uint64_t now, void (*irq_changed)(void *ctx, int level), void *ctx)
{
    memset(r, 0, sizeof(*r));
    r->irq_changed = irq_changed;
    r->ctx = ctx;
    r->ram[REG_A] = 0x26;                 /* 32.768 kHz time base, 1024 Hz periodic rate */
    r->ram[REG_B] = B_24H;                /* BCD, 24-hour */
    r->ram[REG_D] = D_VRT;
    r->frozen_ns = RTC_EPOCH * NS;        /* the first update comes 1 s after cycle 0 */
    r->flags_ns = r->frozen_ns;
    fill_time(r, RTC_EPOCH);
    set_running(r, now, 1);
    schedule(r, now);
}

uint8_t rtc_read(struct rtc *r, unsigned port, uint64_t now)
{
    if (port == 0)
        return 0xFF;                          /* the index port is write-only */
    unsigned i = r->index;
    uint8_t v;
    switch (i) {
    case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MONTH: case YEAR: case CENTURY:
        if (!(r->ram[REG_B] & B_SET))
            fill_time(r, time_ns(r, now) / NS);
        v = r->ram[i];
        break;
    case REG_A: {
        uint64_t t = time_ns(r, now);
        int uip = r->running && t % NS >= NS - UIP_NS;
        v = (uint8_t)((r->ram[REG_A] & 0x7F) | (uip ? A_UIP : 0));
        break;
    }
    case REG_C:
        update_flags(r, now);
        report_irq(r);
        v = r->ram[REG_C];
        r->ram[REG_C] = 0;                    /* reading C clears every flag */
        report_irq(r);
        schedule(r, now);
        break;
    default:
        v = r->ram[i];
        break;
    }
    return v;
}

void rtc_write(struct rtc *r, unsigned port, uint8_t val, uint64_t now)
{
    if (port == 0) {
        r->index = val & 0x7F;                /* bit 7: the PC's NMI mask, not the RTC's */
        return;
    }
    unsigned i = r->index;
    update_flags(r, now);
    switch (i) {
    case SEC: case MIN: case HOUR: case WDAY: case MDAY: case MONTH: case YEAR: case CENTURY:
        if (!(r->ram[REG_B] & B_SET)) {
            /* A running clock takes the new field at once (as QEMU): the others keep
             * their current values. */
            fill_time(r, time_ns(r, now) / NS);
            r->ram[i] = val;
            set_from_regs(r, now);
        } else {
            r->ram[i] = val;
        }
        break;
    case REG_A: {
        int was = divider_runs(r);
        r->ram[REG_A] = val & 0x7F;
        if (was && !divider_runs(r)) {
            set_running(r, now, 0);
        } else if (!was && divider_runs(r) && !(r->ram[REG_B] & B_SET)) {
            /* Released from reset: the first update comes 500 ms later. */
            r->frozen_ns = r->frozen_ns / NS * NS + NS / 2;
            r->flags_ns = r->frozen_ns;
            set_running(r, now, 1);
        }
        break;
    }
    case REG_B: {
        uint8_t old = r->ram[REG_B];
        if (val & B_SET)
            val &= (uint8_t)~B_UIE;           /* setting SET clears UIE */
        if ((val & B_SET) && !(old & B_SET)) {
            fill_time(r, time_ns(r, now) / NS);   /* software edits the current time */
            set_running(r, now, 0);
            r->ram[REG_B] = val;
        } else if (!(val & B_SET) && (old & B_SET)) {
            r->ram[REG_B] = val;
            set_from_regs(r, now);
            set_running(r, now, divider_runs(r));
        } else {
            r->ram[REG_B] = val;
        }
        break;
    }
    case REG_C: case REG_D:
        break;                                /* read-only */
    default:
        r->ram[i] = val;
        break;
    }
    report_irq(r);
    schedule(r, now);
}
