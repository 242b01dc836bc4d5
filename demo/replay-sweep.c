/*
 * pseries-demo: replay time and table storage against window size.
 */
#include <time.h>

#include <swifttce.h>

#include "draw.h"
#include "flat-iommu.h"
#include "replay-sweep.h"

/* A LIOBN no PHB uses (theirs are 0x800000xx). */
#define SWEEP_LIOBN 0x90000000u
/* A replay is timed over as many runs as fill this, after a warm-up run. */
#define SWEEP_MIN_NS 2e6
/*
 * The flat table is measured up to 2^24 pages (a 128 MiB array) while its
 * last replay took under 0.1 s, so that none takes much more than 0.2 s;
 * beyond, it would take seconds and GiBs.
 */
#define FLAT_MAX_MEASURED_SHIFT 24
#define FLAT_MEASURE_NS         100e6

typedef struct SweepNotifier {
    IOMMUNotifier n;            /* first: the notifier is the counter */
    unsigned seen;
} SweepNotifier;

static void sweep_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (void)e;
    ((SweepNotifier *)n)->seen++;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One replay of mr to sn; false unless it delivered the SWEEP_MAPPED. */
static bool replay_once(const char *what, IOMMUMemoryRegion *mr,
                        SweepNotifier *sn, GError **errp)
{
    sn->seen = 0;
    memory_region_iommu_replay(mr, &sn->n);
    if (sn->seen != SWEEP_MAPPED) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s replayed %u of its %u TCEs", what, sn->seen,
                    SWEEP_MAPPED);
        return false;
    }
    return true;
}

/* The mean time of one replay of mr to a MAP notifier. */
static bool time_replay(const char *what, IOMMUMemoryRegion *mr, double *ns,
                        GError **errp)
{
    SweepNotifier sn;
    double t0, t;
    unsigned runs = 0;

    iommu_notifier_init(&sn.n, sweep_notify, IOMMU_NOTIFIER_MAP, 0,
                        memory_region_size(mr) - 1, 0);
    /* A warm-up first: the first walk of a new array faults its pages in. */
    if (!replay_once(what, mr, &sn, errp)) {
        return false;
    }
    t0 = now_ns();
    do {
        if (!replay_once(what, mr, &sn, errp)) {
            return false;
        }
        runs++;
        t = now_ns() - t0;
    } while (t < SWEEP_MIN_NS);
    *ns = t / runs;
    return true;
}

/* Mapped page k of SWEEP_MAPPED, spread evenly over the window... */
static uint64_t sweep_index(uint64_t pages, unsigned k)
{
    return k * (pages / SWEEP_MAPPED);
}

/* ...to guest page k + 1, read/write. */
static uint64_t sweep_tce(uint32_t page_shift, unsigned k)
{
    return (uint64_t)(k + 1) << page_shift | TCE_PCI_READ | TCE_PCI_WRITE;
}

static bool sweep_swifttce(SpaprTceTable *tcet, uint32_t page_shift,
                           SweepPoint *p, GError **errp)
{
    Error *err = NULL;
    unsigned k;
    bool ok;

    if (spapr_tce_table_enable(tcet, page_shift, 0, (uint32_t)p->pages,
                               &err) < 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s",
                    error_get_pretty(err));
        error_free(err);
        return false;
    }
    /* The guest's way in: H_PUT_TCE. */
    ok = true;
    for (k = 0; ok && k < SWEEP_MAPPED; k++) {
        uint64_t ioba = sweep_index(p->pages, k) << page_shift;
        int64_t ret = spapr_h_put_tce(SWEEP_LIOBN, ioba,
                                      sweep_tce(page_shift, k));

        if (ret != H_SUCCESS) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "H_PUT_TCE(0x%x, 0x%" G_GINT64_MODIFIER "x): %"
                        G_GINT64_FORMAT, SWEEP_LIOBN, ioba, ret);
            ok = false;
        }
    }
    ok = ok && time_replay("SwiftTCE", spapr_tce_get_iommu_mr(tcet),
                           &p->ours_ns, errp);
    p->ours_bytes = spapr_tce_table_storage_bytes(tcet);
    spapr_tce_table_disable(tcet);
    return ok;
}

