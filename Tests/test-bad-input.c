/*
 * Bad input from C callers: each case is refused with a status and, where
 * the function takes errp, a message, and leaves every piece of state it
 * could have touched as it was. None of them may abort.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

#define LIOBN_A 0x1001
#define LIOBN_B 0x1002
#define LIOBN_UNKNOWN 0x7777

/* ---- A C-written IOMMU whose hooks count their calls ------------------- */

typedef struct CountingIOMMU {
    IOMMUMemoryRegion mr;
    int flag_changes;
    int fail_flag_change;
} CountingIOMMU;

static IOMMUTLBEntry identity_translate(IOMMUMemoryRegion *iommu G_GNUC_UNUSED,
                                        hwaddr addr,
                                        IOMMUAccessFlags flag G_GNUC_UNUSED,
                                        int iommu_idx G_GNUC_UNUSED)
{
    return test_entry(addr & ~0xfffULL, addr & ~0xfffULL, 0xfff, IOMMU_RW);
}

static int counting_flag_changed(IOMMUMemoryRegion *iommu,
                                 IOMMUNotifierFlag old_flags G_GNUC_UNUSED,
                                 IOMMUNotifierFlag new_flags G_GNUC_UNUSED,
                                 Error **errp G_GNUC_UNUSED)
{
    CountingIOMMU *c = memory_region_get_opaque(iommu);

    c->flag_changes++;
    return 0;
}

static int two_indexes(IOMMUMemoryRegion *iommu G_GNUC_UNUSED)
{
    return 2;
}

static const MemoryRegionIOMMUOps counting_ops = {
    .translate = identity_translate,
    .notify_flag_changed = counting_flag_changed,
    .num_indexes = two_indexes,
};

static void counting_init(CountingIOMMU *c)
{
    memset(c, 0, sizeof(*c));
    g_assert_cmpint(memory_region_init_iommu(&c->mr, &counting_ops, c,
                                             "counting", 1ULL << 32, NULL),
                    ==, 0);
}

static void noop_notify(IOMMUNotifier *n G_GNUC_UNUSED,
                        IOMMUTLBEntry *entry G_GNUC_UNUSED)
{
}

/* ---- Table helpers ----------------------------------------------------- */

static void assert_disabled(SpaprTceTable *t)
{
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, 0);
    g_assert_cmpuint(spapr_tce_get_page_shift(t), ==, 0);
    g_assert_cmphex(spapr_tce_get_bus_offset(t), ==, 0);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(t)), ==, 0);
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), ==, 0);
}

static SpaprTceTable *new_enabled(uint32_t liobn)
{
    Error *err = NULL;
    SpaprTceTable *t = spapr_tce_new_table(NULL, liobn, &err);

    g_assert_null(err);
    g_assert_nonnull(t);
    g_assert_cmpint(spapr_tce_table_enable(t, 12, 0x10000, 64, &err), ==, 0);
    g_assert_null(err);
    return t;
}

/* Two entries written; returns t's state, for assert_kept(). */
static TableState write_entries(SpaprTceTable *t)
{
    uint32_t liobn = spapr_tce_get_liobn(t);

    g_assert_cmpint(spapr_h_put_tce(liobn, 0x10000, 0xabc000 | 3), ==,
                    H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(liobn, 0x10000 + 63 * 0x1000,
                                    0xdef000 | 1), ==, H_SUCCESS);
    return table_state(t);
}

