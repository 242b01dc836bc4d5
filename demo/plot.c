/*
 * pseries-demo: the replay sweep on log-log axes.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>

#include "draw.h"
#include "plot.h"
#include "sizes.h"

#define PLOT_W      960
#define PLOT_H      586
#define PANEL_TOP   90          /* the panels' plotting areas */
#define PANEL_H     300
#define PANEL_W     330
#define LEFT_X      112         /* replay time's area; storage's is right */
#define RIGHT_X     606
#define MARKER      8
#define LEGEND_LINES 4
/* The fewest pixels between two labels of an axis. */
#define LABEL_GAP   8
/*
 * SwiftTCE keeps a window of up to 2^22 TCEs in a flat array and a bigger
 * one in a radix tree (spapr_tce.h, spapr_tce_table_storage_bytes): where
 * its storage and replay time drop.
 */
#define FLAT_ARRAY_TCES_SHIFT 22

#define BACKGROUND  0x181c30
#define GRID        0x2c3250
#define AXIS        0x8088a8
#define TEXT        0xe8e8f0
#define OURS        0x50a0f0
#define FLAT        0xf0a040
#define BOUNDARY    0xa0a8c8

/*
 * A logarithmic axis: values are drawn at log_base(value), between pixels
 * from and to; a y axis labels a tick every step (in log units), the x axis
 * places its own (x_axis).
 */
typedef struct Axis {
    double base, lo, hi, step;
    double from, to;
    char *(*label)(double value);
} Axis;

static double axis_log(const Axis *a, double value)
{
    return log(value) / log(a->base);
}

static double axis_pixel(const Axis *a, double value)
{
    return a->from + (axis_log(a, value) - a->lo) / (a->hi - a->lo) *
           (a->to - a->from);
}

/* A byte count in the options' units: 16M, 1G, 128T. */
static char *bytes_label(double value)
{
    return size_str_short((uint64_t)value);
}

static char *ns_label(double value)
{
    return draw_ns_str(value);
}

/* Calls fn at each labelled value of the axis. */
static void axis_ticks(const Axis *a, void (*fn)(const Axis *a, double value,
                                                 void *opaque),
                       void *opaque)
{
    double t;

    for (t = ceil(a->lo / a->step) * a->step; t <= a->hi + 1e-9;
         t += a->step) {
        fn(a, pow(a->base, t), opaque);
    }
}

typedef struct Panel {
    pixman_image_t *dst;
    Axis x, y;
} Panel;

/*
 * Places the label of x-axis value at the power of two t, with its grid
 * line, unless it would come within LABEL_GAP of a label already placed
 * (placed: their [left, right] pixel spans, two doubles each).
 */
static void x_label(Panel *p, double t, GArray *placed)
{
    const Axis *a = &p->x;
    double value = pow(a->base, t), px = axis_pixel(a, value);
    g_autofree char *label = a->label(value);
    double half = draw_text_width(label) / 2.0;
    double span[2] = { px - half, px + half };
    unsigned i;

    for (i = 0; i < placed->len; i += 2) {
        double left = g_array_index(placed, double, i);
        double right = g_array_index(placed, double, i + 1);

        if (span[0] < right + LABEL_GAP && left < span[1] + LABEL_GAP) {
            return;
        }
    }
    g_array_append_vals(placed, span, 2);
    draw_fill(p->dst, GRID, (int)px, (int)p->y.to, 1, PANEL_H);
    draw_text(p->dst, TEXT, (int)lround(span[0]), (int)p->y.from + 10, label);
    draw_log_note("xtick %d %d %s", (int)p->x.from, (int)lround(px), label);
}

/*
 * The x axis (window sizes, powers of two): a tick at every doubling, and
 * labels at both ends and at every step'th doubling between that has room,
 * step the fewest doublings that leave room for the widest label.
 */
