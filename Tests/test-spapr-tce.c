/*
 * SwiftTCE sPAPR TCE tables through the public API: lifecycle, translate,
 * notifier flags (need_vfio), replay (against the generic walk) and the
 * notifications that H_PUT_TCE sends.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

#define TEST_SEED 0x5eed7ce5u

static SpaprTceTable *new_table(void *owner, uint32_t liobn)
{
    Error *err = NULL;
    SpaprTceTable *tcet = spapr_tce_new_table(owner, liobn, &err);

    g_assert_null(err);
    g_assert_nonnull(tcet);
    return tcet;
}

static IOMMUTLBEntry table_translate(SpaprTceTable *tcet, hwaddr addr)
{
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);

    return mr->ops->translate(mr, addr, IOMMU_RO, 0);
}

static void assert_unmapped_entry(const IOMMUTLBEntry *e)
{
    /* QEMU's default answer: nothing there */
    g_assert_cmphex(e->iova, ==, 0);
    g_assert_cmphex(e->translated_addr, ==, 0);
    g_assert_cmphex(e->addr_mask, ==, ~(hwaddr)0);
    g_assert_cmpint(e->perm, ==, IOMMU_NONE);
}

/* ---- lifecycle -------------------------------------------------------- */

static void test_table_new(void)
{
    int owner1, owner2;
    SpaprTceTable *t1, *t2, *dup;
    IOMMUMemoryRegion *mr;
    Error *err = NULL;

    g_assert_null(spapr_tce_find_by_liobn(0x1001));
    t1 = new_table(&owner1, 0x1001);
    t2 = new_table(&owner2, 0x1002);
    g_assert_true(t1 != t2);

    g_assert_true(spapr_tce_find_by_liobn(0x1001) == t1);
    g_assert_true(spapr_tce_find_by_liobn(0x1002) == t2);
    g_assert_null(spapr_tce_find_by_liobn(0x1003));
    g_assert_null(spapr_tce_find_by_liobn(0));

    /* A new table is disabled, with QEMU's defaults. */
    g_assert_cmphex(spapr_tce_get_liobn(t1), ==, 0x1001);
    g_assert_true(spapr_tce_get_owner(t1) == &owner1);
    g_assert_true(spapr_tce_get_owner(t2) == &owner2);
    g_assert_cmpuint(spapr_tce_get_page_shift(t1), ==, 0);
    g_assert_cmphex(spapr_tce_get_bus_offset(t1), ==, 0);
    g_assert_cmpuint(spapr_tce_get_nb_table(t1), ==, 0);
    g_assert_false(spapr_tce_get_need_vfio(t1));
    g_assert_false(spapr_tce_get_skipping_replay(t1));

    mr = spapr_tce_get_iommu_mr(t1);
    g_assert_nonnull(mr);
    g_assert_true(mr != spapr_tce_get_iommu_mr(t2));
    g_assert_true(mr->ops == &spapr_tce_iommu_ops);
    g_assert_cmphex(memory_region_size(mr), ==, 0);
    /* QEMU's spapr_tce_table_realize names it "tce-iommu-%x". */
    g_assert_cmpstr(memory_region_name(mr), ==, "tce-iommu-1001");
    g_assert_null(spapr_tce_get_target_as(t1));
    g_assert_false(spapr_tce_get_bypass(t1));

    /* setters round-trip */
    spapr_tce_set_need_vfio(t1, true);
    g_assert_true(spapr_tce_get_need_vfio(t1));
    g_assert_false(spapr_tce_get_need_vfio(t2));
    spapr_tce_set_need_vfio(t1, false);
    g_assert_false(spapr_tce_get_need_vfio(t1));
    spapr_tce_set_skipping_replay(t2, true);
    g_assert_true(spapr_tce_get_skipping_replay(t2));
    g_assert_false(spapr_tce_get_skipping_replay(t1));
    spapr_tce_set_skipping_replay(t2, false);
    g_assert_false(spapr_tce_get_skipping_replay(t2));

    /* A duplicate LIOBN: NULL, an error, nothing changed. */
    g_assert_cmpint(spapr_tce_table_enable(t1, 16, 0x4000000, 8, &err), ==, 0);
    dup = spapr_tce_new_table(&owner2, 0x1001, &err);
    g_assert_null(dup);
    assert_error_set(&err);
    g_assert_null(spapr_tce_new_table(NULL, 0x1001, NULL));
    g_assert_true(spapr_tce_find_by_liobn(0x1001) == t1);
    g_assert_true(spapr_tce_get_owner(t1) == &owner1);
    g_assert_cmpuint(spapr_tce_get_page_shift(t1), ==, 16);
    g_assert_cmphex(spapr_tce_get_bus_offset(t1), ==, 0x4000000);
    g_assert_cmpuint(spapr_tce_get_nb_table(t1), ==, 8);
    g_assert_cmphex(memory_region_size(mr), ==, 8 << 16);

    spapr_tce_table_free(t1);
    g_assert_null(spapr_tce_find_by_liobn(0x1001));
    g_assert_true(spapr_tce_find_by_liobn(0x1002) == t2);
    spapr_tce_table_free(t2);
    g_assert_null(spapr_tce_find_by_liobn(0x1002));
}

