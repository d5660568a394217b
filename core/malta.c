/* malta.c - the Malta board: address decode, ISA port dispatch, interrupt routing and the
 * devices' events (malta.h). Devices take the cycle of each access as an argument; the
 * board asks its host for it and tells the host when its lines or its next event change. */
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "devtime.h"
#include "malta.h"
#include "stats.h"

#define MALTA_FLASH_BASE 0x1E000000u
#define MALTA_FLASH_BYTES 0x400000u

static uint64_t now(struct malta *m) { return m->host.now(m->host.ctx); }

/* ---- interrupt routing ---- */

static void set_line(struct malta *m, unsigned ip, int level)
{
    uint32_t bit = 1u << (8 + ip), old = m->ip;
    m->ip = level ? (m->ip | bit) : (m->ip & ~bit);
    if (m->ip != old)
        m->host.irq_lines(m->host.ctx, m->ip);
}

static void pic_int(void *ctx, int level) { set_line(ctx, 2, level); }
static void cbus_int(void *ctx, int level) { set_line(ctx, 4, level); }
static void pit_irq(void *ctx, int level) { i8259_pair_set_irq(&((struct malta *)ctx)->pic, 0, level); }
static void com2_irq(void *ctx, int level) { i8259_pair_set_irq(&((struct malta *)ctx)->pic, 3, level); }
static void com1_irq(void *ctx, int level) { i8259_pair_set_irq(&((struct malta *)ctx)->pic, 4, level); }
static void rtc_irq(void *ctx, int level) { i8259_pair_set_irq(&((struct malta *)ctx)->pic, 8, level); }
static uint8_t gt_iack(void *ctx) { return i8259_pair_iack(&((struct malta *)ctx)->pic); }
static void board_poweroff(void *ctx)
{
    struct malta *m = ctx;
    m->host.poweroff(m->host.ctx);
}

/* ---- events ---- */

static void update_events(struct malta *m)
{
    uint64_t next = m->pit.next_event;
    const uint64_t other[] = { m->rtc.next_event, m->com1.next_event, m->com2.next_event,
                               m->cbus.next_event };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (other[i] < next)
            next = other[i];
    if (next != m->next_event) {
        m->next_event = next;
        m->host.events(m->host.ctx, next);
    }
}

void malta_service(struct malta *m)
{
    uint64_t t = now(m);
    if (m->pit.next_event <= t)
        pit_service(&m->pit, t);
    if (m->rtc.next_event <= t)
        rtc_service(&m->rtc, t);
    if (m->com1.next_event <= t)
        ns16550_service(&m->com1, t);
    if (m->com2.next_event <= t)
        ns16550_service(&m->com2, t);
    if (m->cbus.next_event <= t)
        ns16550_service(&m->cbus, t);
    update_events(m);
}

/* ---- unmodelled accesses ---- */

static void unmodelled(struct malta *m, uint32_t pa, unsigned size, int write, const char *what)
{
    m->n.unmodelled++;
    if (write)
        m->n.unmodelled_writes++;
    else
        m->n.unmodelled_reads++;
    if (!m->report_unmodelled)
        return;
    uint32_t key = (pa & ~1u) | (write ? 1u : 0u);      /* pa >= MALTA_DEV_BASE: never 0 */
    for (unsigned i = 0; i < m->nseen; i++)
        if (m->seen[i] == key)
            return;
    if (m->nseen < MALTA_UNMODELLED_SEEN) {
        m->seen[m->nseen++] = key;
        fprintf(stderr, "tlbvisor: %sunmodelled device: %s of %u byte%s at 0x%08x (%s)\n",
                m->name, write ? "store" : "load", size, size == 1 ? "" : "s", pa, what);
    } else if (m->nseen == MALTA_UNMODELLED_SEEN) {
        m->nseen++;
        fprintf(stderr, "tlbvisor: %sunmodelled device: more addresses, not shown "
                "(devices.unmodelled counts them)\n", m->name);
    }
}

/* ---- ISA / PCI I/O ports ---- */

/* One byte from an 8-bit ISA device at port; -1 if nothing answers. */
static int io_read8(struct malta *m, uint32_t port, uint64_t t)
{
    switch (port) {
    case 0x20: case 0x21: return i8259_pair_read(&m->pic, 0, port & 1);
    case 0xA0: case 0xA1: return i8259_pair_read(&m->pic, 1, port & 1);
    case 0x40: case 0x41: case 0x42: case 0x43: return pit_read(&m->pit, port - 0x40, t);
    case 0x61: return pit_port61_read(&m->pit, t);
    case 0x70: case 0x71: return rtc_read(&m->rtc, port - 0x70, t);
    case 0x4D0: case 0x4D1: return i8259_pair_elcr_read(&m->pic, port & 1);
    }
    if (port >= 0x3F8 && port < 0x400)
        return ns16550_read(&m->com1, port - 0x3F8, t);
    if (port >= 0x2F8 && port < 0x300)
        return ns16550_read(&m->com2, port - 0x2F8, t);
    return -1;
}

