/*
 * frame.c - physical frame allocator: a LIFO stack of free frame numbers and a 16-bit
 * reference count per frame, both carved from the start of the managed RAM. Frames are
 * handed out lowest address first after boot, so allocation is deterministic.
 *
 * Under a VMM with pv=1 (pv.c): a frame the VMM says reads as zeros is not zeroed again
 * (the zeroed-page hint), and the balloon holds frames on a stack of its own, the top end
 * of the free stack's array growing down (free and ballooned frames together are never
 * more than the array holds, so the layout is the same with a balloon or without); a
 * kernel out of frames takes one back from the balloon first.
 */
#include "kernel.h"

static uint16_t *refcnt;       /* per frame number, 0 = free */
static uint32_t *freestack;    /* frame numbers */
static uint32_t nfree, nballoon, first_pfn, end_pfn, nslots;
/* the balloon's frames (given to the VMM): freestack[nslots - 1 - i], i < nballoon */

void frame_init(uint32_t first_free_pa, uint32_t mem_end)
{
	uint32_t npages = mem_end >> 12, pa, pfn;

	refcnt = (uint16_t *)KSEG0(first_free_pa);
	pa = first_free_pa + npages * 2;
	freestack = (uint32_t *)KSEG0((pa + 3) & ~3u);
	pa = PAGE_UP(PHYS(freestack) + npages * 4);
	first_pfn = pa >> 12;
	end_pfn = npages;
	memset(refcnt, 0, npages * 2);
	nfree = 0;
	nballoon = 0;
	nslots = npages;
	for (pfn = end_pfn; pfn-- > first_pfn;)
		freestack[nfree++] = pfn;
}

uint32_t frame_alloc(void)
{
	uint32_t pfn;

	if (!nfree && !(nballoon && balloon_deflate_one()))
		return 0;
	pfn = freestack[--nfree];
	if (refcnt[pfn])
		panic("frame_alloc: frame 0x%x in use", pfn << 12);
	refcnt[pfn] = 1;
	return pfn << 12;
}

uint32_t frame_alloc_zero(void)
{
	uint32_t pa = frame_alloc();

	if (pa && !(pv_active && pv_frame_is_zero(pa)))
		memset((void *)KSEG0(pa), 0, PAGE_SIZE);
	return pa;
}

static uint32_t check(uint32_t pa, const char *what)
{
	uint32_t pfn = pa >> 12;

	if (pfn < first_pfn || pfn >= end_pfn || !refcnt[pfn])
		panic("%s: bad frame 0x%x", what, pa);
	return pfn;
}

void frame_ref(uint32_t pa)
{
	uint32_t pfn = check(pa, "frame_ref");

	if (refcnt[pfn] == 0xFFFF)
		panic("frame_ref: overflow");
	refcnt[pfn]++;
}

void frame_unref(uint32_t pa)
{
	uint32_t pfn = check(pa, "frame_unref");

	if (--refcnt[pfn] == 0)
		freestack[nfree++] = pfn;
}

uint32_t frame_refcount(uint32_t pa)
{
	return refcnt[check(pa, "frame_refcount")];
}

/* Free frames, the balloon's included: it gives them back on demand (frame_alloc), so
 * for everything above the allocator they are free; a program counting free frames sees
 * the same numbers with a balloon or without. */
uint32_t frame_free_count(void)
{
	return nfree + nballoon;
}

uint32_t frame_free_now(void)
{
	return nfree;
}

uint32_t frame_alloc_for_balloon(void)
{
	if (!nfree)
		return 0;
	return freestack[--nfree] << 12;
}

void frame_free_from_balloon(uint32_t pa)
{
	freestack[nfree++] = pa >> 12;
}

void balloon_push(uint32_t pa)
{
	freestack[nslots - 1 - nballoon++] = pa >> 12;
}

uint32_t balloon_pop(void)
{
	return nballoon ? freestack[nslots - nballoon--] << 12 : 0;
}

uint32_t balloon_size(void)
{
	return nballoon;
}
