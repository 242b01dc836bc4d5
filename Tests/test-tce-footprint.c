/*
 * A table's footprint over a long life, through the public API: storage goes
 * back as the guest unmaps (tree nodes and flat pages, after the emptied
 * ring's few), map/unmap cycles within the ring allocate nothing, isolated
 * mappings cost a fraction of a 4 KiB leaf, a clear of the whole window with
 * no notifier costs what was mapped (and with one, notifies every entry as
 * QEMU does), and replay after a long sweep visits what is mapped now only.
 */
#include <glib.h>
#include <endian.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "swifttce.h"
#include "test-util.h"

#define WIN64_BUS   SPAPR_PCI_DMA64_START
#define HUGE_SHIFT  16
#define HUGE_NB     (1u << 31)
/*
 * What the emptied ring may keep after everything is unmapped: 8 empty
 * sparse leaves (176 B each) and the inner nodes above them, of which at
 * most one per level can still be full (4176 B: a full node shrinks at 4
 * live slots, and 8 leaves give at most one node of 5 or more).
 */
#define RING_LEAVES 8
#define TREE_SLACK  (3 * RING_LEAVES * 176 + 2 * 4176)

static uint64_t tce_for(uint64_t index, unsigned shift)
{
    return ((0x100000000ull + (index << shift)) & ~((1ull << shift) - 1)) | 3;
}

static void put(uint32_t liobn, uint64_t bus, unsigned shift, uint64_t index,
                uint64_t tce)
{
    g_assert_cmpint(spapr_h_put_tce(liobn, bus + (index << shift), tce), ==, H_SUCCESS);
}

/* Replay's entries, recorded. */
static guint replay_into(SpaprTceTable *t, Recorder *rec)
{
    recorder_init(rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    memory_region_iommu_replay(spapr_tce_get_iommu_mr(t), &rec->n);
    return rec->entries->len;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- The sweep -------------------------------------------------------- */

#define LIVE 64

typedef struct {
    uint64_t index, npages;
} Buffer;

static uint64_t list_buf[512];

static bool read_list(void *opaque, hwaddr addr, void *buf, size_t len)
{
    (void)opaque;
    (void)addr;
    g_assert_cmpuint(len, <=, sizeof(list_buf));
    memcpy(buf, list_buf, len);
    return true;
}

static const SpaprGuestMemory list_mem = { NULL, read_list };

/*
 * A guest moves 64 buffers of 1-16 pages through the 128 TiB window: each
 * step unmaps one (at random) with H_STUFF_TCE and maps the next one
 * next-fit (H_PUT_TCE_INDIRECT) in one of four regions, or at a random place
 * when `random`. Storage stays small all along; replay then gives exactly
 * the live entries, in order; unmapping everything gives all but the ring's
 * slack back, and a reset the rest.
 */
static void check_sweep(bool random)
{
    const uint32_t liobn = random ? 0x6102 : 0x6101;
    SpaprTceTable *t = make_table(liobn, HUGE_SHIFT, WIN64_BUS, HUGE_NB);
    const size_t empty = spapr_tce_table_storage_bytes(t);
    GRand *rng = g_rand_new_with_seed(random ? 7 : 3);
    uint64_t hint[4], expect = 0;
    Buffer live[LIVE];
    size_t max = 0, bytes;
    Recorder rec;
    int nlive = 0, step, i;
    guint j;

    for (i = 0; i < 4; i++) {
        hint[i] = (uint64_t)i * (HUGE_NB / 4);
    }
    for (step = 0; step < 30000; step++) {
        uint64_t n = g_rand_int_range(rng, 1, 17), at, e;
        int pool = g_rand_int_range(rng, 0, 4);

        if (nlive == LIVE) {
            i = g_rand_int_range(rng, 0, LIVE);
            g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS + (live[i].index << HUGE_SHIFT),
                                              0, live[i].npages), ==, H_SUCCESS);
            live[i] = live[--nlive];
        }
        /* Next-fit regions never wrap here; a random place is drawn again
         * while a live buffer holds it (same 16-page slot). */
        if (random) {
            do {
                at = (uint64_t)g_rand_int_range(rng, 0, HUGE_NB / 16) * 16;
                for (i = 0; i < nlive && live[i].index / 16 != at / 16; i++) {
                }
            } while (i < nlive);
        } else {
            at = hint[pool];
            hint[pool] += n;
        }
        for (e = 0; e < n; e++) {
            list_buf[e] = htobe64(tce_for(at + e, HUGE_SHIFT));
        }
        g_assert_cmpint(spapr_h_put_tce_indirect(liobn, WIN64_BUS + (at << HUGE_SHIFT),
                                                 0x1000, n, &list_mem), ==, H_SUCCESS);
        live[nlive++] = (Buffer){ at, n };
        bytes = spapr_tce_table_storage_bytes(t);
        max = bytes > max ? bytes : max;
    }
    g_test_message("%s sweep: empty %zu B, at most %zu B", random ? "random" : "next-fit",
                   empty, max);
    g_assert_cmpuint(max, <=, empty + 128 * 1024);

    /* Replay: the live entries and nothing else, in ascending order. */
    for (i = 0; i < nlive; i++) {
        expect += live[i].npages;
    }
    g_assert_cmpuint(replay_into(t, &rec), ==, expect);
    for (j = 0; j < rec.entries->len; j++) {
        IOMMUTLBEntry *e = recorder_entry(&rec, j);

        g_assert_cmphex(e->translated_addr, ==,
                        tce_for(e->iova >> HUGE_SHIFT, HUGE_SHIFT) & ~3ull);
        if (j > 0) {
            g_assert_cmphex(e->iova, >, recorder_entry(&rec, j - 1)->iova);
        }
    }
    recorder_destroy(&rec);

    while (nlive > 0) {
        nlive--;
        g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS + (live[nlive].index << HUGE_SHIFT),
                                          0, live[nlive].npages), ==, H_SUCCESS);
    }
    bytes = spapr_tce_table_storage_bytes(t);
    g_test_message("all unmapped: %zu B above the empty window", bytes - empty);
    g_assert_cmpuint(bytes, <=, empty + TREE_SLACK);
    g_assert_cmpuint(replay_into(t, &rec), ==, 0);
    recorder_destroy(&rec);
    spapr_tce_table_reset(t);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, empty);
    g_rand_free(rng);
    spapr_tce_table_free(t);
}

