/* core/elf.c — guest ELF loading: libelf reads the headers, this file decides
 * whether the image can boot on tlbvisor (DESIGN.md §2 "Boot protocol").
 *
 * Order of work in elf_parse:
 *   1. e_ident checks on the raw bytes (magic, class, byte order, version), so that
 *      libelf is only ever handed a little-endian ELF32 file whose header is complete
 *      (it then never converts the buffer in place);
 *   2. libelf (elf_memory on our private copy) reads the ELF header, the program-header
 *      count (including the PN_XNUM escape) and each program header;
 *   3. semantic checks against the boot protocol and the guest RAM size.
 * libelf's handle is closed before returning; only the copy of the file is kept.
 */
#include "elf.h"
#include "file.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KSEG0_BASE   0x80000000u
#define KSEG1_BASE   0xA0000000u
#define KSEG2_BASE   0xC0000000u   /* first address past kseg1 */
#define KSEG_SIZE    0x20000000u   /* bytes in each of kseg0 and kseg1 */
#define KSEG_PA_MASK 0x1FFFFFFFu   /* QEMU's cpu_mips_kseg0_to_phys */

/* Largest file elf_load_file will read: far above any guest RAM (256 MiB). */
#define ELF_FILE_MAX_BYTES ((size_t)1 << 30)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool in_kseg01(uint32_t va)
{
    return va >= KSEG0_BASE && va < KSEG2_BASE;
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_NONE:    return "EM_NONE";
    case EM_SPARC:   return "SPARC";
    case EM_386:     return "x86";
    case EM_68K:     return "m68k";
    case EM_PPC:     return "PowerPC";
    case EM_PPC64:   return "PowerPC64";
    case EM_S390:    return "s390";
    case EM_ARM:     return "ARM";
    case EM_SH:      return "SuperH";
    case EM_SPARCV9: return "SPARC64";
    case EM_IA_64:   return "IA-64";
    case EM_X86_64:  return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV:   return "RISC-V";
    default:         return NULL;
    }
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case ET_NONE: return "ET_NONE";
    case ET_REL:  return "ET_REL, a relocatable object: link it first";
    case ET_DYN:  return "ET_DYN, a shared object or PIE: link with -no-pie";
    case ET_CORE: return "ET_CORE";
    default:      return NULL;
    }
}

/* "128 MiB", "64 KiB" or "1000 bytes": RAM sizes as a user wrote them. */
static void fmt_size(char *buf, size_t buflen, uint32_t bytes)
{
    if (bytes != 0 && bytes % (1024u * 1024u) == 0)
        snprintf(buf, buflen, "%u MiB", bytes / (1024u * 1024u));
    else if (bytes != 0 && bytes % 1024u == 0)
        snprintf(buf, buflen, "%u KiB", bytes / 1024u);
    else
        snprintf(buf, buflen, "%u bytes", bytes);
}

/* Checks e_ident and the header length on the raw bytes, before libelf sees them. */
static int check_ident(const uint8_t *b, size_t len, char *err, size_t errlen)
{
    if (len < SELFMAG || memcmp(b, ELFMAG, SELFMAG) != 0) {
        set_err(err, errlen, "not an ELF file");
        return -1;
    }
    if (len < EI_NIDENT) {
        set_err(err, errlen, "truncated ELF: identification ends at byte %u of a %zu-byte file",
                (unsigned)EI_NIDENT, len);
        return -1;
    }
    if (b[EI_CLASS] == ELFCLASS64) {
        set_err(err, errlen, "ELF is 64-bit; tlbvisor needs ELF32");
        return -1;
    }
    if (b[EI_CLASS] != ELFCLASS32) {
        set_err(err, errlen, "ELF class %u is invalid; tlbvisor needs ELF32", b[EI_CLASS]);
        return -1;
    }
    if (b[EI_DATA] == ELFDATA2MSB) {
        set_err(err, errlen, "ELF is big-endian; tlbvisor needs little-endian MIPS");
        return -1;
    }
    if (b[EI_DATA] != ELFDATA2LSB) {
        set_err(err, errlen, "ELF data encoding %u is invalid; tlbvisor needs little-endian",
                b[EI_DATA]);
        return -1;
    }
    if (b[EI_VERSION] != EV_CURRENT) {
        set_err(err, errlen, "ELF version %u is not %u (EV_CURRENT)", b[EI_VERSION],
                (unsigned)EV_CURRENT);
        return -1;
    }
    if (len < sizeof(Elf32_Ehdr)) {
        set_err(err, errlen, "truncated ELF: header ends at byte %zu of a %zu-byte file",
                sizeof(Elf32_Ehdr), len);
        return -1;
    }
    return 0;
}

