/*
 * exec.c - loading an embedded user ELF into a new address space.
 *
 * PT_LOAD segments become regions (writable when PF_W); the pages holding file bytes
 * are allocated and filled at once, the rest of each segment (.bss) is demand-zero.
 * The heap starts at the page after the highest segment. The stack region is
 * [TV_USER_STACK_TOP - TV_USER_STACK_MAX, TV_USER_STACK_TOP + 4 KiB): the page at
 * TV_USER_STACK_TOP holds the arguments and the initial $sp points at it (tv_abi.h):
 *   sp+0: argc, sp+4: argv[0..argc-1], NULL, then the strings.
 */
#include "kernel.h"

struct elf_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1
#define PF_W    2

const struct program *find_program(const char *name)
{
	uint32_t i;

	for (i = 0; i < nprograms; i++)
		if (strcmp(programs[i].name, name) == 0)
			return &programs[i];
	return 0;
}

int exec_load(struct mm *mm, const struct program *prog, int argc, char **argv,
	      uint32_t *entry, uint32_t *sp, uint32_t *uargv)
{
	const struct elf_ehdr *eh = (const struct elf_ehdr *)prog->image;
	uint32_t top = 0, i, p;
	int err;

	if (prog->size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\1\1", 6) != 0 ||
	    eh->machine != 8 || eh->phentsize != sizeof(struct elf_phdr) ||
	    eh->phoff + eh->phnum * sizeof(struct elf_phdr) > prog->size)
		return -TV_EINVAL;
	if ((err = mm_init(mm)) < 0)
		return err;
	for (i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph =
			(const struct elf_phdr *)(prog->image + eh->phoff + i * sizeof(*ph));
		uint32_t start, end;

		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		start = ph->vaddr & PAGE_MASK;
		end = PAGE_UP(ph->vaddr + ph->memsz);
		err = -TV_EINVAL;
		if (ph->vaddr < PAGE_SIZE || end > TV_MMAP_BASE || end < start ||
		    ph->filesz > ph->memsz || ph->offset + ph->filesz > prog->size)
			goto fail;
		if ((err = mm_add_vma(mm, start, end, (ph->flags & PF_W) ? VMA_W : 0)) < 0)
			goto fail;
		if (end > top)
			top = end;
		/* file bytes: copy now (through the page table; the page is writable
		 * from the kernel's side since it goes through kseg0) */
		for (p = ph->vaddr & PAGE_MASK; p < ph->vaddr + ph->filesz; p += PAGE_SIZE) {
			uint32_t from = p < ph->vaddr ? ph->vaddr : p;
			uint32_t to = p + PAGE_SIZE < ph->vaddr + ph->filesz ?
				p + PAGE_SIZE : ph->vaddr + ph->filesz;
			uint8_t *k;

			if ((err = vm_fault(mm, p, 0)) < 0)
				goto fail;
			/* find the frame: copyout would refuse read-only pages */
			{
				uint32_t *pt = pde_table(mm->arch.pgd[p >> 22]);

				k = (uint8_t *)KSEG0(pte_pa(pt[(p >> 12) & 1023]));
			}
			memcpy(k + (from - p), prog->image + ph->offset + (from - ph->vaddr),
			       to - from);
			sync_icache((uint32_t)(uintptr_t)k, PAGE_SIZE);
		}
	}
	if (!top) {
		err = -TV_EINVAL;
		goto fail;
	}
	mm->heap_start = mm->brk = top;
	if ((err = mm_add_vma(mm, top, top, VMA_W | VMA_HEAP)) < 0 ||
	    (err = mm_add_vma(mm, TV_USER_STACK_TOP - TV_USER_STACK_MAX,
			      TV_USER_STACK_TOP + PAGE_SIZE, VMA_W | VMA_STACK)) < 0)
		goto fail;
	{
		uint32_t ptrs[TV_MAX_ARGS + 2], sa = TV_USER_STACK_TOP + 4 + 4 * (argc + 1);
		int k;

		ptrs[0] = (uint32_t)argc;
		for (k = 0; k < argc; k++) {
			uint32_t n = strlen(argv[k]) + 1;

			ptrs[1 + k] = sa;
			if ((err = copyout(mm, sa, argv[k], n)) < 0)
				goto fail;
			sa += n;
		}
		ptrs[1 + argc] = 0;
		if ((err = copyout(mm, TV_USER_STACK_TOP, ptrs, 4 * (argc + 2))) < 0)
			goto fail;
	}
	*entry = eh->entry;
	*sp = TV_USER_STACK_TOP;
	*uargv = TV_USER_STACK_TOP + 4;
	return 0;
fail:
	mm_destroy(mm);
	return err == -TV_EFAULT ? -TV_EINVAL : err;
}
