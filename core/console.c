/* console.c - host input of a guest console (console.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "devtime.h"

#define IDLE_WAIT_MAX_MS 100      /* an idle interactive machine looks at the clock this often */
#define CTRL_A 0x01

static struct termios saved_termios;
static int saved_fd = -1;

static void restore_terminal(void)
{
    if (saved_fd >= 0) {
        tcsetattr(saved_fd, TCSANOW, &saved_termios);
        saved_fd = -1;
    }
}

static void on_fatal_signal(int sig)
{
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Raw input: bytes as typed, no echo, no line editing, no signals. Output processing is
 * left alone (the terminal is also the console's output). */
static void make_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return;
    saved_termios = t;
    saved_fd = fd;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) != 0) {
        saved_fd = -1;
        return;
    }
    static int hooked;
    if (!hooked) {
        hooked = 1;
        atexit(restore_terminal);
        const int sigs[] = { SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE };
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], on_fatal_signal);
    }
}

void console_in_init(struct console_in *c, int fd)
{
    *c = (struct console_in){ .fd = fd };
    c->interactive = isatty(fd);
}

void console_in_close(struct console_in *c)
{
    if (c->interactive && saved_fd == c->fd)
        restore_terminal();
}

/* Reads what fd has into the buffer: blocking (deterministic sources) or only what is
 * there now (a terminal). Returns 0 at the end of input. */
static int fill(struct console_in *c, int block)
{
    if (!block) {
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        if (poll(&p, 1, 0) <= 0)
            return 1;
    }
    ssize_t n;
    do
        n = read(c->fd, c->buf, sizeof(c->buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        c->eof = 1;
        return 0;
    }
    c->head = 0;
    c->len = (unsigned)n;
    return 1;
}

int console_in_take(struct console_in *c)
{
    if (c->interactive && !c->raw) {
        make_raw(c->fd);                     /* the guest reads its console: from now on */
        c->raw = 1;
    }
    for (;;) {
        if (c->eof)
            return CONSOLE_EOF;
        if (c->len == 0 && (!fill(c, !c->interactive) || c->len == 0))
            return c->eof ? CONSOLE_EOF : CONSOLE_NONE;
        uint8_t b = c->buf[c->head++];
        c->len--;
        if (c->interactive) {
            if (c->escape) {
                c->escape = 0;
                if (b == 'x' || b == 'X') {
                    c->eof = 1;
                    if (c->quit)
                        c->quit(c->quit_ctx);
                    return CONSOLE_EOF;
                }
                if (b != CTRL_A)
                    continue;                 /* an unknown escape: ignored */
            } else if (b == CTRL_A) {
                c->escape = 1;
                continue;
            }
        }
        c->bytes++;
        return b;
    }
}

void console_in_idle(struct console_in *c, uint64_t cycles)
{
    if (!c->raw || c->eof || c->len)
        return;                              /* only a guest that reads a terminal waits */
    uint64_t ms = dev_ns(cycles) / 1000000;
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    if (poll(&p, 1, (int)(ms > IDLE_WAIT_MAX_MS ? IDLE_WAIT_MAX_MS : ms)) <= 0)
        return;
    /* Typed while the guest does not read its console: keep it for when it does, but
     * honour Ctrl-A x at once. */
    fill(c, 0);
    for (unsigned i = c->head; i + 1 < c->head + c->len; i++) {
        if (c->buf[i] == CTRL_A && (c->buf[i + 1] == 'x' || c->buf[i + 1] == 'X')) {
            c->eof = 1;
            if (c->quit)
                c->quit(c->quit_ctx);
            return;
        }
    }
}
