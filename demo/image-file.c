/*
 * pseries-demo: picture files. A minimal PNG writer (IHDR, one IDAT, IEND;
 * 8-bit RGB, filter 0 on every row), zlib doing the deflate and the CRCs,
 * and binary PPM; the file name's extension picks one.
 */
#include <errno.h>
#include <string.h>

#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

#include "image-file.h"

/* Rows of RGB bytes, each led by a filter byte when png is true. */
static uint8_t *image_rgb_rows(pixman_image_t *img, bool png, size_t *len)
{
    int w = pixman_image_get_width(img);
    int h = pixman_image_get_height(img);
    int stride = pixman_image_get_stride(img) / 4;
    const uint32_t *px = pixman_image_get_data(img);
    size_t row = (size_t)w * 3 + (png ? 1 : 0);
    uint8_t *out = g_malloc(row * h), *p = out;
    int x, y;

    for (y = 0; y < h; y++) {
        if (png) {
            *p++ = 0;
        }
        for (x = 0; x < w; x++) {
            uint32_t v = px[(size_t)y * stride + x];

            *p++ = v >> 16;
            *p++ = v >> 8;
            *p++ = v;
        }
    }
    *len = row * h;
    return out;
}

#ifdef HAVE_ZLIB
static void png_chunk(GByteArray *out, const char *type, const uint8_t *data,
                      uint32_t len)
{
    uint32_t be = GUINT32_TO_BE(len);
    uLong crc = crc32(0, (const Bytef *)type, 4);

    crc = crc32(crc, data, len);
    g_byte_array_append(out, (const guint8 *)&be, 4);
    g_byte_array_append(out, (const guint8 *)type, 4);
    g_byte_array_append(out, data, len);
    be = GUINT32_TO_BE((uint32_t)crc);
    g_byte_array_append(out, (const guint8 *)&be, 4);
}

static bool image_write_png(pixman_image_t *img, const char *path,
                            GError **errp)
{
    static const uint8_t signature[8] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
    };
    uint32_t w = pixman_image_get_width(img), h = pixman_image_get_height(img);
    uint8_t ihdr[13] = {
        w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h,
        8, 2, 0, 0, 0,      /* 8-bit RGB, no interlace */
    };
    size_t raw_len;
    g_autofree uint8_t *raw = image_rgb_rows(img, true, &raw_len);
    uLongf z_len = compressBound(raw_len);
    g_autofree uint8_t *z = g_malloc(z_len);
    g_autoptr(GByteArray) out = g_byte_array_new();

    if (compress2(z, &z_len, raw, raw_len, 9) != Z_OK) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED, "zlib failed");
        return false;
    }
    g_byte_array_append(out, signature, sizeof(signature));
    png_chunk(out, "IHDR", ihdr, sizeof(ihdr));
    png_chunk(out, "IDAT", z, z_len);
    png_chunk(out, "IEND", NULL, 0);
    return g_file_set_contents(path, (const char *)out->data, out->len, errp);
}
#endif

static bool image_write_ppm(pixman_image_t *img, const char *path,
                            GError **errp)
{
    size_t raw_len;
    g_autofree uint8_t *raw = image_rgb_rows(img, false, &raw_len);
    g_autofree char *header = g_strdup_printf("P6\n%d %d\n255\n",
                                              pixman_image_get_width(img),
                                              pixman_image_get_height(img));
    g_autoptr(GByteArray) out = g_byte_array_new();

    g_byte_array_append(out, (const guint8 *)header, strlen(header));
    g_byte_array_append(out, raw, raw_len);
    return g_file_set_contents(path, (const char *)out->data, out->len, errp);
}

/* Preferred first. */
static const ImageFormat image_formats[] = {
#ifdef HAVE_ZLIB
    { ".png", "PNG", image_write_png },
#endif
    { ".ppm", "PPM", image_write_ppm },
};

const ImageFormat *image_format_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    size_t i;

    for (i = 0; dot && i < G_N_ELEMENTS(image_formats); i++) {
        if (g_ascii_strcasecmp(dot, image_formats[i].extension) == 0) {
            return &image_formats[i];
        }
    }
    return NULL;
}

const ImageFormat *image_format_default(void)
{
    return &image_formats[0];
}

char *image_format_list(void)
{
    GString *s = g_string_new(NULL);
    size_t i, n = G_N_ELEMENTS(image_formats);

    for (i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%s", i == 0 ? "" : i + 1 < n ? ", "
                               : " or ", image_formats[i].extension);
    }
    return g_string_free(s, FALSE);
}

bool image_file_write(pixman_image_t *img, const char *path,
                      const ImageFormat *format, GError **errp)
{
    g_autofree char *dir = g_path_get_dirname(path);

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot create %s: %s", dir, g_strerror(errno));
        return false;
    }
    return format->write(img, path, errp);
}
