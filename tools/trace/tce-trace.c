/*
 * tce-trace: parse QEMU spapr_iommu_* traces and replay them on SwiftTCE.
 *
 * What each line means for the model (see Tests/traces/README.md):
 *  - put, stuff, indirect: the hypercall is made again and its return code
 *    compared. QEMU traces H_STUFF_TCE's ioba after its loop, so the start
 *    is the traced ioba minus npages pages; H_PUT_TCE_INDIRECT traces only
 *    one entry of its list (the last written, or the one that failed), so
 *    the others come from a guest-memory stub as unknown entries.
 *  - xlate: translate is asked again; the answer is compared when the entry
 *    is determined by the log. An unknown entry is learned from its first
 *    xlate instead (and written into the model) and held to it from then on.
 *  - ddw_query, ddw_create, ddw_remove, ddw_reset: the RTAS call is made
 *    again and every traced answer compared (QEMU traces them only on
 *    success). A remove of a PHB's last window that is not its default one
 *    restores the default window, which QEMU traces after the remove line
 *    as that window's new_table and a ddw_reset: when the model's remove
 *    restored it, those two lines must follow and are that remove's;
 *    otherwise a ddw_reset is the guest's ibm,reset-pe-dma-window.
 *  - pre_save: QEMU saved a table for migration; the model's must have the
 *    same entry count, bus offset and page shift (all 0 when disabled).
 *  - new_table: QEMU traces it when it allocates a table's entries, that is
 *    whenever a table is enabled: a VIO device's at its creation, each PHB's
 *    default window at machine reset, a new window inside
 *    ibm,create-pe-dma-window. Each enable of the model must be announced
 *    by one such line with its LIOBN, before the call that enables it (or,
 *    for the machine's own tables, before the first call), and each such
 *    line must be followed by that enable. The model's enables are its own
 *    new_table events (spapr_tce_set_trace_hook): a window disabled and
 *    enabled again inside one call is seen too.
 */
#include "tce-trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swifttce.h"
#include "swifttce/spapr_vio.h"

/* VIO devices a '# machine:' line may list. */
#define MAX_VIO 64
#define MAX_TABLES (SPAPR_MAX_PHBS * SPAPR_PCI_DMA_MAX_WINDOWS + MAX_VIO)

/* ---- Unknown entries: sorted, disjoint [lo, hi) index ranges ---------- */

typedef struct Range {
    uint32_t liobn;
    uint64_t lo, hi;
} Range;

typedef struct RangeSet {
    Range *r;
    size_t n, cap;
    bool oom;
} RangeSet;

static int range_cmp(uint32_t liobn, uint64_t idx, const Range *r)
{
    if (liobn != r->liobn) {
        return liobn < r->liobn ? -1 : 1;
    }
    if (idx < r->lo) {
        return -1;
    }
    return idx >= r->hi ? 1 : 0;
}

/* The first range that does not end at or before (liobn, idx). */
static size_t range_lower(const RangeSet *s, uint32_t liobn, uint64_t idx)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (range_cmp(liobn, idx, &s->r[mid]) > 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static bool range_contains(const RangeSet *s, uint32_t liobn, uint64_t idx)
{
    size_t i = range_lower(s, liobn, idx);
    return i < s->n && range_cmp(liobn, idx, &s->r[i]) == 0;
}

static bool range_insert_at(RangeSet *s, size_t i, Range r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        Range *grown = realloc(s->r, cap * sizeof(*grown));
        if (!grown) {
            s->oom = true;
            return false;
        }
        s->r = grown;
        s->cap = cap;
    }
    memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(*s->r));
    s->r[i] = r;
    s->n++;
    return true;
}

/* Removes [lo, hi) of liobn, splitting the ranges it cuts. */
static void range_remove(RangeSet *s, uint32_t liobn, uint64_t lo, uint64_t hi)
{
    size_t i;

    if (lo >= hi) {
        return;
    }
    i = range_lower(s, liobn, lo);
    while (i < s->n && s->r[i].liobn == liobn && s->r[i].lo < hi) {
        Range *r = &s->r[i];
        if (r->lo < lo && r->hi > hi) {
            Range tail = { liobn, hi, r->hi };
            r->hi = lo;
            range_insert_at(s, i + 1, tail);
            return;
        }
        if (r->lo < lo) {
            r->hi = lo;
            i++;
        } else if (r->hi > hi) {
            r->lo = hi;
            return;
        } else {
            memmove(r, r + 1, (s->n - i - 1) * sizeof(*r));
            s->n--;
        }
    }
}

static void range_add(RangeSet *s, uint32_t liobn, uint64_t lo, uint64_t hi)
{
    Range r = { liobn, lo, hi };
    size_t i;

    if (lo >= hi) {
        return;
    }
    range_remove(s, liobn, lo, hi);
    i = range_lower(s, liobn, lo);
    range_insert_at(s, i, r);
}

static void range_clear_liobn(RangeSet *s, uint32_t liobn)
{
    range_remove(s, liobn, 0, UINT64_MAX);
}

/* ---- The replay context ---------------------------------------------- */

/* One of the machine's tables: a PHB's window or a VIO device's table. */
typedef struct Table {
    uint32_t liobn;
    int phb;                /* its PHB's index; -1 for a VIO device's */
    bool needs_announce;    /* enabled at set-up, not yet announced */
    bool pending;           /* announced, waiting for the call to enable it */
    bool enabled;           /* the call being replayed enabled it */
} Table;

typedef struct VioSpec {
    uint64_t liobn;
    uint64_t window_size;
} VioSpec;

