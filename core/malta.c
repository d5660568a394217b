/* malta.c - SOFTRES and the Malta boot protocol. */
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "cpu.h"
#include "malta.h"

static int softres_read(void *ctx, uint32_t off, unsigned size, uint32_t *val)
{
    (void)ctx; (void)off; (void)size;
    *val = 0;
    return 0;
}

static int softres_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
    (void)off; (void)size;
    if (val == MALTA_SOFTRES_OFF)
        cpu_request_stop(ctx, CPU_STOP_POWEROFF, 0);
    return 0;
}

int malta_attach_softres(struct cpu *cpu, struct bus *bus)
{
    struct bus_device d = { .name = "softres", .base = MALTA_SOFTRES, .bytes = 4, .ctx = cpu,
                            .read = softres_read, .write = softres_write };
    return bus_add_device(bus, &d);
}

/* QEMU's prom_set layout: 16 pointers, then 256-byte strings, the whole at MALTA_ENVP_VA. */
#define ENVP_ENTRIES 16
#define ENVP_ENTRY_BYTES 256
#define ENVP_BYTES (ENVP_ENTRIES * 4 + 9 * ENVP_ENTRY_BYTES)

static void prom_set(uint8_t *buf, int index, const char *s)
{
    uint32_t str_off = ENVP_ENTRIES * 4 + (uint32_t)index * ENVP_ENTRY_BYTES;
    uint32_t ptr = s ? MALTA_ENVP_VA + str_off : 0;
    memcpy(buf + (uint32_t)index * 4, &ptr, 4);
    if (s)
        snprintf((char *)buf + str_off, ENVP_ENTRY_BYTES, "%s", s);
}

void malta_boot_to(struct cpu *cpu, uint32_t ram_bytes, uint32_t entry, const char *image,
                   const char *cmdline, malta_write_fn write, void *ctx)
{
    static uint8_t buf[ENVP_BYTES];
    char num[32];
    uint32_t low = ram_bytes < (256u << 20) ? ram_bytes : (256u << 20);
    int i = 0;
    memset(buf, 0, sizeof(buf));
    prom_set(buf, i++, image);
    prom_set(buf, i++, cmdline ? cmdline : "");
    prom_set(buf, i++, "memsize");
    snprintf(num, sizeof(num), "%u", low);
    prom_set(buf, i++, num);
    prom_set(buf, i++, "ememsize");
    snprintf(num, sizeof(num), "%u", ram_bytes);
    prom_set(buf, i++, num);
    prom_set(buf, i++, "modetty0");
    prom_set(buf, i++, "38400n8r");
    prom_set(buf, i++, NULL);
    write(ctx, MALTA_ENVP_VA & 0x1FFFFFFFu, buf, sizeof(buf));
    cpu->gpr[4] = 2;                               /* $a0 = argc */
    cpu->gpr[5] = MALTA_ENVP_VA;                   /* $a1 = argv */
    cpu->gpr[6] = MALTA_ENVP_VA + 8;               /* $a2 = envp */
    cpu->gpr[7] = low;                             /* $a3 = RAM size */
    cpu->gpr[29] = MALTA_ENVP_VA - 64;             /* $sp */
    cpu->pc = entry;
    cpu->npc = entry + 4;
}

static void write_ram(void *ctx, uint32_t pa, const void *src, uint32_t len)
{
    struct cpu *cpu = ctx;
    memcpy(cpu->ram + pa, src, len);
}

void malta_boot(struct cpu *cpu, uint32_t entry, const char *image, const char *cmdline)
{
    malta_boot_to(cpu, cpu->ram_bytes, entry, image, cmdline, write_ram, cpu);
}