static void test_sweep_next_fit(void)
{
    check_sweep(false);
}

static void test_sweep_random(void)
{
    check_sweep(true);
}

/*
 * A flat window gives its pages back too: entries in 448 pages mapped and
 * unmapped leave at most the ring's pages (and their pages of bits).
 */
static void test_flat_gives_back(void)
{
    const uint32_t liobn = 0x6103, nb = 1u << 19;
    const size_t page = (size_t)sysconf(_SC_PAGESIZE), per_page = page / 8;
    SpaprTceTable *t = make_table(liobn, 12, 0, nb);
    uint64_t i;
    size_t bytes;

    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, 0);
    for (i = 0; i < 64 * per_page; i += 3) {
        put(liobn, 0, 12, i * 7 % nb, tce_for(i, 12));
    }
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), >=, 64 * page);
    for (i = 0; i < 64 * per_page; i += 3) {
        put(liobn, 0, 12, i * 7 % nb, 0);
    }
    bytes = spapr_tce_table_storage_bytes(t);
    g_test_message("flat, all unmapped: %zu B", bytes);
    /* The ring's pages, and the pages of bits they are on (one or two). */
    g_assert_cmpuint(bytes, <=, (RING_LEAVES + 2) * page);
    spapr_tce_table_reset(t);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, 0);
    spapr_tce_table_free(t);
}

/* ---- Map/unmap cycles ------------------------------------------------- */

/*
 * Map and unmap one entry in each of k leaves in turn, k up to the ring's
 * size: after the first round, storage_bytes does not move (nothing is
 * allocated or given back), on a tree and on a flat window.
 */
static void check_cycles(uint32_t liobn, uint32_t shift, uint64_t bus, uint32_t nb,
                         uint64_t stride)
{
    SpaprTceTable *t = make_table(liobn, shift, bus, nb);
    unsigned k, i;

    for (k = 1; k <= RING_LEAVES; k++) {
        size_t bytes = 0;

        for (i = 0; i < 2000 * k; i++) {
            uint64_t index = 5 + (i % k) * stride;

            put(liobn, bus, shift, index, tce_for(index, shift));
            put(liobn, bus, shift, index, 0);
            if (i == k - 1) {
                bytes = spapr_tce_table_storage_bytes(t);
            } else if (i >= k) {
                g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, bytes);
            }
        }
        g_assert_cmpuint(bytes, >, 0);
        spapr_tce_table_reset(t);
    }
    spapr_tce_table_free(t);
}

static void test_cycles_allocate_nothing(void)
{
    check_cycles(0x6104, HUGE_SHIFT, WIN64_BUS, HUGE_NB, 1u << 20);  /* tree */
    check_cycles(0x6105, 12, 0, 1u << 19, 1024);                    /* flat */
}

/* ---- Isolated mappings ------------------------------------------------ */

