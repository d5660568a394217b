/* core/mem.c - the machine memory manager (mem.h, docs/memory.md).
 *
 * Reclaim order, cheapest first: sharing frees frames as the scanner finds identical pages
 * (whether or not memory is short); the balloon drivers are asked for pages as soon as
 * free frames fall below the balloon watermark, long before the pool is empty; only below
 * the low watermark (or when the pool is empty) does the clock take pages from the guests
 * behind their backs: a page the VMM zeroed and the guest never wrote is simply dropped,
 * any other goes to the compressed store, and to the swap file when the store refuses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "mem.h"
#include "pmap.h"
#include "stats.h"

/* The modelled cost of an operation, by technique (machine.mem.cycles_*). */
enum { MEM_SHARE, MEM_COMPRESS, MEM_SWAP };

/* One unit of cost constant id, of technique tech: counted in the cycles, and in the units
 * the VMM has yet to charge to a VM (its ledger, for re-costing: mem_take_charges). */
static void charge(struct mem *m, int tech, enum cost_id id)
{
    uint64_t cycles = cost_of(&m->cost, id);
    m->cycles += cycles;
    m->cycles_by[tech] += cycles;
    m->uncharged[id]++;
    m->has_uncharged = 1;
}

static uint32_t reclaim_hook(void *ctx, uint32_t want)
{
    /* The pool is empty in the middle of some allocation: take a batch, not one frame. */
    return mem_reclaim(ctx, want < 16 ? 16 : want);
}

int mem_init(struct mem *m, struct frames *f, const struct mem_config *cfg,
             const struct cost_model *cost, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    m->frames = f;
    m->cost = *cost;
    m->cfg = *cfg;
    m->sw.fd = -1;
    if (!m->cfg.share_rate)
        m->cfg.share_rate = MEM_SHARE_RATE;
    uint64_t zbytes = cfg->compress_bytes ? cfg->compress_bytes : (uint64_t)f->nframes << 10;
    zstore_init(&m->z, cfg->compress ? zbytes : 0);
    share_init(&m->sh);
    if (cfg->swap_path) {
        char why[512];
        uint64_t bytes = cfg->swap_bytes ? cfg->swap_bytes : SWAP_DEFAULT_BYTES;
        if (swap_open(&m->sw, cfg->swap_path, bytes, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "swap file %.256s: %s", cfg->swap_path, why);
            return -1;
        }
    }
    uint32_t total = f->nframes;
    m->low = total / 256 > 32 ? total / 256 : 32;
    m->high = 2 * m->low;
    m->balloon_wm = total / 8 > 2 * m->high ? total / 8 : 2 * m->high;
    if (cfg->reclaim)
        frames_set_reclaim_hook(f, reclaim_hook, m);
    return 0;
}

void mem_fini(struct mem *m)
{
    if (m->frames)
        frames_set_reclaim_hook(m->frames, NULL, NULL);
    zstore_free(&m->z);
    swap_close(&m->sw);
    share_free(&m->sh);
    free(m->pm);
    m->pm = NULL;
    m->npm = m->cap = 0;
}

int mem_add_vm(struct mem *m, struct pmap *p)
{
    if (m->npm == m->cap) {
        unsigned cap = m->cap ? 2 * m->cap : 8;
        struct pmap **pm = realloc(m->pm, cap * sizeof(*pm));
        if (!pm)
            return -1;
        m->pm = pm;
        m->cap = cap;
    }
    m->pm[m->npm++] = p;
    p->mem = m;
    p->zero_track = m->cfg.zero_track;
    return 0;
}

/* ---- the pages' moves ------------------------------------------------------------------ */

static void drop_translations(struct pmap *p, uint32_t gpfn)
{
    if (p->hooks.unmap)
        p->hooks.unmap(p->hooks.ctx, gpfn);
}

