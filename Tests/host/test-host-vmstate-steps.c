/*
 * The engine's migration API in steps, as a host with QEMU's own vmstate
 * core uses it (include/swifttce/host.h): entries read in chunks agree with
 * the whole-body save; a load session takes the entries in any chunk sizes
 * and commits with QEMU 7.2's post_load rules, which its result reports;
 * every refusal leaves the table exactly as it was and says why; a load
 * costs what the stream maps, not what its window could hold.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/resource.h>

#include <glib.h>

#include "swifttce/host.h"

/* Sanitizers keep their own heap and map lots of address space. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define LIOBN 0x80000001u
#define FLAT_NB 4096u
/* The smallest window the engine keeps as a tree (above its flat limit). */
#define TREE_NB ((1u << 22) + 1)

static unsigned notified;
static char *last_error;

static void count_notify(void *host_table, const SwiftTCEMapping *m)
{
    notified++;
}

static void keep_error(void *host_errp, const char *msg)
{
    g_free(last_error);
    last_error = g_strdup(msg);
    if (host_errp) {
        (*(unsigned *)host_errp)++;
    }
}

static const SwiftTCEHostOps ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = count_notify,
    .set_error = keep_error,
};

static SwiftTCETable *table(uint32_t page_shift, uint64_t bus_offset,
                            uint32_t nb_table)
{
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);

    g_assert_nonnull(t);
    if (nb_table) {
        g_assert_cmpint(swifttce_table_enable(t, page_shift, bus_offset,
                                              nb_table, NULL), ==, 0);
    }
    return t;
}

/* n random TCEs (some with an address but no perm: raw values migrate). */
static void fill(SwiftTCETable *t, GRand *r, unsigned n)
{
    uint32_t shift = swifttce_table_page_shift(t);
    uint64_t bus = swifttce_table_bus_offset(t);
    uint32_t nb = swifttce_table_nb_table(t);

    for (unsigned i = 0; i < n; i++) {
        uint64_t index = g_rand_int_range(r, 0, nb);
        uint64_t tce = (uint64_t)g_rand_int(r) << 12 | g_rand_int_range(r, 0, 4);

        g_assert_cmpint(swifttce_put_tce(t, bus + (index << shift), tce), ==,
                        SWIFTTCE_H_SUCCESS);
    }
}

/* The whole-body save (bypass false, def_win true). */
static GByteArray *body(SwiftTCETable *t)
{
    size_t size = swifttce_table_vmstate_save(t, LIOBN, false, true, NULL, 0,
                                              NULL);
    GByteArray *b = g_byte_array_sized_new(size);

    g_assert_cmpuint(size, >, 0);
    g_byte_array_set_size(b, size);
    g_assert_cmpuint(swifttce_table_vmstate_save(t, LIOBN, false, true,
                                                 b->data, size, NULL), ==, size);
    return b;
}

static uint64_t body_entry(const GByteArray *b, uint64_t i)
{
    uint64_t v;

    memcpy(&v, b->data + 9 + 8 * i, 8);
    return GUINT64_FROM_BE(v);
}

static void assert_same_body(SwiftTCETable *t, const GByteArray *want)
{
    GByteArray *now = body(t);

    g_assert_cmpuint(now->len, ==, want->len);
    g_assert_true(memcmp(now->data, want->data, now->len) == 0);
    g_byte_array_free(now, TRUE);
}

/* What a refusal must leave: geometry and every entry (the body has both). */
typedef struct Snapshot {
    uint32_t nb_table, page_shift;
    uint64_t bus_offset;
    GByteArray *body;           /* NULL while disabled */
} Snapshot;

static Snapshot snapshot(SwiftTCETable *t)
{
    return (Snapshot) {
        .nb_table = swifttce_table_nb_table(t),
        .page_shift = swifttce_table_page_shift(t),
        .bus_offset = swifttce_table_bus_offset(t),
        .body = swifttce_table_nb_table(t) ? body(t) : NULL,
    };
}

static void assert_snapshot(SwiftTCETable *t, const Snapshot *s)
{
    g_assert_cmpuint(swifttce_table_nb_table(t), ==, s->nb_table);
    g_assert_cmpuint(swifttce_table_page_shift(t), ==, s->page_shift);
    g_assert_cmphex(swifttce_table_bus_offset(t), ==, s->bus_offset);
    if (s->body) {
        assert_same_body(t, s->body);
    }
}

