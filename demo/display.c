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
#define STRIP_H     56
#define CELL        8
#define CELL_ROWS   3       /* of status cells; more buffers are not shown */
#define SWATCH_W    28
#define LEGEND_LINE (DRAW_TEXT_HEIGHT + 6)
#define LEGEND_LINES 5      /* bands, three kinds of cell, storage */

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

/*
 * What the picture shows, one line each with its swatch: the frame's
 * bands, the three kinds of status cell, and the storage bar.
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
    draw_fill(dst, STORAGE_COLOUR, MARGIN, y + 2, SWATCH_W, 10);
    legend_line(dst, y, "Bar: storage %s, flat table %s (log)", storage,
                flat);
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
    int h = d->height + 2 * MARGIN + STRIP_H +
            legend_height(status->ncells, shown);
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
    int strip_y = MARGIN + d->height + MARGIN / 2;
    int bar_y = strip_y + CELL_ROWS * CELL + 6;
    int bar_w;
    unsigned i;

    /* Background: a diagonal gradient. */
    grad = pixman_image_create_linear_gradient(&p1, &p2, stops, 2);
    pixman_image_composite32(PIXMAN_OP_SRC, grad, NULL, dst, 0, 0, 0, 0, 0, 0,
                             w, h);
    pixman_image_unref(grad);

    /* A translucent drop shadow, the bezel, then the scanned-out frame. */
    pixman_image_composite32(PIXMAN_OP_OVER, shade, NULL, dst, 0, 0, 0, 0,
                             MARGIN - BEZEL + 5, MARGIN - BEZEL + 5,
                             d->width + 2 * BEZEL, d->height + 2 * BEZEL);
    pixman_image_unref(shade);
    draw_fill(dst, 0x202024, MARGIN - BEZEL, MARGIN - BEZEL,
              d->width + 2 * BEZEL, d->height + 2 * BEZEL);
    fb = pixman_image_create_bits(PIXMAN_x8r8g8b8, d->width, d->height,
                                  d->scanout, d->stride);
    pixman_image_composite32(PIXMAN_OP_SRC, fb, NULL, dst, 0, 0, 0, 0,
                             MARGIN, MARGIN, d->width, d->height);
    pixman_image_unref(fb);

    /*
     * Status strip: one cell per DMA buffer, then a bar of the table's
     * storage against a flat table, on a log scale.
     */
    for (i = 0; i < shown; i++) {
        draw_fill(dst, cell_kinds[status->cells[i]].rgb,
                  MARGIN + (i % per_row) * CELL,
                  strip_y + (i / per_row) * CELL, CELL - 2, CELL - 2);
    }
    draw_fill(dst, 0x303038, MARGIN, bar_y, d->width, 10);
    bar_w = 0;
    if (status->storage_bytes > 0) {
        /* 1 byte of 2^40 is the left end; the flat table is the right. */
        double l = 1.0 + log2((double)status->storage_bytes /
                              (double)status->flat_bytes) / 40.0;
        bar_w = (int)(CLAMP(l, 0.005, 1.0) * d->width);
    }
    draw_fill(dst, STORAGE_COLOUR, MARGIN, bar_y, bar_w, 10);
    display_legend(dst, bar_y + 10 + MARGIN, status, shown);
    return dst;
}