static void test_table_enable(void)
{
    SpaprTceTable *tcet = new_table(NULL, 0x2001);
    TableState disabled = table_state(tcet), enabled;
    Error *err = NULL;
    static const struct {
        const char *what;
        uint32_t page_shift;
        uint64_t bus_offset;
        uint32_t nb_table;
    } bads[] = {
        { "page_shift 0", 0, 0, 16 },
        { "page_shift 64", 64, 0, 1 },
        { "page_shift 65", 65, 0, 1 },
        { "page_shift UINT32_MAX", UINT32_MAX, 0, 1 },
        { "nb_table 0", 12, 0, 0 },
        { "nb_table 0, page_shift 0", 0, 0, 0 },
        { "3 pages of 2^63", 63, 0, 3 },
        { "2^24 + 1 pages of 2^40", 40, 0, (1u << 24) + 1 },
        { "2^32 - 1 pages of 2^33", 33, 0, UINT32_MAX },
        { "one page past the top", 12, UINT64_MAX - 4095 - 4096, 3 },
        { "last page wraps", 12, UINT64_MAX - 4095 + 1, 1 },
        { "offset UINT64_MAX", 12, UINT64_MAX, 1 },
        { "2^64 window not at 0", 63, 1ULL << 12, 2 },
        /*
         * A window of exactly 2^64 bytes is refused too: its size does not
         * fit the 64 bits QEMU gives it (test-bad-input pins the same).
         */
        { "2 pages of 2^63", 63, 0, 2 },
        { "2^31 pages of 2^33", 33, 0, 1u << 31 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bads); i++) {
        g_test_message("refusal: %s", bads[i].what);
        g_assert_cmpint(spapr_tce_table_enable(tcet, bads[i].page_shift,
                                               bads[i].bus_offset,
                                               bads[i].nb_table, &err),
                        ==, -EINVAL);
        assert_error_set(&err);
        g_assert_cmpint(spapr_tce_table_enable(tcet, bads[i].page_shift,
                                               bads[i].bus_offset,
                                               bads[i].nb_table, NULL),
                        ==, -EINVAL);
        assert_table_state(tcet, &disabled);
    }

    /* A good one, then a second enable: refused, no change. */
    g_assert_cmpint(spapr_tce_table_enable(tcet, 16, 0x80000000ULL, 1024,
                                           &err), ==, 0);
    g_assert_null(err);
    enabled = table_state(tcet);
    g_assert_cmpuint(enabled.page_shift, ==, 16);
    g_assert_cmphex(enabled.bus_offset, ==, 0x80000000ULL);
    g_assert_cmpuint(enabled.nb_table, ==, 1024);
    g_assert_cmphex(enabled.size, ==, 1024ULL << 16);
    g_assert_cmpint(spapr_tce_table_enable(tcet, 12, 0, 16, &err), ==,
                    -EINVAL);
    assert_error_set(&err);
    assert_table_state(tcet, &enabled);

    /* disable, twice; then enable again works */
    spapr_tce_table_disable(tcet);
    spapr_tce_table_disable(tcet);
    assert_table_state(tcet, &disabled);
    g_assert_cmpint(spapr_tce_table_enable(tcet, 24, 0, 4, &err), ==, 0);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(tcet)), ==,
                    4ULL << 24);
    spapr_tce_table_disable(tcet);

    /* Windows whose last byte is 2^64 - 1 fit. */
    g_assert_cmpint(spapr_tce_table_enable(tcet, 12, UINT64_MAX - 8191, 2,
                                           &err), ==, 0);
    g_assert_null(err);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(tcet)), ==, 8192);
    spapr_tce_table_disable(tcet);
    g_assert_cmpint(spapr_tce_table_enable(tcet, 63, 1ULL << 63, 1, &err), ==,
                    0);
    g_assert_null(err);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(tcet)), ==,
                    1ULL << 63);
    spapr_tce_table_disable(tcet);
    g_assert_cmpint(spapr_tce_table_enable(tcet, 62, 0, 3, &err), ==, 0);
    g_assert_null(err);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(tcet)), ==,
                    3ULL << 62);
    spapr_tce_table_disable(tcet);

    /* The largest window below 2^64 with 4 KiB pages and 2^32 - 1 pages. */
    g_assert_cmpint(spapr_tce_table_enable(tcet, 12, 0, UINT32_MAX, &err),
                    ==, 0);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(tcet)), ==,
                    (uint64_t)UINT32_MAX << 12);
    spapr_tce_table_free(tcet);
}

