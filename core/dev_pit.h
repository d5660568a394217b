/* dev_pit.h - the Intel 8254 programmable interval timer of the PIIX4 (ISA ports 0x40-0x43)
 * and the NMI status/control port 0x61 (timer 2 gate, OUT2, refresh toggle).
 *
 * Input clock 1.193182 MHz, derived from simulated cycles (devtime.h). Modes 0-5 of the
 * 8254 data sheet, LSB/MSB/word access, counter latch, read-back with status, binary and
 * BCD counting. Channel 0's OUT drives ISA IRQ0 (edge): each of its transitions is an
 * event the board schedules. Gates: channels 0 and 1 are tied high; channel 2's gate is
 * port 0x61 bit 0 (a low gate holds the count, a rising gate restarts it).
 * At reset no channel counts (the data sheet leaves the state undefined until a control
 * word and a count are written; QEMU 7.2 instead starts all three in mode 3, as a PC BIOS
 * would): OUT is high and the PIT schedules no event until software programs it (so that
 * programming mode 2 or 3 makes no spurious edge on IRQ0). */
#ifndef TLBVISOR_DEV_PIT_H
#define TLBVISOR_DEV_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

struct pit_channel {
    uint8_t mode;                  /* 0..5 */
    uint8_t rw;                    /* 1 LSB, 2 MSB, 3 LSB then MSB */
    uint8_t bcd;
    uint8_t gate;
    uint8_t write_msb_next, read_msb_next;
    uint8_t latched, latched_msb_next, status_latched;
    uint8_t null_count;            /* a count was written but not yet loaded */
    uint8_t armed;                 /* modes 1/5: triggered by a gate edge since loading */
    uint8_t write_lsb;
    uint16_t latch_value;
    uint8_t status_value;
    uint32_t count;                /* initial count, 1..65536 (0 written = 65536) */
    uint64_t load_cycle;           /* cycle the count was loaded (or the gate restarted it) */
    int out;                       /* OUT level last reported (channel 0) */
};

struct pit {
    struct pit_channel ch[3];
    uint8_t port61;                /* bits 0-3 as written */
    void (*out0_changed)(void *ctx, int level);   /* IRQ0 */
    void *ctx;
    uint64_t rises_reported;       /* OUT0 rising edges since its load the PIC has seen */
    uint64_t next_event;           /* cycle of OUT0's next transition, or DEV_NEVER */
};

void pit_init(struct pit *p, uint64_t now, void (*out0_changed)(void *ctx, int level), void *ctx);
/* Ports 0x40-0x43 (port 0..3). */
uint8_t pit_read(struct pit *p, unsigned port, uint64_t now);
void pit_write(struct pit *p, unsigned port, uint8_t val, uint64_t now);
/* Port 0x61. */
uint8_t pit_port61_read(struct pit *p, uint64_t now);
void pit_port61_write(struct pit *p, uint8_t val, uint64_t now);
/* Brings OUT0 up to date at cycle now (reporting its transitions) and sets next_event. */
void pit_service(struct pit *p, uint64_t now);

#endif
