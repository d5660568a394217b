/* idle.h - the idle-loop detector of the VMM (DESIGN.md §3, docs/vmm.md "Idle detection").
 *
 * Two ways a guest says it has nothing to do: it executes `wait` (the VMM halts its vCPU
 * until its next virtual interrupt), or it spins in a tight loop waiting for an interrupt
 * (inferred here, at the end of a slice, from the guest's code). The scheduler then runs
 * another vCPU, or skips time to the next event when every vCPU is halted. */
#ifndef TLBVISOR_IDLE_H
#define TLBVISOR_IDLE_H

#include <stdint.h>

struct cpu;

#define IDLE_DETECT_WAIT 1          /* wait halts the vCPU until its next interrupt */
#define IDLE_DETECT_SPIN 2          /* a spinning idle loop is inferred and halts the vCPU */
#define IDLE_PROBE_CYCLES 4000      /* slice of a vCPU last found spinning ... */
#define IDLE_PROBES 8               /* ... for this many slices after it was found */
#define IDLE_LOOP_MAX 8             /* longest loop body (instructions) taken as an idle loop */

/* Reads the guest's instruction at guest-virtual va through the guest's own mappings.
 * Returns 0, or -1 if it cannot be read. */
typedef int (*idle_fetch_fn)(void *ctx, uint32_t va, uint32_t *insn);

/* Is a guest whose virtual CP0 is v, about to execute pc, spinning idle: in kernel mode
 * with interrupts (and the timer, IM7) enabled, inside a loop of at most IDLE_LOOP_MAX
 * instructions closed by a backward branch, with no store, no privileged or trapping
 * instruction and no call in it? Reads the loop through fetch; changes nothing. */
int idle_spinning(const struct cpu *v, uint32_t pc, idle_fetch_fn fetch, void *ctx);

#endif