typedef struct Ctx {
    TceTraceResult *out;
    TceTraceReportFn report;
    void *opaque;
    unsigned long line;

    /* The '# machine:' line; every PHB has the same ddw and pgsz. */
    bool ddw;
    uint64_t pgsz;
    uint64_t nphbs;
    uint64_t ram;
    VioSpec vio[MAX_VIO];
    unsigned nvio;
    bool machine_line_seen;
    bool started;           /* the machine exists (first event seen) */
    bool fatal;             /* stop replaying */
    SpaprPhb *phb[SPAPR_MAX_PHBS];
    SpaprVioDevice *vdev[MAX_VIO];
    Table tables[MAX_TABLES];
    unsigned ntables;
    /*
     * A remove restored PHB restore_phb's default window: QEMU traces that
     * window's new_table, then ddw_reset, right after the remove line.
     */
    enum { RESTORE_NONE, RESTORE_NEW_TABLE, RESTORE_RESET } restore;
    unsigned restore_phb;

    RangeSet unknown;
    /* Entries the replayed calls may still write (TCE_TRACE_MAX_PAGE_WRITES). */
    uint64_t write_budget;
} Ctx;

static void problem(Ctx *c, bool mismatch, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(Ctx *c, bool mismatch, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (mismatch) {
        c->out->mismatches++;
    } else {
        c->out->errors++;
    }
    if (!c->out->first_problem[0]) {
        c->out->first_bad_line = c->line;
        snprintf(c->out->first_problem, sizeof(c->out->first_problem), "%s",
                 msg);
    }
    if (c->report) {
        c->report(c->opaque, c->line, msg);
    }
}

#define MISMATCH(c, ...) problem((c), true, __VA_ARGS__)
#define ERROR(c, ...) problem((c), false, __VA_ARGS__)

#define EVENT_PREFIX "spapr_iommu_"
/* Fields of the events read in more than one place. */
#define NEW_TABLE_FIELDS "liobn=%x table=%p fd=%d"
#define DDW_RESET_FIELDS "buid=%x addr=%x"

/* The tables a hypercall's event is named for. */
typedef enum EventTables {
    ANY_TABLE,      /* not a hypercall's event */
    PCI_TABLE,      /* spapr_iommu_pci_*: SPAPR_IS_PCI_LIOBN */
    VIO_TABLE,      /* spapr_iommu_*: any other LIOBN */
} EventTables;

typedef struct Event {
    const char *name;
    void (*fn)(Ctx *c, const struct Event *ev, const char *args);
    EventTables tables;
} Event;

/* ---- Field matching -------------------------------------------------- */

/* Reads 1-16 hex digits at *s and moves *s past them. */
static bool scan_hex(const char **s, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;

    for (;; (*s)++, digits++) {
        char ch = **s;
        int d;
        if (ch >= '0' && ch <= '9') {
            d = ch - '0';
        } else if (ch >= 'a' && ch <= 'f') {
            d = ch - 'a' + 10;
        } else if (ch >= 'A' && ch <= 'F') {
            d = ch - 'A' + 10;
        } else {
            break;
        }
        if (v >> 60) {
            return false;
        }
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return digits > 0;
}

/*
 * Matches a whole line against a pattern: literal text must be equal, and
 *   %x  0x followed by 1-16 hex digits      -> uint64_t
 *   %h  1-16 hex digits, no 0x              -> uint64_t
 *   %u  1-20 decimal digits                 -> uint64_t
 *   %d  optional '-' then decimal digits    -> int64_t
 *   %p  0x<1-16 hex digits> or (nil)        -> (ignored)
 * Trailing blanks are allowed. Returns false on any difference.
 */
static bool vmatch_line(const char *s, const char *pat, va_list ap)
{
    bool ok = true;

    while (*pat && ok) {
        if (*pat != '%') {
            ok = *s == *pat;
            s++;
            pat++;
            continue;
        }
        pat++;
        switch (*pat++) {
        case 'x':
            ok = s[0] == '0' && s[1] == 'x';
            if (ok) {
                s += 2;
                ok = scan_hex(&s, va_arg(ap, uint64_t *));
            }
            break;
        case 'h':
            ok = scan_hex(&s, va_arg(ap, uint64_t *));
            break;
        case 'u':
        case 'd': {
            bool neg = false;
            uint64_t v = 0;
            int digits = 0;
            if (pat[-1] == 'd' && *s == '-') {
                neg = true;
                s++;
            }
            for (; *s >= '0' && *s <= '9'; s++, digits++) {
                uint64_t d = (uint64_t)(*s - '0');
                if (v > (UINT64_MAX - d) / 10) {
                    ok = false;
                    break;
                }
                v = v * 10 + d;
            }
            ok = ok && digits > 0;
            if (pat[-1] == 'd') {
                if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0)) {
                    ok = false;
                }
                *va_arg(ap, int64_t *) = neg ? (int64_t)(0 - v) : (int64_t)v;
            } else {
                *va_arg(ap, uint64_t *) = v;
            }
            break;
        }
        case 'p': {
            uint64_t ignored;
            if (strncmp(s, "(nil)", 5) == 0) {
                s += 5;
            } else if (s[0] == '0' && s[1] == 'x') {
                s += 2;
                ok = scan_hex(&s, &ignored);
            } else {
                ok = false;
            }
            break;
        }
        default:
            ok = false;
            break;
        }
    }
    while (ok && (*s == ' ' || *s == '\t')) {
        s++;
    }
    return ok && *pat == '\0' && *s == '\0';
}

