/*
 * The sparse migration format in host mode: swifttce_table_read_mapped on
 * the source, a swifttce_load_new_sparse session with swifttce_load_mapped
 * on the destination. A round trip of a 2^31-entry window with a few
 * thousand entries mapped gives the same table; every refusal leaves the
 * table as it was and the session as it was; and neither the staging nor
 * the loaded table grows with the window's span.
 */
#include <errno.h>
#include <sys/resource.h>

#include "host-test.h"

#define TEST_SEED 0x5a125eu
#define BIG_NB    (1u << 31)
#define PAGE_16   (1ULL << 16)

static void set_error(void *host_errp, const char *msg)
{
    char **out = host_errp;

    if (out) {
        g_free(*out);
        *out = g_strdup(msg);
    }
}

static const SwiftTCEHostOps ops = {
    .size = sizeof(SwiftTCEHostOps),
    .set_error = set_error,
};

static SwiftTCETable *new_table(uint32_t page_shift, uint64_t bus_offset,
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

static int cmp_index(const void *a, const void *b)
{
    uint64_t x = ((const SwiftTCEMappedEntry *)a)->index;
    uint64_t y = ((const SwiftTCEMappedEntry *)b)->index;

    return x < y ? -1 : x > y;
}

/*
 * n random entries of a window of nb: distinct indexes, ascending, non-zero
 * TCEs (a few with no perm: still mapped, as the full format carries them).
 */
static SwiftTCEMappedEntry *random_pairs(GRand *r, uint32_t nb, unsigned *n)
{
    SwiftTCEMappedEntry *p = g_new(SwiftTCEMappedEntry, *n);
    unsigned i, out = 0;

    for (i = 0; i < *n; i++) {
        p[i].index = g_rand_int(r) % nb;
        p[i].tce = (uint64_t)g_rand_int(r) << 16 | (i % 40 ? 1 + i % 3 : 0) |
                   0x1000;
    }
    p[0].index = 0;
    p[*n - 1].index = nb - 1;   /* both ends of the window */
    qsort(p, *n, sizeof(*p), cmp_index);
    for (i = 0; i < *n; i++) {
        if (out == 0 || p[i].index != p[out - 1].index) {
            p[out++] = p[i];
        }
    }
    *n = out;
    return p;
}

static void put_pairs(SwiftTCETable *t, const SwiftTCEMappedEntry *p,
                      unsigned n)
{
    uint64_t page = swifttce_table_min_page_size(t);
    uint64_t base = swifttce_table_bus_offset(t);
    unsigned i;

    for (i = 0; i < n; i++) {
        g_assert_cmpint(swifttce_put_tce(t, base + p[i].index * page,
                                         p[i].tce), ==, SWIFTTCE_H_SUCCESS);
    }
}

/* Every mapped entry, read back in chunks of random sizes. */
static GArray *read_all(SwiftTCETable *t, GRand *r)
{
    GArray *all = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMappedEntry));
    SwiftTCEMappedEntry chunk[1000];
    uint64_t first = 0;
    size_t got, max;

    do {
        max = g_rand_int_range(r, 1, G_N_ELEMENTS(chunk) + 1);
        got = swifttce_table_read_mapped(t, first, chunk, max);
        g_assert_cmpuint(got, <=, max);
        g_array_append_vals(all, chunk, got);
        if (got) {
            first = chunk[got - 1].index + 1;
        }
    } while (got == max);
    return all;
}

static void assert_pairs(GArray *got, const SwiftTCEMappedEntry *want,
                         unsigned n)
{
    unsigned i;

    g_assert_cmpuint(got->len, ==, n);
    for (i = 0; i < n; i++) {
        SwiftTCEMappedEntry *e = &g_array_index(got, SwiftTCEMappedEntry, i);

        g_assert_cmpuint(e->index, ==, want[i].index);
        g_assert_cmphex(e->tce, ==, want[i].tce);
    }
}

/* The table's geometry and mapped entries are these. */
static void assert_table(SwiftTCETable *t, uint32_t page_shift,
                         uint64_t bus_offset, uint32_t nb,
                         const SwiftTCEMappedEntry *want, unsigned n,
                         GRand *r)
{
    GArray *got = read_all(t, r);

    g_assert_cmpuint(swifttce_table_page_shift(t), ==, page_shift);
    g_assert_cmphex(swifttce_table_bus_offset(t), ==, bus_offset);
    g_assert_cmpuint(swifttce_table_nb_table(t), ==, nb);
    assert_pairs(got, want, n);
    g_array_free(got, TRUE);
}

/* Hands a session the pairs in batches of random sizes. */
static void load_pairs(SwiftTCELoad *l, const SwiftTCEMappedEntry *p,
                       unsigned n, GRand *r)
{
    unsigned i = 0;

    while (i < n) {
        unsigned want = g_rand_int_range(r, 0, 700);
        unsigned batch = MIN(n - i, want);
        char *msg = NULL;
        int ret = swifttce_load_mapped(l, p + i, batch, &msg);

        g_assert_cmpstr(msg, ==, NULL);
        g_assert_cmpint(ret, ==, 0);
        i += batch;
    }
}

