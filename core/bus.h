/* bus.h - the physical address space: RAM at 0 and memory-mapped devices.
 * Devices register read/write callbacks on a physical range (TinyEMU's phys_mem style).
 * Addresses that are neither RAM nor a device give a bus error (IBE/DBE). */
#ifndef TLBVISOR_BUS_H
#define TLBVISOR_BUS_H

#include <stdint.h>

#define BUS_MAX_DEVICES 8

struct bus_device {
    const char *name;
    uint32_t base, bytes;
    void *ctx;
    /* off is relative to base; size is 1, 2 or 4. Return 0, or -1 for a bus error. */
    int (*read)(void *ctx, uint32_t off, unsigned size, uint32_t *val);
    int (*write)(void *ctx, uint32_t off, unsigned size, uint32_t val);
};

struct bus {
    uint8_t *ram;
    uint32_t ram_bytes;
    unsigned ndev;
    struct bus_device dev[BUS_MAX_DEVICES];
};

void bus_init(struct bus *bus, uint8_t *ram, uint32_t ram_bytes);
int bus_add_device(struct bus *bus, const struct bus_device *dev);
/* Device (non-RAM) access. Return 0, or -1 for a bus error. */
int bus_read(struct bus *bus, uint32_t pa, unsigned size, uint32_t *val);
int bus_write(struct bus *bus, uint32_t pa, unsigned size, uint32_t val);

#endif
