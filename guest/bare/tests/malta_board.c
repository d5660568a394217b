/*
 * malta_board - the Malta board's devices as Linux's Malta code uses them: the board
 * revision, FPGA registers, the GT-64120 (decode registers, PCI configuration of the host
 * bridge and the PIIX4, master abort), the i8259 pair with interrupts acknowledged through
 * the GT-64120's PCI IACK register (RTC periodic interrupt on IRQ8 through the cascade,
 * PIT terminal count on IRQ0, CPU line IP2), the RTC's registers and SET, the UART's FIFO,
 * loopback and THRE interrupt identification, the PIIX4 PM timer, the ELCR masks, an
 * unclaimed ISA port. Only what is the same on any timing is printed: the output must be
 * identical on QEMU and on tlbvisor.
 */
#include "rt.h"


#define GT KSEG1(0x1BE00000u)
#define IO KSEG1(0x18000000u)
#define FPGA KSEG1(0x1F000000u)
/* QEMU's RTC follows the host's clock (its PIT the instruction count): a loaded host may
 * need many spins for 1 ms of RTC time. On tlbvisor the interrupt comes within 0.4M. */
#define SPIN_LIMIT 50000000u

static uint32_t rd32(uint32_t a) { return *(volatile uint32_t *)a; }
static void wr32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static uint8_t inb(uint32_t port) { return *(volatile uint8_t *)(IO + port); }
static void outb(uint32_t port, uint8_t v) { *(volatile uint8_t *)(IO + port) = v; }
static uint16_t inw(uint32_t port) { return *(volatile uint16_t *)(IO + port); }
static void outw(uint32_t port, uint16_t v) { *(volatile uint16_t *)(IO + port) = v; }
static uint32_t inl(uint32_t port) { return *(volatile uint32_t *)(IO + port); }

static uint32_t pci_read(unsigned dev, unsigned fn, unsigned reg)
{
	wr32(GT + 0xCF8, 0x80000000u | dev << 11 | fn << 8 | reg);
	return rd32(GT + 0xCFC);
}

static void pci_write(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	wr32(GT + 0xCF8, 0x80000000u | dev << 11 | fn << 8 | reg);
	wr32(GT + 0xCFC, v);
}

static uint8_t cmos_read(unsigned r) { outb(0x70, (uint8_t)r); return inb(0x71); }
static void cmos_write(unsigned r, uint8_t v) { outb(0x70, (uint8_t)r); outb(0x71, v); }

/* Interrupts: each one is acknowledged through the GT-64120 (the vector the i8259 pair
 * gives), its device quieted, and ended with EOIs. */
static volatile uint32_t irqs, last_vector, other_exc;

static void irq_handler(struct frame *f)
{
	if (CAUSE_EXC(f->cause) != EXC_INT || !(f->cause & CAUSE_IP(2))) {
		other_exc++;
		rt_catch(f);
		return;
	}
	uint32_t v = rd32(GT + 0xC34) & 0xFF;       /* PCI interrupt acknowledge */
	last_vector = v;
	irqs++;
	if (v == 0x08)                               /* IRQ8: the RTC; reading C acknowledges */
		(void)cmos_read(0x0C);
	if (v >= 0x08)
		outb(0xA0, 0x20);                    /* slave EOI */
	outb(0x20, 0x20);                            /* master EOI */
}

static int wait_irq(void)
{
	uint32_t i;

	for (i = 0; i < SPIN_LIMIT && !irqs; i++)
		(void)MFC0(C0_COUNT);
	return irqs != 0;
}

/* The PIC set up as Linux's init_8259A does: vector bases 0x00 and 0x08, cascade on IR2,
 * everything masked but the cascade. */
static void pic_init(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	outb(0x20, 0x11);
	outb(0x21, 0x00);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xA0, 0x11);
	outb(0xA1, 0x08);
	outb(0xA1, 0x02);
	outb(0xA1, 0x01);
	outb(0x21, 0xFB);
	outb(0xA1, 0xFF);
}

