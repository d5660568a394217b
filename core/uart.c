/* uart.c - 16550 UART subset: THR writes go to the host (line-buffered, flushed at each
 * newline and at exit), LSR reads THRE|TEMT, RBR reads 0 (no input), LCR/MCR/IER/SCR and the
 * divisor latch hold what is written, IIR reads "no interrupt pending". */
#include <string.h>
#include <unistd.h>

#include "bus.h"
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

static int uart_read(void *ctx, uint32_t off, unsigned size, uint32_t *val)
{
    struct uart *u = ctx;
    int dlab = u->lcr & 0x80;
    (void)size;
    switch (off) {
    case 0: *val = dlab ? u->dll : 0; break;          /* RBR: no input */
    case 1: *val = dlab ? u->dlm : u->ier; break;
    case 2: *val = 0x01; break;                       /* IIR: no interrupt pending */
    case 3: *val = u->lcr; break;
    case 4: *val = u->mcr; break;
    case 5: *val = 0x60; break;                       /* LSR: THRE | TEMT */
    case 6: *val = 0xB0; break;                       /* MSR: DCD, DSR, CTS */
    default: *val = u->scr; break;
    }
    return 0;
}

static int uart_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
    struct uart *u = ctx;
    int dlab = u->lcr & 0x80;
    (void)size;
    switch (off) {
    case 0: if (dlab) u->dll = (uint8_t)val; else tx(u, (uint8_t)val); break;
    case 1: if (dlab) u->dlm = (uint8_t)val; else u->ier = (uint8_t)val & 0x0F; break;
    case 3: u->lcr = (uint8_t)val; break;
    case 4: u->mcr = (uint8_t)val & 0x1F; break;
    case 7: u->scr = (uint8_t)val; break;
    default: break;
    }
    return 0;
}

int uart_attach(struct uart *u, struct bus *bus)
{
    struct bus_device d = { .name = "uart", .base = UART_BASE, .bytes = 8, .ctx = u,
                            .read = uart_read, .write = uart_write };
    return bus_add_device(bus, &d);
}
