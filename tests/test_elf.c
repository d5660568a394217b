/* tests/test_elf.c — the ELF loader (core/elf.c) on valid images and on a corpus of
 * malformed ones generated in memory by tests/elfcorpus/elfgen.c.
 *
 * Named malformations assert the exact message; the truncation and bit-flip sweeps
 * assert only "returns -1 (or a sane image) without crashing", and rely on the
 * sanitizers (ASan, UBSan, LSan) or valgrind to catch bad reads and leaks. */
#define _POSIX_C_SOURCE 200809L  /* mkstemp, unlink, write */

#include <criterion/criterion.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/elf.h"
#include "elfcorpus/elfgen.h"

#define MIB (1024u * 1024u)
#define RAM_128M (128u * MIB)

/* Builds g and parses it against ram_bytes; returns elf_parse's result, message in err. */
static int parse_gen(const struct elfgen *g, uint32_t ram_bytes, struct elf_image *img,
                     char *err, size_t errlen)
{
    uint8_t *b = elfgen_build(g);
    cr_assert_not_null(b);
    int rc = elf_parse(b, g->file_bytes, ram_bytes, img, err, errlen);
    free(b);
    return rc;
}

/* Asserts that g is rejected with exactly msg, and that the image is left empty. */
static void expect_error(const struct elfgen *g, uint32_t ram_bytes, const char *msg)
{
    struct elf_image img;
    char err[256] = "";
    int rc = parse_gen(g, ram_bytes, &img, err, sizeof(err));
    cr_assert_eq(rc, -1, "expected failure \"%s\", got success", msg);
    cr_assert_str_eq(err, msg);
    cr_assert_null(img.file);
    cr_assert_eq(img.nseg, 0);
    elf_free(&img);
}

static void expect_ok(const struct elfgen *g, uint32_t ram_bytes, struct elf_image *img)
{
    char err[256] = "";
    int rc = parse_gen(g, ram_bytes, img, err, sizeof(err));
    cr_assert_eq(rc, 0, "unexpected failure: %s", err);
}

/* ---- valid images ---------------------------------------------------------------- */

Test(elf_valid, parses_minimal_file)
{
    struct elfgen g = elfgen_valid();
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.entry, 0x80001000u);
    cr_assert_eq(img.nseg, 2);
    cr_assert_eq(img.file_bytes, ELFGEN_FILE_BYTES);
    cr_assert_eq(img.seg[0].vaddr, 0x80001000u);
    cr_assert_eq(img.seg[0].paddr, 0x00001000u);
    cr_assert_eq(img.seg[0].filesz, 0x40u);
    cr_assert_eq(img.seg[0].memsz, 0x40u);
    cr_assert_eq(img.seg[0].flags, 5u);
    cr_assert_eq(img.seg[0].data, img.file + ELFGEN_TEXT_OFF);
    cr_assert_eq(img.seg[1].vaddr, 0x80002000u);
    cr_assert_eq(img.seg[1].paddr, 0x00002000u);
    cr_assert_eq(img.seg[1].filesz, 0x20u);
    cr_assert_eq(img.seg[1].memsz, 0x100u);
    cr_assert_eq(img.seg[1].flags, 6u);
    cr_assert_eq(img.seg[1].data, img.file + ELFGEN_DATA_OFF);
    elf_free(&img);
    cr_assert_null(img.file);
    elf_free(&img);  /* a second free is a no-op */
}