/*
 * A 2^31-entry window of 64 KiB pages with a few thousand entries: read
 * back exactly, and loaded into a disabled table, one of another window,
 * and one of the same window with other entries.
 */
static void test_round_trip(void)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED);
    unsigned n = 5000;
    SwiftTCEMappedEntry *p = random_pairs(r, BIG_NB, &n);
    SwiftTCETable *src = new_table(16, 1ULL << 59, BIG_NB);
    SwiftTCETable *dst[3] = {
        new_table(0, 0, 0),
        new_table(12, 0, 1u << 12),
        new_table(16, 1ULL << 59, BIG_NB),
    };
    GArray *got;
    unsigned i;

    put_pairs(src, p, n);
    got = read_all(src, r);
    assert_pairs(got, p, n);
    g_array_free(got, TRUE);
    /* From the middle on: the pairs from that index. */
    {
        SwiftTCEMappedEntry chunk[10];
        unsigned mid = n / 2;

        g_assert_cmpuint(swifttce_table_read_mapped(src, p[mid].index, chunk,
                                                    10), ==, 10);
        assert_pairs(&(GArray){ (gchar *)chunk, 10 }, p + mid, 10);
        g_assert_cmpuint(swifttce_table_read_mapped(src, BIG_NB - 1, chunk,
                                                    10), ==, 1);
        g_assert_cmpuint(swifttce_table_read_mapped(src, BIG_NB, chunk, 10),
                         ==, 0);
    }
    {
        unsigned m = 300;
        SwiftTCEMappedEntry *other = random_pairs(r, BIG_NB, &m);

        put_pairs(dst[2], other, m);
        g_free(other);
    }
    for (i = 0; i < 3; i++) {
        SwiftTCELoad *l = swifttce_load_new_sparse(dst[i], BIG_NB, NULL);
        SwiftTCELoadResult res;

        g_assert_nonnull(l);
        load_pairs(l, p, n, r);
        g_assert_cmpint(swifttce_load_commit(l, 16, 1ULL << 59, &res, NULL),
                        ==, 0);
        g_assert_cmpint(res.made, ==, i < 2);
        g_assert_cmpint(res.dropped, ==, i == 1);
        assert_table(dst[i], 16, 1ULL << 59, BIG_NB, p, n, r);
        swifttce_table_free(dst[i]);
    }
    swifttce_table_free(src);
    g_free(p);
    g_rand_free(r);
}

/* A refused call: -EINVAL with a message naming the call. */
static void expect_refusal(int ret, char **msg, const char *call,
                           const char *what)
{
    g_assert_cmpint(ret, ==, -EINVAL);
    g_assert_nonnull(*msg);
    g_assert_true(g_str_has_prefix(*msg, call));
    g_assert_nonnull(strstr(*msg, what));
    g_test_message("%s", *msg);
    g_clear_pointer(msg, g_free);
}

/*
 * Each refusal stages nothing and leaves the table as it was: the session
 * goes on and commits what it took before; a commit refused leaves the
 * table's window and entries.
 */
