/*
 * pseries-demo: a DMA display device.
 */
#include <math.h>
#include <string.h>

#include "display.h"

#define MARGIN   24
#define BEZEL    6
#define STRIP_H  56
#define CELL     8

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

            e = spapr_tce_iommu_ops.translate(spapr_tce_get_iommu(tcet), iova,
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

static pixman_color_t rgb(uint16_t r, uint16_t g, uint16_t b)
{
    return (pixman_color_t) { r * 0x101, g * 0x101, b * 0x101, 0xffff };
}

static void fill(pixman_image_t *img, pixman_color_t color, int x, int y,
                 int w, int h)
{
    pixman_rectangle16_t rect = { x, y, w, h };

    pixman_image_fill_rectangles(PIXMAN_OP_SRC, img, &color, 1, &rect);
}

pixman_image_t *display_compose(DmaDisplay *d, const DisplayStatus *status)
{
    int w = d->width + 2 * MARGIN;
    int h = d->height + 2 * MARGIN + STRIP_H;
    pixman_image_t *dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h,
                                                   NULL, 0);
    pixman_image_t *fb, *grad;
    pixman_gradient_stop_t stops[2] = {
        { pixman_int_to_fixed(0), rgb(0x10, 0x14, 0x30) },
        { pixman_int_to_fixed(1), rgb(0x38, 0x0c, 0x40) },
    };
    pixman_point_fixed_t p1 = { 0, 0 };
    pixman_point_fixed_t p2 = {
        pixman_int_to_fixed(w), pixman_int_to_fixed(h)
    };
    pixman_color_t shadow = { 0, 0, 0, 0x8000 };
    pixman_image_t *shade = pixman_image_create_solid_fill(&shadow);
    int strip_y = MARGIN + d->height + MARGIN / 2;
    int per_row, bar_w;
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
    fill(dst, rgb(0x20, 0x20, 0x24), MARGIN - BEZEL, MARGIN - BEZEL,
         d->width + 2 * BEZEL, d->height + 2 * BEZEL);
    fb = pixman_image_create_bits(PIXMAN_x8r8g8b8, d->width, d->height,
                                  d->scanout, d->stride);
    pixman_image_composite32(PIXMAN_OP_SRC, fb, NULL, dst, 0, 0, 0, 0,
                             MARGIN, MARGIN, d->width, d->height);
    pixman_image_unref(fb);

    /*
     * Status strip: one cell per DMA buffer (green: mapped and mirrored,
     * grey: unmapped and gone from the mirror, red: disagreement), then a
     * bar of the table's storage against a flat table, on a log scale.
     */
    per_row = MAX(1, (int)d->width / CELL);
    for (i = 0; i < status->ncells && i / per_row < 3; i++) {
        static const uint8_t colours[][3] = {
            [STATUS_MAPPED_OK] = { 0x40, 0xd0, 0x60 },
            [STATUS_UNMAPPED_OK] = { 0x60, 0x60, 0x68 },
            [STATUS_MISMATCH] = { 0xe0, 0x30, 0x30 },
        };
        const uint8_t *c = colours[status->cells[i]];

        fill(dst, rgb(c[0], c[1], c[2]), MARGIN + (i % per_row) * CELL,
             strip_y + (i / per_row) * CELL, CELL - 2, CELL - 2);
    }
    fill(dst, rgb(0x30, 0x30, 0x38), MARGIN, strip_y + 3 * CELL + 6,
         d->width, 10);
    bar_w = 0;
    if (status->storage_fraction > 0) {
        /* 1 byte of 2^40 is the left end; the flat table is the right. */
        double l = 1.0 + log2(status->storage_fraction) / 40.0;
        bar_w = (int)(CLAMP(l, 0.005, 1.0) * d->width);
    }
    fill(dst, rgb(0x50, 0xa0, 0xf0), MARGIN, strip_y + 3 * CELL + 6, bar_w, 10);
    return dst;
}
