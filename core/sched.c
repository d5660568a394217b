/* core/sched.c - stride scheduling of vCPUs on one physical CPU (see sched.h, docs/sched.md).
 * Everything is a linear scan of the vCPUs in id order: the scheduler
 * runs once per slice, not per instruction, and id order is what makes ties deterministic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "stats.h"

/* v must be an id sched_add handed out; anything else is a VMM bug. */
static struct sched_vcpu *vcpu(struct sched *s, uint32_t v)
{
    if (v >= s->nvcpus) {
        fprintf(stderr, "sched: no vCPU %u (%u added)\n", v, s->nvcpus);
        abort();
    }
    return &s->v[v];
}

/* Brings vtime up to the smallest pass of the runnable vCPUs (if any); never lowers it. */
static void update_vtime(struct sched *s)
{
    uint64_t min = UINT64_MAX;
    for (uint32_t i = 0; i < s->nvcpus; i++)
        if (s->v[i].state == SCHED_RUNNABLE && s->v[i].pass < min)
            min = s->v[i].pass;
    if (min != UINT64_MAX && min > s->vtime)
        s->vtime = min;
}

/* Counts the halted time of a halted vCPU up to now. */
static void count_halted(struct sched_vcpu *c, uint64_t now)
{
    if (now > c->halt_start) {
        c->cycles_halted += now - c->halt_start;
        c->halt_start = now;
    }
}

int sched_init(struct sched *s, uint64_t quantum_cycles)
{
    memset(s, 0, sizeof(*s));
    if (quantum_cycles == 0)
        quantum_cycles = SCHED_DEFAULT_QUANTUM_CYCLES;
    if (quantum_cycles > SCHED_MAX_QUANTUM_CYCLES)
        return -1;
    s->quantum_cycles = quantum_cycles;
    return 0;
}

void sched_free(struct sched *s)
{
    free(s->v);
    s->v = NULL;
    s->cap = 0;
}

uint32_t sched_add(struct sched *s, uint32_t vm, uint32_t index, uint32_t weight)
{
    if (weight == 0)
        weight = SCHED_DEFAULT_WEIGHT;
    if (weight > SCHED_WEIGHT_MAX || s->nvcpus == SCHED_MAX_VCPUS)
        return SCHED_NONE;
    if (s->nvcpus == s->cap) {
        uint32_t cap = s->cap ? 2 * s->cap : 8;
        struct sched_vcpu *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return SCHED_NONE;
        s->v = v;
        s->cap = cap;
    }
    uint32_t id = s->nvcpus++;
    struct sched_vcpu *c = &s->v[id];
    memset(c, 0, sizeof(*c));
    c->vm = vm;
    c->index = index;
    c->weight = weight;
    c->state = SCHED_RUNNABLE;
    c->pass = s->vtime;
    c->wake_cycle = SCHED_NO_WAKE;
    return id;
}

uint32_t sched_pick(struct sched *s, uint64_t now)
{
    (void)now;
    uint32_t best = SCHED_NONE;
    for (uint32_t i = 0; i < s->nvcpus; i++)
        if (s->v[i].state == SCHED_RUNNABLE &&
            (best == SCHED_NONE || s->v[i].pass < s->v[best].pass))
            best = i;
    if (best != SCHED_NONE && s->v[best].pass > s->vtime)
        s->vtime = s->v[best].pass;
    return best;
}

uint64_t sched_slice_end(const struct sched *s, uint32_t v, uint64_t now)
{
    uint64_t end = now + s->quantum_cycles;
    if (end < now)
        end = UINT64_MAX;
    for (uint32_t i = 0; i < s->nvcpus; i++) {
        const struct sched_vcpu *c = &s->v[i];
        if (i != v && c->state == SCHED_HALTED && c->wake_cycle > now && c->wake_cycle < end)
            end = c->wake_cycle;
    }
    return end;
}

void sched_account(struct sched *s, uint32_t v, uint64_t cycles)
{
    struct sched_vcpu *c = vcpu(s, v);
    if (c->state == SCHED_STOPPED)
        return;
    /* pass += cycles * STRIDE1 / weight, split so nothing overflows for any cycles below
     * 2^48 and the remainder (< weight) is carried to the next slice. */
    uint64_t q = cycles / c->weight, r = cycles % c->weight;
    uint64_t part = r * SCHED_STRIDE1 + c->pass_rem;
    c->pass += q * SCHED_STRIDE1 + part / c->weight;
    c->pass_rem = part % c->weight;
    c->slices++;
    c->cycles_run += cycles;
    s->slices++;
    s->cycles_run += cycles;
    update_vtime(s);
}

