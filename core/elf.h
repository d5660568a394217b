/* core/elf.h — loading a guest ELF image (MIPS32 little-endian, ET_EXEC).
 *
 * Boot protocol (DESIGN.md §2, as QEMU's Malta loader): every PT_LOAD segment is
 * linked at a kseg0 (0x80000000..0x9FFFFFFF) or kseg1 (0xA0000000..0xBFFFFFFF)
 * virtual address and is placed in guest RAM at guest-physical p_paddr & 0x1FFFFFFF
 * (QEMU's cpu_mips_kseg0_to_phys on p_paddr; ordinary links have p_paddr == p_vaddr). What is validated is listed in docs/elf-loading.md.
 *
 * Segment numbers in error messages are program-header indices, counting from 0.
 */
#ifndef TLBVISOR_CORE_ELF_H
#define TLBVISOR_CORE_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS 16

/* One loadable segment; all addresses are 32-bit guest addresses. */
struct elf_seg {
    uint32_t paddr;       /* guest-physical load address (p_paddr & 0x1FFFFFFF) */
    uint32_t vaddr;       /* guest-virtual link address (kseg0/kseg1) */
    uint32_t filesz;      /* bytes taken from the file */
    uint32_t memsz;       /* bytes occupied in RAM; memsz - filesz are zero-filled */
    uint32_t flags;       /* p_flags: PF_X 1, PF_W 2, PF_R 4 */
    const uint8_t *data;  /* filesz bytes inside elf_image.file; NULL when filesz == 0 */
};

struct elf_image {
    uint32_t entry;              /* guest-virtual entry point (kseg0/kseg1) */
    unsigned nseg;
    struct elf_seg seg[ELF_MAX_SEGS];  /* in program-header order */
    uint8_t *file;               /* owned copy of the file bytes; seg[].data points into it */
    size_t file_bytes;
};

/* Parses and validates an ELF image held in memory (copied). ram_bytes is the guest RAM size.
 * Returns 0, or -1 with a one-line message in err (no trailing newline) naming the problem.
 * On failure *img is left empty (elf_free on it is a no-op); err may be NULL if errlen is 0. */
int elf_parse(const uint8_t *bytes, size_t len, uint32_t ram_bytes, struct elf_image *img, char *err, size_t errlen);

/* Reads the file at path (a regular file or a pipe, read once: core/file.h) and calls
 * elf_parse. Messages, for I/O errors as for validation, do not name the path: the caller
 * prefixes it (file_msg). */
int elf_load_file(const char *path, uint32_t ram_bytes, struct elf_image *img, char *err, size_t errlen);

/* Copies every PT_LOAD segment into guest RAM at its physical address and zero-fills memsz-filesz.
 * ram is the host view of guest-physical address 0 and holds at least the ram_bytes that
 * the image was validated against. */
void elf_copy_to_ram(const struct elf_image *img, uint8_t *ram);

/* The guest-physical address just past the highest byte the image occupies. */
uint32_t elf_image_end(const struct elf_image *img);

/* Releases the file copy and empties *img. Safe on an empty or already freed image. */
void elf_free(struct elf_image *img);

#endif /* TLBVISOR_CORE_ELF_H */
