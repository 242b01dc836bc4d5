/*
 * SwiftTCE dynamic DMA windows: the PHB object and the four RTAS calls
 * (ibm,query-pe-dma-window, ibm,create-pe-dma-window,
 * ibm,remove-pe-dma-window, ibm,reset-pe-dma-window) with QEMU's argument
 * counts, limits (page-size mask, two windows, window shift), LIOBN and BUID
 * numbering, window addresses, RTAS status codes, skipping_replay during
 * create, and LoPAPR's restoring of the default window.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

#define GIB (1ULL << 30)

static SpaprPhb *phb_new_cfg(const SpaprPhbConfig *cfg)
{
    Error *err = NULL;
    SpaprPhb *phb = spapr_phb_new(cfg, &err);

    g_assert_null(err);
    g_assert_nonnull(phb);
    return phb;
}

static SpaprPhb *phb_new(uint32_t index, bool ddw)
{
    SpaprPhbConfig cfg;

    spapr_phb_config_default(&cfg, index);
    cfg.ddw = ddw;
    return phb_new_cfg(&cfg);
}

static void assert_window(SpaprPhb *phb, unsigned n, uint32_t shift,
                          uint64_t bus, uint64_t nb)
{
    SpaprTceTable *t = spapr_phb_get_window(phb, n);

    g_assert_nonnull(t);
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, nb);
    g_assert_cmpuint(spapr_tce_get_page_shift(t), ==, shift);
    g_assert_cmphex(spapr_tce_get_bus_offset(t), ==, bus);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(t)), ==,
                    nb << shift);
}

static void assert_disabled(SpaprPhb *phb, unsigned n)
{
    SpaprTceTable *t = spapr_phb_get_window(phb, n);

    g_assert_nonnull(t);
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, 0);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(t)), ==, 0);
}

static uint32_t available(SpaprPhb *phb)
{
    uint32_t rets[5];

    g_assert_cmpint(ddw_query(spapr_phb_get_buid(phb), 5, rets), ==,
                    RTAS_OUT_SUCCESS);
    return rets[1];
}

/* ---- The PHB ---------------------------------------------------------- */

static void test_phb_defaults(void)
{
    SpaprPhbConfig cfg;
    SpaprPhb *phb;

    memset(&cfg, 0xff, sizeof(cfg));
    spapr_phb_config_default(&cfg, 0);
    g_assert_cmpuint(cfg.index, ==, 0);
    g_assert_cmphex(cfg.dma_win_addr, ==, 0);
    g_assert_cmphex(cfg.dma_win_size, ==, GIB);
    g_assert_cmphex(cfg.dma64_win_addr, ==, 0x800000000000000ULL);
    g_assert_cmphex(cfg.pgsz, ==, 0x1211000);
    g_assert_true(cfg.ddw);

    phb = phb_new_cfg(&cfg);
    g_assert_cmphex(spapr_phb_get_buid(phb), ==, 0x800000020000000ULL);
    /* The default window: 4 KiB pages over 1 GiB at 0, LIOBN 0x80000000. */
    assert_window(phb, 0, 12, 0, GIB >> 12);
    g_assert_cmphex(spapr_tce_get_liobn(spapr_phb_get_window(phb, 0)), ==,
                    0x80000000);
    g_assert_true(spapr_tce_find_by_liobn(0x80000000) ==
                  spapr_phb_get_window(phb, 0));
    /* The DDW window's table exists from the start, disabled. */
    assert_disabled(phb, 1);
    g_assert_cmphex(spapr_tce_get_liobn(spapr_phb_get_window(phb, 1)), ==,
                    0x80000001);
    g_assert_true(spapr_tce_get_owner(spapr_phb_get_window(phb, 1)) == phb);
    g_assert_null(spapr_phb_get_window(phb, 2));
    g_assert_null(spapr_phb_get_window(NULL, 0));
    spapr_phb_free(phb);
    g_assert_null(spapr_tce_find_by_liobn(0x80000000));
    g_assert_null(spapr_tce_find_by_liobn(0x80000001));
}