/* A refusal: the status, a message that says what, the table as it was. */
static void assert_refusal(int ret, int want, unsigned *errors, unsigned n,
                           const char *says, SwiftTCETable *t,
                           const Snapshot *s)
{
    g_assert_cmpint(ret, ==, want);
    g_assert_cmpuint(*errors, ==, n);
    g_assert_nonnull(strstr(last_error, says));
    g_test_message("%s", last_error);
    assert_snapshot(t, s);
}

/* ---- Save: entries in chunks ---------------------------------------------- */

/* Reads all of t's entries in chunks of n: the body's, in order. */
static void read_in_chunks(SwiftTCETable *t, const GByteArray *b, size_t n)
{
    uint32_t nb = swifttce_table_nb_table(t);
    g_autofree uint64_t *chunk = g_new(uint64_t, n);
    uint64_t first = 0;
    size_t got;

    memset(chunk, 0xa5, n * 8);
    while ((got = swifttce_table_read_entries(t, first, chunk, n))) {
        g_assert_cmpuint(got, ==, MIN(n, nb - first));
        for (size_t i = 0; i < got; i++) {
            if (chunk[i] != body_entry(b, first + i)) {
                g_error("chunks of %zu: entry %" PRIu64 " 0x%" PRIx64
                        ", the body's 0x%" PRIx64, n, first + i, chunk[i],
                        body_entry(b, first + i));
            }
        }
        first += got;
    }
    g_assert_cmpuint(first, ==, nb);
}

static void test_read_entries(void)
{
    static const size_t chunks[] = { 1, 7, 512, 1000, 65536 };
    static const uint32_t nbs[] = { FLAT_NB, TREE_NB };
    GRand *r = g_rand_new_with_seed(0x5eed01);
    uint64_t tce[4];

    for (unsigned w = 0; w < G_N_ELEMENTS(nbs); w++) {
        SwiftTCETable *t = table(16, 1ull << 59, nbs[w]);
        GByteArray *b;
        uint64_t last = (uint64_t)(nbs[w] - 1) << 16;

        fill(t, r, 3000);
        /* the last entry, to see the clipping keep it */
        g_assert_cmpint(swifttce_put_tce(t, (1ull << 59) + last, 0xabc0003),
                        ==, SWIFTTCE_H_SUCCESS);
        b = body(t);
        for (unsigned c = 0; c < G_N_ELEMENTS(chunks); c++) {
            if (nbs[w] == TREE_NB && chunks[c] < 512) {
                continue;       /* 4 M calls: the big chunks say as much */
            }
            read_in_chunks(t, b, chunks[c]);
        }
        /* Clipped at nb_table; nothing from nb_table on. */
        g_assert_cmpuint(swifttce_table_read_entries(t, nbs[w] - 1, tce, 4),
                         ==, 1);
        g_assert_cmphex(tce[0], ==, 0xabc0003);
        g_assert_cmpuint(swifttce_table_read_entries(t, nbs[w], tce, 4), ==, 0);
        g_assert_cmpuint(swifttce_table_read_entries(t, UINT64_MAX, tce, 4), ==,
                         0);
        g_assert_cmpuint(swifttce_table_read_entries(t, 0, NULL, 4), ==, 0);
        g_assert_cmpuint(swifttce_table_read_entries(t, 0, tce, 0), ==, 0);
        g_assert_cmpuint(swifttce_table_read_entries(NULL, 0, tce, 4), ==, 0);
        swifttce_table_disable(t);
        g_assert_cmpuint(swifttce_table_read_entries(t, 0, tce, 4), ==, 0);
        g_byte_array_free(b, TRUE);
        swifttce_table_free(t);
    }
    g_rand_free(r);
}

/* ---- Load: a session in chunks ---------------------------------------------- */

/* Loads b's entries into t in chunks chosen by next_size; commits. */
static SwiftTCELoadResult load_body_in_chunks(SwiftTCETable *t,
                                              const GByteArray *b,
                                              size_t (*next_size)(GRand *),
                                              GRand *r, uint32_t page_shift,
                                              uint64_t bus_offset)
{
    uint32_t nb = (uint32_t)(b->data[4] << 24 | b->data[5] << 16 |
                             b->data[6] << 8 | b->data[7]);
    SwiftTCELoad *l = swifttce_load_new(t, nb, NULL);
    SwiftTCELoadResult res;
    uint64_t first = 0;

    g_assert_nonnull(l);
    while (first < nb) {
        size_t n = MIN(next_size(r), nb - first);
        g_autofree uint64_t *chunk = g_new(uint64_t, n);

        for (size_t i = 0; i < n; i++) {
            chunk[i] = body_entry(b, first + i);
        }
        g_assert_cmpint(swifttce_load_entries(l, first, chunk, n, NULL), ==, 0);
        first += n;
    }
    g_assert_cmpint(swifttce_load_commit(l, page_shift, bus_offset, &res,
                                         NULL), ==, 0);
    return res;
}