void sched_halt(struct sched *s, uint32_t v, uint64_t now, uint64_t wake_cycle)
{
    struct sched_vcpu *c = vcpu(s, v);
    if (c->state == SCHED_STOPPED)
        return;
    c->wake_cycle = wake_cycle;
    if (c->state == SCHED_HALTED)
        return;
    c->state = SCHED_HALTED;
    c->halt_start = now;
    c->halts++;
    s->halts++;
    update_vtime(s);
}

int sched_wake(struct sched *s, uint32_t v, uint64_t now)
{
    struct sched_vcpu *c = vcpu(s, v);
    if (c->state != SCHED_HALTED)
        return 0;
    count_halted(c, now);
    c->state = SCHED_RUNNABLE;
    c->wake_cycle = SCHED_NO_WAKE;
    if (c->pass < s->vtime) {
        c->pass = s->vtime;       /* no credit banked while halted */
        c->pass_rem = 0;
    }
    c->wakeups++;
    s->wakeups++;
    return 1;
}

unsigned sched_tick(struct sched *s, uint64_t now)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < s->nvcpus; i++)
        if (s->v[i].state == SCHED_HALTED && s->v[i].wake_cycle <= now)
            n += (unsigned)sched_wake(s, i, now);
    return n;
}

uint64_t sched_next_wake(const struct sched *s)
{
    uint64_t next = SCHED_NO_WAKE;
    for (uint32_t i = 0; i < s->nvcpus; i++)
        if (s->v[i].state == SCHED_HALTED && s->v[i].wake_cycle < next)
            next = s->v[i].wake_cycle;
    return next;
}

uint64_t sched_idle_jump(struct sched *s, uint64_t now)
{
    for (uint32_t i = 0; i < s->nvcpus; i++)
        if (s->v[i].state == SCHED_RUNNABLE) {
            fprintf(stderr, "sched: idle jump at cycle %llu with vCPU %u runnable\n",
                    (unsigned long long)now, i);
            abort();
        }
    uint64_t next = sched_next_wake(s);
    if (next == SCHED_NO_WAKE)
        return SCHED_NO_WAKE;
    if (next > now) {
        s->idle_jumps++;
        s->idle_jump_cycles += next - now;
        now = next;
    }
    sched_tick(s, now);
    return now;
}

void sched_remove(struct sched *s, uint32_t v, uint64_t now)
{
    struct sched_vcpu *c = vcpu(s, v);
    if (c->state == SCHED_HALTED)
        count_halted(c, now);
    c->state = SCHED_STOPPED;
    c->wake_cycle = SCHED_NO_WAKE;
    update_vtime(s);
}

uint32_t sched_live(const struct sched *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nvcpus; i++)
        n += s->v[i].state != SCHED_STOPPED;
    return n;
}

void sched_flush_stats(struct sched *s, uint64_t now)
{
    for (uint32_t i = 0; i < s->nvcpus; i++)
        if (s->v[i].state == SCHED_HALTED)
            count_halted(&s->v[i], now);
}

void sched_register_stats(struct sched *s, struct stats *st)
{
    stats_add(st, &s->slices, "machine.sched.slices");
    stats_add(st, &s->cycles_run, "machine.sched.cycles_run");
    stats_add(st, &s->halts, "machine.sched.halts");
    stats_add(st, &s->wakeups, "machine.sched.wakeups");
    stats_add(st, &s->idle_jumps, "machine.sched.idle_jumps");
    stats_add(st, &s->idle_jump_cycles, "machine.sched.idle_jump_cycles");
    for (uint32_t i = 0; i < s->nvcpus; i++) {
        struct sched_vcpu *c = &s->v[i];
        char prefix[32];
        if (c->index == 0)
            snprintf(prefix, sizeof(prefix), "vm%u", c->vm);
        else
            snprintf(prefix, sizeof(prefix), "vm%u.vcpu%u", c->vm, c->index);
        stats_add(st, &c->slices, "%s.sched.slices", prefix);
        stats_add(st, &c->cycles_run, "%s.sched.cycles_run", prefix);
        stats_add(st, &c->cycles_halted, "%s.sched.cycles_halted", prefix);
        stats_add(st, &c->halts, "%s.sched.halts", prefix);
        stats_add(st, &c->wakeups, "%s.sched.wakeups", prefix);
    }
}
