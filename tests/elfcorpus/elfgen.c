/* tests/elfcorpus/elfgen.c — see elfgen.h. Writes every field byte by byte, so the
 * output does not depend on the host's byte order or on <elf.h>. */
#include "elfgen.h"

#include <stdlib.h>
#include <string.h>

struct elfgen elfgen_valid(void)
{
    struct elfgen g;
    memset(&g, 0, sizeof(g));
    g.ei_class = 1;     /* ELFCLASS32 */
    g.ei_data = 1;      /* ELFDATA2LSB */
    g.ei_version = 1;   /* EV_CURRENT */
    g.type = 2;         /* ET_EXEC */
    g.machine = 8;      /* EM_MIPS */
    g.phentsize = 32;
    g.phnum = 2;
    g.nph = 2;
    g.entry = ELFGEN_TEXT_VA;
    g.phoff = 52;
    g.ph[0] = (struct elfgen_ph){ .type = 1, .offset = ELFGEN_TEXT_OFF,
        .vaddr = ELFGEN_TEXT_VA,
        .filesz = ELFGEN_TEXT_BYTES, .memsz = ELFGEN_TEXT_BYTES, .flags = 4 | 1,
        .align = 0x10 };
    g.ph[1] = (struct elfgen_ph){ .type = 1, .offset = ELFGEN_DATA_OFF,
        .vaddr = ELFGEN_DATA_VA,
        .filesz = ELFGEN_DATA_FILESZ, .memsz = ELFGEN_DATA_MEMSZ, .flags = 4 | 2,
        .align = 0x10 };
    g.file_bytes = ELFGEN_FILE_BYTES;
    return g;
}

uint8_t elfgen_byte(size_t off)
{
    return (uint8_t)(off * 7u + 1u);
}

static void put(uint8_t *b, size_t len, size_t off, uint32_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        if (off + i < len)
            b[off + i] = (uint8_t)(v >> (8 * i));
}

uint8_t *elfgen_build(const struct elfgen *g)
{
    size_t len = g->file_bytes;
    uint8_t *b = malloc(len + 1);
    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        b[i] = elfgen_byte(i);
    /* Header and program-header area are zero apart from the fields. */
    size_t hdr_end = ELFGEN_TEXT_OFF < len ? ELFGEN_TEXT_OFF : len;
    memset(b, 0, hdr_end);

    static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
    for (size_t i = 0; i < 4; i++)
        put(b, len, i, magic[i], 1);
    put(b, len, 4, g->ei_class, 1);
    put(b, len, 5, g->ei_data, 1);
    put(b, len, 6, g->ei_version, 1);
    put(b, len, 16, g->type, 2);
    put(b, len, 18, g->machine, 2);
    put(b, len, 20, 1, 4);              /* e_version */
    put(b, len, 24, g->entry, 4);
    put(b, len, 28, g->phoff, 4);
    put(b, len, 32, g->shoff, 4);
    put(b, len, 36, 0x70001000u, 4);    /* e_flags: EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32 */
    put(b, len, 40, 52, 2);             /* e_ehsize */
    put(b, len, 42, g->phentsize, 2);
    put(b, len, 44, g->phnum, 2);
    put(b, len, 46, 40, 2);             /* e_shentsize */
    put(b, len, 48, g->shnum, 2);
    put(b, len, 50, 0, 2);              /* e_shstrndx */

    if (g->shoff != 0) {
        for (size_t i = 0; i < 40; i++)
            put(b, len, (size_t)g->shoff + i, 0, 1);
        put(b, len, (size_t)g->shoff + 28, g->sh0_info, 4);
    }
    for (unsigned i = 0; i < g->nph; i++) {
        size_t o = (size_t)g->phoff + (size_t)i * 32;
        const struct elfgen_ph *p = &g->ph[i];
        put(b, len, o + 0, p->type, 4);
        put(b, len, o + 4, p->offset, 4);
        put(b, len, o + 8, p->vaddr, 4);
        put(b, len, o + 12, p->paddr ? p->paddr : p->vaddr, 4);  /* 0: as a linker, = vaddr */
        put(b, len, o + 16, p->filesz, 4);
        put(b, len, o + 20, p->memsz, 4);
        put(b, len, o + 24, p->flags, 4);
        put(b, len, o + 28, p->align, 4);
    }
    return b;
}
