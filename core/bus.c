/* bus.c - physical address decoding for device accesses. RAM accesses never come here: the
 * CPU reaches RAM directly (through its translation cache or cpu_mem.c). */
#include <string.h>

#include "bus.h"

void bus_init(struct bus *bus, uint8_t *ram, uint32_t ram_bytes)
{
    memset(bus, 0, sizeof(*bus));
    bus->ram = ram;
    bus->ram_bytes = ram_bytes;
}

int bus_add_device(struct bus *bus, const struct bus_device *dev)
{
    if (bus->ndev == BUS_MAX_DEVICES)
        return -1;
    bus->dev[bus->ndev++] = *dev;
    return 0;
}

static struct bus_device *find(struct bus *bus, uint32_t pa, unsigned size)
{
    for (unsigned i = 0; i < bus->ndev; i++) {
        struct bus_device *d = &bus->dev[i];
        if (pa >= d->base && pa - d->base + size <= d->bytes)
            return d;
    }
    return NULL;
}

int bus_read(struct bus *bus, uint32_t pa, unsigned size, uint32_t *val)
{
    struct bus_device *d = find(bus, pa, size);
    if (!d || !d->read)
        return -1;
    return d->read(d->ctx, pa - d->base, size, val);
}

int bus_write(struct bus *bus, uint32_t pa, unsigned size, uint32_t val)
{
    struct bus_device *d = find(bus, pa, size);
    if (!d || !d->write)
        return -1;
    return d->write(d->ctx, pa - d->base, size, val);
}