static bool match_line(const char *s, const char *pat, ...)
{
    va_list ap;
    bool ok;

    va_start(ap, pat);
    ok = vmatch_line(s, pat, ap);
    va_end(ap);
    return ok;
}

/* ---- Machine set-up -------------------------------------------------- */

static bool parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0, mult = 1;
    int digits = 0;

    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    switch (*s) {
    case '\0':
        break;
    case 'K': case 'k':
        mult = 1ULL << 10;
        s++;
        break;
    case 'M': case 'm':
        mult = 1ULL << 20;
        s++;
        break;
    case 'G': case 'g':
        mult = 1ULL << 30;
        s++;
        break;
    case 'T': case 't':
        mult = 1ULL << 40;
        s++;
        break;
    default:
        return false;
    }
    if (*s || !digits || v > UINT64_MAX / mult) {
        return false;
    }
    *out = v * mult;
    return true;
}

/* vio=LIOBN:SIZE,...: one VIO device with a TCE table per entry. */
static void machine_vio(Ctx *c, char *list)
{
    char *save = NULL;
    char *entry;

    c->nvio = 0;
    for (entry = strtok_r(list, ",", &save); entry;
         entry = strtok_r(NULL, ",", &save)) {
        VioSpec v;
        if (!(match_line(entry, "%x:%x", &v.liobn, &v.window_size) ||
              match_line(entry, "%x:%u", &v.liobn, &v.window_size)) ||
            v.liobn > UINT32_MAX || v.window_size == 0) {
            ERROR(c, "machine: vio entry '%.64s' is not LIOBN:SIZE (a 32-bit "
                  "hex LIOBN, a window of bytes)", entry);
        } else if (c->nvio == MAX_VIO) {
            ERROR(c, "machine: more than %d VIO devices", MAX_VIO);
            return;
        } else {
            c->vio[c->nvio++] = v;
        }
    }
    if (!c->nvio) {
        ERROR(c, "machine: vio= lists no device");
    }
}

