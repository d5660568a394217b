/* dev_i8259.c - two cascaded 8259A interrupt controllers (dev_i8259.h). */
#include <string.h>

#include "dev_i8259.h"

/* Priority 0 is the highest: IR (lowest + 1) mod 8, then upwards. */
static int priority_of(const struct i8259 *s, uint8_t mask)
{
    for (int p = 0; p < 8; p++)
        if (mask & (1u << ((p + s->lowest + 1) & 7)))
            return p;
    return 8;
}

static int irq_of_priority(const struct i8259 *s, int p)
{
    return (p + s->lowest + 1) & 7;
}

/* The request this controller presents on INT, or -1: the highest-priority unmasked
 * request that outranks everything in service (in special mask mode, masked levels in
 * service do not count; in special fully nested mode the master's cascade input may
 * interrupt its own service). */
static int pending_irq(const struct i8259 *s, int master)
{
    int p = priority_of(s, s->irr & ~s->imr);
    if (p == 8)
        return -1;
    uint8_t busy = s->isr;
    if (s->special_mask)
        busy &= ~s->imr;
    if (master && s->special_fully_nested)
        busy &= ~(1u << 2);
    return p < priority_of(s, busy) ? irq_of_priority(s, p) : -1;
}

static int is_level(const struct i8259 *s, unsigned irq)
{
    return s->level_triggered || (s->elcr & (1u << irq));
}

/* Puts irq in service (the INTA or poll of the data sheet). */
static void acknowledge(struct i8259 *s, int irq)
{
    if (s->auto_eoi) {
        if (s->rotate_on_aeoi)
            s->lowest = (uint8_t)irq;
    } else {
        s->isr |= (uint8_t)(1u << irq);
    }
    if (!is_level(s, (unsigned)irq))
        s->irr &= (uint8_t)~(1u << irq);   /* a level request stays while its line is high */
}

static void set_input(struct i8259 *s, unsigned irq, int level)
{
    uint8_t m = (uint8_t)(1u << irq);
    if (is_level(s, irq)) {
        if (level)
            s->irr |= m;
        else
            s->irr &= (uint8_t)~m;
    } else if (level && !(s->level & m)) {
        s->irr |= m;                       /* rising edge */
    }
    s->level = level ? (s->level | m) : (s->level & (uint8_t)~m);
}

/* Propagates the slave's INT to master IR2 and the master's INT to the CPU. */
static void update(struct i8259_pair *p)
{
    set_input(&p->pic[0], 2, pending_irq(&p->pic[1], 0) >= 0);
    int out = pending_irq(&p->pic[0], 1) >= 0;
    if (out != p->int_out) {
        p->int_out = out;
        if (p->int_changed)
            p->int_changed(p->ctx, out);
    }
}

static void reset_one(struct i8259 *s, uint8_t elcr_mask)
{
    memset(s, 0, sizeof(*s));
    s->elcr_mask = elcr_mask;
    s->lowest = 7;
}

void i8259_pair_init(struct i8259_pair *p, void (*int_changed)(void *ctx, int level), void *ctx)
{
    memset(p, 0, sizeof(*p));
    reset_one(&p->pic[0], 0xF8);           /* PIIX4: IRQ0-2 are always edge-triggered */
    reset_one(&p->pic[1], 0xDE);           /* ... and IRQ8, IRQ13 */
    p->int_changed = int_changed;
    p->ctx = ctx;
}

void i8259_pair_set_irq(struct i8259_pair *p, unsigned irq, int level)
{
    if (irq >= 16 || irq == 2)
        return;                            /* IR2 of the master is the cascade */
    set_input(&p->pic[irq >> 3], irq & 7, level);
    update(p);
}

uint8_t i8259_pair_iack(struct i8259_pair *p)
{
    struct i8259 *m = &p->pic[0], *s = &p->pic[1];
    uint8_t vec;
    int irq = pending_irq(m, 1);
    p->n.acks++;
    if (irq < 0) {
        p->n.spurious++;
        vec = (uint8_t)(m->vector_base | 7);
    } else {
        acknowledge(m, irq);
        if (irq == 2 && (m->icw3 & 4)) {
            int sirq = pending_irq(s, 0);
            if (sirq < 0) {
                p->n.spurious++;
                vec = (uint8_t)(s->vector_base | 7);
            } else {
                acknowledge(s, sirq);
                vec = (uint8_t)(s->vector_base | sirq);
            }
        } else {
            vec = (uint8_t)(m->vector_base | irq);
        }
    }
    update(p);
    return vec;
}

