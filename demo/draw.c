/*
 * pseries-demo: the drawing both pictures share.
 */
#include <glib.h>

#include "draw.h"

pixman_color_t draw_rgb(uint32_t rgb)
{
    return (pixman_color_t) {
        (rgb >> 16 & 0xff) * 0x101, (rgb >> 8 & 0xff) * 0x101,
        (rgb & 0xff) * 0x101, 0xffff
    };
}

void draw_fill(pixman_image_t *dst, uint32_t rgb, int x, int y, int w, int h)
{
    pixman_color_t colour = draw_rgb(rgb);
    pixman_rectangle16_t rect = { x, y, w, h };

    pixman_image_fill_rectangles(PIXMAN_OP_SRC, dst, &colour, 1, &rect);
}

void draw_text(pixman_image_t *dst, uint32_t rgb, int x, int y,
               const char *text)
{
    font_draw(dst, draw_rgb(rgb), x, y, DRAW_TEXT_SCALE, text);
}

int draw_text_width(const char *text)
{
    return font_text_width(text, DRAW_TEXT_SCALE);
}

char *draw_bytes_str(uint64_t bytes)
{
    static const char *const units[] = {
        "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
    };
    double v = bytes;
    unsigned u = 0;

    while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
        v /= 1024;
        u++;
    }
    return g_strdup_printf(v >= 100 ? "%.0f %s" : "%.3g %s", v, units[u]);
}
