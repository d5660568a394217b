/* pci.h - one PCI function's 256-byte configuration space, as a host bridge reaches it
 * through configuration cycles: stored bytes, a per-byte write mask and write-1-to-clear
 * mask (status bits), and an optional hook that sees every write (a function whose
 * registers decode something, e.g. the PIIX4's PM base, acts on it there). */
#ifndef TLBVISOR_PCI_H
#define TLBVISOR_PCI_H

#include <stdint.h>

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CACHE_LINE 0x0C
#define PCI_LATENCY 0x0D
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM 0x2C
#define PCI_INT_LINE 0x3C
#define PCI_INT_PIN 0x3D
#define PCI_HEADER_MULTI 0x80

struct pci_func {
    uint8_t cfg[256], wmask[256], w1c[256];
    void (*written)(void *ctx, unsigned reg, unsigned size);   /* after a write, or NULL */
    void *ctx;
};

/* An empty type-0 header: IDs, revision, class (24 bits: class, subclass, prog-if) and
 * header type; command, latency and interrupt line writable, the status error bits
 * write-1-to-clear. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint8_t revision,
                   uint32_t class_code, uint8_t header_type);
/* Configuration read/write of size 1, 2 or 4 bytes at reg (size-aligned, within 256). */
uint32_t pci_cfg_read(const struct pci_func *f, unsigned reg, unsigned size);
void pci_cfg_write(struct pci_func *f, unsigned reg, unsigned size, uint32_t val);
/* Reset values and masks for the function's own registers (little-endian). */
void pci_set(struct pci_func *f, unsigned reg, unsigned size, uint32_t val);
void pci_set_wmask(struct pci_func *f, unsigned reg, unsigned size, uint32_t mask);
void pci_set_w1c(struct pci_func *f, unsigned reg, unsigned size, uint32_t mask);

#endif
