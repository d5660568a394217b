/*
 * pv.c - the paravirtual side of the kernel (guest/include/tv_pv.h, docs/paravirt.md),
 * chosen at boot with pv=1 and used only when a tlbvisor VMM answers the probe; without
 * one the kernel runs exactly as it does without pv=1.
 *
 * What changes when it is on:
 *   - the exception entry/exit and the swtlb refill handler read and write Status, Cause,
 *     EPC, BadVAddr, Context and EntryLo0/1 in the per-vCPU page (pv_page) instead of
 *     trapping on each mfc0/mtc0 (start.S exc_entry_pv/trap_return_pv, refill_pv.S);
 *     so do the TLB maintenance sequences (EntryHi, Index, EntryLo0/1: pv_cp0.h);
 *   - the instruction-cache sync after exec is one hypercall per range, not a `cache`
 *     instruction per 16-byte line;
 *   - the idle loop is one hypercall that returns when the timer is due, and the timer
 *     is re-armed with one (Count + delta);
 *   - a frame the VMM says is zero is not zeroed again (the zeroed-page hint);
 *   - the balloon driver (balloon_tick) gives free frames to the VMM when it asks, and
 *     takes them back when it asks for fewer.
 */
#include "kernel.h"

volatile struct tv_pv_page pv_page __attribute__((aligned(4096)));
int pv_active;
struct pv_stat pv_stat;

void pv_init(int want)
{
	if (!want)
		return;
	/* The probe: 0 on a machine without the VMM (the reserved register reads 0). */
	if (tv_hypercall(TV_HC_PROBE, 0, 0, 0) != TV_HC_MAGIC)
		return;
	if (tv_hypercall(TV_HC_PVPAGE, PHYS(&pv_page), TV_PV_F_BALLOON, 0) != 0)
		return;
	pv_active = 1;
	/* The VMM filled the page before returning: the registers are there from now on. */
}

void pv_cache_sync(uint32_t addr, uint32_t len)
{
	tv_hypercall(TV_HC_CACHE, addr, len, 0);
	pv_stat.cache_calls++;
}

int pv_frame_is_zero(uint32_t pa)
{
	int z = tv_hypercall(TV_HC_ZEROED, pa, 0, 0) == 1;

	if (z)
		pv_stat.zero_skipped++;
	return z;
}

/*
 * The balloon: frames taken from the free list and given to the VMM, kept on a stack of
 * frame numbers (in the allocator's metadata, frame.c). At each timer tick the driver
 * compares the VMM's target with what it holds: it inflates from the free frames (never
 * below BALLOON_RESERVE of them), and deflates when asked for fewer, or when the kernel
 * runs out of frames (frame_alloc calls balloon_deflate_one).
 */
#define BALLOON_RESERVE 64u
#define BALLOON_STEP    256u    /* frames moved per tick at most */

void balloon_tick(void)
{
	uint32_t target = pv_page.balloon_target, n = 0;

	while (balloon_size() < target && n++ < BALLOON_STEP && frame_free_now() > BALLOON_RESERVE) {
		uint32_t pa = frame_alloc_for_balloon();

		if (!pa)
			break;
		if (tv_hypercall(TV_HC_BALLOON_GIVE, pa, 0, 0) != 0) {
			frame_free_from_balloon(pa);       /* refused: it stays ours */
			break;
		}
		balloon_push(pa);
		pv_stat.balloon_given++;
	}
	while (balloon_size() > target && n++ < BALLOON_STEP)
		balloon_deflate_one();
}

int balloon_deflate_one(void)
{
	uint32_t pa = balloon_pop();

	if (!pa)
		return 0;
	if (tv_hypercall(TV_HC_BALLOON_TAKE, pa, 0, 0) != 0)
		panic("balloon: the VMM refused frame 0x%x back", pa);
	frame_free_from_balloon(pa);
	pv_stat.balloon_taken++;
	return 1;
}

void pv_report(void)
{
	if (!pv_active)
		return;
	kprintf("[kstat] pv: cache_calls=%u zero_skipped=%u balloon_given=%u balloon_taken=%u "
		"balloon_now=%u\n", pv_stat.cache_calls, pv_stat.zero_skipped,
		pv_stat.balloon_given, pv_stat.balloon_taken, balloon_size());
}
