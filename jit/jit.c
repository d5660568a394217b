/* jit.c - the engine: its dispatcher loop, its pages and blocks, and the cpu_engine table.
 *
 * The dispatcher keeps the interpreter's order of events exactly (core/cpu_engine.h):
 *   - at an instruction that is not a delay slot: service events while icount >= icount_stop;
 *     fetch (the fetch translation cache; a miss goes to cpu_fetch_slow, which may raise the
 *     fetch exception); after a miss, the events again;
 *   - at a pending delay slot (a stop came between a branch and its slot, or the slot is on
 *     the next page): fetch first, then the events, as the interpreter's resolve_slot.
 * Then it runs a compiled block when one starts at the instruction and the whole block fits
 * before icount_stop (so no event can fall inside it), else it steps one instruction with
 * the shared instruction bodies (step.c), decoding it first if it is new. A block is
 * compiled when its head has been reached JIT_HOT_DEFAULT times as a run start: stepping
 * decodes the instructions (cpu.decoded_insns counts as the interpreter's), and a block only
 * ever contains instructions that are decoded already. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/cpu_ops.h"
#include "jit/jit_int.h"

int jit_host_supported(void)
{
#if defined(__x86_64__)
    return 1;
#else
    return 0;
#endif
}

/* This thread's CPU time: compile time that other processes on the host do not inflate. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- pages and blocks ---- */

/* The jpage of dp at virtual page va_page, made the first of dp's aliases; NULL if none. */
static struct jpage *jpage_find(struct dpage *dp, uint32_t va_page)
{
    struct jpage *jp = dp->engine, **pp;
    if (!jp || jp->va_page == va_page)
        return jp;
    for (pp = &jp->alias; *pp; pp = &(*pp)->alias) {
        if ((*pp)->va_page == va_page) {
            struct jpage *f = *pp;
            *pp = f->alias;
            f->alias = dp->engine;
            dp->engine = f;
            return f;
        }
    }
    return NULL;
}

static struct jpage *jpage_new(struct jit *j, struct dpage *dp, uint32_t va_page)
{
    struct jpage *jp = calloc(1, sizeof(*jp));
    if (!jp)
        abort();
    for (unsigned i = 0; i < DPAGE_INSNS; i++)
        jp->slot[i] = 1;
    jp->dp = dp;
    jp->va_page = va_page;
    jp->alias = dp->engine;
    dp->engine = jp;
    jp->next = j->pages;
    if (j->pages)
        j->pages->prev = jp;
    j->pages = jp;
    j->n.pages++;
    return jp;
}

/* Drops block b: its head's slot no longer leads to it. Compiled code that is running it
 * (a store in it wrote over its own code) leaves at its next check (engine_scratch flag).
 * Its code stays in the cache until the cache is flushed (from the dispatcher only). */
static void block_kill(struct jit *j, struct jblock *b)
{
    b->jp->slot[b->head] = 1;
    j->base.cpu->engine_scratch[JIT_SCRATCH_EXIT] = 1;
    j->n.blocks_invalidated++;
}

static void jpage_clear_blocks(struct jit *j, struct jpage *jp, int killed)
{
    struct jblock *b = jp->blocks;
    while (b) {
        struct jblock *nx = b->next;
        if (killed)
            block_kill(j, b);
        free(b);
        b = nx;
    }
    jp->blocks = NULL;
    memset(jp->covered, 0, sizeof(jp->covered));
}

/* Frees jp; its blocks count as invalidated when killed (its page was dropped). */
static void jpage_free(struct jit *j, struct jpage *jp, int killed)
{
    jpage_clear_blocks(j, jp, killed);
    if (jp->prev)
        jp->prev->next = jp->next;
    else
        j->pages = jp->next;
    if (jp->next)
        jp->next->prev = jp->prev;
    free(jp);
}

/* Forgets every block (the code cache is full). Only from the dispatcher: no compiled code
 * runs. */
static void cache_flush(struct jit *j)
{
    for (struct jpage *jp = j->pages; jp; jp = jp->next) {
        jpage_clear_blocks(j, jp, 0);
        for (unsigned i = 0; i < DPAGE_INSNS; i++)
            jp->slot[i] = 1;
    }
    j->cache_next = j->cache_blocks;
    j->n.cache_flushes++;
}

