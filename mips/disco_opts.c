/* disco_opts.c - Disco's command-line options (--l2tlb, --l2tlb-entries): their rows of
 * `tlbvisor run`'s option table and the struct disco_opts they make (mmu_backend.h struct
 * mmu_backend_opts, docs/backends.md "Its options"). */
#include "../core/opt_table.h"
#include "disco.h"
#include "l2tlb.h"

/* What the CLI's parser fills (the rows' offsets are into it). */
struct disco_cmdline {
    int l2tlb;                     /* --l2tlb: index in onoff_names (0: on) */
    uint64_t l2tlb_entries;        /* --l2tlb-entries */
    struct {
        unsigned l2tlb, l2tlb_entries;
    } given;
    struct disco_opts out;         /* what disco_init gets (cfg->backend_opts) */
};

static const char *const onoff_names[] = { "on", "off", NULL };

#define F(field) OPT_FIELD(struct disco_cmdline, field)
#define DISCO OPT_SCOPE_VMM | OPT_SCOPE_SWTLB, "Disco (the VMM with --mmu swtlb)"

static const struct opt disco_rows[] = {
    { "l2tlb", "on|off", OPT_CHOICE, 0, 0, 0, onoff_names, DISCO, F(l2tlb), "on",
      "Disco's L2 software TLB, which resolves a refill from a translation the guest wrote "
      "earlier without running its refill handler" },
    { "l2tlb-entries", "N", OPT_UINT, L2TLB_MIN_ENTRIES, L2TLB_MAX_ENTRIES, 0, NULL, DISCO,
      F(l2tlb_entries), "4096", "Disco: L2 TLB entries per VM" },
};

static void disco_opts_defaults(void *p)
{
    struct disco_cmdline *c = p;
    c->l2tlb_entries = L2TLB_DEFAULT_ENTRIES;      /* l2tlb 0: on */
}

/* Nothing to check beyond each row's own range. */
static int disco_opts_finish(void *p, const struct mmu_backend_optctx *ctx,
                             const void **backend_opts, char *err, size_t errlen)
{
    struct disco_cmdline *c = p;
    (void)ctx, (void)err, (void)errlen;
    c->out = (struct disco_opts){ .l2tlb = c->l2tlb == 0,
                                  .l2tlb_entries = (unsigned)c->l2tlb_entries };
    *backend_opts = &c->out;
    return 0;
}

const struct mmu_backend_opts disco_cmdline_opts = {
    .table = disco_rows,
    .count = sizeof(disco_rows) / sizeof(disco_rows[0]),
    .size = sizeof(struct disco_cmdline),
    .defaults = disco_opts_defaults,
    .finish = disco_opts_finish,
};
