/*
 * pv_abi: the paravirtual interface's contract (guest/include/tv_pv.h, docs/paravirt.md),
 * call by call, with the arguments a careless or hostile kernel could pass. Without the
 * VMM the probe reads 0 ("no hypervisor") and so does every other call; under it every
 * bad argument answers -TV_EINVAL and changes nothing.
 */
#include "rt.h"
#include "../../include/tv_abi.h"
#include "../../include/tv_pv.h"

static uint32_t hc(uint32_t nr, uint32_t a0, uint32_t a1)
{
	register uint32_t v0 __asm__("$2") = nr;
	register uint32_t r4 __asm__("$4") = a0, r5 __asm__("$5") = a1;

	__asm__ volatile("mfc0 %0, $21, 0" : "+r"(v0) : "r"(r4), "r"(r5) : "memory");
	return v0;
}

static volatile struct tv_pv_page pv __attribute__((aligned(4096)));
static volatile uint32_t table[1024] __attribute__((aligned(4096)));
static struct tv_mmu_update upd[4] __attribute__((aligned(16)));

#define EINVAL_ ((uint32_t)-TV_EINVAL)
#define WORD(pa) (*(volatile uint32_t *)KSEG0(pa))

int main(int argc, char **argv, char **envp, uint32_t memsize)
{
	(void)argc;
	(void)argv;
	(void)envp;
	if (hc(TV_HC_PROBE, 0, 0) == 0) {
		puts("pv_abi: no hypervisor");
		CHECK_EQ(hc(TV_HC_ZEROED, 0x100000, 0), 0);   /* a reserved register: 0 */
		CHECK_EQ(hc(TV_HC_PVPAGE, PHYS(&pv), 0), 0);
		CHECK_EQ(pv.magic, 0);                        /* nobody fills the page */
		return rt_done("pv_abi");
	}
	puts("pv_abi: hypervisor");

	/* Unknown calls and pages that are not the guest's. */
	CHECK_EQ(hc(TV_HC_COUNT, 0, 0), EINVAL_);
	CHECK_EQ(hc(0xFFFFFFFFu, 0, 0), EINVAL_);
	CHECK_EQ(hc(TV_HC_PVPAGE, PHYS(&pv) + 4, 0), EINVAL_);      /* unaligned */
	CHECK_EQ(hc(TV_HC_PVPAGE, memsize, 0), EINVAL_);            /* beyond RAM */
	CHECK_EQ(hc(TV_HC_PVPAGE, 0xFFFFF000u, 0), EINVAL_);
	CHECK_EQ(hc(TV_HC_ZEROED, memsize, 0), EINVAL_);
	CHECK_EQ(hc(TV_HC_BALLOON_GIVE, memsize + 0x1000, 0), EINVAL_);
	CHECK_EQ(hc(TV_HC_BALLOON_GIVE, memsize - 0x800, 0), EINVAL_);   /* unaligned */
	CHECK_EQ(hc(TV_HC_BALLOON_TAKE, 0x200000, 0), EINVAL_);          /* not ballooned */

	/* The zeroed-page hint: a page never touched reads as zeros; written, it does not. */
	uint32_t far = memsize - 0x1000;
	CHECK_EQ(hc(TV_HC_ZEROED, far, 0), 1);
	WORD(far) = 5;
	CHECK_EQ(hc(TV_HC_ZEROED, far, 0), 0);

	/* The balloon: a page given reads as zeros once taken back; given twice is refused. */
	uint32_t bp = memsize - 0x2000;
	WORD(bp) = 0x1234;
	CHECK_EQ(hc(TV_HC_BALLOON_GIVE, bp, 0), 0);
	CHECK_EQ(hc(TV_HC_BALLOON_GIVE, bp, 0), EINVAL_);
	CHECK_EQ(hc(TV_HC_ZEROED, bp, 0), 1);
	CHECK_EQ(hc(TV_HC_BALLOON_TAKE, bp, 0), 0);
	CHECK_EQ(hc(TV_HC_BALLOON_TAKE, bp, 0), EINVAL_);
	CHECK_EQ(WORD(bp), 0);

	/* The per-vCPU page: the VMM fills it, and takes what the guest stores there at the
	 * next trap (here the mfc0 that reads EntryHi back). */
	CHECK_EQ(hc(TV_HC_PVPAGE, PHYS(&pv), 0), 0);
	CHECK_EQ(pv.magic, TV_PV_MAGIC);
	CHECK_EQ(pv.version, TV_PV_VERSION);
	CHECK_EQ(pv.status, MFC0(C0_STATUS));
	uint32_t hi0 = MFC0(C0_ENTRYHI);
	pv.entryhi = 0x00400007u;                /* not in wmask: not taken */
	CHECK_EQ(MFC0(C0_ENTRYHI), hi0);
	pv.entryhi = 0x00400007u;
	pv.wmask = TV_PV_W_ENTRYHI;
	CHECK_EQ(MFC0(C0_ENTRYHI), 0x00400007u);
	CHECK_EQ(pv.wmask, 0);
	/* A trap between the store of a field and its wmask bit (here an mfc0; in a kernel a
	 * TLB miss) must not undo the store: the VMM rewrites a field only when it changed the
	 * register itself. */
	pv.entryhi = 0x00800009u;
	(void)MFC0(C0_STATUS);
	pv.wmask = TV_PV_W_ENTRYHI;
	CHECK_EQ(MFC0(C0_ENTRYHI), 0x00800009u);
	MTC0(C0_ENTRYHI, 0);
	CHECK_EQ(pv.entryhi, 0);
	pv.scratch = 0xABCDu;                    /* the guest's own word: never written */
	(void)MFC0(C0_STATUS);
	CHECK_EQ(pv.scratch, 0xABCDu);

	/* Batched page-table updates: a bad entry ends the batch; a huge count is bounded. */
	upd[0] = (struct tv_mmu_update){ PHYS(&table[1]), 11 };
	upd[1] = (struct tv_mmu_update){ PHYS(&table[2]), 22 };
	upd[2] = (struct tv_mmu_update){ memsize, 33 };        /* outside RAM */
	upd[3] = (struct tv_mmu_update){ PHYS(&table[3]), 44 };
	CHECK_EQ(hc(TV_HC_MMU_UPDATE, PHYS(upd), 4), 2);
	CHECK_EQ(table[1], 11);
	CHECK_EQ(table[2], 22);
	CHECK_EQ(table[3], 0);
	upd[2] = (struct tv_mmu_update){ PHYS(&table[3]) + 1, 33 };   /* unaligned */
	CHECK_EQ(hc(TV_HC_MMU_UPDATE, PHYS(upd), 0x40000000u), 2);
	CHECK_EQ(hc(TV_HC_MMU_UPDATE, memsize, 4), 0);                /* the array is not RAM */
	WORD(memsize - 8) = PHYS(&table[5]);                          /* ... half of it is */
	WORD(memsize - 4) = 55;
	CHECK_EQ(hc(TV_HC_MMU_UPDATE, memsize - 8, 2), 1);
	CHECK_EQ(table[5], 55);

	/* Cache maintenance of any range; the timer: Compare = Count + delta. */
	CHECK_EQ(hc(TV_HC_CACHE, 0x80000000u, 0xFFFFFFFFu), 0);
	uint32_t count = hc(TV_HC_TIMER, 1000000, 0);
	CHECK_EQ(MFC0(C0_COMPARE), count + 1000000);
	return rt_done("pv_abi");
}
