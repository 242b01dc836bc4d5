/*
 * pseries-demo: writes an x8r8g8b8 image as PNG (with zlib) or PPM.
 */
#ifndef PSERIES_DEMO_IMAGE_FILE_H
#define PSERIES_DEMO_IMAGE_FILE_H

#include <stdbool.h>

#include <glib.h>
#include <pixman.h>

/* True when PNG output is built in (zlib was found). */
bool image_file_png_supported(void);

/*
 * Writes img to path; a path ending in .png needs PNG support, else it is
 * written as .ppm next to it. Returns the path written (g_free it).
 */
char *image_file_write(pixman_image_t *img, const char *path, GError **errp);

#endif /* PSERIES_DEMO_IMAGE_FILE_H */