static int io_write8(struct malta *m, uint32_t port, uint8_t v, uint64_t t)
{
    switch (port) {
    case 0x20: case 0x21: i8259_pair_write(&m->pic, 0, port & 1, v); return 0;
    case 0xA0: case 0xA1: i8259_pair_write(&m->pic, 1, port & 1, v); return 0;
    case 0x40: case 0x41: case 0x42: case 0x43: pit_write(&m->pit, port - 0x40, v, t); return 0;
    case 0x61: pit_port61_write(&m->pit, v, t); return 0;
    case 0x70: case 0x71: rtc_write(&m->rtc, port - 0x70, v, t); return 0;
    case 0x4D0: case 0x4D1: i8259_pair_elcr_write(&m->pic, port & 1, v); return 0;
    }
    if (port >= 0x3F8 && port < 0x400) {
        ns16550_write(&m->com1, port - 0x3F8, v, t);
        return 0;
    }
    if (port >= 0x2F8 && port < 0x300) {
        ns16550_write(&m->com2, port - 0x2F8, v, t);
        return 0;
    }
    return -1;
}

/* The PM registers, if enabled and port falls in them: their offset, else -1. */
static int pm_offset(const struct malta *m, uint32_t port)
{
    int base = piix4_pm_base(&m->piix4);
    return base >= 0 && port >= (uint32_t)base && port - (uint32_t)base < PIIX4_PM_BYTES
               ? (int)(port - (uint32_t)base) : -1;
}

static uint32_t io_read(struct malta *m, uint32_t pa, uint32_t port, unsigned size, uint64_t t)
{
    int pm = pm_offset(m, port);
    if (pm >= 0)
        return piix4_pm_read(&m->piix4, (unsigned)pm, size, t);
    /* The ISA devices are 8 bits wide: a wider access is a sequence of byte cycles. */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        int b = io_read8(m, port + i, t);
        if (b < 0) {
            unmodelled(m, pa + i, 1, 0, "ISA/PCI I/O port");
            b = 0xFF;                          /* nothing drives the bus */
        }
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void io_write(struct malta *m, uint32_t pa, uint32_t port, unsigned size, uint32_t v,
                     uint64_t t)
{
    int pm = pm_offset(m, port);
    if (pm >= 0) {
        if (piix4_pm_write(&m->piix4, (unsigned)pm, size, v) != 0)
            unmodelled(m, pa, size, 1, "PIIX4 suspend state other than soft off");
        return;
    }
    for (unsigned i = 0; i < size; i++)
        if (io_write8(m, port + i, (uint8_t)(v >> (8 * i)), t) != 0)
            unmodelled(m, pa + i, 1, 1, "ISA/PCI I/O port");
}

/* ---- the device range ---- */

static int board_read(void *ctx, uint32_t off, unsigned size, uint32_t *val)
{
    struct malta *m = ctx;
    uint32_t pa = MALTA_DEV_BASE + off, o;
    uint64_t t = now(m);
    m->n.accesses++;
    switch (gt64120_decode(&m->gt, pa, &o)) {
    case GT_WIN_REGS:
        *val = gt64120_read(&m->gt, o, size);
        break;
    case GT_WIN_PCI_IO:
        *val = io_read(m, pa, o, size, t);
        break;
    case GT_WIN_PCI_MEM:
        unmodelled(m, pa, size, 0, "PCI memory");
        *val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
        break;
    default:
        if (pa >= MALTA_FPGA_BASE && pa - MALTA_FPGA_BASE < MALTA_FPGA_BYTES) {
            uint32_t fo = pa - MALTA_FPGA_BASE;
            if (fo >= MALTA_FPGA_UART && fo < MALTA_FPGA_UART + 8 * 8) {
                *val = ns16550_read(&m->cbus, (fo - MALTA_FPGA_UART) >> 3, t);
            } else if (fpga_read(&m->fpga, fo & ~3u, val) != 0) {
                unmodelled(m, pa, size, 0, "Malta FPGA");
                *val = 0;
            } else if (size < 4) {
                *val = (*val >> (8 * (fo & 3))) & ((1u << (8 * size)) - 1);
            }
        } else if (pa >= MALTA_ROM_BASE) {
            uint32_t w = (pa & ~3u) == MALTA_ROM_BASE + 0x10 ? MALTA_REVISION : 0;
            *val = size < 4 ? (w >> (8 * (pa & 3))) & ((1u << (8 * size)) - 1) : w;
        } else {
            unmodelled(m, pa, size, 0, pa >= MALTA_FLASH_BASE && pa - MALTA_FLASH_BASE <
                       MALTA_FLASH_BYTES ? "monitor flash" : "nothing decoded");
            *val = 0;
        }
        break;
    }
    update_events(m);
    return 0;
}

static int board_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
    struct malta *m = ctx;
    uint32_t pa = MALTA_DEV_BASE + off, o;
    uint64_t t = now(m);
    m->n.accesses++;
    switch (gt64120_decode(&m->gt, pa, &o)) {
    case GT_WIN_REGS:
        gt64120_write(&m->gt, o, size, val);
        break;
    case GT_WIN_PCI_IO:
        io_write(m, pa, o, size, val, t);
        break;
    case GT_WIN_PCI_MEM:
        unmodelled(m, pa, size, 1, "PCI memory");
        break;
    default:
        if (pa >= MALTA_FPGA_BASE && pa - MALTA_FPGA_BASE < MALTA_FPGA_BYTES) {
            uint32_t fo = pa - MALTA_FPGA_BASE;
            if (fo >= MALTA_FPGA_UART && fo < MALTA_FPGA_UART + 8 * 8)
                ns16550_write(&m->cbus, (fo - MALTA_FPGA_UART) >> 3, (uint8_t)val, t);
            else if (fpga_write(&m->fpga, fo & ~3u, size < 4 ? val << (8 * (fo & 3)) : val) != 0)
                unmodelled(m, pa, size, 1, "Malta FPGA");
        } else {
            unmodelled(m, pa, size, 1, pa >= MALTA_ROM_BASE ? "boot ROM" :
                       pa >= MALTA_FLASH_BASE && pa - MALTA_FLASH_BASE < MALTA_FLASH_BYTES
                           ? "monitor flash" : "nothing decoded");
        }
        break;
    }
    update_events(m);
    return 0;
}

