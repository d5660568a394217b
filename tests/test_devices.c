/* tests/test_devices.c - the Malta board's device models (core/dev_*.c, core/malta.c,
 * core/malta_boot.c, core/console.c), driven directly with a fake clock.
 *
 * Exact figures: device time is cycles at 3 ns (core/devtime.h), so event cycles are
 * computed as the header says: the first cycle whose time has reached the event, e.g. the
 * PIT's tick k of 1.193182 MHz at cycle ceil(ceil(k * 1e9 / 1193182) / 3). Each such
 * number is written out with its derivation. Behaviour checked against QEMU 7.2 as well is
 * in guest/bare/tests/malta_board.c (run on both by tests/e2e/bare.sh). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bus.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/devtime.h"
#include "core/malta.h"
#include "core/stats.h"
#include "core/uart.h"

/* ---- a fake host: the clock, the lines and the events the board reports ---- */
static uint64_t now_cycle;
static uint32_t lines;
static uint64_t next_event;
static int poweroffs;
static struct malta m;
static struct bus bus;

static uint64_t host_now(void *ctx) { (void)ctx; return now_cycle; }
static void host_lines(void *ctx, uint32_t ip) { (void)ctx; lines = ip; }
static void host_events(void *ctx, uint64_t next) { (void)ctx; next_event = next; }
static void host_poweroff(void *ctx) { (void)ctx; poweroffs++; }

static void board_setup(void)
{
    static const struct malta_host h = { .now = host_now, .irq_lines = host_lines,
                                         .events = host_events, .poweroff = host_poweroff };
    now_cycle = 0;
    lines = 0;
    next_event = 0;
    poweroffs = 0;
    malta_init(&m, &h, NULL, NULL);
    bus_init(&bus, NULL, 0);
    cr_assert_eq(malta_attach(&m, &bus), 0);
}

static uint32_t rd(uint32_t pa, unsigned size)
{
    uint32_t v = 0xDEADBEEF;
    cr_assert_eq(bus_read(&bus, pa, size, &v), 0);
    return v;
}

static void wr(uint32_t pa, unsigned size, uint32_t v)
{
    cr_assert_eq(bus_write(&bus, pa, size, v), 0);
}

#define IO 0x18000000u
static uint8_t inb(uint32_t port) { return (uint8_t)rd(IO + port, 1); }
static void outb(uint32_t port, uint8_t v) { wr(IO + port, 1, v); }
static uint8_t cmos(unsigned r) { outb(0x70, (uint8_t)r); return inb(0x71); }
static void cmos_w(unsigned r, uint8_t v) { outb(0x70, (uint8_t)r); outb(0x71, v); }
#define GT 0x1BE00000u
#define IP2 (1u << 10)
#define IP4 (1u << 12)

