/* dev_uart.h - the NS16550A UART: registers, receive and transmit FIFOs, interrupts,
 * modem control and loopback (the Malta has three: COM1 at ISA 0x3F8, IRQ4; COM2 at 0x2F8,
 * IRQ3; the CBUS UART of the FPGA at 0x1F000900, registers 8 bytes apart, CPU IP4).
 *
 * Transmit is instantaneous: a byte written to THR goes to the host sink (core/uart.c, the
 * console output; none for a UART without a console) and THR is empty again at once, so
 * LSR always shows THRE|TEMT and the THRE interrupt follows every write. Receive takes
 * bytes from a host input (core/console.h) one character time apart (from the divisor and
 * LCR's frame), into a 16-byte FIFO with its trigger level and character-timeout
 * interrupt. Input flows only while the guest listens: while the receive interrupt is
 * enabled (IER bit 0; a polling guest may keep it masked at the interrupt controller), so
 * no byte is lost to a driver's start-up FIFO reset or probe (an LSR read is no sign:
 * console output polls LSR for THRE). Each pull of a deterministic source
 * (a file, a pipe) blocks until a byte or the end of input, so a run reads its input at the
 * same simulated instants whatever the host's timing (docs/linux.md, "Console input").
 * Interrupt identification and priority, FCR, LCR/DLAB, MCR, MSR (CTS, DSR, DCD asserted;
 * in loopback the outputs looped back, with delta bits) and SCR follow the data sheet;
 * OUT2 does not gate the interrupt (as QEMU 7.2). */
#ifndef TLBVISOR_DEV_UART_H
#define TLBVISOR_DEV_UART_H

#include <stdint.h>

struct uart;
struct console_in;

#define NS16550_FIFO 16

struct ns16550 {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    uint8_t lsr_err;               /* OE, PE, FE, BI until LSR is read */
    uint8_t msr_delta;             /* DCTS, DDSR, TERI, DDCD until MSR is read */
    uint8_t rx[NS16550_FIFO];
    unsigned rx_head, rx_count;
    int thri;                      /* THRE interrupt pending */
    int input_done;                /* the host input has ended */
    uint64_t rx_next;              /* cycle at which the next byte may arrive, or DEV_NEVER */
    uint64_t rx_last;              /* cycle of the last arrival or FIFO read (timeout base) */
    uint64_t next_event;           /* min(rx_next, character timeout), or DEV_NEVER */
    int irq;                       /* interrupt output as last reported */
    struct uart *sink;             /* host output, or NULL */
    struct console_in *input;      /* host input, or NULL */
    void (*irq_changed)(void *ctx, int level);
    void *ctx;
    uint64_t tx_bytes, rx_bytes;   /* bytes sent (also without a sink) and received */
};

void ns16550_init(struct ns16550 *u, struct uart *sink, struct console_in *input,
                  void (*irq_changed)(void *ctx, int level), void *ctx);
/* Register reg (0..7) at cycle now. */
uint8_t ns16550_read(struct ns16550 *u, unsigned reg, uint64_t now);
void ns16550_write(struct ns16550 *u, unsigned reg, uint8_t val, uint64_t now);
/* Receives the bytes due by cycle now, updates the interrupt and next_event. */
void ns16550_service(struct ns16550 *u, uint64_t now);

#endif
