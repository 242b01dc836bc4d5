/*
 * pseries-demo: writes an x8r8g8b8 image as PNG (with zlib) or PPM, the
 * format a file name's extension names.
 */
#ifndef PSERIES_DEMO_IMAGE_FILE_H
#define PSERIES_DEMO_IMAGE_FILE_H

#include <stdbool.h>

#include <glib.h>
#include <pixman.h>

typedef struct ImageFormat {
    const char *extension;      /* ".png" */
    const char *name;           /* "PNG" */
    bool (*write)(pixman_image_t *img, const char *path, GError **errp);
} ImageFormat;

/* The format path's extension names (in any case); NULL if none is built in. */
const ImageFormat *image_format_for(const char *path);
/* What a picture is written as when the user names none: PNG if built in. */
const ImageFormat *image_format_default(void);
/* The extensions built in, for messages: ".png or .ppm" (g_free it). */
char *image_format_list(void);

/* Writes img to path as format, creating the directory it needs. */
bool image_file_write(pixman_image_t *img, const char *path,
                      const ImageFormat *format, GError **errp);

#endif /* PSERIES_DEMO_IMAGE_FILE_H */