/* The two entries write_entries() put there, and nothing between them. */
static void assert_entries_kept(uint32_t liobn)
{
    uint64_t tce = 0;

    g_assert_cmpint(spapr_h_get_tce(liobn, 0x10000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0xabc000 | 3);
    g_assert_cmpint(spapr_h_get_tce(liobn, 0x10000 + 63 * 0x1000, &tce), ==,
                    H_SUCCESS);
    g_assert_cmphex(tce, ==, 0xdef000 | 1);
    for (uint64_t i = 1; i < 63; i++) {
        g_assert_cmpint(spapr_h_get_tce(liobn, 0x10000 + i * 0x1000, &tce),
                        ==, H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
    }
}

/* t is as it was when write_entries() returned before, entries too. */
static void assert_kept(SpaprTceTable *t, const TableState *before)
{
    assert_table_state(t, before);
    assert_entries_kept(before->liobn);
}

/*
 * Watches t with rec (every event), writes the two entries and forgets
 * their events; returns t's state, for assert_untouched_unwatch().
 */
static TableState watch_written(SpaprTceTable *t, Recorder *rec)
{
    TableState before;

    recorder_init(rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, ~0ULL, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(t), &rec->n, NULL), ==, 0);
    before = write_entries(t);
    recorder_clear(rec);
    return before;
}

/* Nothing reached t or rec since watch_written(); then stops watching. */
static void assert_untouched_unwatch(SpaprTceTable *t, Recorder *rec,
                                     const TableState *before)
{
    g_assert_cmpuint(rec->entries->len, ==, 0);
    assert_kept(t, before);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(t), &rec->n);
    recorder_destroy(rec);
}

/* ---- NULL pointers ----------------------------------------------------- */

