/* dev_piix4.h - the Intel 82371AB (PIIX4) south bridge's PCI functions and power
 * management I/O (the ISA devices inside it, i8259/i8254/RTC, are their own files).
 *
 *   0a.0  PCI-to-ISA bridge: configuration registers as the data sheet and QEMU 7.2's
 *         Malta leave them (PIRQ routing A,B -> IRQ10, C,D -> IRQ11 as YAMON sets it, top
 *         of memory, ...), multi-function header; stored, no effect modelled (no PCI
 *         device raises PIRQs);
 *   0a.3  power management: PMBA (0x40) and PMREGMISC (0x80) place and enable the PM I/O
 *         registers: PMSTS (write-1-to-clear), PMEN, PMCNTRL (SUS_EN with SUS_TYP "soft
 *         off" powers the machine off, as QEMU does at once), PMTMR (the 24-bit ACPI timer
 *         at 3.579545 MHz from the cycle count), the other registers stored; SMBus base
 *         0x1100 as QEMU programs it (the SMBus controller itself is not modelled).
 * Functions 1 (IDE) and 2 (USB) are absent: configuration cycles to them master-abort. */
#ifndef TLBVISOR_DEV_PIIX4_H
#define TLBVISOR_DEV_PIIX4_H

#include <stdint.h>

#include "pci.h"

#define PIIX4_PM_BYTES 0x40u
#define PIIX4_PMTMR_HZ 3579545u

struct piix4 {
    struct pci_func isa;           /* 0a.0 */
    struct pci_func pm;            /* 0a.3 */
    uint8_t pmio[PIIX4_PM_BYTES];  /* PM registers as stored */
    void (*poweroff)(void *ctx);
    void *ctx;
};

void piix4_init(struct piix4 *p, void (*poweroff)(void *ctx), void *ctx);
/* The PM registers' I/O base, or -1 while PMREGMISC disables them. */
int piix4_pm_base(const struct piix4 *p);
/* PM register access at offset off (within PIIX4_PM_BYTES) at cycle now. A write returns
 * -1 if it asked for something not modelled (a suspend state other than soft off). */
uint32_t piix4_pm_read(struct piix4 *p, unsigned off, unsigned size, uint64_t now);
int piix4_pm_write(struct piix4 *p, unsigned off, unsigned size, uint32_t val);

#endif
