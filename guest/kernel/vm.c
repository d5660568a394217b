/*
 * vm.c - address spaces: regions (vmas), the two-level page table walk shared by both
 * ports, demand-zero and copy-on-write faults, fork's copy, user memory access from the
 * kernel, sbrk and anonymous mmap/munmap.
 */
#include "kernel.h"

#define USER_TOP     0x80000000u
#define STACK_BOTTOM (TV_USER_STACK_TOP - TV_USER_STACK_MAX)

/* The PTE of va, allocating its page table when alloc; NULL if none / no memory. */
static pte_t *pte_lookup(struct mm *mm, uint32_t va, int alloc)
{
	uint32_t *pde = &mm->arch.pgd[va >> 22];
	uint32_t *pt = pde_table(*pde);

	if (!pt) {
		uint32_t pa;

		if (!alloc || !(pa = frame_alloc_zero()))
			return 0;
		*pde = pde_make(pa);
		pt = (uint32_t *)KSEG0(pa);
	}
	return &pt[(va >> 12) & 1023];
}

int mm_init(struct mm *mm)
{
	memset(mm, 0, sizeof(*mm));
	return arch_mm_init(&mm->arch);
}

/* Unmap [start, end) (page aligned): frames unreferenced, live TLB entries fixed. */
void mm_unmap_range(struct mm *mm, uint32_t start, uint32_t end)
{
	uint32_t va = start;

	while (va < end && va >= start) {
		pte_t *pte = pte_lookup(mm, va, 0);

		if (!pte) {
			va = (va & ~0x3FFFFFu) + 0x400000u;   /* no table: skip 4 MiB */
			continue;
		}
		if (pte_valid(*pte)) {
			frame_unref(pte_pa(*pte));
			arch_pte_store(pte, 0);
			arch_pte_changed(&mm->arch, va);
		}
		va += PAGE_SIZE;
	}
}

void mm_destroy(struct mm *mm)
{
	uint32_t i, j;

	if (!mm->arch.pgd)
		return;
	for (i = 0; i < 512; i++) {
		uint32_t *pt = pde_table(mm->arch.pgd[i]);

		if (!pt)
			continue;
		for (j = 0; j < 1024; j++)
			if (pte_valid(pt[j]))
				frame_unref(pte_pa(pt[j]));
	}
	arch_mm_free_tables(&mm->arch);
	mm->nvma = 0;
}

struct vma *mm_find_vma(struct mm *mm, uint32_t va)
{
	int i;

	for (i = 0; i < mm->nvma; i++)
		if (va >= mm->vma[i].start && va < mm->vma[i].end)
			return &mm->vma[i];
	return 0;
}

/* Writable if any region covering va is (ELF segments may share a page). */
static int va_writable(struct mm *mm, uint32_t va)
{
	int i;

	for (i = 0; i < mm->nvma; i++)
		if (va >= mm->vma[i].start && va < mm->vma[i].end &&
		    (mm->vma[i].flags & VMA_W))
			return 1;
	return 0;
}

int mm_add_vma(struct mm *mm, uint32_t start, uint32_t end, uint32_t flags)
{
	if (mm->nvma == NVMA)
		return -TV_ENOMEM;
	mm->vma[mm->nvma].start = start;
	mm->vma[mm->nvma].end = end;
	mm->vma[mm->nvma].flags = flags;
	mm->nvma++;
	return 0;
}

static void mm_del_vma(struct mm *mm, int i)
{
	mm->vma[i] = mm->vma[--mm->nvma];
}