static void test_phb_numbering(void)
{
    SpaprPhbConfig cfg;
    SpaprPhb *a, *b;
    uint32_t liobn;
    uint64_t addr;

    spapr_phb_config_default(&cfg, 5);
    cfg.dma_win_addr = 0x10000000;
    cfg.dma_win_size = 256ULL << 20;
    cfg.dma64_win_addr = 0x1000000000000ULL;
    a = phb_new_cfg(&cfg);
    b = phb_new(3, true);
    g_assert_cmphex(spapr_phb_get_buid(a), ==, SPAPR_PCI_BASE_BUID + 5);
    g_assert_cmphex(spapr_tce_get_liobn(spapr_phb_get_window(a, 0)), ==,
                    0x80000500);
    g_assert_cmphex(spapr_tce_get_liobn(spapr_phb_get_window(a, 1)), ==,
                    0x80000501);
    assert_window(a, 0, 12, 0x10000000, (256ULL << 20) >> 12);
    /* Calls reach the PHB their BUID names. */
    g_assert_cmpint(ddw_create(SPAPR_PCI_BASE_BUID + 5, 16, 30, &liobn,
                               &addr), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000501);
    g_assert_cmphex(addr, ==, 0x1000000000000ULL);
    g_assert_cmpuint(available(a), ==, 0);
    g_assert_cmpuint(available(b), ==, 1);
    assert_disabled(b, 1);
    spapr_phb_free(a);
    spapr_phb_free(b);
}

static void test_phb_ddw_off(void)
{
    SpaprPhb *phb = phb_new(0, false);

    assert_window(phb, 0, 12, 0, GIB >> 12);
    /* QEMU creates one table per supported window. */
    g_assert_null(spapr_phb_get_window(phb, 1));
    g_assert_null(spapr_tce_find_by_liobn(0x80000001));
    spapr_phb_free(phb);
}

static void assert_new_refused(const SpaprPhbConfig *cfg, bool index_free)
{
    Error *err = NULL;

    g_assert_null(spapr_phb_new(cfg, &err));
    assert_error_set(&err);
    if (cfg && index_free) {
        /* Nothing left behind. */
        g_assert_null(spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(cfg->index, 1)));
    }
}

static void test_phb_new_errors(void)
{
    SpaprPhbConfig cfg;
    SpaprPhb *phb;
    SpaprTceTable *squatter;
    Error *err = NULL;

    assert_new_refused(NULL, false);
    spapr_phb_config_default(&cfg, 0);
    cfg.dma_win_size = 0;
    assert_new_refused(&cfg, true);
    cfg.dma_win_size = GIB + 1;
    assert_new_refused(&cfg, true);
    cfg.dma_win_size = 1ULL << 45;      /* 2^33 pages: no uint32 nb_table */
    assert_new_refused(&cfg, true);
    cfg.dma_win_size = GIB;
    cfg.dma_win_addr = UINT64_MAX - GIB + 2;
    assert_new_refused(&cfg, true);
    /*
     * QEMU's spapr_phb_placement: 31 PHBs fit below 64 TiB, so index 30 is
     * the last, and its message names it.
     */
    spapr_phb_config_default(&cfg, SPAPR_MAX_PHBS);
    g_assert_null(spapr_phb_new(&cfg, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "spapr_phb_new: \"index\" for PAPR PHB is too large (max 30)");
    error_free(err);
    err = NULL;
    g_assert_null(spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(SPAPR_MAX_PHBS, 0)));
    spapr_phb_config_default(&cfg, 1u << 23);
    assert_new_refused(&cfg, true);
    phb = phb_new(SPAPR_MAX_PHBS - 1, true);
    g_assert_cmphex(spapr_phb_get_buid(phb), ==, SPAPR_PCI_BASE_BUID + 30);
    g_assert_cmphex(spapr_tce_get_liobn(spapr_phb_get_window(phb, 1)), ==,
                    0x80001e01);
    spapr_phb_free(phb);

    /* Index in use. */
    phb = phb_new(2, true);
    spapr_phb_config_default(&cfg, 2);
    assert_new_refused(&cfg, false);
    g_assert_true(spapr_tce_get_owner(spapr_tce_find_by_liobn(
                      SPAPR_PCI_LIOBN(2, 1))) == phb);
    spapr_phb_free(phb);

    /* A LIOBN of the PHB in use: refused, and the other table freed. */
    squatter = spapr_tce_new_table(NULL, SPAPR_PCI_LIOBN(4, 1), &err);
    g_assert_nonnull(squatter);
    spapr_phb_config_default(&cfg, 4);
    g_assert_null(spapr_phb_new(&cfg, &err));
    assert_error_set(&err);
    g_assert_null(spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(4, 0)));
    spapr_tce_table_free(squatter);
    /* And now it can be made. */
    spapr_phb_free(phb_new(4, true));
}

