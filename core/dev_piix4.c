/* dev_piix4.c - PIIX4 PCI functions 0 and 3, PM registers (dev_piix4.h). */
#include <string.h>

#include "dev_piix4.h"
#include "devtime.h"

enum { PMSTS = 0x00, PMEN = 0x02, PMCNTRL = 0x04, PMTMR = 0x08 };
#define PMCNTRL_SUS_EN (1u << 13)
#define PMCNTRL_GBL_RLS (1u << 2)
#define PMBA 0x40
#define PMREGMISC 0x80
#define SMBBA 0x90
#define SMBHSTCFG 0xD2

void piix4_init(struct piix4 *p, void (*poweroff)(void *ctx), void *ctx)
{
    memset(p, 0, sizeof(*p));
    p->poweroff = poweroff;
    p->ctx = ctx;

    struct pci_func *f = &p->isa;
    pci_func_init(f, 0x8086, 0x7110, 0x00, 0x060100, PCI_HEADER_MULTI);
    pci_set(f, PCI_STATUS, 2, 0x0200);             /* DEVSEL medium */
    for (unsigned r = 0x40; r < 0x100; r++)
        f->wmask[r] = 0xFF;
    pci_set(f, 0x4C, 1, 0x4D);                     /* IORT */
    pci_set(f, 0x4E, 2, 0x0003);                   /* XBCS */
    pci_set(f, 0x60, 4, 0x0B0B0A0A);               /* PIRQRC[A-D] */
    pci_set(f, 0x69, 1, 0x02);                     /* TOM */
    pci_set(f, 0x70, 1, 0x80);                     /* MBIRQ0: disabled */
    pci_set(f, 0x76, 2, 0x0C0C);                   /* MBDMA */
    pci_set(f, 0x78, 2, 0x0002);                   /* PCSC */
    pci_set(f, 0xA0, 1, 0x08);                     /* SMICNTL */
    pci_set(f, 0xA8, 1, 0x0F);

    f = &p->pm;
    pci_func_init(f, 0x8086, 0x7113, 0x03, 0x068000, 0);
    pci_set(f, PCI_STATUS, 2, 0x0280);
    pci_set(f, PCI_INT_PIN, 1, 1);
    for (unsigned r = 0x42; r < 0x100; r++)
        f->wmask[r] = 0xFF;
    pci_set(f, PMBA, 4, 0x00000001);               /* I/O space indicator, base 0 */
    pci_set_wmask(f, PMBA, 2, 0xFFC0);
    pci_set_wmask(f, PMREGMISC, 1, 0x01);
    pci_set(f, 0x5B, 1, 0x02);                     /* DEVACTB, DEVRESx as QEMU */
    pci_set(f, 0x5F, 1, 0x90);
    pci_set(f, 0x63, 1, 0x60);
    pci_set(f, 0x67, 1, 0x98);
    pci_set(f, SMBBA, 4, 0x00001101);
    pci_set_wmask(f, SMBBA, 4, 0x0000FFF0);
    pci_set(f, SMBHSTCFG, 1, 0x09);
}

int piix4_pm_base(const struct piix4 *p)
{
    if (!(p->pm.cfg[PMREGMISC] & 1))
        return -1;
    return (int)(pci_cfg_read(&p->pm, PMBA, 2) & 0xFFC0);
}

uint32_t piix4_pm_read(struct piix4 *p, unsigned off, unsigned size, uint64_t now)
{
    uint32_t v = 0;
    uint32_t tmr = (uint32_t)dev_ticks(0, now, PIIX4_PMTMR_HZ) & 0xFFFFFF;
    for (unsigned i = 0; i < size && off + i < PIIX4_PM_BYTES; i++) {
        unsigned o = off + i;
        uint8_t b = o >= PMTMR && o < PMTMR + 4 ? (uint8_t)(tmr >> (8 * (o - PMTMR)))
                                                  : p->pmio[o];
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

int piix4_pm_write(struct piix4 *p, unsigned off, unsigned size, uint32_t val)
{
    int rc = 0;
    for (unsigned i = 0; i < size && off + i < PIIX4_PM_BYTES; i++) {
        unsigned o = off + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (o < PMSTS + 2)
            p->pmio[o] &= (uint8_t)~b;                   /* status: write 1 to clear */
        else if (o >= PMTMR && o < PMTMR + 4)
            ;                                            /* the timer is read-only */
        else if (o == PMCNTRL)
            p->pmio[o] = b & (uint8_t)~PMCNTRL_GBL_RLS;  /* GBL_RLS is write-only */
        else if (o == PMCNTRL + 1)
            p->pmio[o] = b & (uint8_t)~(PMCNTRL_SUS_EN >> 8);   /* SUS_EN is write-only */
        else
            p->pmio[o] = b;
    }
    if (off <= PMCNTRL + 1 && off + size > PMCNTRL + 1) {
        uint32_t cntrl = (val >> (8 * (PMCNTRL + 1 - off))) << 8;
        if (cntrl & PMCNTRL_SUS_EN) {
            if (((cntrl >> 10) & 7) == 0)
                p->poweroff(p->ctx);                     /* SUS_TYP 0: soft off */
            else
                rc = -1;                                 /* other suspend states */
        }
    }
    return rc;
}
