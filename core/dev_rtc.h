/* dev_rtc.h - the Motorola MC146818A real-time clock of the PIIX4 (ISA ports 0x70 index,
 * 0x71 data; 128 bytes: time, alarm, registers A-D, battery-backed RAM; century at 0x32).
 *
 * Time runs from the simulated cycle count (devtime.h), starting at RTC_EPOCH at cycle 0,
 * so a run reads the same dates on any host. Modelled: BCD and binary formats, 12 and 24
 * hour modes, SET (frozen while set, the divider keeps its phase), the divider (DV 000-010
 * run, 11x hold; the first update comes 500 ms after release), UIP for the last 244 us
 * before each update (as QEMU 7.2; the update itself is instantaneous), the update, alarm
 * (with don't-care values) and periodic flags (RS, 2 Hz .. 8192 Hz) in register C (cleared
 * by reading it), and IRQ8 = IRQF, raised when an enabled flag is set. Daylight saving
 * (DSE) is not applied. */
#ifndef TLBVISOR_DEV_RTC_H
#define TLBVISOR_DEV_RTC_H

#include <stdint.h>

#define RTC_EPOCH 1704067200ull         /* 2024-01-01T00:00:00Z */

struct rtc {
    uint8_t index;
    uint8_t ram[128];              /* registers as stored; time bytes are valid while SET=1 */
    int64_t offset_ns;             /* RTC time in ns = offset_ns + dev_ns(cycle) while running */
    uint64_t frozen_ns;            /* RTC time while stopped (SET=1 or divider held) */
    int running;
    uint64_t flags_ns;             /* flags (PF, AF, UF) are up to date for time <= this */
    void (*irq_changed)(void *ctx, int level);
    void *ctx;
    int irq;                       /* IRQF as last reported */
    uint64_t next_event;           /* cycle at which an enabled flag may be set, or DEV_NEVER */
};

void rtc_init(struct rtc *r, uint64_t now, void (*irq_changed)(void *ctx, int level), void *ctx);
/* Ports 0x70 (port 0) and 0x71 (port 1). */
uint8_t rtc_read(struct rtc *r, unsigned port, uint64_t now);
void rtc_write(struct rtc *r, unsigned port, uint8_t val, uint64_t now);
/* Sets the flags due by cycle now, raises IRQ8 if enabled, and sets next_event. */
void rtc_service(struct rtc *r, uint64_t now);

#endif