/* Takes RESIDENT gpfn of p out of machine memory. Returns 1 if its frame was freed. */
static int evict(struct mem *m, struct pmap *p, uint32_t gpfn)
{
    uint32_t mfn = p->mfn[gpfn];
    const uint8_t *data = frames_host(m->frames, mfn);
    enum pmap_state to;
    uint32_t loc = PMAP_NONE;
    if (p->st[gpfn] & PMAP_ZTRACK) {
        /* Zeroed by the VMM and never written since: it is zeros, nothing to keep. */
        to = PMAP_UNTOUCHED;
        m->reclaimed_zero++;
    } else {
        uint32_t h = ZSTORE_NONE;
        if (m->cfg.compress) {
            enum zstore_kind kind = ZSTORE_SAME;
            h = zstore_put(&m->z, data, &kind);
            /* the same-word check reads the page; anything else was compressed too */
            charge(m, MEM_COMPRESS, COST_page_scan);
            if (kind != ZSTORE_SAME || h == ZSTORE_NONE)
                charge(m, MEM_COMPRESS, COST_page_compress);
        }
        if (h != ZSTORE_NONE) {
            to = PMAP_COMPRESSED;
            loc = h;
            m->reclaimed_compress++;
        } else if (m->sw.fd >= 0 && m->sw.free > 0 && !m->sw.write_failed) {
            uint32_t slot = swap_put(&m->sw, data);
            charge(m, MEM_SWAP, COST_swap_write);
            if (slot == SWAP_NONE)
                return 0;
            to = PMAP_SWAPPED;
            loc = slot;
            m->reclaimed_swap++;
        } else {
            return 0;
        }
    }
    drop_translations(p, gpfn);
    frames_free(m->frames, mfn);
    p->resident--;
    p->mfn[gpfn] = PMAP_NONE;
    p->loc[gpfn] = loc;
    p->st[gpfn] = (uint8_t)to;
    p->compressed += to == PMAP_COMPRESSED;
    p->swapped += to == PMAP_SWAPPED;
    m->evicted++;
    return 1;
}

uint32_t mem_reclaim(struct mem *m, uint32_t want)
{
    uint64_t pages = 0;
    for (unsigned i = 0; i < m->npm; i++)
        pages += m->pm[i]->npages;
    /* Two turns of the clock at most: the first may only clear reference bits. */
    uint64_t budget = 2 * pages + 2;
    uint32_t freed = 0;
    m->reclaims++;
    while (freed < want && budget-- && m->npm) {
        struct pmap *p = m->pm[m->hand_vm % m->npm];
        uint32_t g = m->hand_gpfn++;
        if (g >= p->npages) {
            m->hand_vm = (m->hand_vm + 1) % m->npm;
            m->hand_gpfn = 0;
            continue;
        }
        if ((p->st[g] & PMAP_STATE_MASK) != PMAP_RESIDENT)
            continue;
        m->clock_scanned++;
        if (pmap_pinned(p, g))
            continue;
        if (p->st[g] & PMAP_REF) {
            p->st[g] &= (uint8_t)~PMAP_REF;
            m->clock_referenced++;
            continue;
        }
        if (p->hooks.referenced && p->hooks.referenced(p->hooks.ctx, g)) {
            m->clock_referenced++;
            continue;
        }
        freed += (uint32_t)evict(m, p, g);
    }
    if (freed < want)
        m->reclaim_failed++;
    m->fail_hist = m->fail_hist << 1 | (freed < want);
    return freed;
}

struct pmap *mem_thrashing(struct mem *m)
{
    if (__builtin_popcountll(m->fail_hist) < MEM_THRASH_FAILS)
        return NULL;
    struct pmap *victim = NULL;
    uint64_t most = 0;
    for (unsigned i = 0; i < m->npm; i++) {
        struct pmap *p = m->pm[i];
        uint64_t held = p->resident + p->shared + p->compressed + p->swapped;
        if (p->npages && held > most) {
            most = held;
            victim = p;
        }
    }
    m->fail_hist = 0;
    m->thrash_stops += victim != NULL;
    return victim;
}

uint32_t mem_restore(struct mem *m, struct pmap *p, uint32_t gpfn)
{
    enum pmap_state s = pmap_state(p, gpfn);
    uint32_t mfn = frames_alloc_raw(m->frames, p->vm_id);    /* overwritten whole below */
    if (mfn == FRAMES_NONE) {
        p->failure = PMAP_FAIL_NOMEM;
        return PMAP_NONE;
    }
    uint8_t *data = frames_host(m->frames, mfn);
    int rc;
    if (s == PMAP_COMPRESSED) {
        enum zstore_kind kind = zstore_kind_of(&m->z, p->loc[gpfn]);
        rc = zstore_get(&m->z, p->loc[gpfn], data);
        charge(m, MEM_COMPRESS, kind == ZSTORE_LZ4 ? COST_page_decompress : COST_page_copy);
        if (rc == 0) {
            zstore_drop(&m->z, p->loc[gpfn]);
            p->compressed--;
        }
        p->failure = PMAP_FAIL_CORRUPT;
    } else {
        rc = swap_get(&m->sw, p->loc[gpfn], data);
        charge(m, MEM_SWAP, COST_swap_read);
        if (rc == 0) {
            swap_drop(&m->sw, p->loc[gpfn]);
            p->swapped--;
        }
        p->failure = rc == -2 ? PMAP_FAIL_CORRUPT : PMAP_FAIL_IO;
    }
    if (rc != 0) {
        /* Never hand the guest bytes that are not its own: the page stays where it was
         * (the VM is stopped by the failed hook), the frame goes back zeroed-on-reuse. */
        frames_free(m->frames, mfn);
        m->restore_failed++;
        return PMAP_NONE;
    }
    p->mfn[gpfn] = mfn;
    p->loc[gpfn] = PMAP_NONE;
    p->st[gpfn] = PMAP_RESIDENT;
    p->resident++;
    m->restored++;
    return mfn;
}