static void x_axis(Panel *p)
{
    const Axis *a = &p->x;
    double per_unit = (a->to - a->from) / (a->hi - a->lo);
    double widest = 0, t, step;
    g_autoptr(GArray) placed = g_array_new(FALSE, FALSE, sizeof(double));

    for (t = ceil(a->lo); t <= a->hi; t++) {
        g_autofree char *label = a->label(pow(a->base, t));

        widest = MAX(widest, draw_text_width(label));
        draw_fill(p->dst, AXIS, (int)axis_pixel(a, pow(a->base, t)),
                  PANEL_TOP + PANEL_H, 1, 6);
    }
    for (step = 1; step < a->hi - a->lo; step++) {
        if (step * per_unit >= widest + LABEL_GAP) {
            break;
        }
    }
    x_label(p, a->lo, placed);
    x_label(p, a->hi, placed);
    for (t = ceil(a->lo / step) * step; t <= a->hi; t += step) {
        x_label(p, t, placed);
    }
}

static void y_tick(const Axis *a, double value, void *opaque)
{
    Panel *p = opaque;
    double py = axis_pixel(a, value);
    g_autofree char *label = a->label(value);

    draw_fill(p->dst, GRID, (int)p->x.from, (int)py, PANEL_W, 1);
    draw_text(p->dst, TEXT, (int)p->x.from - 10 - draw_text_width(label),
              (int)py - DRAW_TEXT_HEIGHT / 2, label);
}

static void marker(pixman_image_t *dst, uint32_t rgb, double x, double y,
                   bool hollow)
{
    int left = (int)lround(x) - MARKER / 2, top = (int)lround(y) - MARKER / 2;

    if (hollow) {
        draw_fill(dst, BACKGROUND, left, top, MARKER, MARKER);
        draw_outline(dst, rgb, left, top, MARKER, MARKER, 2);
    } else {
        draw_fill(dst, rgb, left, top, MARKER, MARKER);
    }
}

/* A dashed line: 6 pixels drawn, 5 left out. */
static void dashed_line(pixman_image_t *dst, uint32_t rgb, double x0,
                        double y0, double x1, double y1)
{
    double len = hypot(x1 - x0, y1 - y0), d;

    for (d = 0; d < len; d += 11) {
        double e = MIN(d + 6, len);

        draw_line(dst, rgb, x0 + (x1 - x0) * d / len,
                  y0 + (y1 - y0) * d / len, x0 + (x1 - x0) * e / len,
                  y0 + (y1 - y0) * e / len, 2);
    }
}

/*
 * One series: a line through its points, dashed into and between hollow
 * ones, then their markers on top.
 */
static void series(const Panel *p, const char *name, uint32_t rgb,
                   const double *xs, const double *ys, const bool *hollow,
                   unsigned n)
{
    unsigned i;

    for (i = 1; i < n; i++) {
        double x0 = axis_pixel(&p->x, xs[i - 1]);
        double y0 = axis_pixel(&p->y, ys[i - 1]);
        double x1 = axis_pixel(&p->x, xs[i]), y1 = axis_pixel(&p->y, ys[i]);

        if (hollow[i]) {
            dashed_line(p->dst, rgb, x0, y0, x1, y1);
        } else {
            draw_line(p->dst, rgb, x0, y0, x1, y1, 2);
        }
    }
    for (i = 0; i < n; i++) {
        marker(p->dst, rgb, axis_pixel(&p->x, xs[i]),
               axis_pixel(&p->y, ys[i]), hollow[i]);
        draw_log_note("point %d %s %.0f %ld %ld", (int)p->x.from, name,
                      xs[i], lround(axis_pixel(&p->x, xs[i])),
                      lround(axis_pixel(&p->y, ys[i])));
    }
}

/* The y axis over [min, max], its ends out to whole steps. */
static Axis y_axis(double base, double step, double min, double max,
                   char *(*label)(double))
{
    Axis a = { .base = base, .step = step, .label = label };

    a.lo = floor(axis_log(&a, min) / step) * step;
    a.hi = ceil(axis_log(&a, max) / step) * step;
    a.from = PANEL_TOP + PANEL_H;
    a.to = PANEL_TOP;
    return a;
}

/*
 * A dashed line between the largest window SwiftTCE keeps in a flat array
 * and the smallest it keeps in a tree, "flat" on its left, "tree" on its
 * right: why SwiftTCE's storage and replay time drop there.
 */