Test(elf_valid, copy_to_ram_copies_bytes_and_zeroes_bss)
{
    struct elfgen g = elfgen_valid();
    struct elf_image img;
    const uint32_t ram_bytes = 1 * MIB;
    expect_ok(&g, ram_bytes, &img);
    uint8_t *ram = malloc(ram_bytes);
    cr_assert_not_null(ram);
    memset(ram, 0xAA, ram_bytes);
    elf_copy_to_ram(&img, ram);
    elf_free(&img);  /* RAM must not depend on the image any more */

    for (uint32_t i = 0; i < ELFGEN_TEXT_BYTES; i++)
        cr_assert_eq(ram[0x1000 + i], elfgen_byte(ELFGEN_TEXT_OFF + i), "text byte %u", i);
    for (uint32_t i = 0; i < ELFGEN_DATA_FILESZ; i++)
        cr_assert_eq(ram[0x2000 + i], elfgen_byte(ELFGEN_DATA_OFF + i), "data byte %u", i);
    for (uint32_t i = ELFGEN_DATA_FILESZ; i < ELFGEN_DATA_MEMSZ; i++)
        cr_assert_eq(ram[0x2000 + i], 0, "bss byte %u", i);
    /* Nothing outside the segments was touched. */
    cr_assert_eq(ram[0x0FFF], 0xAA);
    cr_assert_eq(ram[0x1000 + ELFGEN_TEXT_BYTES], 0xAA);
    cr_assert_eq(ram[0x1FFF], 0xAA);
    cr_assert_eq(ram[0x2000 + ELFGEN_DATA_MEMSZ], 0xAA);
    cr_assert_eq(ram[0], 0xAA);
    cr_assert_eq(ram[ram_bytes - 1], 0xAA);
    free(ram);
}

Test(elf_valid, kseg1_segment_and_paddr_is_load_address)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0xA0003000u;   /* uncached alias */
    g.ph[1].paddr = 0x00005000u;   /* loaded at p_paddr & 0x1FFFFFFF, as QEMU does */
    g.ph[0].paddr = 0xA0001000u;   /* a kseg1 p_paddr masks to the same physical page */
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.seg[1].vaddr, 0xA0003000u);
    cr_assert_eq(img.seg[1].paddr, 0x00005000u);
    cr_assert_eq(img.seg[0].paddr, 0x00001000u);
    elf_free(&img);
}

Test(elf_valid, entry_through_kseg1_alias)
{
    struct elfgen g = elfgen_valid();
    g.entry = 0xA0001010u;  /* same physical page as the kseg0-linked text */
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.entry, 0xA0001010u);
    elf_free(&img);
}

Test(elf_valid, non_load_headers_ignored)
{
    struct elfgen g = elfgen_valid();
    g.nph = g.phnum = 5;
    g.ph[2] = g.ph[1];
    g.ph[1] = g.ph[0];
    /* PT_PHDR, PT_NOTE and PT_GNU_STACK with values that would be errors in a PT_LOAD */
    g.ph[0] = (struct elfgen_ph){ .type = 6, .offset = 0xFFFFFFF0u, .vaddr = 0x1000,
        .filesz = 0x1000, .memsz = 0x10 };
    g.ph[3] = (struct elfgen_ph){ .type = 4, .offset = 0x7FFFFFFFu, .vaddr = 0xFFFFFFF0u,
        .filesz = 0xFFFFFFFFu, .memsz = 0xFFFFFFFFu };
    g.ph[4] = (struct elfgen_ph){ .type = 0x6474e551u, .flags = 6 };
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.nseg, 2);
    cr_assert_eq(img.seg[0].vaddr, ELFGEN_TEXT_VA);
    cr_assert_eq(img.seg[1].vaddr, ELFGEN_DATA_VA);
    elf_free(&img);
}

Test(elf_valid, empty_load_segment_skipped)
{
    struct elfgen g = elfgen_valid();
    g.nph = g.phnum = 3;
    g.ph[2] = (struct elfgen_ph){ .type = 1, .vaddr = 0x00000010u, .memsz = 0, .filesz = 0,
        .offset = 0xFFFFFFFFu };
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.nseg, 2);
    elf_free(&img);
}

Test(elf_valid, bss_only_segment_has_no_data)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].filesz = 0;
    g.ph[1].offset = 0xFFFFFFFFu;  /* irrelevant when nothing comes from the file */
    struct elf_image img;
    expect_ok(&g, 1 * MIB, &img);
    cr_assert_null(img.seg[1].data);
    uint8_t *ram = malloc(MIB);
    cr_assert_not_null(ram);
    memset(ram, 0xAA, MIB);
    elf_copy_to_ram(&img, ram);
    for (uint32_t i = 0; i < ELFGEN_DATA_MEMSZ; i++)
        cr_assert_eq(ram[0x2000 + i], 0);
    free(ram);
    elf_free(&img);
}