static void test_min_page_size(void)
{
    static const uint32_t shifts[] = { 12, 16, 24, 21, 34 };
    SpaprTceTable *tcet = new_table(NULL, 0x3001);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    Error *err = NULL;

    /* disabled: QEMU answers 1 << 0 */
    g_assert_cmphex(memory_region_iommu_get_min_page_size(mr), ==, 1);
    for (size_t i = 0; i < G_N_ELEMENTS(shifts); i++) {
        g_assert_cmpint(spapr_tce_table_enable(tcet, shifts[i], 0, 32, &err),
                        ==, 0);
        g_assert_cmphex(memory_region_iommu_get_min_page_size(mr), ==,
                        1ULL << shifts[i]);
        spapr_tce_table_disable(tcet);
    }
    g_assert_null(err);
    g_assert_cmphex(memory_region_iommu_get_min_page_size(mr), ==, 1);
    spapr_tce_table_free(tcet);
}

/* ---- translate -------------------------------------------------------- */

static void test_translate_perms(void)
{
    static const uint32_t shifts[] = { 12, 16, 24 };

    for (size_t s = 0; s < G_N_ELEMENTS(shifts); s++) {
        uint32_t shift = shifts[s];
        uint64_t page = 1ULL << shift;
        uint64_t mask = ~(page - 1);
        uint64_t bus = 0x100000000ULL;
        SpaprTceTable *tcet = make_table(0x4001, shift, bus, 64);
        IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);

        for (uint64_t i = 0; i < 64; i++) {
            /* stray bits below the page in the TCE must not show */
            uint64_t tce = ((0x123456789ULL + i * 0x1111) << 12)
                           | (0xabcULL & ~3ULL) | (i & 3);

            g_assert_cmpint(spapr_h_put_tce(0x4001, bus + i * page, tce), ==,
                            H_SUCCESS);
        }
        for (uint64_t i = 0; i < 64; i++) {
            uint64_t tce = ((0x123456789ULL + i * 0x1111) << 12)
                           | (0xabcULL & ~3ULL) | (i & 3);
            static const IOMMUAccessFlags perm_of[] = {
                IOMMU_NONE, IOMMU_RO, IOMMU_WO, IOMMU_RW,
            };
            hwaddr offsets[] = { 0, 1, page / 2, page - 1 };

            for (size_t o = 0; o < G_N_ELEMENTS(offsets); o++) {
                hwaddr addr = i * page + offsets[o];
                IOMMUTLBEntry e = table_translate(tcet, addr);
                /* access flag and index make no difference */
                IOMMUTLBEntry e2 = mr->ops->translate(mr, addr, IOMMU_WO, 3);

                g_assert_cmphex(e.iova, ==, i * page);
                g_assert_cmphex(e.translated_addr, ==, tce & mask);
                g_assert_cmphex(e.addr_mask, ==, page - 1);
                g_assert_cmpint(e.perm, ==, perm_of[i & 3]);
                assert_tlb_entry_eq(&e2, &e);
            }
        }
        spapr_tce_table_free(tcet);
    }
}