/* Linux's init_8259A: bases 0x00/0x08, cascade on IR2, all masked but the cascade. */
static void pic_init(void)
{
    static const uint8_t seq[][2] = {
        { 0x21, 0xFF }, { 0xA1, 0xFF }, { 0x20, 0x11 }, { 0x21, 0x00 }, { 0x21, 0x04 },
        { 0x21, 0x01 }, { 0xA0, 0x11 }, { 0xA1, 0x08 }, { 0xA1, 0x02 }, { 0xA1, 0x01 },
        { 0x21, 0xFB }, { 0xA1, 0xFF },
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
        outb(seq[i][0], seq[i][1]);
}

static uint8_t iack(void) { return (uint8_t)rd(GT + 0xC34, 4); }

TestSuite(pic, .init = board_setup);

Test(pic, edge_request_acknowledge_and_eoi)
{
    pic_init();
    outb(0x21, 0xEA);                       /* unmask IRQ0, IRQ2 (cascade), IRQ4 */
    cr_assert_eq(lines, 0);
    i8259_pair_set_irq(&m.pic, 4, 1);
    cr_assert_eq(lines, IP2);               /* master INT is the CPU's IP2 */
    i8259_pair_set_irq(&m.pic, 0, 1);
    cr_assert_eq(iack(), 0x00);             /* IRQ0 outranks IRQ4 */
    cr_assert_eq(lines, 0, "IRQ0 in service blocks IRQ4");
    outb(0x20, 0x0B);                       /* OCW3: read ISR */
    cr_assert_eq(inb(0x20), 0x01);
    outb(0x20, 0x20);                       /* non-specific EOI */
    cr_assert_eq(lines, IP2);
    cr_assert_eq(iack(), 0x04);
    outb(0x20, 0x0A);                       /* OCW3: read IRR */
    cr_assert_eq(inb(0x20), 0x00);
    outb(0x20, 0x64);                       /* specific EOI for IR4 */
    cr_assert_eq(lines, 0);
    /* An edge request stays requested after its line falls, until acknowledged. */
    i8259_pair_set_irq(&m.pic, 0, 0);
    i8259_pair_set_irq(&m.pic, 4, 0);
    i8259_pair_set_irq(&m.pic, 4, 1);
    i8259_pair_set_irq(&m.pic, 4, 0);
    cr_assert_eq(lines, IP2);
    cr_assert_eq(iack(), 0x04);
    outb(0x20, 0x20);
    cr_assert_eq(m.pic.n.acks, 3);
    cr_assert_eq(m.pic.n.spurious, 0);
}

Test(pic, cascade_masks_spurious_and_poll)
{
    pic_init();
    outb(0xA1, 0xFE);                       /* unmask IRQ8 */
    i8259_pair_set_irq(&m.pic, 8, 1);
    cr_assert_eq(lines, IP2);
    cr_assert_eq(iack(), 0x08);             /* the slave's vector through the cascade */
    cr_assert_eq(lines, 0);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    /* Masked: requested but not presented. */
    i8259_pair_set_irq(&m.pic, 3, 1);
    cr_assert_eq(lines, 0);
    outb(0x20, 0x0A);
    cr_assert_eq(inb(0x20), 0x08);
    /* Acknowledge with nothing pending: IR7's vector, nothing put in service. */
    cr_assert_eq(iack(), 0x07);
    cr_assert_eq(m.pic.n.spurious, 1);
    outb(0x20, 0x0B);
    cr_assert_eq(inb(0x20), 0x00);
    /* Poll command: the next read is 0x80 | level and puts it in service. */
    outb(0x21, 0xF3);                       /* unmask IRQ3 */
    outb(0x20, 0x0C);
    cr_assert_eq(inb(0x20), 0x83);
    outb(0x20, 0x0B);
    cr_assert_eq(inb(0x20), 0x08);
    outb(0x20, 0x0C);
    cr_assert_eq(inb(0x20), 0x00, "nothing else pending");
}

Test(pic, elcr_level_and_rotation)
{
    pic_init();
    outb(0x21, 0x00);
    /* ELCR: IRQ0-2 stay edge; IRQ5 level: requested while high, even after INTA. */
    outb(0x4D0, 0xFF);
    cr_assert_eq(inb(0x4D0), 0xF8);
    outb(0x4D1, 0xFF);
    cr_assert_eq(inb(0x4D1), 0xDE);
    outb(0x4D1, 0x00);
    outb(0x4D0, 0x20);
    i8259_pair_set_irq(&m.pic, 5, 1);
    cr_assert_eq(iack(), 0x05);
    outb(0x20, 0x20);
    cr_assert_eq(lines, IP2, "a level request is presented again after its EOI");
    i8259_pair_set_irq(&m.pic, 5, 0);
    cr_assert_eq(lines, 0);
    /* Rotate on specific EOI: IR3 becomes the lowest priority, IR4 the highest. */
    outb(0x4D0, 0x00);
    i8259_pair_set_irq(&m.pic, 3, 1);
    i8259_pair_set_irq(&m.pic, 6, 1);
    cr_assert_eq(iack(), 0x03);
    outb(0x20, 0xE3);                       /* rotate on specific EOI, IR3 */
    i8259_pair_set_irq(&m.pic, 3, 0);
    i8259_pair_set_irq(&m.pic, 3, 1);
    cr_assert_eq(iack(), 0x06, "IR6 now outranks IR3");
    outb(0x20, 0x20);
    cr_assert_eq(iack(), 0x03);
}

Test(pic, auto_eoi)
{
    outb(0x20, 0x11);
    outb(0x21, 0x20);
    outb(0x21, 0x04);
    outb(0x21, 0x03);                       /* ICW4: 8086 mode, automatic EOI */
    outb(0x21, 0x00);
    i8259_pair_set_irq(&m.pic, 1, 1);
    cr_assert_eq(iack(), 0x21);
    outb(0x20, 0x0B);
    cr_assert_eq(inb(0x20), 0x00, "AEOI: never in service");
}

/* ---- PIT ---- */

TestSuite(pit, .init = board_setup);

Test(pit, not_counting_at_reset)
{
    cr_assert_eq(m.pit.next_event, DEV_NEVER);
    cr_assert_eq(m.next_event, DEV_NEVER);
    outb(0x43, 0xE2);                       /* read-back status, channel 0 */
    cr_assert_eq(inb(0x40), 0xF6);          /* OUT high, null count, LSB/MSB, "mode 3" */
}

Test(pit, rate_generator_interrupts_every_period)
{
    pic_init();
    outb(0x21, 0xFA);                       /* IRQ0 */
    outb(0x43, 0x34);                       /* channel 0, LSB/MSB, mode 2 */
    outb(0x40, 1000 & 0xFF);
    outb(0x40, 1000 >> 8);
    /* Loaded at cycle 0: OUT falls at tick 999, rises at tick 1000 (the interrupt), ...
     * tick k begins at cycle ceil(ceil(k * 1e9 / 1193182) / 3): 999 -> 279086,
     * 1000 -> 279366, 1999 -> 558451, 2000 -> 558731. */
    cr_assert_eq(next_event, 279086);
    now_cycle = 279086;
    malta_service(&m);
    cr_assert_eq(lines, 0);
    cr_assert_eq(next_event, 279366);
    now_cycle = 279365;
    malta_service(&m);
    cr_assert_eq(lines, 0, "not yet");
    now_cycle = 279366;
    malta_service(&m);
    cr_assert_eq(lines, IP2);
    cr_assert_eq(iack(), 0x00);
    outb(0x20, 0x20);
    cr_assert_eq(next_event, 558451);
    /* Late service (several periods at once): one edge reaches the PIC. */
    now_cycle = 2000000;
    malta_service(&m);
    cr_assert_eq(lines, IP2);
    /* Counter latch at cycle 2000000: tick floor(2000000 * 3 * 1193182 / 1e9) = 7159,
     * count 1000 - 7159 mod 1000 = 841. */
    outb(0x43, 0x00);
    cr_assert_eq(inb(0x40), 841 & 0xFF);
    cr_assert_eq(inb(0x40), 841 >> 8);
}

Test(pit, one_shot_square_wave_bcd_and_port61)
{
    /* Mode 0, count 100: OUT high at tick 100 (cycle 27937), then no more events. */
    now_cycle = 1000;
    outb(0x43, 0x30);
    outb(0x40, 100);
    outb(0x40, 0);
    cr_assert_eq(m.pit.next_event, 1000 + 27937);
    now_cycle = 1000 + 27937;
    malta_service(&m);
    cr_assert_eq(m.pit.next_event, DEV_NEVER);
    outb(0x43, 0xE2);
    cr_assert_eq(inb(0x40), 0xB0);
    /* Mode 3 with BCD count 1000 (written 0x1000): OUT high for 500 ticks, low for 500. */
    outb(0x43, 0x37);
    now_cycle = 0;
    outb(0x40, 0x00);
    outb(0x40, 0x10);
    cr_assert_eq(m.pit.ch[0].count, 1000);
    cr_assert_eq(m.pit.next_event, dev_tick_cycle(0, 500, PIT_HZ));
    /* Channel 2: its gate is port 0x61 bit 0; OUT2 reads in bit 5. Mode 0, count 2. */
    outb(0x43, 0xB0);
    outb(0x42, 2);
    outb(0x42, 0);
    now_cycle = 10000;
    cr_assert_eq(inb(0x61) & 0x20, 0, "gate low: not counting");
    outb(0x61, 0x01);
    now_cycle = 10000 + dev_tick_cycle(0, 2, PIT_HZ);
    cr_assert_eq(inb(0x61) & 0x21, 0x21);
}

/* ---- RTC ---- */

TestSuite(rtc, .init = board_setup);

Test(rtc, epoch_registers_and_update_in_progress)
{
    /* 2024-01-01 00:00:00 (a Monday: day 2), BCD, 24-hour. */
    cr_assert_eq(cmos(0x0A), 0x26);
    cr_assert_eq(cmos(0x0B), 0x02);
    cr_assert_eq(cmos(0x0D), 0x80);
    cr_assert_eq(cmos(0x09), 0x24);
    cr_assert_eq(cmos(0x08), 0x01);
    cr_assert_eq(cmos(0x07), 0x01);
    cr_assert_eq(cmos(0x06), 0x02);
    cr_assert_eq(cmos(0x32), 0x20);
    /* UIP: the last 244140 ns of each second: from cycle ceil(999755860 / 3) = 333251954;
     * the update at 1 s = cycle 333333334. */
    now_cycle = 333251953;
    cr_assert_eq(cmos(0x0A) & 0x80, 0);
    now_cycle = 333251954;
    cr_assert_eq(cmos(0x0A) & 0x80, 0x80);
    cr_assert_eq(cmos(0x00), 0x00);
    now_cycle = 333333334;
    cr_assert_eq(cmos(0x0A) & 0x80, 0);
    cr_assert_eq(cmos(0x00), 0x01);
    /* One hour and 59 s later (in cycles: ceil(3659e9 / 3)). */
    now_cycle = 1219666666667ull;
    cr_assert_eq(cmos(0x00), 0x59);
    cr_assert_eq(cmos(0x04), 0x01);
}

Test(rtc, set_binary_twelve_hour_and_divider)
{
    cmos_w(0x0B, 0x82);                     /* SET */
    cmos_w(0x00, 0x30);
    cmos_w(0x02, 0x59);
    cmos_w(0x04, 0x23);
    cmos_w(0x07, 0x31);
    cmos_w(0x08, 0x12);
    cmos_w(0x09, 0x99);
    cmos_w(0x32, 0x19);
    now_cycle = 5000000000ull;              /* frozen while SET */
    cr_assert_eq(cmos(0x00), 0x30);
    cmos_w(0x0B, 0x02);
    /* The divider kept its phase (0 within the second, as frozen): 30 s (10^10 cycles)
     * after 1999-12-31 23:59:30 comes 2000-01-01 00:00:00. */
    now_cycle = 5000000000ull + 10000000000ull;
    cr_assert_eq(cmos(0x09), 0x00);
    cr_assert_eq(cmos(0x32), 0x20);
    cr_assert_eq(cmos(0x08), 0x01);
    cr_assert_eq(cmos(0x06), 0x07);         /* a Saturday */
    cmos_w(0x0B, 0x04);                     /* binary, 12-hour */
    cr_assert_eq(cmos(0x04), 12);           /* midnight is 12 AM */
    cmos_w(0x0B, 0x06);
    /* Divider held (DV 110): time stops; released: the first update 500 ms later. */
    uint8_t s = cmos(0x00);
    cmos_w(0x0A, 0x66);
    now_cycle += 10ull * 333333334;
    cr_assert_eq(cmos(0x00), s);
    cr_assert_eq(cmos(0x0A) & 0x80, 0, "no update in progress while held");
    cmos_w(0x0A, 0x26);
    now_cycle += 166666666;                 /* 499999998 ns */
    cr_assert_eq(cmos(0x00), s);
    now_cycle += 1;
    cr_assert_eq(cmos(0x00), s + 1);
}

Test(rtc, periodic_update_and_alarm_interrupts)
{
    pic_init();
    outb(0xA1, 0xFE);
    /* Periodic, 1024 Hz (RS 6: 32 periods of 32.768 kHz): the first tick at
     * ceil(1e9 * 32 / 32768) = 976563 ns, cycle 325521. */
    cmos_w(0x0B, 0x42);
    cr_assert_eq(next_event, 325521);
    now_cycle = 325521;
    malta_service(&m);
    cr_assert_eq(lines, IP2);
    cr_assert_eq(iack(), 0x08);
    cr_assert_eq(cmos(0x0C), 0xC0);         /* IRQF | PF; reading C clears it */
    cr_assert_eq(cmos(0x0C), 0x00);
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    /* Update-ended interrupt: at the next second, cycle 333333334. */
    cmos_w(0x0B, 0x12);
    cr_assert_eq(next_event, 333333334);
    now_cycle = 333333334;
    malta_service(&m);
    cr_assert_eq(iack(), 0x08);
    cr_assert_eq(cmos(0x0C), 0xD0);         /* IRQF | UF, and PF (set, not enabled) */
    outb(0xA0, 0x20);
    outb(0x20, 0x20);
    /* Alarm at 00:00:05 (seconds, minutes, hours; hour "don't care"). */
    cmos_w(0x01, 0x05);
    cmos_w(0x03, 0x00);
    cmos_w(0x05, 0xC0);
    cmos_w(0x0B, 0x22);
    for (int i = 2; i <= 4; i++) {
        now_cycle = (uint64_t)i * 333333334;
        malta_service(&m);
        cr_assert_eq(lines, 0, "no alarm at second %d", i);
    }
    now_cycle = 5ull * 333333334;
    malta_service(&m);
    cr_assert_eq(lines, IP2);
    cr_assert_eq(cmos(0x0C) & 0xA0, 0xA0);
}

/* ---- UART ---- */

TestSuite(uart, .init = board_setup);

Test(uart, loopback_fifo_and_interrupt_identification)
{
    pic_init();
    outb(0x21, 0xEB);                       /* IRQ4 */
    outb(0x3FA, 0x07);
    cr_assert_eq(inb(0x3FA), 0xC1, "FIFOs on, no interrupt");
    outb(0x3FC, 0x10);                      /* loopback */
    (void)inb(0x3FE);
    outb(0x3FC, 0x1A);
    cr_assert_eq(inb(0x3FE), 0x99, "DCD, CTS; deltas DDCD, DCTS");
    cr_assert_eq(inb(0x3FE), 0x90);
    /* Loopback data: two bytes, below the trigger (1 byte at FCR 0x07? no: 0x07 = 1). */
    outb(0x3F8, 'a');
    outb(0x3F8, 'b');
    cr_assert_eq(inb(0x3FD), 0x61);
    outb(0x3F9, 0x01);                      /* receive interrupt */
    cr_assert_eq(inb(0x3FA), 0xC4);
    cr_assert_eq(lines, IP2);
    cr_assert_eq(inb(0x3F8), 'a');
    cr_assert_eq(inb(0x3F8), 'b');
    cr_assert_eq(inb(0x3FA), 0xC1);
    /* THRE: enabling it with THR empty identifies it; reading IIR acknowledges it. */
    outb(0x3F9, 0x02);
    cr_assert_eq(inb(0x3FA), 0xC2);
    cr_assert_eq(inb(0x3FA), 0xC1);
    outb(0x3F8, 'c');                       /* another byte: THRE again */
    cr_assert_eq(inb(0x3FA), 0xC2);
    cr_assert_eq(m.com1.tx_bytes, 3);
    /* Overrun: a 16-byte FIFO and a 17th byte. */
    outb(0x3F9, 0x00);
    for (int i = 0; i < 17; i++)
        outb(0x3F8, (uint8_t)i);
    cr_assert_eq(inb(0x3FD) & 0x03, 0x03, "DR and OE");
    cr_assert_eq(inb(0x3FD) & 0x02, 0, "OE cleared by reading LSR");
}

Test(uart, trigger_level_and_character_timeout)
{
    /* 115200 baud (divisor 1), 8N1: a character is 10 bits = 86805 ns = 28935 cycles. */
    outb(0x3FB, 0x83);
    outb(0x3F8, 1);
    outb(0x3F9, 0);
    outb(0x3FB, 0x03);
    outb(0x3FA, 0x81);                      /* FIFO, trigger 8 */
    outb(0x3FC, 0x10);
    outb(0x3F9, 0x01);
    now_cycle = 100;
    for (int i = 0; i < 3; i++)
        outb(0x3F8, 'x');
    cr_assert_eq(inb(0x3FA), 0xC1, "3 < 8: no data interrupt yet");
    /* The timeout: 4 character times after the last arrival, cycle 100 + 4 * 28935. */
    cr_assert_eq(m.com1.next_event, 100 + 4 * 28935);
    now_cycle = 100 + 4 * 28935;
    malta_service(&m);
    cr_assert_eq(inb(0x3FA), 0xCC);
    for (int i = 0; i < 5; i++)
        outb(0x3F8, 'y');
    cr_assert_eq(inb(0x3FA), 0xC4, "8 bytes: the trigger level");
}

Test(uart, cbus_uart_registers_eight_bytes_apart)
{
    wr(0x1F000900 + 7 * 8, 4, 0x5A);        /* SCR */
    cr_assert_eq(rd(0x1F000900 + 7 * 8, 4), 0x5A);
    cr_assert_eq(rd(0x1F000900 + 5 * 8, 1), 0x60);
    wr(0x1F000900 + 1 * 8, 1, 0x02);        /* THRE interrupt: CPU line IP4 */
    cr_assert_eq(lines, IP4);
}

/* Input from a pipe: the guest listens (IER.RDI) at cycle 1000; bytes then arrive one
 * character time apart (9600 baud: 10 bits = 1041666 ns = 347222 cycles), whatever the
 * host's timing, and the end of input stops the arrivals. */
Test(uart, pipe_input_arrives_at_character_times)
{
    static const struct malta_host h = { .now = host_now, .irq_lines = host_lines,
                                         .events = host_events, .poweroff = host_poweroff };
    int fds[2];
    struct console_in in;
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(write(fds[1], "hi\n", 3), 3);
    close(fds[1]);
    console_in_init(&in, fds[0]);
    cr_assert_eq(in.interactive, 0);
    malta_init(&m, &h, NULL, &in);
    now_cycle = 1000;
    outb(0x3FA, 0x01);                      /* FIFO, trigger 1 */
    outb(0x3F9, 0x01);
    cr_assert_eq(next_event, 1000 + 347222);
    now_cycle = 1000 + 347222;
    malta_service(&m);
    cr_assert_eq(inb(0x3FD) & 1, 1);
    cr_assert_eq(inb(0x3F8), 'h');
    cr_assert_eq(next_event, 1000 + 2 * 347222);
    now_cycle = 1000 + 3 * 347222;
    malta_service(&m);                      /* late: one byte per service, paced */
    cr_assert_eq(inb(0x3F8), 'i');
    now_cycle = 1000 + 4 * 347222;
    malta_service(&m);
    cr_assert_eq(inb(0x3F8), '\n');
    now_cycle = 1000 + 5 * 347222;
    malta_service(&m);                      /* end of input */
    cr_assert_eq(inb(0x3FD) & 1, 0);
    cr_assert_eq(m.com1.next_event, DEV_NEVER);
    cr_assert_eq(m.com1.rx_bytes, 3);
    cr_assert_eq(in.bytes, 3);
    close(fds[0]);
}

/* ---- GT-64120 and PIIX4 ---- */

TestSuite(gt, .init = board_setup);

static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg)
{
    wr(GT + 0xCF8, 4, 0x80000000u | dev << 11 | fn << 8 | reg);
    return rd(GT + 0xCFC, 4);
}

