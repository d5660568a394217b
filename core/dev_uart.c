/* dev_uart.c - NS16550A UART (dev_uart.h). */
#include <string.h>

#include "console.h"
#include "dev_uart.h"
#include "devtime.h"
#include "uart.h"

enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define IER_RDI 0x01u
#define IER_THRI 0x02u
#define IER_RLSI 0x04u
#define IER_MSI 0x08u
#define IIR_NONE 0x01u
#define IIR_MSI 0x00u
#define IIR_THRI 0x02u
#define IIR_RDI 0x04u
#define IIR_RLSI 0x06u
#define IIR_CTI 0x0Cu
#define IIR_FIFO 0xC0u
#define FCR_ENABLE 0x01u
#define FCR_CLEAR_RX 0x02u
#define FCR_CLEAR_TX 0x04u
#define LCR_DLAB 0x80u
#define MCR_DTR 0x01u
#define MCR_RTS 0x02u
#define MCR_OUT1 0x04u
#define MCR_OUT2 0x08u
#define MCR_LOOP 0x10u
#define LSR_DR 0x01u
#define LSR_OE 0x02u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u
#define MSR_CTS 0x10u
#define MSR_DSR 0x20u
#define MSR_RI 0x40u
#define MSR_DCD 0x80u

static int fifo_on(const struct ns16550 *u) { return (u->fcr & FCR_ENABLE) != 0; }
static unsigned rx_capacity(const struct ns16550 *u) { return fifo_on(u) ? NS16550_FIFO : 1; }

/* Cycles per character: start bit, 5-8 data bits, parity, 1-2 stop bits, at the baud
 * rate 115200 / divisor (1.8432 MHz clock). */
static uint64_t char_cycles(const struct ns16550 *u)
{
    unsigned div = (unsigned)u->dll | (unsigned)u->dlm << 8;
    unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr >> 3) & 1) + 1 + ((u->lcr >> 2) & 1);
    uint64_t ns = (uint64_t)bits * (div ? div : 65536) * DEV_NS_PER_SEC / 115200;
    uint64_t c = dev_cycle_at_ns(ns);
    return c ? c : 1;
}

static unsigned trigger_level(const struct ns16550 *u)
{
    static const unsigned lvl[4] = { 1, 4, 8, 14 };
    return fifo_on(u) ? lvl[u->fcr >> 6] : 1;
}

/* Modem status as the pins show it: looped back from MCR in loopback mode, otherwise
 * a modem that is present and ready (CTS, DSR, DCD; no ring). */
static uint8_t msr_status(uint8_t mcr)
{
    if (!(mcr & MCR_LOOP))
        return MSR_CTS | MSR_DSR | MSR_DCD;
    return (uint8_t)(((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
                     ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0));
}

static int cti_due(const struct ns16550 *u, uint64_t now)
{
    return fifo_on(u) && u->rx_count > 0 && u->rx_count < trigger_level(u) &&
           now >= u->rx_last + 4 * char_cycles(u);
}

/* The interrupt the UART identifies now (IIR bits 3:0), by the data sheet's priority. */
static uint8_t pending(const struct ns16550 *u, uint64_t now)
{
    if ((u->ier & IER_RLSI) && u->lsr_err)
        return IIR_RLSI;
    if (u->ier & IER_RDI) {
        if (u->rx_count >= trigger_level(u))
            return IIR_RDI;
        if (cti_due(u, now))
            return IIR_CTI;
    }
    if ((u->ier & IER_THRI) && u->thri)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && u->msr_delta)
        return IIR_MSI;
    return IIR_NONE;
}

static void schedule(struct ns16550 *u, uint64_t now)
{
    uint64_t next = u->rx_next;
    if ((u->ier & IER_RDI) && fifo_on(u) && u->rx_count > 0 && u->rx_count < trigger_level(u)) {
        uint64_t cti = u->rx_last + 4 * char_cycles(u);
        if (cti > now && cti < next)
            next = cti;
    }
    u->next_event = next;
}

static void update(struct ns16550 *u, uint64_t now)
{
    int level = pending(u, now) != IIR_NONE;
    if (level != u->irq) {
        u->irq = level;
        if (u->irq_changed)
            u->irq_changed(u->ctx, level);
    }
    schedule(u, now);
}

static void rx_push(struct ns16550 *u, uint8_t b, uint64_t now)
{
    if (u->rx_count == rx_capacity(u)) {
        u->lsr_err |= LSR_OE;                 /* overrun: the byte is lost */
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % NS16550_FIFO] = b;
    u->rx_count++;
    u->rx_bytes++;
    u->rx_last = now;
}

/* Plans the next pull from the host input: one character time after the last arrival,
 * and not before now, while the receive interrupt is enabled and the FIFO has room. */
static void plan_rx(struct ns16550 *u, uint64_t now)
{
    if (!u->input || u->input_done || !(u->ier & IER_RDI) || (u->mcr & MCR_LOOP) ||
        u->rx_count >= rx_capacity(u)) {
        u->rx_next = DEV_NEVER;
        return;
    }
    if (u->rx_next != DEV_NEVER)
        return;                               /* already planned */
    uint64_t t = u->rx_last + char_cycles(u);
    u->rx_next = t > now ? t : now + char_cycles(u);
}

