/* malta.h - the Malta board: the devices Linux's Malta platform code uses, one instance per
 * machine (natively) or per VM (under the VMM), and the boot protocol of QEMU's Malta
 * loader (DESIGN.md §2; docs/linux.md "The board").
 *
 * Physical map of the devices (RAM is the CPU's, below 256 MiB):
 *   0x10000000-0x17FFFFFF  PCI_0 memory window 0 (no PCI memory device: unmodelled)
 *   0x18000000-0x181FFFFF  PCI_0 I/O window: the PIIX4's ISA ports
 *                            0x20/0xA0 i8259 pair, 0x40-0x43 PIT, 0x61 port B,
 *                            0x70-0x71 RTC, 0x2F8 COM2, 0x3F8 COM1, 0x4D0-0x4D1 ELCR,
 *                            PM registers at the PIIX4's PMBA (Linux: 0x1000)
 *   0x18200000-0x1BDFFFFF  PCI_0 memory window 1 (unmodelled)
 *   0x1BE00000-0x1BE00FFF  GT-64120 registers (PCI configuration, interrupt acknowledge)
 *   0x1E000000-0x1E3FFFFF  monitor flash (unmodelled)
 *   0x1F000000-0x1F0FFFFF  FPGA registers, CBUS UART at 0x1F000900
 *   0x1FC00000-0x1FFFFFFF  boot ROM (REVISION at 0x1FC00010)
 * (the GT-64120's windows are its registers' values: software may move them).
 * Interrupts: PIT IRQ0, COM2 IRQ3, COM1 IRQ4, RTC IRQ8 into the i8259 pair, whose output is
 * CPU interrupt line IP2 (hardware interrupt 0), read back through the GT-64120's PCI
 * interrupt acknowledge; the CBUS UART is IP4; Count/Compare is IP7 (the CPU's).
 *
 * Any access in the board's range that no model answers (an ISA port, PCI space, a
 * register offset that does not exist) is an unmodelled access: it completes as the bus
 * would (reads all ones on PCI/ISA, zero elsewhere; writes are dropped), is counted in
 * devices.unmodelled, and is reported on stderr when asked (--report-unmodelled). Below
 * 0x10000000 beyond RAM there is no memory: a bus error, as DESIGN.md §2 says. */
#ifndef TLBVISOR_MALTA_H
#define TLBVISOR_MALTA_H

#include <stddef.h>
#include <stdint.h>

#include "dev_fpga.h"
#include "dev_gt64120.h"
#include "dev_i8259.h"
#include "dev_piix4.h"
#include "dev_pit.h"
#include "dev_rtc.h"
#include "dev_uart.h"

#define MALTA_ENVP_VA     0x80002000u
#define MALTA_DEV_BASE    0x10000000u     /* the board's device range ... */
#define MALTA_DEV_BYTES   0x10000000u     /* ... up to 0x1FFFFFFF */
#define MALTA_UNMODELLED_SEEN 256         /* distinct addresses reported one by one */

struct bus;
struct cpu;
struct stats;
struct uart;
struct console_in;

/* What the board needs from what runs it: natively the machine (core/machine.c), under the
 * VMM one VM (core/vmm.c). */
struct malta_host {
    void *ctx;
    uint64_t (*now)(void *ctx);                  /* the current cycle */
    void (*irq_lines)(void *ctx, uint32_t ip);   /* CPU lines IP2..IP6 as Cause bits 10..14 */
    void (*events)(void *ctx, uint64_t next);    /* the board's next event cycle changed */
    void (*poweroff)(void *ctx);                 /* SOFTRES, PM soft off, Ctrl-A x */
};

struct malta {
    struct malta_host host;
    struct gt64120 gt;
    struct piix4 piix4;
    struct i8259_pair pic;
    struct pit pit;
    struct rtc rtc;
    struct ns16550 com1, com2, cbus;
    struct malta_fpga fpga;
    uint32_t ip;                   /* IP2..IP6 as Cause bits */
    uint64_t next_event;           /* the earliest device event, or DEV_NEVER */
    int report_unmodelled;         /* print each new unmodelled address on stderr */
    const char *name;              /* prefix of those reports ("vm2: "), or "" */
    uint32_t seen[MALTA_UNMODELLED_SEEN]; /* reported (address | 1 for a write), 0 = free */
    unsigned nseen;
    struct {
        uint64_t accesses;         /* device loads and stores */
        uint64_t unmodelled;       /* of which nothing modelled answered */
        uint64_t unmodelled_reads, unmodelled_writes;
    } n;
};

/* Builds the board at cycle host->now(): COM1's output goes to console (core/uart.c; may
 * be NULL) and its input comes from input (may be NULL); COM2 and the CBUS UART have
 * neither. */
void malta_init(struct malta *m, const struct malta_host *host, struct uart *console,
                struct console_in *input);
/* Puts the board's device range on bus. Returns 0 or -1 (bus full). */
int malta_attach(struct malta *m, struct bus *bus);
/* Runs the device events due at the current cycle (when it reaches next_event). */
void malta_service(struct malta *m);
void malta_register_stats(struct malta *m, struct stats *st, const char *prefix);

/* Boot protocol (QEMU's Malta loader): argv = { image, [rd_start=... rd_size=... ]
 * cmdline } and the YAMON environment (memsize, ememsize, modetty0, rngseed) at
 * MALTA_ENVP_VA, an initial ramdisk placed at the top of low memory below 256 MiB, and the
 * registers $a0-$a3, $sp, pc as its bootloader leaves them. */
struct malta_boot {
    uint32_t ram_bytes;
    uint32_t entry;
    uint32_t kernel_end;           /* physical end of the loaded image */
    const char *image;             /* the image's path */
    const char *argv0;             /* argv[0]; NULL: image's file name without its directory
                                    * (QEMU passes the path as given; the name alone keeps the
                                    * guest's memory, and every figure, independent of where
                                    * the image lies on the host) */
    const char *cmdline;           /* the boot arguments */
    const uint8_t *initrd;         /* or NULL */
    uint32_t initrd_bytes;
    unsigned seed;                 /* makes rngseed differ between VMs (0 natively and for VM 1,
                                    * N-1 for VM N: a lone VM reads what the machine would) */
};
typedef void (*malta_write_fn)(void *ctx, uint32_t gpa, const void *src, uint32_t len);
/* Writes the boot data through write (guest-physical addresses) and sets cpu's registers.
 * Returns 0, or -1 with a message in err (the initrd does not fit). */
int malta_boot_to(struct cpu *cpu, const struct malta_boot *b, malta_write_fn write, void *ctx,
                  char *err, size_t errlen);
/* Reads an initrd file (file.h: a regular file or a pipe, at most 256 MiB, not empty)
 * into a malloc'ed buffer. Returns 0, or -1 with "path: reason" in err. */
int malta_load_initrd(const char *path, uint8_t **data, size_t *bytes, char *err, size_t errlen);
/* The same into cpu's own RAM. */
int malta_boot(struct cpu *cpu, const struct malta_boot *b, char *err, size_t errlen);

#endif