static void test_translate_outside(void)
{
    SpaprTceTable *tcet = make_table(0x4002, 16, 0x40000000, 16);
    hwaddr outside[] = {
        16 << 16, (16 << 16) + 1, 17 << 16, 1ULL << 32, 1ULL << 63,
        UINT64_MAX,
    };
    IOMMUTLBEntry e;
    uint64_t tce = 0;
    Error *err = NULL;

    /* Map every page so that "outside" cannot be confused with "unset". */
    g_assert_cmpint(spapr_h_stuff_tce(0x4002, 0x40000000, 0x7770000 | 3, 16),
                    ==, H_SUCCESS);
    e = table_translate(tcet, (15 << 16) + 0x123);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_cmphex(e.iova, ==, 15 << 16);

    for (size_t i = 0; i < G_N_ELEMENTS(outside); i++) {
        e = table_translate(tcet, outside[i]);
        assert_unmapped_entry(&e);
    }

    /* An entry with perm 0 but an address: NONE, the address kept. */
    g_assert_cmpint(spapr_h_put_tce(0x4002, 0x40000000 + (3 << 16),
                                    0x9990000), ==, H_SUCCESS);
    e = table_translate(tcet, 3 << 16);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    g_assert_cmphex(e.translated_addr, ==, 0x9990000);
    g_assert_cmphex(e.iova, ==, 3 << 16);

    /* After disable: nothing, anywhere. */
    spapr_tce_table_disable(tcet);
    for (hwaddr a = 0; a < (16 << 16); a += 0x8000) {
        e = table_translate(tcet, a);
        assert_unmapped_entry(&e);
    }
    e = table_translate(tcet, 0);
    assert_unmapped_entry(&e);
    g_assert_cmpint(spapr_h_get_tce(0x4002, 0x40000000, &tce), ==,
                    H_PARAMETER);

    /* Enabled again: the old entries are gone. */
    g_assert_cmpint(spapr_tce_table_enable(tcet, 16, 0x40000000, 16, &err),
                    ==, 0);
    g_assert_null(err);
    for (uint64_t i = 0; i < 16; i++) {
        e = table_translate(tcet, i << 16);
        g_assert_cmpint(e.perm, ==, IOMMU_NONE);
        g_assert_cmphex(e.translated_addr, ==, 0);
        g_assert_cmpint(spapr_h_get_tce(0x4002, 0x40000000 + (i << 16), &tce),
                        ==, H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
    }
    spapr_tce_table_free(tcet);
}

/* ---- notifier flags: need_vfio ---------------------------------------- */

static void test_need_vfio(void)
{
    SpaprTceTable *tcet = make_table(0x5001, 12, 0, 256);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    Recorder n1, n2, dev, mixed;
    Error *err = NULL;

    /* n2 adds UNMAP, so the union changes (and the hook runs) each time */
    recorder_init(&n1, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&n2, IOMMU_NOTIFIER_IOTLB_EVENTS, 0x1000, 0x1fff, 0);
    recorder_init(&dev, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, HWADDR_MAX, 0);
    recorder_init(&mixed, IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0,
                  HWADDR_MAX, 0);

    /* DEVIOTLB refused with no notifier: need_vfio stays off. */
    g_assert_false(spapr_tce_get_need_vfio(tcet));
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &dev.n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_false(spapr_tce_get_need_vfio(tcet));
    g_assert_null(mr->iommu_notify);

    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &n1.n, &err),
                    ==, 0);
    g_assert_true(spapr_tce_get_need_vfio(tcet));
    /*
     * Clear it behind the table's back: only the first notifier sets it,
     * not a later change of the union (MAP -> MAP|UNMAP).
     */
    spapr_tce_set_need_vfio(tcet, false);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &n2.n, &err),
                    ==, 0);
    g_assert_false(spapr_tce_get_need_vfio(tcet));
    spapr_tce_set_need_vfio(tcet, true);
    g_assert_null(err);

    /* DEVIOTLB refused beside others: need_vfio and the list unchanged. */
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &dev.n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &mixed.n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_true(spapr_tce_get_need_vfio(tcet));
    g_assert_false(notifier_on(mr, &dev.n));
    g_assert_false(notifier_on(mr, &mixed.n));

    /* The list still delivers to both, and only to both. */
    g_assert_cmpint(spapr_h_put_tce(0x5001, 0x1000, 0x42000 | 1), ==,
                    H_SUCCESS);
    g_assert_cmpuint(n1.entries->len, ==, 1);
    g_assert_cmpuint(n2.entries->len, ==, 1);
    g_assert_cmpuint(dev.entries->len, ==, 0);
    g_assert_cmpuint(mixed.entries->len, ==, 0);

    /* Not the last (union MAP|UNMAP -> MAP): stays on. The last: off. */
    memory_region_unregister_iommu_notifier(mr, &n2.n);
    g_assert_true(spapr_tce_get_need_vfio(tcet));
    memory_region_unregister_iommu_notifier(mr, &n1.n);
    g_assert_false(spapr_tce_get_need_vfio(tcet));

    /* Again from empty: on with the first. */
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &n2.n, &err),
                    ==, 0);
    g_assert_true(spapr_tce_get_need_vfio(tcet));
    memory_region_unregister_iommu_notifier(mr, &n2.n);
    g_assert_false(spapr_tce_get_need_vfio(tcet));
    g_assert_null(err);

    recorder_destroy(&n1);
    recorder_destroy(&n2);
    recorder_destroy(&dev);
    recorder_destroy(&mixed);
    spapr_tce_table_free(tcet);
}

