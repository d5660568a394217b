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

static void prom_set(struct cpu *cpu, int index, const char *s)
{
    uint32_t table = MALTA_ENVP_VA & 0x1FFFFFFFu;
    uint32_t str_va = MALTA_ENVP_VA + ENVP_ENTRIES * 4 + (uint32_t)index * ENVP_ENTRY_BYTES;
    uint32_t ptr = s ? str_va : 0;
    memcpy(cpu->ram + table + (uint32_t)index * 4, &ptr, 4);
    if (s) {
        char *dst = (char *)cpu->ram + (str_va & 0x1FFFFFFFu);
        snprintf(dst, ENVP_ENTRY_BYTES, "%s", s);
    }
}

void malta_boot(struct cpu *cpu, uint32_t entry, const char *image, const char *cmdline)
{
    char num[32];
    uint32_t low = cpu->ram_bytes < (256u << 20) ? cpu->ram_bytes : (256u << 20);
    int i = 0;
    prom_set(cpu, i++, image);
    prom_set(cpu, i++, cmdline ? cmdline : "");
    prom_set(cpu, i++, "memsize");
    snprintf(num, sizeof(num), "%u", low);
    prom_set(cpu, i++, num);
    prom_set(cpu, i++, "ememsize");
    snprintf(num, sizeof(num), "%u", cpu->ram_bytes);
    prom_set(cpu, i++, num);
    prom_set(cpu, i++, "modetty0");
    prom_set(cpu, i++, "38400n8r");
    prom_set(cpu, i++, NULL);
    cpu->gpr[4] = 2;                               /* $a0 = argc */
    cpu->gpr[5] = MALTA_ENVP_VA;                   /* $a1 = argv */
    cpu->gpr[6] = MALTA_ENVP_VA + 8;               /* $a2 = envp */
    cpu->gpr[7] = low;                             /* $a3 = RAM size */
    cpu->gpr[29] = MALTA_ENVP_VA - 64;             /* $sp */
    cpu->pc = entry;
    cpu->npc = entry + 4;
}
