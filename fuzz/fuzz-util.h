/*
 * Shared helpers for the libFuzzer harnesses: reading typed values out of
 * the fuzzer's bytes, an invariant check that crashes loudly, which windows
 * enable accepts, and a sparse index -> value map used as the harnesses'
 * model of a TCE table.
 */
#ifndef SWIFTTCE_FUZZ_UTIL_H
#define SWIFTTCE_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swifttce.h"
#include "notifier-on.h"

/*
 * An invariant failure: print what and where, then abort so that libFuzzer
 * saves the input as a crash artifact.
 */
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "INVARIANT FAILED at %s:%d: %s\n  ", __FILE__,  \
                    __LINE__, #cond);                                       \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, "\n");                                          \
            abort();                                                        \
        }                                                                   \
    } while (0)

#define CHECK_EQ_U64(a, b, what)                                            \
    CHECK((uint64_t)(a) == (uint64_t)(b), "%s: 0x%llx != 0x%llx", (what),    \
          (unsigned long long)(a), (unsigned long long)(b))

/* ---- Input ------------------------------------------------------------- */

typedef struct FuzzInput {
    const uint8_t *p;
    size_t left;
} FuzzInput;

static inline bool in_empty(const FuzzInput *in)
{
    return in->left == 0;
}

static inline uint64_t in_bytes(FuzzInput *in, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v <<= 8;
        if (in->left) {
            v |= *in->p++;
            in->left--;
        }
    }
    return v;
}

static inline uint8_t in_u8(FuzzInput *in)
{
    return (uint8_t)in_bytes(in, 1);
}

static inline uint16_t in_u16(FuzzInput *in)
{
    return (uint16_t)in_bytes(in, 2);
}

static inline uint32_t in_u32(FuzzInput *in)
{
    return (uint32_t)in_bytes(in, 4);
}

static inline uint64_t in_u64(FuzzInput *in)
{
    return in_bytes(in, 8);
}

/*
 * An ioba that the TCE hypercalls turn into index: they mask the ioba with
 * the page mask before subtracting bus_offset, so with an unaligned
 * bus_offset, bus_offset + (index << page_shift) would land on index - 1.
 * All modulo 2^64.
 */
static inline uint64_t tce_ioba_of(uint64_t bus_offset, uint32_t page_shift,
                                   uint64_t index)
{
    uint64_t mask = ~((1ULL << page_shift) - 1);

    return ((bus_offset + ~mask) & mask) + (index << page_shift);
}

/*
 * The entry QEMU finds at an ioba: masked to its page, less bus_offset,
 * modulo 2^64 (so an ioba that tce_ioba_of wrapped lands where QEMU puts it).
 */
static inline uint64_t tce_index_of(uint64_t bus_offset, uint32_t page_shift,
                                    uint64_t ioba)
{
    return ((ioba & ~((1ULL << page_shift) - 1)) - bus_offset) >> page_shift;
}

/*
 * Whether spapr_tce_table_enable accepts this window: a page shift of 1 to
 * 63, at least one entry, a size that fits in 64 bits and a window that
 * ends at 2^64 at the latest.
 */
static inline bool enable_valid(uint32_t shift, uint64_t bus, uint32_t nb)
{
    uint64_t size;

    if (shift < 1 || shift > 63 || nb == 0) {
        return false;
    }
    size = (uint64_t)nb << shift;
    if (size >> shift != nb) {
        return false;
    }
    return bus <= UINT64_MAX - (size - 1);
}

/* ---- Seeded choices ---------------------------------------------------- */

/*
 * Marsaglia's xorshift64: the harnesses' own choices (batch sizes, which
 * entries to map) drawn from a seed the input gives, so a crash replays.
 */
static inline uint64_t fuzz_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- Sparse map: uint64 key -> uint64 value ----------------------------- */

typedef struct SparseMap {
    uint64_t *keys;
    uint64_t *vals;
    uint8_t *used;
    size_t cap;     /* power of two */
    size_t count;
} SparseMap;

static inline size_t sparse_hash(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static inline void sparse_alloc(SparseMap *m, size_t cap)
{
    m->keys = calloc(cap, sizeof(*m->keys));
    m->vals = calloc(cap, sizeof(*m->vals));
    m->used = calloc(cap, 1);
    if (!m->keys || !m->vals || !m->used) {
        abort();
    }
    m->cap = cap;
    m->count = 0;
}

static inline void sparse_free(SparseMap *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    memset(m, 0, sizeof(*m));
}

/* Empties the map; a map grown big is shrunk back so that resets stay cheap. */
static inline void sparse_clear(SparseMap *m)
{
    if (m->cap > 4096) {
        sparse_free(m);
    }
    if (!m->cap) {
        sparse_alloc(m, 64);
        return;
    }
    memset(m->used, 0, m->cap);
    m->count = 0;
}

static inline uint64_t *sparse_find(const SparseMap *m, uint64_t k)
{
    size_t i = sparse_hash(k, m->cap);

    while (m->used[i]) {
        if (m->keys[i] == k) {
            return &m->vals[i];
        }
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static inline void sparse_set(SparseMap *m, uint64_t k, uint64_t v)
{
    size_t i;

    if ((m->count + 1) * 2 > m->cap) {
        SparseMap bigger;

        sparse_alloc(&bigger, m->cap * 2);
        for (size_t j = 0; j < m->cap; j++) {
            if (m->used[j]) {
                sparse_set(&bigger, m->keys[j], m->vals[j]);
            }
        }
        sparse_free(m);
        *m = bigger;
    }
    i = sparse_hash(k, m->cap);
    while (m->used[i]) {
        if (m->keys[i] == k) {
            m->vals[i] = v;
            return;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->used[i] = 1;
    m->keys[i] = k;
    m->vals[i] = v;
    m->count++;
}

static inline uint64_t sparse_get(const SparseMap *m, uint64_t k)
{
    uint64_t *v = sparse_find(m, k);

    return v ? *v : 0;
}

#define SPARSE_FOREACH(m, i) \
    for (size_t i = 0; i < (m)->cap; i++) if ((m)->used[i])

#endif /* SWIFTTCE_FUZZ_UTIL_H */