/* ---- replay ----------------------------------------------------------- */

static void test_replay_skipping(void)
{
    SpaprTceTable *tcet = make_table(0x6001, 12, 0x10000, 128);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    Recorder rec;

    for (uint64_t i = 0; i < 128; i += 3) {
        g_assert_cmpint(spapr_h_put_tce(0x6001, 0x10000 + (i << 12),
                                        (i << 20) | 2), ==, H_SUCCESS);
    }
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);

    spapr_tce_set_skipping_replay(tcet, true);
    memory_region_iommu_replay(mr, &rec.n);
    g_assert_cmpuint(rec.entries->len, ==, 0);

    spapr_tce_set_skipping_replay(tcet, false);
    memory_region_iommu_replay(mr, &rec.n);
    g_assert_cmpuint(rec.entries->len, ==, (128 + 2) / 3);
    for (guint k = 0; k < rec.entries->len; k++) {
        IOMMUTLBEntry want = test_entry((uint64_t)k * 3 << 12,
                                        (uint64_t)k * 3 << 20, 0xfff,
                                        IOMMU_WO);

        assert_tlb_entry_eq(recorder_entry(&rec, k), &want);
    }
    recorder_destroy(&rec);
    spapr_tce_table_free(tcet);
}

typedef struct RandomCase {
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;
    uint32_t writes;
} RandomCase;

static void test_replay_matches_generic(void)
{
    static const RandomCase cases[] = {
        { 12, 0, 1, 4 },
        { 12, 0, 1000, 700 },
        { 12, 0x80000000ULL, 5000, 3000 },
        { 16, 0, 513, 400 },          /* crosses a 512-entry node */
        { 16, 0x800000000000000ULL, 2048, 1500 },
        { 21, 0, 300, 200 },
        { 24, 0x100000000ULL, 17, 40 },
        { 34, 0, 64, 80 },
        { 12, 0, 262144 + 3, 2000 },  /* three levels, sparse */
        { 62, 0, 3, 6 },              /* up to 3 * 2^62 */
        { 63, 1ULL << 63, 1, 3 },     /* the top half of the space */
    };
    GRand *rand = test_rand_new(TEST_SEED);

    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        const RandomCase *rc = &cases[c];
        uint32_t liobn = 0x7000 + c;
        SpaprTceTable *tcet = make_table(liobn, rc->page_shift,
                                                rc->bus_offset, rc->nb_table);
        uint64_t mapped = 0, expect_mapped = 0;
        GHashTable *shadow = g_hash_table_new_full(g_int64_hash,
                                                   g_int64_equal, g_free,
                                                   g_free);
        GHashTableIter it;
        gpointer key, value;

        /* empty first: nothing either way */
        g_assert_cmpuint(assert_replay_matches_generic(tcet), ==, 0);

        for (uint32_t w = 0; w < rc->writes; w++) {
            uint64_t index = g_rand_int_range(rand, 0, rc->nb_table);
            uint64_t ioba = rc->bus_offset + (index << rc->page_shift);
            uint64_t tce;
            gint64 *k = g_new(gint64, 1), *v = g_new(gint64, 1);

            switch (g_rand_int_range(rand, 0, 4)) {
            case 0:      /* perm 0, non-zero address */
                tce = test_rand_u64(rand) & ~3ULL;
                tce |= 1ULL << 20;
                break;
            case 1:      /* cleared */
                tce = 0;
                break;
            default:     /* any perm, any bits */
                tce = test_rand_u64(rand);
                break;
            }
            /* unaligned ioba: masked by the hypercall */
            ioba += g_rand_int_range(rand, 0, 4096)
                    & ((1ULL << rc->page_shift) - 1);
            g_assert_cmpint(spapr_h_put_tce(liobn, ioba, tce), ==, H_SUCCESS);
            *k = index;
            *v = tce;
            g_hash_table_replace(shadow, k, v);
        }
        /* The last page mapped, so that the window's end is covered. */
        {
            uint64_t last = rc->nb_table - 1;
            uint64_t tce = test_rand_u64(rand) | TCE_PCI_READ;
            gint64 *k = g_new(gint64, 1), *v = g_new(gint64, 1);

            g_assert_cmpint(spapr_h_put_tce(liobn, rc->bus_offset
                                            + (last << rc->page_shift), tce),
                            ==, H_SUCCESS);
            *k = last;
            *v = tce;
            g_hash_table_replace(shadow, k, v);
        }
        g_hash_table_iter_init(&it, shadow);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            uint64_t tce = (uint64_t)*(gint64 *)value;
            uint64_t index = (uint64_t)*(gint64 *)key;
            uint64_t got = 0;

            g_assert_cmpint(spapr_h_get_tce(liobn, rc->bus_offset
                                            + (index << rc->page_shift),
                                            &got), ==, H_SUCCESS);
            g_assert_cmphex(got, ==, tce);
            if (tce & 3) {
                expect_mapped++;
            }
        }

        mapped = assert_replay_matches_generic(tcet);
        g_test_message("case %zu: 2^%u x %u at 0x%" PRIx64 ": %" PRIu64
                       " mapped", c, rc->page_shift, rc->nb_table,
                       rc->bus_offset, mapped);
        g_assert_cmpuint(mapped, ==, expect_mapped);
        g_assert_cmpuint(mapped, >, 0);

        /* A caller may shrink the region: both stop at its size. */
        if (rc->nb_table > 2) {
            IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
            uint64_t shrunk = ((uint64_t)rc->nb_table / 2 << rc->page_shift)
                              + 1;

            memory_region_set_size(mr, shrunk);
            assert_replay_matches_generic(tcet);
            memory_region_set_size(mr, (uint64_t)rc->nb_table / 3
                                       << rc->page_shift);
            assert_replay_matches_generic(tcet);
            memory_region_set_size(mr, (uint64_t)rc->nb_table
                                       << rc->page_shift);
        }

        /* reset: nothing left to replay */
        spapr_tce_table_reset(tcet);
        g_assert_cmpuint(assert_replay_matches_generic(tcet), ==, 0);

        g_hash_table_destroy(shadow);
        spapr_tce_table_free(tcet);
    }
    g_rand_free(rand);
}