/* Checks the ELF header fields and the program-header table's place in the file.
 * Sets *phnum. */
static int check_ehdr(Elf *e, const GElf_Ehdr *eh, size_t len, size_t *phnum,
                      char *err, size_t errlen)
{
    if (eh->e_machine != EM_MIPS) {
        const char *name = machine_name(eh->e_machine);
        if (name != NULL)
            set_err(err, errlen, "ELF machine is %u (%s), not MIPS", eh->e_machine, name);
        else
            set_err(err, errlen, "ELF machine is %u, not MIPS", eh->e_machine);
        return -1;
    }
    if (eh->e_type != ET_EXEC) {
        const char *name = type_name(eh->e_type);
        if (name != NULL)
            set_err(err, errlen, "ELF type is %u (%s), not ET_EXEC", eh->e_type, name);
        else
            set_err(err, errlen, "ELF type is %u, not ET_EXEC", eh->e_type);
        return -1;
    }
    if (eh->e_phnum == 0 || eh->e_phoff == 0) {
        set_err(err, errlen, "ELF has no program headers");
        return -1;
    }
    if (eh->e_phentsize != sizeof(Elf32_Phdr)) {
        set_err(err, errlen, "ELF program header size is %u, expected %zu",
                eh->e_phentsize, sizeof(Elf32_Phdr));
        return -1;
    }
    /* e_phnum == PN_XNUM means the real count is in section 0's sh_info. libelf's own
     * elf_getphdrnum() silently cuts the count down to what fits in the file, so the
     * count is taken from the headers here and checked against the file size below. */
    *phnum = eh->e_phnum;
    if (eh->e_phnum == PN_XNUM) {
        GElf_Shdr sh0;
        Elf_Scn *scn = elf_getscn(e, 0);
        if (scn == NULL || gelf_getshdr(scn, &sh0) == NULL) {
            set_err(err, errlen, "ELF program header count is PN_XNUM (0xffff) "
                    "but section header 0, which holds the count, is unreadable");
            return -1;
        }
        *phnum = sh0.sh_info;
        if (*phnum == 0) {
            set_err(err, errlen, "ELF has no program headers");
            return -1;
        }
    }
    /* Both terms are below 2^32 * 2^6, so the 64-bit sum cannot wrap. */
    uint64_t end = (uint64_t)eh->e_phoff + (uint64_t)*phnum * sizeof(Elf32_Phdr);
    if (end > len) {
        set_err(err, errlen,
                "truncated ELF: program header table ends at byte %llu of a %zu-byte file",
                (unsigned long long)end, len);
        return -1;
    }
    return 0;
}

/* Validates program header i (a PT_LOAD with memsz != 0) and fills *s.
 * Every sum is computed in 64 bits, so 32-bit wrap-around cannot hide a bad range. */