void ns16550_service(struct ns16550 *u, uint64_t now)
{
    while (u->rx_next <= now) {
        if (u->sink && u->input->interactive)
            uart_flush(u->sink);              /* a prompt is out before input is awaited */
        int b = console_in_take(u->input);
        u->rx_next = DEV_NEVER;
        if (b == CONSOLE_EOF) {
            u->input_done = 1;
            break;
        }
        if (b == CONSOLE_NONE) {
            /* Interactive and nothing typed: look again one character time later (the
             * line stays idle: the character timeout runs on). */
            u->rx_next = now + char_cycles(u);
            break;
        }
        rx_push(u, (uint8_t)b, now);
        plan_rx(u, now);
    }
    update(u, now);
}

void ns16550_init(struct ns16550 *u, struct uart *sink, struct console_in *input,
                  void (*irq_changed)(void *ctx, int level), void *ctx)
{
    memset(u, 0, sizeof(*u));
    u->sink = sink;
    u->input = input;
    u->irq_changed = irq_changed;
    u->ctx = ctx;
    u->dll = 12;                              /* 9600 baud until software sets a divisor */
    u->lcr = 0x03;
    u->rx_next = u->next_event = DEV_NEVER;
}

static uint8_t rx_pop(struct ns16550 *u, uint64_t now)
{
    if (!u->rx_count)
        return 0;
    uint8_t b = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % NS16550_FIFO;
    u->rx_count--;
    u->rx_last = now;                         /* a read restarts the timeout */
    return b;
}

static void transmit(struct ns16550 *u, uint8_t b, uint64_t now)
{
    u->tx_bytes++;
    if (u->mcr & MCR_LOOP)
        rx_push(u, b, now);                   /* loopback: the byte comes straight back */
    else if (u->sink)
        uart_out(u->sink, b);
    u->thri = 1;                              /* THR is empty again at once */
}

uint8_t ns16550_read(struct ns16550 *u, unsigned reg, uint64_t now)
{
    uint8_t v;
    ns16550_service(u, now);
    switch (reg) {
    case RBR:
        if (u->lcr & LCR_DLAB) {
            v = u->dll;
        } else {
            v = rx_pop(u, now);
            plan_rx(u, now);
        }
        break;
    case IER: v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier; break;
    case IIR: {
        uint8_t id = pending(u, now);
        if (id == IIR_THRI)
            u->thri = 0;                      /* reading IIR acknowledges THRE */
        v = (uint8_t)(id | (fifo_on(u) ? IIR_FIFO : 0));
        break;
    }
    case LCR: v = u->lcr; break;
    case MCR: v = u->mcr; break;
    case LSR:
        v = (uint8_t)((u->rx_count ? LSR_DR : 0) | u->lsr_err | LSR_THRE | LSR_TEMT);
        u->lsr_err = 0;
        break;
    case MSR:
        v = (uint8_t)(msr_status(u->mcr) | u->msr_delta);
        u->msr_delta = 0;
        break;
    default: v = u->scr; break;
    }
    update(u, now);
    return v;
}

void ns16550_write(struct ns16550 *u, unsigned reg, uint8_t val, uint64_t now)
{
    ns16550_service(u, now);
    switch (reg) {
    case RBR:
        if (u->lcr & LCR_DLAB)
            u->dll = val;
        else
            transmit(u, val, now);
        break;
    case IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = val;
        } else {
            if ((val & IER_THRI) && !(u->ier & IER_THRI))
                u->thri = 1;                  /* enabling THRE with THR empty interrupts */
            if ((val & IER_RDI) && !(u->ier & IER_RDI) &&
                (u->rx_bytes == 0 || u->rx_last + char_cycles(u) < now))
                u->rx_last = now;             /* input (re)starts a character time from now */
            u->ier = val & 0x0F;
            u->rx_next = DEV_NEVER;
            plan_rx(u, now);
        }
        break;
    case IIR: {                               /* FCR */
        uint8_t old = u->fcr;
        u->fcr = val & 0xC9;
        if ((old ^ u->fcr) & FCR_ENABLE)
            u->rx_count = u->rx_head = 0;     /* switching the FIFOs clears them */
        if (val & FCR_CLEAR_RX)
            u->rx_count = u->rx_head = 0;
        plan_rx(u, now);
        break;
    }
    case LCR: u->lcr = val; break;
    case MCR: {
        uint8_t before = msr_status(u->mcr), after;
        u->mcr = val & 0x1F;
        after = msr_status(u->mcr);
        uint8_t changed = before ^ after;
        if (changed & MSR_CTS) u->msr_delta |= 0x01;
        if (changed & MSR_DSR) u->msr_delta |= 0x02;
        if ((before & MSR_RI) && !(after & MSR_RI)) u->msr_delta |= 0x04;   /* trailing edge */
        if (changed & MSR_DCD) u->msr_delta |= 0x08;
        u->rx_next = DEV_NEVER;
        plan_rx(u, now);
        break;
    }
    case SCR: u->scr = val; break;
    default: break;                           /* LSR, MSR: read-only */
    }
    update(u, now);
}
