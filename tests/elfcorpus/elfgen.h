/* tests/elfcorpus/elfgen.h — builds small MIPS32el ELF images in memory for the loader
 * tests. elfgen_valid() describes a minimal bootable file; a test changes fields of the
 * description (or bytes of the built file) to get exactly the malformation it wants.
 *
 * Layout of the valid file (352 bytes):
 *   0x000  ELF header (52 bytes), e_entry = ELFGEN_TEXT_VA
 *   0x034  2 program headers (32 bytes each)
 *   0x100  text: PT_LOAD R+X, vaddr 0x80001000, filesz = memsz = 0x40
 *   0x140  data: PT_LOAD R+W, vaddr 0x80002000, filesz 0x20, memsz 0x100 (0xe0 of bss)
 * Segment contents are elfgen_byte(offset), so a test can check what was copied.
 */
#ifndef TLBVISOR_TESTS_ELFGEN_H
#define TLBVISOR_TESTS_ELFGEN_H

#include <stddef.h>
#include <stdint.h>

#define ELFGEN_MAX_PH 40

#define ELFGEN_TEXT_OFF   0x100u
#define ELFGEN_TEXT_VA    0x80001000u
#define ELFGEN_TEXT_BYTES 0x40u
#define ELFGEN_DATA_OFF   0x140u
#define ELFGEN_DATA_VA    0x80002000u
#define ELFGEN_DATA_FILESZ 0x20u
#define ELFGEN_DATA_MEMSZ 0x100u
#define ELFGEN_FILE_BYTES 0x160u

struct elfgen_ph {
    /* paddr 0 is written as vaddr (what a linker does without AT()). */
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

struct elfgen {
    uint8_t ei_class, ei_data, ei_version;
    uint16_t type, machine, phentsize, phnum;  /* phnum is what e_phnum says */
    uint32_t entry, phoff, shoff;
    uint16_t shnum;
    uint32_t sh0_info;                         /* section header 0's sh_info (PN_XNUM count) */
    unsigned nph;                              /* program headers actually written */
    struct elfgen_ph ph[ELFGEN_MAX_PH];
    size_t file_bytes;
};

/* The description of the valid file above. */
struct elfgen elfgen_valid(void);

/* Content byte stored at file offset off. */
uint8_t elfgen_byte(size_t off);

/* Serializes g (little-endian); returns a malloc'd buffer of g->file_bytes bytes.
 * When shoff != 0 a null section header 0 carrying sh0_info is written there.
 * Anything that would fall past file_bytes is clipped, never written out of bounds. */
uint8_t *elfgen_build(const struct elfgen *g);

#endif
