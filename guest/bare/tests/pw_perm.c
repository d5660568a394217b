/*
 * pw_perm (pagewalk) - rights: RW needed in both levels for any write
 * (WP semantics, kernel included), US in both levels for user mode; PFErr
 * codes P/W/U/I for loads, stores and instruction fetches.
 */
#include "pw.h"

#define VA 0x00400000u   /* RW|US */
#define RO 0x00401000u   /* US, read-only */
#define KO 0x00402000u   /* kernel only, RW */
#define NP 0x00403000u   /* not present */
#define T2 0x00c00000u   /* table whose PDE lacks RW and US */

static volatile uint32_t pg[1024] __attribute__((aligned(4096)));

extern char u_load[], u_store[], u_jump[];
__asm__(".text\n\t.set push\n\t.set noreorder\n\t.align 4\n"
	"u_load:\n\tli $2, 0x77\n\tlw $2, 0($4)\n\tsyscall\n\tnop\n"
	"u_store:\n\tli $2, 0x600d\n\tsw $2, 0($4)\n\tsyscall\n\tnop\n"
	"u_jump:\n\tjr $4\n\tnop\n"
	"\t.set pop");

static void catch_and_abort(struct frame *f)
{
	rt_catch(f);
	rt_user_abort(f);
}

/* user access through the identity 4 MiB page at VA 0 */
static uint32_t user(char *fn, uint32_t arg)
{
	return rt_run_user(USEG_VA(fn), 2, arg);
}

#define FAULT(code, va, pferr) do { \
	CHECK_EQ(rt_exc.count, 1); \
	CHECK_EQ(EXC_CODE(), code); \
	CHECK_EQ(rt_exc.vec, 1); \
	CHECK_EQ(rt_exc.badvaddr, va); \
	CHECK_EQ(MFC0(C0_PFERR), pferr); \
} while (0)

int main(void)
{
	rt_handler = rt_catch;
	pw_reset();
	pg[0] = 0xfeed0000;
	/* code and data of this image for user mode: VA 0-4M -> PA 0-4M */
	pw_map4m(0, 0, PTE_P | PTE_RW | PTE_US);
	pw_map4k(VA, PHYS(pg), PTE_P | PTE_RW | PTE_US);
	pw_map4k(RO, PHYS(pg), PTE_P | PTE_US);
	pw_map4k(KO, PHYS(pg), PTE_P | PTE_RW);
	pw_map4k(NP, PHYS(pg), 0);
	pw_map4k(T2, PHYS(pg), PTE_P | PTE_RW | PTE_US);
	*pw_pde(T2) &= ~(PTE_RW | PTE_US);
	pw_load_ptbase();

	/* kernel */
	rt_catch_reset();
	CHECK_EQ(PW_LW(RO), 0xfeed0000);
	CHECK_EQ(PW_LW(KO), 0xfeed0000);
	CHECK_EQ(PW_LW(T2), 0xfeed0000);
	PW_SW(KO, 0xfeed0001);
	CHECK_EQ(pg[0], 0xfeed0001);
	CHECK_EQ(rt_exc.count, 0);
	PW_SW(RO, 0xbad);                        /* WP: kernel write to RO */
	FAULT(EXC_TLBS, RO, PF_P | PF_W);
	CHECK_EQ(pg[0], 0xfeed0001);
	rt_catch_reset();
	PW_SW(T2, 0xbad);                        /* RW clear in the PDE */
	FAULT(EXC_TLBS, T2, PF_P | PF_W);
	rt_catch_reset();
	(void)PW_LW(NP + 4);
	FAULT(EXC_TLBL, NP + 4, 0);
	rt_catch_reset();
	PW_SW(NP + 8, 1);
	FAULT(EXC_TLBS, NP + 8, PF_W);

	/* user */
	rt_catch_reset();
	CHECK_EQ(user(u_load, VA), 0xfeed0001);
	CHECK_EQ(user(u_load, RO), 0xfeed0001);
	CHECK_EQ(user(u_store, VA), 0x600d);
	CHECK_EQ(pg[0], 0x600d);
	CHECK_EQ(rt_exc.count, 0);
	CHECK_EQ(user(u_load, KO), 0x77);        /* US clear in the PTE */
	FAULT(EXC_TLBL, KO, PF_P | PF_U);
	CHECK_EQ(rt_exc.epc, USEG_VA(u_load) + 4);
	rt_catch_reset();
	CHECK_EQ(user(u_load, T2), 0x77);        /* US clear in the PDE */
	FAULT(EXC_TLBL, T2, PF_P | PF_U);
	rt_catch_reset();
	user(u_store, RO);
	FAULT(EXC_TLBS, RO, PF_P | PF_W | PF_U);
	rt_catch_reset();
	user(u_store, KO);
	FAULT(EXC_TLBS, KO, PF_P | PF_W | PF_U);
	rt_catch_reset();
	user(u_load, NP);
	FAULT(EXC_TLBL, NP, PF_U);
	rt_catch_reset();
	user(u_store, NP);
	FAULT(EXC_TLBS, NP, PF_W | PF_U);
	CHECK_EQ(pg[0], 0x600d);

	/* instruction fetch: not present, and kernel-only page, from user */
	rt_handler = catch_and_abort;
	rt_catch_reset();
	CHECK_EQ(user(u_jump, NP), 0xdead0000u | EXC_TLBL);
	FAULT(EXC_TLBL, NP, PF_I | PF_U);
	CHECK_EQ(rt_exc.epc, NP);
	rt_catch_reset();
	CHECK_EQ(user(u_jump, KO), 0xdead0000u | EXC_TLBL);
	FAULT(EXC_TLBL, KO, PF_I | PF_U | PF_P);
	rt_handler = rt_catch;

	/* kernel fetch from a not-present page */
	rt_catch_reset();
	__asm__ volatile(".set push\n\t.set noreorder\n\t"
			 "la $8, 1f\n\tsw $8, 0(%0)\n\tjr %1\n\tnop\n1:\t.set pop"
			 :: "r"(&rt_exc.resume), "r"(NP) : "$8", "memory");
	FAULT(EXC_TLBL, NP, PF_I);
	CHECK_EQ(rt_exc.epc, NP);

	rt_handler = 0;
	return rt_done("pw_perm");
}