static void test_null_init_iommu(void)
{
    static const MemoryRegionIOMMUOps no_translate = { 0 };
    IOMMUMemoryRegion mr, before;
    Error *err = NULL;

    g_assert_cmpint(memory_region_init_iommu(NULL, &counting_ops, NULL, "x",
                                             4096, &err), ==, -EINVAL);
    assert_error_set(&err);

    memset(&mr, 0xa5, sizeof(mr));
    before = mr;
    g_assert_cmpint(memory_region_init_iommu(&mr, NULL, NULL, "x", 4096, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(memcmp(&mr, &before, sizeof(mr)), ==, 0);

    g_assert_cmpint(memory_region_init_iommu(&mr, &no_translate, NULL, "x",
                                             4096, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(memcmp(&mr, &before, sizeof(mr)), ==, 0);

    /* errp NULL: the same refusal, nowhere to put the message. */
    g_assert_cmpint(memory_region_init_iommu(&mr, NULL, NULL, "x", 4096, NULL),
                    ==, -EINVAL);
    g_assert_cmpint(memcmp(&mr, &before, sizeof(mr)), ==, 0);
}

static void test_null_register(void)
{
    CountingIOMMU c;
    IOMMUNotifier n;
    Error *err = NULL;

    counting_init(&c);
    iommu_notifier_init(&n, noop_notify, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 0);

    g_assert_cmpint(memory_region_register_iommu_notifier(NULL, &n, &err), ==,
                    -EINVAL);
    assert_error_set(&err);
    g_assert_false(notifier_on(&c.mr, &n));

    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, NULL, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_null(c.mr.iommu_notify);

    /* A notifier without a notify function could only crash later. */
    iommu_notifier_init(&n, NULL, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_null(c.mr.iommu_notify);
    g_assert_cmpint(c.mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);
    g_assert_cmpint(c.flag_changes, ==, 0);
    g_assert_false(notifier_on(&c.mr, &n));

    g_assert_cmpint(memory_region_register_iommu_notifier(NULL, NULL, NULL),
                    ==, -EINVAL);
}

static void test_null_enable(void)
{
    Error *err = NULL;

    g_assert_cmpint(spapr_tce_table_enable(NULL, 12, 0, 16, &err), ==,
                    -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_enable(NULL, 12, 0, 16, NULL), ==,
                    -EINVAL);
}

/* Every call that takes a pointer and has no status must shrug off NULL. */
static void test_null_void_calls(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    IOMMUTLBEvent ev = {
        .type = IOMMU_NOTIFIER_MAP,
        .entry = test_entry(0, 0, 0xfff, IOMMU_RW),
    };
    Recorder rec;
    TableState before;

    before = watch_written(t, &rec);

    iommu_notifier_init(NULL, noop_notify, IOMMU_NOTIFIER_MAP, 0, 1, 0);
    memory_region_set_size(NULL, 4096);
    g_assert_cmpuint(memory_region_size(NULL), ==, 0);
    g_assert_null(memory_region_get_opaque(NULL));
    g_assert_null(memory_region_name(NULL));
    g_assert_cmpuint(memory_region_iommu_get_min_page_size(NULL), !=, 0);
    memory_region_iommu_num_indexes(NULL);
    memory_region_iommu_replay(NULL, &rec.n);
    memory_region_iommu_replay(mr, NULL);
    memory_region_unregister_iommu_notifier(NULL, &rec.n);
    memory_region_unregister_iommu_notifier(mr, NULL);
    memory_region_notify_iommu(NULL, 0, ev);
    memory_region_notify_iommu_one(NULL, &ev);
    memory_region_notify_iommu_one(&rec.n, NULL);
    spapr_tce_table_disable(NULL);
    spapr_tce_table_reset(NULL);
    spapr_tce_table_free(NULL);
    spapr_tce_set_need_vfio(NULL, true);
    spapr_tce_set_skipping_replay(NULL, true);
    g_assert_null(spapr_tce_get_iommu_mr(NULL));
    g_assert_null(spapr_tce_get_owner(NULL));
    g_assert_cmpuint(spapr_tce_get_liobn(NULL), ==, 0);
    g_assert_cmpuint(spapr_tce_get_page_shift(NULL), ==, 0);
    g_assert_cmpuint(spapr_tce_get_bus_offset(NULL), ==, 0);
    g_assert_cmpuint(spapr_tce_get_nb_table(NULL), ==, 0);
    g_assert_false(spapr_tce_get_need_vfio(NULL));
    g_assert_false(spapr_tce_get_skipping_replay(NULL));
    g_assert_cmpuint(spapr_tce_table_storage_bytes(NULL), ==, 0);
    error_free(NULL);
    /* The ops with no region answer as for an address outside a window. */
    for (uint64_t addr = 0; addr < (1ull << 40); addr += 0x123456789ull) {
        IOMMUTLBEntry e = spapr_tce_iommu_ops.translate(NULL, addr, IOMMU_RW, 0);

        g_assert_null(e.target_as);
        g_assert_cmphex(e.iova, ==, 0);
        g_assert_cmphex(e.translated_addr, ==, 0);
        g_assert_cmphex(e.addr_mask, ==, ~0ull);
        g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    }
    g_assert_cmpuint(spapr_tce_iommu_ops.get_min_page_size(NULL), !=, 0);
    spapr_tce_iommu_ops.replay(NULL, &rec.n);

    /* None of it reached the table or its notifier. */
    g_assert_true(notifier_on(mr, &rec.n));
    assert_untouched_unwatch(t, &rec, &before);
    spapr_tce_table_free(t);
}

static void test_null_hcall(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    SpaprGuestMemory no_read = { .opaque = NULL, .read = NULL };
    uint64_t opcodes[] = { H_PUT_TCE, H_GET_TCE, H_STUFF_TCE,
                           H_PUT_TCE_INDIRECT };
    Recorder rec;
    TableState before;

    before = watch_written(t, &rec);

    /* No argument registers at all. */
    for (size_t i = 0; i < G_N_ELEMENTS(opcodes); i++) {
        g_assert_cmpint(spapr_hcall_tce(opcodes[i], NULL, NULL), ==,
                        H_PARAMETER);
    }

    /* An indirect list with no guest memory to read it from. */
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN_A, 0x11000, 0x2000, 4,
                                             NULL), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN_A, 0x11000, 0x2000, 4,
                                             &no_read), ==, H_PARAMETER);
    {
        uint64_t args[4] = { LIOBN_A, 0x11000, 0x2000, 4 };

        g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE_INDIRECT, args, NULL), ==,
                        H_PARAMETER);
    }

    /* H_GET_TCE with nowhere to put the answer: refused, nothing written. */
    g_assert_cmpint(spapr_h_get_tce(LIOBN_A, 0x10000, NULL), ==, H_PARAMETER);

    assert_untouched_unwatch(t, &rec, &before);
    spapr_tce_table_free(t);
}

