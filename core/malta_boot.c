/* malta_boot.c - the boot protocol of QEMU's Malta loader (malta.h): what its pseudo
 * bootloader leaves in memory and registers when it jumps to a kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "file.h"
#include "malta.h"

/* QEMU's prom table: 16 pointers, then 256-byte strings, at MALTA_ENVP_VA. Only the
 * entries used are written (argv 2, environment 4 pairs, the terminating NULL). */
#define ENVP_ENTRIES 16
#define ENVP_ENTRY_BYTES 256
#define ENVP_USED 11
#define ENVP_BYTES (ENVP_ENTRIES * 4 + (ENVP_USED - 1) * ENVP_ENTRY_BYTES)
/* The initrd goes at the top of low memory, 128 KiB below its end (room QEMU leaves for
 * the kernel's bootmem), aligned up to 64 KiB. */
#define INITRD_GAP (128u << 10)
#define INITRD_ALIGN (64u << 10)
#define LOW_RAM_MAX (256u << 20)

static void prom_set(uint8_t *buf, int index, const char *s)
{
    uint32_t str_off = ENVP_ENTRIES * 4 + (uint32_t)index * ENVP_ENTRY_BYTES;
    uint32_t ptr = s ? MALTA_ENVP_VA + str_off : 0;
    memcpy(buf + (uint32_t)index * 4, &ptr, 4);
    if (s) {
        size_t n = strlen(s);                  /* as QEMU's vsnprintf: at most 255 bytes */
        if (n > ENVP_ENTRY_BYTES - 1)
            n = ENVP_ENTRY_BYTES - 1;
        memcpy(buf + str_off, s, n);
        buf[str_off + n] = 0;
    }
}

/* 32 bytes of seed as 64 hex digits: deterministic (QEMU draws them from the host), and
 * different for each value of seed. */
static void rng_seed_hex(unsigned seed, char out[65])
{
    uint64_t x = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 32; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        snprintf(out + 2 * i, 3, "%02x", (unsigned)(x >> 56));
    }
}

int malta_boot_to(struct cpu *cpu, const struct malta_boot *b, malta_write_fn write, void *ctx,
                  char *err, size_t errlen)
{
    static uint8_t buf[ENVP_BYTES];
    char num[32], seed[65], arg[512];
    uint32_t low = b->ram_bytes < LOW_RAM_MAX ? b->ram_bytes : LOW_RAM_MAX;
    int i = 0;

    snprintf(arg, sizeof(arg), "%s", b->cmdline ? b->cmdline : "");
    if (b->initrd) {
        if ((uint64_t)b->initrd_bytes + INITRD_GAP > low) {
            snprintf(err, errlen, "initrd of %u bytes does not fit in %u bytes of low memory",
                     b->initrd_bytes, low);
            return -1;
        }
        uint32_t at = (low - (b->initrd_bytes + INITRD_GAP) + INITRD_ALIGN - 1) &
                      ~(INITRD_ALIGN - 1);
        if (b->kernel_end >= at) {
            snprintf(err, errlen, "memory too small for the initrd: the kernel ends at 0x%08x, "
                     "the initrd would start at 0x%08x", b->kernel_end, at);
            return -1;
        }
        write(ctx, at, b->initrd, b->initrd_bytes);
        /* QEMU prints the kseg0 address sign-extended to 64 bits; Linux's memparse keeps
         * the low 32 bits. The same string, so that the kernel logs the same line. */
        snprintf(arg, sizeof(arg), "rd_start=0xffffffff%08x rd_size=%u %s", 0x80000000u | at,
                 b->initrd_bytes, b->cmdline ? b->cmdline : "");
    }
    memset(buf, 0, sizeof(buf));
    const char *slash = b->image ? strrchr(b->image, '/') : NULL;
    prom_set(buf, i++, b->argv0 ? b->argv0 : slash ? slash + 1 : b->image);
    prom_set(buf, i++, arg);
    prom_set(buf, i++, "memsize");
    snprintf(num, sizeof(num), "%u", low);
    prom_set(buf, i++, num);
    prom_set(buf, i++, "ememsize");
    snprintf(num, sizeof(num), "%u", b->ram_bytes);
    prom_set(buf, i++, num);
    prom_set(buf, i++, "modetty0");
    prom_set(buf, i++, "38400n8r");
    prom_set(buf, i++, "rngseed");
    rng_seed_hex(b->seed, seed);
    prom_set(buf, i++, seed);
    prom_set(buf, i++, NULL);
    write(ctx, MALTA_ENVP_VA & 0x1FFFFFFFu, buf, sizeof(buf));
    cpu->gpr[4] = 2;                               /* $a0 = argc */
    cpu->gpr[5] = MALTA_ENVP_VA;                   /* $a1 = argv */
    cpu->gpr[6] = MALTA_ENVP_VA + 8;               /* $a2 = envp */
    cpu->gpr[7] = low;                             /* $a3 = RAM size */
    cpu->gpr[29] = MALTA_ENVP_VA - 64;             /* $sp */
    cpu->pc = b->entry;
    cpu->npc = b->entry + 4;
    return 0;
}

static void write_ram(void *ctx, uint32_t pa, const void *src, uint32_t len)
{
    struct cpu *cpu = ctx;
    memcpy(cpu->ram + pa, src, len);
}

int malta_boot(struct cpu *cpu, const struct malta_boot *b, char *err, size_t errlen)
{
    return malta_boot_to(cpu, b, write_ram, cpu, err, errlen);
}

int malta_load_initrd(const char *path, uint8_t **data, size_t *bytes, char *err, size_t errlen)
{
    char msg[256];
    if (file_read_all(path, "initrd", LOW_RAM_MAX, NULL, 0, data, bytes, msg, sizeof(msg)) != 0) {
        file_msg(err, errlen, path, msg);
        return -1;
    }
    if (*bytes == 0) {
        free(*data);
        *data = NULL;
        file_msg(err, errlen, path, "empty file");
        return -1;
    }
    return 0;
}
