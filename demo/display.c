/*
 * pseries-demo: a DMA display device.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "display.h"
#include "draw.h"

#define MARGIN      24
#define BEZEL       6
#define TITLE_Y     14
#define CELL        8
#define CELL_ROWS   3       /* of status cells; more buffers are not shown */
#define BAR_H       10
#define SWATCH_W    28
#define LEGEND_LINE (DRAW_TEXT_HEIGHT + 6)
#define LEGEND_LINES 6      /* bands, ring, three kinds of cell, storage */
/* The storage bar's left end: no table is smaller. */
#define BAR_MIN_BYTES 1024.0

void display_init(DmaDisplay *d, PseriesMachine *m, uint64_t fb_bus,
                  uint32_t width, uint32_t height)
{
    *d = (DmaDisplay) {
        .m = m,
        .fb_bus = fb_bus,
        .width = width,
        .height = height,
        .stride = width * 4,
    };
    d->scanout = g_new0(uint32_t, (size_t)width * height);
}

void display_cleanup(DmaDisplay *d)
{
    g_free(d->scanout);
    d->scanout = NULL;
}

/*
 * The device's DMA read: bus address -> window -> translate -> guest RAM,
 * a page at a time. Unreadable pages read as a visible fault colour.
 */
static bool display_dma_read(DmaDisplay *d, uint64_t bus, void *buf, size_t len)
{
    uint8_t *out = buf;
    bool ok = true;

    while (len > 0) {
        SpaprTceTable *tcet = machine_window_for(d->m, bus);
        IOMMUTLBEntry e = {
            .perm = IOMMU_NONE,
            .addr_mask = SPAPR_TCE_PAGE_SIZE - 1,
        };
        uint64_t offset, chunk;
        void *src = NULL;

        if (tcet) {
            hwaddr iova = bus - spapr_tce_get_bus_offset(tcet);

            e = spapr_tce_iommu_ops.translate(spapr_tce_get_iommu_mr(tcet), iova,
                                              IOMMU_RO, 0);
            d->translations++;
        }
        offset = bus & e.addr_mask;
        chunk = MIN(len, e.addr_mask + 1 - offset);
        if (e.perm & IOMMU_RO) {
            src = machine_ram_ptr(d->m, e.translated_addr + offset, chunk);
        }
        if (src) {
            memcpy(out, src, chunk);
        } else {
            memset(out, 0xff, chunk);
            d->faults++;
            ok = false;
        }
        out += chunk;
        bus += chunk;
        len -= chunk;
    }
    return ok;
}

bool display_scanout(DmaDisplay *d)
{
    d->translations = 0;
    d->faults = 0;
    return display_dma_read(d, d->fb_bus, d->scanout,
                            (size_t)d->stride * d->height);
}

/* The status strip's cells: their colour, and what the legend says. */
static const struct {
    uint32_t rgb;
    const char *meaning;
} cell_kinds[] = {
    [STATUS_MAPPED_OK] = {
        0x40d060, "Buffer mapped, mirrored by the container"
    },
    [STATUS_UNMAPPED_OK] = {
        0x606068, "Buffer unmapped, gone from the mirror"
    },
    [STATUS_MISMATCH] = {
        0xe03030, "Buffer where table and mirror differ"
    },
};
#define STORAGE_COLOUR 0x50a0f0
#define TEXT_COLOUR    0xe8e8f0