static void flat_tree_boundary(Panel *p, uint32_t page_shift)
{
    double t = FLAT_ARRAY_TCES_SHIFT + page_shift + 0.5, px, y;
    const char *left = "flat", *right = "tree";

    if (t <= p->x.lo || t >= p->x.hi) {
        return;
    }
    px = axis_pixel(&p->x, pow(p->x.base, t));
    for (y = PANEL_TOP; y < PANEL_TOP + PANEL_H; y += 10) {
        draw_fill(p->dst, BOUNDARY, (int)lround(px), (int)y, 1, 6);
    }
    draw_text(p->dst, BOUNDARY, (int)lround(px) - 6 - draw_text_width(left),
              PANEL_TOP + 6, left);
    draw_text(p->dst, BOUNDARY, (int)lround(px) + 7, PANEL_TOP + 6, right);
    draw_log_note("boundary %d %ld %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                  (int)p->x.from, lround(px),
                  (guint64)1 << (FLAT_ARRAY_TCES_SHIFT + page_shift),
                  (guint64)1 << (FLAT_ARRAY_TCES_SHIFT + 1 + page_shift));
}

static void panel(pixman_image_t *dst, int left, const char *title,
                  const char *x_title, uint32_t page_shift, Axis x, Axis y,
                  const double *xs,
                  const double *ours, const double *flat,
                  const bool *extrapolated, unsigned n)
{
    Panel p = { .dst = dst, .x = x, .y = y };
    g_autofree bool *solid = g_new0(bool, n);

    p.x.from = left;
    p.x.to = left + PANEL_W;
    draw_text(dst, TEXT, left, PANEL_TOP - DRAW_TEXT_HEIGHT - 12, title);
    x_axis(&p);
    axis_ticks(&p.y, y_tick, &p);
    flat_tree_boundary(&p, page_shift);
    draw_fill(dst, AXIS, left, PANEL_TOP, 1, PANEL_H + 1);
    draw_fill(dst, AXIS, left, PANEL_TOP + PANEL_H, PANEL_W + 1, 1);
    draw_text(dst, TEXT, left + (PANEL_W - draw_text_width(x_title)) / 2,
              PANEL_TOP + PANEL_H + 16 + DRAW_TEXT_HEIGHT, x_title);
    series(&p, "flat", FLAT, xs, flat, extrapolated, n);
    series(&p, "ours", OURS, xs, ours, solid, n);
}