uint32_t mem_cow(struct mem *m, struct pmap *p, uint32_t gpfn)
{
    uint32_t old = p->mfn[gpfn];
    if (share_refs(&m->sh, old) == 1) {
        /* Nobody else maps it any more: it becomes this page's own again, as it is. */
        share_unref(&m->sh, old);
        frames_set_owner(m->frames, old, p->vm_id);
        m->sh.cow_reuses++;
    } else {
        uint32_t mfn = frames_alloc_raw(m->frames, p->vm_id);
        if (mfn == FRAMES_NONE) {
            p->failure = PMAP_FAIL_NOMEM;
            return PMAP_NONE;
        }
        memcpy(frames_host(m->frames, mfn), frames_host(m->frames, old), 4096);
        charge(m, MEM_SHARE, COST_page_copy);
        drop_translations(p, gpfn);             /* its read-only ones to the shared frame */
        share_unref(&m->sh, old);
        p->mfn[gpfn] = mfn;
        m->sh.cow_copies++;
    }
    p->st[gpfn] = PMAP_RESIDENT;
    p->shared--;
    p->resident++;
    return p->mfn[gpfn];
}

void mem_release(struct mem *m, struct pmap *p, uint32_t gpfn)
{
    switch (pmap_state(p, gpfn)) {
    case PMAP_SHARED:
        if (share_unref(&m->sh, p->mfn[gpfn]) == 0)
            frames_free(m->frames, p->mfn[gpfn]);
        p->shared--;
        break;
    case PMAP_COMPRESSED:
        zstore_drop(&m->z, p->loc[gpfn]);
        p->compressed--;
        break;
    case PMAP_SWAPPED:
        swap_drop(&m->sw, p->loc[gpfn]);
        p->swapped--;
        break;
    default:
        break;
    }
}

/* ---- sharing --------------------------------------------------------------------------- */

/* Maps RESIDENT gpfn of p to shared frame mfn (equal bytes: checked) and frees its own. */
static void merge(struct mem *m, struct pmap *p, uint32_t gpfn, uint32_t mfn)
{
    drop_translations(p, gpfn);                 /* they may be writable */
    frames_free(m->frames, p->mfn[gpfn]);
    p->mfn[gpfn] = mfn;
    p->st[gpfn] = PMAP_SHARED;
    p->resident--;
    p->shared++;
    share_ref(&m->sh, mfn);
    m->sh.merged++;
    m->reclaimed_share++;
}

/* May the scanner take gpfn of p (RESIDENT, not watched for zeroing, not in use)? */
static int shareable(const struct pmap *p, uint32_t gpfn)
{
    return gpfn < p->npages &&
           (p->st[gpfn] & (PMAP_STATE_MASK | PMAP_ZTRACK)) == PMAP_RESIDENT &&
           !pmap_pinned(p, gpfn);
}

/* Hashes up to n resident pages from the scanner's position on, stopping at the end of
 * a pass over every VM (the next pass starts with the next call, with no hints). */
