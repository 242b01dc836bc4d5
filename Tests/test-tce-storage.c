/*
 * TCE storage through the public API: what allocates and what does not, what
 * is released, the storage bound of a huge sparse window, every tree depth and
 * page shift, and replay against the generic walk on random tables.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "swifttce.h"
#include "test-util.h"

#define WIN64_BUS SPAPR_PCI_DMA64_START

/* ---- Helpers ---------------------------------------------------------- */

static IOMMUTLBEntry translate(SpaprTceTable *t, hwaddr addr)
{
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);

    return spapr_tce_iommu_ops.translate(mr, addr, IOMMU_NONE, 0);
}

static guint replay_count(SpaprTceTable *t)
{
    Recorder r;
    guint n;

    recorder_init(&r, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    memory_region_iommu_replay(spapr_tce_get_iommu_mr(t), &r.n);
    n = r.entries->len;
    recorder_destroy(&r);
    return n;
}

/* ---- Allocation ------------------------------------------------------- */

/* ThreadSanitizer shadows every access: resident memory then says nothing. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

/* The process's resident memory, as the kernel counts it. */
static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size, resident;

    g_assert_nonnull(f);
    g_assert_cmpint(fscanf(f, "%lu %lu", &size, &resident), ==, 2);
    fclose(f);
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Reads, replays and clears of absent entries allocate nothing. */
static void test_absent_allocates_nothing(void)
{
    const uint32_t liobn = 0x5101;
    SpaprTceTable *t = make_table(liobn, 16, WIN64_BUS, 1u << 31);
    size_t b0 = spapr_tce_table_storage_bytes(t);
    uint64_t i, ioba;
    GRand *rng = g_rand_new_with_seed(1);
    GuestBuf zeros;

    guest_buf_init(&zeros, 0x1000, 512);
    g_assert_cmpuint(b0, >, 0);
    for (i = 0; i < 20000; i++) {
        uint64_t index = (uint64_t)g_rand_int(rng) & ((1u << 31) - 1);

        ioba = WIN64_BUS + (index << 16);
        g_assert_cmpint(translate(t, index << 16).perm, ==, IOMMU_NONE);
        g_assert_cmphex(test_get_tce(liobn, ioba), ==, 0);
        g_assert_cmpint(spapr_h_put_tce(liobn, ioba, 0), ==, H_SUCCESS);
    }
    g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS + (12345ull << 16), 0,
                                      100000), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce_indirect(liobn, WIN64_BUS, zeros.base, 512,
                                             &zeros.mem), ==, H_SUCCESS);
    guest_buf_free(&zeros);
    g_assert_cmpuint(replay_count(t), ==, 0);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, b0);

    /* The first non-zero TCE allocates, and reads back. */
    ioba = WIN64_BUS + (0x7654321ull << 16);
    g_assert_cmpint(spapr_h_put_tce(liobn, ioba, 0xabc0000 | TCE_PCI_READ), ==, H_SUCCESS);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), >, b0);
    g_assert_cmphex(test_get_tce(liobn, ioba), ==, 0xabc0000 | TCE_PCI_READ);
    g_assert_cmpuint(replay_count(t), ==, 1);

    /* A non-zero TCE without perm is stored too (H_GET_TCE returns it) ... */
    ioba = WIN64_BUS + (0x1234567ull << 16);
    g_assert_cmpint(spapr_h_put_tce(liobn, ioba, 0x5550000), ==, H_SUCCESS);
    g_assert_cmphex(test_get_tce(liobn, ioba), ==, 0x5550000);
    /* ... but is not a mapping. */
    g_assert_cmpuint(replay_count(t), ==, 1);
    g_rand_free(rng);
    spapr_tce_table_free(t);
}

/*
 * Disable and reset release everything; enabling again starts small. Run on
 * a flat window and on a tree, each with 2048 leaves written, each leaf at
 * least leaf_bytes (a flat page; a tree's sparse leaves hold ~5 entries).
 */