Test(gt, windows_remap_and_moving_the_registers)
{
    uint32_t off;
    cr_assert_eq(gt64120_decode(&m.gt, 0x180003F8, &off), GT_WIN_PCI_IO);
    cr_assert_eq(off, 0x3F8);
    cr_assert_eq(gt64120_decode(&m.gt, 0x17FFFFFF, &off), GT_WIN_PCI_MEM);
    cr_assert_eq(off, 0x17FFFFFF);
    cr_assert_eq(gt64120_decode(&m.gt, 0x18200000, &off), GT_WIN_PCI_MEM);
    cr_assert_eq(gt64120_decode(&m.gt, 0x1BDFFFFF, &off), GT_WIN_PCI_MEM);
    cr_assert_eq(gt64120_decode(&m.gt, 0x1E000000, &off), GT_WIN_NONE);
    /* Writing PCI0IOLD also loads its remap: I/O at PCI address 0x18000000 then. */
    wr(GT + 0x048, 4, 0xC0);
    cr_assert_eq(rd(GT + 0x0F0, 4), 0xC0);
    cr_assert_eq(gt64120_decode(&m.gt, 0x180003F8, &off), GT_WIN_PCI_IO);
    cr_assert_eq(off, 0x180003F8);
    wr(GT + 0x0F0, 4, 0);
    /* The internal registers move with ISD. */
    wr(GT + 0x068, 4, 0xA0);
    cr_assert_eq(gt64120_decode(&m.gt, 0x14000068, &off), GT_WIN_REGS);
    cr_assert_eq(rd(0x14000068, 4), 0xA0);
}

