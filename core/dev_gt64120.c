/* dev_gt64120.c - GT-64120 system controller (dev_gt64120.h). */
#include <string.h>

#include "dev_gt64120.h"

/* Register offsets (data sheet names). */
enum {
    GT_CPU = 0x000, GT_PCI0IOLD = 0x048, GT_PCI0IOHD = 0x050, GT_PCI0M0LD = 0x058,
    GT_PCI0M0HD = 0x060, GT_ISD = 0x068, GT_PCI0M1LD = 0x080, GT_PCI0M1HD = 0x088,
    GT_PCI1IOLD = 0x090, GT_PCI1M0LD = 0x0a0, GT_PCI1M1LD = 0x0b0,
    GT_PCI0IOREMAP = 0x0f0, GT_PCI0M0REMAP = 0x0f8, GT_PCI0M1REMAP = 0x100,
    GT_PCI1IOREMAP = 0x108, GT_PCI1M0REMAP = 0x110, GT_PCI1M1REMAP = 0x118,
    GT_MULTI = 0x120, GT_CPUERR_ADDRLO = 0x070, GT_CPUERR_ADDRHI = 0x078,
    GT_PCI0SYNC = 0x0c0, GT_PCI1SYNC = 0x0c8,
    GT_PCI0_CMD = 0xc00, GT_INTRCAUSE = 0xc18, GT_INTRMASK = 0xc1c, GT_PCI0_ICMASK = 0xc24,
    GT_PCI0_SERR0MASK = 0xc28, GT_PCI0_IACK = 0xc34, GT_PCI0_CFGADDR = 0xcf8,
    GT_PCI0_CFGDATA = 0xcfc,
};
#define CPU_LITTLE_ENDIAN (1u << 12)
#define CMD_MBYTESWAP (1u << 0)
#define INTR_SUM (1u << 0)
#define INTR_MASABORT0 (1u << 18)
#define CFG_ENABLE (1u << 31)

static uint32_t *reg(struct gt64120 *g, uint32_t off) { return &g->regs[off >> 2]; }

static uint32_t bswap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xFF00u) | (v << 8 & 0xFF0000u) | v << 24;
}