static bool sweep_flat(uint32_t page_shift, SweepPoint *p, GError **errp)
{
    FlatIommu f;
    unsigned k;
    bool ok;

    if (!flat_iommu_init(&f, page_shift, p->pages, errp)) {
        return false;
    }
    for (k = 0; k < SWEEP_MAPPED; k++) {
        flat_iommu_put(&f, sweep_index(p->pages, k), sweep_tce(page_shift, k));
    }
    ok = time_replay("the flat table", &f.mr, &p->flat_ns, errp);
    flat_iommu_cleanup(&f);
    return ok;
}

bool replay_sweep_run(ReplaySweep *s, uint32_t page_shift, GError **errp)
{
    double t0 = now_ns();
    const SweepPoint *measured = NULL;     /* the flat table's largest */
    SpaprTceTable *tcet;
    Error *err = NULL;
    uint32_t shift;
    bool ok = true;

    *s = (ReplaySweep) { .page_shift = page_shift };
    tcet = spapr_tce_new_table(NULL, SWEEP_LIOBN, &err);
    if (!tcet) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s",
                    error_get_pretty(err));
        error_free(err);
        return false;
    }
    for (shift = SWEEP_MIN_SHIFT; ok && shift <= SWEEP_MAX_SHIFT; shift++) {
        SweepPoint *p = &s->points[s->npoints++];

        *p = (SweepPoint) {
            .window_shift = shift + page_shift,
            .pages = 1ULL << shift,
            .flat_bytes = flat_iommu_storage_bytes(1ULL << shift),
        };
        ok = sweep_swifttce(tcet, page_shift, p, errp);
        if (ok && shift <= FLAT_MAX_MEASURED_SHIFT &&
            (!measured || measured->flat_ns < FLAT_MEASURE_NS)) {
            ok = sweep_flat(page_shift, p, errp);
            measured = p;
        } else if (ok) {
            /* The generic walk is a translate per page: linear in pages. */
            p->flat_ns = measured->flat_ns * (double)(p->pages /
                                                      measured->pages);
            p->flat_extrapolated = true;
        }
    }
    spapr_tce_table_free(tcet);
    s->seconds = (now_ns() - t0) / 1e9;
    return ok;
}

const SweepPoint *replay_sweep_flat_measured(const ReplaySweep *s)
{
    unsigned i = 0;

    /* The first window is always measured; the extrapolated ones end. */
    while (i + 1 < s->npoints && !s->points[i + 1].flat_extrapolated) {
        i++;
    }
    return &s->points[i];
}

void replay_sweep_report(const ReplaySweep *s, GString *out)
{
    g_autofree char *page = draw_bytes_str(1ULL << s->page_shift);
    const SweepPoint *measured = replay_sweep_flat_measured(s);
    g_autofree char *measured_win =
        draw_bytes_str(1ULL << measured->window_shift);
    unsigned i;

    g_string_append_printf(out, "sweep:     replay of %u mapped TCEs and "
                           "table storage by window size (%s pages):\n",
                           SWEEP_MAPPED, page);
    g_string_append_printf(out, "           %-9s %10s  %-10s %-10s  "
                           "%-22s %s\n", "window", "pages", "SwiftTCE",
                           "storage", "flat table", "storage");
    for (i = 0; i < s->npoints; i++) {
        const SweepPoint *p = &s->points[i];
        g_autofree char *win = draw_bytes_str(1ULL << p->window_shift);
        g_autofree char *ours = draw_ns_str(p->ours_ns);
        g_autofree char *ours_b = draw_bytes_str(p->ours_bytes);
        g_autofree char *flat = draw_ns_str(p->flat_ns);
        g_autofree char *flat_b = draw_bytes_str(p->flat_bytes);
        g_autofree char *flat_col = g_strdup_printf("%s%s", flat,
            p->flat_extrapolated ? " (extrapolated)" : "");

        g_string_append_printf(out, "           %-9s %10" G_GUINT64_FORMAT
                               "  %-10s %-10s  %-22s %s\n", win, p->pages,
                               ours, ours_b, flat_col, flat_b);
    }
    g_string_append_printf(out, "           the flat table measured up to "
                           "2^%u pages (%s), extrapolated beyond (linear in "
                           "pages); the sweep took %.2f s\n",
                           measured->window_shift - s->page_shift,
                           measured_win, s->seconds);
}
