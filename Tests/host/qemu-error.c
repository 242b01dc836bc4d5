/*
 * The Error object of qemu-error.h: one message.
 */
#include <assert.h>
#include <stdarg.h>

#include "qemu-error.h"

struct Error {
    char *msg;
};

void error_setg(Error **errp, const char *fmt, ...)
{
    va_list ap;

    if (!errp) {
        return;
    }
    /* As in QEMU: an error already set is a bug in the caller. */
    assert(*errp == NULL);
    *errp = g_new(Error, 1);
    va_start(ap, fmt);
    (*errp)->msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

void error_free(Error *err)
{
    if (err) {
        g_free(err->msg);
        g_free(err);
    }
}

void error_propagate(Error **dst_errp, Error *local_err)
{
    /* As in QEMU: the first error wins, a later one is dropped. */
    if (dst_errp && !*dst_errp) {
        *dst_errp = local_err;
    } else {
        error_free(local_err);
    }
}
