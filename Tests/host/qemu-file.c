/*
 * The in-memory QEMUFile of qemu-file.h.
 */
#include <errno.h>
#include <string.h>

#include "qemu-file.h"

struct QEMUFile {
    GByteArray *out;            /* a save's */
    const uint8_t *buf;         /* a load's */
    size_t len, pos;
    int error;
    Error *err;
};

QEMUFile *qemu_file_new_output(GByteArray *out)
{
    QEMUFile *f = g_new0(QEMUFile, 1);

    f->out = out;
    return f;
}

QEMUFile *qemu_file_new_input(const uint8_t *buf, size_t len)
{
    QEMUFile *f = g_new0(QEMUFile, 1);

    f->buf = buf;
    f->len = len;
    return f;
}

void qemu_fclose(QEMUFile *f)
{
    error_free(f->err);
    g_free(f);
}

void qemu_put_buffer(QEMUFile *f, const uint8_t *buf, size_t len)
{
    g_byte_array_append(f->out, buf, len);
}

void qemu_put_byte(QEMUFile *f, uint8_t v)
{
    qemu_put_buffer(f, &v, 1);
}

void qemu_put_be32(QEMUFile *f, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    qemu_put_buffer(f, (const uint8_t *)&v, sizeof(v));
}

void qemu_put_be64(QEMUFile *f, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    qemu_put_buffer(f, (const uint8_t *)&v, sizeof(v));
}

size_t qemu_get_buffer(QEMUFile *f, uint8_t *buf, size_t len)
{
    size_t n = MIN(len, f->len - f->pos);

    memcpy(buf, f->buf + f->pos, n);
    f->pos += n;
    if (n < len) {
        memset(buf + n, 0, len - n);
        qemu_file_set_error(f, -EIO);
    }
    return n;
}

uint8_t qemu_get_byte(QEMUFile *f)
{
    uint8_t v;

    qemu_get_buffer(f, &v, 1);
    return v;
}

uint32_t qemu_get_be32(QEMUFile *f)
{
    uint32_t v;

    qemu_get_buffer(f, (uint8_t *)&v, sizeof(v));
    return GUINT32_FROM_BE(v);
}

uint64_t qemu_get_be64(QEMUFile *f)
{
    uint64_t v;

    qemu_get_buffer(f, (uint8_t *)&v, sizeof(v));
    return GUINT64_FROM_BE(v);
}

uint8_t qemu_peek_byte(QEMUFile *f, size_t offset)
{
    return offset < f->len - f->pos ? f->buf[f->pos + offset] : 0;
}

size_t qemu_file_remaining(QEMUFile *f)
{
    return f->len - f->pos;
}

int qemu_file_get_error(QEMUFile *f)
{
    return f->error;
}

void qemu_file_set_error(QEMUFile *f, int ret)
{
    if (!f->error) {
        f->error = ret;
    }
}

void qemu_file_set_error_obj(QEMUFile *f, int ret, Error *err)
{
    /* The first error stays; the first message for it too. */
    qemu_file_set_error(f, ret);
    if (!f->err) {
        f->err = err;
    } else {
        error_free(err);
    }
}

int qemu_file_get_error_obj(QEMUFile *f, Error **errp)
{
    if (!f->error) {
        return 0;
    }
    if (f->err) {
        error_propagate(errp, f->err);
        f->err = NULL;
    } else {
        error_setg(errp, "stream error %d (%s)", f->error, g_strerror(-f->error));
    }
    return f->error;
}