static void reset_regs(struct gt64120 *g)
{
    static const struct { uint16_t off; uint32_t val; } init[] = {
        { GT_CPU, CPU_LITTLE_ENDIAN }, { GT_MULTI, 0x3 },
        /* CPU address decode (data sheet reset values) */
        { 0x008, 0x000 }, { 0x010, 0x007 }, { 0x018, 0x008 }, { 0x020, 0x00f },
        { 0x028, 0x0e0 }, { 0x030, 0x070 }, { 0x038, 0x0f8 }, { 0x040, 0x07f },
        { GT_PCI1IOLD, 0x100 }, { 0x098, 0x00f }, { GT_PCI1M0LD, 0x110 }, { 0x0a8, 0x01f },
        { GT_PCI1M1LD, 0x120 }, { 0x0b8, 0x02f },
        { 0x0d0, 0x000 }, { 0x0d8, 0x008 }, { 0x0e0, 0x0e0 }, { 0x0e8, 0x0f8 },
        { GT_PCI1IOREMAP, 0x100 }, { GT_PCI1M0REMAP, 0x110 }, { GT_PCI1M1REMAP, 0x120 },
        /* ... then as the boot monitor leaves them (see the header) */
        { GT_ISD, 0x0df },
        { GT_PCI0IOLD, 0x0c0 }, { GT_PCI0IOHD, 0x040 }, { GT_PCI0IOREMAP, 0x000 },
        { GT_PCI0M0LD, 0x080 }, { GT_PCI0M0HD, 0x03f }, { GT_PCI0M0REMAP, 0x080 },
        { GT_PCI0M1LD, 0x0c1 }, { GT_PCI0M1HD, 0x05e }, { GT_PCI0M1REMAP, 0x0c1 },
        /* CPU error report */
        { 0x128, 0xffffffff }, { 0x130, 0xffffffff }, { 0x138, 0xff },
        /* SDRAM and device address decode, SDRAM configuration and parameters */
        { 0x400, 0x00 }, { 0x404, 0x07 }, { 0x408, 0x08 }, { 0x40c, 0x0f },
        { 0x410, 0x10 }, { 0x414, 0x17 }, { 0x418, 0x18 }, { 0x41c, 0x1f },
        { 0x420, 0xc0 }, { 0x424, 0xc7 }, { 0x428, 0xc8 }, { 0x42c, 0xcf },
        { 0x430, 0xd0 }, { 0x434, 0xdf }, { 0x438, 0xf0 }, { 0x43c, 0xfb },
        { 0x440, 0xfc }, { 0x444, 0xff }, { 0x470, 0xffffffff },
        { 0x448, 0x200 }, { 0x478, 0x7 }, { 0x47c, 0x2 },
        { 0x44c, 0x5 }, { 0x450, 0x5 }, { 0x454, 0x5 }, { 0x458, 0x5 },
        { 0x45c, 0x386fffff }, { 0x460, 0x386fffff }, { 0x464, 0x386fffff },
        { 0x468, 0x386fffff }, { 0x46c, 0x146fffff },
        /* timers/counters */
        { 0x850, 0xffffffff }, { 0x854, 0x00ffffff }, { 0x858, 0x00ffffff },
        { 0x85c, 0x00ffffff },
        /* PCI internal */
        { GT_PCI0_CMD, 0x00010001 }, { 0xc04, 0x70f }, { 0xc08, 0x00fff000 },
        { 0xc0c, 0x00fff000 }, { 0xc10, 0x01fff000 }, { 0xc14, 0x00fff000 },
        { 0xc3c, 0xf }, { 0xc40, 0x40 }, { 0xc4c, 0x01000000 }, { 0xc50, 0x1c000000 },
        { 0xc54, 0x1f000000 }, { 0xc5c, 0x01000000 }, { 0xc64, 0x1f000000 },
        { 0xc80, 0x00010001 }, { 0xc84, 0x70f }, { 0xc88, 0x00fff000 },
        { 0xc8c, 0x00fff000 }, { 0xc90, 0x01fff000 }, { 0xc94, 0x00fff000 },
        { 0xcbc, 0xf }, { 0xcc0, 0x40 }, { 0xccc, 0x01000000 }, { 0xcd0, 0x1c000000 },
        { 0xcd4, 0x1f000000 }, { 0xcdc, 0x01000000 }, { 0xce4, 0x1f000000 },
    };
    memset(g->regs, 0, sizeof(g->regs));
    for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++)
        *reg(g, init[i].off) = init[i].val;
}

void gt64120_init(struct gt64120 *g, uint8_t (*iack)(void *ctx), void *ctx)
{
    memset(g, 0, sizeof(*g));
    reset_regs(g);
    g->iack = iack;
    g->ctx = ctx;
    /* 00.0: the controller's own function (data sheet 17.16): host bridge, its SCS/CS
     * and internal-space BARs, interrupt pin A. */
    struct pci_func *f = &g->self;
    pci_func_init(f, 0x11AB, 0x4620, 0x10, 0x060000, 0);
    pci_set(f, PCI_STATUS, 2, 0x0280);                  /* fast back-to-back, DEVSEL medium */
    static const uint32_t bar[6] = { 0x00000008, 0x01000008, 0x1c000000, 0x1f000000,
                                     0x14000000, 0x14000001 };
    static const uint32_t bar_mask[6] = { 0xfffff008, 0xfffff008, 0xfffff008, 0xfffff008,
                                          0xfffff000, 0xfffff001 };
    for (int i = 0; i < 6; i++) {
        pci_set(f, PCI_BAR0 + 4 * i, 4, bar[i]);
        pci_set_wmask(f, PCI_BAR0 + 4 * i, 4, bar_mask[i]);
    }
    pci_set(f, PCI_INT_PIN, 1, 1);
    gt64120_add_func(g, 0, 0, f);
}

void gt64120_add_func(struct gt64120 *g, unsigned dev, unsigned fn, struct pci_func *f)
{
    g->func[dev & 31][fn & 7] = f;
}

/* A window of low-decode register ld and high-decode hd: [ld << 21, ((ld & ~0x7f) | hd) + 1)
 * << 21, i.e. address bits 35:21 from ld, bits 27:21 of the last 2 MiB from hd. */