Test(gt, configuration_cycles_and_master_abort)
{
    cr_assert_eq(cfg_read(0, 0, 0), 0x462011AB);
    cr_assert_eq(cfg_read(10, 3, 0x08), 0x06800003);
    cr_assert_eq(rd(GT + 0xC18, 4), 0, "no cause yet");
    cr_assert_eq(cfg_read(11, 0, 0), 0xFFFFFFFF);
    cr_assert_eq(rd(GT + 0xC18, 4), (1u << 18) | 1, "MasAbort0 and the summary");
    wr(GT + 0xC18, 4, ~(1u << 18));        /* write 0 to clear */
    cr_assert_eq(rd(GT + 0xC18, 4), 0);
    cr_assert_eq(m.gt.n.master_aborts, 1);
    /* Byte lanes: a byte of the header type; MByteSwap off swaps the data. */
    wr(GT + 0xCF8, 4, 0x80000000u | 10 << 11 | 0x0C);
    cr_assert_eq(rd(GT + 0xCFE, 1), 0x80);
    wr(GT + 0xC00, 4, 0);
    cr_assert_eq(cfg_read(0, 0, 0), 0xAB112046);
    /* BAR sizing of the host bridge (data sheet: writable above bit 11). */
    wr(GT + 0xC00, 4, 1);
    wr(GT + 0xCF8, 4, 0x80000000u | 0x10);
    wr(GT + 0xCFC, 4, 0xFFFFFFFF);
    cr_assert_eq(cfg_read(0, 0, 0x10), 0xFFFFF008);
}

