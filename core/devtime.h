/* devtime.h - the board's clock: how simulated cycles become the time that devices see.
 *
 * One cycle is 3 ns: the CPU runs at 333.33 MHz and Count (one tick per two cycles) at
 * 166.67 MHz, the rates QEMU 7.2's Malta gives a 24Kc (its 320 MHz clock rounds to a 3 ns
 * period), so Linux measures the same "CPU frequency 333.33 MHz" on both. Devices (RTC,
 * PIT, PM timer, UART character times) derive their time from the cycle count alone:
 * the same run gives the same device timing on any host. */
#ifndef TLBVISOR_DEVTIME_H
#define TLBVISOR_DEVTIME_H

#include <stdint.h>

#define DEV_CYCLE_NS 3u
#define DEV_NS_PER_SEC 1000000000ull
#define DEV_NEVER UINT64_MAX            /* "no event" */

static inline uint64_t dev_ns(uint64_t cycles)
{
    return cycles * DEV_CYCLE_NS;
}

/* The first cycle at or after time ns. */
static inline uint64_t dev_cycle_at_ns(uint64_t ns)
{
    return (ns + DEV_CYCLE_NS - 1) / DEV_CYCLE_NS;
}

/* Ticks of a clock of hz elapsed between cycle 'from' and cycle 'now' (now >= from). */
static inline uint64_t dev_ticks(uint64_t from, uint64_t now, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)dev_ns(now - from) * hz / DEV_NS_PER_SEC);
}

/* The first cycle at which tick k of a clock of hz started at cycle 'from' has begun. */
static inline uint64_t dev_tick_cycle(uint64_t from, uint64_t k, uint64_t hz)
{
    unsigned __int128 ns = ((unsigned __int128)k * DEV_NS_PER_SEC + hz - 1) / hz;
    return from + dev_cycle_at_ns((uint64_t)ns);
}

#endif