Test(elf_valid, segment_ending_exactly_at_ram_end)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0x80000000u + MIB - ELFGEN_DATA_MEMSZ;
    struct elf_image img;
    expect_ok(&g, MIB, &img);
    uint8_t *ram = malloc(MIB);  /* ASan checks the copy stays inside */
    cr_assert_not_null(ram);
    elf_copy_to_ram(&img, ram);
    cr_assert_eq(ram[MIB - 1], 0);
    free(ram);
    elf_free(&img);
}

Test(elf_valid, sixteen_load_segments)
{
    struct elfgen g = elfgen_valid();
    g.nph = g.phnum = ELF_MAX_SEGS;
    g.phoff = ELFGEN_FILE_BYTES;
    g.file_bytes = ELFGEN_FILE_BYTES + ELF_MAX_SEGS * 32;
    for (unsigned i = 2; i < ELF_MAX_SEGS; i++)
        g.ph[i] = (struct elfgen_ph){ .type = 1, .vaddr = 0x80010000u + i * 0x1000u,
            .memsz = 0x100, .flags = 6 };
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.nseg, ELF_MAX_SEGS);
    elf_free(&img);
}

Test(elf_valid, load_file_reads_from_disk)
{
    struct elfgen g = elfgen_valid();
    uint8_t *b = elfgen_build(&g);
    char path[] = "/tmp/tlbvisor-test-elf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, b, g.file_bytes), (ssize_t)g.file_bytes);
    close(fd);
    free(b);

    struct elf_image img;
    char err[256] = "";
    int rc = elf_load_file(path, RAM_128M, &img, err, sizeof(err));
    unlink(path);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(img.nseg, 2);
    cr_assert_eq(img.entry, ELFGEN_TEXT_VA);
    cr_assert_eq(img.seg[0].data[0], elfgen_byte(ELFGEN_TEXT_OFF));
    elf_free(&img);
}

/* ---- file errors ----------------------------------------------------------------- */

