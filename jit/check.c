/* check.c - the lockstep check (check.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/cpu.h"
#include "core/cpu_engine.h"
#include "jit/check.h"
#include "jit/jit.h"

/* What is compared. */
struct snap {
    uint32_t gpr[32], hi, lo, pc, npc;
    int in_slot, llbit, tc_mode, stop;
    uint32_t ll_va;
    uint64_t icount, cycles_extra;
    struct cp0 cp0;
    struct cpu_counters n;
};

struct check {
    const struct check_run *cr;
    void *sp[3];                 /* the saved stack pointer of the reference, the engine,
                                  * the caller (check_switch) */
    void *stack[2];
    void *fake[3];               /* AddressSanitizer's fake stack of each context */
    const void *main_bottom;     /* and the caller's stack, learnt at the first switch */
    size_t main_size;
    int running;                 /* which context runs: 0, 1 or 2 */
    int done[2];
    int diverged;
    uint64_t target;             /* the count the reference runs to */
    uint32_t block_pc;           /* where the engine's last block began */
    struct snap s[2];
    unsigned long long checks;
    FILE *f;
};

#define CHECK_STACK_BYTES (64u << 20)

/* The switch between contexts: saves the callee-saved registers on the current stack and
 * its stack pointer in *save, then loads load's and returns there. glibc's swapcontext
 * also saves the signal mask, a system call each way, which made 80% of a check's time.
 * Only the compiling engine's host (x86-64) runs a check; elsewhere jit_check_run returns
 * before any switch. */
void tlbvisor_check_switch(void **save, void *load);
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl tlbvisor_check_switch\n"
        ".hidden tlbvisor_check_switch\n"
        ".type tlbvisor_check_switch, @function\n"
        "tlbvisor_check_switch:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n    pushq %r13\n"
        "    pushq %r14\n    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n    popq %r12\n"
        "    popq %rbx\n    popq %rbp\n"
        "    ret\n"
        ".size tlbvisor_check_switch, .-tlbvisor_check_switch\n");
#else
void tlbvisor_check_switch(void **save, void *load)
{
    (void)save;
    (void)load;
    abort();
}
#endif

/* A new context's first stack pointer: tlbvisor_check_switch pops six registers (zero)
 * and returns into fn, with the stack aligned as at a function's entry. fn never returns. */
static void *context_new(void *stack, size_t bytes, void (*fn)(void))
{
    uintptr_t top = ((uintptr_t)stack + bytes) & ~(uintptr_t)15;
    void **sp = (void **)top;
    *--sp = NULL;                      /* fn's return address: there is none */
    *--sp = (void *)(uintptr_t)fn;     /* where the switch returns */
    for (int i = 0; i < 6; i++)
        *--sp = NULL;
    return sp;
}

#if defined(__SANITIZE_ADDRESS__)
#define CHECK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECK_ASAN 1
#endif
#endif
#ifdef CHECK_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* Runs context `to` until it switches back here (never, when final: the context ends). */
static void switch_to_ex(struct check *c, int to, int final)
{
    int from = c->running;
    c->running = to;
#ifdef CHECK_ASAN
    const void *bottom = to < 2 ? c->stack[to] : c->main_bottom;
    size_t size = to < 2 ? CHECK_STACK_BYTES : c->main_size;
    __sanitizer_start_switch_fiber(final ? NULL : &c->fake[from], bottom, size);
#else
    (void)final;
#endif
    tlbvisor_check_switch(&c->sp[from], c->sp[to]);
#ifdef CHECK_ASAN
    __sanitizer_finish_switch_fiber(c->fake[from], NULL, NULL);
#endif
    c->running = from;
}

static void switch_to(struct check *c, int to) { switch_to_ex(c, to, 0); }

/* First thing in a new context (from: the caller's context 2 for the engine's). */
static void entered(struct check *c, int from_caller)
{
#ifdef CHECK_ASAN
    if (from_caller)
        __sanitizer_finish_switch_fiber(NULL, &c->main_bottom, &c->main_size);
    else
        __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#else
    (void)c;
    (void)from_caller;
#endif
}

static unsigned long long last_checks;

unsigned long long jit_check_count(void) { return last_checks; }