void malta_init(struct malta *m, const struct malta_host *host, struct uart *console,
                struct console_in *input)
{
    memset(m, 0, sizeof(*m));
    m->host = *host;
    m->name = "";
    uint64_t t = now(m);
    i8259_pair_init(&m->pic, pic_int, m);
    gt64120_init(&m->gt, gt_iack, m);
    piix4_init(&m->piix4, board_poweroff, m);
    gt64120_add_func(&m->gt, 10, 0, &m->piix4.isa);
    gt64120_add_func(&m->gt, 10, 3, &m->piix4.pm);
    pit_init(&m->pit, t, pit_irq, m);
    rtc_init(&m->rtc, t, rtc_irq, m);
    ns16550_init(&m->com1, console, input, com1_irq, m);
    ns16550_init(&m->com2, NULL, NULL, com2_irq, m);
    ns16550_init(&m->cbus, NULL, NULL, cbus_int, m);
    fpga_init(&m->fpga, board_poweroff, m);
    m->next_event = DEV_NEVER;
    update_events(m);
}

int malta_attach(struct malta *m, struct bus *bus)
{
    struct bus_device d = { .name = "malta", .base = MALTA_DEV_BASE, .bytes = MALTA_DEV_BYTES,
                            .ctx = m, .read = board_read, .write = board_write };
    return bus_add_device(bus, &d);
}

void malta_register_stats(struct malta *m, struct stats *st, const char *prefix)
{
    stats_add(st, &m->n.unmodelled, "%sdevices.unmodelled", prefix);
    stats_add(st, &m->n.unmodelled_reads, "%sdevices.unmodelled_reads", prefix);
    stats_add(st, &m->n.unmodelled_writes, "%sdevices.unmodelled_writes", prefix);
    stats_add(st, &m->pic.n.acks, "%sdevices.i8259.acks", prefix);
    stats_add(st, &m->pic.n.spurious, "%sdevices.i8259.spurious", prefix);
    stats_add(st, &m->gt.n.master_aborts, "%sdevices.pci.master_aborts", prefix);
    stats_add(st, &m->com1.tx_bytes, "%sdevices.com1.tx_bytes", prefix);
    stats_add(st, &m->com1.rx_bytes, "%sdevices.com1.rx_bytes", prefix);
}