Test(elf_file, missing_file_names_path)
{
    struct elf_image img;
    char err[256] = "";
    cr_assert_eq(elf_load_file("/nonexistent/guest.elf", RAM_128M, &img, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "cannot open: No such file or directory");
    cr_assert_null(img.file);
}

Test(elf_file, directory_names_path)
{
    struct elf_image img;
    char err[256] = "";
    cr_assert_eq(elf_load_file("/", RAM_128M, &img, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "cannot read image: a directory");
    cr_assert_null(img.file);
}

Test(elf_file, empty_file_is_not_elf)
{
    struct elf_image img;
    char err[256] = "", path[] = "/tmp/tlbvisor-empty-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(elf_load_file(path, RAM_128M, &img, err, sizeof(err)), -1);
    unlink(path);
    cr_assert_str_eq(err, "not an ELF file");
}

/* Devices are refused before anything is read: /dev/zero would otherwise be read for ever
 * (or to the size limit). */
Test(elf_file, device_is_refused)
{
    struct elf_image img;
    char err[256] = "";
    cr_assert_eq(elf_load_file("/dev/zero", RAM_128M, &img, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "cannot read image: not a regular file or a pipe");
}

/* A FIFO nobody writes to: opened without blocking, it reads as empty. */
Test(elf_file, fifo_without_writer_does_not_block)
{
    struct elf_image img;
    char err[256] = "", dir[] = "/tmp/tlbvisor-fifo-XXXXXX", path[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_eq(elf_load_file(path, RAM_128M, &img, err, sizeof(err)), -1);
    unlink(path);
    rmdir(dir);
    cr_assert_str_eq(err, "not an ELF file");
}

/* A pipe delivering a stream that is not an ELF file is given up after its first bytes. */
Test(elf_file, garbage_stream_is_given_up_early)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    char buf[4096];
    memset(buf, 0, sizeof(buf));
    cr_assert_eq(write(p[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));   /* writer stays open */
    char path[64], err[256] = "";
    snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
    struct elf_image img;
    cr_assert_eq(elf_load_file(path, RAM_128M, &img, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "not an ELF file");
    close(p[0]);
    close(p[1]);
}

/* ---- identification and ELF header ---------------------------------------------- */

Test(elf_header, empty_and_garbage)
{
    struct elf_image img;
    char err[256] = "";
    cr_assert_eq(elf_parse(NULL, 0, RAM_128M, &img, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "not an ELF file");
    const char *text = "#!/bin/sh\necho hello\n";
    cr_assert_eq(elf_parse((const uint8_t *)text, strlen(text), RAM_128M, &img, err,
                           sizeof(err)), -1);
    cr_assert_str_eq(err, "not an ELF file");
    cr_assert_eq(elf_parse((const uint8_t *)"\x7f" "EL", 3, RAM_128M, &img, err,
                           sizeof(err)), -1);
    cr_assert_str_eq(err, "not an ELF file");
}

Test(elf_header, truncated_identification)
{
    struct elf_image img;
    char err[256] = "";
    cr_assert_eq(elf_parse((const uint8_t *)"\x7f" "ELF\x01\x01\x01", 7, RAM_128M, &img, err,
                           sizeof(err)), -1);
    cr_assert_str_eq(err, "truncated ELF: identification ends at byte 16 of a 7-byte file");
}

Test(elf_header, truncated_header)
{
    struct elfgen g = elfgen_valid();
    g.file_bytes = 40;
    expect_error(&g, RAM_128M, "truncated ELF: header ends at byte 52 of a 40-byte file");
}

Test(elf_header, class64)
{
    struct elfgen g = elfgen_valid();
    g.ei_class = 2;
    expect_error(&g, RAM_128M, "ELF is 64-bit; tlbvisor needs ELF32");
}

Test(elf_header, class_invalid)
{
    struct elfgen g = elfgen_valid();
    g.ei_class = 0;
    expect_error(&g, RAM_128M, "ELF class 0 is invalid; tlbvisor needs ELF32");
}

Test(elf_header, big_endian)
{
    struct elfgen g = elfgen_valid();
    g.ei_data = 2;
    expect_error(&g, RAM_128M, "ELF is big-endian; tlbvisor needs little-endian MIPS");
}

Test(elf_header, data_invalid)
{
    struct elfgen g = elfgen_valid();
    g.ei_data = 7;
    expect_error(&g, RAM_128M, "ELF data encoding 7 is invalid; tlbvisor needs little-endian");
}

Test(elf_header, ident_version)
{
    struct elfgen g = elfgen_valid();
    g.ei_version = 0;
    expect_error(&g, RAM_128M, "ELF version 0 is not 1 (EV_CURRENT)");
}

Test(elf_header, machine_x86_64)
{
    struct elfgen g = elfgen_valid();
    g.machine = 62;
    expect_error(&g, RAM_128M, "ELF machine is 62 (x86-64), not MIPS");
}

Test(elf_header, machine_arm_and_unknown)
{
    struct elfgen g = elfgen_valid();
    g.machine = 40;
    expect_error(&g, RAM_128M, "ELF machine is 40 (ARM), not MIPS");
    g.machine = 4321;
    expect_error(&g, RAM_128M, "ELF machine is 4321, not MIPS");
}

Test(elf_header, type_dyn_rel_core)
{
    struct elfgen g = elfgen_valid();
    g.type = 3;
    expect_error(&g, RAM_128M,
                 "ELF type is 3 (ET_DYN, a shared object or PIE: link with -no-pie), not ET_EXEC");
    g.type = 1;
    expect_error(&g, RAM_128M,
                 "ELF type is 1 (ET_REL, a relocatable object: link it first), not ET_EXEC");
    g.type = 4;
    expect_error(&g, RAM_128M, "ELF type is 4 (ET_CORE), not ET_EXEC");
    g.type = 0xfe00;
    expect_error(&g, RAM_128M, "ELF type is 65024, not ET_EXEC");
}

/* ---- program-header table -------------------------------------------------------- */

Test(elf_phdr, no_program_headers)
{
    struct elfgen g = elfgen_valid();
    g.phnum = 0;
    expect_error(&g, RAM_128M, "ELF has no program headers");
    g = elfgen_valid();
    g.phoff = 0;
    g.nph = 0;
    expect_error(&g, RAM_128M, "ELF has no program headers");
}

Test(elf_phdr, phentsize_wrong)
{
    struct elfgen g = elfgen_valid();
    g.phentsize = 56;
    expect_error(&g, RAM_128M, "ELF program header size is 56, expected 32");
    g.phentsize = 0;
    expect_error(&g, RAM_128M, "ELF program header size is 0, expected 32");
}

Test(elf_phdr, phoff_past_end)
{
    struct elfgen g = elfgen_valid();
    g.phoff = 0x1000;
    expect_error(&g, RAM_128M,
                 "truncated ELF: program header table ends at byte 4160 of a 352-byte file");
    g.phoff = 0xFFFFFFF0u;  /* 64-bit sum: no wrap-around to a small offset */
    expect_error(&g, RAM_128M,
                 "truncated ELF: program header table ends at byte 4294967344 of a 352-byte file");
}

Test(elf_phdr, phnum_huge)
{
    struct elfgen g = elfgen_valid();
    g.phnum = 0xFFFE;
    expect_error(&g, RAM_128M,
                 "truncated ELF: program header table ends at byte 2097140 of a 352-byte file");
}

Test(elf_phdr, phnum_xnum_without_sections)
{
    /* PN_XNUM says "the count is in section 0", but there are no sections. */
    struct elfgen g = elfgen_valid();
    g.phnum = 0xFFFF;
    expect_error(&g, RAM_128M, "ELF program header count is PN_XNUM (0xffff) but section "
                 "header 0, which holds the count, is unreadable");
}

/* An ELF whose e_phnum is PN_XNUM and whose section header 0 holds the count. */
static struct elfgen xnum_gen(uint32_t count)
{
    struct elfgen g = elfgen_valid();
    g.phnum = 0xFFFF;
    g.shoff = ELFGEN_FILE_BYTES;
    g.shnum = 1;
    g.sh0_info = count;
    g.file_bytes = ELFGEN_FILE_BYTES + 40;
    return g;
}

Test(elf_phdr, phnum_xnum_from_section_0)
{
    struct elfgen g = xnum_gen(2);
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    cr_assert_eq(img.nseg, 2);
    elf_free(&img);
    g = xnum_gen(0);
    expect_error(&g, RAM_128M, "ELF has no program headers");
    g = xnum_gen(100000);
    expect_error(&g, RAM_128M,
                 "truncated ELF: program header table ends at byte 3200052 of a 392-byte file");
}

Test(elf_phdr, table_cut_by_one_byte)
{
    struct elfgen g = elfgen_valid();
    g.phnum = 2;
    g.phoff = ELFGEN_FILE_BYTES - 63;
    g.nph = 0;
    expect_error(&g, RAM_128M,
                 "truncated ELF: program header table ends at byte 353 of a 352-byte file");
}

/* ---- PT_LOAD segments ------------------------------------------------------------ */

Test(elf_seg, filesz_greater_than_memsz)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].filesz = 0x200;
    expect_error(&g, RAM_128M, "segment 1 has filesz 0x200 > memsz 0x100");
    g.ph[1].memsz = 0;   /* even an otherwise skipped segment */
    expect_error(&g, RAM_128M, "segment 1 has filesz 0x200 > memsz 0x0");
}

Test(elf_seg, offset_plus_filesz_overflows)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].offset = 0xFFFFFF00u;
    g.ph[1].filesz = 0x100;      /* 32-bit sum wraps to 0 */
    expect_error(&g, RAM_128M,
                 "truncated ELF: segment 1 data ends at byte 4294967296 of a 352-byte file");
}

Test(elf_seg, data_past_end_of_file)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].filesz = 0x21;
    expect_error(&g, RAM_128M,
                 "truncated ELF: segment 1 data ends at byte 353 of a 352-byte file");
}

