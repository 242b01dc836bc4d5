/*
 * Guest memory for the tests' H_PUT_TCE_INDIRECT: a buffer of TCEs, as a
 * guest stores them, read through SpaprGuestMemory.
 */
#ifndef SWIFTTCE_TESTS_GUEST_MEMORY_H
#define SWIFTTCE_TESTS_GUEST_MEMORY_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"

/*
 * Guest memory for H_PUT_TCE_INDIRECT: a buffer of TCEs at guest address
 * base, stored big-endian as a guest stores them. A read that is not all
 * inside it fails, as does every read while fail is set; reads counts the
 * calls, last_addr and last_len say what the latest one asked for.
 */
typedef struct GuestBuf {
    SpaprGuestMemory mem;   /* what the hypercalls take: reads this buffer */
    uint64_t base;
    uint8_t *bytes;
    size_t size;
    unsigned reads;
    hwaddr last_addr;
    size_t last_len;
    bool fail;
} GuestBuf;

static inline bool guest_buf_read(void *opaque, hwaddr addr, void *buf,
                                  size_t len)
{
    GuestBuf *g = opaque;

    g->reads++;
    g->last_addr = addr;
    g->last_len = len;
    if (g->fail || addr < g->base || addr - g->base > g->size ||
        len > g->size - (addr - g->base)) {
        return false;
    }
    memcpy(buf, g->bytes + (addr - g->base), len);
    return true;
}

/* entries zero TCEs at base; free with guest_buf_free(). */
static inline void guest_buf_init(GuestBuf *g, uint64_t base, size_t entries)
{
    memset(g, 0, sizeof(*g));
    g->mem.opaque = g;
    g->mem.read = guest_buf_read;
    g->base = base;
    g->size = entries * 8;
    g->bytes = g_malloc0(g->size);
}

static inline void guest_buf_free(GuestBuf *g)
{
    g_free(g->bytes);
    g->bytes = NULL;
}

/* Entry i of the buffer, as the guest stores it. */
static inline void guest_buf_set(GuestBuf *g, size_t i, uint64_t tce)
{
    g_assert_cmpuint(i, <, g->size / 8);
    for (int b = 0; b < 8; b++) {
        g->bytes[i * 8 + b] = (uint8_t)(tce >> (56 - 8 * b));
    }
}

static inline uint64_t guest_buf_get(const GuestBuf *g, size_t i)
{
    uint64_t tce = 0;

    g_assert_cmpuint(i, <, g->size / 8);
    for (int b = 0; b < 8; b++) {
        tce = tce << 8 | g->bytes[i * 8 + b];
    }
    return tce;
}

#endif /* SWIFTTCE_TESTS_GUEST_MEMORY_H */
