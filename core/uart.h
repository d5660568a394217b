/* uart.h - 16550 UART subset at Malta's ISA COM1 (physical 0x180003F8). */
#ifndef TLBVISOR_UART_H
#define TLBVISOR_UART_H

#include <stdint.h>

#define UART_BASE 0x180003F8u

struct bus;
/* With a prefix, a console line longer than this (prefix included) is cut into several
 * prefixed lines. */
#define UART_LINE_MAX 4096


struct uart {
    int out_fd;                 /* where THR bytes go (stdout) */
    char prefix[16];            /* written at the start of every output line ("" natively) */
    int at_line_start;
    uint8_t lcr, mcr, ier, scr, dll, dlm;
    char buf[UART_LINE_MAX];
    unsigned len;
    uint64_t tx_bytes;
    uint64_t split_lines;       /* prefixed lines cut at UART_LINE_MAX bytes */
};


void uart_init(struct uart *u, int out_fd, const char *prefix);
int uart_attach(struct uart *u, struct bus *bus);
/* Writes out buffered output; output is flushed at every newline and when the machine stops. */
void uart_flush(struct uart *u);

#endif
