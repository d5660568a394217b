/*
 * cp0 - identification and configuration registers, write masks of the
 * TLB-related registers, Wired/Random, EBase relocation, Status/Cause bits,
 * software interrupts, di/ei and rdhwr with HWREna in kernel and user mode.
 * Never prints the value of Random or Count.
 */
#include "rt.h"

static void check_ident(void)
{
	uint32_t prid = MFC0(C0_PRID), c0 = MFC0(C0_CONFIG);
	uint32_t c1 = MFC0(C0_CONFIG1), c2 = MFC0(C0_CONFIG2);
	uint32_t n = rt_tlb_size();

	CHECK_EQ((prid >> 16) & 0xff, 1);          /* company: MIPS */
	CHECK((prid & 0xff00) != 0);               /* some processor ID */
	CHECK_EQ(c0 >> 31, 1);                     /* Config1 present */
	CHECK_EQ((c0 >> 15) & 1, 0);               /* BE: little-endian */
	CHECK_EQ((c0 >> 13) & 3, 0);               /* AT: MIPS32 */
	CHECK_EQ((c0 >> 10) & 7, 1);               /* AR: release 2 */
	CHECK_EQ((c0 >> 7) & 7, 1);                /* MT: standard TLB */
	CHECK_EQ(c1 >> 31, 1);                     /* Config2 present */
	CHECK_EQ(c1 & 1, 0);                       /* FP: no FPU */
	CHECK(n >= 16 && n <= 256);                /* MMUSize + 1 */
	CHECK_EQ(c2 >> 31, 1);                     /* Config3 present */

	/* Config.K0 is writable */
	MTC0(C0_CONFIG, (c0 & ~7u) | 3);
	CHECK_EQ(MFC0(C0_CONFIG) & 7, 3);
	MTC0(C0_CONFIG, c0);
	CHECK_EQ(MFC0(C0_CONFIG), c0);
}

static void check_masks(void)
{
	static const uint32_t masks[] = {
		0x00000000, 0x00006000, 0x0001e000, 0x0007e000, 0x001fe000,
		0x007fe000, 0x01ffe000, 0x07ffe000, 0x1fffe000,
	};
	uint32_t i;

	MTC0(C0_ENTRYHI, 0xffffffff);
	CHECK_EQ(MFC0(C0_ENTRYHI), 0xffffe0ff);
	MTC0(C0_ENTRYHI, 0x12345ab);
	CHECK_EQ(MFC0(C0_ENTRYHI), 0x12340ab);
	MTC0(C0_ENTRYHI, 0);
	MTC0(C0_ENTRYLO0, 0xffffffff);
	CHECK_EQ(MFC0(C0_ENTRYLO0), 0x03ffffff);
	MTC0(C0_ENTRYLO1, 0xfc000000);
	CHECK_EQ(MFC0(C0_ENTRYLO1), 0);
	MTC0(C0_ENTRYLO1, 0x0000005f);
	CHECK_EQ(MFC0(C0_ENTRYLO1), 0x5f);
	MTC0(C0_PAGEMASK, 0xffffffff);
	CHECK_EQ(MFC0(C0_PAGEMASK), 0x1fffe000);
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		MTC0(C0_PAGEMASK, masks[i]);
		CHECK_EQ(MFC0(C0_PAGEMASK), masks[i]);
	}
	MTC0(C0_PAGEMASK, 0);
	/* Context: PTEBase writable, BadVPN2 read-only, bits 3:0 zero */
	MTC0(C0_CONTEXT, 0xffffffff);
	CHECK_EQ(MFC0(C0_CONTEXT) & 0xff80000f, 0xff800000);
	MTC0(C0_CONTEXT, 0);
	CHECK_EQ(MFC0(C0_CONTEXT) & 0xff80000f, 0);
	/* HWREna: bits 0-3 */
	MTC0(C0_HWRENA, 0xf);
	CHECK_EQ(MFC0(C0_HWRENA), 0xf);
	MTC0(C0_HWRENA, 0);
	CHECK_EQ(MFC0(C0_HWRENA), 0);
}

static int random_in_range(uint32_t lo, uint32_t hi)
{
	int i, ok = 1;

	for (i = 0; i < 2000; i++) {
		uint32_t r = MFC0(C0_RANDOM);

		if (r < lo || r > hi)
			ok = 0;
	}
	return ok;
}

