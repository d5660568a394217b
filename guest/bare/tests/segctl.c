/*
 * segctl (ext) - MIPS32 PRA release 3 Segmentation Control on tlbvisor
 * swtlb: Config3.SC, SegCtl0-2 legacy reset values, kseg0 reprogrammed to
 * mapped supervisor/kernel (MSK) while running in it, and unmapped modes
 * (USK, UUSK) for sseg and useg.
 *
 * CFG fields (16 bits; SegCtl0 = CFG1:CFG0, SegCtl1 = CFG3:CFG2,
 * SegCtl2 = CFG5:CFG4): PA [15:9], AM [6:4], EU [3], C [2:0].
 * CFG0 0xE0000000 kseg3, CFG1 0xC0000000 sseg, CFG2 0xA0000000 kseg1,
 * CFG3 0x80000000 kseg0, CFG4 0x40000000 useg hi, CFG5 0x00000000 useg lo.
 */
#include "rt.h"

enum { AM_UK = 0, AM_MK, AM_MSK, AM_MUSK, AM_MUSUK, AM_USK, AM_RSVD, AM_UUSK };
#define CFG(pa, am, eu, c) (((pa) << 9) | ((am) << 4) | ((eu) << 3) | (c))
#define SEGCTL(hi, lo) (((uint32_t)(hi) << 16) | (lo))
#define FIELDS 0xfe78fe78u                 /* PA, AM, EU of both halves */

extern char s_load[];
__asm__(".text\n\t.set push\n\t.set noreorder\n\t.align 4\n"
	"s_load:\n\tli $2, 0x77\n\tlw $2, 0($4)\n\tsyscall\n\tnop\n"
	"\t.set pop");

static volatile uint32_t word = 0x13572468;
static volatile uint32_t page[1024] __attribute__((aligned(4096)));

int main(void)
{
	uint32_t sc0, sc1, sc2;
	volatile uint32_t *pa4m = (volatile uint32_t *)0xA0400000u;

	rt_handler = rt_catch;
	CHECK(MFC0(C0_CONFIG3) & (1u << 25));     /* Config3.SC */
	if (!(MFC0(C0_CONFIG3) & (1u << 25)))
		return rt_done("segctl");          /* no SegCtl: stop here */
	sc0 = MFC0(C0_SEGCTL0);
	sc1 = MFC0(C0_SEGCTL1);
	sc2 = MFC0(C0_SEGCTL2);
	CHECK_EQ(sc0 & FIELDS, SEGCTL(CFG(0, AM_MSK, 0, 0), CFG(0, AM_MK, 0, 0)));
	CHECK_EQ(sc1 & FIELDS, SEGCTL(CFG(0, AM_UK, 0, 0), CFG(0, AM_UK, 0, 0)));
	CHECK_EQ(sc1 & 7, 2);                      /* kseg1 uncached */
	CHECK_EQ(sc2 & FIELDS, SEGCTL(CFG(0, AM_MUSK, 1, 0), CFG(2, AM_MUSK, 1, 0)));

	/* --- kseg0 as MSK, while executing from it --- */
	rt_tlb_clear();
	/* entry 0 (wired): 0x80000000-0x801FFFFF -> PA 0-0x1FFFFF, global */
	rt_tlb_write(0, 0x80000000u, ENTRYLO(0x000000, 3, 1, 1, 1),
		     ENTRYLO(0x100000, 3, 1, 1, 1), 0x001FE000u);
	/* entry 1: 0x80400000 -> `page` instead of PA 0x400000 */
	rt_tlb_write(1, 0x80400000u, ENTRYLO(PHYS(page), 3, 1, 1, 1),
		     ENTRYLO(PHYS(page), 3, 1, 1, 1), 0);
	MTC0(C0_WIRED, 2);
	pa4m[0] = 0x0000face;
	page[0] = 0x0000beef;
	CHECK_EQ(*(volatile uint32_t *)0x80400000u, 0x0000face);
	MTC0(C0_SEGCTL1, (sc1 & 0xffffu) | (uint32_t)CFG(0, AM_MSK, 0, 3) << 16);
	CHECK_EQ(MFC0(C0_SEGCTL1) >> 16 & 0xfe78, CFG(0, AM_MSK, 0, 0));
	/* the kernel now sees the TLB mapping */
	rt_catch_reset();
	CHECK_EQ(*(volatile uint32_t *)0x80400000u, 0x0000beef);
	CHECK_EQ(word, 0x13572468);
	/* an unmapped kseg0 address now misses in the TLB */
	(void)*(volatile uint32_t *)0x80600000u;
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_TLBL);
	CHECK_EQ(rt_exc.badvaddr, 0x80600000u);
	CHECK_EQ(rt_exc.vec, 0);
	/* supervisor code in kseg0 reaches kseg0 */
	rt_catch_reset();
	CHECK_EQ(rt_run_user((uint32_t)s_load, 1, 0x80400000u), 0x0000beef);
	CHECK_EQ(rt_run_user((uint32_t)s_load, 1, (uint32_t)&word), 0x13572468);
	CHECK_EQ(rt_exc.count, 0);
	/* but user mode still cannot */
	rt_tlb_write(2, 0x00000000u, ENTRYLO(0x000000, 3, 1, 1, 1),
		     ENTRYLO(0x100000, 3, 1, 1, 1), 0x001FE000u);
	MTC0(C0_PAGEMASK, 0);
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 2, 0x80400000u), 0x77);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	/* back to the legacy map */
	MTC0(C0_SEGCTL1, sc1);
	CHECK_EQ(*(volatile uint32_t *)0x80400000u, 0x0000face);

	/* --- sseg as USK: unmapped for kernel and supervisor --- */
	rt_tlb_clear();
	MTC0(C0_WIRED, 0);
	rt_tlb_map_low(0);
	MTC0(C0_SEGCTL0, (sc0 & 0xffffu) | (uint32_t)CFG(0, AM_USK, 0, 3) << 16);
	rt_catch_reset();
	CHECK_EQ(*(volatile uint32_t *)(0xC0000000u | PHYS(&word)), 0x13572468);
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 1, 0xC0000000u | PHYS(&word)), 0x13572468);
	CHECK_EQ(rt_exc.count, 0);
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 2, 0xC0000000u | PHYS(&word)), 0x77);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	MTC0(C0_SEGCTL0, sc0);

	/* --- useg low as UUSK: user reaches physical memory without TLB --- */
	rt_tlb_clear();
	MTC0(C0_SEGCTL2, (sc2 & 0xffffu) | (uint32_t)CFG(0, AM_UUSK, 0, 3) << 16);
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 2, USEG_VA(&word)), 0x13572468);
	CHECK_EQ(rt_exc.count, 0);
	/* MUSUK: kernel unmapped, user mapped (and no entry -> refill) */
	MTC0(C0_SEGCTL2, (sc2 & 0xffffu) | (uint32_t)CFG(0, AM_MUSUK, 0, 3) << 16);
	CHECK_EQ(*(volatile uint32_t *)USEG_VA(&word), 0x13572468);
	CHECK_EQ(rt_exc.count, 0);
	rt_handler = rt_user_abort;
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 2, USEG_VA(&word)), 0xdead0000u | EXC_TLBL);
	rt_handler = rt_catch;
	MTC0(C0_SEGCTL2, sc2);
	CHECK_EQ(MFC0(C0_SEGCTL0), sc0);
	CHECK_EQ(MFC0(C0_SEGCTL1), sc1);
	CHECK_EQ(MFC0(C0_SEGCTL2), sc2);

	rt_tlb_clear();
	rt_handler = 0;
	return rt_done("segctl");
}