Test(elf_seg, vaddr_not_kseg01)
{
    struct elfgen g = elfgen_valid();
    g.ph[0].vaddr = 0x00400000u;
    expect_error(&g, RAM_128M,
        "segment 0 at virtual 0x00400000 is not in kseg0/kseg1 (0x80000000..0xbfffffff)");
    g.ph[0].vaddr = 0xC0000000u;
    expect_error(&g, RAM_128M,
        "segment 0 at virtual 0xc0000000 is not in kseg0/kseg1 (0x80000000..0xbfffffff)");
    g.ph[0].vaddr = 0x7FFFFFFCu;
    expect_error(&g, RAM_128M,
        "segment 0 at virtual 0x7ffffffc is not in kseg0/kseg1 (0x80000000..0xbfffffff)");
}

Test(elf_seg, outside_ram)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0x90000000u;
    g.ph[1].memsz = 0x1000;
    expect_error(&g, RAM_128M, "segment 1 at 0x90000000..0x90001000 lies outside RAM (128 MiB)");
}

Test(elf_seg, one_byte_past_ram)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0x80000000u + MIB - ELFGEN_DATA_MEMSZ + 1;
    expect_error(&g, MIB, "segment 1 at 0x800fff01..0x80100001 lies outside RAM (1 MiB)");
    expect_error(&g, 1000 * 1024, "segment 1 at 0x800fff01..0x80100001 lies outside RAM (1000 KiB)");
    expect_error(&g, 12345, "segment 1 at 0x800fff01..0x80100001 lies outside RAM (12345 bytes)");
}

