/*
 * SwiftTCE's ranged notifiers (SWIFTTCE_IOMMU_NOTIFIER_RANGES) and replay
 * within a notifier's range, in the standalone library.
 *
 * A notifier that asks for ranges hears of a hypercall's runs as aligned
 * power-of-two blocks; one that does not gets QEMU's event per entry,
 * exactly as on a table with no ranged notifier at all. Either way a
 * VFIO-like listener ends as the table. The opt-in bit is no QEMU flag:
 * the region's flags and its notify_flag_changed hook never see it. Replay
 * gives a notifier the entries in its [start, end] only.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"
#include "util/block-mirror.h"

#define TEST_SEED 0x4a46e5u
#define LIOBN_A   0x8a000001u
#define LIOBN_B   0x8a000002u
#define LIST_GPA  0x100000

/* A random TCE: mapped with some perm, or a perm-0 one with an address. */
static uint64_t random_tce(GRand *r)
{
    return (uint64_t)g_rand_int(r) << 16 | g_rand_int_range(r, 0, 4);
}

/* An indirect list of segments: one TCE repeated, contiguous, zeros, any. */
static void random_list(GRand *r, GuestBuf *g, unsigned n, uint64_t page)
{
    unsigned i = 0;

    while (i < n) {
        unsigned len = g_rand_int_range(r, 1, 40), j;
        uint64_t tce = random_tce(r);
        int kind = g_rand_int_range(r, 0, 4);

        for (j = 0; j < len && i < n; j++, i++) {
            switch (kind) {
            case 0: guest_buf_set(g, i, tce); break;
            case 1: guest_buf_set(g, i, tce + j * page); break;
            case 2: guest_buf_set(g, i, 0); break;
            default: guest_buf_set(g, i, random_tce(r));
            }
        }
    }
}

/* Guest traffic in the first 2^18 pages: puts, stuffs (some large), lists. */
static void traffic(uint32_t liobn, uint32_t shift, GRand *r, GuestBuf *g,
                    unsigned calls)
{
    uint64_t page = 1ULL << shift;
    unsigned i;

    for (i = 0; i < calls; i++) {
        uint64_t ioba = (uint64_t)g_rand_int_range(r, 0, (1u << 18) - 9000) << shift;
        unsigned n;

        switch (g_rand_int_range(r, 0, 5)) {
        case 0:
            g_assert_cmpint(spapr_h_put_tce(liobn, ioba, random_tce(r)), ==,
                            H_SUCCESS);
            break;
        case 1:
            g_assert_cmpint(spapr_h_stuff_tce(liobn, ioba,
                                              g_rand_boolean(r) ? random_tce(r)
                                                                : 0,
                                              g_rand_int_range(r, 1, 3000)),
                            ==, H_SUCCESS);
            break;
        case 2:
            g_assert_cmpint(spapr_h_stuff_tce(liobn, ioba, 0,
                                              g_rand_int_range(r, 1, 1u << 13)),
                            ==, H_SUCCESS);
            break;
        default:
            n = g_rand_int_range(r, 1, 513);
            random_list(r, g, n, page);
            g_assert_cmpint(spapr_h_put_tce_indirect(liobn, ioba, LIST_GPA, n,
                                                     &g->mem), ==, H_SUCCESS);
        }
    }
}

static void listen(SpaprTceTable *t, BlockListener *l, uint32_t flags,
                   hwaddr start, hwaddr end, uint32_t shift)
{
    Error *err = NULL;

    block_mirror_init(l, (IOMMUNotifierFlag)flags, start, end, 1ULL << shift);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(t), &l->n, &err), ==, 0);
    g_assert_null(err);
    memory_region_iommu_replay(spapr_tce_get_iommu_mr(t), &l->n);
}

static void unlisten(SpaprTceTable *t, BlockListener *l)
{
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(t), &l->n);
    block_mirror_destroy(l);
}

/*
 * Two tables, the same traffic. Table A has a per-entry recorder only;
 * table B has the same recorder beside ranged and per-entry listeners over
 * the whole window and over a part. The recorders see the same events in
 * the same order (a ranged notifier changes nothing for the others), every
 * listener ends as its table, and the ranged ones in far fewer events.
 */