static void take(struct snap *s, const struct cpu *cpu)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->gpr, cpu->gpr, sizeof(s->gpr));
    s->hi = cpu->hi;
    s->lo = cpu->lo;
    s->pc = cpu->pc;
    s->in_slot = cpu->ds_pc == cpu->pc;
    s->npc = s->in_slot ? cpu->npc : 0;
    s->llbit = cpu->llbit;
    s->ll_va = cpu->llbit ? cpu->ll_va : 0;
    s->tc_mode = cpu->tc_mode;
    s->stop = cpu->stop;
    s->icount = cpu->icount;
    s->cycles_extra = cpu->cycles_extra;
    s->cp0 = cpu->cp0;
    s->n = cpu->n;
}

/* Counts the differences of a (reference) and b (engine), printing them on f if not NULL.
 * Snaps are zeroed before they are taken, so equal bytes mean no difference: the common
 * case costs one memcmp. */
static int diff(FILE *f, const struct snap *a, const struct snap *b)
{
    if (!f && memcmp(a, b, sizeof(*a)) == 0)
        return 0;
    int n = 0;
#define D(what, x, y) do { if ((x) != (y)) { n++; if (f) \
        fprintf(f, "  %-22s interp 0x%08" PRIx64 "  jit 0x%08" PRIx64 "\n", what, \
                (uint64_t)(x), (uint64_t)(y)); } } while (0)
    for (int i = 0; i < 32; i++) {
        char name[16];
        snprintf(name, sizeof(name), "$%d", i);
        D(name, a->gpr[i], b->gpr[i]);
    }
    D("hi", a->hi, b->hi);
    D("lo", a->lo, b->lo);
    D("pc", a->pc, b->pc);
    D("in delay slot", a->in_slot, b->in_slot);
    D("npc (delay slot)", a->npc, b->npc);
    D("llbit", a->llbit, b->llbit);
    D("ll_va", a->ll_va, b->ll_va);
    D("mode", a->tc_mode, b->tc_mode);
    D("stop", a->stop, b->stop);
    D("icount", a->icount, b->icount);
    D("cycles_extra", a->cycles_extra, b->cycles_extra);
#define C(f_) D("cp0." #f_, a->cp0.f_, b->cp0.f_)
    C(index); C(entrylo0); C(entrylo1); C(context); C(pagemask); C(wired); C(hwrena);
    C(badvaddr); C(entryhi); C(compare); C(status); C(intctl); C(cause); C(epc); C(ebase);
    C(config0); C(lladdr); C(errorepc); C(segctl[0]); C(segctl[1]); C(segctl[2]);
    C(count_at_origin); C(count_origin); C(random_origin);
#define N(f_) D("counter " #f_, a->n.f_, b->n.f_)
    for (int i = 0; i < EXC_COUNT; i++) {
        char name[32];
        snprintf(name, sizeof(name), "exceptions.%s", cpu_exc_name(i));
        D(name, a->n.exceptions[i], b->n.exceptions[i]);
    }
    N(interrupts); N(event_checks); N(tc_hits); N(tc_misses_r); N(tc_misses_w); N(tc_misses_x); N(tc_flushes);
    N(decoded_insns); N(dpages_dropped); N(idle_cycles); N(uart_bytes);
#undef C
#undef N
#undef D
    return n;
}

static void report(struct check *c, const char *why)
{
    FILE *f = c->f;
    c->diverged = 1;
    fprintf(f, "tlbvisor: --engine check: the engines diverged%s%s, after check %llu, at "
            "instruction %" PRIu64 "\n", *why ? " " : "", why, c->checks, c->s[1].icount);
    diff(f, &c->s[0], &c->s[1]);
    const struct cpu *a = c->cr->cpu[0], *b = c->cr->cpu[1];
    unsigned shown = 0;
    for (uint32_t pa = 0; pa + 4 <= a->ram_bytes && pa + 4 <= b->ram_bytes && shown < 8;
         pa += 4) {
        uint32_t x, y;
        memcpy(&x, a->ram + pa, 4);
        memcpy(&y, b->ram + pa, 4);
        if (x != y) {
            fprintf(f, "  RAM word at pa 0x%08x     interp 0x%08x  jit 0x%08x\n", pa, x, y);
            shown++;
        }
    }
    fprintf(f, "  the engine's last block (it began at 0x%08x):\n", c->block_pc);
    jit_describe(c->cr->cpu[1]->engine, c->block_pc, f);
    fflush(f);
}