Test(gt, piix4_pm_timer_status_and_soft_off)
{
    /* Not decoded until PMBA and PMREGMISC place it. */
    cr_assert_eq(rd(IO + 0x1008, 4), 0xFFFFFFFF);
    cr_assert_eq(m.n.unmodelled, 4);
    wr(GT + 0xCF8, 4, 0x80000000u | 10 << 11 | 3 << 8 | 0x40);
    wr(GT + 0xCFC, 4, 0x1001);
    wr(GT + 0xCF8, 4, 0x80000000u | 10 << 11 | 3 << 8 | 0x80);
    wr(GT + 0xCFC, 4, 1);
    /* PMTMR: 3.579545 MHz from cycle 0; at 1 s (cycle 333333334) it has 3579545 ticks. */
    now_cycle = 333333334;
    cr_assert_eq(rd(IO + 0x1008, 4), 3579545);
    /* PMSTS is write-1-to-clear. */
    m.piix4.pmio[0] = 0x21;
    wr(IO + 0x1000, 2, 0x0001);
    cr_assert_eq(rd(IO + 0x1000, 2), 0x0020);
    /* Suspend to RAM is not modelled (an unmodelled access); soft off powers off. */
    wr(IO + 0x1004, 2, 0x2400);
    cr_assert_eq(poweroffs, 0);
    cr_assert_eq(m.n.unmodelled, 5);
    wr(IO + 0x1004, 2, 0x2000);
    cr_assert_eq(poweroffs, 1);
    cr_assert_eq(rd(IO + 0x1004, 2) & 0x2000, 0, "SUS_EN is write-only");
}

