/* cpu_mem.c - the slow paths of memory access: segment map (with Segmentation Control),
 * alignment, the MMU personality, the physical bus, translation-cache fills and flushes, and
 * the predecoded-page cache with self-modifying-code detection.
 *
 * Invariants of the translation cache (cpu.h): an entry is present only while the
 * translation it caches is present in the architectural TLB (or the segment is unmapped);
 * a write tag is never present for a RAM page that holds predecoded code, so every store to
 * code comes here and invalidates the instruction it overwrites. */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cpu.h"
#include "cpu_engine.h"
#include "cpu_ops.h"
#include "mmu.h"

#define DPAGES_MAX 8192                  /* 64 MiB of predecoded pages, then start over */
/* Stores into a predecoded page before it is taken for data and dropped. */
#define DPAGE_WRITES_MAX 64


/* The 16-bit segment configuration that governs va: CFG0 (kseg3) .. CFG5 (useg low). */
static uint32_t seg_cfg(const struct cpu *cpu, uint32_t va, int *big)
{
    static const uint8_t reg[8] = { 2, 2, 2, 2, 1, 1, 0, 0 };
    static const uint8_t hi[8] = { 1, 1, 0, 0, 1, 0, 1, 0 };
    unsigned s = va >> 29;
    *big = s < 4;                                   /* CFG4/CFG5 cover 1 GiB each */
    uint32_t v = cpu->cp0.segctl[reg[s]];
    return hi[s] ? v >> 16 : v & 0xFFFF;
}

/* Classifies va for the current mode; for unmapped segments sets *pa. */
enum seg_kind cpu_seg_lookup(const struct cpu *cpu, uint32_t va, uint32_t *pa)
{
    return cpu_seg_lookup_mode(cpu, cpu->tc_mode, va, pa);
}

enum seg_kind cpu_seg_lookup_mode(const struct cpu *cpu, int mode, uint32_t va, uint32_t *pa)
{
    int big;
    uint32_t cfg = seg_cfg(cpu, va, &big);
    unsigned am = (cfg >> SC_AM_SHIFT) & SC_AM_MASK;
    int kernel = mode >= TC_KERNEL;
    enum seg_kind k;

    if (kernel && mode == TC_KERNEL_ERL && (cfg & SC_EU)) {
        k = SEG_UNMAPPED;
    } else {
        switch (am) {
        case SC_AM_UK: k = kernel ? SEG_UNMAPPED : SEG_ERROR; break;
        case SC_AM_MK: k = kernel ? SEG_MAPPED : SEG_ERROR; break;
        case SC_AM_MSK: k = mode == TC_USER ? SEG_ERROR : SEG_MAPPED; break;
        case SC_AM_MUSK: k = SEG_MAPPED; break;
        case SC_AM_MUSUK: k = kernel ? SEG_UNMAPPED : SEG_MAPPED; break;
        case SC_AM_USK: k = mode == TC_USER ? SEG_ERROR : SEG_UNMAPPED; break;
        case SC_AM_UUSK: k = SEG_UNMAPPED; break;
        default: k = SEG_ERROR; break;
        }
    }
    if (k == SEG_UNMAPPED) {
        uint32_t base = ((cfg >> SC_PA_SHIFT) & 7) << 29;
        *pa = big ? ((base & 0xC0000000u) | (va & 0x3FFFFFFFu)) : (base | (va & 0x1FFFFFFFu));
    }
    return k;
}

static void raise_addr(struct cpu *cpu, int code, uint32_t va, int fetch)
{
    struct cpu_exc e = { .code = code, .has_badvaddr = 1, .badvaddr = va, .fetch = fetch };
    cpu_raise(cpu, &e);
}

/* Translates va for access; returns 1 with *pa, or 0 after raising the exception. */
static int translate(struct cpu *cpu, uint32_t va, int access, uint32_t *pa, int *mapped)
{
    enum seg_kind k = cpu_seg_lookup(cpu, va, pa);
    int store = access == MMU_STORE;
    *mapped = k == SEG_MAPPED;
    if (k == SEG_ERROR) {
        raise_addr(cpu, store ? EXC_ADES : EXC_ADEL, va, access == MMU_FETCH);
        return 0;
    }
    if (k == SEG_UNMAPPED)
        return 1;
    int f = cpu->mmu->ops->translate(cpu->mmu, va, access, cpu->tc_mode == TC_USER, pa);
    if (f == MMU_OK)
        return 1;
    struct cpu_exc e = { .code = store ? EXC_TLBS : EXC_TLBL, .has_badvaddr = 1, .badvaddr = va,
                         .fetch = access == MMU_FETCH, .access = access };
    switch (f) {
    case MMU_REFILL: e.refill = 1; e.tlb_context = 1; break;
    case MMU_INVALID: e.tlb_context = 1; break;
    case MMU_MOD: e.code = EXC_MOD; e.tlb_context = 1; break;
    case MMU_NESTED: e.code = EXC_NPF; e.gpa = *pa; e.npf = cpu->mmu->exit_info; break;
    default: break;                                 /* page fault: PFErr set by the walker */
    }
    cpu_raise(cpu, &e);
    return 0;
}