static void machine_line(Ctx *c, char *keys)
{
    char *save = NULL;
    char *tok;

    if (c->machine_line_seen) {
        ERROR(c, "a second '# machine:' line");
        return;
    }
    if (c->started) {
        ERROR(c, "'# machine:' after the first event: the machine is set up");
        return;
    }
    c->machine_line_seen = true;
    for (tok = strtok_r(keys, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        char *val;
        if (!eq || eq == tok) {
            ERROR(c, "machine: '%.64s' is not key=value", tok);
            continue;
        }
        *eq = '\0';
        val = eq + 1;
        if (strcmp(tok, "ram") == 0) {
            if (!parse_size(val, &c->ram) || c->ram == 0) {
                ERROR(c, "machine: ram=%.64s is not a size", val);
            }
        } else if (strcmp(tok, "ddw") == 0) {
            if (strcmp(val, "on") == 0) {
                c->ddw = true;
            } else if (strcmp(val, "off") == 0) {
                c->ddw = false;
            } else {
                ERROR(c, "machine: ddw=%.64s is neither on nor off", val);
            }
        } else if (strcmp(tok, "pgsz") == 0) {
            if (!match_line(val, "%x", &c->pgsz) &&
                !match_line(val, "%u", &c->pgsz)) {
                ERROR(c, "machine: pgsz=%.64s is not a number", val);
            }
        } else if (strcmp(tok, "phbs") == 0) {
            if (!match_line(val, "%u", &c->nphbs) || c->nphbs == 0 ||
                c->nphbs > SPAPR_MAX_PHBS) {
                ERROR(c, "machine: phbs=%.64s is not 1 to %d", val,
                      SPAPR_MAX_PHBS);
                c->nphbs = 1;
            }
        } else if (strcmp(tok, "vio") == 0) {
            machine_vio(c, val);
        } else {
            ERROR(c, "machine: unknown key '%.64s'", tok);
        }
    }
}

static Table *table_of(Ctx *c, uint64_t liobn)
{
    for (unsigned i = 0; i < c->ntables; i++) {
        if (c->tables[i].liobn == liobn) {
            return &c->tables[i];
        }
    }
    return NULL;
}

/*
 * The library's own trace events: its new_table lines say which tables the
 * set-up or the call being replayed enabled.
 */
static void library_event(void *opaque, const char *line)
{
    Ctx *c = opaque;
    uint64_t liobn;
    int64_t fd;
    Table *t;

    if (match_line(line, EVENT_PREFIX "new_table " NEW_TABLE_FIELDS,
                   &liobn, &fd) && (t = table_of(c, liobn))) {
        t->enabled = true;
    }
}

static void add_table(Ctx *c, uint32_t liobn, int phb)
{
    c->tables[c->ntables++] = (Table){ .liobn = liobn, .phb = phb };
}

/* Creates the machine on the first event. */
static bool start_machine(Ctx *c)
{
    Error *err = NULL;
    bool ok = true;

    if (c->started) {
        return !c->fatal;
    }
    c->started = true;
    /* The tables are listed first so that their enables are recognised. */
    for (unsigned i = 0; i < c->nphbs; i++) {
        for (unsigned n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
            add_table(c, SPAPR_PCI_LIOBN(i, n), (int)i);
        }
    }
    for (unsigned i = 0; i < c->nvio; i++) {
        add_table(c, SPAPR_VIO_LIOBN(c->vio[i].liobn), -1);
    }
    spapr_tce_set_trace_hook(library_event, c);
    for (unsigned i = 0; i < c->nphbs && ok; i++) {
        SpaprPhbConfig cfg;
        spapr_phb_config_default(&cfg, i);
        cfg.ddw = c->ddw;
        cfg.pgsz = c->pgsz;
        c->phb[i] = spapr_phb_new(&cfg, &err);
        ok = c->phb[i] != NULL;
    }
    for (unsigned i = 0; i < c->nvio && ok; i++) {
        SpaprVioConfig cfg = {
            .reg = (uint32_t)c->vio[i].liobn,
            .rtce_window_size = c->vio[i].window_size,
            .ram_size = c->ram,
        };
        c->vdev[i] = spapr_vio_device_new(NULL, &cfg, &err);
        ok = c->vdev[i] != NULL;
    }
    if (!ok) {
        ERROR(c, "cannot set up the machine: %s",
              err ? error_get_pretty(err) : "unknown error");
        error_free(err);
        c->fatal = true;
        return false;
    }
    for (unsigned i = 0; i < c->ntables; i++) {
        c->tables[i].needs_announce = c->tables[i].enabled;
        c->tables[i].enabled = false;
    }
    return true;
}

static void stop_machine(Ctx *c)
{
    for (unsigned i = 0; i < c->nvio; i++) {
        spapr_vio_device_free(c->vdev[i]);
    }
    for (unsigned i = 0; i < c->nphbs; i++) {
        if (c->phb[i]) {
            spapr_phb_free(c->phb[i]);
        }
    }
    spapr_tce_set_trace_hook(NULL, NULL);
}

/* ---- Table geometry -------------------------------------------------- */

typedef struct Geometry {
    SpaprTceTable *t;
    uint32_t shift;
    uint64_t bus;
    uint64_t nb;
} Geometry;

static bool geometry(uint64_t liobn, Geometry *g)
{
    if (liobn >> 32) {
        return false;
    }
    g->t = spapr_tce_find_by_liobn((uint32_t)liobn);
    if (!g->t || !spapr_tce_get_nb_table(g->t)) {
        return false;
    }
    g->shift = spapr_tce_get_page_shift(g->t);
    g->bus = spapr_tce_get_bus_offset(g->t);
    g->nb = spapr_tce_get_nb_table(g->t);
    return true;
}

/* The index an ioba lands on, as QEMU computes it (may be out of range). */
static uint64_t index_of(const Geometry *g, uint64_t ioba)
{
    uint64_t mask = ~((1ULL << g->shift) - 1);
    return ((ioba & mask) - g->bus) >> g->shift;
}

/* Marks [first, first + count) unknown or known, clipped to the window. */
static void mark(Ctx *c, const Geometry *g, uint64_t first, uint64_t count,
                 bool unknown)
{
    uint64_t end;

    if (first >= g->nb) {
        return;
    }
    end = count > g->nb - first ? g->nb : first + count;
    if (unknown) {
        range_add(&c->unknown, (uint32_t)spapr_tce_get_liobn(g->t), first, end);
    } else {
        range_remove(&c->unknown, (uint32_t)spapr_tce_get_liobn(g->t), first,
                     end);
    }
}

/* ---- Calls and the table bookkeeping around them --------------------- */

/* The default window a remove restored, whose new_table comes after it. */
static bool restoring(const Ctx *c, const Table *t)
{
    return c->restore == RESTORE_NEW_TABLE &&
           t->liobn == SPAPR_PCI_LIOBN(c->restore_phb, 0);
}

/* The machine's own tables are announced before the first call. */
static void check_announced(Ctx *c, Table *t)
{
    if (t->needs_announce) {
        MISMATCH(c, "table 0x%x was enabled at machine set-up but no "
                 "spapr_iommu_new_table announced it", t->liobn);
        t->needs_announce = false;
    }
}

/* After each call: every enable announced, every announcement used. */
static void after_call(Ctx *c)
{
    for (unsigned i = 0; i < c->ntables; i++) {
        Table *t = &c->tables[i];

        check_announced(c, t);
        if (t->enabled) {
            /* A fresh table: every entry is zero, hence known. */
            range_clear_liobn(&c->unknown, t->liobn);
            if (t->pending) {
                c->out->tables++;
            } else if (!restoring(c, t)) {
                MISMATCH(c, "the model enabled table 0x%x without a "
                         "spapr_iommu_new_table line", t->liobn);
            }
        } else if (t->pending) {
            MISMATCH(c, "spapr_iommu_new_table liobn=0x%x, but the next call "
                     "did not enable it", t->liobn);
        }
        t->pending = false;
        t->enabled = false;
    }
}

/* Takes pages from the write budget; false (and replay stops) when out. */
static bool spend(Ctx *c, uint64_t pages)
{
    if (pages > c->write_budget) {
        ERROR(c, "the trace writes more than %lu table entries: replay "
              "stopped", (unsigned long)TCE_TRACE_MAX_PAGE_WRITES);
        c->fatal = true;
        return false;
    }
    c->write_budget -= pages;
    return true;
}

static bool check_ret(Ctx *c, const char *what, int64_t got, int64_t want)
{
    if (got != want) {
        MISMATCH(c, "%s returned %" PRId64 ", the trace says %" PRId64, what,
                 got, want);
        return false;
    }
    c->out->calls++;
    return true;
}

/*
 * Parses a hypercall event's fields (pat starts with liobn=%x) and checks
 * its name: QEMU traces a call on a PCI window's LIOBN as spapr_iommu_pci_*,
 * on any other as spapr_iommu_*.
 */
static bool hcall_fields(Ctx *c, const Event *ev, const char *args,
                         const char *pat, ...)
{
    va_list ap, fields;
    bool ok;

    va_start(ap, pat);
    va_copy(fields, ap);
    ok = vmatch_line(args, pat, fields);
    va_end(fields);
    if (!ok) {
        ERROR(c, "malformed %s", ev->name);
    } else {
        uint64_t liobn = *va_arg(ap, uint64_t *);
        bool pci = SPAPR_IS_PCI_LIOBN(liobn);
        const char *call = ev->name + strlen(EVENT_PREFIX) +
                           (ev->tables == PCI_TABLE ? strlen("pci_") : 0);
        if (pci != (ev->tables == PCI_TABLE)) {
            MISMATCH(c, "%s on LIOBN 0x%" PRIx64 ", %s PCI window's: QEMU "
                     "traces that call as " EVENT_PREFIX "%s%s", ev->name,
                     liobn, pci ? "a" : "not a", pci ? "pci_" : "", call);
        }
    }
    va_end(ap);
    return ok;
}

static void ev_put(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn, ioba, tce;
    int64_t ret;
    Geometry g;

    if (!hcall_fields(c, ev, args, "liobn=%x ioba=%x tce=%x ret=%d", &liobn,
                      &ioba, &tce, &ret)) {
        return;
    }
    check_ret(c, "H_PUT_TCE", spapr_h_put_tce(liobn, ioba, tce), ret);
    if (ret == H_SUCCESS && geometry(liobn, &g)) {
        mark(c, &g, index_of(&g, ioba), 1, false);
    }
    after_call(c);
}

static void ev_get(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn, ioba, tce, got = 0;
    int64_t ret;
    Geometry g;

    if (!hcall_fields(c, ev, args, "liobn=%x ioba=%x ret=%d tce=%x", &liobn,
                      &ioba, &ret, &tce)) {
        return;
    }
    if (check_ret(c, "H_GET_TCE", spapr_h_get_tce(liobn, ioba, &got), ret) &&
        ret == H_SUCCESS) {
        if (geometry(liobn, &g) &&
            range_contains(&c->unknown, (uint32_t)liobn, index_of(&g, ioba))) {
            /* An entry the log did not show: the guest just read it. */
            spapr_h_put_tce(liobn, ioba, tce);
            mark(c, &g, index_of(&g, ioba), 1, false);
            c->out->learned++;
        } else if (got != tce) {
            MISMATCH(c, "H_GET_TCE read 0x%" PRIx64 ", the trace says 0x%"
                     PRIx64, got, tce);
        }
    }
    after_call(c);
}

static void ev_stuff(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn, ioba, value, npages;
    int64_t ret;
    uint64_t start = 0;
    bool have_geometry;
    Geometry g;

    if (!hcall_fields(c, ev, args,
                      "liobn=%x ioba=%x tcevalue=%x npages=%u ret=%d", &liobn,
                      &ioba, &value, &npages, &ret)) {
        return;
    }
    have_geometry = geometry(liobn, &g);
    /* Only a call the model would not refuse at once costs writes. */
    if (have_geometry && npages <= g.nb && !spend(c, npages)) {
        return;
    }
    /*
     * QEMU traces the ioba its loop stopped at: after npages pages on
     * success, at the failing page otherwise (how many pages were written
     * before it is not in the log).
     */
    if (ret == H_SUCCESS && have_geometry) {
        start = ioba - (npages << g.shift);
    } else {
        start = ioba;
    }
    check_ret(c, "H_STUFF_TCE", spapr_h_stuff_tce(liobn, start, value, npages),
              ret);
    if (have_geometry) {
        uint64_t first = index_of(&g, start);
        if (ret == H_SUCCESS) {
            mark(c, &g, first, npages, false);
        } else if (npages > 1) {
            /* Up to npages - 1 pages below the failing one may be written. */
            uint64_t back = npages - 1;
            uint64_t lo = first >= g.nb ? g.nb : first;
            mark(c, &g, lo > back ? lo - back : 0, lo > back ? back : lo, true);
        }
    }
    after_call(c);
}

/*
 * The guest memory behind H_PUT_TCE_INDIRECT: the traced TCE at its index,
 * zero everywhere else. The checker marks those other entries unknown.
 */
typedef struct ListStub {
    uint64_t base;
    uint64_t known_index;
    uint64_t known_tce;
} ListStub;

static bool list_stub_read(void *opaque, hwaddr addr, void *buf, size_t len)
{
    const ListStub *l = opaque;
    uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        uint64_t off = addr + i - l->base;
        uint64_t value = off / 8 == l->known_index ? l->known_tce : 0;
        p[i] = (uint8_t)(value >> (8 * (7 - off % 8)));
    }
    return true;
}