static size_t size_1(GRand *r) { return 1; }
static size_t size_3(GRand *r) { return 3; }
static size_t size_511(GRand *r) { return 511; }
static size_t size_513(GRand *r) { return 513; }
static size_t size_any(GRand *r) { return g_rand_int_range(r, 0, 1500); }

static void test_load_chunks(void)
{
    static size_t (*const sizes[])(GRand *) = {
        size_1, size_3, size_511, size_513, size_any,
    };
    GRand *r = g_rand_new_with_seed(0x5eed02);
    SwiftTCETable *src = table(16, 1ull << 59, FLAT_NB);
    GByteArray *b;

    fill(src, r, 1500);
    b = body(src);
    for (unsigned s = 0; s < G_N_ELEMENTS(sizes); s++) {
        /* a destination with entries of its own, which the load replaces */
        SwiftTCETable *dst = table(16, 1ull << 59, FLAT_NB);
        SwiftTCELoadResult res;

        fill(dst, r, 100);
        notified = 0;
        res = load_body_in_chunks(dst, b, sizes[s], r, 16, 1ull << 59);
        g_assert_false(res.dropped || res.made);
        g_assert_cmpuint(notified, ==, 0);
        assert_same_body(dst, b);
        swifttce_table_free(dst);
    }
    g_byte_array_free(b, TRUE);
    swifttce_table_free(src);
    g_rand_free(r);
}

/* ---- Load: QEMU's post_load rules --------------------------------------------- */

/*
 * One case: a table of (shift, offset, nb) with a few entries, a stream of
 * stream_nb entries (entry i = tce_of(i) for i < mapped) committed with
 * (page_shift, bus_offset): the flags, the old geometry and the new window.
 */
static uint64_t tce_of(uint64_t i)
{
    return (0x40000000ull + (i << 24)) | 3;
}

