/* pci.c - a PCI function's configuration space (pci.h). */
#include <string.h>

#include "pci.h"

void pci_set(struct pci_func *f, unsigned reg, unsigned size, uint32_t val)
{
    for (unsigned i = 0; i < size && reg + i < 256; i++)
        f->cfg[reg + i] = (uint8_t)(val >> (8 * i));
}

void pci_set_wmask(struct pci_func *f, unsigned reg, unsigned size, uint32_t mask)
{
    for (unsigned i = 0; i < size && reg + i < 256; i++)
        f->wmask[reg + i] = (uint8_t)(mask >> (8 * i));
}

void pci_set_w1c(struct pci_func *f, unsigned reg, unsigned size, uint32_t mask)
{
    for (unsigned i = 0; i < size && reg + i < 256; i++)
        f->w1c[reg + i] = (uint8_t)(mask >> (8 * i));
}

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint8_t revision,
                   uint32_t class_code, uint8_t header_type)
{
    memset(f, 0, sizeof(*f));
    pci_set(f, PCI_VENDOR, 2, vendor);
    pci_set(f, PCI_VENDOR + 2, 2, device);
    pci_set(f, PCI_REVISION, 1, revision);
    pci_set(f, PCI_REVISION + 1, 3, class_code);
    pci_set(f, PCI_HEADER_TYPE, 1, header_type);
    pci_set_wmask(f, PCI_COMMAND, 2, 0x0547);     /* I/O, memory, master, parity, SERR */
    pci_set_w1c(f, PCI_STATUS, 2, 0xF900);        /* parity and abort status bits */
    pci_set_wmask(f, PCI_CACHE_LINE, 1, 0xFF);
    pci_set_wmask(f, PCI_LATENCY, 1, 0xFF);
    pci_set_wmask(f, PCI_INT_LINE, 1, 0xFF);
}

uint32_t pci_cfg_read(const struct pci_func *f, unsigned reg, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && reg + i < 256; i++)
        v |= (uint32_t)f->cfg[reg + i] << (8 * i);
    return v;
}

void pci_cfg_write(struct pci_func *f, unsigned reg, unsigned size, uint32_t val)
{
    for (unsigned i = 0; i < size && reg + i < 256; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i)), *c = &f->cfg[reg + i];
        *c = (uint8_t)((*c & ~f->wmask[reg + i]) | (b & f->wmask[reg + i]));
        *c &= (uint8_t)~(b & f->w1c[reg + i]);
    }
    if (f->written)
        f->written(f->ctx, reg, size);
}
