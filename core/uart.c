/* uart.c - the host side of a guest console's output: the bytes a UART (core/dev_uart.c)
 * transmits, line-buffered (flushed at each newline, when the machine stops, and when an
 * interactive guest waits for input or idles), prefixed per VM. */
#include <string.h>
#include <unistd.h>

#include "uart.h"

void uart_init(struct uart *u, int out_fd, const char *prefix)
{
    memset(u, 0, sizeof(*u));
    u->out_fd = out_fd;
    u->at_line_start = 1;
    if (prefix)
        strncpy(u->prefix, prefix, sizeof(u->prefix) - 1);
}

void uart_flush(struct uart *u)
{
    unsigned off = 0;
    while (off < u->len) {
        ssize_t n = write(u->out_fd, u->buf + off, u->len - off);
        if (n <= 0)
            break;
        off += (unsigned)n;
    }
    u->len = 0;
}

/* With a prefix (several VMs share stdout) output goes out in whole lines, so that lines of
 * different VMs never mix: a line that fills the buffer is ended there and its rest
 * continues on a new prefixed line. Without a prefix the buffer is just written out. */
static void put(struct uart *u, char ch)
{
    if (u->len == sizeof(u->buf) - 1 && u->prefix[0] && ch != '\n') {
        u->buf[u->len++] = '\n';
        uart_flush(u);
        for (const char *p = u->prefix; *p; p++)
            u->buf[u->len++] = *p;
        u->split_lines++;
    } else if (u->len == sizeof(u->buf)) {
        uart_flush(u);
    }
    u->buf[u->len++] = ch;
}

static void tx(struct uart *u, uint8_t ch)
{
    if (u->at_line_start && u->prefix[0])
        for (const char *p = u->prefix; *p; p++)
            put(u, *p);
    put(u, (char)ch);
    u->at_line_start = ch == '\n';
    u->tx_bytes++;
    if (ch == '\n')
        uart_flush(u);
}

void uart_out(struct uart *u, uint8_t ch)
{
    tx(u, ch);
}