static void post_load_case(uint32_t shift, uint64_t offset, uint32_t nb,
                           uint32_t stream_nb, uint32_t page_shift,
                           uint64_t bus_offset, bool dropped, bool made)
{
    SwiftTCETable *t = table(shift, offset, nb);
    SwiftTCELoad *l = swifttce_load_new(t, stream_nb, NULL);
    uint64_t chunk[64] = { 0 }, tce;
    SwiftTCELoadResult res;
    uint64_t first;

    if (nb) {
        g_assert_cmpint(swifttce_put_tce(t, offset + ((uint64_t)(nb - 1) << shift),
                                         0x7770001), ==, SWIFTTCE_H_SUCCESS);
    }
    for (first = 0; first < stream_nb; first += 64) {
        for (unsigned i = 0; i < 64; i++) {
            chunk[i] = first + i < 8 ? tce_of(first + i) : 0;
        }
        g_assert_cmpint(swifttce_load_entries(l, first, chunk,
                                              MIN(64, stream_nb - first), NULL),
                        ==, 0);
    }
    notified = 0;
    memset(&res, 0xff, sizeof(res));
    g_assert_cmpint(swifttce_load_commit(l, page_shift, bus_offset, &res, NULL),
                    ==, 0);
    g_assert_cmpint(res.dropped, ==, dropped);
    g_assert_cmpint(res.made, ==, made);
    g_assert_cmpuint(res.old_nb_table, ==, nb);
    g_assert_cmpuint(res.old_page_shift, ==, nb ? shift : 0);
    g_assert_cmphex(res.old_bus_offset, ==, nb ? offset : 0);
    g_assert_cmpuint(notified, ==, 0);
    g_assert_cmpuint(swifttce_table_nb_table(t), ==, stream_nb);
    if (stream_nb) {
        SwiftTCEMapping m;

        /* the given geometry, even where the window stayed (QEMU's fields) */
        g_assert_cmpuint(swifttce_table_page_shift(t), ==, page_shift);
        g_assert_cmphex(swifttce_table_bus_offset(t), ==, bus_offset);
        /* the stream's entries, and only them */
        g_assert_cmpint(swifttce_get_tce(t, bus_offset + (5ull << page_shift),
                                         &tce), ==, SWIFTTCE_H_SUCCESS);
        g_assert_cmphex(tce, ==, tce_of(5));
        g_assert_cmpint(swifttce_get_tce(t, bus_offset + ((uint64_t)(stream_nb - 1)
                                                          << page_shift),
                                         &tce), ==, SWIFTTCE_H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
        swifttce_translate(t, (5ull << page_shift) + 8, &m);
        g_assert_cmphex(m.translated_addr, ==, tce_of(5) & ~((1ull << page_shift) - 1));
    } else {
        g_assert_cmpuint(swifttce_table_page_shift(t), ==, 0);
    }
    swifttce_table_free(t);
}

static void test_post_load_rules(void)
{
    /* another nb_table: the old window goes, a new one comes */
    post_load_case(12, 0, 256, 128, 16, 1ull << 59, true, true);
    /* none: the old window goes */
    post_load_case(12, 0, 256, 0, 12, 0, true, false);
    /* a disabled table: a new window */
    post_load_case(0, 0, 0, 128, 24, 1ull << 59, false, true);
    /* disabled, and none in the stream: nothing to do */
    post_load_case(0, 0, 0, 0, 16, 0, false, false);
    /* the same nb_table: the window stays, its entries and geometry replaced */
    post_load_case(12, 0, 256, 256, 12, 0, false, false);
    post_load_case(12, 0, 256, 256, 16, 0x10000000, false, false);
    /* the same as a tree, and another nb_table as a tree */
    post_load_case(12, 0, TREE_NB, TREE_NB, 16, 1ull << 59, false, false);
    post_load_case(12, 0, TREE_NB, TREE_NB + 1, 16, 1ull << 59, true, true);
}

/* ---- Refusals -------------------------------------------------------------------- */

/* A commit from inside the table's own notify hook. */
static SwiftTCELoad *reentrant_load;
static int reentrant_ret;

static void commit_from_notify(void *host_table, const SwiftTCEMapping *m)
{
    unsigned *errors = host_table;

    reentrant_ret = swifttce_load_commit(reentrant_load, 12, 0, NULL, errors);
    reentrant_load = NULL;
}

static void test_refusals(void)
{
    uint64_t entries[16] = { tce_of(0), 0, tce_of(2) };
    SwiftTCETable *t = table(12, 0, 16);
    SwiftTCELoadResult res;
    unsigned errors = 0;
    SwiftTCELoad *l;
    Snapshot s;

    g_assert_cmpint(swifttce_put_tce(t, 0x3000, 0x5003), ==, SWIFTTCE_H_SUCCESS);
    s = snapshot(t);

    /* NULLs */
    g_assert_null(swifttce_load_new(NULL, 16, &errors));
    g_assert_cmpint(swifttce_load_entries(NULL, 0, entries, 1, &errors), ==,
                    -EINVAL);
    g_assert_cmpint(swifttce_load_commit(NULL, 12, 0, &res, &errors), ==,
                    -EINVAL);
    swifttce_load_abort(NULL);
    g_assert_cmpuint(errors, ==, 0);

    /* Entries: each refused call stages nothing, the session goes on. */
    l = swifttce_load_new(t, 16, &errors);
    g_assert_nonnull(l);
    assert_refusal(swifttce_load_entries(l, 0, NULL, 3, &errors), -EINVAL,
                   &errors, 1, "no entries", t, &s);
    g_assert_cmpint(swifttce_load_entries(l, 0, entries, 3, &errors), ==, 0);
    assert_refusal(swifttce_load_entries(l, 4, entries, 1, &errors), -EINVAL,
                   &errors, 2, "in order", t, &s);
    assert_refusal(swifttce_load_entries(l, 0, entries, 1, &errors), -EINVAL,
                   &errors, 3, "in order", t, &s);
    assert_refusal(swifttce_load_entries(l, 3, entries, 14, &errors), -EINVAL,
                   &errors, 4, "pass the stream's 16", t, &s);
    g_assert_cmpint(swifttce_load_entries(l, 3, entries, 0, &errors), ==, 0);
    g_assert_cmpint(swifttce_load_entries(l, 3, entries, 12, &errors), ==, 0);
    /* One short: refused and consumed. */
    memset(&res, 0xff, sizeof(res));
    assert_refusal(swifttce_load_commit(l, 12, 0, &res, &errors), -EINVAL,
                   &errors, 5, "delivered 15 of 16", t, &s);
    g_assert_false(res.dropped || res.made);
    g_assert_cmpuint(res.old_nb_table, ==, 16);
    g_assert_cmpuint(res.old_page_shift, ==, 12);

    /* Geometries no window can have (another nb_table: a new window). */
    {
        static const struct {
            uint32_t nb, shift;
            uint64_t offset;
            const char *says;
        } bad[] = {
            { 16, 0, 0, "page_shift 0" },
            { 16, 64, 0, "page_shift 64" },
            { 8, 63, 0, "pass 2^64" },
            { 16, 12, 0xfffffffffffff000ull, "pass 2^64" },
            { 8, 13, 0xffffffffffff2000ull, "pass 2^64" },
        };

        for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
            l = swifttce_load_new(t, bad[i].nb, &errors);
            g_assert_cmpint(swifttce_load_entries(l, 0, entries, bad[i].nb,
                                                  &errors) , ==, 0);
            assert_refusal(swifttce_load_commit(l, bad[i].shift, bad[i].offset,
                                                NULL, &errors), -EINVAL,
                           &errors, 6 + i, bad[i].says, t, &s);
        }
    }
    /* Aborted: nothing. */
    l = swifttce_load_new(t, 16, &errors);
    g_assert_cmpint(swifttce_load_entries(l, 0, entries, 16, &errors), ==, 0);
    swifttce_load_abort(l);
    assert_snapshot(t, &s);
    g_byte_array_free(s.body, TRUE);
    swifttce_table_free(t);

    /* From the table's own callback: refused, not a deadlock. */
    {
        SwiftTCEHostOps reentrant = ops;

        reentrant.notify = commit_from_notify;
        t = swifttce_table_new(&reentrant, &errors);
        g_assert_cmpint(swifttce_table_enable(t, 12, 0, 16, NULL), ==, 0);
        reentrant_load = swifttce_load_new(t, 16, &errors);
        g_assert_cmpint(swifttce_load_entries(reentrant_load, 0, entries, 16,
                                              &errors), ==, 0);
        errors = 0;
        g_assert_cmpint(swifttce_put_tce(t, 0x1000, 0x9003), ==,
                        SWIFTTCE_H_SUCCESS);
        g_assert_cmpint(reentrant_ret, ==, -EINVAL);
        g_assert_cmpuint(errors, ==, 1);
        g_assert_nonnull(strstr(last_error, "callback"));
        g_assert_null(reentrant_load);
        g_assert_cmpint(swifttce_get_tce(t, 0x0, &entries[15]), ==,
                        SWIFTTCE_H_SUCCESS);
        g_assert_cmphex(entries[15], ==, 0);
        swifttce_table_free(t);
    }
}

