/* cpu.h - the MIPS32r2 CPU: architectural state, the translation cache in front of the MMU,
 * the predecoded-instruction cache, and the entry points of the interpreter.
 *
 * Time is counted in cycles: one per instruction dispatched plus the extra cycles that slow
 * paths charge (walker memory references, idle time skipped by `wait`). Count advances one
 * tick every two cycles. */
#ifndef TLBVISOR_CPU_H
#define TLBVISOR_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cp0.h"
#include "cost.h"

struct bus;
struct mmu;
struct stats;

/* Translation cache: direct-mapped, per mode, 4 KiB granules, host = va + addend. A tag is
 * the page's VA. An invalid entry of slot i holds TC_INVALID_TAG(i), a page whose index
 * bits are not i: no address that indexes slot i can match it, whatever the mask. */
#define TC_BITS 10
#define TC_SIZE (1u << TC_BITS)
#define TC_INVALID_TAG(i) ((((uint32_t)(i) ^ 1u) & (TC_SIZE - 1)) << 12)
enum { TC_USER, TC_SUPER, TC_KERNEL, TC_KERNEL_ERL, TC_MODES };

struct tc_entry {
    uint32_t tag_r;      /* page VA if loads may use addend */
    uint32_t tag_w;      /* page VA if stores may use addend (never for pages holding code) */
    uintptr_t addend;    /* host address = va + addend */
};

struct dinsn;
struct tc_fetch {
    uint32_t tag;        /* page VA if fetches may use base */
    uint32_t ppn;        /* physical page of the code */
    struct dinsn *base;  /* predecoded page: instruction at va is base[(va & 0xfff) >> 2] */
};

/* A predecoded instruction: h is the interpreter's handler for op (direct threading);
 * a fresh or overwritten slot has op 0 and h = cpu_undecoded_handler. */
struct dinsn {
    const void *h;
    uint8_t op;
    uint8_t rs, rt, rd;
    uint32_t imm;        /* immediate, shift amount, target or packed fields, per op */
};
extern const void *cpu_undecoded_handler;
/* The interpreter's plain handler of each op (set by cpu_interp_run): h != cpu_handlers[op] means
 * that h is a fused handler that also runs the next instruction (cpu_ops.h, CPU_FUSED). */
extern const void *const *cpu_handlers;
#define DPAGE_INSNS 1024
/* d[DPAGE_INSNS] is a sentinel whose handler continues on the next page; d[DPAGE_INSNS + 1]
 * is never executed but keeps "the instruction after the delay slot" inside the array. */
struct dpage {
    struct dinsn d[DPAGE_INSNS + 2];
    unsigned writes;             /* stores into the page since it was predecoded */
    void *engine;                /* owned by cpu->engine (cpu_engine.h): what it derived from
                                  * this page; NULL when the page is new */
};
extern const void *cpu_page_end_handler;

/* Virtual CP0 registers held by the CPU (the MMU personality may own more). */
struct cp0 {
    uint32_t index, entrylo0, entrylo1, context, pagemask, wired, hwrena, badvaddr;
    uint32_t entryhi, compare, status, intctl, cause, epc, ebase, config0, lladdr, errorepc;
    uint32_t segctl[3];
    uint32_t count_at_origin;   /* Count = count_at_origin + (cycles - count_origin) / 2 */
    uint64_t count_origin;
    uint64_t random_origin;     /* cycle of the last Wired write, for the lazy Random */
};

/* What made cpu_run return. */
enum cpu_stop { CPU_STOP_NONE = 0, CPU_STOP_POWEROFF, CPU_STOP_EXIT, CPU_STOP_INSN_LIMIT,
                CPU_STOP_HANG, CPU_STOP_FAULT_LOOP, CPU_STOP_YIELD, CPU_STOP_TIME_LIMIT };

/* Simulated time never reaches this many cycles: the machine stops there
 * (CPU_STOP_TIME_LIMIT), so that cycle counts, and every counter, stay exact in 64 bits and
 * below 2^63 in reports, whatever the cost model (at most 10^9 cycles per event). */
#define CPU_CYCLES_MAX (1ull << 62)

/* Exception description passed to the configured exception entry. */
struct cpu_exc {
    int code;            /* EXC_* */
    int refill;          /* TLB refill: may use the refill vector */
    int has_badvaddr;
    uint32_t badvaddr;
    int ce;              /* coprocessor number, for CpU */
    int tlb_context;     /* set Context.BadVPN2 and EntryHi.VPN2 from badvaddr */
    int fetch;           /* raised by an instruction fetch: the instruction was not
                          * dispatched (not in icount); any other synchronous exception
                          * is raised by a dispatched, counted instruction */
    uint32_t gpa;        /* EXC_NPF: the guest-physical address the nested table does not
                          * translate (or not for this access) */
    uint32_t npf;        /* EXC_NPF: the exit qualification (the MMU's PW_NPF_* bits) */
    int access;          /* translation faults: MMU_LOAD, MMU_STORE or MMU_FETCH */
};

