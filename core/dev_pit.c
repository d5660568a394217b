/* dev_pit.c - 8254 interval timer and port 0x61 (dev_pit.h).
 *
 * A channel's state is a function of d, the input-clock ticks since its count was loaded
 * (or its gate restarted it): OUT level, current count and the next OUT transition are
 * computed from d, never stepped. With N the initial count:
 *   mode 0  OUT low, high from d = N (interrupt on terminal count)
 *   mode 1  as mode 0 once triggered by a gate rising edge (one-shot)
 *   mode 2  OUT low only while d mod N = N-1 (rate generator: a rising edge every N)
 *   mode 3  OUT high for ceil(N/2) ticks, low for floor(N/2) (square wave)
 *   mode 4  OUT low only at d = N (software strobe); mode 5 the same once triggered. */
#include <string.h>

#include "dev_pit.h"
#include "devtime.h"

static int active(const struct pit_channel *c)
{
    if (!c->gate || c->null_count)
        return 0;
    return (c->mode == 1 || c->mode == 5) ? c->armed : 1;
}

static uint64_t ticks(const struct pit_channel *c, uint64_t now)
{
    return active(c) && now > c->load_cycle ? dev_ticks(c->load_cycle, now, PIT_HZ) : 0;
}

static int out_at(const struct pit_channel *c, uint64_t d)
{
    uint64_t n = c->count;
    if (!active(c))
        return c->mode != 0;                 /* mode 0 holds OUT low until it counts out */
    switch (c->mode) {
    case 0: case 1: return d >= n;
    case 2: return n < 2 || d % n != n - 1;
    case 3: return d % n < (n + 1) / 2;
    default: return d != n;                  /* 4, 5 */
    }
}

/* Rising edges of OUT in ticks 1..d since the load. */
static uint64_t rises(const struct pit_channel *c, uint64_t d)
{
    uint64_t n = c->count;
    if (!active(c))
        return 0;
    switch (c->mode) {
    case 0: case 1: return d >= n;
    case 2: return n < 2 ? 0 : d / n;
    case 3: return n < 2 ? 0 : d / n;
    default: return d >= n + 1;
    }
}

/* The tick of the next OUT transition after d, or 0 for none. */
static uint64_t next_transition(const struct pit_channel *c, uint64_t d)
{
    uint64_t n = c->count, r;
    if (!active(c))
        return 0;
    switch (c->mode) {
    case 0: case 1: return d < n ? n : 0;
    case 2:
        if (n < 2)
            return 0;
        r = d % n;
        return r < n - 1 ? d - r + n - 1 : d - r + n;
    case 3:
        if (n < 2)
            return 0;
        r = d % n;
        return r < (n + 1) / 2 ? d - r + (n + 1) / 2 : d - r + n;
    default:
        return d < n ? n : d < n + 1 ? n + 1 : 0;
    }
}

static uint32_t current_count(const struct pit_channel *c, uint64_t now)
{
    uint64_t d = ticks(c, now), n = c->count;
    uint32_t v;
    if (!active(c))
        v = (uint32_t)n;
    else if (c->mode == 2)
        v = (uint32_t)(n - d % n);
    else if (c->mode == 3)
        v = (uint32_t)(n - (2 * d) % n);       /* counts down by two per tick */
    else
        v = (uint32_t)((n - d) & 0xFFFF);
    v &= 0xFFFF;
    if (c->bcd)                                /* binary 0..9999 to BCD */
        v = (v % 10) | ((v / 10) % 10) << 4 | ((v / 100) % 10) << 8 | ((v / 1000) % 10) << 12;
    return v;
}

static void report_out0(struct pit *p, uint64_t now)
{
    struct pit_channel *c = &p->ch[0];
    uint64_t d = ticks(c, now);
    int out = out_at(c, d);
    uint64_t r = rises(c, d);
    if (r > p->rises_reported) {
        /* A rising edge happened since the last report: the PIC must see one even if the
         * level is the same again (a late service, several periods at once). */
        if (c->out) {
            p->out0_changed(p->ctx, 0);
        }
        p->out0_changed(p->ctx, 1);
        c->out = 1;
        p->rises_reported = r;
    }
    if (out != c->out) {
        c->out = out;
        p->out0_changed(p->ctx, out);
    }
}

void pit_service(struct pit *p, uint64_t now)
{
    struct pit_channel *c = &p->ch[0];
    report_out0(p, now);
    p->next_event = DEV_NEVER;
    if (!active(c))
        return;
    uint64_t t = next_transition(c, ticks(c, now));
    if (t)
        p->next_event = dev_tick_cycle(c->load_cycle, t, PIT_HZ);
}

static uint32_t bcd_decode(uint32_t v)
{
    return (v & 0xF) + ((v >> 4) & 0xF) * 10 + ((v >> 8) & 0xF) * 100 + ((v >> 12) & 0xF) * 1000;
}