/* ---- the board's decode and unmodelled accesses ---- */

TestSuite(board, .init = board_setup);

Test(board, unmodelled_accesses_are_counted_and_complete)
{
    struct stats st;
    stats_init(&st);
    malta_register_stats(&m, &st, "");
    cr_assert_eq(rd(IO + 0x64, 1), 0xFF);           /* no i8042: the ISA bus floats */
    cr_assert_eq(rd(IO + 0x64, 4), 0xFFFFFFFF);     /* 4 byte cycles */
    cr_assert_eq(rd(0x10000000, 4), 0xFFFFFFFF);    /* PCI memory: master abort */
    cr_assert_eq(rd(0x1E000000, 4), 0);             /* monitor flash */
    wr(0x1FC00000, 4, 1);                           /* ROM */
    wr(0x1F000600, 4, 1);                           /* FPGA: no register */
    cr_assert_eq(stats_get(&st, "devices.unmodelled"), 1 + 4 + 1 + 1 + 1 + 1);
    cr_assert_eq(stats_get(&st, "devices.unmodelled_writes"), 2);
    /* What is modelled: the board revision, FPGA registers, SOFTRES. */
    cr_assert_eq(rd(0x1FC00010, 4), 0x420);
    cr_assert_eq(rd(0x1FC00011, 1), 0x04);
    cr_assert_eq(rd(0x1F000208, 4), 0x10);
    wr(0x1F000500, 4, 0x42);
    cr_assert_eq(poweroffs, 1);
    cr_assert_eq(stats_get(&st, "devices.unmodelled"), 9);
    stats_free(&st);
}