static void check_wired(void)
{
	uint32_t n = rt_tlb_size();

	CHECK_EQ(MFC0(C0_WIRED), 0);
	CHECK(random_in_range(0, n - 1));
	MTC0(C0_WIRED, 5);
	CHECK_EQ(MFC0(C0_WIRED), 5);
	CHECK(random_in_range(5, n - 1));
	MTC0(C0_WIRED, n - 1);
	CHECK_EQ(MFC0(C0_WIRED), n - 1);
	CHECK(random_in_range(n - 1, n - 1));
	MTC0(C0_WIRED, 0);
	CHECK(random_in_range(0, n - 1));
	/* Index: writable index field */
	MTC0(C0_INDEX, n - 1);
	CHECK_EQ(MFC0(C0_INDEX), n - 1);
	MTC0(C0_INDEX, 3);
	CHECK_EQ(MFC0(C0_INDEX), 3);
}

static void check_ebase(void)
{
	uint32_t pc;

	CHECK_EQ(MFC0(C0_EBASE), 0x80000000);
	MTC0(C0_EBASE, 0xffffffff);
	CHECK_EQ(MFC0(C0_EBASE), 0xbffff000);
	MTC0(C0_EBASE, 0x00000000);
	CHECK_EQ(MFC0(C0_EBASE), 0x80000000);

	/* vectors follow EBase: stubs at a new base, old ones destroyed */
	rt_install_vectors(0x80040000);
	memset((void *)0x80000180, 0, 16);
	rt_sync_icache(0x80000180, 16);
	CHECK_EQ(MFC0(C0_EBASE), 0x80040000);
	rt_handler = rt_catch;
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\tla %0, 1f\n"
			 "1:\tsyscall\n\t.set pop" : "=&r"(pc));
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(rt_exc.epc, pc);
	CHECK_EQ(rt_exc.vec, 1);
	rt_install_vectors(0x80000000);
	CHECK_EQ(MFC0(C0_EBASE), 0x80000000);
	rt_catch_reset();
	__asm__ volatile("syscall");
	CHECK_EQ(rt_exc.count, 1);
}

static void check_status_cause(void)
{
	uint32_t s0 = MFC0(C0_STATUS), s;

	CHECK_EQ(s0 & (ST_IE | ST_EXL | ST_ERL | ST_KSU | ST_BEV), 0);
	MTC0(C0_STATUS, s0 | 0xff00u);
	CHECK_EQ(MFC0(C0_STATUS) & 0xff00u, 0xff00u);
	MTC0(C0_STATUS, s0 | ST_CU0);
	CHECK_EQ(MFC0(C0_STATUS) & ST_CU0, ST_CU0);
	MTC0(C0_STATUS, s0 | ST_BEV);
	CHECK_EQ(MFC0(C0_STATUS) & ST_BEV, ST_BEV);
	/* user mode bit, with EXL set so that we stay in kernel mode */
	MTC0(C0_STATUS, s0 | ST_EXL);
	MTC0(C0_STATUS, s0 | ST_EXL | ST_KSU_U);
	s = MFC0(C0_STATUS);
	MTC0(C0_STATUS, s0 | ST_EXL);
	MTC0(C0_STATUS, s0);
	CHECK_EQ(s & (ST_EXL | ST_KSU), ST_EXL | ST_KSU_U);
	CHECK_EQ(MFC0(C0_STATUS), s0);

	/* Cause: IP1..0 and IV writable (interrupts masked) */
	MTC0(C0_CAUSE, 0x00800300u);
	CHECK_EQ(MFC0(C0_CAUSE) & 0x00800300u, 0x00800300u);
	MTC0(C0_CAUSE, 0);
	CHECK_EQ(MFC0(C0_CAUSE) & 0x00800300u, 0);
}

static volatile uint32_t irq_count, irq_cause, irq_status;

/* interrupt handler: record, acknowledge the software interrupts */
static void swint_handler(struct frame *f)
{
	irq_count++;
	irq_cause = f->cause;
	irq_status = f->status;
	MTC0(C0_CAUSE, MFC0(C0_CAUSE) & ~0x300u);
}

static void spin(void)
{
	int i;

	for (i = 0; i < 100; i++)
		__asm__ volatile("nop");
}