static void dpage_forget(struct dinsn *d)
{
    d->op = 0;
    d->h = cpu_undecoded_handler;
}

static void dpage_drop(struct cpu *cpu, uint32_t ppn);

/* Forgets instruction i of dp, and splits a fused pair that ends with it: the fused handler
 * of i - 1 reads instruction i. The handlers an event breakpoint put aside split too. */
static void dpage_forget_at(struct cpu *cpu, struct dpage *dp, unsigned i)
{
    if (__builtin_expect(cpu->bp == &dp->d[i], 0)) {
        /* The event breakpoint sits on it: it stays planted, and what it put aside (and
         * restores when it is disarmed) is the undecoded instruction. */
        cpu->bp_h = cpu_undecoded_handler;
        cpu->bp_op = OP_DECODE;
    } else {
        dpage_forget(&dp->d[i]);
    }
    if (cpu->engine) {                      /* another engine: the interpreter's handlers */
        cpu->engine->ops->insn_forgotten(cpu->engine, dp, i);   /* are not in use */
        return;
    }
    if (cpu->bp_prev == &dp->d[i])
        cpu->bp_prev = NULL;                /* forgotten: must not get its pair back */
    if (i == 0)
        return;
    struct dinsn *p = &dp->d[i - 1];
    if (cpu->bp_prev == p)
        cpu->bp_prev = NULL;                /* already split; stays so */
    else if (cpu->bp == p)
        cpu->bp_h = cpu_handlers[cpu->bp_op];
    else if (p->op != OP_DECODE)             /* decoded, so the interpreter has run */
        p->h = cpu_handlers[p->op];
}

/* RAM at [pa, pa + bytes) was written other than by the CPU's fast path: forget the
 * predecoded instructions it held. */
void cpu_phys_written(struct cpu *cpu, uint32_t pa, unsigned bytes)
{
    for (uint32_t a = pa & ~3u; a < pa + bytes && a < cpu->ram_bytes; a += 4) {
        struct dpage *dp = cpu->dpages[a >> 12];
        if (!dp)
            continue;
        if (++dp->writes > DPAGE_WRITES_MAX)
            dpage_drop(cpu, a >> 12);
        else
            dpage_forget_at(cpu, dp, (a & 0xFFF) >> 2);
    }
}

/* Forgets the predecoded page of RAM page ppn: the page has become data (a frame reused
 * by the guest, or code rewritten wholesale). Its fetch translations go; the interpreter
 * is kicked, so it looks its PC up again before it would use the page. */
static void dpage_drop(struct cpu *cpu, uint32_t ppn)
{
    struct dpage *dp = cpu->dpages[ppn];
    if (cpu->bp >= dp->d && cpu->bp < dp->d + DPAGE_INSNS + 2) {
        cpu->bp = NULL;                     /* the breakpoint goes with the page */
        cpu->bp_prev = NULL;
    }
    for (int m = 0; m < TC_MODES; m++)
        for (unsigned i = 0; i < TC_SIZE; i++)
            if (cpu->tf[m][i].base == dp->d)
                cpu->tf[m][i].tag = TC_INVALID_TAG(i);
    if (cpu->engine)
        cpu->engine->ops->page_dropped(cpu->engine, dp);
    free(dp);
    cpu->dpages[ppn] = NULL;
    cpu->dpages_live--;
    cpu->n.dpages_dropped++;
    cpu_kick(cpu);
}

static int is_code_page(const struct cpu *cpu, uint32_t pa)
{
    return pa < cpu->ram_bytes && cpu->dpages[pa >> 12] != NULL;
}

