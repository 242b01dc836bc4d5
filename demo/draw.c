/*
 * pseries-demo: the drawing both pictures share.
 */
#include <math.h>
#include <stdarg.h>

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

void draw_outline(pixman_image_t *dst, uint32_t rgb, int x, int y, int w,
                  int h, int width)
{
    draw_fill(dst, rgb, x, y, w, width);
    draw_fill(dst, rgb, x, y + h - width, w, width);
    draw_fill(dst, rgb, x, y, width, h);
    draw_fill(dst, rgb, x + w - width, y, width, h);
}

static pixman_point_fixed_t fixed_point(double x, double y)
{
    return (pixman_point_fixed_t) {
        pixman_double_to_fixed(x), pixman_double_to_fixed(y)
    };
}

void draw_line(pixman_image_t *dst, uint32_t rgb, double x0, double y0,
               double x1, double y1, double width)
{
    double len = hypot(x1 - x0, y1 - y0);
    /* Half the width, across the line. */
    double nx = len > 0 ? -(y1 - y0) / len * width / 2 : 0;
    double ny = len > 0 ? (x1 - x0) / len * width / 2 : 0;
    pixman_color_t colour = draw_rgb(rgb);
    pixman_image_t *src = pixman_image_create_solid_fill(&colour);
    pixman_triangle_t quad[2] = {
        {
            fixed_point(x0 + nx, y0 + ny), fixed_point(x0 - nx, y0 - ny),
            fixed_point(x1 + nx, y1 + ny),
        },
        {
            fixed_point(x0 - nx, y0 - ny), fixed_point(x1 - nx, y1 - ny),
            fixed_point(x1 + nx, y1 + ny),
        },
    };

    pixman_composite_triangles(PIXMAN_OP_OVER, src, dst, PIXMAN_a8, 0, 0, 0, 0,
                               2, quad);
    pixman_image_unref(src);
}

/* The open layout log and the picture its lines are for. */
static GString *layout_log;
static const char *layout_picture;

void draw_log_open(GString *log, const char *picture)
{
    layout_log = log;
    layout_picture = picture;
}

void draw_log_note(const char *fmt, ...)
{
    va_list ap;

    if (!layout_log) {
        return;
    }
    g_string_append_printf(layout_log, "%s ", layout_picture);
    va_start(ap, fmt);
    g_string_append_vprintf(layout_log, fmt, ap);
    va_end(ap);
    g_string_append_c(layout_log, '\n');
}

void draw_text(pixman_image_t *dst, uint32_t rgb, int x, int y,
               const char *text)
{
    font_draw(dst, draw_rgb(rgb), x, y, DRAW_TEXT_SCALE, text);
    draw_log_note("text %d %d %d %d %s", x, y, draw_text_width(text),
                  DRAW_TEXT_HEIGHT, text);
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

char *draw_ns_str(double ns)
{
    static const char *const units[] = { "ns", "us", "ms", "s" };
    unsigned u = 0;

    while (ns >= 1000 && u + 1 < G_N_ELEMENTS(units)) {
        ns /= 1000;
        u++;
    }
    return g_strdup_printf(ns >= 100 ? "%.0f %s" : "%.3g %s", ns, units[u]);
}