uint8_t *jit_cache_alloc(struct jit *j, uint32_t bytes)
{
    uint8_t *p = (uint8_t *)(((uintptr_t)j->cache_next + 15) & ~(uintptr_t)15);
    if (p + bytes > j->cache_end)
        return NULL;
    j->cache_next = p + bytes;
    return p;
}

static void jit_insn_forgotten(struct cpu_engine *e, struct dpage *dp, unsigned i)
{
    struct jit *j = (struct jit *)e;
    for (struct jpage *jp = dp->engine; jp; jp = jp->alias) {
        if (!(jp->covered[i / 8] & (1u << (i % 8))))
            continue;
        /* Every block that contains i goes; the covered bits are rebuilt from the rest. */
        struct jblock **pp = &jp->blocks;
        memset(jp->covered, 0, sizeof(jp->covered));
        while (*pp) {
            struct jblock *b = *pp;
            if (i >= b->head && i < (unsigned)b->head + b->ninsns) {
                *pp = b->next;
                block_kill(j, b);
                free(b);
                continue;
            }
            for (unsigned k = b->head; k < (unsigned)b->head + b->ninsns; k++)
                jp->covered[k / 8] |= (uint8_t)(1u << (k % 8));
            pp = &b->next;
        }
    }
}

static void jit_page_dropped(struct cpu_engine *e, struct dpage *dp)
{
    struct jit *j = (struct jit *)e;
    while (dp->engine) {
        struct jpage *jp = dp->engine;
        dp->engine = jp->alias;
        jpage_free(j, jp, 1);
    }
}

/* Compiles the block at instruction idx of jp; returns its entry or NULL. A block never
 * takes more than JIT_BLOCK_BYTES_MAX: with less room left, the cache is flushed first. */
static const void *compile(struct jit *j, struct jpage *jp, unsigned idx)
{
    uint64_t t0 = now_ns();
    if ((size_t)(j->cache_end - j->cache_next) < JIT_BLOCK_BYTES_MAX + 16)
        cache_flush(j);
    struct jblock *b = jit_compile(j, jp, idx);
    j->n.compile_ns += now_ns() - t0;
    if (!b)
        return NULL;
    b->next = jp->blocks;
    jp->blocks = b;
    for (unsigned k = b->head; k < (unsigned)b->head + b->ninsns; k++)
        jp->covered[k / 8] |= (uint8_t)(1u << (k % 8));
    jp->slot[idx] = (uintptr_t)b->code;
    j->n.blocks_compiled++;
    return b->code;
}

/* ---- the dispatcher ---- */

/* The predecoded instruction at cpu->pc, through the fetch translation cache; NULL after a
 * miss (cpu_fetch_slow has run: it filled the cache, or raised the fetch exception). */
static struct dinsn *fetch(struct cpu *cpu, uint32_t *ppn, struct dpage **dp)
{
    uint32_t pc = cpu->pc;
    const struct tc_fetch *f = &cpu->tf[cpu->tc_mode][(pc >> 12) & (TC_SIZE - 1)];
    if (f->tag != (pc & 0xFFFFF003u)) {
        cpu_fetch_slow(cpu, pc);
        return NULL;
    }
    *ppn = f->ppn;
    *dp = (struct dpage *)f->base;              /* d[] is the dpage's first member */
    return f->base + ((pc & 0xFFFu) >> 2);
}

static void decode(struct cpu *cpu, struct dinsn *d, uint32_t ppn, uint32_t pc)
{
    uint32_t w;
    memcpy(&w, cpu->ram + ((size_t)ppn << 12) + (pc & 0xFFCu), 4);
    cpu_decode(w, d);
    d->h = NULL;
    cpu->n.decoded_insns++;
}

static enum cpu_stop jit_run(struct cpu_engine *e)
{
    struct jit *j = (struct jit *)e;
    struct cpu *cpu = e->cpu;
    int head = 1;
    uint64_t last_count = cpu->icount;
    uint32_t block_pc = cpu->pc;