/* Installs a translation-cache entry for the page of va -> pa (RAM only). */
static void tc_fill(struct cpu *cpu, uint32_t va, uint32_t pa, int access)
{
    struct tc_entry *e = &cpu->tc[cpu->tc_mode][(va >> 12) & (TC_SIZE - 1)];
    uint32_t page = va & ~0xFFFu;
    uintptr_t addend = (uintptr_t)(cpu->ram + (pa & ~0xFFFu)) - page;
    if ((e->tag_r != page && e->tag_w != page) || e->addend != addend) {
        e->tag_r = TC_INVALID_TAG(va >> 12);
        e->tag_w = TC_INVALID_TAG(va >> 12);
    }
    e->addend = addend;
    if (access == MMU_STORE) {
        if (!is_code_page(cpu, pa))
            e->tag_w = page;
    } else {
        e->tag_r = page;
    }
}

static int check_align(struct cpu *cpu, uint32_t va, unsigned size, int store)
{
    if (size > 1 && (va & (size - 1))) {
        raise_addr(cpu, store ? EXC_ADES : EXC_ADEL, va, 0);
        return 0;
    }
    return 1;
}

/* size 0: the aligned word containing va, without the alignment check (lwl/lwr). */
bool cpu_load_slow(struct cpu *cpu, uint32_t va, unsigned size, uint32_t *val)
{
    uint32_t pa;
    int mapped;
    cpu->n.tc_misses_r++;
    if (!check_align(cpu, va, size, 0) || !translate(cpu, va, MMU_LOAD, &pa, &mapped))
        return false;
    if (size == 0) {
        size = 4;
        pa &= ~3u;
    }
    cpu->last_load_pa = pa;
    if (pa < cpu->ram_bytes && cpu->ram_bytes - pa >= size) {
        uint8_t *p = cpu->ram + pa;
        switch (size) {
        case 1: *val = *p; break;
        case 2: { uint16_t v; memcpy(&v, p, 2); *val = v; break; }
        default: memcpy(val, p, 4); break;
        }
        tc_fill(cpu, va, pa, MMU_LOAD);
        return true;
    }
    if (bus_read(cpu->bus, pa, size, val) == 0)
        return true;
    cpu_raise_code(cpu, EXC_DBE);
    return false;
}

/* size 0: check that the word containing va may be written, without writing (swl/swr). */
bool cpu_store_slow(struct cpu *cpu, uint32_t va, unsigned size, uint32_t val)
{
    uint32_t pa;
    int mapped;
    cpu->n.tc_misses_w++;
    if (!check_align(cpu, va, size, 1) || !translate(cpu, va, MMU_STORE, &pa, &mapped))
        return false;
    if (size == 0)
        return (pa & ~3u) < cpu->ram_bytes || bus_read(cpu->bus, pa & ~3u, 4, &val) == 0
                   ? true : (cpu_raise_code(cpu, EXC_DBE), false);
    if (pa < cpu->ram_bytes && cpu->ram_bytes - pa >= size) {
        uint8_t *p = cpu->ram + pa;
        switch (size) {
        case 1: *p = (uint8_t)val; break;
        case 2: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); break; }
        default: memcpy(p, &val, 4); break;
        }
        cpu_phys_written(cpu, pa, size);
        tc_fill(cpu, va, pa, MMU_STORE);
        return true;
    }
    if (bus_write(cpu->bus, pa, size, val) == 0)
        return true;
    cpu_raise_code(cpu, EXC_DBE);
    return false;
}

/* Forgets every predecoded page (when too many are live). */
static void dpages_reset(struct cpu *cpu)
{
    for (uint32_t i = 0; i < cpu->ram_pages; i++) {
        if (cpu->dpages[i] && cpu->engine)
            cpu->engine->ops->page_dropped(cpu->engine, cpu->dpages[i]);
        free(cpu->dpages[i]);
        cpu->dpages[i] = NULL;
    }
    cpu->dpages_live = 0;
    for (int m = 0; m < TC_MODES; m++)
        for (unsigned i = 0; i < TC_SIZE; i++)
            cpu->tf[m][i].tag = TC_INVALID_TAG(i);
}

/* Returns the predecoded page for RAM page ppn, creating it (and revoking write tags that
 * point at it, so that stores to it are seen). */
static struct dpage *dpage_get(struct cpu *cpu, uint32_t ppn)
{
    struct dpage *dp = cpu->dpages[ppn];
    if (dp)
        return dp;
    if (cpu->dpages_live >= DPAGES_MAX)
        dpages_reset(cpu);
    dp = malloc(sizeof(*dp));
    if (!dp)
        abort();
    for (unsigned i = 0; i < DPAGE_INSNS; i++)
        dpage_forget(&dp->d[i]);
    dp->writes = 0;
    dp->engine = NULL;
    dp->d[DPAGE_INSNS].h = cpu_page_end_handler;
    dp->d[DPAGE_INSNS].op = OP_PAGE_END;
    dp->d[DPAGE_INSNS + 1] = dp->d[DPAGE_INSNS];
    cpu->dpages[ppn] = dp;
    cpu->dpages_live++;
    uintptr_t host = (uintptr_t)(cpu->ram + ((size_t)ppn << 12));
    for (int m = 0; m < TC_MODES; m++) {
        for (unsigned i = 0; i < TC_SIZE; i++) {
            struct tc_entry *e = &cpu->tc[m][i];
            if (e->tag_w + e->addend == host)           /* harmless if already invalid */
                e->tag_w = TC_INVALID_TAG(i);
        }
    }
    return dp;
}