/* ---- hypercall notifications ------------------------------------------ */

static void test_put_notifies(void)
{
    const uint64_t bus = 0x100000000ULL;
    const uint32_t shift = 16;
    const uint64_t page = 1ULL << shift;
    SpaprTceTable *tcet = make_table(0x8001, shift, bus, 64);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    Recorder map, unmap, both, narrow;
    IOMMUTLBEntry want;
    Error *err = NULL;

    recorder_init(&map, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&unmap, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 0);
    recorder_init(&both, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    recorder_init(&narrow, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, page - 1, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &map.n, &err),
                    ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &unmap.n, &err),
                    ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &both.n, &err),
                    ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &narrow.n,
                                                          &err), ==, 0);
    g_assert_null(err);

    /* MAP: iova relative to the region, target page-masked. */
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus + 5 * page + 0x123,
                                    0x123456789abcULL | TCE_PCI_READ
                                    | TCE_PCI_WRITE), ==, H_SUCCESS);
    want = test_entry(5 * page, 0x123456780000ULL, page - 1, IOMMU_RW);
    g_assert_cmpuint(map.entries->len, ==, 1);
    g_assert_cmpuint(unmap.entries->len, ==, 0);
    g_assert_cmpuint(both.entries->len, ==, 1);
    g_assert_cmpuint(narrow.entries->len, ==, 0);
    assert_tlb_entry_eq(recorder_entry(&map, 0), &want);
    assert_tlb_entry_eq(recorder_entry(&both, 0), &want);

    /* Overwriting a mapping with another: one MAP only. */
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus + 5 * page,
                                    0xfedc0000ULL | TCE_PCI_READ), ==,
                    H_SUCCESS);
    want = test_entry(5 * page, 0xfedc0000ULL, page - 1, IOMMU_RO);
    g_assert_cmpuint(map.entries->len, ==, 2);
    g_assert_cmpuint(unmap.entries->len, ==, 0);
    assert_tlb_entry_eq(recorder_entry(&map, 1), &want);

    /* UNMAP: translated_addr is the page-masked TCE, not 0. */
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus + 5 * page,
                                    0xdeadbeefcafcULL), ==, H_SUCCESS);
    want = test_entry(5 * page, 0xdeadbeef0000ULL, page - 1, IOMMU_NONE);
    g_assert_cmpuint(map.entries->len, ==, 2);
    g_assert_cmpuint(unmap.entries->len, ==, 1);
    g_assert_cmpuint(both.entries->len, ==, 3);
    assert_tlb_entry_eq(recorder_entry(&unmap, 0), &want);
    assert_tlb_entry_eq(recorder_entry(&both, 2), &want);

    /* WO at page 0 reaches the narrow notifier too. */
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus, 0x5550000ULL | TCE_PCI_WRITE),
                    ==, H_SUCCESS);
    want = test_entry(0, 0x5550000ULL, page - 1, IOMMU_WO);
    g_assert_cmpuint(narrow.entries->len, ==, 1);
    assert_tlb_entry_eq(recorder_entry(&narrow, 0), &want);
    g_assert_cmpuint(map.entries->len, ==, 3);

    /* A refused put sends nothing. */
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus + 64 * page, 0x1000 | 3), ==,
                    H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus - page, 0x1000 | 3), ==,
                    H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce(0x8001 | (1ULL << 32), bus, 0x1000 | 3),
                    ==, H_PARAMETER);
    g_assert_cmpuint(both.entries->len, ==, 4);

    /* H_STUFF_TCE: one event per page, in order. */
    recorder_clear(&both);
    g_assert_cmpint(spapr_h_stuff_tce(0x8001, bus + 10 * page,
                                      0x7770000ULL | 1, 3), ==, H_SUCCESS);
    g_assert_cmpuint(both.entries->len, ==, 3);
    for (guint i = 0; i < 3; i++) {
        want = test_entry((10 + i) * page, 0x7770000ULL, page - 1, IOMMU_RO);
        assert_tlb_entry_eq(recorder_entry(&both, i), &want);
    }

    /* Reset zeroes every entry and tells no one. */
    recorder_clear(&map);
    recorder_clear(&unmap);
    recorder_clear(&both);
    recorder_clear(&narrow);
    spapr_tce_table_reset(tcet);
    g_assert_cmpuint(map.entries->len + unmap.entries->len
                     + both.entries->len + narrow.entries->len, ==, 0);
    for (uint64_t i = 0; i < 64; i++) {
        uint64_t tce = 1;
        IOMMUTLBEntry e = table_translate(tcet, i * page);

        g_assert_cmpint(spapr_h_get_tce(0x8001, bus + i * page, &tce), ==,
                        H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
        g_assert_cmpint(e.perm, ==, IOMMU_NONE);
        g_assert_cmphex(e.translated_addr, ==, 0);
    }
    memory_region_iommu_replay(mr, &both.n);
    g_assert_cmpuint(both.entries->len, ==, 0);
    /* still enabled, still notifying */
    g_assert_cmpuint(spapr_tce_get_nb_table(tcet), ==, 64);
    g_assert_true(spapr_tce_get_need_vfio(tcet));
    g_assert_cmpint(spapr_h_put_tce(0x8001, bus + page, 0x3330000ULL | 3), ==,
                    H_SUCCESS);
    g_assert_cmpuint(both.entries->len, ==, 1);

    memory_region_unregister_iommu_notifier(mr, &map.n);
    memory_region_unregister_iommu_notifier(mr, &unmap.n);
    memory_region_unregister_iommu_notifier(mr, &both.n);
    memory_region_unregister_iommu_notifier(mr, &narrow.n);
    g_assert_false(spapr_tce_get_need_vfio(tcet));
    recorder_destroy(&map);
    recorder_destroy(&unmap);
    recorder_destroy(&both);
    recorder_destroy(&narrow);
    spapr_tce_table_free(tcet);
}