static void ev_indirect(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn, ioba, list, last, tce, npages;
    int64_t ret;
    uint64_t unknown_count;
    ListStub stub;
    SpaprGuestMemory mem = { &stub, list_stub_read };
    Geometry g;
    bool have_geometry;

    if (!hcall_fields(c, ev, args, "liobn=%x ioba=%x tcelist=%x iobaN=%x "
                      "tceN=%x ret=%d", &liobn, &ioba, &list, &last, &tce,
                      &ret)) {
        return;
    }
    if (last >= 512) {
        ERROR(c, "iobaN=0x%" PRIx64 " is past H_PUT_TCE_INDIRECT's 512 "
              "entries", last);
        return;
    }
    have_geometry = geometry(liobn, &g);
    /*
     * QEMU traces entry i - 1 after a loop that ran i entries: the last one
     * on success, or, with the TCE that failed, the one before the failing
     * entry i (i = 0 is traced as 0 too).
     */
    if (ret == H_SUCCESS) {
        npages = last + 1;
        stub.known_index = last;
        unknown_count = last;
    } else if (last == 0 &&
               (!have_geometry || index_of(&g, ioba) >= g.nb)) {
        npages = 1;         /* the very first entry failed */
        stub.known_index = 0;
        unknown_count = 0;
    } else {
        npages = last + 2;
        stub.known_index = last + 1;
        unknown_count = last + 1;
    }
    if (!spend(c, npages)) {
        return;
    }
    stub.base = list;
    stub.known_tce = tce;
    check_ret(c, "H_PUT_TCE_INDIRECT",
              spapr_h_put_tce_indirect(liobn, ioba, list, npages, &mem), ret);
    if (have_geometry) {
        uint64_t first = index_of(&g, ioba);
        mark(c, &g, first, unknown_count, true);
        if (ret == H_SUCCESS && first < g.nb && last < g.nb - first) {
            mark(c, &g, first + last, 1, false);
        }
    }
    after_call(c);
}