struct cpu_counters {
    uint64_t exceptions[EXC_COUNT];
    uint64_t interrupts;
    uint64_t tc_hits;            /* loads+stores+fetches served without the slow path */
    uint64_t tc_misses_r, tc_misses_w, tc_misses_x;
    uint64_t tc_flushes;
    uint64_t decoded_insns;
    uint64_t dpages_dropped;     /* predecoded pages given up because they were written */
    uint64_t idle_cycles;        /* cycles skipped by wait */
    uint64_t event_checks;       /* cpu_service_events calls (host work: timer, limits) */
    uint64_t uart_bytes;
};

struct cpu {
    uint32_t gpr[33];            /* gpr[32] (REG_SINK) absorbs writes to $zero */
    uint32_t hi, lo;
    uint32_t pc, npc;            /* current and next instruction (npc != pc+4 after a branch) */
    uint32_t ds_pc;              /* address of the delay slot of the last branch executed */
    uint32_t ll_va;
    uint32_t last_load_pa;       /* physical address of the last slow-path load (for LLAddr) */
    int llbit;

    struct cp0 cp0;
    unsigned tlb_entries;        /* Config1.MMUSize + 1 (swtlb); Random range */

    uint64_t icount;             /* instructions dispatched */
    uint64_t cycles_extra;       /* cycles charged beyond cost.insn per instruction */
    struct cost_model cost;      /* the machine's cost model (cost.h) */
    uint64_t icount_stop;        /* the interpreter leaves its loop when icount reaches this */
    uint64_t timer_cycle;        /* next cycle at which Count == Compare */
    uint64_t insn_limit;         /* stop after this many instructions (0: none) */
    int kick_pending;            /* translations or interrupt state changed: see cpu_kick */
    uint64_t run_stop;           /* interpreter: icount_stop as the current run planned it */
    struct dinsn *bp;            /* interpreter: planted event breakpoint, or NULL */
    const void *bp_h;            /* ... and the handler and op it replaced */
    uint8_t bp_op;
    struct dinsn *bp_prev;       /* interpreter: the fused pair before bp, split while bp is */
    const void *bp_prev_h;       /* planted, and its fused handler */

    enum cpu_stop stop;
    int exit_code;

    int tc_mode;
    struct tc_entry tc[TC_MODES][TC_SIZE];
    struct tc_fetch tf[TC_MODES][TC_SIZE];

    uint8_t *ram;
    uint32_t ram_bytes;
    uint32_t ram_pages;
    struct dpage **dpages;       /* per RAM page: predecoded code, or NULL */
    unsigned dpages_live;

    struct bus *bus;
    struct mmu *mmu;

    /* The one exception entry point. Natively cpu_exception_native (architectural vectors);
     * a VMM installs its own. It must set pc/npc to where execution continues. */
    void (*exception)(struct cpu *cpu, const struct cpu_exc *e);
    void *exception_ctx;

    struct cpu_counters n;
    uint64_t last_exc_icount;    /* icount at the last exception, for loop detection */
    unsigned exc_no_progress;    /* exceptions in a row with no instruction dispatched */
    unsigned nested_exceptions;  /* exceptions taken at EXL=1 since the last eret */
    int trace_exceptions;        /* print every exception on stderr */
    uint64_t stat_cycles;        /* cpu_cycles() as of the last cpu_update_stats */

    /* The execution engine (cpu_engine.h), NULL for the interpreter; engine_scratch is the
     * engine's own (its compiled code addresses it relative to the CPU). */
    struct cpu_engine *engine;
    uint64_t engine_scratch[4];
    /* A pause at an exact instruction count (the lockstep check, --engine check): the
     * count pause_icount is an event: cpu_service_events calls pause(pause_ctx) before the
     * instruction at which icount reaches it, first thing. The callback may move
     * pause_icount. UINT64_MAX (and pause NULL) when there is none. */
    uint64_t pause_icount;
    void (*pause)(void *ctx);
    void *pause_ctx;
    /* The board (off the hot path: at the end, so the interpreter's fields keep their
     * places). dev_cycle: the next cycle at which the board has an event (UINT64_MAX:
     * none); dev_event, called (by cpu_service_events, cpu_wait) once the cycle count
     * reaches it, services it and updates dev_cycle and the interrupt lines. */
    uint64_t dev_cycle;
    void (*dev_event)(void *ctx);
    void *dev_ctx;
    /* The machine is about to skip 'cycles' idle cycles in wait (an interactive console
     * may wait for the host's input meanwhile), or NULL. */
    void (*idle_hook)(void *ctx, uint64_t cycles);
    void *idle_ctx;
};