/* The PHB, RTAS and migration entry points with NULL where data belongs. */
static void test_null_phb_rtas(void)
{
    SpaprPhbConfig cfg;
    SpaprPhb *phb;
    SpaprTceTable *w0, *w1;
    Error *err = NULL;
    uint32_t rets[8];
    uint32_t buid_hi, buid_lo;

    g_assert_null(spapr_phb_new(NULL, &err));
    assert_error_set(&err);
    g_assert_null(spapr_phb_new(NULL, NULL));
    spapr_phb_config_default(NULL, 0);
    spapr_phb_free(NULL);
    spapr_phb_reset(NULL);
    spapr_phb_set_window_listener(NULL, NULL, NULL);
    g_assert_cmphex(spapr_phb_get_buid(NULL), ==, 0);
    g_assert_null(spapr_phb_get_window(NULL, 0));

    spapr_phb_config_default(&cfg, 7);
    phb = spapr_phb_new(&cfg, &err);
    g_assert_nonnull(phb);
    g_assert_null(err);
    w0 = spapr_phb_get_window(phb, 0);
    w1 = spapr_phb_get_window(phb, 1);
    buid_hi = (uint32_t)(spapr_phb_get_buid(phb) >> 32);
    buid_lo = (uint32_t)spapr_phb_get_buid(phb);

    /* No argument array: a parameter error, and the PHB is as it was. */
    memset(rets, 0x5a, sizeof(rets));
    rtas_ibm_query_pe_dma_window(3, NULL, 5, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmphex(rets[1], ==, 0x5a5a5a5a);
    rtas_ibm_create_pe_dma_window(5, NULL, 4, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
    rtas_ibm_remove_pe_dma_window(1, NULL, 1, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
    rtas_ibm_reset_pe_dma_window(3, NULL, 1, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);

    /* No return array, or nret 0: nothing is written, nothing crashes. */
    {
        uint32_t q[3] = { 0, buid_hi, buid_lo };

        rtas_ibm_query_pe_dma_window(3, q, 5, NULL);
        rets[0] = 0x5a5a5a5a;
        rtas_ibm_query_pe_dma_window(3, q, 0, rets);
        g_assert_cmphex(rets[0], ==, 0x5a5a5a5a);
        rtas_ibm_reset_pe_dma_window(3, q, 0, rets);
        g_assert_cmphex(rets[0], ==, 0x5a5a5a5a);
    }

    /* An unknown BUID or LIOBN is a parameter error with nothing changed. */
    {
        uint32_t q[5] = { 0, buid_hi, buid_lo + 100, 16, 40 };
        uint32_t r[1] = { LIOBN_UNKNOWN };

        rtas_ibm_create_pe_dma_window(5, q, 4, rets);
        g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
        rtas_ibm_reset_pe_dma_window(3, q, 1, rets);
        g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
        rtas_ibm_remove_pe_dma_window(1, r, 1, rets);
        g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
    }

    g_assert_true(spapr_phb_get_window(phb, 0) == w0);
    g_assert_true(spapr_phb_get_window(phb, 1) == w1);
    g_assert_cmpuint(spapr_tce_get_nb_table(w0), ==, 0x40000000 >> 12);
    g_assert_cmpuint(spapr_tce_get_page_shift(w0), ==, 12);
    g_assert_cmpuint(spapr_tce_get_nb_table(w1), ==, 0);
    spapr_phb_free(phb);
    g_assert_null(spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(7, 0)));
    g_assert_null(spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(7, 1)));
}

static void test_null_migration(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    TableState before;
    Error *err = NULL;
    size_t need;
    uint8_t *saved, *again;

    before = write_entries(t);
    need = spapr_tce_table_save(t, NULL, 0);
    g_assert_cmpuint(need, >, 0);
    /* No buffer however large it is said to be: the size, nothing written. */
    g_assert_cmpuint(spapr_tce_table_save(t, NULL, 1 << 20), ==, need);
    g_assert_cmpuint(spapr_tce_table_save(NULL, NULL, 0), ==, 0);
    saved = g_malloc(need);
    g_assert_cmpuint(spapr_tce_table_save(t, saved, need), ==, need);

    g_assert_cmpint(spapr_tce_table_load(NULL, saved, need, &err), ==,
                    -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_load(t, NULL, need, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_load(t, NULL, 0, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_load(t, saved, 0, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_load(t, saved, SIZE_MAX, &err), ==,
                    -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_load(t, NULL, 0, NULL), ==, -EINVAL);

    assert_kept(t, &before);
    again = g_malloc(need);
    g_assert_cmpuint(spapr_tce_table_save(t, again, need), ==, need);
    g_assert_cmpint(memcmp(saved, again, need), ==, 0);
    g_free(saved);
    g_free(again);
    spapr_tce_table_free(t);
}

/* ---- Notifiers: start > end and the other refusals ---------------------- */

static void test_notifier_start_after_end_c_iommu(void)
{
    CountingIOMMU c;
    IOMMUNotifier n;
    Recorder good;
    Error *err = NULL;
    static const struct {
        hwaddr start, end;
    } ranges[] = {
        { 0x2000, 0x1fff },
        { 1, 0 },
        { ~0ULL, 0 },
        { 0x100000000ULL, 0xffffffffULL },
    };
    IOMMUTLBEvent ev = {
        .type = IOMMU_NOTIFIER_MAP,
        .entry = test_entry(0x1000, 0x5000, 0xfff, IOMMU_RW),
    };

    counting_init(&c);
    recorder_init(&good, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &good.n,
                                                          NULL), ==, 0);
    g_assert_cmpint(c.flag_changes, ==, 1);

    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        iommu_notifier_init(&n, noop_notify, IOMMU_NOTIFIER_IOTLB_EVENTS,
                            ranges[i].start, ranges[i].end, 0);
        g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &n, &err),
                        ==, -EINVAL);
        assert_error_set(&err);
        /* The region is as it was: one notifier, MAP only, no hook call. */
        g_assert_true(c.mr.iommu_notify == &good.n);
        g_assert_null(good.n.next);
        g_assert_cmpint(c.mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_MAP);
        g_assert_cmpint(c.flag_changes, ==, 1);
        g_assert_false(notifier_on(&c.mr, &n));
    }

    /* Notification still reaches exactly the registered notifier. */
    memory_region_notify_iommu(&c.mr, 0, ev);
    g_assert_cmpuint(good.entries->len, ==, 1);

    /* With the range fixed, the same notifier registers. */
    n.start = 0;
    n.end = ~0ULL;
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &n, &err),
                    ==, 0);
    g_assert_null(err);
    g_assert_cmpint(c.mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_IOTLB_EVENTS);
    memory_region_unregister_iommu_notifier(&c.mr, &n);
    memory_region_unregister_iommu_notifier(&c.mr, &good.n);
    recorder_destroy(&good);
}

