/*
 * pseries-demo: a 5x7 bitmap font (descenders below) for the text on the
 * pictures (legends, axis labels), drawn as pixman rectangles: printable
 * ASCII.
 */
#ifndef PSERIES_DEMO_FONT_H
#define PSERIES_DEMO_FONT_H

#include <pixman.h>

#define FONT_WIDTH   5
#define FONT_HEIGHT  8      /* 7 and a row for descenders */
#define FONT_ADVANCE 6      /* a glyph and the column between glyphs */

/* Width in pixels of text drawn at scale (each font pixel scale x scale). */
int font_text_width(const char *text, int scale);

/*
 * Draws text with its top left corner at (x, y). Characters outside
 * printable ASCII are drawn as '?'.
 */
void font_draw(pixman_image_t *dst, pixman_color_t colour, int x, int y,
               int scale, const char *text);

#endif /* PSERIES_DEMO_FONT_H */