static void check_release(uint32_t liobn, uint32_t nb, size_t leaf_bytes)
{
    SpaprTceTable *t = make_table(liobn, 12, 0, nb);
    size_t b0 = spapr_tce_table_storage_bytes(t);
    uint64_t i;

    for (i = 0; i < (1u << 20); i += 97) {
        g_assert_cmpint(spapr_h_put_tce(liobn, i << 12, (i << 12) | 3), ==, H_SUCCESS);
    }
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), >, b0 + 2048 * leaf_bytes);
    g_assert_cmpuint(assert_replay_matches_generic(t), ==, ((1u << 20) + 96) / 97);

    spapr_tce_table_reset(t);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, b0);
    g_assert_cmphex(test_get_tce(liobn, 97ull << 12), ==, 0);
    g_assert_cmpuint(replay_count(t), ==, 0);

    g_assert_cmpint(spapr_h_put_tce(liobn, 5ull << 12, 0x9000 | 3), ==, H_SUCCESS);
    spapr_tce_table_disable(t);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, 0);
    g_assert_cmpint(translate(t, 5ull << 12).perm, ==, IOMMU_NONE);
    g_assert_cmpuint(replay_count(t), ==, 0);

    g_assert_cmpint(spapr_tce_table_enable(t, 12, 0, nb, NULL), ==, 0);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, b0);
    g_assert_cmphex(test_get_tce(liobn, 5ull << 12), ==, 0);
    g_assert_cmpint(spapr_h_put_tce(liobn, 5ull << 12, 0x9000 | 3), ==, H_SUCCESS);
    spapr_tce_table_free(t);   /* frees a populated table */
}

static void test_release(void)
{
    check_release(0x5102, 1u << 20, 4096);  /* flat */
    check_release(0x5105, 1u << 23, 128);   /* tree */
}

/*
 * The largest flat window (32 MiB of entries) costs what is written in the
 * kernel's count too: reading every entry commits nothing, a write in each
 * leaf commits the leaf's page, and storage_bytes says so.
 */
static void test_flat_commits_on_write(void)
{
    const uint32_t liobn = 0x5106, nb = 1u << 22;
    const size_t leaves = nb / 512, mib = 1024 * 1024;
    SpaprTceTable *t = make_table(liobn, 12, 0, nb);
    size_t rss0 = resident_bytes(), rss1, bytes;
    uint64_t i;
    int perms = 0;

    for (i = 0; i < nb; i++) {
        perms |= translate(t, i << 12).perm;
    }
    g_assert_cmpint(perms, ==, IOMMU_NONE);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, 0);
    rss1 = resident_bytes();
    for (i = 0; i < nb; i += 512) {
        g_assert_cmpint(spapr_h_put_tce(liobn, i << 12, (i << 12) | 3), ==, H_SUCCESS);
    }
    /* Each leaf's page of entries, then pages of bitmap and leaf bits. */
    bytes = spapr_tce_table_storage_bytes(t);
    g_assert_cmpuint(bytes, >=, leaves * 4096);
    g_assert_cmpuint(bytes, <=, leaves * 4096 + leaves * 64 + 2 * (size_t)sysconf(_SC_PAGESIZE));
    g_assert_cmpuint(replay_count(t), ==, leaves);
    g_test_message("resident: %zu MiB, after reads %+zd KiB, after writes %+zd KiB",
                   rss0 / mib, (ssize_t)(rss1 - rss0) / 1024,
                   (ssize_t)(resident_bytes() - rss1) / 1024);
    /* Under TSan the shadow memory moves the resident count. */
#ifndef UNDER_TSAN
    g_assert_cmpuint(rss1, <, rss0 + 4 * mib);                  /* not 32 MiB */
    g_assert_cmpuint(resident_bytes(), >, rss1 + leaves * 4096 - 4 * mib);
#endif
    spapr_tce_table_free(t);
}

/* 1 GiB mapped contiguously in a 128 TiB window of 64 KiB pages. */
static void test_storage_bound(void)
{
    const uint32_t liobn = 0x5103;
    const uint64_t pages = (1ull << 30) >> 16;
    const uint64_t starts[] = { 0, 0x12345, (1ull << 31) - pages };
    const size_t limit = 2 * 8 * pages + 64 * 1024;
    SpaprTceTable *t = make_table(liobn, 16, WIN64_BUS, 1u << 31);
    unsigned s;

    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), <=, 64 * 1024 + 4096);
    for (s = 0; s < G_N_ELEMENTS(starts); s++) {
        uint64_t i;
        size_t bytes;

        for (i = 0; i < pages; i++) {
            uint64_t index = starts[s] + i;

            g_assert_cmpint(spapr_h_put_tce(liobn, WIN64_BUS + (index << 16),
                                            (index << 16) | 3), ==, H_SUCCESS);
        }
        bytes = spapr_tce_table_storage_bytes(t);
        g_test_message("1 GiB at index 0x%" G_GINT64_MODIFIER "x: %zu bytes (limit %zu)",
                       starts[s], bytes, limit);
        g_assert_cmpuint(bytes, <=, limit);
        g_assert_cmpuint(replay_count(t), ==, pages);
        spapr_tce_table_reset(t);
    }
    spapr_tce_table_free(t);
}