/* QEMU's cells for a PE: its config address, then its PHB's BUID. */
static void pe_cells(uint32_t *a, uint64_t addr, uint64_t buid)
{
    a[0] = (uint32_t)addr;
    a[1] = (uint32_t)(buid >> 32);
    a[2] = (uint32_t)buid;
}

/* QEMU traces the DDW calls only when they succeed. */
static bool rtas_ok(Ctx *c, const char *call, uint32_t status)
{
    if ((int32_t)status != RTAS_OUT_SUCCESS) {
        MISMATCH(c, "%s failed with %d", call, (int32_t)status);
        return false;
    }
    return true;
}

static void ev_query(Ctx *c, const Event *ev, const char *args)
{
    uint64_t buid, addr, avail, size, mask;
    uint32_t a[3], r[5] = { 0 };

    if (!match_line(args, "buid=%x addr=%x, %u windows available, max window "
                    "size=%x, mask=%x", &buid, &addr, &avail, &size, &mask) ||
        addr > UINT32_MAX) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    pe_cells(a, addr, buid);
    rtas_ibm_query_pe_dma_window(3, a, 5, r);
    if (rtas_ok(c, "ibm,query-pe-dma-window", r[0])) {
        if (r[1] != avail || r[2] != size || r[3] != mask) {
            MISMATCH(c, "ibm,query-pe-dma-window answered %u windows, size "
                     "0x%x, mask 0x%x; the trace says %" PRIu64 ", 0x%" PRIx64
                     ", 0x%" PRIx64, r[1], r[2], r[3], avail, size, mask);
        } else {
            c->out->ddw++;
        }
    }
    after_call(c);
}

static int log2_exact(uint64_t v)
{
    if (v == 0 || (v & (v - 1))) {
        return -1;
    }
    return __builtin_ctzll(v);
}

static void ev_create(Ctx *c, const Event *ev, const char *args)
{
    uint64_t buid, addr, psize, wsize, start, liobn;
    uint32_t a[5], r[4] = { 0 };
    int pshift, wshift;

    if (!match_line(args, "buid=%x addr=%x, page size=%x, requested=%x, start "
                    "addr=%x, liobn=%x", &buid, &addr, &psize, &wsize, &start,
                    &liobn) || addr > UINT32_MAX) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    pshift = log2_exact(psize);
    wshift = log2_exact(wsize);
    if (pshift < 0 || wshift < 0) {
        ERROR(c, "page size and requested size must be powers of 2");
        return;
    }
    pe_cells(a, addr, buid);
    a[3] = (uint32_t)pshift;
    a[4] = (uint32_t)wshift;
    rtas_ibm_create_pe_dma_window(5, a, 4, r);
    if (rtas_ok(c, "ibm,create-pe-dma-window", r[0])) {
        uint64_t made = (uint64_t)r[2] << 32 | r[3];
        if (r[1] != liobn || made != start) {
            MISMATCH(c, "ibm,create-pe-dma-window made LIOBN 0x%x at 0x%"
                     PRIx64 "; the trace says 0x%" PRIx64 " at 0x%" PRIx64,
                     r[1], made, liobn, start);
        } else {
            c->out->ddw++;
        }
    }
    after_call(c);
}

static void ev_remove(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn;
    uint32_t a[1], r[1] = { 0 };
    const Table *t;

    if (!match_line(args, "liobn=%x", &liobn) || liobn > UINT32_MAX) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    a[0] = (uint32_t)liobn;
    rtas_ibm_remove_pe_dma_window(1, a, 1, r);
    if (rtas_ok(c, "ibm,remove-pe-dma-window", r[0])) {
        c->out->ddw++;
    }
    /*
     * Removing a PHB's last window, when it is not the default one, brings
     * the default window back (LoPAPR): its enable is traced after this line.
     */
    t = table_of(c, liobn);
    if (t && t->phb >= 0 &&
        table_of(c, SPAPR_PCI_LIOBN(t->phb, 0))->enabled) {
        c->restore = RESTORE_NEW_TABLE;
        c->restore_phb = (unsigned)t->phb;
    }
    after_call(c);
}

/* The guest's ibm,reset-pe-dma-window (a remove's own is restore_line's). */
static void ev_reset(Ctx *c, const Event *ev, const char *args)
{
    uint64_t buid, addr;
    uint32_t a[3], r[1] = { 0 };

    if (!match_line(args, DDW_RESET_FIELDS, &buid, &addr) ||
        addr > UINT32_MAX) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    pe_cells(a, addr, buid);
    rtas_ibm_reset_pe_dma_window(3, a, 1, r);
    if (rtas_ok(c, "ibm,reset-pe-dma-window", r[0])) {
        c->out->ddw++;
    }
    after_call(c);
}