struct dinsn *cpu_fetch_slow(struct cpu *cpu, uint32_t pc)
{
    uint32_t pa;
    int mapped;
    struct tc_fetch *f = &cpu->tf[cpu->tc_mode][(pc >> 12) & (TC_SIZE - 1)];
    if (f->tag == (pc & 0xFFFFF003u))
        return f->base + ((pc & 0xFFF) >> 2);
    cpu->n.tc_misses_x++;
    if (pc & 3) {
        raise_addr(cpu, EXC_ADEL, pc, 1);
        return NULL;
    }
    if (!translate(cpu, pc, MMU_FETCH, &pa, &mapped))
        return NULL;
    if (pa >= cpu->ram_bytes) {
        struct cpu_exc e = { .code = EXC_IBE, .fetch = 1 };
        cpu_raise(cpu, &e);
        return NULL;
    }
    struct dpage *dp = dpage_get(cpu, pa >> 12);
    f->tag = pc & ~0xFFFu;
    f->ppn = pa >> 12;
    f->base = dp->d;
    return dp->d + ((pc & 0xFFF) >> 2);
}

int cpu_debug_read(struct cpu *cpu, uint32_t va, unsigned size, uint32_t *val)
{
    uint32_t pa;
    if (cpu_seg_lookup(cpu, va, &pa) != SEG_UNMAPPED || pa >= cpu->ram_bytes ||
        cpu->ram_bytes - pa < size)
        return -1;
    *val = 0;
    memcpy(val, cpu->ram + pa, size);
    return 0;
}

void cpu_tc_flush(struct cpu *cpu)
{
    for (int m = 0; m < TC_MODES; m++) {
        for (unsigned i = 0; i < TC_SIZE; i++) {
            cpu->tc[m][i].tag_r = TC_INVALID_TAG(i);
            cpu->tc[m][i].tag_w = TC_INVALID_TAG(i);
            cpu->tf[m][i].tag = TC_INVALID_TAG(i);
        }
    }
    cpu->n.tc_flushes++;
    cpu_kick(cpu);                                  /* the interpreter drops its fetch page */
}

/* Drops the cached translations of [va, va + bytes) in every mode. */
void cpu_tc_flush_range(struct cpu *cpu, uint32_t va, uint32_t bytes)
{
    uint32_t first = va & ~0xFFFu;
    uint64_t pages = ((uint64_t)(va & 0xFFFu) + bytes + 0xFFF) >> 12;
    if (pages >= TC_SIZE) {
        cpu_tc_flush(cpu);
        return;
    }
    for (uint64_t p = 0; p < pages; p++) {
        uint32_t page = first + (uint32_t)(p << 12);
        unsigned i = (page >> 12) & (TC_SIZE - 1);
        for (int m = 0; m < TC_MODES; m++) {
            struct tc_entry *e = &cpu->tc[m][i];
            if (e->tag_r == page) e->tag_r = TC_INVALID_TAG(i);
            if (e->tag_w == page) e->tag_w = TC_INVALID_TAG(i);
            if (cpu->tf[m][i].tag == page) cpu->tf[m][i].tag = TC_INVALID_TAG(i);
        }
    }
    cpu_kick(cpu);
}

/* Recomputes the translation-cache index from Status (KSU, EXL, ERL). */
void cpu_update_mode(struct cpu *cpu)
{
    uint32_t st = cpu->cp0.status;
    int m;
    if (st & ST_ERL)
        m = TC_KERNEL_ERL;
    else if (st & ST_EXL)
        m = TC_KERNEL;
    else
        switch ((st & ST_KSU) >> ST_KSU_SHIFT) {
        case 0: m = TC_KERNEL; break;
        case 1: m = TC_SUPER; break;
        default: m = TC_USER; break;               /* 3 is reserved: treated as user */
        }
    if (m != cpu->tc_mode) {
        cpu->tc_mode = m;
        cpu_kick(cpu);
    }
}
