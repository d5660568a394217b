/* cpu_priv.h - the exception and privilege checks of core/cpu_insns.inc, shared by the
 * two files that include it: the interpreter (core/cpu_exec.c) and the compiler's
 * step helper (jit/step.c). They are written in terms of cpu, SYNC() and RESTART(),
 * which each includer defines for its own state, so one definition serves both. */
#ifndef TLBVISOR_CPU_PRIV_H
#define TLBVISOR_CPU_PRIV_H

#define EXC(code) do { SYNC(); cpu_raise_code(cpu, (code)); RESTART(); } while (0)
#define PRIV() do { if (cpu->tc_mode < TC_KERNEL && !(cpu->cp0.status & ST_CU0)) { \
        struct cpu_exc e_ = { .code = EXC_CPU, .ce = 0 }; \
        SYNC(); cpu_raise(cpu, &e_); RESTART(); } } while (0)
/* PRIV for mfc0/mtc0 of reg/sel: a personality may serve some registers to a deprivileged
 * CPU (mmu_ops.cp0_unprivileged: the walker's nested mode; asked only on the cold path). */
#define PRIV_CP0(reg, sel) do { if (cpu->tc_mode < TC_KERNEL && !(cpu->cp0.status & ST_CU0) && \
        !cpu_cp0_unprivileged(cpu, (reg), (sel))) { \
        struct cpu_exc e_ = { .code = EXC_CPU, .ce = 0 }; \
        SYNC(); cpu_raise(cpu, &e_); RESTART(); } } while (0)

#endif