static void ev_new_table(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn;
    int64_t fd;
    Table *t;

    if (!match_line(args, NEW_TABLE_FIELDS, &liobn, &fd)) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    t = table_of(c, liobn);
    /*
     * An enabled table may be announced: a reset disables the default
     * window and enables it again.
     */
    if (!t) {
        MISMATCH(c, "spapr_iommu_new_table liobn=0x%" PRIx64 ": the machine "
                 "has no such table", liobn);
    } else if (t->needs_announce) {
        t->needs_announce = false;
        c->out->tables++;
    } else if (t->pending) {
        MISMATCH(c, "spapr_iommu_new_table liobn=0x%" PRIx64 ": the table "
                 "is announced already", liobn);
    } else {
        t->pending = true;
    }
}

static void ev_pre_save(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn, nb, bus, shift;
    SpaprTceTable *t;

    if (!match_line(args, "liobn=%h %h bus_offset=%x ps=%u", &liobn, &nb, &bus,
                    &shift)) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    t = liobn >> 32 ? NULL : spapr_tce_find_by_liobn((uint32_t)liobn);
    if (!t) {
        MISMATCH(c, "QEMU saved table 0x%" PRIx64 ", which the model does not "
                 "have", liobn);
    } else if (spapr_tce_get_nb_table(t) != nb ||
               spapr_tce_get_bus_offset(t) != bus ||
               spapr_tce_get_page_shift(t) != shift) {
        MISMATCH(c, "table 0x%" PRIx64 " has 0x%x entries at 0x%" PRIx64
                 ", ps=%u; QEMU saved 0x%" PRIx64 " at 0x%" PRIx64 ", ps=%"
                 PRIu64, liobn, spapr_tce_get_nb_table(t),
                 spapr_tce_get_bus_offset(t), spapr_tce_get_page_shift(t), nb,
                 bus, shift);
    } else {
        c->out->saves++;
    }
}

static void ev_xlate(Ctx *c, const Event *ev, const char *args)
{
    uint64_t liobn, addr, xlated, perm, mask;
    IOMMUMemoryRegion *mr;
    IOMMUTLBEntry e;
    Geometry g;

    if (!match_line(args, "liobn=%x %x -> %x perm=%u mask=%x", &liobn, &addr,
                    &xlated, &perm, &mask)) {
        ERROR(c, "malformed %s", ev->name);
        return;
    }
    if (liobn >> 32 || !spapr_tce_find_by_liobn((uint32_t)liobn)) {
        MISMATCH(c, "xlate on LIOBN 0x%" PRIx64 ", which the model does not "
                 "have", liobn);
        return;
    }
    mr = spapr_tce_get_iommu_mr(spapr_tce_find_by_liobn((uint32_t)liobn));
    e = mr->ops->translate(mr, addr, IOMMU_NONE, 0);
    if (geometry(liobn, &g) && (addr >> g.shift) < g.nb &&
        range_contains(&c->unknown, (uint32_t)liobn, addr >> g.shift)) {
        uint64_t page_mask = ~((1ULL << g.shift) - 1);
        /* An entry the log did not show: this xlate tells what it holds. */
        if (mask != e.addr_mask || (xlated & ~page_mask) || perm > IOMMU_RW) {
            MISMATCH(c, "xlate of an unknown entry: mask 0x%" PRIx64 " (model "
                     "0x%" PRIx64 "), translated 0x%" PRIx64 ", perm %" PRIu64,
                     mask, (uint64_t)e.addr_mask, xlated, perm);
            return;
        }
        spapr_h_put_tce(liobn, g.bus + (addr & page_mask), xlated | perm);
        mark(c, &g, addr >> g.shift, 1, false);
        c->out->learned++;
        return;
    }
    if (e.translated_addr != xlated || (uint64_t)e.perm != perm ||
        e.addr_mask != mask) {
        MISMATCH(c, "xlate 0x%" PRIx64 " -> 0x%" PRIx64 " perm=%u mask=0x%"
                 PRIx64 "; the trace says -> 0x%" PRIx64 " perm=%" PRIu64
                 " mask=0x%" PRIx64, addr, (uint64_t)e.translated_addr,
                 (unsigned)e.perm, (uint64_t)e.addr_mask, xlated, perm, mask);
    } else {
        c->out->xlates++;
    }
}

/* ---- Lines ----------------------------------------------------------- */

static const Event events[] = {
    { EVENT_PREFIX "pci_put", ev_put, PCI_TABLE },
    { EVENT_PREFIX "pci_get", ev_get, PCI_TABLE },
    { EVENT_PREFIX "pci_stuff", ev_stuff, PCI_TABLE },
    { EVENT_PREFIX "pci_indirect", ev_indirect, PCI_TABLE },
    { EVENT_PREFIX "put", ev_put, VIO_TABLE },
    { EVENT_PREFIX "get", ev_get, VIO_TABLE },
    { EVENT_PREFIX "stuff", ev_stuff, VIO_TABLE },
    { EVENT_PREFIX "indirect", ev_indirect, VIO_TABLE },
    { EVENT_PREFIX "ddw_query", ev_query, ANY_TABLE },
    { EVENT_PREFIX "ddw_create", ev_create, ANY_TABLE },
    { EVENT_PREFIX "ddw_remove", ev_remove, ANY_TABLE },
    { EVENT_PREFIX "ddw_reset", ev_reset, ANY_TABLE },
    { EVENT_PREFIX "new_table", ev_new_table, ANY_TABLE },
    { EVENT_PREFIX "pre_save", ev_pre_save, ANY_TABLE },
    { EVENT_PREFIX "xlate", ev_xlate, ANY_TABLE },
};