static void test_refusals(void)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED + 1);
    unsigned n = 2000, m = 500;
    SwiftTCEMappedEntry *p = random_pairs(r, BIG_NB, &n);
    SwiftTCEMappedEntry *old = random_pairs(r, 1u << 20, &m);
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);
    SwiftTCEMappedEntry bad[3];
    SwiftTCELoad *l;
    char *msg = NULL;
    uint64_t tces[2] = { 0, 1 };

    /* The table's own errors go to its set_error: host_errp is ours. */
    g_assert_cmpint(swifttce_table_enable(t, 12, 0x1000, 1u << 20, NULL), ==,
                    0);
    put_pairs(t, old, m);
    l = swifttce_load_new_sparse(t, BIG_NB, &msg);
    load_pairs(l, p, n / 2, r);

    /* Out of order inside one call; nothing of the call is staged. */
    bad[0] = p[n / 2];
    bad[1] = p[n / 2 + 2];
    bad[2] = p[n / 2 + 1];
    expect_refusal(swifttce_load_mapped(l, bad, 3, &msg), &msg,
                   "swifttce_load_mapped", "ascending");
    /* Before what came: the last pair again, and an earlier one. */
    expect_refusal(swifttce_load_mapped(l, &p[n / 2 - 1], 1, &msg), &msg,
                   "swifttce_load_mapped", "ascending");
    expect_refusal(swifttce_load_mapped(l, &p[3], 1, &msg), &msg,
                   "swifttce_load_mapped", "ascending");
    /* A duplicate inside a call. */
    bad[0] = p[n / 2];
    bad[1] = p[n / 2];
    expect_refusal(swifttce_load_mapped(l, bad, 2, &msg), &msg,
                   "swifttce_load_mapped", "ascending");
    /* Past the stream's nb_table, after good ones. */
    bad[0] = p[n / 2];
    bad[1] = (SwiftTCEMappedEntry){ BIG_NB, 0x1003 };
    expect_refusal(swifttce_load_mapped(l, bad, 2, &msg), &msg,
                   "swifttce_load_mapped", "past");
    /* A zero TCE. */
    bad[1] = (SwiftTCEMappedEntry){ p[n / 2].index + 1, 0 };
    expect_refusal(swifttce_load_mapped(l, bad, 2, &msg), &msg,
                   "swifttce_load_mapped", "is 0");
    /* No pairs, and the full format's call. */
    expect_refusal(swifttce_load_mapped(l, NULL, 1, &msg), &msg,
                   "swifttce_load_mapped", "no entries");
    g_assert_cmpint(swifttce_load_mapped(l, NULL, 0, &msg), ==, 0);
    expect_refusal(swifttce_load_entries(l, 0, tces, 2, &msg), &msg,
                   "swifttce_load_entries", "sparse");
    g_assert_null(msg);
    /* The table never moved. */
    assert_table(t, 12, 0x1000, 1u << 20, old, m, r);

    /* Commits refused: page_shift 64, a window past 2^64. */
    load_pairs(l, p + n / 2, n - n / 2, r);
    {
        SwiftTCELoad *l2 = swifttce_load_new_sparse(t, BIG_NB, &msg);

        load_pairs(l2, p, n, r);
        expect_refusal(swifttce_load_commit(l2, 64, 0, NULL, &msg), &msg,
                       "swifttce_load_commit", "cannot be enabled");
        l2 = swifttce_load_new_sparse(t, BIG_NB, &msg);
        load_pairs(l2, p, n, r);
        expect_refusal(swifttce_load_commit(l2, 16, -(1ULL << 40), NULL,
                                            &msg), &msg,
                       "swifttce_load_commit", "cannot be enabled");
    }
    assert_table(t, 12, 0x1000, 1u << 20, old, m, r);
    /* A full session takes no pairs. */
    {
        SwiftTCELoad *full = swifttce_load_new(t, 1u << 20, &msg);

        expect_refusal(swifttce_load_mapped(full, p, 1, &msg), &msg,
                       "swifttce_load_mapped", "full");
        swifttce_load_abort(full);
    }
    /* The first session, untouched by its refusals, commits everything. */
    g_assert_cmpint(swifttce_load_commit(l, 16, 0, NULL, &msg), ==, 0);
    assert_table(t, 16, 0, BIG_NB, p, n, r);

    /* page_shift 0 on a disabled table: no geometry to keep. */
    swifttce_table_disable(t);
    l = swifttce_load_new_sparse(t, BIG_NB, &msg);
    load_pairs(l, p, n, r);
    expect_refusal(swifttce_load_commit(l, 0, 0, NULL, &msg), &msg,
                   "swifttce_load_commit", "page_shift 0");
    g_assert_cmpuint(swifttce_table_nb_table(t), ==, 0);
    /* NULL sessions: -EINVAL, no message. */
    g_assert_cmpint(swifttce_load_mapped(NULL, p, 1, &msg), ==, -EINVAL);
    g_assert_null(swifttce_load_new_sparse(NULL, 1, &msg));
    g_assert_null(msg);
    swifttce_table_free(t);
    g_free(p);
    g_free(old);
    g_rand_free(r);
}

static long max_rss_kib(void)
{
    struct rusage u;

    g_assert_cmpint(getrusage(RUSAGE_SELF, &u), ==, 0);
    return u.ru_maxrss;
}

/*
 * The same few thousand entries (indexes below 2^20) in windows of 2^23
 * and 2^31 entries: the loaded tables hold the same memory, and the load
 * of the big one raises the peak RSS by less than a flat copy of even the
 * small window would take.
 */
static void test_no_growth_with_span(void)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED + 2);
    unsigned n = 4000;
    SwiftTCEMappedEntry *p = random_pairs(r, 1u << 20, &n);
    uint32_t spans[2] = { 1u << 23, BIG_NB };
    size_t bytes[2];
    long before, after;
    int i;

    before = max_rss_kib();
    for (i = 0; i < 2; i++) {
        SwiftTCETable *t = new_table(0, 0, 0);
        SwiftTCELoad *l = swifttce_load_new_sparse(t, spans[i], NULL);

        load_pairs(l, p, n, r);
        g_assert_cmpint(swifttce_load_commit(l, 16, 0, NULL, NULL), ==, 0);
        bytes[i] = swifttce_table_storage_bytes(t);
        assert_table(t, 16, 0, spans[i], p, n, r);
        swifttce_table_free(t);
    }
    after = max_rss_kib();
    g_test_message("storage: %zu bytes for 2^23 entries, %zu for 2^31; peak "
                   "RSS +%ld KiB", bytes[0], bytes[1], after - before);
    g_assert_cmpuint(bytes[1], <=, bytes[0] + bytes[0] / 4);
    g_assert_cmpuint(bytes[1], <, 16u << 20);
    g_assert_cmpint(after - before, <, 16 << 10);
    g_free(p);
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* First: the peak RSS it measures is the process's. */
    g_test_add_func("/host/sparse/no-growth-with-span",
                    test_no_growth_with_span);
    g_test_add_func("/host/sparse/round-trip", test_round_trip);
    g_test_add_func("/host/sparse/refusals", test_refusals);
    return g_test_run();
}