static int in_window(const struct gt64120 *g, uint32_t ld, uint32_t hd, uint32_t pa,
                     uint32_t *rel)
{
    uint64_t lo = (uint64_t)g->regs[ld >> 2] << 21;
    uint64_t hi = ((uint64_t)((g->regs[ld >> 2] & ~0x7Fu) | g->regs[hd >> 2]) + 1) << 21;
    if (pa < lo || pa >= hi)
        return 0;
    *rel = (uint32_t)(pa - lo);
    return 1;
}

enum gt64120_window gt64120_decode(const struct gt64120 *g, uint32_t pa, uint32_t *off)
{
    uint32_t isd = g->regs[GT_ISD >> 2] << 21, rel;
    if (pa >= isd && pa - isd < GT64120_REGS_BYTES) {
        *off = pa - isd;
        return GT_WIN_REGS;
    }
    if (in_window(g, GT_PCI0IOLD, GT_PCI0IOHD, pa, &rel)) {
        *off = (g->regs[GT_PCI0IOREMAP >> 2] << 21) + rel;
        return GT_WIN_PCI_IO;
    }
    if (in_window(g, GT_PCI0M0LD, GT_PCI0M0HD, pa, &rel)) {
        *off = (g->regs[GT_PCI0M0REMAP >> 2] << 21) + rel;
        return GT_WIN_PCI_MEM;
    }
    if (in_window(g, GT_PCI0M1LD, GT_PCI0M1HD, pa, &rel)) {
        *off = (g->regs[GT_PCI0M1REMAP >> 2] << 21) + rel;
        return GT_WIN_PCI_MEM;
    }
    return GT_WIN_NONE;
}

static void master_abort(struct gt64120 *g)
{
    g->n.master_aborts++;
    *reg(g, GT_INTRCAUSE) |= INTR_MASABORT0 | INTR_SUM;
}

/* The function CFGADDR selects, or NULL (disabled, another bus, or nobody there). */
static struct pci_func *cfg_target(struct gt64120 *g, unsigned *where)
{
    uint32_t a = g->cfgaddr;
    *where = a & 0xFC;
    if (!(a & CFG_ENABLE) || ((a >> 16) & 0xFF) != 0)
        return NULL;
    return g->func[(a >> 11) & 31][(a >> 8) & 7];
}

/* Byte lane of a sub-word configuration access as the PCI bus sees it. */
static unsigned cfg_lane(const struct gt64120 *g, uint32_t off, unsigned size)
{
    unsigned lane = off & 3;
    if (!(g->regs[GT_PCI0_CMD >> 2] & CMD_MBYTESWAP))
        lane = 4 - size - lane;                   /* byte-swapped data path */
    return lane;
}

static uint32_t cfg_read(struct gt64120 *g, uint32_t off, unsigned size)
{
    unsigned where;
    struct pci_func *f = cfg_target(g, &where);
    g->n.cfg_reads++;
    if (!f) {
        master_abort(g);
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    }
    uint32_t v = pci_cfg_read(f, where + cfg_lane(g, off, size), size);
    if (size == 4 && !(g->regs[GT_PCI0_CMD >> 2] & CMD_MBYTESWAP))
        v = bswap32(v);
    return v;
}

static void cfg_write(struct gt64120 *g, uint32_t off, unsigned size, uint32_t val)
{
    unsigned where;
    struct pci_func *f = cfg_target(g, &where);
    g->n.cfg_writes++;
    if (!f) {
        master_abort(g);
        return;
    }
    if (size == 4 && !(g->regs[GT_PCI0_CMD >> 2] & CMD_MBYTESWAP))
        val = bswap32(val);
    pci_cfg_write(f, where + cfg_lane(g, off, size), size, val);
}

static uint32_t reg_read(struct gt64120 *g, uint32_t off)
{
    switch (off) {
    case GT_PCI0_IACK: return g->iack ? g->iack(g->ctx) : 0;
    case GT_PCI0SYNC: case GT_PCI1SYNC: return 0;    /* flushes the (empty) PCI FIFOs */
    case GT_PCI0_CFGADDR: return g->cfgaddr;
    default: return g->regs[off >> 2];
    }
}