static void test_notifier_start_after_end_tce(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    Recorder bad;
    Error *err = NULL;
    TableState before;

    before = table_state(t);
    g_assert_false(before.need_vfio);
    recorder_init(&bad, IOMMU_NOTIFIER_IOTLB_EVENTS, 0x20000, 0x1ffff, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &bad.n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    /* need_vfio would have been switched on by a first notifier. */
    assert_table_state(t, &before);
    g_assert_false(notifier_on(mr, &bad.n));

    write_entries(t);
    g_assert_cmpuint(bad.entries->len, ==, 0);
    recorder_destroy(&bad);
    spapr_tce_table_free(t);
}

static void test_notifier_other_refusals(void)
{
    CountingIOMMU c;
    SpaprTceTable *t = new_enabled(LIOBN_A);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    IOMMUNotifier n, good;
    Error *err = NULL;
    TableState before;

    counting_init(&c);

    /* No flags. */
    iommu_notifier_init(&n, noop_notify, IOMMU_NOTIFIER_NONE, 0, ~0ULL, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);

    /* Index out of range: the counting IOMMU has indexes 0 and 1. */
    iommu_notifier_init(&n, noop_notify, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 2);
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    n.iommu_idx = -1;
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &n, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_null(c.mr.iommu_notify);
    g_assert_cmpint(c.flag_changes, ==, 0);

    /* Registered twice: on the same region and on another one. */
    iommu_notifier_init(&good, noop_notify, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 1);
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &good, NULL),
                    ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&c.mr, &good, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_true(c.mr.iommu_notify == &good);
    g_assert_null(good.next);
    g_assert_cmpint(c.flag_changes, ==, 1);

    before = table_state(t);
    good.iommu_idx = 0;
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &good, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    assert_table_state(t, &before);
    g_assert_true(notifier_on(&c.mr, &good));
    good.iommu_idx = 1;

    /* A TCE table refuses device-IOTLB notifiers through its hook. */
    iommu_notifier_init(&n, noop_notify, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0,
                        ~0ULL, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &n, &err), <, 0);
    assert_error_set(&err);
    assert_table_state(t, &before);
    g_assert_false(notifier_on(mr, &n));

    /* Unregistering from the wrong region leaves both alone. */
    memory_region_unregister_iommu_notifier(mr, &good);
    g_assert_true(notifier_on(&c.mr, &good));
    g_assert_true(c.mr.iommu_notify == &good);
    memory_region_unregister_iommu_notifier(&c.mr, &good);
    g_assert_null(c.mr.iommu_notify);
    g_assert_cmpint(c.mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);
    spapr_tce_table_free(t);
}

