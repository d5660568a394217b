/* console.h - the host side of a guest console's input: stdin (or any file descriptor)
 * feeding one UART's receiver.
 *
 * Two kinds of source:
 *   - deterministic (a regular file, a pipe, /dev/null): console_in_take blocks until the
 *     next byte or the end of input, so the guest receives the same bytes at the same
 *     simulated instants on every run;
 *   - interactive (a terminal): from the guest's first read on (a guest that never reads
 *     its console leaves the terminal alone), put in raw mode (no echo, no line editing,
 *     no signals: ^C goes to the guest) and read without blocking; Ctrl-A x ends the run,
 *     Ctrl-A Ctrl-A sends one Ctrl-A. When the machine is idle, console_in_idle then
 *     sleeps in host time until input arrives or the idle period would have passed, so an
 *     idle interactive guest neither spins the host nor runs ahead of the wall clock.
 * The terminal's settings are restored at exit and on the usual fatal signals. */
#ifndef TLBVISOR_CONSOLE_H
#define TLBVISOR_CONSOLE_H

#include <stdint.h>

#define CONSOLE_NONE (-1)          /* no byte now (interactive source; try later) */
#define CONSOLE_EOF (-2)           /* the input has ended */

#define CONSOLE_BUF 256

struct console_in {
    int fd;
    int interactive;
    int raw;                       /* the terminal is in raw mode (the guest reads it) */
    int eof;
    int escape;                    /* Ctrl-A seen (interactive) */
    uint8_t buf[CONSOLE_BUF];      /* read from fd, not yet handed out */
    unsigned head, len;
    void (*quit)(void *ctx);       /* Ctrl-A x: ends the run (set by the machine) */
    void *quit_ctx;
    uint64_t bytes;                /* bytes handed to the guest */
};

/* Opens fd as a console input (sets raw mode on a terminal). */
void console_in_init(struct console_in *c, int fd);
/* The next byte, CONSOLE_NONE or CONSOLE_EOF (see above). */
int console_in_take(struct console_in *c);
/* The machine has nothing to do for 'cycles' cycles: an interactive source waits for
 * input for at most that long in host time (capped); a deterministic one returns at once. */
void console_in_idle(struct console_in *c, uint64_t cycles);
/* Restores the terminal (also done at exit). */
void console_in_close(struct console_in *c);

#endif