static void check_swint(void)
{
	uint32_t s0 = MFC0(C0_STATUS), old;

	rt_handler = swint_handler;
	irq_count = 0;
	/* IE=1 but IM0 clear: pending, not taken */
	MTC0(C0_STATUS, s0 | ST_IE);
	MTC0(C0_CAUSE, CAUSE_IP(0));
	spin();
	CHECK_EQ(irq_count, 0);
	CHECK_EQ(MFC0(C0_CAUSE) & 0x300, 0x100);
	/* unmasking takes it */
	MTC0(C0_STATUS, s0 | ST_IE | ST_IM(0));
	spin();
	CHECK_EQ(irq_count, 1);
	CHECK_EQ(CAUSE_EXC(irq_cause), EXC_INT);
	CHECK_EQ(irq_cause & 0x300, 0x100);
	CHECK_EQ(irq_status & (ST_EXL | ST_IE), ST_EXL | ST_IE);
	CHECK_EQ(MFC0(C0_CAUSE) & 0x300, 0);
	/* IP1 with IM1 */
	MTC0(C0_STATUS, s0 | ST_IE | ST_IM(1));
	MTC0(C0_CAUSE, CAUSE_IP(1));
	spin();
	CHECK_EQ(irq_count, 2);
	CHECK_EQ(irq_cause & 0x300, 0x200);
	/* IE=0: not taken; ei takes it */
	MTC0(C0_STATUS, s0 | ST_IM(1));
	MTC0(C0_CAUSE, CAUSE_IP(1));
	spin();
	CHECK_EQ(irq_count, 2);
	old = ei();
	spin();
	CHECK_EQ(irq_count, 3);
	CHECK_EQ(old & ST_IE, 0);
	/* di returns the old Status and clears IE */
	old = di();
	CHECK_EQ(old & (ST_IE | ST_IM(1)), ST_IE | ST_IM(1));
	CHECK_EQ(MFC0(C0_STATUS) & ST_IE, 0);
	old = di();
	CHECK_EQ(old & ST_IE, 0);
	old = ei();
	CHECK_EQ(old & ST_IE, 0);
	CHECK_EQ(MFC0(C0_STATUS) & ST_IE, ST_IE);
	di();
	MTC0(C0_STATUS, s0);
	rt_handler = 0;
}

extern char u_rdhwr0[], u_rdhwr3[];
__asm__(".text\n\t.set push\n\t.set noreorder\n\t.align 4\n"
	"u_rdhwr0:\n\tli $2, 0x77\n\trdhwr $2, $0\n\tsyscall\n\tnop\n"
	"u_rdhwr3:\n\tli $2, 0x77\n\trdhwr $2, $3\n\tsyscall\n\tnop\n"
	"\t.set pop");

#define RDHWR(n) ({ uint32_t v__; __asm__ volatile("rdhwr %0, $" #n : "=r"(v__)); v__; })

static void check_rdhwr(void)
{
	uint32_t a, b;

	rt_handler = rt_catch;
	rt_catch_reset();
	MTC0(C0_HWRENA, 0);
	/* kernel mode: allowed whatever HWREna says */
	CHECK_EQ(RDHWR(0), MFC0(C0_EBASE) & 0x3ff);
	CHECK_EQ(RDHWR(3), 2);                     /* CCRes: Count every 2 cycles */
	a = RDHWR(2);
	b = MFC0(C0_COUNT);
	(void)a;
	(void)b;
	CHECK_EQ(rt_exc.count, 0);

	rt_tlb_clear();
	rt_tlb_map_low(0);
	/* user mode without the HWREna bit: RI */
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(u_rdhwr0), 2, 0), 0x77);
	CHECK_EQ(rt_exc.count, 1);
	CHECK_EQ(EXC_CODE(), EXC_RI);
	CHECK_EQ(rt_exc.epc, USEG_VA(u_rdhwr0) + 4);
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(u_rdhwr3), 2, 0), 0x77);
	CHECK_EQ(EXC_CODE(), EXC_RI);
	/* with the bits set: allowed */
	MTC0(C0_HWRENA, 0x9);
	rt_catch_reset();
	CHECK_EQ(rt_run_user(USEG_VA(u_rdhwr0), 2, 0), 0);
	CHECK_EQ(rt_run_user(USEG_VA(u_rdhwr3), 2, 0), 2);
	CHECK_EQ(rt_exc.count, 0);
	/* bit 0 only: $3 traps again */
	MTC0(C0_HWRENA, 0x1);
	CHECK_EQ(rt_run_user(USEG_VA(u_rdhwr3), 2, 0), 0x77);
	CHECK_EQ(rt_exc.count, 1);
	MTC0(C0_HWRENA, 0);
	rt_tlb_clear();
	rt_handler = 0;
}

int main(void)
{
	check_ident();
	check_masks();
	check_wired();
	check_ebase();
	check_status_cause();
	check_swint();
	check_rdhwr();
	return rt_done("cp0");
}