/* ---- Unknown LIOBNs ----------------------------------------------------- */

static void test_unknown_liobn(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    SpaprTceTable *off;
    GuestBuf guest;
    const SpaprGuestMemory *mem = &guest.mem;
    Recorder rec;
    TableState before;
    Error *err = NULL;
    uint64_t bad_liobns[] = {
        LIOBN_UNKNOWN,
        LIOBN_B,                        /* exists, but disabled */
        (1ULL << 32) | LIOBN_A,         /* upper half set: not LIOBN_A */
        0xffffffff00000000ULL | LIOBN_A,
        0,
        ~0ULL,
    };

    /* A list of two at 0x1000, in two pages of guest memory at 0. */
    guest_buf_init(&guest, 0, 0x2000 / 8);
    guest_buf_set(&guest, 0x1000 / 8, 0x5000 | 3);
    guest_buf_set(&guest, 0x1000 / 8 + 1, 0x6000 | 3);

    off = spapr_tce_new_table(NULL, LIOBN_B, &err);
    g_assert_nonnull(off);
    g_assert_null(err);

    before = watch_written(t, &rec);

    g_assert_null(spapr_tce_find_by_liobn(LIOBN_UNKNOWN));

    for (size_t i = 0; i < G_N_ELEMENTS(bad_liobns); i++) {
        uint64_t l = bad_liobns[i];
        uint64_t tce = 0x1234;
        uint64_t args[4];
        unsigned reads = guest.reads;

        g_test_message("LIOBN 0x%" G_GINT64_MODIFIER "x", l);
        g_assert_cmpint(spapr_h_put_tce(l, 0x10000, 0x9000 | 3), ==,
                        H_PARAMETER);
        g_assert_cmpint(spapr_h_get_tce(l, 0x10000, &tce), ==, H_PARAMETER);
        g_assert_cmphex(tce, ==, 0x1234);
        g_assert_cmpint(spapr_h_stuff_tce(l, 0x10000, 0x9000 | 3, 4), ==,
                        H_PARAMETER);
        g_assert_cmpint(spapr_h_put_tce_indirect(l, 0x10000, 0x1000, 2, mem),
                        ==, H_PARAMETER);

        /* The same through the dispatcher; H_GET_TCE leaves args[0]. */
        args[0] = l; args[1] = 0x10000; args[2] = 0x9000 | 3; args[3] = 4;
        g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE, args, mem), ==,
                        H_PARAMETER);
        g_assert_cmpint(spapr_hcall_tce(H_STUFF_TCE, args, mem), ==,
                        H_PARAMETER);
        g_assert_cmpint(spapr_hcall_tce(H_GET_TCE, args, mem), ==,
                        H_PARAMETER);
        g_assert_cmphex(args[0], ==, l);
        args[2] = 0x1000; args[3] = 2;
        g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE_INDIRECT, args, mem), ==,
                        H_PARAMETER);
        /*
         * Unknown: refused before the list is read. A disabled table is
         * found, so its list is read (as in QEMU) before the range check.
         */
        if (l != LIOBN_B) {
            g_assert_cmpuint(guest.reads, ==, reads);
        } else {
            g_assert_cmpuint(guest.reads, >, reads);
        }
    }

    /* Nothing reached the real table, its notifier or the disabled one. */
    assert_untouched_unwatch(t, &rec, &before);
    assert_disabled(off);
    guest_buf_free(&guest);
    spapr_tce_table_free(off);
    spapr_tce_table_free(t);
}