int main(void)
{
	uint32_t s0 = MFC0(C0_STATUS), v;

	/* Board revision: CoreLV card, GT-64120 system controller. */
	CHECK_EQ(rd32(KSEG1(0x1FC00010u)), 0x00000420);
	/* FPGA: STATUS (little-endian), BRKRES reset value, LEDBAR holds a byte. */
	CHECK_EQ(rd32(FPGA + 0x208), 0x10);
	CHECK_EQ(rd32(FPGA + 0x508), 0x0A);
	wr32(FPGA + 0x408, 0x1A5);
	CHECK_EQ(rd32(FPGA + 0x408), 0xA5);
	wr32(FPGA + 0x408, 0);

	/* GT-64120: where the boot monitor left the internal space and the PCI windows. */
	CHECK_EQ(rd32(GT + 0x068), 0xDF);            /* ISD: 0x1BE00000 >> 21 */
	CHECK_EQ(rd32(GT + 0x048), 0xC0);            /* PCI_0 I/O at 0x18000000 ... */
	CHECK_EQ(rd32(GT + 0x050), 0x40);            /* ... 2 MiB */
	CHECK_EQ(rd32(GT + 0x058), 0x80);            /* memory 0 at 0x10000000 */
	CHECK_EQ(rd32(GT + 0x060), 0x3F);
	CHECK_EQ(rd32(GT + 0x080), 0xC1);            /* memory 1 at 0x18200000 */
	CHECK_EQ(rd32(GT + 0x088), 0x5E);
	CHECK_EQ(rd32(GT + 0x000) & 0x1000, 0x1000); /* little-endian CPU interface */

	/* PCI configuration: the host bridge and the PIIX4's functions 0 and 3. */
	CHECK_EQ(pci_read(0, 0, 0x00), 0x462011AB);
	CHECK_EQ(pci_read(0, 0, 0x08) >> 8, 0x060000);
	CHECK_EQ(pci_read(10, 0, 0x00), 0x71108086);
	CHECK_EQ(pci_read(10, 0, 0x08) >> 8, 0x060100);
	CHECK_EQ((pci_read(10, 0, 0x0C) >> 16) & 0xFF, 0x80);   /* multi-function */
	CHECK_EQ(pci_read(10, 0, 0x60), 0x0B0B0A0A);             /* PIRQ routing */
	CHECK_EQ(pci_read(10, 3, 0x00), 0x71138086);
	CHECK_EQ(pci_read(10, 3, 0x08), 0x06800003);
	CHECK_EQ(pci_read(10, 3, 0x40), 0x00000001);             /* PMBA: I/O, not placed */
	CHECK_EQ(pci_read(5, 0, 0x00), 0xFFFFFFFF);              /* nobody: master abort */
	CHECK_EQ(pci_read(0, 1, 0x00), 0xFFFFFFFF);

	/* An ISA port nobody claims floats high. */
	CHECK_EQ(inb(0x300), 0xFF);

	/* ELCR: IRQ0-2 and IRQ8, IRQ13 are always edge-triggered. */
	outb(0x4D0, 0xFF);
	outb(0x4D1, 0xFF);
	CHECK_EQ(inb(0x4D0), 0xF8);
	CHECK_EQ(inb(0x4D1), 0xDE);
	outb(0x4D0, 0);
	outb(0x4D1, 0);

	/* RTC registers at reset, and SET with a date written in BCD. */
	CHECK_EQ(cmos_read(0x0A) & 0x7F, 0x26);
	CHECK_EQ(cmos_read(0x0B), 0x02);
	CHECK_EQ(cmos_read(0x0D), 0x80);
	cmos_write(0x0B, 0x82);                      /* SET */
	cmos_write(0x00, 0x00);
	cmos_write(0x02, 0x34);
	cmos_write(0x04, 0x12);
	cmos_write(0x07, 0x29);
	cmos_write(0x08, 0x02);
	cmos_write(0x09, 0x24);
	cmos_write(0x0B, 0x02);                      /* run */
	CHECK_EQ(cmos_read(0x02), 0x34);
	CHECK_EQ(cmos_read(0x04), 0x12);
	CHECK_EQ(cmos_read(0x07), 0x29);
	CHECK_EQ(cmos_read(0x08), 0x02);
	CHECK_EQ(cmos_read(0x09), 0x24);
	CHECK_EQ(cmos_read(0x06), 0x05);             /* 2024-02-29 was a Thursday */
	cmos_write(0x0B, 0x06);                      /* binary */
	CHECK_EQ(cmos_read(0x02), 34);
	CHECK_EQ(cmos_read(0x04), 12);
	cmos_write(0x0B, 0x02);

	/* UART COM1: FIFO identification, scratch, loopback (modem lines and data), THRE
	 * interrupt identification and its acknowledge by reading IIR. */
	outb(0x3FA, 0x07);                           /* FIFO on, both cleared */
	CHECK_EQ(inb(0x3FA) & 0xC0, 0xC0);
	outb(0x3FF, 0x5A);
	CHECK_EQ(inb(0x3FF), 0x5A);
	v = inb(0x3FC);
	outb(0x3FC, 0x10);                           /* loopback, outputs low */
	(void)inb(0x3FE);
	outb(0x3FC, 0x1F);                           /* loopback, DTR RTS OUT1 OUT2 */
	CHECK_EQ(inb(0x3FE) & 0xF0, 0xF0);
	outb(0x3FC, 0x1A);                           /* Linux's probe: LOOP | OUT2 | RTS */
	CHECK_EQ(inb(0x3FE) & 0xF0, 0x90);
	outb(0x3F8, 'Q');
	for (uint32_t i = 0; i < SPIN_LIMIT && !(inb(0x3FD) & 1); i++)
		;
	CHECK_EQ(inb(0x3FD) & 0x61, 0x61);           /* DR, THRE, TEMT */
	CHECK_EQ(inb(0x3F8), 'Q');
	CHECK_EQ(inb(0x3FD) & 1, 0);
	outb(0x3FC, (uint8_t)v);
	outb(0x3F9, 0x02);                           /* THRE interrupt */
	CHECK_EQ(inb(0x3FA) & 0x0F, 0x02);
	CHECK_EQ(inb(0x3FA) & 0x0F, 0x01);           /* read once: acknowledged */
	outb(0x3F9, 0x00);

	/* PIIX4 PM registers placed at 0x1000 as Linux's Malta fixup does: the ACPI timer runs. */
	pci_write(10, 3, 0x40, 0x1001);
	pci_write(10, 3, 0x80, 0x01);
	CHECK_EQ(pci_read(10, 3, 0x40), 0x1001);
	v = inl(0x1008) & 0xFFFFFF;
	for (uint32_t i = 0; i < 1000; i++)
		__asm__ volatile("nop");
	CHECK(((inl(0x1008) - v) & 0xFFFFFF) != 0);
	CHECK_EQ(inw(0x1002), 0);                    /* PMEN */
	outw(0x1002, 0x0001);
	CHECK_EQ(inw(0x1002), 1);
	outw(0x1002, 0);

	/* Interrupts through the i8259 pair and the GT-64120's IACK, CPU line IP2. */
	rt_handler = irq_handler;
	pic_init();
	CHECK_EQ(inb(0x21), 0xFB);
	outb(0x20, 0x0A);                            /* OCW3: read IRR */
	CHECK_EQ(inb(0x20) & 0x04, 0);
	MTC0(C0_STATUS, s0 | ST_IM(2) | ST_IE);

	/* RTC periodic interrupt (1024 Hz) on IRQ8, through the cascade. */
	(void)cmos_read(0x0C);
	outb(0xA1, 0xFE);
	cmos_write(0x0B, 0x42);                      /* PIE */
	CHECK(wait_irq());
	CHECK_EQ(last_vector, 0x08);
	cmos_write(0x0B, 0x02);
	(void)cmos_read(0x0C);
	outb(0xA1, 0xFF);

	/* PIT channel 0, mode 0: terminal count raises IRQ0. */
	irqs = 0;
	outb(0x43, 0x30);                            /* channel 0, LSB then MSB, mode 0 */
	outb(0x40, 100);
	outb(0x40, 0);
	/* Until the terminal count, OUT reads low. IRQ0 is unmasked only once OUT is high: the
	 * power-on square wave of channel 0 (mode 3, as QEMU resets it) may have latched an edge
	 * in the IRR already, which would be delivered at once (on QEMU, whose PIT follows host
	 * time, more often the busier the host). */
	unsigned st = 0;
	for (int i = 0; i < 100000 && !(st & 0x80); i++) {
		outb(0x43, 0xE2);                    /* read-back status of channel 0 */
		st = inb(0x40);
	}
	CHECK_EQ(st, 0xB0);                          /* OUT high, count loaded, LSB/MSB, mode 0 */
	outb(0x21, 0xFA);                            /* unmask IRQ0 (and the cascade) */
	CHECK(wait_irq());
	CHECK_EQ(last_vector, 0x00);
	outb(0x43, 0xE2);                            /* read-back status of channel 0 */
	CHECK_EQ(inb(0x40), 0xB0);                   /* OUT high, count loaded, LSB/MSB, mode 0 */
	outb(0x21, 0xFB);

	/* Acknowledging with nothing pending gives IR7's vector (spurious). */
	MTC0(C0_STATUS, s0);
	CHECK_EQ(rd32(GT + 0xC34) & 0xFF, 0x07);
	outb(0x20, 0x0B);                            /* OCW3: read ISR */
	CHECK_EQ(inb(0x20), 0x00);
	CHECK_EQ(other_exc, 0);
	rt_handler = 0;
	return rt_done("malta_board");
}