static void check_mirrors(uint32_t shift, uint32_t nb)
{
    const hwaddr all = ((uint64_t)nb << shift) - 1;
    const hwaddr part_start = 12345ULL << shift, part_end = (98765ULL << shift) - 1;
    GRand *ra = g_rand_new_with_seed(TEST_SEED), *rb;
    SpaprTceTable *a = make_table(LIOBN_A, shift, 0, nb);
    SpaprTceTable *b = make_table(LIOBN_B, shift, 0, nb);
    BlockListener ranged, ranged_part, per_entry, per_entry_part;
    Recorder rec_a, rec_b;
    GArray *table;
    GuestBuf g;
    Error *err = NULL;

    guest_buf_init(&g, LIST_GPA, 512);
    rb = g_rand_new_with_seed(TEST_SEED);
    traffic(LIOBN_A, shift, ra, &g, 100);
    traffic(LIOBN_B, shift, rb, &g, 100);
    recorder_init(&rec_a, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    recorder_init(&rec_b, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(a), &rec_a.n, &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(b), &rec_b.n, &err), ==, 0);
    listen(b, &ranged, IOMMU_NOTIFIER_IOTLB_EVENTS |
                           SWIFTTCE_IOMMU_NOTIFIER_RANGES, 0, all, shift);
    listen(b, &ranged_part, IOMMU_NOTIFIER_IOTLB_EVENTS |
                                SWIFTTCE_IOMMU_NOTIFIER_RANGES,
           part_start, part_end, shift);
    listen(b, &per_entry, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, all, shift);
    listen(b, &per_entry_part, IOMMU_NOTIFIER_IOTLB_EVENTS, part_start,
           part_end, shift);
    ranged.events = ranged_part.events = per_entry.events = 0;
    per_entry_part.events = 0;

    traffic(LIOBN_A, shift, ra, &g, 400);
    traffic(LIOBN_B, shift, rb, &g, 400);
    assert_tlb_entries_eq(rec_a.entries, rec_b.entries);
    table = replay_entries(spapr_tce_get_iommu_mr(b), IOMMU_NOTIFIER_MAP);
    g_assert_cmpuint(table->len, >, 1000);
    block_mirror_assert(&ranged, table);
    block_mirror_assert(&ranged_part, table);
    block_mirror_assert(&per_entry, table);
    block_mirror_assert(&per_entry_part, table);
    g_assert_cmpuint(per_entry.events, ==, rec_b.entries->len);
    g_assert_cmpuint(ranged.events * 3, <, per_entry.events);
    g_assert_cmpuint(ranged_part.events, <, per_entry_part.events);
    g_test_message("2^%u entries: %u mapped; events: %u per entry, %u ranged "
                   "(in part: %u, %u)", g_bit_storage(nb) - 1, table->len,
                   per_entry.events, ranged.events, per_entry_part.events,
                   ranged_part.events);
    g_array_free(table, TRUE);
    if (nb <= 1u << 16) {
        assert_replay_matches_generic(b);
    }

    unlisten(b, &ranged);
    unlisten(b, &ranged_part);
    unlisten(b, &per_entry);
    unlisten(b, &per_entry_part);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(a),
                                            &rec_a.n);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(b),
                                            &rec_b.n);
    recorder_destroy(&rec_a);
    recorder_destroy(&rec_b);
    spapr_tce_table_free(a);
    spapr_tce_table_free(b);
    guest_buf_free(&g);
    g_rand_free(ra);
    g_rand_free(rb);
}

static void test_mirrors_flat(void)
{
    check_mirrors(12, 1u << 18);
}

static void test_mirrors_tree(void)
{
    check_mirrors(16, 1u << 23);
}

/* What notify_flag_changed saw, through a region of a C class. */
static IOMMUNotifierFlag seen_new = IOMMU_NOTIFIER_NONE;