static void test_duplicate_liobn(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    TableState before;
    Error *err = NULL;

    before = write_entries(t);
    g_assert_null(spapr_tce_new_table(NULL, LIOBN_A, &err));
    assert_error_set(&err);
    g_assert_null(spapr_tce_new_table(NULL, LIOBN_A, NULL));
    assert_kept(t, &before);
    spapr_tce_table_free(t);
    g_assert_null(spapr_tce_find_by_liobn(LIOBN_A));
}

/* ---- enable: page_shift, nb_table, overflow ----------------------------- */

/* Expects enable to be refused on a disabled table, which stays disabled. */
static void assert_enable_refused(SpaprTceTable *t, uint32_t page_shift,
                                  uint64_t bus_offset, uint32_t nb_table)
{
    Error *err = NULL;
    TableState before = table_state(t);

    g_test_message("enable(shift %u, offset 0x%" G_GINT64_MODIFIER
                   "x, nb %u)", page_shift, bus_offset, nb_table);
    g_assert_cmpint(spapr_tce_table_enable(t, page_shift, bus_offset, nb_table,
                                           &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_enable(t, page_shift, bus_offset, nb_table,
                                           NULL), ==, -EINVAL);
    assert_table_state(t, &before);
    assert_disabled(t);
    g_assert_cmpint(spapr_h_put_tce(spapr_tce_get_liobn(t), bus_offset, 3),
                    ==, H_PARAMETER);
}

static void assert_enable_accepted(SpaprTceTable *t, uint32_t page_shift,
                                   uint64_t bus_offset, uint32_t nb_table,
                                   uint64_t size)
{
    Error *err = NULL;
    uint64_t tce = 0;
    uint32_t liobn = spapr_tce_get_liobn(t);
    uint64_t last = bus_offset + ((uint64_t)(nb_table - 1) << page_shift);

    g_assert_cmpint(spapr_tce_table_enable(t, page_shift, bus_offset, nb_table,
                                           &err), ==, 0);
    g_assert_null(err);
    g_assert_cmpuint(spapr_tce_get_page_shift(t), ==, page_shift);
    g_assert_cmphex(spapr_tce_get_bus_offset(t), ==, bus_offset);
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, nb_table);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(t)), ==, size);
    /* First and last entries work. */
    g_assert_cmpint(spapr_h_put_tce(liobn, bus_offset, 3), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(liobn, last, 1), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_get_tce(liobn, last, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 1);
    spapr_tce_table_disable(t);
    assert_disabled(t);
}

static void test_enable_page_shift(void)
{
    Error *err = NULL;
    SpaprTceTable *t = spapr_tce_new_table(NULL, LIOBN_A, &err);
    static const uint32_t bad[] = { 0, 64, 65, 127, 128, 255, 0x10000,
                                    0x80000000u, UINT32_MAX };

    g_assert_nonnull(t);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_enable_refused(t, bad[i], 0, 16);
    }
    /* The refusals left nothing behind: the bounds themselves work. */
    assert_enable_accepted(t, 1, 0, 16, 32);
    assert_enable_accepted(t, 63, 0, 1, 1ULL << 63);
    assert_enable_accepted(t, 12, 0, 16, 0x10000);
    spapr_tce_table_free(t);
}

