/* dev_gt64120.h - the Galileo GT-64120 system controller of the Malta's CoreLV card: its
 * internal registers (4 KiB at the ISD address), the CPU address decode of its PCI_0
 * windows (I/O, memory 0 and 1, with remap), PCI_0 configuration cycles (CFGADDR /
 * CFGDATA, with master abort), and the PCI interrupt acknowledge register, which performs
 * an INTA cycle on the south bridge's i8259s.
 *
 * Registers reset as the GT-64120 data sheet (rev 1.4) and QEMU 7.2 give them, then as
 * the Malta's boot monitor leaves them for an OS (QEMU's Malta loader does the same):
 * internal space at 0x1BE00000, PCI_0 I/O at 0x18000000 (2 MiB, remapped to PCI I/O
 * address 0, as YAMON does), memory 0 at 0x10000000 (128 MiB), memory 1 at 0x18200000
 * (60 MiB). Writing a low-decode register also sets its remap register (data sheet).
 * Registers are little-endian with CPU configuration bit 12 set (the reset value for a
 * little-endian CPU); PCI_0 command bit 0 (MByteSwap) clear swaps configuration data.
 * Not modelled: DMA, timers/counters, SDRAM timing (stored, no effect), PCI_1. */
#ifndef TLBVISOR_DEV_GT64120_H
#define TLBVISOR_DEV_GT64120_H

#include <stdint.h>

#include "pci.h"

#define GT64120_REGS_BYTES 0x1000u

enum gt64120_window { GT_WIN_NONE, GT_WIN_REGS, GT_WIN_PCI_IO, GT_WIN_PCI_MEM };

struct gt64120 {
    uint32_t regs[GT64120_REGS_BYTES / 4];
    uint32_t cfgaddr;                 /* PCI_0 configuration address */
    struct pci_func *func[32][8];     /* bus 0 functions by device, function */
    struct pci_func self;             /* 00.0: the GT-64120's own PCI function */
    uint8_t (*iack)(void *ctx);       /* interrupt acknowledge cycle on PCI_0 */
    void *ctx;
    struct {
        uint64_t cfg_reads, cfg_writes;
        uint64_t master_aborts;       /* configuration cycles no function answered */
    } n;
};

void gt64120_init(struct gt64120 *g, uint8_t (*iack)(void *ctx), void *ctx);
/* Puts a function on PCI bus 0 at device dev, function fn. */
void gt64120_add_func(struct gt64120 *g, unsigned dev, unsigned fn, struct pci_func *f);
/* Which window decodes physical address pa: the internal registers (*off = register
 * offset), PCI_0 I/O (*off = PCI I/O address) or memory (*off = PCI memory address). */
enum gt64120_window gt64120_decode(const struct gt64120 *g, uint32_t pa, uint32_t *off);
/* Internal register access at offset off (size 1, 2 or 4). */
uint32_t gt64120_read(struct gt64120 *g, uint32_t off, unsigned size);
void gt64120_write(struct gt64120 *g, uint32_t off, unsigned size, uint32_t val);

#endif