static void legend_entry(pixman_image_t *dst, int line, uint32_t rgb,
                         bool hollow, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/* Legend line number line: a line sample with its marker, then the text. */
static void legend_entry(pixman_image_t *dst, int line, uint32_t rgb,
                         bool hollow, const char *fmt, ...)
{
    int y = PLOT_H - (LEGEND_LINES - line) * (DRAW_TEXT_HEIGHT + 8) - 8;
    double mid = y + DRAW_TEXT_HEIGHT / 2.0;
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (hollow) {
        dashed_line(dst, rgb, 24, mid, 58, mid);
    } else {
        draw_line(dst, rgb, 24, mid, 58, mid, 2);
    }
    marker(dst, rgb, 41, mid, hollow);
    draw_text(dst, TEXT, 68, y, text);
}

/* Legend line number line for the flat/tree boundary: a dashed upright. */
static void boundary_entry(pixman_image_t *dst, int line, uint32_t page_shift)
{
    int y = PLOT_H - (LEGEND_LINES - line) * (DRAW_TEXT_HEIGHT + 8) - 8;
    g_autofree char *flat_max =
        draw_bytes_str(1ULL << (FLAT_ARRAY_TCES_SHIFT + page_shift));
    g_autofree char *text = g_strdup_printf(
        "SwiftTCE: a flat array up to 2^%d TCEs (%s), a radix tree beyond",
        FLAT_ARRAY_TCES_SHIFT, flat_max);

    draw_fill(dst, BOUNDARY, 41, y - 2, 1, 6);
    draw_fill(dst, BOUNDARY, 41, y + 8, 1, 6);
    draw_text(dst, TEXT, 68, y, text);
}

/* What each series is, with its figures at the largest windows. */
static void plot_legend(pixman_image_t *dst, const ReplaySweep *s)
{
    const SweepPoint *last = &s->points[s->npoints - 1];
    const SweepPoint *measured = replay_sweep_flat_measured(s);
    g_autofree char *last_win = draw_bytes_str(1ULL << last->window_shift);
    g_autofree char *ours_t = draw_ns_str(last->ours_ns);
    g_autofree char *ours_b = draw_bytes_str(last->ours_bytes);
    g_autofree char *flat_t = draw_ns_str(last->flat_ns);
    g_autofree char *flat_b = draw_bytes_str(last->flat_bytes);
    g_autofree char *measured_win =
        draw_bytes_str(1ULL << measured->window_shift);
    g_autofree char *measured_t = draw_ns_str(measured->flat_ns);

    legend_entry(dst, 0, OURS, false, "SwiftTCE, measured: %s and %s at %s",
                 ours_t, ours_b, last_win);
    legend_entry(dst, 1, FLAT, false, "flat table, generic walk (QEMU's "
                 "way), measured up to %s: %s", measured_win, measured_t);
    if (last->flat_extrapolated) {
        legend_entry(dst, 2, FLAT, true, "flat table, extrapolated: %s and "
                     "%s at %s", flat_t, flat_b, last_win);
    }
    boundary_entry(dst, last->flat_extrapolated ? 3 : 2, s->page_shift);
}

pixman_image_t *plot_replay_sweep(const ReplaySweep *s)
{
    pixman_image_t *dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, PLOT_W,
                                                   PLOT_H, NULL, 0);
    unsigned n = s->npoints, i;
    g_autofree double *xs = g_new(double, n);
    g_autofree double *ours_ns = g_new(double, n);
    g_autofree double *flat_ns = g_new(double, n);
    g_autofree double *ours_b = g_new(double, n);
    g_autofree double *flat_b = g_new(double, n);
    g_autofree bool *extrapolated = g_new(bool, n);
    g_autofree char *page = draw_bytes_str(1ULL << s->page_shift);
    g_autofree char *title = NULL, *x_title = NULL;
    double t_min = INFINITY, t_max = 0, b_min = INFINITY, b_max = 0;
    Axis x = {
        .base = 2, .label = bytes_label,
        .lo = s->points[0].window_shift, .hi = s->points[n - 1].window_shift,
    };

    for (i = 0; i < n; i++) {
        const SweepPoint *p = &s->points[i];

        xs[i] = (double)(1ULL << p->window_shift);
        ours_ns[i] = p->ours_ns;
        flat_ns[i] = p->flat_ns;
        ours_b[i] = MAX(p->ours_bytes, 1);
        flat_b[i] = p->flat_bytes;
        extrapolated[i] = p->flat_extrapolated;
        t_min = MIN(t_min, MIN(ours_ns[i], flat_ns[i]));
        t_max = MAX(t_max, MAX(ours_ns[i], flat_ns[i]));
        b_min = MIN(b_min, MIN(ours_b[i], flat_b[i]));
        b_max = MAX(b_max, MAX(ours_b[i], flat_b[i]));
    }
    draw_log_note("image %d %d", PLOT_W, PLOT_H);
    draw_fill(dst, BACKGROUND, 0, 0, PLOT_W, PLOT_H);
    title = g_strdup_printf("Replay of %u mapped TCEs, and table storage, "
                            "by window size", SWEEP_MAPPED);
    draw_text(dst, TEXT, 24, 14, title);
    x_title = g_strdup_printf("window size (%s pages)", page);
    panel(dst, LEFT_X, "replay time (one replay)", x_title, s->page_shift, x,
          y_axis(10, 1, t_min, t_max, ns_label), xs, ours_ns, flat_ns,
          extrapolated, n);
    /*
     * The flat table's storage is exact, built or not (8 B a page); its
     * hollow points are the windows too big to build here.
     */
    panel(dst, RIGHT_X, "table storage, bytes", x_title, s->page_shift, x,
          y_axis(2, 5, b_min, b_max, bytes_label), xs, ours_b, flat_b,
          extrapolated, n);

    plot_legend(dst, s);
    return dst;
}