static int record_flags(IOMMUMemoryRegion *mr G_GNUC_UNUSED,
                        IOMMUNotifierFlag old G_GNUC_UNUSED,
                        IOMMUNotifierFlag new, Error **errp G_GNUC_UNUSED)
{
    seen_new = new;
    return 0;
}

static IOMMUTLBEntry identity(IOMMUMemoryRegion *mr G_GNUC_UNUSED, hwaddr addr,
                              IOMMUAccessFlags flag G_GNUC_UNUSED,
                              int idx G_GNUC_UNUSED)
{
    return test_entry(addr & ~0xfffULL, addr & ~0xfffULL, 0xfff, IOMMU_RW);
}

/*
 * The opt-in bit alone is no flag; beside QEMU's flags it reaches neither
 * the region's iommu_notify_flags nor the hook.
 */
static void test_flag_is_not_qemus(void)
{
    static const MemoryRegionIOMMUOps ops = {
        .translate = identity,
        .notify_flag_changed = record_flags,
    };
    IOMMUMemoryRegion mr;
    Recorder rec;
    Error *err = NULL;

    g_assert_cmpint(SWIFTTCE_IOMMU_NOTIFIER_RANGES & IOMMU_NOTIFIER_ALL, ==, 0);
    g_assert_cmpint(memory_region_init_iommu(&mr, &ops, NULL, "flags", 1 << 20,
                                             &err), ==, 0);
    recorder_init(&rec, (IOMMUNotifierFlag)SWIFTTCE_IOMMU_NOTIFIER_RANGES, 0,
                  HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&mr, &rec.n, &err),
                    ==, -EINVAL);
    g_assert_nonnull(strstr(error_get_pretty(err), "no flags"));
    g_clear_pointer(&err, error_free);
    recorder_init(&rec, (IOMMUNotifierFlag)(IOMMU_NOTIFIER_UNMAP |
                                            SWIFTTCE_IOMMU_NOTIFIER_RANGES),
                  0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&mr, &rec.n, &err),
                    ==, 0);
    g_assert_cmpint(seen_new, ==, IOMMU_NOTIFIER_UNMAP);
    g_assert_cmpint(mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_UNMAP);
    memory_region_unregister_iommu_notifier(&mr, &rec.n);
    g_assert_cmpint(seen_new, ==, IOMMU_NOTIFIER_NONE);
    recorder_destroy(&rec);
}

/*
 * A H_STUFF_TCE clear of 2^20 entries is one UNMAP of 2^20 pages for a
 * ranged notifier over the window (2^20 for a per-entry one), and H_STUFF_TCE
 * of a mapping is a page at a time for both (one TCE, many iovas).
 */
static void test_stuff_events(void)
{
    SpaprTceTable *t = make_table(LIOBN_A, 16, 0, 1u << 24);
    Recorder ranged, per_entry;
    Error *err = NULL;

    recorder_init(&ranged, (IOMMUNotifierFlag)(IOMMU_NOTIFIER_IOTLB_EVENTS |
                                               SWIFTTCE_IOMMU_NOTIFIER_RANGES),
                  0, (1ULL << 40) - 1, 0);
    recorder_init(&per_entry, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                  (1ULL << 40) - 1, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(t), &ranged.n, &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(t), &per_entry.n, &err), ==, 0);
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN_A, 0, 0, 1u << 20), ==, H_SUCCESS);
    g_assert_cmpuint(ranged.entries->len, ==, 1);
    assert_tlb_entry_eq(recorder_entry(&ranged, 0),
                        &(IOMMUTLBEntry){ .target_as = recorder_entry(
                                              &per_entry, 0)->target_as,
                                          .iova = 0,
                                          .addr_mask = (1ULL << 36) - 1,
                                          .perm = IOMMU_NONE });
    g_assert_cmpuint(per_entry.entries->len, ==, 1u << 20);
    recorder_clear(&ranged);
    recorder_clear(&per_entry);
    /*
     * Pages 5..999: blocks of 1, 2, 8, 16, ..., 256 pages up to page 512,
     * then of 256, 128, 64, 32 and 8 to its end.
     */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN_A, 5ULL << 16, 0, 995), ==,
                    H_SUCCESS);
    g_assert_cmpuint(ranged.entries->len, ==, 13);
    g_assert_cmphex(recorder_entry(&ranged, 1)->iova, ==, 6ULL << 16);
    g_assert_cmphex(recorder_entry(&ranged, 1)->addr_mask, ==, (2ULL << 16) - 1);
    g_assert_cmphex(recorder_entry(&ranged, 12)->iova, ==, 992ULL << 16);
    g_assert_cmphex(recorder_entry(&ranged, 12)->addr_mask, ==, (8ULL << 16) - 1);
    recorder_clear(&ranged);
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN_A, 0, 0x12340003, 100), ==,
                    H_SUCCESS);
    g_assert_cmpuint(ranged.entries->len, ==, 100);
    g_assert_cmphex(recorder_entry(&ranged, 99)->translated_addr, ==,
                    0x12340000);
    g_assert_cmphex(recorder_entry(&ranged, 99)->iova, ==, 99ULL << 16);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(t),
                                            &ranged.n);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(t),
                                            &per_entry.n);
    recorder_destroy(&ranged);
    recorder_destroy(&per_entry);
    spapr_tce_table_free(t);
}