/*
 * After a remove that restored PHB restore_phb's default window, QEMU's
 * next two lines are that window's new_table and ddw_reset with the PHB's
 * BUID and config address 0; they replay nothing. Returns true for the
 * line owed; any other line is a mismatch, ends the wait and is replayed.
 */
static bool restore_line(Ctx *c, const Event *ev, const char *args)
{
    uint32_t liobn = SPAPR_PCI_LIOBN(c->restore_phb, 0);
    uint64_t buid = spapr_phb_get_buid(c->phb[c->restore_phb]);
    uint64_t a, b;
    int64_t fd;

    if (c->restore == RESTORE_NEW_TABLE) {
        if (strcmp(ev->name, EVENT_PREFIX "new_table") == 0 &&
            match_line(args, NEW_TABLE_FIELDS, &a, &fd) &&
            a == liobn) {
            c->out->tables++;
            c->restore = RESTORE_RESET;
            return true;
        }
        MISMATCH(c, "ibm,remove-pe-dma-window restored the default window, "
                 "so QEMU traces spapr_iommu_new_table liobn=0x%x next",
                 liobn);
    } else {
        if (strcmp(ev->name, EVENT_PREFIX "ddw_reset") == 0 &&
            match_line(args, DDW_RESET_FIELDS, &a, &b) && a == buid &&
            b == 0) {
            c->out->ddw++;
            c->restore = RESTORE_NONE;
            return true;
        }
        MISMATCH(c, "ibm,remove-pe-dma-window restored the default window, "
                 "so QEMU traces spapr_iommu_ddw_reset buid=0x%" PRIx64
                 " addr=0x0 next", buid);
    }
    c->restore = RESTORE_NONE;
    return false;
}

static void one_line(Ctx *c, char *s)
{
    static const char machine[] = "# machine:";
    size_t n;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (*s == '\0') {
        return;
    }
    if (*s == '#') {
        if (strncmp(s, machine, sizeof(machine) - 1) == 0) {
            machine_line(c, s + sizeof(machine) - 1);
        }
        return;
    }
    n = strcspn(s, " \t");
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        if (strlen(events[i].name) == n && strncmp(s, events[i].name, n) == 0) {
            c->out->events++;
            if (!start_machine(c)) {
                return;
            }
            s += n;
            if (*s) {
                s++;    /* one separator; the pattern sees the rest */
            }
            if (c->restore != RESTORE_NONE && restore_line(c, &events[i], s)) {
                return;
            }
            events[i].fn(c, &events[i], s);
            return;
        }
    }
    ERROR(c, "unknown event '%.*s'", (int)(n > 64 ? 64 : n), s);
}

int tce_trace_check_text_report(const char *text, size_t len,
                                TceTraceReportFn report, void *opaque,
                                TceTraceResult *out)
{
    Ctx c;
    SpaprPhbConfig defaults;
    char buf[TCE_TRACE_MAX_LINE + 1];
    size_t pos = 0;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.report = report;
    c.opaque = opaque;
    c.write_budget = TCE_TRACE_MAX_PAGE_WRITES;
    spapr_phb_config_default(&defaults, 0);
    c.ddw = defaults.ddw;
    c.pgsz = defaults.pgsz;
    c.nphbs = 1;
    c.ram = 2ULL << 30;
    if (!text && len) {
        ERROR(&c, "no text");
        return 1;
    }

    while (pos < len && !c.fatal && !c.unknown.oom) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;

        c.line++;
        out->lines++;
        if (n && text[pos + n - 1] == '\r') {
            n--;
        }
        if (n > TCE_TRACE_MAX_LINE) {
            ERROR(&c, "line longer than %d bytes", TCE_TRACE_MAX_LINE);
        } else if (memchr(text + pos, '\0', n)) {
            ERROR(&c, "NUL byte in line");
        } else {
            memcpy(buf, text + pos, n);
            buf[n] = '\0';
            one_line(&c, buf);
        }
        pos = nl ? end + 1 : len;
    }
    c.line = 0;
    if (c.unknown.oom) {
        ERROR(&c, "out of memory");
    }
    if (!c.started && !c.fatal) {
        /* No events: the set-up alone must still be valid. */
        start_machine(&c);
    }
    if (c.restore != RESTORE_NONE) {
        MISMATCH(&c, "the trace ends before QEMU's lines for the default "
                 "window 0x%x that ibm,remove-pe-dma-window restored",
                 SPAPR_PCI_LIOBN(c.restore_phb, 0));
    }
    for (unsigned i = 0; i < c.ntables; i++) {
        Table *t = &c.tables[i];
        if (t->pending) {
            MISMATCH(&c, "spapr_iommu_new_table liobn=0x%x at the end of "
                     "the trace: no call enabled it", t->liobn);
        }
        if (out->events) {
            check_announced(&c, t);
        }
    }
    if (c.started) {
        stop_machine(&c);
    }
    free(c.unknown.r);
    return out->mismatches || out->errors ? 1 : 0;
}

int tce_trace_check_text(const char *text, size_t len, TceTraceResult *out)
{
    return tce_trace_check_text_report(text, len, NULL, NULL, out);
}