/* The poll command's read: 0x80 | level of the highest request, put in service; 0 if none. */
static uint8_t poll_read(struct i8259_pair *p, int which)
{
    struct i8259 *s = &p->pic[which];
    int irq = pending_irq(s, which == 0);
    s->poll = 0;
    p->n.acks++;
    if (irq < 0)
        return 0;
    acknowledge(s, irq);
    update(p);
    return (uint8_t)(0x80 | irq);
}

uint8_t i8259_pair_read(struct i8259_pair *p, int which, unsigned reg)
{
    struct i8259 *s = &p->pic[which];
    if (s->poll)
        return poll_read(p, which);
    if (reg == 0)
        return s->read_isr ? s->isr : s->irr;
    return s->imr;
}

/* OCW2: end of interrupt and priority rotation. */
static void ocw2(struct i8259 *s, uint8_t val)
{
    int irq;
    switch (val >> 5) {
    case 0: s->rotate_on_aeoi = 0; break;             /* clear rotate in AEOI mode */
    case 4: s->rotate_on_aeoi = 1; break;             /* set rotate in AEOI mode */
    case 1: case 5: {                                 /* non-specific EOI (and rotate) */
        int pr = priority_of(s, s->isr);
        if (pr == 8)
            break;
        irq = irq_of_priority(s, pr);
        s->isr &= (uint8_t)~(1u << irq);
        if (val >> 5 == 5)
            s->lowest = (uint8_t)irq;
        break;
    }
    case 3: s->isr &= (uint8_t)~(1u << (val & 7)); break;              /* specific EOI */
    case 7: s->isr &= (uint8_t)~(1u << (val & 7)); s->lowest = val & 7; break;
    case 6: s->lowest = val & 7; break;               /* set priority */
    default: break;                                   /* 2: no operation */
    }
}

void i8259_pair_write(struct i8259_pair *p, int which, unsigned reg, uint8_t val)
{
    struct i8259 *s = &p->pic[which];
    if (reg == 0) {
        if (val & 0x10) {
            /* ICW1: the edge detectors, IMR, ISR, priorities and modes start afresh; a
             * level request stays, an edge request needs a new rising edge. */
            uint8_t level = s->level, elcr = s->elcr, mask = s->elcr_mask;
            reset_one(s, mask);
            s->elcr = elcr;
            s->level = level;
            s->level_triggered = (val >> 3) & 1;
            for (unsigned i = 0; i < 8; i++)
                if (is_level(s, i) && (level & (1u << i)))
                    s->irr |= (uint8_t)(1u << i);
            s->single = (val >> 1) & 1;
            s->icw4_needed = val & 1;
            s->init_step = 2;
        } else if (val & 0x08) {
            /* OCW3 */
            if (val & 0x04)
                s->poll = 1;
            if (val & 0x02)
                s->read_isr = val & 1;
            if (val & 0x40)
                s->special_mask = (val >> 5) & 1;
        } else {
            ocw2(s, val);
        }
    } else {
        switch (s->init_step) {
        case 2:
            s->vector_base = val & 0xF8;
            s->init_step = s->single ? (s->icw4_needed ? 4 : 0) : 3;
            break;
        case 3:
            s->icw3 = val;
            s->init_step = s->icw4_needed ? 4 : 0;
            break;
        case 4:
            s->auto_eoi = (val >> 1) & 1;
            s->special_fully_nested = (val >> 4) & 1;
            s->init_step = 0;
            break;
        default:
            s->imr = val;                                /* OCW1 */
            break;
        }
    }
    update(p);
}

uint8_t i8259_pair_elcr_read(struct i8259_pair *p, int which)
{
    return p->pic[which].elcr;
}

void i8259_pair_elcr_write(struct i8259_pair *p, int which, uint8_t val)
{
    struct i8259 *s = &p->pic[which];
    s->elcr = val & s->elcr_mask;
    /* Lines now level-triggered request while high; re-evaluate every input. */
    for (unsigned i = 0; i < 8; i++)
        if (is_level(s, i))
            s->irr = (s->level & (1u << i)) ? (s->irr | (uint8_t)(1u << i))
                                            : (s->irr & (uint8_t)~(1u << i));
    update(p);
}
