/*
 * zero_twice: fresh pages written in the ways a VMM that counts double zeroing must tell
 * apart (--zero-track on, docs/memory.md; tests/e2e/memory.sh checks the counters). With
 * the boot argument "none" it touches none of them, so that the difference between the
 * two runs is this program's pages alone. Pages from 8 MiB on (kseg0), never touched
 * before:
 *   0  zeroed with sw                             zeroed again
 *   1  zeroed with sb                             zeroed again
 *   2  zeroed with sh                             zeroed again
 *   3  half zeroed with sw, then a word of data   written (after a partial zeroing)
 *   4  a word of data first                       written
 *   5  only read                                  neither
 *   6  sw up to the last word, whose two halves   zeroed again
 *      swr and swl zero
 *   7  zeroed with sw twice                       zeroed again (once)
 * and then checks that every page holds what was written.
 */
#include "rt.h"

#define BASE 0x80800000u
#define PAGE_WORDS 1024u

static volatile uint32_t *page(unsigned i)
{
	return (volatile uint32_t *)(BASE + i * 4096u);
}

static void zero_words(unsigned i, unsigned words)
{
	for (unsigned w = 0; w < words; w++)
		page(i)[w] = 0;
}

int main(int argc, char **argv, char **envp, uint32_t memsize)
{
	(void)envp;
	if (memsize < 16u << 20) {
		puts("zero_twice: needs 16 MiB of RAM");
		return rt_done("zero_twice");
	}
	if (argc > 1 && strcmp(argv[1], "none") == 0) {
		puts("zero_twice: none");
		return rt_done("zero_twice");
	}
	zero_words(0, PAGE_WORDS);
	for (unsigned b = 0; b < 4096; b++)
		((volatile uint8_t *)page(1))[b] = 0;
	for (unsigned h = 0; h < 2048; h++)
		((volatile uint16_t *)page(2))[h] = 0;
	zero_words(3, PAGE_WORDS / 2);
	page(3)[PAGE_WORDS / 2] = 1;
	page(4)[7] = 0x5A5A5A5Au;
	uint32_t sum = 0;
	for (unsigned w = 0; w < PAGE_WORDS; w++)
		sum |= page(5)[w];
	zero_words(6, PAGE_WORDS - 1);
	volatile uint32_t *last = &page(6)[PAGE_WORDS - 1];
	/* little-endian: swr at byte 2 writes bytes 2-3, swl at byte 1 bytes 0-1 */
	__asm__ volatile("swr $zero, 2(%0)\n\tswl $zero, 1(%0)" : : "r"(last) : "memory");
	zero_words(7, PAGE_WORDS);
	zero_words(7, PAGE_WORDS);

	CHECK_EQ(sum, 0);
	for (unsigned i = 0; i < 8; i++)
		for (unsigned w = 0; w < PAGE_WORDS; w++) {
			uint32_t want = i == 3 && w == PAGE_WORDS / 2 ? 1 : i == 4 && w == 7 ? 0x5A5A5A5Au : 0;
			if (page(i)[w] != want) {
				CHECK_EQ(page(i)[w], want);
				break;
			}
		}
	puts("zero_twice: 8 pages written");
	return rt_done("zero_twice");
}