/* ---- free ------------------------------------------------------------- */

/*
 * target_as (QEMU: &address_space_memory in spapr_tce_translate_iommu,
 * put_tce_emu and the replay): every entry the table hands out names the
 * address space the caller set, on the fast path and off it.
 */
static void test_target_as(void)
{
    SpaprTceTable *tcet = make_table(0x2468, 12, 0, 1u << 23);
    SpaprTceTable *flat = make_table(0x2469, 16, 0, 64);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    AddressSpace *as = (AddressSpace *)&tcet;
    Recorder rec;
    IOMMUTLBEntry e;
    Error *err = NULL;

    spapr_tce_set_target_as(tcet, as);
    spapr_tce_set_target_as(flat, as);
    g_assert_true(spapr_tce_get_target_as(tcet) == as);
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &rec.n, &err),
                    ==, 0);
    g_assert_cmpint(spapr_h_put_tce(0x2468, 0x3000, 0x8000003), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(0x2468, 0x3000, 0), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(0x2468, 0x4000, 0x9000001), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(0x2469, 0x10000, 0xa0000003), ==, 0);
    g_assert_cmpuint(rec.entries->len, ==, 3);
    for (guint i = 0; i < rec.entries->len; i++) {
        g_assert_true(recorder_entry(&rec, i)->target_as == as);
    }
    recorder_clear(&rec);
    memory_region_iommu_replay(mr, &rec.n);
    g_assert_cmpuint(rec.entries->len, ==, 1);
    g_assert_true(recorder_entry(&rec, 0)->target_as == as);
    /* A tree window (2^23 entries) and a flat one; in and out of window. */
    e = table_translate(tcet, 0x4000);
    g_assert_true(e.target_as == as);
    g_assert_cmphex(e.translated_addr, ==, 0x9000000);
    e = table_translate(flat, 0x10000);
    g_assert_true(e.target_as == as);
    g_assert_cmphex(e.translated_addr, ==, 0xa0000000);
    e = table_translate(flat, 64 << 16);
    g_assert_true(e.target_as == as);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    spapr_tce_set_target_as(flat, NULL);
    e = table_translate(flat, 0x10000);
    g_assert_null(e.target_as);
    memory_region_unregister_iommu_notifier(mr, &rec.n);
    recorder_destroy(&rec);
    spapr_tce_table_free(tcet);
    spapr_tce_table_free(flat);
}