    j->no_enter_pc = 1;
    for (;;) {
        struct dinsn *d;
        struct dpage *dp;
        uint32_t ppn;
        if (j->cfg.block_end && cpu->icount != last_count) {
            last_count = cpu->icount;
            j->cfg.block_end(j->cfg.block_end_ctx, cpu, block_pc);
            if (cpu->stop)
                break;
        }
        block_pc = cpu->pc;
        if (cpu->ds_pc == cpu->pc) {
            /* A pending delay slot: fetch, then the events (the interpreter's resolve_slot
             * and service_slot). */
            d = fetch(cpu, &ppn, &dp);
            if (!d) {
                if (cpu->stop)
                    break;
                if (cpu->ds_pc != cpu->pc)
                    continue;                    /* the fetch raised: at the vector now */
                d = fetch(cpu, &ppn, &dp);
            }
            if (cpu->icount >= cpu->icount_stop) {
                uint32_t pc_before = cpu->pc;
                do {
                    cpu_service_events(cpu);
                } while (!cpu->stop && cpu->pc == pc_before && cpu->icount == cpu->icount_stop);
                if (cpu->stop)
                    break;
                if (cpu->pc != pc_before) {
                    head = 1;
                    continue;                    /* an interrupt was taken: EPC = branch */
                }
            }
        } else {
            if (cpu->icount >= cpu->icount_stop) {
                cpu_service_events(cpu);
                if (cpu->stop)
                    break;
                j->no_enter_pc = 1;
                head = 1;
                continue;
            }
            d = fetch(cpu, &ppn, &dp);
            if (!d) {
                if (cpu->stop)
                    break;
                head = 1;
                continue;                        /* filled (events again) or raised */
            }
            if (j->cfg.compile) {
                uint32_t pc = cpu->pc;
                unsigned idx = (pc & 0xFFFu) >> 2;
                struct jpage *jp = jpage_find(dp, pc & ~0xFFFu);
                const void *code = NULL;
                if (jp && !(jp->slot[idx] & 1)) {
                    code = (const void *)jp->slot[idx];
                } else if (head && d->op != OP_DECODE) {
                    if (!jp)
                        jp = jpage_new(j, dp, pc & ~0xFFFu);
                    jp->slot[idx] += 2;
                    if ((jp->slot[idx] >> 1) >= j->cfg.hot) {
                        code = compile(j, jp, idx);
                        if (!code)
                            jp->slot[idx] = 1;   /* nothing to compile here yet */
                    }
                }
                if (code && pc != j->no_enter_pc) {
                    cpu->engine_scratch[JIT_SCRATCH_EXIT] = 0;
                    j->n.enters++;
                    int r = j->enter(cpu, code, cpu->tc[cpu->tc_mode]);
                    if (j->n.enters == j->break_at)
                        cpu->gpr[2] ^= 1;        /* a planted bug (tests/e2e/jitfuzz.sh) */
                    j->no_enter_pc = r == JIT_EXIT_BUDGET ? cpu->pc : 1;
                    head = 1;
                    continue;
                }
            }
        }
        if (d->op == OP_DECODE)
            decode(cpu, d, ppn, cpu->pc);
        j->n.steps++;
        j->no_enter_pc = 1;
        int s = jit_step(cpu, d);
        if (s == STEP_OUT)
            break;
        head = s == STEP_HEAD;
    }
    return cpu->stop;
}

/* ---- the engine ---- */

static void jit_destroy(struct cpu_engine *e)
{
    struct jit *j = (struct jit *)e;
    while (j->pages) {
        struct jpage *jp = j->pages;
        jp->dp->engine = NULL;                   /* the CPU frees its pages itself */
        jpage_free(j, jp, 0);
    }
    if (getenv("TLBVISOR_JIT_STATS"))
        jit_print_stats(e, stderr);
    if (j->cache)
        munmap(j->cache, j->cache_bytes);
    free(j->cg);
    free(j->hotbuf);
    free(j->coldbuf);
    free(j);
}

static const struct cpu_engine_ops jit_ops = {
    .name = "jit",
    .run = jit_run,
    .insn_forgotten = jit_insn_forgotten,
    .page_dropped = jit_page_dropped,
    .destroy = jit_destroy,
};

