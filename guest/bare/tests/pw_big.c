/*
 * pw_big (pagewalk) - InvlPg of one address inside a 4 MiB page drops the
 * whole large translation: after the directory entry is retargeted without
 * InvlPg, an InvlPg of any address inside the page makes every address of it
 * see the new frame (a hypervisor that splits the page into 4 KiB pieces
 * must drop every piece, not one). Also for a global 4 MiB page across a
 * PTBase reload, and a 4 MiB page made a page table's home.
 */
#include "pw.h"

#define BIG   0x01000000u   /* PDE 4: a 4 MiB page */
#define BIGG  0x01400000u   /* PDE 5: a global 4 MiB page */
#define PA_A  0x00800000u   /* two 4 MiB frames of RAM, above the image */
#define PA_B  0x00c00000u

/* marker word at offset off of the 4 MiB frame pa, written through kseg0 */
static void mark(uint32_t pa, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)KSEG0(pa + off) = v;
}

int main(void)
{
	uint32_t off;

	rt_handler = rt_catch;
	pw_reset();
	for (off = 0; off < 0x400000u; off += 0x1000u) {
		mark(PA_A, off, 0xa0000000u | off);
		mark(PA_B, off, 0xb0000000u | off);
	}
	pw_map4m(BIG, PA_A, PTE_P | PTE_RW);
	pw_map4m(BIGG, PA_A, PTE_P | PTE_RW | PTE_G);
	pw_load_ptbase();
	rt_catch_reset();

	/* pieces 1 and 2 cached */
	CHECK_EQ(PW_LW(BIG + 0x1000), 0xa0001000u);
	CHECK_EQ(PW_LW(BIG + 0x2000), 0xa0002000u);
	/* retarget without InvlPg: the cached translation is still used */
	*pw_pde(BIG) = PA_B | PTE_PS | PTE_P | PTE_RW | PTE_A;
	CHECK_EQ(PW_LW(BIG + 0x1000), 0xa0001000u);
	CHECK_EQ(PW_LW(BIG + 0x2000), 0xa0002000u);
	/* InvlPg of piece 1 drops the whole 4 MiB translation: piece 2 too */
	pw_invlpg(BIG + 0x1000);
	CHECK_EQ(PW_LW(BIG + 0x2000), 0xb0002000u);
	CHECK_EQ(PW_LW(BIG + 0x1000), 0xb0001000u);
	CHECK_EQ(PW_LW(BIG + 0x3ff000), 0xb03ff000u);

	/* and an InvlPg at the very end of the page drops what the start cached */
	*pw_pde(BIG) = PA_A | PTE_PS | PTE_P | PTE_RW | PTE_A;
	pw_invlpg(BIG + 0x3ffffc);
	CHECK_EQ(PW_LW(BIG), 0xa0000000u);
	CHECK_EQ(PW_LW(BIG + 0x5000), 0xa0005000u);
	*pw_pde(BIG) = PA_B | PTE_PS | PTE_P | PTE_RW | PTE_A | PTE_D;
	pw_invlpg(BIG + 0x200000);
	CHECK_EQ(PW_LW(BIG + 0x5000), 0xb0005000u);
	CHECK_EQ(PW_LW(BIG), 0xb0000000u);

	/* a global 4 MiB page survives a PTBase reload, then one InvlPg drops all of it */
	CHECK_EQ(PW_LW(BIGG + 0x1000), 0xa0001000u);
	CHECK_EQ(PW_LW(BIGG + 0x2000), 0xa0002000u);
	*pw_pde(BIGG) = PA_B | PTE_PS | PTE_P | PTE_RW | PTE_G | PTE_A;
	pw_load_ptbase();
	CHECK_EQ(PW_LW(BIGG + 0x1000), 0xa0001000u);
	CHECK_EQ(PW_LW(BIGG + 0x2000), 0xa0002000u);
	pw_invlpg(BIGG + 0x2000);
	CHECK_EQ(PW_LW(BIGG + 0x1000), 0xb0001000u);
	CHECK_EQ(PW_LW(BIGG + 0x2000), 0xb0002000u);

	/* a store through a big page sets D in the PDE, once */
	PW_SW(BIG + 0x7000, 0x12345678u);
	CHECK_EQ(*pw_pde(BIG) & (PTE_A | PTE_D), PTE_A | PTE_D);
	CHECK_EQ(*(volatile uint32_t *)KSEG0(PA_B + 0x7000), 0x12345678u);
	CHECK_EQ(rt_exc.count, 0);

	rt_handler = 0;
	return rt_done("pw_big");
}