static void reg_write(struct gt64120 *g, uint32_t off, uint32_t val)
{
    uint32_t *r = reg(g, off);
    switch (off) {
    case GT_PCI0IOLD: case GT_PCI0M0LD: case GT_PCI0M1LD:
    case GT_PCI1IOLD: case GT_PCI1M0LD: case GT_PCI1M1LD: {
        /* A low-decode write also loads its remap register. */
        static const struct { uint16_t ld, remap; } pairs[] = {
            { GT_PCI0IOLD, GT_PCI0IOREMAP }, { GT_PCI0M0LD, GT_PCI0M0REMAP },
            { GT_PCI0M1LD, GT_PCI0M1REMAP }, { GT_PCI1IOLD, GT_PCI1IOREMAP },
            { GT_PCI1M0LD, GT_PCI1M0REMAP }, { GT_PCI1M1LD, GT_PCI1M1REMAP },
        };
        *r = val & 0x7FFF;
        for (size_t i = 0; i < 6; i++)
            if (pairs[i].ld == off)
                *reg(g, pairs[i].remap) = val & 0x7FF;
        break;
    }
    case GT_PCI0IOHD: case GT_PCI0M0HD: case GT_PCI0M1HD:
    case 0x098: case 0x0a8: case 0x0b8:
        *r = val & 0x7F;
        break;
    case GT_ISD: *r = val & 0x7FFF; break;
    case GT_PCI0IOREMAP: case GT_PCI0M0REMAP: case GT_PCI0M1REMAP:
    case GT_PCI1IOREMAP: case GT_PCI1M0REMAP: case GT_PCI1M1REMAP:
        *r = val & 0x7FF;
        break;
    case GT_MULTI: case GT_CPUERR_ADDRLO: case GT_CPUERR_ADDRHI: case 0x128: case 0x130:
    case 0x138: case GT_PCI0SYNC: case GT_PCI1SYNC: case 0x480: case 0x484: case 0x488:
    case 0x48c: case 0x490: case GT_PCI0_IACK: case 0xc30:
        break;                                        /* read-only */
    case GT_PCI0_CMD: case 0xc80: *r = val & 0x0401FC0F; break;
    case GT_INTRCAUSE: {
        /* Writing 0 clears a cause bit, 1 leaves it; bit 0 sums the others. */
        uint32_t v = *r & (val | INTR_SUM);
        *r = (v & ~INTR_SUM) | ((v & ~INTR_SUM) ? INTR_SUM : 0);
        break;
    }
    case GT_INTRMASK: *r = val & 0x3C3FFFFE; break;
    case GT_PCI0_ICMASK: *r = val & 0x03FFFFFE; break;
    case GT_PCI0_SERR0MASK: *r = val & 0x3F; break;
    case GT_PCI0_CFGADDR: g->cfgaddr = val; break;
    default: *r = val; break;                         /* stored, no effect modelled */
    }
}

uint32_t gt64120_read(struct gt64120 *g, uint32_t off, unsigned size)
{
    if ((off & ~3u) == GT_PCI0_CFGDATA)
        return cfg_read(g, off, size);
    uint32_t v = reg_read(g, off & ~3u);
    if (!(g->regs[GT_CPU >> 2] & CPU_LITTLE_ENDIAN))
        v = bswap32(v);
    if (size < 4)
        v = (v >> (8 * (off & 3))) & ((1u << (8 * size)) - 1);
    return v;
}

void gt64120_write(struct gt64120 *g, uint32_t off, unsigned size, uint32_t val)
{
    if ((off & ~3u) == GT_PCI0_CFGDATA) {
        cfg_write(g, off, size, val);
        return;
    }
    int swap = !(g->regs[GT_CPU >> 2] & CPU_LITTLE_ENDIAN);
    if (size < 4) {
        /* Merge the bytes into the register as the CPU sees it. */
        uint32_t cur = reg_read(g, off & ~3u), sh = 8 * (off & 3);
        uint32_t mask = ((1u << (8 * size)) - 1) << sh;
        if (swap)
            cur = bswap32(cur);
        val = (cur & ~mask) | ((val << sh) & mask);
    }
    if (swap)
        val = bswap32(val);
    reg_write(g, off & ~3u, val);
}