/* ---- ibm,query-pe-dma-window ----------------------------------------- */

static void test_query(void)
{
    SpaprPhb *phb = phb_new(0, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t rets[6], args[4] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid };

    g_assert_cmpint(ddw_query(buid, 5, rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(rets[1], ==, 1);
    g_assert_cmphex(rets[2], ==, 0x80000000);
    g_assert_cmphex(rets[3], ==, 0x107);    /* 4K, 64K, 16M, 2M */
    g_assert_cmphex(rets[4], ==, 0);
    /* The 64-bit extension: the largest window as hi/lo. */
    g_assert_cmpint(ddw_query(buid, 6, rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(rets[1], ==, 1);
    g_assert_cmphex(rets[2], ==, 0x20);
    g_assert_cmphex(rets[3], ==, 0);
    g_assert_cmphex(rets[4], ==, 0x107);
    g_assert_cmphex(rets[5], ==, 0);

    /* Argument counts. */
    for (uint32_t nargs = 0; nargs < 5; nargs++) {
        for (uint32_t nret = 1; nret < 7; nret++) {
            if (nargs == 3 && (nret == 5 || nret == 6)) {
                continue;
            }
            memset(rets, 0x77, sizeof(rets));
            rtas_ibm_query_pe_dma_window(nargs, args, nret, rets);
            g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
            g_assert_cmphex(rets[1], ==, 0x77777777);
        }
    }
    /* Unknown BUID. */
    g_assert_cmpint(ddw_query(buid + 1, 5, rets), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(ddw_query(buid | (1ULL << 40), 5, rets), ==,
                    RTAS_OUT_PARAM_ERROR);
    /* No rets, or no args: nothing to write, nothing crashes. */
    rtas_ibm_query_pe_dma_window(3, args, 0, NULL);
    rtas_ibm_query_pe_dma_window(3, NULL, 5, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
    spapr_phb_free(phb);

    /* DDW off: PARAM_ERROR. */
    phb = phb_new(0, false);
    g_assert_cmpint(ddw_query(buid, 5, rets), ==, RTAS_OUT_PARAM_ERROR);
    spapr_phb_free(phb);
}

static void test_query_mask_encoding(void)
{
    /* LoPAPR's bit for each page shift QEMU knows. */
    static const struct { unsigned shift; uint32_t bit; } enc[] = {
        { 12, 0x01 }, { 16, 0x02 }, { 24, 0x04 }, { 25, 0x08 }, { 26, 0x10 },
        { 27, 0x20 }, { 28, 0x40 }, { 34, 0x80 }, { 21, 0x100 },
    };
    SpaprPhbConfig cfg;
    uint32_t rets[5];

    spapr_phb_config_default(&cfg, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(enc); i++) {
        SpaprPhb *phb;
        cfg.pgsz = 1ULL << enc[i].shift;
        phb = phb_new_cfg(&cfg);
        g_assert_cmpint(ddw_query(spapr_phb_get_buid(phb), 5, rets), ==, 0);
        g_assert_cmphex(rets[3], ==, enc[i].bit);
        spapr_phb_free(phb);
    }
    /* Sizes LoPAPR has no bit for are not reported. */
    cfg.pgsz = (1ULL << 13) | (1ULL << 20) | (1ULL << 40) | (1ULL << 12);
    {
        SpaprPhb *phb = phb_new_cfg(&cfg);
        g_assert_cmpint(ddw_query(spapr_phb_get_buid(phb), 5, rets), ==, 0);
        g_assert_cmphex(rets[3], ==, 0x01);
        spapr_phb_free(phb);
    }
}

/* ---- ibm,create-pe-dma-window ---------------------------------------- */

static void test_create(void)
{
    SpaprPhb *phb = phb_new(0, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t liobn;
    uint64_t addr;

    /* With the default window there: LIOBN 1 at the 64-bit address. */
    g_assert_cmpint(ddw_create(buid, 24, 31, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000001);
    g_assert_cmphex(addr, ==, SPAPR_PCI_DMA64_START);
    assert_window(phb, 1, 24, SPAPR_PCI_DMA64_START, 1u << 7);
    g_assert_false(spapr_tce_get_skipping_replay(spapr_phb_get_window(phb, 1)));
    g_assert_cmpuint(available(phb), ==, 0);
    /* Two windows: no room. */
    g_assert_cmpint(ddw_create(buid, 12, 20, &liobn, &addr), ==,
                    RTAS_OUT_HW_ERROR);
    /* Both removed: the next window takes LIOBN 0 and the 32-bit address. */
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_remove(0x80000001), ==, RTAS_OUT_SUCCESS);
    /* (removing the last, non-default window restored the default) */
    assert_window(phb, 0, 12, 0, GIB >> 12);
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(available(phb), ==, 2);
    g_assert_cmpint(ddw_create(buid, 16, 40, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000000);
    g_assert_cmphex(addr, ==, 0);
    assert_window(phb, 0, 16, 0, 1u << 24);
    /* The second one goes to the 64-bit address in the free LIOBN. */
    g_assert_cmpint(ddw_create(buid, 21, 21, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000001);
    g_assert_cmphex(addr, ==, SPAPR_PCI_DMA64_START);
    assert_window(phb, 1, 21, SPAPR_PCI_DMA64_START, 1);
    spapr_phb_free(phb);
}

static void test_create_errors(void)
{
    SpaprPhbConfig cfg;
    SpaprPhb *phb = phb_new(0, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t liobn, rets[4];
    uint64_t addr;
    uint32_t args[6] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid, 16, 30, 0 };

    /* Argument counts. */
    for (uint32_t nargs = 4; nargs <= 6; nargs++) {
        for (uint32_t nret = 1; nret <= 5; nret++) {
            if (nargs == 5 && nret == 4) {
                continue;
            }
            rets[0] = RTAS_UNSET;
            rtas_ibm_create_pe_dma_window(nargs, args, nret, rets);
            g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
        }
    }
    /* Unknown BUID. */
    g_assert_cmpint(ddw_create(buid + 7, 16, 30, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    /* Page sizes not in the mask. */
    g_assert_cmpint(ddw_create(buid, 13, 30, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(ddw_create(buid, 25, 30, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(ddw_create(buid, 0, 30, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    /* A shift of 64 or more is not a page size (76 & 63 would be 12). */
    g_assert_cmpint(ddw_create(buid, 76, 80, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(ddw_create(buid, 64, 64, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    /* A window smaller than its page. */
    g_assert_cmpint(ddw_create(buid, 16, 15, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    /* The mask is checked before the window count. */
    g_assert_cmpint(ddw_create(buid, 24, 31, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_create(buid, 13, 30, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(ddw_create(buid, 12, 30, &liobn, &addr), ==,
                    RTAS_OUT_HW_ERROR);
    g_assert_cmpint(ddw_remove(0x80000001), ==, RTAS_OUT_SUCCESS);
    /* 2^32 entries or more: QEMU's uint32 nb_table is 0, enable fails. */
    g_assert_cmpint(ddw_create(buid, 12, 44, &liobn, &addr), ==,
                    RTAS_OUT_HW_ERROR);
    g_assert_cmpint(ddw_create(buid, 12, 63, &liobn, &addr), ==,
                    RTAS_OUT_HW_ERROR);
    assert_disabled(phb, 1);
    g_assert_false(spapr_tce_get_skipping_replay(spapr_phb_get_window(phb, 1)));
    /* 2^31 pages fit, however vast the window. */
    g_assert_cmpint(ddw_create(buid, 12, 43, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    assert_window(phb, 1, 12, SPAPR_PCI_DMA64_START, 1ULL << 31);
    spapr_phb_free(phb);

    /* A window that would pass 2^64: refused, HW_ERROR. */
    spapr_phb_config_default(&cfg, 0);
    cfg.pgsz |= 1ULL << 34;
    phb = phb_new_cfg(&cfg);
    g_assert_cmpint(ddw_create(buid, 34, 65, &liobn, &addr), ==,
                    RTAS_OUT_HW_ERROR);
    assert_disabled(phb, 1);
    g_assert_cmpint(ddw_create(buid, 34, 50, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    assert_window(phb, 1, 34, SPAPR_PCI_DMA64_START, 1u << 16);
    spapr_phb_free(phb);

    /* DDW off. */
    phb = phb_new(0, false);
    g_assert_cmpint(ddw_create(buid, 16, 30, &liobn, &addr), ==,
                    RTAS_OUT_PARAM_ERROR);
    spapr_phb_free(phb);
}

/* The listener sees the new window while skipping_replay is set. */
typedef struct Seen {
    int added, removed;
    bool skipping_at_add[8];
    uint32_t liobn[8];
    bool replayed;
} Seen;

static void seen_replay_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (void)n;
    (void)e;
    g_assert_not_reached();
}

static void listener(void *opaque, SpaprPhb *phb, SpaprTceTable *t, bool added)
{
    Seen *s = opaque;
    int i = s->added + s->removed;

    g_assert_nonnull(phb);
    g_assert_cmpint(i, <, 8);
    s->liobn[i] = spapr_tce_get_liobn(t);
    if (added) {
        IOMMUNotifier n;
        s->added++;
        s->skipping_at_add[i] = spapr_tce_get_skipping_replay(t);
        g_assert_cmpuint(spapr_tce_get_nb_table(t), !=, 0);
        /* A replay now walks nothing (it would walk 2^31 entries). */
        iommu_notifier_init(&n, seen_replay_notify, IOMMU_NOTIFIER_MAP, 0,
                            HWADDR_MAX, 0);
        memory_region_iommu_replay(spapr_tce_get_iommu_mr(t), &n);
    } else {
        s->removed++;
        g_assert_cmpuint(spapr_tce_get_nb_table(t), !=, 0);
    }
}

static void test_create_skipping_replay(void)
{
    SpaprPhb *phb = phb_new(0, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    Seen s = { 0 };
    uint32_t liobn;
    uint64_t addr;

    spapr_phb_set_window_listener(phb, listener, &s);
    g_assert_cmpint(ddw_create(buid, 12, 43, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmpint(s.added, ==, 1);
    g_assert_cmphex(s.liobn[0], ==, 0x80000001);
    g_assert_true(s.skipping_at_add[0]);
    g_assert_false(spapr_tce_get_skipping_replay(spapr_phb_get_window(phb, 1)));

    /* Remove: told before the window goes; the default one stays. */
    g_assert_cmpint(ddw_remove(0x80000001), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(s.removed, ==, 1);
    g_assert_cmphex(s.liobn[1], ==, 0x80000001);
    g_assert_cmpint(s.added, ==, 1);

    /* Reset: default removed and added again, not skipping. */
    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(s.removed, ==, 2);
    g_assert_cmpint(s.added, ==, 2);
    g_assert_cmphex(s.liobn[3], ==, 0x80000000);
    g_assert_false(s.skipping_at_add[3]);

    spapr_phb_set_window_listener(phb, NULL, NULL);
    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(s.added, ==, 2);
    spapr_phb_free(phb);
}

/* ---- ibm,remove-pe-dma-window ---------------------------------------- */

static void test_remove(void)
{
    SpaprPhb *phb = phb_new(0, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t liobn;
    uint64_t addr;

    /* The DDW window goes; the default one stays. */
    g_assert_cmpint(ddw_create(buid, 16, 32, &liobn, &addr), ==, 0);
    g_assert_cmpint(ddw_remove(liobn), ==, RTAS_OUT_SUCCESS);
    assert_disabled(phb, 1);
    assert_window(phb, 0, 12, 0, GIB >> 12);

    /* Removing the default window while it is the last: no restore. */
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    assert_disabled(phb, 0);
    g_assert_cmpuint(available(phb), ==, 2);
    /* Not enabled any more: PARAM_ERROR. */
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_PARAM_ERROR);

    /*
     * QEMU 7.2 (hw/ppc/spapr_rtas_ddw.c, rtas_ibm_remove_pe_dma_window):
     * def_win is set by spapr_phb_dma_reset and never cleared, so a window
     * created on the default window's table is still the default to
     * remove: removing it, the last window, restores nothing, and the next
     * create takes the same LIOBN again.
     */
    g_assert_cmpint(ddw_create(buid, 24, 30, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000000);
    g_assert_cmphex(addr, ==, 0);
    g_assert_cmpint(spapr_h_put_tce(0x80000000, 0, 0x1000003), ==, H_SUCCESS);
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    assert_disabled(phb, 0);
    assert_disabled(phb, 1);
    g_assert_cmpuint(available(phb), ==, 2);
    g_assert_cmpint(ddw_create(buid, 24, 30, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000000);
    {
        uint64_t tce = 1;
        g_assert_cmpint(spapr_h_get_tce(0x80000000, 0, &tce), ==, H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
    }
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);

    /*
     * The last window, not the default one (window 1 never had def_win):
     * the default comes back, empty.
     */
    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(0x80000000, 0, 0x1000003), ==, H_SUCCESS);
    g_assert_cmpint(ddw_create(buid, 16, 32, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000001);
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    assert_window(phb, 1, 16, SPAPR_PCI_DMA64_START, 1u << 16);
    g_assert_cmpint(ddw_remove(0x80000001), ==, RTAS_OUT_SUCCESS);
    assert_window(phb, 0, 12, 0, GIB >> 12);
    assert_disabled(phb, 1);
    {
        uint64_t tce = 1;
        g_assert_cmpint(spapr_h_get_tce(0x80000000, 0, &tce), ==, H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
    }
    spapr_phb_free(phb);
}

static void test_remove_errors(void)
{
    SpaprPhb *phb = phb_new(0, true);
    SpaprTceTable *other;
    Error *err = NULL;
    uint32_t args[2] = { 0x80000000, 0 }, rets[2];

    for (uint32_t nargs = 0; nargs <= 2; nargs++) {
        for (uint32_t nret = 1; nret <= 2; nret++) {
            if (nargs == 1 && nret == 1) {
                continue;
            }
            rets[0] = RTAS_UNSET;
            rtas_ibm_remove_pe_dma_window(nargs, args, nret, rets);
            g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
        }
    }
    assert_window(phb, 0, 12, 0, GIB >> 12);
    /* Unknown LIOBN; a disabled window. */
    g_assert_cmpint(ddw_remove(0x80000002), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(ddw_remove(0x80000001), ==, RTAS_OUT_PARAM_ERROR);
    /* A table that no PHB owns. */
    other = spapr_tce_new_table(NULL, 0x1234, &err);
    g_assert_cmpint(spapr_tce_table_enable(other, 12, 0, 16, &err), ==, 0);
    g_assert_cmpint(ddw_remove(0x1234), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpuint(spapr_tce_get_nb_table(other), ==, 16);
    spapr_tce_table_free(other);
    rtas_ibm_remove_pe_dma_window(1, NULL, 1, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
    spapr_phb_free(phb);

    /* DDW off: the default window cannot be removed. */
    phb = phb_new(0, false);
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_PARAM_ERROR);
    assert_window(phb, 0, 12, 0, GIB >> 12);
    spapr_phb_free(phb);
}

/* ---- ibm,reset-pe-dma-window and spapr_phb_reset ---------------------- */

static void test_reset(void)
{
    SpaprPhb *phb = phb_new(0, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t liobn, args[3] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid };
    uint32_t rets[2];
    uint64_t addr, tce = 1;

    g_assert_cmpint(spapr_h_put_tce(0x80000000, 0x5000, 0x77003), ==, 0);
    g_assert_cmpint(ddw_create(buid, 16, 32, &liobn, &addr), ==, 0);
    /* Wrong counts, BUID: PARAM_ERROR and nothing changes. */
    for (uint32_t nargs = 2; nargs <= 4; nargs++) {
        for (uint32_t nret = 1; nret <= 2; nret++) {
            if (nargs == 3 && nret == 1) {
                continue;
            }
            rets[0] = RTAS_UNSET;
            rtas_ibm_reset_pe_dma_window(nargs, args, nret, rets);
            g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_PARAM_ERROR);
        }
    }
    g_assert_cmpint(ddw_reset(buid + 1), ==, RTAS_OUT_PARAM_ERROR);
    assert_window(phb, 1, 16, SPAPR_PCI_DMA64_START, 1u << 16);

    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
    assert_window(phb, 0, 12, 0, GIB >> 12);
    assert_disabled(phb, 1);
    g_assert_cmpint(spapr_h_get_tce(0x80000000, 0x5000, &tce), ==, 0);
    g_assert_cmphex(tce, ==, 0);
    g_assert_cmpuint(available(phb), ==, 1);

    /* The machine reset does the same. */
    g_assert_cmpint(ddw_remove(0x80000000), ==, 0);
    g_assert_cmpint(ddw_create(buid, 21, 40, &liobn, &addr), ==, 0);
    spapr_phb_reset(phb);
    assert_window(phb, 0, 12, 0, GIB >> 12);
    assert_disabled(phb, 1);
    spapr_phb_reset(NULL);
    spapr_phb_free(phb);

    /* DDW off: PARAM_ERROR. */
    phb = phb_new(0, false);
    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_PARAM_ERROR);
    spapr_phb_free(phb);
}

/*
 * Several PHBs (QEMU: -device spapr-pci-host-bridge,index=N): each has its
 * own BUID, LIOBNs and windows, and a call on one leaves the others alone.
 */
static void test_phbs_independent(void)
{
    SpaprPhb *phb[3];
    uint32_t liobn;
    uint64_t addr;

    for (unsigned i = 0; i < 3; i++) {
        phb[i] = phb_new(i, true);
    }
    g_assert_cmpint(ddw_create(SPAPR_PCI_BASE_BUID + 1, 16, 31, &liobn, &addr),
                    ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000101);
    g_assert_cmpuint(available(phb[0]), ==, 1);
    g_assert_cmpuint(available(phb[1]), ==, 0);
    g_assert_cmpuint(available(phb[2]), ==, 1);
    g_assert_cmpint(spapr_h_put_tce(0x80000101, SPAPR_PCI_DMA64_START,
                                    0x10003), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(0x80000001, SPAPR_PCI_DMA64_START,
                                    0x10003), ==, H_PARAMETER);
    g_assert_cmpint(ddw_remove(0x80000200), ==, RTAS_OUT_SUCCESS);
    assert_disabled(phb[2], 0);
    assert_window(phb[0], 0, 12, 0, GIB >> 12);
    assert_window(phb[1], 0, 12, 0, GIB >> 12);
    g_assert_cmpint(ddw_reset(SPAPR_PCI_BASE_BUID + 1), ==,
                    RTAS_OUT_SUCCESS);
    assert_disabled(phb[1], 1);
    assert_disabled(phb[2], 0);
    /* A BUID no PHB has. */
    g_assert_cmpint(ddw_reset(SPAPR_PCI_BASE_BUID + 3), ==,
                    RTAS_OUT_PARAM_ERROR);
    for (unsigned i = 0; i < 3; i++) {
        spapr_phb_free(phb[i]);
    }
}

/*
 * The RTAS calls of Tests/traces/ddw-remove-reset.trace, a Linux guest
 * detaching and re-adding PHB 1 (DLPAR), with QEMU 7.2's answers: LIOBNs
 * picked as spapr_phb_get_free_liobn picks them, windows available as
 * spapr_phb_get_active_win_num counts them, and no restore when the window
 * removed last was made on the default window's table (def_win stays set).
 */
static void test_remove_reset_sequence(void)
{
    SpaprPhb *phb0 = phb_new(0, true), *phb = phb_new(1, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t liobn;
    uint64_t addr;

    g_assert_cmpuint(available(phb), ==, 1);
    g_assert_cmpint(ddw_create(buid, 24, 31, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000101);
    g_assert_cmphex(addr, ==, SPAPR_PCI_DMA64_START);
    g_assert_cmpint(ddw_remove(0x80000101), ==, 0);
    g_assert_cmpuint(available(phb), ==, 1);
    g_assert_cmpint(ddw_create(buid, 24, 31, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000101);
    g_assert_cmpuint(available(phb), ==, 0);
    /* The default window goes; the DDW stays, so nothing is restored. */
    g_assert_cmpint(ddw_remove(0x80000100), ==, 0);
    g_assert_cmpuint(available(phb), ==, 1);
    g_assert_cmpint(ddw_create(buid, 24, 31, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000100);
    g_assert_cmphex(addr, ==, SPAPR_PCI_DMA64_START);
    assert_window(phb, 0, 24, SPAPR_PCI_DMA64_START, 128);
    assert_window(phb, 1, 24, SPAPR_PCI_DMA64_START, 128);
    g_assert_cmpuint(available(phb), ==, 0);
    g_assert_cmpint(ddw_remove(0x80000100), ==, 0);
    g_assert_cmpuint(available(phb), ==, 1);
    g_assert_cmpint(ddw_create(buid, 24, 31, &liobn, &addr), ==, 0);
    g_assert_cmphex(liobn, ==, 0x80000100);
    g_assert_cmpint(ddw_remove(0x80000100), ==, 0);
    /* Window 1 is still there: no restore; the guest's reset brings it. */
    assert_disabled(phb, 0);
    assert_window(phb, 1, 24, SPAPR_PCI_DMA64_START, 128);
    g_assert_cmpint(ddw_reset(buid), ==, 0);
    assert_window(phb, 0, 12, 0, GIB >> 12);
    assert_disabled(phb, 1);
    /* PHB 0 saw none of it. */
    assert_window(phb0, 0, 12, 0, GIB >> 12);
    assert_disabled(phb0, 1);
    spapr_phb_free(phb);
    spapr_phb_free(phb0);
}

/* A window's table freed by hand: the PHB forgets it and goes on working. */
static void test_window_freed(void)
{
    SpaprPhb *phb = phb_new(7, true);
    uint64_t buid = spapr_phb_get_buid(phb);
    SpaprTceTable *t1 = spapr_phb_get_window(phb, 1);
    uint32_t liobn1 = spapr_tce_get_liobn(t1), liobn;
    uint32_t rets[5];
    uint64_t addr;

    spapr_tce_table_free(t1);
    g_assert_null(spapr_phb_get_window(phb, 1));
    g_assert_null(spapr_tce_find_by_liobn(liobn1));

    /* One window is left, enabled: one available, none free to create. */
    g_assert_cmpint(ddw_query(buid, 5, rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(rets[1], ==, 1);
    g_assert_cmpint(ddw_create(buid, 16, 30, &liobn, &addr), ==,
                    RTAS_OUT_HW_ERROR);
    g_assert_cmpint(ddw_remove(liobn1), ==, RTAS_OUT_PARAM_ERROR);

    /* Window 0 still comes and goes. */
    g_assert_cmpint(ddw_remove(SPAPR_PCI_LIOBN(7, 0)), ==, RTAS_OUT_SUCCESS);
    assert_disabled(phb, 0);
    g_assert_cmpint(ddw_create(buid, 16, 30, &liobn, &addr), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, SPAPR_PCI_LIOBN(7, 0));
    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
    assert_window(phb, 0, 12, 0, 0x40000000 >> 12);
    spapr_phb_free(phb);
    g_assert_null(spapr_tce_find_by_liobn(SPAPR_PCI_LIOBN(7, 0)));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ddw/phb/defaults", test_phb_defaults);
    g_test_add_func("/ddw/phb/numbering", test_phb_numbering);
    g_test_add_func("/ddw/phb/ddw-off", test_phb_ddw_off);
    g_test_add_func("/ddw/phb/new-errors", test_phb_new_errors);
    g_test_add_func("/ddw/query/answers", test_query);
    g_test_add_func("/ddw/query/mask-encoding", test_query_mask_encoding);
    g_test_add_func("/ddw/create/windows", test_create);
    g_test_add_func("/ddw/create/errors", test_create_errors);
    g_test_add_func("/ddw/create/skipping-replay", test_create_skipping_replay);
    g_test_add_func("/ddw/remove/windows", test_remove);
    g_test_add_func("/ddw/remove/errors", test_remove_errors);
    g_test_add_func("/ddw/reset", test_reset);
    g_test_add_func("/ddw/phb/window-freed", test_window_freed);
    g_test_add_func("/ddw/phb/several", test_phbs_independent);
    g_test_add_func("/ddw/remove/reset-sequence", test_remove_reset_sequence);
    return g_test_run();
}
