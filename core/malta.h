/* malta.h - the Malta board pieces tlbvisor models: the FPGA's SOFTRES register and the
 * bootloader's register/argument set-up (DESIGN.md §2, as QEMU's Malta). */
#ifndef TLBVISOR_MALTA_H
#define TLBVISOR_MALTA_H

#include <stdint.h>

#define MALTA_SOFTRES     0x1F000500u
#define MALTA_SOFTRES_OFF 0x42u
#define MALTA_ENVP_VA     0x80002000u

struct bus;
struct cpu;

/* Adds the SOFTRES register: writing 0x42 powers the machine off (exit status 0). */
int malta_attach_softres(struct cpu *cpu, struct bus *bus);
/* Writes argv/envp at MALTA_ENVP_VA and sets $a0-$a3, $sp, pc as QEMU's Malta bootloader. */
void malta_boot(struct cpu *cpu, uint32_t entry, const char *image, const char *cmdline);
/* The same for a guest whose RAM is reached through write(ctx, guest-physical, ...). */
typedef void (*malta_write_fn)(void *ctx, uint32_t gpa, const void *src, uint32_t len);
void malta_boot_to(struct cpu *cpu, uint32_t ram_bytes, uint32_t entry, const char *image,
                   const char *cmdline, malta_write_fn write, void *ctx);

#endif