static void legend_line(pixman_image_t *dst, int y, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* A legend line's text, right of its swatch at (MARGIN, y). */
static void legend_line(pixman_image_t *dst, int y, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    draw_text(dst, TEXT_COLOUR, MARGIN + SWATCH_W + 12, y, text);
}

/* The guest's ring (guest-fb.c), small: a legend swatch. */
static void ring_swatch(pixman_image_t *dst, double cx, double cy, double r)
{
    int i;

    for (i = 0; i < 16; i++) {
        double a0 = i * G_PI / 8, a1 = (i + 1) * G_PI / 8;

        draw_line(dst, 0xf0f0f0, cx + r * cos(a0), cy + r * sin(a0),
                  cx + r * cos(a1), cy + r * sin(a1), 3);
    }
}

/*
 * What the picture shows, one line each with its swatch: the frame's
 * bands, the guest's ring, the three kinds of status cell, and the
 * storage bar.
 */
static void display_legend(pixman_image_t *dst, int y,
                           const DisplayStatus *status, unsigned shown)
{
    g_autofree char *page = draw_bytes_str(status->page_size);
    g_autofree char *storage = draw_bytes_str(status->storage_bytes);
    g_autofree char *flat = draw_bytes_str(status->flat_bytes);
    unsigned count[G_N_ELEMENTS(cell_kinds)] = { 0 };
    unsigned i;

    for (i = 0; i < status->ncells; i++) {
        count[status->cells[i]]++;
    }
    /* The guest darkens every other page: 0.78 of the light band. */
    draw_fill(dst, 0xd8d8d8, MARGIN, y, SWATCH_W, DRAW_TEXT_HEIGHT / 2);
    draw_fill(dst, 0xa8a8a8, MARGIN, y + DRAW_TEXT_HEIGHT / 2, SWATCH_W,
              DRAW_TEXT_HEIGHT / 2);
    legend_line(dst, y, "Bands: IOMMU pages of %s, a translate each", page);
    y += LEGEND_LINE;
    /*
     * The ring is whole only if every page came from where the guest put
     * it: one page read from the wrong place cuts it.
     */
    ring_swatch(dst, MARGIN + SWATCH_W / 2.0, y + DRAW_TEXT_HEIGHT / 2.0, 6);
    legend_line(dst, y, "Ring: guest-drawn; a wrong translate breaks it");
    y += LEGEND_LINE;
    if (shown < status->ncells) {
        legend_line(dst, y, "Squares: the first %u of %u DMA buffers", shown,
                    status->ncells);
        y += LEGEND_LINE;
    }
    for (i = 0; i < G_N_ELEMENTS(cell_kinds); i++) {
        draw_fill(dst, cell_kinds[i].rgb, MARGIN + 8, y + 1, 12, 12);
        legend_line(dst, y, "%s: %u", cell_kinds[i].meaning, count[i]);
        y += LEGEND_LINE;
    }
    draw_fill(dst, STORAGE_COLOUR, MARGIN, y + 2, SWATCH_W, BAR_H);
    legend_line(dst, y, "Log bar: storage %s; tick: flat table %s", storage,
                flat);
}

/*
 * The storage bar, on a log scale from 1 KiB to the flat table (or to the
 * storage, if a small window's is bigger): the table's storage filled in,
 * a tick at the flat table, and each end's bytes below it.
 */
static void storage_bar(pixman_image_t *dst, int x, int y, int w,
                        const DisplayStatus *status)
{
    double top = MAX((double)status->flat_bytes,
                     (double)status->storage_bytes);
    double range = log2(MAX(top, 2 * BAR_MIN_BYTES) / BAR_MIN_BYTES);
    double filled = 0, flat_at;
    g_autofree char *low = draw_bytes_str((uint64_t)BAR_MIN_BYTES);
    g_autofree char *high = draw_bytes_str((uint64_t)top);
    int tick_x, filled_w;

    if (status->storage_bytes > 0) {
        filled = log2(status->storage_bytes / BAR_MIN_BYTES) / range;
        filled = CLAMP(filled, 0.005, 1.0);
    }
    flat_at = CLAMP(log2(status->flat_bytes / BAR_MIN_BYTES) / range, 0, 1);
    filled_w = (int)lround(filled * w);
    tick_x = x + (int)lround(flat_at * (w - 2));
    draw_fill(dst, 0x303038, x, y, w, BAR_H);
    draw_fill(dst, STORAGE_COLOUR, x, y, filled_w, BAR_H);
    draw_fill(dst, TEXT_COLOUR, tick_x, y - 3, 2, BAR_H + 6);
    draw_text(dst, TEXT_COLOUR, x, y + BAR_H + 4, low);
    draw_text(dst, TEXT_COLOUR, x + w - draw_text_width(high),
              y + BAR_H + 4, high);
    draw_log_note("bar %d %d %d %d filled %d flat-tick %d", x, y, w, BAR_H,
                  filled_w, tick_x);
}

/*
 * The rows display_legend draws, one more when some cells are not shown,
 * and a margin below.
 */
static int legend_height(unsigned ncells, unsigned shown)
{
    return (LEGEND_LINES + (shown < ncells)) * LEGEND_LINE + MARGIN / 2;
}

pixman_image_t *display_compose(DmaDisplay *d, const DisplayStatus *status)
{
    int per_row = MAX(1, (int)d->width / CELL);
    unsigned shown = MIN(status->ncells, (unsigned)per_row * CELL_ROWS);
    int w = d->width + 2 * MARGIN;
    /* Top to bottom: title, frame, status cells, bar, its scale, legend. */
    int fb_y = TITLE_Y + DRAW_TEXT_HEIGHT + MARGIN;
    int strip_y = fb_y + d->height + MARGIN / 2;
    int bar_y = strip_y + CELL_ROWS * CELL + 6;
    int legend_y = bar_y + BAR_H + 4 + DRAW_TEXT_HEIGHT + MARGIN / 2;
    int h = legend_y + legend_height(status->ncells, shown);
    pixman_image_t *dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h,
                                                   NULL, 0);
    pixman_image_t *fb, *grad;
    pixman_gradient_stop_t stops[2] = {
        { pixman_int_to_fixed(0), draw_rgb(0x101430) },
        { pixman_int_to_fixed(1), draw_rgb(0x380c40) },
    };
    pixman_point_fixed_t p1 = { 0, 0 };
    pixman_point_fixed_t p2 = {
        pixman_int_to_fixed(w), pixman_int_to_fixed(h)
    };
    pixman_color_t shadow = { 0, 0, 0, 0x8000 };
    pixman_image_t *shade = pixman_image_create_solid_fill(&shadow);
    g_autofree char *window = draw_bytes_str(status->window_bytes);
    g_autofree char *title = NULL;
    unsigned i;

    draw_log_note("image %d %d", w, h);
    /* Background: a diagonal gradient. */
    grad = pixman_image_create_linear_gradient(&p1, &p2, stops, 2);
    pixman_image_composite32(PIXMAN_OP_SRC, grad, NULL, dst, 0, 0, 0, 0, 0, 0,
                             w, h);
    pixman_image_unref(grad);

    title = g_strdup_printf("Guest framebuffer, DMA'd through a %s DDW",
                            window);
    draw_text(dst, TEXT_COLOUR, MARGIN, TITLE_Y, title);

    /* A translucent drop shadow, the bezel, then the scanned-out frame. */
    pixman_image_composite32(PIXMAN_OP_OVER, shade, NULL, dst, 0, 0, 0, 0,
                             MARGIN - BEZEL + 5, fb_y - BEZEL + 5,
                             d->width + 2 * BEZEL, d->height + 2 * BEZEL);
    pixman_image_unref(shade);
    draw_fill(dst, 0x202024, MARGIN - BEZEL, fb_y - BEZEL,
              d->width + 2 * BEZEL, d->height + 2 * BEZEL);
    fb = pixman_image_create_bits(PIXMAN_x8r8g8b8, d->width, d->height,
                                  d->scanout, d->stride);
    pixman_image_composite32(PIXMAN_OP_SRC, fb, NULL, dst, 0, 0, 0, 0,
                             MARGIN, fb_y, d->width, d->height);
    pixman_image_unref(fb);
    draw_log_note("framebuffer %d %d %u %u", MARGIN, fb_y, d->width,
                  d->height);

    /* Status strip: one cell per DMA buffer, then the storage bar. */
    for (i = 0; i < shown; i++) {
        draw_fill(dst, cell_kinds[status->cells[i]].rgb,
                  MARGIN + (i % per_row) * CELL,
                  strip_y + (i / per_row) * CELL, CELL - 2, CELL - 2);
    }
    storage_bar(dst, MARGIN, bar_y, d->width, status);
    display_legend(dst, legend_y, status, shown);
    return dst;
}