/* Lifecycle. ram must stay valid for the CPU's life. */
struct cpu *cpu_new(uint8_t *ram, uint32_t ram_bytes, struct bus *bus, unsigned tlb_entries);
void cpu_free(struct cpu *cpu);
void cpu_reset(struct cpu *cpu);
void cpu_register_stats(struct cpu *cpu, struct stats *st);
void cpu_update_stats(struct cpu *cpu);
const char *cpu_exc_name(int code);

/* Runs until something stops the machine; returns the reason (also in cpu->stop). The
 * CPU's engine runs it (cpu_engine.h): the interpreter unless another one is installed. */
enum cpu_stop cpu_run(struct cpu *cpu);

static inline uint64_t cpu_cycles(const struct cpu *cpu)
{
    return cpu->icount * cpu->cost.insn + cpu->cycles_extra;
}

/* Exceptions. cpu_raise fills the CPU-side details (EPC/BD come from pc and ds_pc) and calls
 * cpu->exception. The faulting instruction is cpu->pc. */
void cpu_raise(struct cpu *cpu, const struct cpu_exc *e);
void cpu_raise_code(struct cpu *cpu, int code);
void cpu_exception_native(struct cpu *cpu, const struct cpu_exc *e);

/* Makes the interpreter come back to cpu_service_events before the next instruction and
 * look the PC's translation up again (translations or interrupt state changed). */
static inline void cpu_kick(struct cpu *cpu)
{
    cpu->kick_pending = 1;
    cpu->icount_stop = 0;
}
void cpu_recompute_stop(struct cpu *cpu);
void cpu_request_stop(struct cpu *cpu, enum cpu_stop why, int exit_code);

/* Translation cache maintenance (called by MMU personalities and CP0 writes). */
void cpu_tc_flush(struct cpu *cpu);
void cpu_tc_flush_range(struct cpu *cpu, uint32_t va, uint32_t bytes);
void cpu_update_mode(struct cpu *cpu);

/* CP0 (cp0.c). */
uint32_t cpu_cp0_read(struct cpu *cpu, int reg, int sel);
void cpu_cp0_write(struct cpu *cpu, int reg, int sel, uint32_t val);
/* Whether the MMU serves CP0 reg/sel to the CPU in its current (deprivileged) mode without
 * CpU (mmu_ops.cp0_unprivileged). */
int cpu_cp0_unprivileged(struct cpu *cpu, int reg, int sel);
uint32_t cpu_count(const struct cpu *cpu);
uint32_t cpu_random(const struct cpu *cpu);
void cpu_timer_reschedule(struct cpu *cpu);
void cpu_timer_catch_up(struct cpu *cpu);
void cpu_service_events(struct cpu *cpu);
int cpu_interrupt_pending(const struct cpu *cpu);
void cpu_eret(struct cpu *cpu);
void cpu_wait(struct cpu *cpu);
/* Hardware interrupt lines IP2..IP6: lines holds them as Cause bits 10..14 (a device's
 * level; the CPU takes the interrupt when Status enables it). */
void cpu_set_irq_lines(struct cpu *cpu, uint32_t lines);
/* The board's next event is at cycle (UINT64_MAX: none). */
void cpu_set_dev_cycle(struct cpu *cpu, uint64_t cycle);

/* Memory slow paths (cpu_mem.c). Return true on success; on failure an exception has been
 * raised. */
bool cpu_load_slow(struct cpu *cpu, uint32_t va, unsigned size, uint32_t *val);
bool cpu_store_slow(struct cpu *cpu, uint32_t va, unsigned size, uint32_t val);
struct dinsn *cpu_fetch_slow(struct cpu *cpu, uint32_t pc);
/* RAM was written behind the CPU's back (walker A/D updates, a VMM): drop predecoded code. */
void cpu_phys_written(struct cpu *cpu, uint32_t pa, unsigned bytes);
/* How the current mode sees va: through the MMU, unmapped (at *pa), or an address error. */
enum seg_kind { SEG_MAPPED, SEG_UNMAPPED, SEG_ERROR };
enum seg_kind cpu_seg_lookup(const struct cpu *cpu, uint32_t va, uint32_t *pa);
/* The same in mode (TC_USER .. TC_KERNEL_ERL) instead of the current one. */
enum seg_kind cpu_seg_lookup_mode(const struct cpu *cpu, int mode, uint32_t va, uint32_t *pa);
/* Debug access for tools and tests: translate without side effects on the TLB; -1 if unmapped. */
int cpu_debug_read(struct cpu *cpu, uint32_t va, unsigned size, uint32_t *val);

/* Decoding (cpu_decode.c). */
void cpu_decode(uint32_t word, struct dinsn *d);

#endif
