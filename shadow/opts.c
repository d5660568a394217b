/* opts.c - shadow paging's options: the mechanisms by name (--shadow-opts LIST, shadow.h
 * SHADOW_OPTS), the checks of struct shadow_opts, and the command-line options
 * (--shadow-opts, --shadow-frames, --shadow-oos, --shadow-roots, --shadow-prefetch,
 * --shadow-audit): their rows of `tlbvisor run`'s option table and the struct shadow_opts
 * they make (mmu_backend.h struct mmu_backend_opts, docs/backends.md "Its options"). */
#include <stdio.h>
#include <string.h>

#include "../core/opt_table.h"
#include "shadow.h"

static const struct { const char *name; unsigned bit; } opt_names[] = {
#define SHADOW_OPT_NAME(up, name, doc) { #name, SHADOW_OPT_##up },
    SHADOW_OPTS(SHADOW_OPT_NAME)
#undef SHADOW_OPT_NAME
};

int shadow_parse_opts(const char *str, unsigned *bits, char *err, size_t errlen)
{
    if (strcmp(str, "none") == 0) {
        *bits = 0;
        return 0;
    }
    unsigned b = 0;
    const char *p = str;
    for (;;) {
        size_t len = strcspn(p, ","), i;
        if (len == 3 && strncmp(p, "all", 3) == 0) {
            b |= SHADOW_OPT_ALL;
        } else {
            for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
                if (strlen(opt_names[i].name) == len && strncmp(p, opt_names[i].name, len) == 0)
                    break;
            if (i == sizeof(opt_names) / sizeof(opt_names[0])) {
                snprintf(err, errlen, "unknown shadow option '%.*s' (none, all, or a comma-"
                         "separated list of: share, update, oos, flood, prefetch, mru, unprotect, "
                         "kglobal, klarge, exact)", (int)(len > 40 ? 40 : len), p);
                return -1;
            }
            b |= opt_names[i].bit;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    *bits = b;
    return 0;
}

void shadow_format_opts(unsigned bits, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
        if ((bits & opt_names[i].bit) && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", opt_names[i].name);
    if (!n)
        snprintf(buf, len, "none");
}

int shadow_opts_check(const struct shadow_opts *o, char *err, size_t errlen)
{
    if (o->max_frames && (o->max_frames < SHADOW_MIN_FRAMES || o->max_frames > SHADOW_MAX_FRAMES)) {
        snprintf(err, errlen, "--shadow-frames must be %u..%u (got %u)", SHADOW_MIN_FRAMES,
                 SHADOW_MAX_FRAMES, o->max_frames);
        return -1;
    }
    if (o->roots > SHADOW_MAX_ROOTS) {
        snprintf(err, errlen, "--shadow-roots must be 1..%u (got %u)", SHADOW_MAX_ROOTS, o->roots);
        return -1;
    }
    if (o->oos > SHADOW_MAX_OOS) {
        snprintf(err, errlen, "--shadow-oos must be 1..%u (got %u)", SHADOW_MAX_OOS, o->oos);
        return -1;
    }
    if (o->prefetch > SHADOW_MAX_PREFETCH || (o->prefetch & (o->prefetch - 1))) {
        snprintf(err, errlen, "--shadow-prefetch must be a power of two 1..%u (got %u)",
                 SHADOW_MAX_PREFETCH, o->prefetch);
        return -1;
    }
    if (o->opts & ~((1u << SHADOW_OPT_COUNT) - 1)) {
        snprintf(err, errlen, "unknown shadow option bits %#x", o->opts);
        return -1;
    }
    return pw_config_check(&o->pw, err, errlen);
}

/* ---- the command line ------------------------------------------------------------------- */

/* What the CLI's parser fills (the rows' offsets are into it). */
struct shadow_cmdline {
    const char *opts;                                  /* --shadow-opts, as given */
    uint64_t frames, oos, roots, prefetch;             /* 0 (roots): by policy */
    int audit;
    struct {
        unsigned opts, frames, oos, roots, prefetch, audit;
    } given;
    struct shadow_opts out;                            /* what sh_init gets */
};

#define F(field) OPT_FIELD(struct shadow_cmdline, field)
#define SHADOW OPT_SCOPE_VMM | OPT_SCOPE_PAGEWALK, "shadow paging (the VMM with --mmu pagewalk)"

static const struct opt shadow_rows[] = {
    { "shadow-opts", "LIST|all|none", OPT_STRING, 0, 0, 0, NULL, SHADOW, F(opts), "none",
      "shadow paging's mechanisms, comma-separated: share, update, oos, flood, prefetch, mru, "
      "unprotect, kglobal, klarge (all: every one of these), and exact, the guest's TLB "
      "emulated exactly (docs/shadow.md)" },
    { "shadow-frames", "N", OPT_UINT, SHADOW_MIN_FRAMES, SHADOW_MAX_FRAMES, 0, NULL, SHADOW,
      F(frames), "1024",
      "shadow paging: each VM's budget of machine frames for shadow tables; at the budget a VM "
      "recycles its own least recently used tables" },
    { "shadow-oos", "N", OPT_UINT, 1, SHADOW_MAX_OOS, 0, NULL, SHADOW, F(oos), "3",
      "shadow paging with oos: out-of-sync page tables per vCPU (Xen: 3)" },
    { "shadow-roots", "N", OPT_UINT, 1, SHADOW_MAX_ROOTS, 0, NULL, SHADOW, F(roots),
      "32, 4 with mru", "shadow paging: roots cached per VM (least recently used, or with mru "
      "KVM's most-recent-first)" },
    { "shadow-prefetch", "N", OPT_UINT, 1, SHADOW_MAX_PREFETCH, 0, NULL, SHADOW,
      F(prefetch), "8",
      "shadow paging with prefetch: entries per prefetch group, a power of two (KVM 8, Xen "
      "up to 32)" },
    { "shadow-audit", NULL, OPT_FLAG, 0, 0, 0, NULL, SHADOW, F(audit), NULL,
      "shadow paging: after every VMM exit, check that every shadow entry agrees with the "
      "guest's tables and the pmap; a disagreement stops the VM (slow: for tests)" },
};

static void shadow_cmdline_defaults(void *p)
{
    struct shadow_cmdline *c = p;
    c->frames = SHADOW_DEFAULT_FRAMES;
    c->oos = SHADOW_DEFAULT_OOS;
    c->prefetch = SHADOW_DEFAULT_PREFETCH;             /* roots 0: by policy (32 or 4) */
}

/* The mechanisms by name, the sizes against each other and the walker's TLB
 * (ctx->machine: the run's struct pw_config), and the sizes of mechanisms left off. */
static int shadow_cmdline_finish(void *p, const struct mmu_backend_optctx *ctx,
                                 const void **backend_opts, char *err, size_t errlen)
{
    struct shadow_cmdline *c = p;
    const struct pw_config *pw = ctx->machine;
    char why[512];
    c->out = (struct shadow_opts){
        .pw = pw ? *pw : (struct pw_config){ PW_DEFAULT_TLB_ENTRIES, PW_DEFAULT_TLB_WAYS },
        .max_frames = (unsigned)c->frames, .oos = (unsigned)c->oos, .roots = (unsigned)c->roots,
        .prefetch = (unsigned)c->prefetch, .audit = c->audit };
    if (c->opts && shadow_parse_opts(c->opts, &c->out.opts, why, sizeof(why))) {
        snprintf(err, errlen, "bad --shadow-opts: %s", why);
        return -1;
    }
    if (shadow_opts_check(&c->out, err, errlen))
        return -1;
    if (c->given.oos && !(c->out.opts & SHADOW_OPT_OOS)) {
        snprintf(err, errlen, "--shadow-oos does nothing without oos in --shadow-opts");
        return -1;
    }
    if (c->given.prefetch && !(c->out.opts & SHADOW_OPT_PREFETCH)) {
        snprintf(err, errlen, "--shadow-prefetch does nothing without prefetch in --shadow-opts");
        return -1;
    }
    *backend_opts = &c->out;
    return 0;
}

const struct mmu_backend_opts shadow_cmdline_opts = {
    .table = shadow_rows,
    .count = sizeof(shadow_rows) / sizeof(shadow_rows[0]),
    .size = sizeof(struct shadow_cmdline),
    .defaults = shadow_cmdline_defaults,
    .finish = shadow_cmdline_finish,
};