int vm_fault(struct mm *mm, uint32_t va, int write)
{
	pte_t *pte;
	int w;

	va &= PAGE_MASK;
	if (va >= USER_TOP || !mm_find_vma(mm, va))
		return -TV_EFAULT;
	w = va_writable(mm, va);
	if (write && !w)
		return -TV_EINVAL;
	pte = pte_lookup(mm, va, 1);
	if (!pte)
		return -TV_ENOMEM;
	if (!pte_valid(*pte)) {
		uint32_t pa = frame_alloc_zero();

		if (!pa)
			return -TV_ENOMEM;
		*pte = pte_make(pa, w);
		kstat.demand_zero++;
	} else if (write && !pte_writable(*pte)) {
		uint32_t pa = pte_pa(*pte);

		if (frame_refcount(pa) == 1) {
			*pte = pte_mkwrite(*pte);
			kstat.cow_reuse++;
		} else {
			uint32_t npa = frame_alloc();

			if (!npa)
				return -TV_ENOMEM;
			memcpy((void *)KSEG0(npa), (void *)KSEG0(pa), PAGE_SIZE);
			frame_unref(pa);
			*pte = pte_make(npa, 1);
			kstat.cow_copies++;
		}
	}
	/* else: the mapping already allows the access; only the TLB was stale */
	arch_pte_changed(&mm->arch, va);
	return 0;
}

int mm_fork(struct mm *child, struct mm *parent)
{
	uint32_t i, j;
	int changed = 0;

	if (mm_init(child) < 0)
		return -TV_ENOMEM;
	memcpy(child->vma, parent->vma, sizeof(parent->vma));
	child->nvma = parent->nvma;
	child->heap_start = parent->heap_start;
	child->brk = parent->brk;
	for (i = 0; i < 512; i++) {
		uint32_t *pt = pde_table(parent->arch.pgd[i]);

		if (!pt)
			continue;
		for (j = 0; j < 1024; j++) {
			pte_t p = pt[j], *c;

			if (!pte_valid(p))
				continue;
			c = pte_lookup(child, i << 22 | j << 12, 1);
			if (!c) {
				if (changed)
					arch_mm_flush(&parent->arch);
				mm_destroy(child);
				return -TV_ENOMEM;
			}
			if (pte_writable(p)) {   /* private writable page: copy on write */
				p = pte_wrprotect(p);
				arch_pte_store(&pt[j], p);
				changed = 1;
			}
			*c = p;
			frame_ref(pte_pa(p));
		}
	}
	if (changed)
		arch_mm_flush(&parent->arch);
	return 0;
}

/* kseg0 pointer to user address va of mm, faulting the page in; NULL + *err. */
static uint8_t *user_ptr(struct mm *mm, uint32_t va, int write, int *err)
{
	pte_t *pte;

	if (va >= USER_TOP) {
		*err = -TV_EFAULT;
		return 0;
	}
	pte = pte_lookup(mm, va, 0);
	if (!pte || !pte_valid(*pte) || (write && !pte_writable(*pte))) {
		int e = vm_fault(mm, va, write);

		if (e) {
			*err = e == -TV_ENOMEM ? e : -TV_EFAULT;
			return 0;
		}
		pte = pte_lookup(mm, va, 0);
	}
	return (uint8_t *)KSEG0(pte_pa(*pte)) + (va & ~PAGE_MASK);
}

static int copy_user(struct mm *mm, uint8_t *k, uint32_t uva, uint32_t len, int out)
{
	while (len) {
		uint32_t n = PAGE_SIZE - (uva & ~PAGE_MASK);
		int err;
		uint8_t *u = user_ptr(mm, uva, out, &err);

		if (!u)
			return err;
		if (n > len)
			n = len;
		if (out)
			memcpy(u, k, n);
		else
			memcpy(k, u, n);
		k += n;
		uva += n;
		len -= n;
	}
	return 0;
}

int copyin(struct mm *mm, void *dst, uint32_t uva, uint32_t len)
{
	return copy_user(mm, dst, uva, len, 0);
}

int copyout(struct mm *mm, uint32_t uva, const void *src, uint32_t len)
{
	return copy_user(mm, (uint8_t *)(uintptr_t)src, uva, len, 1);
}

