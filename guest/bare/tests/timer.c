/*
 * timer - Count/Compare: Count advances; Count == Compare sets Cause.TI and
 * IP7; the interrupt is taken with IE=1 and IM7; writing Compare clears it;
 * `wait` returns after the interrupt.  Only deterministic facts are printed.
 */
#include "rt.h"

#define SPIN_LIMIT 20000000u
/* Compare is set this many ticks ahead: on QEMU, Count follows host time,
 * and translating the code between reading Count and writing Compare can
 * take microseconds; a short interval would already be in the past. */
#define AHEAD 200000u

volatile uint32_t timer_irqs;
static volatile uint32_t timer_cause, timer_other;

/*
 * wait_for_timer: sleep until timer_irqs != 0.  An interrupt taken between
 * wait_begin and wait_insn (inclusive) is rolled forward to wait_end by the
 * handler, so the flag test and the wait cannot race.
 */
extern char wait_begin[], wait_insn[], wait_end[];
void wait_for_timer(void);
__asm__(".text\n\t.set push\n\t.set noreorder\n\t.globl wait_for_timer\n"
	"wait_for_timer:\n"
	"wait_begin:\n\tlui $8, %hi(timer_irqs)\n\tlw $8, %lo(timer_irqs)($8)\n\t"
	"bnez $8, wait_end\n\tnop\n"
	"wait_insn:\n\twait\n"
	"wait_end:\n\tjr $31\n\tnop\n\t.set pop");

static void timer_handler(struct frame *f)
{
	if (CAUSE_EXC(f->cause) != EXC_INT || !(f->cause & CAUSE_IP(7))) {
		timer_other++;
		rt_catch(f);
		return;
	}
	timer_irqs++;
	timer_cause = f->cause;
	/* acknowledge: a write to Compare clears TI and IP7 */
	MTC0(C0_COMPARE, MFC0(C0_COUNT) - 1);
	if (f->epc >= (uint32_t)wait_begin && f->epc <= (uint32_t)wait_insn)
		f->epc = (uint32_t)wait_end;
}

/*
 * Polling loops read Count each time round: QEMU only notices an expired
 * Compare promptly when Count is read (its timer callback may otherwise be
 * late by up to its 100 ms TCG kick period).
 */
static int spin_until_irq(void)
{
	uint32_t i;

	for (i = 0; i < SPIN_LIMIT && !timer_irqs; i++)
		(void)MFC0(C0_COUNT);
	return timer_irqs != 0;
}

static int spin_until_ti(void)
{
	uint32_t i;

	for (i = 0; i < SPIN_LIMIT && !(MFC0(C0_CAUSE) & CAUSE_TI); i++)
		(void)MFC0(C0_COUNT);
	return (MFC0(C0_CAUSE) & CAUSE_TI) != 0;
}

int main(void)
{
	uint32_t c1, c2, i, s0 = MFC0(C0_STATUS);

	rt_handler = timer_handler;

	/* Count advances */
	c1 = MFC0(C0_COUNT);
	for (i = 0; i < 1000; i++)
		__asm__ volatile("nop");
	c2 = MFC0(C0_COUNT);
	CHECK(c2 != c1);
	MTC0(C0_COMPARE, 0x12345678);
	CHECK_EQ(MFC0(C0_COMPARE), 0x12345678);

	/* Count == Compare with IE=0: TI and IP7 pending, not taken */
	MTC0(C0_COMPARE, MFC0(C0_COUNT) + AHEAD);
	CHECK_EQ(MFC0(C0_CAUSE) & (CAUSE_TI | CAUSE_IP(7)), 0);
	CHECK(spin_until_ti());
	CHECK_EQ(MFC0(C0_CAUSE) & (CAUSE_TI | CAUSE_IP(7)), CAUSE_TI | CAUSE_IP(7));
	CHECK_EQ(timer_irqs, 0);
	/* writing Compare clears it */
	MTC0(C0_COMPARE, MFC0(C0_COUNT) - 1);
	CHECK_EQ(MFC0(C0_CAUSE) & (CAUSE_TI | CAUSE_IP(7)), 0);

	/* the interrupt is taken with IE=1 and IM7 */
	timer_irqs = 0;
	MTC0(C0_STATUS, s0 | ST_IM(7) | ST_IE);
	MTC0(C0_COMPARE, MFC0(C0_COUNT) + AHEAD);
	CHECK(spin_until_irq());
	CHECK_EQ(timer_irqs, 1);
	CHECK_EQ(timer_cause & (CAUSE_TI | CAUSE_IP(7)), CAUSE_TI | CAUSE_IP(7));
	CHECK_EQ(MFC0(C0_CAUSE) & (CAUSE_TI | CAUSE_IP(7)), 0);

	/* masked by IM7=0 even with IE=1 */
	timer_irqs = 0;
	MTC0(C0_STATUS, s0 | ST_IE);
	MTC0(C0_COMPARE, MFC0(C0_COUNT) + AHEAD);
	CHECK(spin_until_ti());
	CHECK_EQ(timer_irqs, 0);
	/* unmasking delivers it */
	MTC0(C0_STATUS, s0 | ST_IE | ST_IM(7));
	CHECK(spin_until_irq());
	CHECK_EQ(timer_irqs, 1);

	/* wait sleeps until the interrupt */
	for (i = 0; i < 3; i++) {
		timer_irqs = 0;
		MTC0(C0_COMPARE, MFC0(C0_COUNT) + AHEAD);
		wait_for_timer();
		CHECK_EQ(timer_irqs, 1);
	}

	MTC0(C0_STATUS, s0);
	CHECK_EQ(timer_other, 0);
	rt_handler = 0;
	return rt_done("timer");
}