struct cpu_engine *jit_new(struct cpu *cpu, const struct jit_config *cfg)
{
    if (!jit_host_supported())
        return NULL;
    struct jit *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->base.ops = &jit_ops;
    j->base.cpu = cpu;
    if (cfg)
        j->cfg = *cfg;
    else
        j->cfg.compile = 1;
    if (getenv("TLBVISOR_JIT_NOREGS"))         /* measurements only (docs/engine.md) */
        j->cfg.no_regs = 1;
    if (getenv("TLBVISOR_JIT_BREAK"))          /* tests only: a planted bug */
        j->break_at = strtoull(getenv("TLBVISOR_JIT_BREAK"), NULL, 10);
    if (getenv("TLBVISOR_JIT_HOT"))            /* measurements only (docs/engine.md) */
        j->cfg.hot = (unsigned)strtoul(getenv("TLBVISOR_JIT_HOT"), NULL, 10);
    if (!j->cfg.hot)
        j->cfg.hot = JIT_HOT_DEFAULT;
    if (!j->cfg.cache_bytes)
        j->cfg.cache_bytes = JIT_CACHE_DEFAULT;
    if (j->cfg.cache_bytes < 2 * JIT_BLOCK_BYTES_MAX + 4096)
        j->cfg.cache_bytes = 2 * JIT_BLOCK_BYTES_MAX + 4096;
    j->cache_bytes = j->cfg.cache_bytes;
    void *m = mmap(NULL, j->cache_bytes, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        free(j);
        return NULL;
    }
    j->cache = m;
    j->cache_end = j->cache + j->cache_bytes;
    j->cg = jit_cg_new();
    j->hotbuf = malloc(JIT_HOT_BYTES);
    j->coldbuf = malloc(JIT_COLD_BYTES);
    if (!j->cg || !j->hotbuf || !j->coldbuf) {
        jit_destroy(&j->base);
        return NULL;
    }
    jit_emit_runtime(j);
    return &j->base;
}

void jit_print_stats(const struct cpu_engine *e, void *fp)
{
    const struct jit *j = (const struct jit *)e;
    FILE *f = fp;
    fprintf(f, "jit: %llu blocks compiled (%llu instructions, %llu bytes of code, %.3f ms), "
            "%llu invalidated, %llu cache flushes, %llu pages; %llu block entries, %llu steps\n",
            (unsigned long long)j->n.blocks_compiled, (unsigned long long)j->n.insns_compiled,
            (unsigned long long)j->n.code_bytes, j->n.compile_ns / 1e6,
            (unsigned long long)j->n.blocks_invalidated, (unsigned long long)j->n.cache_flushes,
            (unsigned long long)j->n.pages, (unsigned long long)j->n.enters,
            (unsigned long long)j->n.steps);
    /* The code cache's hit rate: the share of guest instructions that ran as compiled code
     * (the rest were stepped by the dispatcher, before their block was hot or compiled). */
    uint64_t icount = e->cpu->icount;
    if (icount)
        fprintf(f, "jit: %.4f%% of %llu guest instructions ran as compiled code\n",
                100.0 * (double)(icount - (j->n.steps < icount ? j->n.steps : icount)) /
                    (double)icount, (unsigned long long)icount);
}

static const char *const op_names[OP_COUNT] = {
#define OP_NAME(n) [OP_##n] = #n,
    CPU_OPS(OP_NAME)
#undef OP_NAME
};

void jit_describe(const struct cpu_engine *e, uint32_t pc, void *fp)
{
    const struct jit *j = (const struct jit *)e;
    struct cpu *cpu = e->cpu;
    FILE *f = fp;
    unsigned idx = (pc & 0xFFFu) >> 2, n = 8;
    const char *how = "stepped (no block compiled there)";
    struct jpage *jp = j->pages;
    /* The page as the engine last ran it at that address (any mode). */
    while (jp && (jp->va_page != (pc & ~0xFFFu) || !jp->dp))
        jp = jp->next;
    if (!jp) {
        fprintf(f, "    (the engine has no page at 0x%08x)\n", pc & ~0xFFFu);
        return;
    }
    for (struct jblock *b = jp->blocks; b; b = b->next)
        if (b->head == idx && jp->slot[idx] == (uintptr_t)b->code) {
            n = b->ninsns;
            how = "compiled";
        }
    uint32_t ppn = (uint32_t)-1;
    for (uint32_t p = 0; p < cpu->ram_pages; p++)
        if (cpu->dpages[p] == jp->dp)
            ppn = p;
    fprintf(f, "    %s, physical page 0x%05x:\n", how, ppn);
    for (unsigned i = idx; i < idx + n && i < DPAGE_INSNS; i++) {
        uint32_t w = 0;
        if (ppn != (uint32_t)-1)
            memcpy(&w, cpu->ram + ((size_t)ppn << 12) + 4 * i, 4);
        const struct dinsn *d = &jp->dp->d[i];
        fprintf(f, "    0x%08x: %08x  %-8s rs=%u rt=%u rd=%u imm=0x%x\n",
                (pc & ~0xFFFu) + 4 * i, w, d->op < OP_COUNT ? op_names[d->op] : "?", d->rs,
                d->rt, d->rd, d->imm);
    }
}