/* An empty 128 TiB window replays nothing, at once, with skipping off. */
static void test_empty_huge_replay(void)
{
    SpaprTceTable *t = make_table(0x5104, 16, WIN64_BUS, 1u << 31);
    struct timespec a, b;
    double secs;
    int i;

    g_assert_false(spapr_tce_get_skipping_replay(t));
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < 100; i++) {
        g_assert_cmpuint(replay_count(t), ==, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    /* A walk of 2^31 granules takes seconds; 100 replays must not. */
    g_assert_cmpfloat(secs, <, 0.5);
    spapr_tce_table_free(t);
}

/* ---- Every depth and page shift ---------------------------------------- */

static void check_indexes(uint32_t liobn, uint32_t shift, uint64_t bus, uint64_t nb)
{
    const uint64_t candidates[] = {
        0, 1, 511, 512, 513, (1u << 18) - 1, 1u << 18, (1u << 21) - 1, 1u << 21,
        (1u << 27) - 1, 1u << 27, nb / 2, nb - 2, nb - 1,
    };
    SpaprTceTable *t = make_table(liobn, shift, bus, (uint32_t)nb);
    uint64_t used[G_N_ELEMENTS(candidates)];
    unsigned n = 0, i, j;
    Recorder r;

    for (i = 0; i < G_N_ELEMENTS(candidates); i++) {
        uint64_t index = candidates[i];
        bool dup = index >= nb;

        for (j = 0; j < n && !dup; j++) {
            dup = used[j] == index;
        }
        if (!dup) {
            used[n++] = index;
        }
    }
    for (i = 0; i < n; i++) {
        uint64_t addr = used[i] << shift;
        uint64_t tce = ((0x1234ull + i) << (shift < 2 ? 2 : shift)) | (i % 3 + 1);
        IOMMUTLBEntry e;

        g_assert_cmpint(spapr_h_put_tce(liobn, bus + addr, tce), ==, H_SUCCESS);
        g_assert_cmphex(test_get_tce(liobn, bus + addr), ==, tce);
        e = translate(t, addr);
        g_assert_cmphex(e.iova, ==, addr);
        /* tce & page mask: for tiny pages the perm bits are address bits */
        g_assert_cmphex(e.translated_addr, ==, tce & ~((1ull << shift) - 1));
        g_assert_cmpint(e.perm, ==, i % 3 + 1);
    }
    /* Past the last index: refused and unmapped. */
    if (((nb << shift) >> shift) == nb) {
        g_assert_cmpint(spapr_h_put_tce(liobn, bus + (nb << shift), 3), ==, H_PARAMETER);
        g_assert_cmpint(translate(t, nb << shift).perm, ==, IOMMU_NONE);
    }
    /* Replay: the entries in index order. */
    recorder_init(&r, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    memory_region_iommu_replay(spapr_tce_get_iommu_mr(t), &r.n);
    g_assert_cmpuint(r.entries->len, ==, n);
    for (i = 1; i < n; i++) {
        g_assert_cmphex(recorder_entry(&r, i - 1)->iova, <,
                        recorder_entry(&r, i)->iova);
    }
    recorder_destroy(&r);
    if (nb <= (1u << 20)) {
        g_assert_cmpuint(assert_replay_matches_generic(t), ==, n);
    }
    spapr_tce_table_free(t);
}

static void test_depths(void)
{
    const uint64_t sizes[] = {
        1, 2, 511, 512, 513, 4096, 1u << 18, (1u << 18) + 1, (1u << 19) + 3,
        1u << 21, (1u << 21) + 1, (1u << 22) + 1, 1u << 27, (1u << 27) + 1,
        1u << 30, (1u << 30) + 1, 1u << 31, (1ull << 32) - 1,
    };
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
        check_indexes(0x5200 + i, 12, 0, sizes[i]);
    }
    check_indexes(0x52f0, 16, WIN64_BUS, 1u << 31);
}

static void test_page_shifts(void)
{
    uint32_t shift;

    for (shift = 1; shift <= 63; shift++) {
        uint64_t max = shift >= 54 ? ((1ull << (64 - shift)) - 1) : 1000;

        check_indexes(0x5300 + shift, shift, 0, max > 1000 ? 1000 : max);
    }
}

/* ---- Replay against the generic walk ---------------------------------- */

static void test_replay_equivalence(void)
{
    const uint32_t shifts[] = { 12, 16, 21, 24 };
    GRand *rng = g_rand_new_with_seed(42);
    int round;

    /* Flat windows, small and up to 2^20 entries; then trees (2^22 + up to 2^20). */
    for (round = 0; round < 64; round++) {
        const uint32_t liobn = 0x5400 + round;
        uint32_t shift = shifts[g_rand_int_range(rng, 0, G_N_ELEMENTS(shifts))];
        uint32_t nb = round < 40 ? (uint32_t)g_rand_int_range(rng, 1, 5000)
                    : round < 60 ? (uint32_t)g_rand_int_range(rng, 1, 1 << 20)
                                 : (1u << 22) + (uint32_t)g_rand_int_range(rng, 1, 1 << 20);
        uint64_t bus = g_rand_boolean(rng) ? 0 : WIN64_BUS;
        SpaprTceTable *t = make_table(liobn, shift, bus, nb);
        int writes = g_rand_int_range(rng, 0, 3000), w;

        for (w = 0; w < writes; w++) {
            /* Clustered or anywhere; 1 in 4 a clear, 1 in 8 no perm. */
            uint64_t index = g_rand_boolean(rng)
                ? (uint64_t)g_rand_int_range(rng, 0, (gint32)MIN(nb, 700u))
                : (uint64_t)g_rand_int_range(rng, 0, (gint32)nb);
            uint64_t tce = ((uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng));
            int kind = g_rand_int_range(rng, 0, 8);

            if (kind < 2) {
                tce = 0;
            } else if (kind == 2) {
                tce &= ~3ull;
            }
            if (kind == 7 && index + 4 <= nb) {
                g_assert_cmpint(spapr_h_stuff_tce(liobn, bus + (index << shift), tce, 4),
                                ==, H_SUCCESS);
            } else {
                g_assert_cmpint(spapr_h_put_tce(liobn, bus + (index << shift), tce),
                                ==, H_SUCCESS);
            }
        }
        assert_replay_matches_generic(t);
        if (round % 10 == 3) {
            /* A caller that shrinks the region: both walks stop at its size. */
            IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
            uint64_t size = memory_region_size(mr);

            memory_region_set_size(mr, size / 3);
            assert_replay_matches_generic(t);
            memory_region_set_size(mr, size);
        }
        spapr_tce_table_free(t);
    }
    g_rand_free(rng);
}

/* Indirect writes of whole lists land where replay finds them. */
static void test_indirect_lists(void)
{
    const uint32_t liobn = 0x5500;
    SpaprTceTable *t = make_table(liobn, 12, 0, 1u << 16);
    GuestBuf list;
    unsigned i;

    guest_buf_init(&list, 0x1000, 512);
    for (i = 0; i < 512; i++) {
        guest_buf_set(&list, i, i % 5 == 0 ? 0 : ((uint64_t)(i + 1) << 12) | (i % 3 + 1));
    }
    g_assert_cmpint(spapr_h_put_tce_indirect(liobn, 300ull << 12, list.base, 512,
                                             &list.mem), ==, H_SUCCESS);
    g_assert_cmpuint(assert_replay_matches_generic(t), ==, 512 - 103);
    guest_buf_free(&list);
    spapr_tce_table_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tce-storage/absent-allocates-nothing", test_absent_allocates_nothing);
    g_test_add_func("/tce-storage/release", test_release);
    g_test_add_func("/tce-storage/flat-commits-on-write", test_flat_commits_on_write);
    g_test_add_func("/tce-storage/bound-1g-in-128t", test_storage_bound);
    g_test_add_func("/tce-storage/empty-128t-replay", test_empty_huge_replay);
    g_test_add_func("/tce-storage/depths", test_depths);
    g_test_add_func("/tce-storage/page-shifts", test_page_shifts);
    g_test_add_func("/tce-storage/replay-equivalence", test_replay_equivalence);
    g_test_add_func("/tce-storage/indirect-lists", test_indirect_lists);
    return g_test_run();
}