static void stop_both(struct check *c)
{
    c->cr->stop(c->cr->arg, 0);
    c->cr->stop(c->cr->arg, 1);
}

/* The engine's block end (a jit_config hook, in the engine's context). */
static void on_block_end(void *ctx, struct cpu *cpu, uint32_t block_pc)
{
    struct check *c = ctx;
    if (cpu->ds_pc == cpu->pc || cpu->stop)
        return;            /* between a branch and its slot: the interpreter may fetch first;
                            * stopping: the interpreter does not pause then */
    c->block_pc = block_pc;
    if (c->diverged)
        return;
    take(&c->s[1], cpu);
    c->target = cpu->icount;
    if (!c->done[0])
        switch_to(c, 0);                        /* the reference runs to target */
    c->checks++;
    if (c->done[0] && c->s[0].icount != c->s[1].icount) {
        report(c, "(the interpreter's machine stopped first)");
        stop_both(c);
    } else if (diff(NULL, &c->s[0], &c->s[1])) {
        report(c, "");
        stop_both(c);
    }
}

/* The reference's pause (cpu->pause, in the reference's context). */
static void on_pause(void *ctx)
{
    struct check *c = ctx;
    struct cpu *cpu = c->cr->cpu[0];
    take(&c->s[0], cpu);
    switch_to(c, 1);
    if (c->done[1] || c->diverged) {
        cpu->pause = NULL;                  /* run on to the end */
        cpu->pause_icount = UINT64_MAX;
    } else
        cpu->pause_icount = c->target;
}

static struct check *the_check;

static void ref_main(void)
{
    struct check *c = the_check;
    struct cpu *cpu = c->cr->cpu[0];
    entered(c, 0);
    if (!c->done[1] && !c->diverged) {
        cpu->pause_icount = c->target;
        cpu->pause_ctx = c;
        cpu->pause = on_pause;
    }
    cpu_recompute_stop(cpu);
    c->cr->run(c->cr->arg, 0);
    cpu->pause = NULL;
    cpu->pause_icount = UINT64_MAX;
    c->done[0] = 1;
    take(&c->s[0], cpu);
    switch_to_ex(c, c->done[1] ? 2 : 1, 1);
}

static void jit_main(void)
{
    struct check *c = the_check;
    entered(c, 1);
    c->cr->run(c->cr->arg, 1);
    c->done[1] = 1;
    if (!c->done[0])
        switch_to(c, 0);                        /* the reference runs to its end */
    switch_to_ex(c, 2, 1);
}

int jit_check_run(const struct check_run *cr, FILE *f)
{
    static struct check c;
    memset(&c, 0, sizeof(c));
    c.cr = cr;
    c.f = f;
    c.running = 2;
    the_check = &c;
    /* hot = 1: every block is compiled the second time it starts a run (the first time
     * decodes it), so that compiled code, not the stepper, is what gets checked. */
    struct jit_config cfg = { .compile = 1, .hot = 1, .no_chain = 1, .block_end = on_block_end,
                              .block_end_ctx = &c };
    struct cpu_engine *e = jit_new(cr->cpu[1], &cfg);
    if (!e) {
        fprintf(f, "tlbvisor: --engine check needs the compiling engine, which this host "
                "cannot run (x86-64 only)\n");
        return -1;
    }
    cpu_set_engine(cr->cpu[1], e);
    c.block_pc = cr->cpu[1]->pc;
    void (*const mains[2])(void) = { ref_main, jit_main };
    for (int i = 0; i < 2; i++) {
        c.stack[i] = mmap(NULL, CHECK_STACK_BYTES, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (c.stack[i] == MAP_FAILED) {
            fprintf(f, "tlbvisor: --engine check: out of memory\n");
            return -1;
        }
        c.sp[i] = context_new(c.stack[i], CHECK_STACK_BYTES, mains[i]);
    }
    switch_to(&c, 1);                           /* the engine runs first, to its first block */
    /* Both ended: the final states must agree too. */
    if (!c.diverged) {
        take(&c.s[1], cr->cpu[1]);
        take(&c.s[0], cr->cpu[0]);
        c.checks++;
        if (diff(NULL, &c.s[0], &c.s[1]))
            report(&c, "at the end");
    }
    last_checks = c.checks;
    for (int i = 0; i < 2; i++)
        munmap(c.stack[i], CHECK_STACK_BYTES);
    return c.diverged;
}
