/*
 * pseries-demo: the drawing both pictures share, on pixman: colours,
 * rectangles, lines and text in the bitmap font.
 */
#ifndef PSERIES_DEMO_DRAW_H
#define PSERIES_DEMO_DRAW_H

#include <glib.h>
#include <pixman.h>

#include "font.h"

/* Every text on the pictures: 10x16 glyphs, readable at 1:1. */
#define DRAW_TEXT_SCALE  2
#define DRAW_TEXT_HEIGHT (FONT_HEIGHT * DRAW_TEXT_SCALE)

/* An opaque colour from 0xrrggbb. */
pixman_color_t draw_rgb(uint32_t rgb);

void draw_fill(pixman_image_t *dst, uint32_t rgb, int x, int y, int w, int h);
/* A rectangle's outline, width pixels thick, inside (x, y, w, h). */
void draw_outline(pixman_image_t *dst, uint32_t rgb, int x, int y, int w,
                  int h, int width);
/* An antialiased line of the given width between two points. */
void draw_line(pixman_image_t *dst, uint32_t rgb, double x0, double y0,
               double x1, double y1, double width);
/* Text in the bitmap font, top left at (x, y), at DRAW_TEXT_SCALE. */
void draw_text(pixman_image_t *dst, uint32_t rgb, int x, int y,
               const char *text);
int draw_text_width(const char *text);
/*
 * A byte count as the pictures print it, "623 KiB", "16 GiB" (g_free it):
 * GLib's sizes put a no-break space, which the font does not have.
 */
char *draw_bytes_str(uint64_t bytes);
/* A time, likewise: "2.1 us", "152 ms", "6.12 s". */
char *draw_ns_str(double ns);

/*
 * The layout log (--dump-layout): while one is open, every text drawn is a
 * line of it, "PICTURE text X Y W H TEXT", and the pictures add notes of
 * their own (draw_log_note: "PICTURE NOTE"), so that a test can check what
 * a picture says and where without reading its pixels. Off by default;
 * draw_log_open(NULL, NULL) stops.
 */
void draw_log_open(GString *log, const char *picture);
void draw_log_note(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif /* PSERIES_DEMO_DRAW_H */
