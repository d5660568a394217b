/*
 * supervisor (ext) - supervisor mode (Status.KSU=1) segment rules: useg and
 * sseg reachable (mapped), kseg0/kseg1/kseg3 -> AdEL/AdES, CP0 -> CpU,
 * and user mode kept out of sseg.
 */
#include "rt.h"

extern char s_load[], s_store[], s_cp0[];
__asm__(".text\n\t.set push\n\t.set noreorder\n\t.align 4\n"
	"s_load:\n\tli $2, 0x77\n\tlw $2, 0($4)\n\tsyscall\n\tnop\n"
	"s_store:\n\tli $2, 0x600d\n\tsw $4, 0($4)\n\tsyscall\n\tnop\n"
	"s_cp0:\n\tli $2, 0x77\n\tmfc0 $2, $12\n\tsyscall\n\tnop\n"
	"\t.set pop");

static volatile uint32_t word = 0x5aa5c33c;

int main(void)
{
	uint32_t v;

	rt_handler = rt_catch;
	/* KSU=1 is writable (with EXL set we stay in kernel mode) */
	MTC0(C0_STATUS, ST_EXL);
	MTC0(C0_STATUS, ST_EXL | ST_KSU_S);
	v = MFC0(C0_STATUS);
	MTC0(C0_STATUS, ST_EXL);
	MTC0(C0_STATUS, 0);
	CHECK_EQ(v & ST_KSU, ST_KSU_S);

	rt_tlb_clear();
	rt_tlb_map_low(0);
	/* sseg 0xC0000000 -> PA 0..2M as well */
	rt_tlb_write(1, 0xC0000000u, ENTRYLO(0x000000, 3, 1, 1, 1),
		     ENTRYLO(0x100000, 3, 1, 1, 1), 0x001FE000u);
	MTC0(C0_PAGEMASK, 0);

	/* useg and sseg work from supervisor mode */
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 1, USEG_VA(&word)), 0x5aa5c33c);
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 1, 0xC0000000u | USEG_VA(&word)), 0x5aa5c33c);
	CHECK_EQ(rt_exc.count, 0);
	/* supervisor code can run from sseg too */
	CHECK_EQ(rt_run_user(0xC0000000u | USEG_VA(s_load), 1, USEG_VA(&word)), 0x5aa5c33c);
	CHECK_EQ(rt_exc.count, 0);

	/* kernel segments: AdEL / AdES */
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 1, (uint32_t)&word), 0x77);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, (uint32_t)&word);
	CHECK_EQ(rt_exc.epc, USEG_VA(s_load) + 4);
	CHECK_EQ(rt_exc.status & ST_KSU, ST_KSU_S);
	rt_catch_reset();
	rt_run_user(USEG_VA(s_load), 1, 0xA0000000u);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, 0xA0000000u);
	rt_catch_reset();
	rt_run_user(USEG_VA(s_load), 1, 0xE0001000u);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, 0xE0001000u);
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(s_store), 1, (uint32_t)&word), 0x600d);
	CHECK_EQ(EXC_CODE(), EXC_ADES);
	CHECK_EQ(word, 0x5aa5c33c);
	/* CP0 with CU0=0: CpU */
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(s_cp0), 1, 0), 0x77);
	CHECK_EQ(EXC_CODE(), EXC_CPU);
	CHECK_EQ(CAUSE_CE(rt_exc.cause), 0);

	/* user mode cannot reach sseg */
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(s_load), 2, 0xC0000000u | USEG_VA(&word)), 0x77);
	CHECK_EQ(EXC_CODE(), EXC_ADEL);
	CHECK_EQ(rt_exc.badvaddr, 0xC0000000u | USEG_VA(&word));

	rt_tlb_clear();
	rt_handler = 0;
	return rt_done("supervisor");
}
