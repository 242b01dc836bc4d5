/*
 * pseries-demo: the second picture. The replay sweep on log-log axes: one
 * panel of replay time and one of table storage against window size, for
 * SwiftTCE and the flat table, the flat table's extrapolated points hollow
 * on a dashed line, and a mark where SwiftTCE's flat array gives way to its
 * tree; axis labels and a legend in the bitmap font.
 */
#ifndef PSERIES_DEMO_PLOT_H
#define PSERIES_DEMO_PLOT_H

#include <pixman.h>

#include "replay-sweep.h"

/* A new image of the sweep (unref it). */
pixman_image_t *plot_replay_sweep(const ReplaySweep *s);

#endif /* PSERIES_DEMO_PLOT_H */