static int check_load(unsigned i, const GElf_Phdr *ph, uint8_t *file, size_t len,
                      uint32_t ram_bytes, struct elf_seg *s, char *err, size_t errlen)
{
    uint32_t va = (uint32_t)ph->p_vaddr;
    uint64_t va_end = (uint64_t)va + ph->p_memsz;

    if (!in_kseg01(va)) {
        set_err(err, errlen,
                "segment %u at virtual 0x%08x is not in kseg0/kseg1 (0x80000000..0xbfffffff)",
                i, va);
        return -1;
    }
    /* The load address is p_paddr through the kseg0/kseg1 mask, as QEMU's loader does;
     * for ordinary links p_paddr == p_vaddr. */
    uint32_t pa = (uint32_t)ph->p_paddr & KSEG_PA_MASK;
    uint64_t pa_end = (uint64_t)pa + ph->p_memsz;
    if (pa_end > ram_bytes) {
        char size[32];
        fmt_size(size, sizeof(size), ram_bytes);
        set_err(err, errlen, "segment %u at 0x%08x..0x%08llx lies outside RAM (%s)",
                i, va, (unsigned long long)va_end, size);
        return -1;
    }
    /* Only reachable when RAM exceeds 512 MiB: the physical range is contiguous but the
     * virtual one would run from kseg0 into kseg1 (or past kseg1), which maps elsewhere. */
    uint64_t kseg_end = (va < KSEG1_BASE ? KSEG1_BASE : KSEG2_BASE);
    if (va_end > kseg_end) {
        set_err(err, errlen, "segment %u at 0x%08x..0x%08llx runs past the end of %s",
                i, va, (unsigned long long)va_end, va < KSEG1_BASE ? "kseg0" : "kseg1");
        return -1;
    }
    if (ph->p_filesz != 0) {
        uint64_t file_end = ph->p_offset + ph->p_filesz;
        if (file_end > len) {
            set_err(err, errlen,
                    "truncated ELF: segment %u data ends at byte %llu of a %zu-byte file",
                    i, (unsigned long long)file_end, len);
            return -1;
        }
    }
    s->paddr = pa;
    s->vaddr = va;
    s->filesz = (uint32_t)ph->p_filesz;
    s->memsz = (uint32_t)ph->p_memsz;
    s->flags = ph->p_flags;
    s->data = ph->p_filesz != 0 ? file + ph->p_offset : NULL;
    return 0;
}

/* Finds the loaded segment holding the 4-byte instruction at physical address pa. */
static int seg_holding(const struct elf_image *img, uint32_t pa)
{
    for (unsigned k = 0; k < img->nseg; k++) {
        const struct elf_seg *s = &img->seg[k];
        if (pa >= s->paddr && (uint64_t)pa + 4 <= (uint64_t)s->paddr + s->memsz)
            return (int)k;
    }
    return -1;
}

/* Parses the image in file[0..len), which the caller has allocated and hands over.
 * On success img owns file; on failure file is freed. */