/* 4096 mappings at random places in 128 TiB: under 1 KiB each, all told. */
static void test_isolated_cost(void)
{
    const uint32_t liobn = 0x6106;
    SpaprTceTable *t = make_table(liobn, HUGE_SHIFT, WIN64_BUS, HUGE_NB);
    GRand *rng = g_rand_new_with_seed(11);
    Recorder rec;
    size_t bytes;
    int i;

    for (i = 0; i < 4096; i++) {
        uint64_t index = g_rand_int(rng) & (HUGE_NB - 1);

        put(liobn, WIN64_BUS, HUGE_SHIFT, index, tce_for(index, HUGE_SHIFT));
    }
    bytes = spapr_tce_table_storage_bytes(t);
    g_test_message("4096 isolated: %zu B each", bytes / 4096);
    g_assert_cmpuint(bytes, <=, 4096 * 1024);
    g_assert_cmpuint(replay_into(t, &rec), <=, 4096);
    g_assert_cmpuint(rec.entries->len, >, 4090);  /* a few may coincide */
    recorder_destroy(&rec);
    g_rand_free(rng);
    spapr_tce_table_free(t);
}

/* ---- H_STUFF_TCE over the whole window -------------------------------- */

/*
 * With no notifier, a clear of all 2^31 entries costs what is mapped: it
 * allocates nothing on an empty window, and after 4096 isolated mappings and
 * 1 GiB mapped it clears them all (quickly: QEMU's loop takes seconds) and
 * gives their storage back.
 */
static void test_stuff_whole_window(void)
{
    const uint32_t liobn = 0x6107;
    SpaprTceTable *t = make_table(liobn, HUGE_SHIFT, WIN64_BUS, HUGE_NB);
    const size_t empty = spapr_tce_table_storage_bytes(t);
    GRand *rng = g_rand_new_with_seed(5);
    Recorder rec;
    uint64_t i, tce = 0;
    double t0, secs;

    g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS, 0, HUGE_NB), ==, H_SUCCESS);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, empty);

    for (i = 0; i < 4096; i++) {
        uint64_t index = g_rand_int(rng) & (HUGE_NB - 1);

        put(liobn, WIN64_BUS, HUGE_SHIFT, index, tce_for(index, HUGE_SHIFT));
    }
    for (i = 0; i < 16384; i++) {
        put(liobn, WIN64_BUS, HUGE_SHIFT, 0x2345678 + i, tce_for(0x2345678 + i, HUGE_SHIFT));
    }
    t0 = now_s();
    g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS, 0, HUGE_NB), ==, H_SUCCESS);
    secs = now_s() - t0;
    g_test_message("whole-window clear: %.3f ms", secs * 1e3);
    g_assert_cmpfloat(secs, <, 1.0);
    g_assert_cmpuint(replay_into(t, &rec), ==, 0);
    recorder_destroy(&rec);
    g_assert_cmpint(spapr_h_get_tce(liobn, WIN64_BUS + (0x2345678ull << HUGE_SHIFT), &tce),
                    ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), <=, empty + TREE_SLACK);
    g_rand_free(rng);
    spapr_tce_table_free(t);
}

/*
 * With a notifier, H_STUFF_TCE is QEMU's loop: one notification per entry
 * written, mapped before or not, in order.
 */
static void test_stuff_notifies_each_entry(void)
{
    const uint32_t liobn = 0x6108, n = 70000;
    const uint64_t first = (1u << 20) - 3;   /* across leaves, most absent */
    SpaprTceTable *t = make_table(liobn, HUGE_SHIFT, WIN64_BUS, HUGE_NB);
    Recorder rec;
    uint32_t i;

    put(liobn, WIN64_BUS, HUGE_SHIFT, first + 10, tce_for(first + 10, HUGE_SHIFT));
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(spapr_tce_get_iommu_mr(t), &rec.n,
                                                          NULL), ==, 0);
    g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS + (first << HUGE_SHIFT), 0, n),
                    ==, H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, n);
    for (i = 0; i < n; i++) {
        g_assert_cmphex(recorder_entry(&rec, i)->iova, ==,
                        (first + i) << HUGE_SHIFT);
        g_assert_cmpint(recorder_entry(&rec, i)->perm, ==, IOMMU_NONE);
    }
    recorder_clear(&rec);
    g_assert_cmpint(spapr_h_stuff_tce(liobn, WIN64_BUS + (first << HUGE_SHIFT),
                                      0x7770000 | TCE_PCI_READ, 1000), ==, H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, 1000);
    g_assert_cmpint(recorder_entry(&rec, 999)->perm, ==, IOMMU_RO);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(t), &rec.n);
    recorder_destroy(&rec);
    spapr_tce_table_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tce-footprint/sweep-next-fit", test_sweep_next_fit);
    g_test_add_func("/tce-footprint/sweep-random", test_sweep_random);
    g_test_add_func("/tce-footprint/flat-gives-back", test_flat_gives_back);
    g_test_add_func("/tce-footprint/cycles-allocate-nothing", test_cycles_allocate_nothing);
    g_test_add_func("/tce-footprint/isolated-cost", test_isolated_cost);
    g_test_add_func("/tce-footprint/stuff-whole-window", test_stuff_whole_window);
    g_test_add_func("/tce-footprint/stuff-notifies-each-entry", test_stuff_notifies_each_entry);
    return g_test_run();
}