/* ---- boot protocol ---- */

static uint8_t boot_ram[1u << 20];
static void boot_write(void *ctx, uint32_t pa, const void *src, uint32_t len)
{
    (void)ctx;
    cr_assert(pa + len <= sizeof(boot_ram));
    memcpy(boot_ram + pa, src, len);
}

static const char *envp_string(unsigned i)
{
    uint32_t p;
    memcpy(&p, boot_ram + 0x2000 + 4 * i, 4);
    return p ? (const char *)boot_ram + (p & 0x1FFFFFFF) : NULL;
}

Test(boot, qemu_layout_initrd_and_rngseed)
{
    struct cpu *cpu = cpu_new(NULL, 1u << 20, NULL, 16);
    static const uint8_t rd[100] = { 1, 2, 3 };
    char err[128];
    struct malta_boot b = { .ram_bytes = 1u << 20, .entry = 0x80100400, .kernel_end = 0x40000,
                            .image = "vmlinuz", .cmdline = "console=ttyS0",
                            .initrd = rd, .initrd_bytes = sizeof(rd), .seed = 0 };
    cr_assert_eq(malta_boot_to(cpu, &b, boot_write, NULL, err, sizeof(err)), 0);
    /* The initrd: below the top (1 MiB) by its size and 128 KiB, rounded up to 64 KiB:
     * 0x100000 - 0x20064 = 0xDFF9C -> 0xE0000. */
    cr_assert_eq(memcmp(boot_ram + 0xE0000, rd, sizeof(rd)), 0);
    cr_assert_str_eq(envp_string(0), "vmlinuz");
    cr_assert_str_eq(envp_string(1), "rd_start=0xffffffff800e0000 rd_size=100 console=ttyS0");
    cr_assert_str_eq(envp_string(2), "memsize");
    cr_assert_str_eq(envp_string(3), "1048576");
    cr_assert_str_eq(envp_string(6), "modetty0");
    cr_assert_str_eq(envp_string(8), "rngseed");
    cr_assert_eq(strlen(envp_string(9)), 64);
    cr_assert_null(envp_string(10));
    cr_assert_eq(cpu->gpr[4], 2);
    cr_assert_eq(cpu->gpr[5], 0x80002000);
    cr_assert_eq(cpu->gpr[6], 0x80002008);
    cr_assert_eq(cpu->gpr[7], 1u << 20);
    cr_assert_eq(cpu->pc, 0x80100400);
    /* Another VM gets another seed; a kernel reaching the initrd's place is an error. */
    char seed0[65];
    strcpy(seed0, envp_string(9));
    b.seed = 2;
    cr_assert_eq(malta_boot_to(cpu, &b, boot_write, NULL, err, sizeof(err)), 0);
    cr_assert_str_neq(envp_string(9), seed0);
    b.kernel_end = 0xE0000;
    cr_assert_eq(malta_boot_to(cpu, &b, boot_write, NULL, err, sizeof(err)), -1);
    cr_assert(strstr(err, "memory too small") != NULL, "%s", err);
    cpu_free(cpu);
}

/* ---- console input ---- */

Test(console, pipe_source_blocks_until_bytes_or_end)
{
    int fds[2];
    struct console_in in;
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(write(fds[1], "\x01x", 2), 2);
    close(fds[1]);
    console_in_init(&in, fds[0]);
    /* Not a terminal: Ctrl-A is an ordinary byte. */
    cr_assert_eq(console_in_take(&in), 0x01);
    cr_assert_eq(console_in_take(&in), 'x');
    cr_assert_eq(console_in_take(&in), CONSOLE_EOF);
    cr_assert_eq(console_in_take(&in), CONSOLE_EOF);
    cr_assert_eq(in.bytes, 2);
    close(fds[0]);
}