static void share_scan(struct mem *m, unsigned n)
{
    uint64_t budget = (uint64_t)n * 64;      /* pages looked at, resident or not */
    while (n && budget-- && m->npm) {
        struct pmap *p = m->pm[m->scan_vm % m->npm];
        uint32_t g = m->scan_gpfn++;
        if (g >= p->npages) {
            m->scan_gpfn = 0;
            if (++m->scan_vm >= m->npm) {
                m->scan_vm = 0;
                m->share_passes++;
                share_drop_hints(&m->sh);   /* a new pass: last pass's hints are stale */
                break;
            }
            continue;
        }
        if (!shareable(p, g))
            continue;
        n--;
        const uint8_t *data = frames_host(m->frames, p->mfn[g]);
        uint64_t h = XXH3_64bits(data, 4096);
        charge(m, MEM_SHARE, COST_page_hash);
        m->sh.scanned++;
        uint32_t fmfn, hg;
        struct pmap *hp;
        switch (share_find(&m->sh, h, &fmfn, &hp, &hg)) {
        case 1:
            charge(m, MEM_SHARE, COST_page_scan);
            m->sh.compared++;
            if (memcmp(data, frames_host(m->frames, fmfn), 4096) == 0)
                merge(m, p, g, fmfn);
            else
                m->sh.collisions++;
            break;
        case 2:
            if (hp == p && hg == g)
                break;
            if (shareable(hp, hg) &&
                (charge(m, MEM_SHARE, COST_page_scan), m->sh.compared++,
                 memcmp(data, frames_host(m->frames, hp->mfn[hg]), 4096) == 0)) {
                /* The hint's frame becomes the shared one: read-only for its page first. */
                uint32_t mfn = hp->mfn[hg];
                if (hp->hooks.protect)
                    hp->hooks.protect(hp->hooks.ctx, hg);
                else
                    drop_translations(hp, hg);
                frames_set_owner(m->frames, mfn, FRAMES_OWNER_SHARED);
                hp->st[hg] = PMAP_SHARED;
                hp->resident--;
                hp->shared++;
                share_add_frame(&m->sh, h, mfn);
                merge(m, p, g, mfn);
            } else {
                m->sh.stale_hints++;
                share_set_hint(&m->sh, h, p, g);
            }
            break;
        default:
            share_set_hint(&m->sh, h, p, g);
            break;
        }
    }
}

/* ---- ballooning ------------------------------------------------------------------------ */

int mem_balloon_give(struct mem *m, struct pmap *p, uint32_t gpfn)
{
    if (gpfn >= p->npages)
        return -1;
    enum pmap_state s = pmap_state(p, gpfn);
    if (s == PMAP_BALLOONED)
        return -1;
    int freed = s == PMAP_RESIDENT ||
                (s == PMAP_SHARED && share_refs(&m->sh, p->mfn[gpfn]) == 1);
    if (s == PMAP_RESIDENT || s == PMAP_SHARED)
        drop_translations(p, gpfn);
    if (s == PMAP_RESIDENT) {
        pmap_drop_frame(p, gpfn);               /* to the pool, or to its extent's run */
        p->resident--;
    } else {
        mem_release(m, p, gpfn);
    }
    p->mfn[gpfn] = PMAP_NONE;
    p->loc[gpfn] = PMAP_NONE;
    p->st[gpfn] = PMAP_BALLOONED;
    p->ballooned++;
    m->reclaimed_balloon += (uint64_t)freed;
    return 0;
}

int mem_balloon_take(struct mem *m, struct pmap *p, uint32_t gpfn)
{
    if (pmap_state(p, gpfn) != PMAP_BALLOONED)
        return -1;
    p->st[gpfn] = PMAP_UNTOUCHED;
    p->ballooned--;
    m->balloon_returned++;
    return 0;
}

int mem_reads_zero(const struct pmap *p, uint32_t gpfn)
{
    if (gpfn >= p->npages)
        return 0;
    uint8_t st = p->st[gpfn];
    enum pmap_state s = (enum pmap_state)(st & PMAP_STATE_MASK);
    return s == PMAP_UNTOUCHED || s == PMAP_BALLOONED ||
           (s == PMAP_RESIDENT && (st & PMAP_ZTRACK));
}

/* Balloon targets: below the balloon watermark, the pages still missing (beyond what the
 * drivers were already asked for and have not given) are asked of the VMs with a driver
 * in proportion to their resident pages; well above it (three times), every target shrinks
 * by an eighth per slice, so the guests take their pages back without see-sawing. */
static void balloon_targets(struct mem *m)
{
    uint64_t resident = 0, outstanding = 0;
    for (unsigned i = 0; i < m->npm; i++) {
        struct pmap *p = m->pm[i];
        if (!p->balloon_driver || !p->npages)
            continue;
        resident += p->resident;
        if (p->balloon_target > p->ballooned)
            outstanding += p->balloon_target - p->ballooned;
    }
    if (!resident)
        return;
    uint64_t free = m->frames->free;
    if (free < m->balloon_wm && m->balloon_wm - free > outstanding) {
        uint64_t need = m->balloon_wm - free - outstanding;
        for (unsigned i = 0; i < m->npm; i++) {
            struct pmap *p = m->pm[i];
            if (!p->balloon_driver || !p->npages)
                continue;
            uint64_t t = p->balloon_target + (need * p->resident + resident - 1) / resident;
            p->balloon_target = t > p->npages ? p->npages : t;
        }
    } else if (free > 3 * (uint64_t)m->balloon_wm) {
        for (unsigned i = 0; i < m->npm; i++)
            m->pm[i]->balloon_target -= m->pm[i]->balloon_target / 8 +
                                        (m->pm[i]->balloon_target % 8 != 0);
    }
    m->balloon_target = 0;
    for (unsigned i = 0; i < m->npm; i++)
        m->balloon_target += m->pm[i]->balloon_target;
}

