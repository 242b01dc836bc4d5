/*
 * pseries-demo: byte counts as the options write them.
 */
#include <inttypes.h>
#include <string.h>

#include "sizes.h"

static const char size_units[] = "KMGTPE";

bool size_parse(const char *s, uint64_t *out)
{
    char *end;
    guint64 v;
    const char *u;
    int shift = 0;

    if (!s || !g_ascii_isdigit(*s)) {
        return false;
    }
    v = g_ascii_strtoull(s, &end, 10);
    if (*end) {
        u = strchr(size_units, g_ascii_toupper(*end));
        if (!u) {
            return false;
        }
        shift = 10 * (int)(u - size_units + 1);
        end++;
        if (*end && g_ascii_strcasecmp(end, "iB") != 0 &&
            g_ascii_strcasecmp(end, "B") != 0) {
            return false;
        }
    }
    if (shift && v > (G_MAXUINT64 >> shift)) {
        return false;
    }
    *out = v << shift;
    return true;
}

char *size_str_short(uint64_t v)
{
    int u = 0;

    while (u < (int)strlen(size_units) && v && (v & 1023) == 0) {
        v >>= 10;
        u++;
    }
    return u ? g_strdup_printf("%" PRIu64 "%c", v, size_units[u - 1])
             : g_strdup_printf("%" PRIu64, v);
}
