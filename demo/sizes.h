/*
 * pseries-demo: byte counts as the options write them, with binary units:
 * "128T", "64K", "256MiB", "4096".
 */
#ifndef PSERIES_DEMO_SIZES_H
#define PSERIES_DEMO_SIZES_H

#include <stdbool.h>

#include <glib.h>

/* Parses s; false when it is not a size below 2^64. */
bool size_parse(const char *s, uint64_t *out);

/* v in its largest exact unit, "8T", "96M", "4096" (g_free it). */
char *size_str_short(uint64_t v);

#endif /* PSERIES_DEMO_SIZES_H */