/*
 * A 2^31-entry window of 64 KiB pages with a few thousand entries: a
 * notifier over part of it is replayed exactly the entries whose iova is
 * in its range, each what translate says.
 */
static void test_replay_range(void)
{
    const uint32_t nb = 1u << 31;
    GRand *r = g_rand_new_with_seed(TEST_SEED + 1);
    SpaprTceTable *t = make_table(LIOBN_A, 16, 0, nb);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    GArray *all;
    unsigned i, c;

    for (i = 0; i < 4000; i++) {
        uint64_t index = g_rand_int(r) % nb;

        g_assert_cmpint(spapr_h_put_tce(LIOBN_A, index << 16,
                                        index << 16 | (1 + i % 3)), ==,
                        H_SUCCESS);
    }
    all = replay_entries(mr, IOMMU_NOTIFIER_MAP);
    g_assert_cmpuint(all->len, >, 3990);
    for (c = 0; c < 100; c++) {
        uint64_t start = (uint64_t)(g_rand_int(r) % nb) << 16;
        uint64_t end = c % 2 ? start + ((uint64_t)g_rand_int(r) << 14)
                             : start + ((uint64_t)g_rand_int_range(r, 1, 1 << 28)
                                        << 16) - 1;
        GArray *want = g_array_new(FALSE, FALSE, sizeof(IOMMUTLBEntry));
        Recorder rec;
        guint k;

        for (k = 0; k < all->len; k++) {
            IOMMUTLBEntry *e = &g_array_index(all, IOMMUTLBEntry, k);

            if (e->iova >= start && e->iova <= end) {
                g_array_append_val(want, *e);
            }
        }
        recorder_init(&rec, IOMMU_NOTIFIER_MAP, start, end, 0);
        memory_region_iommu_replay(mr, &rec.n);
        assert_tlb_entries_eq(rec.entries, want);
        for (k = 0; k < rec.entries->len; k++) {
            IOMMUTLBEntry *e = recorder_entry(&rec, k);
            IOMMUTLBEntry x = mr->ops->translate(mr, e->iova, IOMMU_NONE, 0);

            assert_tlb_entry_eq(&x, e);
        }
        g_assert_cmpuint(want->len, <, all->len);
        recorder_destroy(&rec);
        g_array_free(want, TRUE);
    }
    g_array_free(all, TRUE);
    spapr_tce_table_free(t);
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ranges/mirrors-flat", test_mirrors_flat);
    g_test_add_func("/ranges/mirrors-tree", test_mirrors_tree);
    g_test_add_func("/ranges/flag-is-not-qemus", test_flag_is_not_qemus);
    g_test_add_func("/ranges/stuff-events", test_stuff_events);
    g_test_add_func("/ranges/replay-range", test_replay_range);
    return g_test_run();
}