static int parse_owned(uint8_t *file, size_t len, uint32_t ram_bytes, struct elf_image *img,
                       char *err, size_t errlen)
{
    unsigned idx[ELF_MAX_SEGS] = { 0 };  /* program-header index of each img->seg[] */
    size_t phnum = 0;
    Elf *e = NULL;
    GElf_Ehdr eh;

    memset(img, 0, sizeof(*img));
    if (check_ident(file, len, err, errlen) != 0)
        goto fail;

    if (elf_version(EV_CURRENT) == EV_NONE) {
        set_err(err, errlen, "libelf is too old: %s", elf_errmsg(-1));
        goto fail;
    }
    e = elf_memory((char *)file, len);
    if (e == NULL || elf_kind(e) != ELF_K_ELF || gelf_getehdr(e, &eh) == NULL) {
        set_err(err, errlen, "cannot read ELF header: %s", elf_errmsg(-1));
        goto fail;
    }
    if (check_ehdr(e, &eh, len, &phnum, err, errlen) != 0)
        goto fail;

    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) == NULL) {
            set_err(err, errlen, "cannot read program header %zu: %s", i, elf_errmsg(-1));
            goto fail;
        }
        if (ph.p_type != PT_LOAD)
            continue;
        if (ph.p_filesz > ph.p_memsz) {
            set_err(err, errlen, "segment %zu has filesz 0x%llx > memsz 0x%llx", i,
                    (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
            goto fail;
        }
        if (ph.p_memsz == 0)
            continue;
        if (img->nseg == ELF_MAX_SEGS) {
            set_err(err, errlen, "ELF has more than %d loadable segments", ELF_MAX_SEGS);
            goto fail;
        }
        if (check_load((unsigned)i, &ph, file, len, ram_bytes, &img->seg[img->nseg],
                       err, errlen) != 0)
            goto fail;
        idx[img->nseg++] = (unsigned)i;
    }
    if (img->nseg == 0) {
        set_err(err, errlen, "ELF has no loadable segments");
        goto fail;
    }

    for (unsigned a = 0; a < img->nseg; a++) {
        for (unsigned b = a + 1; b < img->nseg; b++) {
            const struct elf_seg *sa = &img->seg[a], *sb = &img->seg[b];
            uint64_t a_end = (uint64_t)sa->paddr + sa->memsz;
            uint64_t b_end = (uint64_t)sb->paddr + sb->memsz;
            if (sa->paddr < b_end && sb->paddr < a_end) {
                uint32_t at = sa->paddr > sb->paddr ? sa->paddr : sb->paddr;
                set_err(err, errlen, "segments %u and %u overlap at physical 0x%08x",
                        idx[a], idx[b], at);
                goto fail;
            }
        }
    }

    uint32_t entry = (uint32_t)eh.e_entry;
    if (!in_kseg01(entry)) {
        set_err(err, errlen, "entry point 0x%08x is not in kseg0/kseg1", entry);
        goto fail;
    }
    if (entry % 4 != 0) {
        set_err(err, errlen, "entry point 0x%08x is not 4-byte aligned", entry);
        goto fail;
    }
    /* Matched physically, so a kseg1 entry into a kseg0-linked segment is accepted. */
    int k = seg_holding(img, entry & KSEG_PA_MASK);
    if (k < 0) {
        set_err(err, errlen, "entry point 0x%08x is not inside an executable loaded segment",
                entry);
        goto fail;
    }
    if ((img->seg[k].flags & PF_X) == 0) {
        set_err(err, errlen,
                "entry point 0x%08x is inside segment %u, which is not executable (no PF_X)",
                entry, idx[k]);
        goto fail;
    }

    elf_end(e);
    img->entry = entry;
    img->file = file;
    img->file_bytes = len;
    return 0;

fail:
    if (e != NULL)
        elf_end(e);
    free(file);
    memset(img, 0, sizeof(*img));
    return -1;
}

int elf_parse(const uint8_t *bytes, size_t len, uint32_t ram_bytes, struct elf_image *img,
              char *err, size_t errlen)
{
    /* One spare byte so that an empty input still gets a real allocation. */
    uint8_t *file = malloc(len + 1);
    if (file == NULL) {
        memset(img, 0, sizeof(*img));
        set_err(err, errlen, "out of memory copying a %zu-byte ELF file", len);
        return -1;
    }
    if (len != 0)
        memcpy(file, bytes, len);
    return parse_owned(file, len, ram_bytes, img, err, errlen);
}

int elf_load_file(const char *path, uint32_t ram_bytes, struct elf_image *img, char *err,
                  size_t errlen)
{
    memset(img, 0, sizeof(*img));
    uint8_t *buf;
    size_t len;
    /* Regular files and pipes (read once, to EOF); a stream that does not start with the
     * ELF magic is given up after its first bytes (file.h). */
    if (file_read_all(path, "image", ELF_FILE_MAX_BYTES, ELFMAG, SELFMAG, &buf, &len, err,
                      errlen) != 0)
        return -1;
    return parse_owned(buf, len, ram_bytes, img, err, errlen);
}

void elf_copy_to_ram(const struct elf_image *img, uint8_t *ram)
{
    for (unsigned k = 0; k < img->nseg; k++) {
        const struct elf_seg *s = &img->seg[k];
        if (s->filesz != 0)
            memcpy(ram + s->paddr, s->data, s->filesz);
        memset(ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
    }
}

void elf_free(struct elf_image *img)
{
    free(img->file);
    memset(img, 0, sizeof(*img));
}

uint32_t elf_image_end(const struct elf_image *img)
{
    uint32_t end = 0;
    for (unsigned i = 0; i < img->nseg; i++)
        if (img->seg[i].paddr + img->seg[i].memsz > end)
            end = img->seg[i].paddr + img->seg[i].memsz;
    return end;
}