void mem_tick(struct mem *m)
{
    if (m->cfg.share)
        share_scan(m, m->cfg.share_rate);
    if (m->cfg.balloon && m->cfg.reclaim)   /* without overcommit nothing needs reclaiming */
        balloon_targets(m);
    if (m->cfg.reclaim && m->frames->free < m->low)
        mem_reclaim(m, m->high - (uint32_t)m->frames->free);
}

int mem_take_charges(struct mem *m, uint64_t units[COST_COUNT])
{
    if (!m->has_uncharged)
        return 0;
    memcpy(units, m->uncharged, sizeof(m->uncharged));
    memset(m->uncharged, 0, sizeof(m->uncharged));
    m->has_uncharged = 0;
    return 1;
}

void mem_explain(const struct mem *m, int why, char *buf, size_t len)
{
    const char *swap = m->sw.fd < 0 ? "no swap file" : m->sw.free ? "the swap file has room"
                                                                  : "the swap file is full";
    switch (why) {
    case PMAP_FAIL_NOMEM:
        if (m->sw.io_errors && m->sw.last_errno)
            snprintf(buf, len, "out of machine memory: writing the swap file failed (%s)",
                     strerror(m->sw.last_errno));
        else
            snprintf(buf, len, "out of machine memory: nothing left to reclaim (compressed "
                     "store %s, %s)", !m->cfg.compress ? "off" : m->z.full ? "full" : "on",
                     swap);
        break;
    case PMAP_FAIL_THRASH:
        snprintf(buf, len, "out of machine memory: thrashing (%d of the last 64 reclaim passes "
                 "fell short; compressed store %s, %s)", MEM_THRASH_FAILS,
                 !m->cfg.compress ? "off" : m->z.full ? "full" : "on", swap);
        break;
    case PMAP_FAIL_CORRUPT:
        snprintf(buf, len, "its page does not match the checksum taken when it was %s: "
                 "corrupted", m->sw.corrupt ? "written to the swap file" : "compressed");
        break;
    default:
        snprintf(buf, len, "its page could not be read back from the swap file (%s)",
                 m->sw.last_errno ? strerror(m->sw.last_errno) : "I/O error");
        break;
    }
}

void mem_register_stats(struct mem *m, struct stats *st)
{
    stats_add(st, &m->cycles, "machine.mem.cycles");
    stats_add(st, &m->cycles_by[MEM_SHARE], "machine.mem.cycles_share");
    stats_add(st, &m->cycles_by[MEM_COMPRESS], "machine.mem.cycles_compress");
    stats_add(st, &m->cycles_by[MEM_SWAP], "machine.mem.cycles_swap");
    stats_add(st, &m->reclaims, "machine.mem.reclaims");
    stats_add(st, &m->reclaim_failed, "machine.mem.reclaim_failed");
    stats_add(st, &m->thrash_stops, "machine.mem.thrash_stops");
    stats_add(st, &m->clock_scanned, "machine.mem.clock_scanned");
    stats_add(st, &m->clock_referenced, "machine.mem.clock_referenced");
    stats_add(st, &m->evicted, "machine.mem.evicted");
    stats_add(st, &m->restored, "machine.mem.restored");
    stats_add(st, &m->restore_failed, "machine.mem.restore_failed");
    stats_add(st, &m->share_passes, "machine.mem.share_passes");
    stats_add(st, &m->reclaimed_zero, "machine.mem.reclaimed_zero");
    stats_add(st, &m->reclaimed_compress, "machine.mem.reclaimed_compress");
    stats_add(st, &m->reclaimed_swap, "machine.mem.reclaimed_swap");
    stats_add(st, &m->reclaimed_share, "machine.mem.reclaimed_share");
    stats_add(st, &m->reclaimed_balloon, "machine.mem.reclaimed_balloon");
    stats_add(st, &m->balloon_returned, "machine.mem.balloon_returned");
    stats_add(st, &m->balloon_target, "machine.mem.balloon_target");
    zstore_register_stats(&m->z, st);
    swap_register_stats(&m->sw, st);
    share_register_stats(&m->sh, st);
}
