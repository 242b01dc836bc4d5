/*
 * pseries-demo: replay time and table storage against window size, for
 * SwiftTCE and for a flat table (flat-iommu.c), measured at run time.
 * Each window, from 2^8 pages to the largest a DDW holds, has the same
 * few TCEs mapped, spread over it; a notifier is replayed what is mapped.
 * The flat table is measured up to the windows it walks in a fraction of
 * a second; beyond, its replay time is extrapolated (linear in pages).
 */
#ifndef PSERIES_DEMO_REPLAY_SWEEP_H
#define PSERIES_DEMO_REPLAY_SWEEP_H

#include <stdbool.h>

#include <glib.h>

#define SWEEP_MAPPED     256    /* TCEs mapped in every window */
#define SWEEP_MIN_SHIFT  8      /* the smallest window: 2^8 pages */
#define SWEEP_MAX_SHIFT  31     /* the largest: what a DDW holds */
#define SWEEP_MAX_POINTS (SWEEP_MAX_SHIFT - SWEEP_MIN_SHIFT + 1)

typedef struct SweepPoint {
    uint32_t window_shift;      /* the window is 2^window_shift bytes */
    uint64_t pages;
    double ours_ns;             /* one SwiftTCE replay */
    uint64_t ours_bytes;        /* spapr_tce_table_storage_bytes */
    double flat_ns;             /* one flat-table replay... */
    bool flat_extrapolated;     /* ...extrapolated, not measured */
    uint64_t flat_bytes;        /* 8 bytes a page */
} SweepPoint;

typedef struct ReplaySweep {
    uint32_t page_shift;
    unsigned npoints;
    SweepPoint points[SWEEP_MAX_POINTS];
    double seconds;             /* the whole sweep took */
} ReplaySweep;

/*
 * Measures every window size with pages of 1 << page_shift. False when a
 * table cannot be made or a replay does not deliver the SWEEP_MAPPED TCEs.
 */
bool replay_sweep_run(ReplaySweep *s, uint32_t page_shift, GError **errp);

/* The largest window the flat table was measured at. */
const SweepPoint *replay_sweep_flat_measured(const ReplaySweep *s);

/* The figures as lines of the demo's report. */
void replay_sweep_report(const ReplaySweep *s, GString *out);

#endif /* PSERIES_DEMO_REPLAY_SWEEP_H */