/*
 * QEMU's core sends no entry of a window past 2^31 - 1 entries: the body
 * save refuses one (the size question too), and takes the largest.
 */
static void test_save_limit(void)
{
    SwiftTCETable *t = table(12, 0, SWIFTTCE_VMSTATE_NB_TABLE_MAX + 1u);
    uint8_t buf[64];
    unsigned errors = 0;

    g_assert_cmpuint(swifttce_table_vmstate_save(t, LIOBN, false, false, NULL,
                                                 0, &errors), ==, 0);
    g_assert_cmpuint(errors, ==, 1);
    g_assert_nonnull(strstr(last_error, "2147483648 entries"));
    g_test_message("%s", last_error);
    g_assert_cmpuint(swifttce_table_vmstate_save(t, LIOBN, false, false, buf,
                                                 sizeof(buf), &errors), ==, 0);
    g_assert_cmpuint(errors, ==, 2);
    swifttce_table_disable(t);
    g_assert_cmpint(swifttce_table_enable(t, 12, 0, SWIFTTCE_VMSTATE_NB_TABLE_MAX,
                                          NULL), ==, 0);
    /* liobn, nb, bypass, the entries, def_win; no subsection (4 KiB at 0) */
    g_assert_cmpuint(swifttce_table_vmstate_save(t, LIOBN, false, false, NULL,
                                                 0, &errors), ==,
                     9 + 8 * (size_t)SWIFTTCE_VMSTATE_NB_TABLE_MAX + 1);
    g_assert_cmpuint(errors, ==, 2);
    swifttce_table_free(t);
}