Test(elf_seg, physical_end_overflows_32_bits)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].memsz = 0xFFFFF000u;   /* 0x2000 + memsz wraps to 0x1000 in 32 bits */
    g.ph[1].filesz = 0;
    expect_error(&g, RAM_128M,
                 "segment 1 at 0x80002000..0x180001000 lies outside RAM (128 MiB)");
    expect_error(&g, 0xFFFFFFFFu,
                 "segment 1 at 0x80002000..0x180001000 lies outside RAM (4294967295 bytes)");
}

Test(elf_seg, runs_past_kseg0_with_large_ram)
{
    /* Only a RAM larger than 512 MiB lets the physical check pass here. */
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0x9FFFFF80u;
    expect_error(&g, 0xFFFFFFFFu, "segment 1 at 0x9fffff80..0xa0000080 runs past the end of kseg0");
    g.ph[1].vaddr = 0xBFFFFF80u;
    expect_error(&g, 0xFFFFFFFFu, "segment 1 at 0xbfffff80..0xc0000080 runs past the end of kseg1");
}

Test(elf_seg, overlap)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0x80001020u;
    expect_error(&g, RAM_128M, "segments 0 and 1 overlap at physical 0x00001020");
}

Test(elf_seg, overlap_through_kseg1_alias)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = 0xA0000F80u;   /* physical 0xf80..0x1080 covers the text's start */
    expect_error(&g, RAM_128M, "segments 0 and 1 overlap at physical 0x00001000");
}

Test(elf_seg, overlap_names_program_header_indices)
{
    struct elfgen g = elfgen_valid();
    g.nph = g.phnum = 4;
    g.ph[3] = g.ph[1];
    g.ph[1] = (struct elfgen_ph){ .type = 4 };  /* PT_NOTE */
    g.ph[2] = (struct elfgen_ph){ .type = 1, .vaddr = 0x80100000u, .memsz = 0x10, .flags = 4 };
    g.ph[3].vaddr = 0x80100008u;
    expect_error(&g, RAM_128M, "segments 2 and 3 overlap at physical 0x00100008");
}

Test(elf_seg, adjacent_segments_do_not_overlap)
{
    struct elfgen g = elfgen_valid();
    g.ph[1].vaddr = ELFGEN_TEXT_VA + ELFGEN_TEXT_BYTES;
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    elf_free(&img);
}

Test(elf_seg, no_load_segments)
{
    struct elfgen g = elfgen_valid();
    g.ph[0].type = 4;  /* PT_NOTE */
    g.ph[1].type = 6;  /* PT_PHDR */
    expect_error(&g, RAM_128M, "ELF has no loadable segments");
    g = elfgen_valid();
    g.ph[0].memsz = g.ph[0].filesz = 0;
    g.ph[1].memsz = g.ph[1].filesz = 0;
    expect_error(&g, RAM_128M, "ELF has no loadable segments");
}

Test(elf_seg, too_many_load_segments)
{
    struct elfgen g = elfgen_valid();
    g.nph = g.phnum = ELF_MAX_SEGS + 1;
    g.phoff = ELFGEN_FILE_BYTES;
    g.file_bytes = ELFGEN_FILE_BYTES + (ELF_MAX_SEGS + 1) * 32;
    for (unsigned i = 2; i < ELF_MAX_SEGS + 1; i++)
        g.ph[i] = (struct elfgen_ph){ .type = 1, .vaddr = 0x80010000u + i * 0x1000u,
            .memsz = 0x100, .flags = 6 };
    expect_error(&g, RAM_128M, "ELF has more than 16 loadable segments");
}

