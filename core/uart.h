/* uart.h - the host side of a guest console's output (the UART itself: dev_uart.h). */
#ifndef TLBVISOR_UART_H
#define TLBVISOR_UART_H

#include <stdint.h>

/* With a prefix, a console line longer than this (prefix included) is cut into several
 * prefixed lines. */
#define UART_LINE_MAX 4096


struct uart {
    int out_fd;                 /* where THR bytes go (stdout) */
    char prefix[16];            /* written at the start of every output line ("" natively) */
    int at_line_start;
    char buf[UART_LINE_MAX];
    unsigned len;
    uint64_t tx_bytes;
    uint64_t split_lines;       /* prefixed lines cut at UART_LINE_MAX bytes */
};


void uart_init(struct uart *u, int out_fd, const char *prefix);
/* Sends one byte of guest console output to the host (prefixing lines as set up). */
void uart_out(struct uart *u, uint8_t ch);
/* Writes out buffered output; output is flushed at every newline and when the machine
 * stops. A partial line written out (a prompt) is continued without a new prefix. */
void uart_flush(struct uart *u);

#endif
