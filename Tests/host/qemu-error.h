/*
 * Errors as QEMU's qapi/error.h has them: a function that can fail takes
 * Error **errp last and, on failure, stores a new Error there (a NULL errp
 * drops it). The caller reads it with error_get_pretty and frees it with
 * error_free.
 */
#ifndef QEMU_ERROR_H
#define QEMU_ERROR_H

#include <glib.h>

typedef struct Error Error;

/* QEMU's error_setg is a macro over error_setg_internal; one function here. */
void error_setg(Error **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
const char *error_get_pretty(const Error *err);
void error_free(Error *err);
/* Moves local_err to *dst_errp, unless that is NULL or set: then frees it. */
void error_propagate(Error **dst_errp, Error *local_err);

#endif /* QEMU_ERROR_H */