/* ---- Footprint -------------------------------------------------------------------- */

/* The heap in use (glibc's view: arenas and mmapped blocks). */
static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

#define MAPPED 1000
#define FOOT_CHUNK (1u << 20)

/*
 * A window of nb entries with MAPPED of them non-zero, loaded through a
 * session into a disabled table (a tree): the staging, then the table, cost
 * what is mapped.
 */
static void load_sparse_window(uint32_t nb)
{
    SwiftTCETable *t = table(0, 0, 0);
    uint64_t *chunk = g_new0(uint64_t, FOOT_CHUNK);
    uint64_t first, step = nb / MAPPED, next = 0;
    size_t heap0 = heap_bytes(), staged, storage;
    SwiftTCELoadResult res;
    SwiftTCELoad *l = swifttce_load_new(t, nb, NULL);
    uint64_t tce;

    g_assert_nonnull(l);
    for (first = 0; first < nb; first += FOOT_CHUNK) {
        size_t n = MIN(FOOT_CHUNK, nb - first);
        uint64_t k;

        for (k = next; k < MAPPED && k * step < first + n; k++) {
            chunk[k * step - first] = tce_of(k);
        }
        g_assert_cmpint(swifttce_load_entries(l, first, chunk, n, NULL), ==, 0);
        for (; next < k; next++) {
            chunk[next * step - first] = 0;
        }
    }
    g_assert_cmpuint(next, ==, MAPPED);
    staged = heap_bytes() - heap0;
    g_assert_cmpint(swifttce_load_commit(l, 16, 1ull << 59, &res, NULL), ==, 0);
    g_assert_true(res.made && !res.dropped);
    storage = swifttce_table_storage_bytes(t);
    g_test_message("%u entries, %u mapped: staged %zu KiB, table %zu KiB, "
                   "heap after %zd KiB", nb, MAPPED, staged / 1024,
                   storage / 1024, ((ssize_t)heap_bytes() - (ssize_t)heap0) / 1024);
    /* 16 bytes a staged entry, doubled at most; a few nodes per entry */
    if (!SANITIZED) {
        g_assert_cmpuint(staged, <, 64 * 1024);
        g_assert_cmpuint(heap_bytes() - heap0, <, 4 * 1024 * 1024);
    }
    g_assert_cmpuint(storage, <, 2 * 1024 * 1024);
    g_assert_cmpint(swifttce_get_tce(t, (1ull << 59) + ((999 * step) << 16),
                                     &tce), ==, SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(tce, ==, tce_of(999));
    g_free(chunk);
    swifttce_table_free(t);
}

/*
 * The largest window QEMU's core can send, 2^31 - 1 entries (16 GiB as a
 * flat array), with 1000 mapped. In a child whose address space is capped
 * at 1 GiB above what it has, so that no allocation of the window's size
 * can succeed, even one the kernel would not commit.
 */
static void test_footprint(void)
{
    if (SANITIZED) {
        /* Their shadow memory forbids the cap; the heap is theirs. */
        load_sparse_window(1u << 27);
        return;
    }
    if (g_test_subprocess()) {
        struct rlimit cap;
        unsigned long pages;
        FILE *f = fopen("/proc/self/statm", "r");

        g_assert_nonnull(f);
        g_assert_cmpint(fscanf(f, "%lu", &pages), ==, 1);
        fclose(f);
        cap.rlim_cur = cap.rlim_max = pages * 4096ul + (1ul << 30);
        g_assert_cmpint(setrlimit(RLIMIT_AS, &cap), ==, 0);
        load_sparse_window(SWIFTTCE_VMSTATE_NB_TABLE_MAX);
        return;
    }
    /* (its TAP lines are its own: only its stderr comes through) */
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/vmstate-steps/read-entries", test_read_entries);
    g_test_add_func("/host/vmstate-steps/load-chunks", test_load_chunks);
    g_test_add_func("/host/vmstate-steps/post-load-rules", test_post_load_rules);
    g_test_add_func("/host/vmstate-steps/refusals", test_refusals);
    g_test_add_func("/host/vmstate-steps/save-limit", test_save_limit);
    g_test_add_func("/host/vmstate-steps/footprint", test_footprint);
    return g_test_run();
}