static void load(struct pit *p, struct pit_channel *c, uint32_t v, uint64_t now)
{
    if (c->bcd)
        v = bcd_decode(v);
    c->count = v ? v : (c->bcd ? 10000 : 65536);
    c->load_cycle = now;
    c->null_count = 0;
    c->armed = 0;
    if (c == &p->ch[0])
        p->rises_reported = 0;
}

void pit_init(struct pit *p, uint64_t now, void (*out0_changed)(void *ctx, int level), void *ctx)
{
    memset(p, 0, sizeof(*p));
    p->out0_changed = out0_changed;
    p->ctx = ctx;
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        c->mode = 3;                           /* OUT high: a first mode 2/3 is no edge */
        c->out = 1;
        c->rw = 3;
        c->gate = i != 2;
        c->count = 65536;
        c->null_count = 1;                     /* not counting until programmed */
    }
    pit_service(p, now);
}

static void set_mode(struct pit_channel *c, uint8_t val)
{
    c->rw = (val >> 4) & 3;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4;                          /* 6, 7 are modes 2, 3 */
    c->bcd = val & 1;
    c->write_msb_next = c->read_msb_next = 0;
    c->latched = c->status_latched = 0;
    c->null_count = 1;                         /* stopped until a count is written */
}

static void latch_count(struct pit_channel *c, uint64_t now)
{
    if (c->latched)
        return;                                /* a second latch before reading is ignored */
    c->latch_value = (uint16_t)current_count(c, now);
    c->latched = 1;
    c->latched_msb_next = 0;
}

static void latch_status(struct pit_channel *c, uint64_t now)
{
    if (c->status_latched)
        return;
    int out = out_at(c, ticks(c, now));
    c->status_value = (uint8_t)(out << 7 | c->null_count << 6 | c->rw << 4 | c->mode << 1 | c->bcd);
    c->status_latched = 1;
}

void pit_write(struct pit *p, unsigned port, uint8_t val, uint64_t now)
{
    pit_service(p, now);
    if (port == 3) {
        unsigned sc = val >> 6;
        if (sc == 3) {
            /* Read-back: bits 1-3 select channels, bit 5 = 0 latches counts, bit 4 = 0
             * latches status. */
            for (int i = 0; i < 3; i++) {
                if (!(val & (2u << i)))
                    continue;
                if (!(val & 0x20))
                    latch_count(&p->ch[i], now);
                if (!(val & 0x10))
                    latch_status(&p->ch[i], now);
            }
        } else if (((val >> 4) & 3) == 0) {
            latch_count(&p->ch[sc], now);
        } else {
            set_mode(&p->ch[sc], val);
        }
    } else {
        struct pit_channel *c = &p->ch[port];
        switch (c->rw) {
        case 1: load(p, c, val, now); break;
        case 2: load(p, c, (uint32_t)val << 8, now); break;
        default:
            if (!c->write_msb_next) {
                c->write_lsb = val;
                c->write_msb_next = 1;
                if (c->mode == 0)
                    c->null_count = 1;         /* mode 0: the first byte stops the count */
            } else {
                c->write_msb_next = 0;
                load(p, c, c->write_lsb | (uint32_t)val << 8, now);
            }
            break;
        }
    }
    pit_service(p, now);
}

uint8_t pit_read(struct pit *p, unsigned port, uint64_t now)
{
    if (port == 3)
        return 0xFF;                           /* the control word register is write-only */
    struct pit_channel *c = &p->ch[port];
    if (c->status_latched) {
        c->status_latched = 0;
        return c->status_value;
    }
    uint32_t v;
    int msb;
    if (c->latched) {
        v = c->latch_value;
        if (c->rw == 3) {
            msb = c->latched_msb_next;
            c->latched_msb_next ^= 1;
            if (msb)
                c->latched = 0;
        } else {
            msb = c->rw == 2;
            c->latched = 0;
        }
    } else {
        v = current_count(c, now);
        if (c->rw == 3) {
            msb = c->read_msb_next;
            c->read_msb_next ^= 1;
        } else {
            msb = c->rw == 2;
        }
    }
    return (uint8_t)(msb ? v >> 8 : v);
}

uint8_t pit_port61_read(struct pit *p, uint64_t now)
{
    const struct pit_channel *c = &p->ch[2];
    /* Refresh request toggles every 15.085 us (bit 4); OUT2 is bit 5. */
    uint8_t refresh = (uint8_t)((dev_ns(now) / 15085) & 1);
    return (uint8_t)((p->port61 & 0x0F) | refresh << 4 | out_at(c, ticks(c, now)) << 5);
}

void pit_port61_write(struct pit *p, uint8_t val, uint64_t now)
{
    struct pit_channel *c = &p->ch[2];
    int gate = val & 1;
    if (gate && !c->gate) {
        c->load_cycle = now;                   /* a rising gate (re)starts the count */
        c->armed = 1;
    }
    c->gate = (uint8_t)gate;
    p->port61 = val & 0x0F;
}
