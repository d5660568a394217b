/*
 * malloc.c - first-fit allocator over sbrk.  Every block starts with an 8-byte header
 * (size of the whole block, a multiple of 8; next free block while free); free blocks
 * form one address-ordered list and merge with adjacent free neighbours.  The heap grows
 * by at least MIN_GROW bytes at a time; memory is never returned to the kernel.
 */
#include "ulib.h"

struct blk {
	size_t size;
	struct blk *next;
};

#define HDR       sizeof(struct blk)
#define MIN_GROW  (64u * 1024u)
#define MAGIC_USED ((struct blk *)0x55534544u)

static struct blk *free_list;

static void insert(struct blk *b)
{
	struct blk **pp = &free_list, *prev = 0;

	while (*pp && *pp < b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	b->next = *pp;
	*pp = b;
	if (b->next && (uint8_t *)b + b->size == (uint8_t *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

static int grow(size_t need)
{
	uintptr_t brk = (uintptr_t)sbrk(0);
	size_t fix, n;
	uint8_t *p;

	if (brk == (uintptr_t)MAP_FAILED)
		return -1;
	fix = (8 - (brk & 7)) & 7;
	n = need < MIN_GROW ? MIN_GROW : (need + PAGE_SIZE - 1) & ~(size_t)(PAGE_SIZE - 1);
	if (n + fix < n)
		return -1;
	p = sbrk((long)(n + fix));
	if (p == MAP_FAILED)
		return -1;
	p += fix;
	((struct blk *)p)->size = n;
	insert((struct blk *)p);
	return 0;
}

void *malloc(size_t n)
{
	size_t need;

	if (n > 0x7ff00000u)
		return 0;
	need = (n + HDR + 7) & ~(size_t)7;
	if (need < 2 * HDR)
		need = 2 * HDR;
	for (int tries = 0; tries < 2; tries++) {
		for (struct blk **pp = &free_list; *pp; pp = &(*pp)->next) {
			struct blk *b = *pp;

			if (b->size < need)
				continue;
			if (b->size - need >= 2 * HDR) {
				struct blk *rest = (struct blk *)((uint8_t *)b + need);

				rest->size = b->size - need;
				rest->next = b->next;
				*pp = rest;
				b->size = need;
			} else {
				*pp = b->next;
			}
			b->next = MAGIC_USED;
			return (uint8_t *)b + HDR;
		}
		if (grow(need) < 0)
			break;
	}
	errno = TV_ENOMEM;
	return 0;
}

void free(void *p)
{
	struct blk *b;

	if (!p)
		return;
	b = (struct blk *)((uint8_t *)p - HDR);
	if (b->next != MAGIC_USED)
		return;            /* not ours, or freed twice: ignore */
	insert(b);
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > 0xffffffffu / size)
		return 0;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	struct blk *b;
	void *q;

	if (!p)
		return malloc(n);
	if (!n) {
		free(p);
		return 0;
	}
	b = (struct blk *)((uint8_t *)p - HDR);
	if (b->size - HDR >= n)
		return p;
	q = malloc(n);
	if (q) {
		memcpy(q, p, b->size - HDR);
		free(p);
	}
	return q;
}
