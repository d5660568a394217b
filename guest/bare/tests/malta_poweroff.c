/*
 * malta_poweroff - powering the board off as Linux's PIIX4 driver does: PMBA at 0x1000,
 * PM I/O enabled, then PMCNTRL = SUS_TYP soft off | SUS_EN. Both QEMU and tlbvisor stop
 * there with exit status 0; the line after the write must never appear.
 */
#include "rt.h"

#define GT 0xBBE00000u
#define IO 0xB8000000u

static void pci_write(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(GT + 0xCF8) = 0x80000000u | dev << 11 | fn << 8 | reg;
	*(volatile uint32_t *)(GT + 0xCFC) = v;
}

int main(void)
{
	pci_write(10, 3, 0x40, 0x1001);              /* PMBA */
	pci_write(10, 3, 0x80, 0x01);                /* PMREGMISC: PM I/O on */
	puts("malta_poweroff: PIIX4 soft off");
	*(volatile uint16_t *)(IO + 0x1004) = 0x2000;   /* PMCNTRL: SUS_TYP 0, SUS_EN */
	/* tlbvisor stops at the write; QEMU asks its main loop to shut down, which happens a
	 * little later: a long spin before the failure message. */
	for (volatile uint32_t i = 0; i < 200000000u; i++)
		;
	puts("FAIL malta_poweroff: still running after PMCNTRL.SUS_EN");
	return 1;
}