static void test_enable_nb_table_zero(void)
{
    Error *err = NULL;
    SpaprTceTable *t = spapr_tce_new_table(NULL, LIOBN_A, &err);

    g_assert_nonnull(t);
    assert_enable_refused(t, 12, 0, 0);
    assert_enable_refused(t, 0, 0, 0);
    assert_enable_accepted(t, 12, 0, 1, 0x1000);
    spapr_tce_table_free(t);
}

static void test_enable_overflow(void)
{
    Error *err = NULL;
    SpaprTceTable *t = spapr_tce_new_table(NULL, LIOBN_A, &err);
    static const struct {
        uint32_t page_shift;
        uint64_t bus_offset;
        uint32_t nb_table;
    } bad[] = {
        /* nb_table << page_shift alone passes 2^64 */
        { 63, 0, 2 },
        { 63, 0, UINT32_MAX },
        { 33, 0, 0x80000000u },
        { 40, 0, 0x01000000u },
        { 52, 0, 0x1000 },
        { 60, 0, 17 },
        { 62, 0, 4 },
        /* bus_offset + size passes 2^64 */
        { 12, UINT64_MAX, 1 },
        { 12, UINT64_MAX - 0xfff, 2 },
        { 12, (0ULL - 0x2000) + 1, 2 },
        { 63, (1ULL << 63) + 1, 1 },
        { 32, 0x200000000ULL, UINT32_MAX },
        { 16, 0xffffffff00000000ULL, 0x10001 },
    };

    g_assert_nonnull(t);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_enable_refused(t, bad[i].page_shift, bad[i].bus_offset,
                              bad[i].nb_table);
    }
    /* Just fitting is fine: the window may end at 2^64 - 1. */
    assert_enable_accepted(t, 63, 1ULL << 63, 1, 1ULL << 63);
    assert_enable_accepted(t, 12, 0ULL - 0x2000, 2, 0x2000);
    assert_enable_accepted(t, 32, 0, UINT32_MAX, 0xffffffff00000000ULL);
    assert_enable_accepted(t, 16, 0xffffffff00000000ULL, 0x10000,
                           0x100000000ULL);
    spapr_tce_table_free(t);
}

/* Enabling an enabled table is refused and changes nothing, whatever asked. */
static void test_enable_enabled(void)
{
    SpaprTceTable *t = new_enabled(LIOBN_A);
    TableState before;
    Error *err = NULL;

    before = write_entries(t);
    g_assert_cmpint(spapr_tce_table_enable(t, 16, 0, 1024, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_enable(t, 0, 0, 0, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(spapr_tce_table_enable(t, 63, 0, 2, &err), ==, -EINVAL);
    assert_error_set(&err);
    assert_kept(t, &before);
    spapr_tce_table_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bad-input/null/init-iommu", test_null_init_iommu);
    g_test_add_func("/bad-input/null/register", test_null_register);
    g_test_add_func("/bad-input/null/enable", test_null_enable);
    g_test_add_func("/bad-input/null/void-calls", test_null_void_calls);
    g_test_add_func("/bad-input/null/hcall", test_null_hcall);
    g_test_add_func("/bad-input/null/phb-rtas", test_null_phb_rtas);
    g_test_add_func("/bad-input/null/migration", test_null_migration);
    g_test_add_func("/bad-input/notifier/start-after-end-c-iommu",
                    test_notifier_start_after_end_c_iommu);
    g_test_add_func("/bad-input/notifier/start-after-end-tce",
                    test_notifier_start_after_end_tce);
    g_test_add_func("/bad-input/notifier/other-refusals",
                    test_notifier_other_refusals);
    g_test_add_func("/bad-input/liobn/unknown", test_unknown_liobn);
    g_test_add_func("/bad-input/liobn/duplicate", test_duplicate_liobn);
    g_test_add_func("/bad-input/enable/page-shift", test_enable_page_shift);
    g_test_add_func("/bad-input/enable/nb-table-zero",
                    test_enable_nb_table_zero);
    g_test_add_func("/bad-input/enable/overflow", test_enable_overflow);
    g_test_add_func("/bad-input/enable/enabled-already", test_enable_enabled);
    return g_test_run();
}