static void test_free_reuse(void)
{
    int owner2;
    SpaprTceTable *tcet = make_table(0x9001, 12, 0, 32);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    Recorder rec;
    uint64_t tce = 0;
    Error *err = NULL;

    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &rec.n, &err),
                    ==, 0);
    g_assert_cmpint(spapr_h_put_tce(0x9001, 0x3000, 0xabc000 | 3), ==,
                    H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, 1);

    /* Freed with a notifier still on it. */
    spapr_tce_table_free(tcet);
    g_assert_null(spapr_tce_find_by_liobn(0x9001));
    g_assert_cmpint(spapr_h_put_tce(0x9001, 0x3000, 0xabc000 | 3), ==,
                    H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce(0x9001, 0x3000, &tce), ==, H_PARAMETER);
    g_assert_cmpuint(rec.entries->len, ==, 1);

    /* The LIOBN is free again, for a fresh table. */
    tcet = spapr_tce_new_table(&owner2, 0x9001, &err);
    g_assert_nonnull(tcet);
    g_assert_null(err);
    g_assert_true(spapr_tce_find_by_liobn(0x9001) == tcet);
    g_assert_true(spapr_tce_get_owner(tcet) == &owner2);
    g_assert_cmpuint(spapr_tce_get_nb_table(tcet), ==, 0);
    g_assert_false(spapr_tce_get_need_vfio(tcet));
    g_assert_cmpint(spapr_tce_table_enable(tcet, 12, 0, 32, &err), ==, 0);
    g_assert_cmpint(spapr_h_get_tce(0x9001, 0x3000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0);

    /* The old notifier can go on the new table. */
    mr = spapr_tce_get_iommu_mr(tcet);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &rec.n, &err),
                    ==, 0);
    g_assert_null(err);
    g_assert_true(spapr_tce_get_need_vfio(tcet));
    g_assert_cmpint(spapr_h_put_tce(0x9001, 0x5000, 0xdef000 | 1), ==,
                    H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, 2);
    memory_region_unregister_iommu_notifier(mr, &rec.n);
    recorder_destroy(&rec);

    /* Freeing a disabled table works too. */
    spapr_tce_table_disable(tcet);
    spapr_tce_table_free(tcet);
    g_assert_null(spapr_tce_find_by_liobn(0x9001));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/spapr-tce/table/new", test_table_new);
    g_test_add_func("/spapr-tce/table/enable", test_table_enable);
    g_test_add_func("/spapr-tce/table/min-page-size", test_min_page_size);
    g_test_add_func("/spapr-tce/translate/perms", test_translate_perms);
    g_test_add_func("/spapr-tce/translate/outside", test_translate_outside);
    g_test_add_func("/spapr-tce/notifier/need-vfio", test_need_vfio);
    g_test_add_func("/spapr-tce/replay/skipping", test_replay_skipping);
    g_test_add_func("/spapr-tce/replay/matches-generic",
                    test_replay_matches_generic);
    g_test_add_func("/spapr-tce/hcall/put-notifies", test_put_notifies);
    g_test_add_func("/spapr-tce/table/free-reuse", test_free_reuse);
    g_test_add_func("/spapr-tce/translate/target-as", test_target_as);

    return g_test_run();
}