/* NUL-terminated string of at most max bytes (with the NUL): length or error. */
int copyinstr(struct mm *mm, char *dst, uint32_t uva, uint32_t max)
{
	uint32_t i;

	for (i = 0; i < max; i++) {
		int err;
		uint8_t *u = user_ptr(mm, uva + i, 0, &err);

		if (!u)
			return err;
		dst[i] = (char)*u;
		if (!*u)
			return (int)i;
	}
	return -TV_EINVAL;
}

static struct vma *heap_vma(struct mm *mm)
{
	int i;

	for (i = 0; i < mm->nvma; i++)
		if (mm->vma[i].flags & VMA_HEAP)
			return &mm->vma[i];
	return 0;
}

uint32_t sys_sbrk(int32_t inc)
{
	struct mm *mm = &curproc->mm;
	struct vma *h = heap_vma(mm);
	uint32_t old = mm->brk, new = old + (uint32_t)inc;

	if (!h)
		return (uint32_t)-TV_ENOMEM;
	if ((inc > 0 && new < old) || (inc < 0 && new > old) || new > TV_MMAP_BASE)
		return (uint32_t)-TV_ENOMEM;
	if (new < mm->heap_start)
		return (uint32_t)-TV_EINVAL;
	if (PAGE_UP(new) < h->end)
		mm_unmap_range(mm, PAGE_UP(new), h->end);
	h->end = PAGE_UP(new);
	mm->brk = new;
	return old;
}

uint32_t sys_mmap(uint32_t len)
{
	struct mm *mm = &curproc->mm;
	uint32_t a = TV_MMAP_BASE;
	int i;

	if (len == 0 || len > STACK_BOTTOM - TV_MMAP_BASE)
		return (uint32_t)-TV_EINVAL;
	len = PAGE_UP(len);
	/* first fit above TV_MMAP_BASE */
	for (i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vma[i];

		if (v->start < a + len && v->end > a) {
			a = v->end;
			i = -1;          /* rescan */
			if (a + len > STACK_BOTTOM || a + len < a)
				return (uint32_t)-TV_ENOMEM;
		}
	}
	if (a + len > STACK_BOTTOM)
		return (uint32_t)-TV_ENOMEM;
	/* grow an adjacent mapping rather than use another region slot */
	for (i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vma[i];

		if ((v->flags & VMA_MMAP) && v->end == a) {
			v->end = a + len;
			return a;
		}
	}
	if (mm_add_vma(mm, a, a + len, VMA_W | VMA_MMAP) < 0)
		return (uint32_t)-TV_ENOMEM;
	return a;
}

uint32_t sys_munmap(uint32_t addr, uint32_t len)
{
	struct mm *mm = &curproc->mm;
	uint32_t end;
	int i, splits = 0;

	if ((addr & ~PAGE_MASK) || len == 0)
		return (uint32_t)-TV_EINVAL;
	end = PAGE_UP(addr + len);
	if (addr < TV_MMAP_BASE || end > STACK_BOTTOM || end <= addr)
		return (uint32_t)-TV_EINVAL;
	for (i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vma[i];

		if ((v->flags & VMA_MMAP) && v->start < addr && v->end > end)
			splits++;
	}
	if (mm->nvma + splits > NVMA)
		return (uint32_t)-TV_ENOMEM;
	mm_unmap_range(mm, addr, end);
	for (i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vma[i];

		if (!(v->flags & VMA_MMAP) || v->end <= addr || v->start >= end)
			continue;
		if (v->start >= addr && v->end <= end) {
			mm_del_vma(mm, i);
			i--;
		} else if (v->start < addr && v->end > end) {
			uint32_t tail = v->end;

			v->end = addr;
			mm_add_vma(mm, end, tail, VMA_W | VMA_MMAP);
		} else if (v->start < addr) {
			v->end = addr;
		} else {
			v->start = end;
		}
	}
	return 0;
}