/* ---- entry point ----------------------------------------------------------------- */

Test(elf_entry, misaligned)
{
    struct elfgen g = elfgen_valid();
    g.entry = 0x80001003u;
    expect_error(&g, RAM_128M, "entry point 0x80001003 is not 4-byte aligned");
    g.entry = 0x80000003u;
    expect_error(&g, RAM_128M, "entry point 0x80000003 is not 4-byte aligned");
}

Test(elf_entry, not_kseg01)
{
    struct elfgen g = elfgen_valid();
    g.entry = 0x00001000u;
    expect_error(&g, RAM_128M, "entry point 0x00001000 is not in kseg0/kseg1");
    g.entry = 0xBFC00000u + 0x20000000u;
    expect_error(&g, RAM_128M, "entry point 0xdfc00000 is not in kseg0/kseg1");
}

Test(elf_entry, outside_segments)
{
    struct elfgen g = elfgen_valid();
    g.entry = 0x80200000u;
    expect_error(&g, RAM_128M, "entry point 0x80200000 is not inside an executable loaded segment");
    g.entry = ELFGEN_TEXT_VA + ELFGEN_TEXT_BYTES;   /* one past the end */
    expect_error(&g, RAM_128M, "entry point 0x80001040 is not inside an executable loaded segment");
    g.entry = ELFGEN_TEXT_VA + ELFGEN_TEXT_BYTES - 4;  /* the last word is fine */
    struct elf_image img;
    expect_ok(&g, RAM_128M, &img);
    elf_free(&img);
}

Test(elf_entry, in_non_executable_segment)
{
    struct elfgen g = elfgen_valid();
    g.entry = ELFGEN_DATA_VA;
    expect_error(&g, RAM_128M,
                 "entry point 0x80002000 is inside segment 1, which is not executable (no PF_X)");
    g.entry = ELFGEN_DATA_VA + 0x80;  /* in the bss part */
    expect_error(&g, RAM_128M,
                 "entry point 0x80002080 is inside segment 1, which is not executable (no PF_X)");
}

/* ---- error-buffer handling ------------------------------------------------------- */

Test(elf_errbuf, short_and_absent_buffers)
{
    struct elfgen g = elfgen_valid();
    g.machine = 62;
    struct elf_image img;
    char err[8];
    memset(err, 'x', sizeof(err));
    cr_assert_eq(parse_gen(&g, RAM_128M, &img, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "ELF mac");
    cr_assert_eq(parse_gen(&g, RAM_128M, &img, NULL, 0), -1);
}

/* ---- sweeps: never crash, never leak ---------------------------------------------- */

/* Checks an image that elf_parse accepted against everything it promises. */
static void check_invariants(const struct elf_image *img, uint32_t ram_bytes)
{
    cr_assert(img->nseg >= 1 && img->nseg <= ELF_MAX_SEGS);
    cr_assert_not_null(img->file);
    cr_assert_eq(img->entry % 4, 0);
    for (unsigned k = 0; k < img->nseg; k++) {
        const struct elf_seg *s = &img->seg[k];
        cr_assert(s->vaddr >= 0x80000000u && s->vaddr < 0xC0000000u);
        cr_assert(s->memsz > 0 && s->filesz <= s->memsz);
        cr_assert((uint64_t)s->paddr + s->memsz <= ram_bytes);
        if (s->filesz != 0) {
            cr_assert(s->data >= img->file);
            cr_assert((size_t)(s->data - img->file) + s->filesz <= img->file_bytes);
        }
    }
}

static void expect_sane(const uint8_t *b, size_t len, uint32_t ram_bytes, uint8_t *ram)
{
    struct elf_image img;
    char err[256];
    memset(err, 0, sizeof(err));
    int rc = elf_parse(b, len, ram_bytes, &img, err, sizeof(err));
    if (rc == 0) {
        check_invariants(&img, ram_bytes);
        if (ram != NULL)
            elf_copy_to_ram(&img, ram);
    } else {
        cr_assert_eq(rc, -1);
        cr_assert_neq(err[0], '\0');
        cr_assert_null(strchr(err, '\n'));
        cr_assert_null(img.file);
    }
    elf_free(&img);
}

Test(elf_sweep, every_truncation_fails)
{
    struct elfgen g = elfgen_valid();
    uint8_t *full = elfgen_build(&g);
    for (size_t len = 0; len < g.file_bytes; len++) {
        /* An exact-size heap copy, so a read past len is an ASan error. */
        uint8_t *b = malloc(len ? len : 1);
        cr_assert_not_null(b);
        memcpy(b, full, len);
        struct elf_image img;
        char err[256] = "";
        cr_assert_eq(elf_parse(b, len, RAM_128M, &img, err, sizeof(err)), -1,
                     "truncation to %zu bytes was accepted", len);
        cr_assert_neq(err[0], '\0');
        cr_assert_null(img.file);
        elf_free(&img);
        free(b);
    }
    free(full);
}

/* xorshift32 with a fixed seed: the sweep is the same on every run. */
static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void flip_sweep(const struct elfgen *g, uint32_t seed, unsigned rounds,
                       size_t hot_bytes, uint32_t ram_bytes)
{
    uint8_t *valid = elfgen_build(g);
    uint8_t *b = malloc(g->file_bytes);
    uint8_t *ram = malloc(ram_bytes);
    cr_assert(valid != NULL && b != NULL && ram != NULL);
    uint32_t s = seed;
    for (unsigned r = 0; r < rounds; r++) {
        memcpy(b, valid, g->file_bytes);
        unsigned flips = 1 + rng_next(&s) % 4;
        for (unsigned f = 0; f < flips; f++) {
            uint32_t v = rng_next(&s);
            /* Most flips go to the headers, where they matter. */
            size_t limit = (v & 3) ? hot_bytes : g->file_bytes;
            size_t at = (v >> 8) % limit;
            if ((v >> 2) & 1)
                b[at] ^= (uint8_t)(1u << ((v >> 4) & 7));
            else
                b[at] = (uint8_t)(v >> 24);
        }
        expect_sane(b, g->file_bytes, ram_bytes, ram);
    }
    free(ram);
    free(b);
    free(valid);
}

Test(elf_sweep, random_flips_in_valid_file)
{
    struct elfgen g = elfgen_valid();
    flip_sweep(&g, 0x2545F491u, 20000, 52 + 2 * 32, 1 * MIB);
}

Test(elf_sweep, random_flips_with_sections_and_many_headers)
{
    /* Section header fields in play too (libelf reads them for PN_XNUM). */
    struct elfgen g = elfgen_valid();
    g.nph = g.phnum = 6;
    g.phoff = ELFGEN_FILE_BYTES;
    g.shoff = ELFGEN_FILE_BYTES + 6 * 32;
    g.shnum = 1;
    g.file_bytes = ELFGEN_FILE_BYTES + 6 * 32 + 40;
    for (unsigned i = 2; i < 6; i++)
        g.ph[i] = (struct elfgen_ph){ .type = 1, .offset = ELFGEN_TEXT_OFF,
            .vaddr = 0x80010000u + i * 0x1000u, .filesz = 0x10, .memsz = 0x100, .flags = 7 };
    struct elf_image img;
    expect_ok(&g, MIB, &img);  /* the starting point is valid */
    elf_free(&img);
    flip_sweep(&g, 0x9E3779B9u, 20000, 52, MIB);
}

Test(elf_sweep, truncations_of_flipped_files)
{
    struct elfgen g = elfgen_valid();
    uint8_t *valid = elfgen_build(&g);
    uint32_t s = 12345;
    for (unsigned r = 0; r < 2000; r++) {
        size_t len = rng_next(&s) % (g.file_bytes + 1);
        uint8_t *b = malloc(len ? len : 1);
        cr_assert_not_null(b);
        memcpy(b, valid, len);
        if (len != 0)
            b[rng_next(&s) % len] ^= (uint8_t)(1u << (rng_next(&s) & 7));
        expect_sane(b, len, MIB, NULL);
        free(b);
    }
    free(valid);
}
