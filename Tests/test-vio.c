/*
 * SwiftTCE sPAPR VIO devices, as QEMU 7.2's hw/ppc/spapr_vio.c makes them:
 * the LIOBN macros, a device's table (LIOBN = reg, 4 KiB pages at bus
 * address 0, rtce_window_size bytes), the hypercalls and their trace events
 * on it, ibm,set-tce-bypass and the 1:1 DMA of a bypassed device, quiesce,
 * the device reset, and bypass in the migration stream.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

#define REG 0x71000002u
#define WINDOW SPAPR_VIO_RTCE_WINDOW_SIZE
#define RAM (2ULL << 30)
#define UNSET 0x5a5a5a5au

static SpaprVioDevice *vio_new(uint32_t reg, uint64_t window)
{
    SpaprVioConfig cfg = { .reg = reg, .rtce_window_size = window,
                           .ram_size = RAM };
    Error *err = NULL;
    SpaprVioDevice *dev = spapr_vio_device_new(&cfg, &cfg, &err);

    g_assert_null(err);
    g_assert_nonnull(dev);
    return dev;
}

static void assert_vio_refused(uint32_t reg, uint64_t window)
{
    SpaprVioConfig cfg = { .reg = reg, .rtce_window_size = window,
                           .ram_size = RAM };
    Error *err = NULL;

    g_assert_null(spapr_vio_device_new(NULL, &cfg, &err));
    assert_error_set(&err);
}

static int32_t set_bypass(uint32_t nargs, uint32_t reg, uint32_t enable)
{
    uint32_t args[3] = { reg, enable, 0 };
    uint32_t rets[1] = { UNSET };

    rtas_set_tce_bypass(nargs, args, 1, rets);
    return (int32_t)rets[0];
}

static int32_t quiesce(uint32_t nargs)
{
    uint32_t args[1] = { 0 };
    uint32_t rets[1] = { UNSET };

    rtas_quiesce(nargs, args, 1, rets);
    return (int32_t)rets[0];
}

/* QEMU's spapr.h macros: a VIO LIOBN is its reg, a PCI one has bit 31. */
static void test_liobn_macros(void)
{
    g_assert_cmphex(SPAPR_VIO_LIOBN(REG), ==, REG);
    g_assert_false(SPAPR_IS_PCI_LIOBN(SPAPR_VIO_LIOBN(REG)));
    g_assert_true(SPAPR_IS_PCI_LIOBN(SPAPR_PCI_LIOBN(3, 1)));
    g_assert_cmpuint(SPAPR_PCI_DMA_WINDOW_NUM(SPAPR_PCI_LIOBN(3, 1)), ==, 1);
    g_assert_cmpuint(SPAPR_PCI_DMA_WINDOW_NUM(SPAPR_PCI_LIOBN(30, 0)), ==, 0);
}

/* spapr_vio_busdev_realize: the table, created and enabled at once. */
static void test_device_table(void)
{
    SpaprVioDevice *dev = vio_new(REG, WINDOW);
    SpaprTceTable *t = spapr_vio_get_tce_table(dev);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);

    g_assert_nonnull(t);
    g_assert_true(spapr_vio_find_by_reg(REG) == dev);
    g_assert_null(spapr_vio_find_by_reg(REG + 1));
    g_assert_cmphex(spapr_vio_get_reg(dev), ==, REG);
    g_assert_true(spapr_tce_find_by_liobn(REG) == t);
    g_assert_cmphex(spapr_tce_get_liobn(t), ==, REG);
    g_assert_cmpuint(spapr_tce_get_page_shift(t), ==, SPAPR_TCE_PAGE_SHIFT);
    g_assert_cmphex(spapr_tce_get_bus_offset(t), ==, 0);
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, WINDOW >> 12);
    g_assert_cmphex(memory_region_size(mr), ==, WINDOW);
    g_assert_cmpstr(memory_region_name(mr), ==, "tce-iommu-71000002");
    g_assert_false(spapr_tce_get_bypass(t));
    /* owner is what spapr_vio_device_new got (vio_new passes the config). */
    g_assert_nonnull(spapr_tce_get_owner(t));
    spapr_vio_device_free(dev);
    g_assert_null(spapr_vio_find_by_reg(REG));
    g_assert_null(spapr_tce_find_by_liobn(REG));
    spapr_vio_device_free(NULL);
}

static void test_device_refused(void)
{
    SpaprVioDevice *dev;
    SpaprTceTable *squatter;
    Error *err = NULL;

    g_assert_null(spapr_vio_device_new(NULL, NULL, &err));
    assert_error_set(&err);
    /* A reg whose LIOBN would be a PCI window's. */
    assert_vio_refused(0x80000000u, WINDOW);
    /* Not whole 4 KiB pages; more pages than nb_table holds. */
    assert_vio_refused(REG, WINDOW + 0x800);
    assert_vio_refused(REG, 1ULL << 44);
    g_assert_null(spapr_vio_find_by_reg(REG));
    g_assert_null(spapr_tce_find_by_liobn(REG));

    /* QEMU's reg_conflict: one device per reg, with a table or not. */
    dev = vio_new(REG, 0);
    assert_vio_refused(REG, WINDOW);
    spapr_vio_device_free(dev);
    /* The LIOBN taken by another table: nothing made. */
    squatter = spapr_tce_new_table(NULL, REG, &err);
    g_assert_nonnull(squatter);
    assert_vio_refused(REG, WINDOW);
    g_assert_null(spapr_vio_find_by_reg(REG));
    spapr_tce_table_free(squatter);
    spapr_vio_device_free(vio_new(REG, WINDOW));
}

/* A device without rtce_window_size (spapr-vty): no table, no bypass. */
static void test_device_without_dma(void)
{
    SpaprVioDevice *dev = vio_new(0x71000000u, 0);
    IOMMUTLBEntry e;

    g_assert_null(spapr_vio_get_tce_table(dev));
    g_assert_null(spapr_tce_find_by_liobn(0x71000000u));
    g_assert_cmpint(set_bypass(2, 0x71000000u, 1), ==, RTAS_OUT_PARAM_ERROR);
    spapr_vio_set_bypass(dev, true);
    e = spapr_vio_dma_translate(dev, 0x1000, IOMMU_RW);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    spapr_vio_device_reset(dev);
    g_assert_cmpint(quiesce(0), ==, RTAS_OUT_SUCCESS);
    spapr_vio_device_free(dev);
}

/* ---- Hypercalls and their trace events -------------------------------- */

static void record_line(void *opaque, const char *line)
{
    g_ptr_array_add(opaque, g_strdup(line));
}

/*
 * h_put_tce, h_get_tce, h_stuff_tce, h_put_tce_indirect on a VIO LIOBN:
 * the same checks as on a PCI window's; QEMU traces them as spapr_iommu_*
 * where a PCI LIOBN's are spapr_iommu_pci_*.
 */
static void test_hypercalls_and_events(void)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    SpaprVioDevice *dev;
    GuestBuf list;
    uint64_t tce;
    static const char *const want[] = {
        "spapr_iommu_new_table liobn=0x71000002 table=",
        "spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x2000003 ret=0",
        "spapr_iommu_put liobn=0x71000002 ioba=0x10000000 tce=0x3 ret=-4",
        "spapr_iommu_get liobn=0x71000002 ioba=0x1000 ret=0 tce=0x2000003",
        ("spapr_iommu_indirect liobn=0x71000002 ioba=0x2000 tcelist=0x9000 "
         "iobaN=0x1 tceN=0x4000002 ret=0"),
        ("spapr_iommu_stuff liobn=0x71000002 ioba=0x4000 tcevalue=0x0 "
         "npages=3 ret=0"),
    };

    guest_buf_init(&list, 0x9000, 2);
    guest_buf_set(&list, 0, 0x3000001);
    guest_buf_set(&list, 1, 0x4000002);
    spapr_tce_set_trace_hook(record_line, lines);
    dev = vio_new(REG, WINDOW);
    g_assert_cmpint(spapr_h_put_tce(REG, 0x1000, 0x2000003), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(REG, WINDOW, 3), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce(REG, 0x1fff, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x2000003);
    g_assert_cmpint(spapr_h_put_tce_indirect(REG, 0x2000, 0x9000, 2,
                                             &list.mem), ==, H_SUCCESS);
    g_assert_cmpuint(list.reads, ==, 1);
    g_assert_cmpint(spapr_h_stuff_tce(REG, 0x1000, 0, 3), ==, H_SUCCESS);
    spapr_tce_set_trace_hook(NULL, NULL);

    g_assert_cmpuint(lines->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < lines->len; i++) {
        const char *line = g_ptr_array_index(lines, i);
        if (!g_str_has_prefix(line, want[i])) {
            g_error("event %u is '%s', not '%s...'", i, line, want[i]);
        }
    }
    g_assert_cmphex(test_get_tce(REG, 0x1000), ==, 0);
    g_assert_cmphex(test_get_tce(REG, 0x3000), ==, 0);
    g_assert_cmphex(test_get_tce(REG, 0x4000), ==, 0);
    g_ptr_array_free(lines, TRUE);
    guest_buf_free(&list);
    spapr_vio_device_free(dev);
}

/* ---- Bypass ----------------------------------------------------------- */

static void assert_dma(SpaprVioDevice *dev, hwaddr addr, hwaddr translated,
                       hwaddr mask, IOMMUAccessFlags perm)
{
    IOMMUTLBEntry e = spapr_vio_dma_translate(dev, addr, IOMMU_RO);

    g_assert_cmphex(e.translated_addr, ==, translated);
    g_assert_cmphex(e.addr_mask, ==, mask);
    g_assert_cmpint(e.perm, ==, perm);
}

/*
 * rtas_set_tce_bypass with spapr_vio_set_bypass: the device's DMA reaches
 * RAM 1:1 (QEMU's "iommu-spapr-bypass" alias, ram_size long) while the
 * table's region, which QEMU only disables, keeps its entries.
 */
static void test_set_tce_bypass(void)
{
    SpaprVioDevice *dev = vio_new(REG, WINDOW);
    SpaprTceTable *t = spapr_vio_get_tce_table(dev);
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    uint32_t args[2] = { REG, 1 }, rets[2] = { UNSET, UNSET };
    IOMMUTLBEntry e;
    AddressSpace *as = (AddressSpace *)&args;

    spapr_tce_set_target_as(t, as);
    g_assert_cmpint(spapr_h_put_tce(REG, 0x5000, 0x7000001), ==, H_SUCCESS);
    assert_dma(dev, 0x5010, 0x7000000, 0xfff, IOMMU_RO);

    /* Refused: argument counts, a reg no device has. Nothing changes. */
    g_assert_cmpint(set_bypass(1, REG, 1), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(set_bypass(3, REG, 1), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(set_bypass(2, REG + 1, 1), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_false(spapr_tce_get_bypass(t));
    /* Only the status cell is written. */
    rtas_set_tce_bypass(2, args, 2, rets);
    g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[1], ==, UNSET);
    g_assert_true(spapr_tce_get_bypass(t));

    assert_dma(dev, 0x5010, 0x5000, 0xfff, IOMMU_RW);
    assert_dma(dev, WINDOW + 0x123, WINDOW, 0xfff, IOMMU_RW);
    assert_dma(dev, RAM - 1, RAM - 0x1000, 0xfff, IOMMU_RW);
    assert_dma(dev, RAM, 0, ~0ULL, IOMMU_NONE);
    e = spapr_vio_dma_translate(dev, 0, IOMMU_RW);
    g_assert_true(e.target_as == as);
    e = spapr_tce_iommu_ops.translate(mr, 0x5010, IOMMU_RO, 0);
    g_assert_cmphex(e.translated_addr, ==, 0x7000000);
    g_assert_true(e.target_as == as);

    /* Any non-zero enable is on (!!enable); 0 is off. */
    g_assert_cmpint(set_bypass(2, REG, 0), ==, RTAS_OUT_SUCCESS);
    g_assert_false(spapr_tce_get_bypass(t));
    assert_dma(dev, 0x5010, 0x7000000, 0xfff, IOMMU_RO);
    assert_dma(dev, WINDOW, 0, ~0ULL, IOMMU_NONE);
    g_assert_cmpint(set_bypass(2, REG, 0x100), ==, RTAS_OUT_SUCCESS);
    g_assert_true(spapr_tce_get_bypass(t));
    spapr_vio_set_bypass(dev, false);
    g_assert_false(spapr_tce_get_bypass(t));
    spapr_vio_device_free(dev);
}

/* ---- Quiesce and reset ------------------------------------------------ */

/*
 * rtas_quiesce resets every VIO table (spapr_vio_quiesce_one: a device
 * reset of the table, which zeroes it without notifying and keeps bypass);
 * PCI windows are not VIO devices.
 */
static void test_quiesce(void)
{
    SpaprVioDevice *a = vio_new(REG, WINDOW);
    SpaprVioDevice *b = vio_new(REG + 1, 0x100000);
    SpaprPhbConfig cfg;
    SpaprPhb *phb;
    Recorder rec;
    Error *err = NULL;

    spapr_phb_config_default(&cfg, 0);
    phb = spapr_phb_new(&cfg, &err);
    g_assert_nonnull(phb);
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(spapr_vio_get_tce_table(a)),
                        &rec.n, &err), ==, 0);
    g_assert_cmpint(spapr_h_put_tce(REG, 0, 0x1003), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(REG + 1, 0xff000, 0x2003), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(0x80000000, 0, 0x3003), ==, H_SUCCESS);
    g_assert_cmpint(set_bypass(2, REG + 1, 1), ==, RTAS_OUT_SUCCESS);
    recorder_clear(&rec);

    g_assert_cmpint(quiesce(1), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmphex(test_get_tce(REG, 0), ==, 0x1003);
    g_assert_cmpint(quiesce(0), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(test_get_tce(REG, 0), ==, 0);
    g_assert_cmphex(test_get_tce(REG + 1, 0xff000), ==, 0);
    g_assert_cmphex(test_get_tce(0x80000000, 0), ==, 0x3003);
    g_assert_cmpuint(rec.entries->len, ==, 0);
    g_assert_true(spapr_tce_get_bypass(spapr_vio_get_tce_table(b)));
    /* The windows stay. */
    g_assert_cmpuint(spapr_tce_get_nb_table(spapr_vio_get_tce_table(a)), ==,
                     WINDOW >> 12);

    memory_region_unregister_iommu_notifier(
        spapr_tce_get_iommu_mr(spapr_vio_get_tce_table(a)), &rec.n);
    recorder_destroy(&rec);
    spapr_phb_free(phb);
    spapr_vio_device_free(a);
    spapr_vio_device_free(b);
}

/* spapr_vio_busdev_reset: quiesce the device, then bypass off. */
static void test_device_reset(void)
{
    SpaprVioDevice *a = vio_new(REG, WINDOW), *b = vio_new(REG + 1, WINDOW);

    g_assert_cmpint(spapr_h_put_tce(REG, 0x1000, 0x1003), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(REG + 1, 0x1000, 0x2003), ==, H_SUCCESS);
    spapr_vio_set_bypass(a, true);
    spapr_vio_device_reset(a);
    g_assert_cmphex(test_get_tce(REG, 0x1000), ==, 0);
    g_assert_false(spapr_tce_get_bypass(spapr_vio_get_tce_table(a)));
    g_assert_cmpuint(spapr_tce_get_nb_table(spapr_vio_get_tce_table(a)), ==,
                     WINDOW >> 12);
    /* Only that device. */
    g_assert_cmphex(test_get_tce(REG + 1, 0x1000), ==, 0x2003);
    spapr_vio_device_reset(NULL);
    spapr_vio_device_free(a);
    spapr_vio_device_free(b);
}

/* The table freed on its own: the device forgets it (QEMU's dev->tcet). */
static void test_table_freed(void)
{
    SpaprVioDevice *dev = vio_new(REG, WINDOW);

    spapr_tce_table_free(spapr_vio_get_tce_table(dev));
    g_assert_null(spapr_vio_get_tce_table(dev));
    g_assert_cmpint(set_bypass(2, REG, 1), ==, RTAS_OUT_PARAM_ERROR);
    spapr_vio_device_reset(dev);
    spapr_vio_device_free(dev);
    g_assert_null(spapr_tce_find_by_liobn(REG));
}

/* ---- Migration -------------------------------------------------------- */

/* Bypass travels with the table (QEMU's vmstate "bypass" field). */
static void test_migrate_bypass(void)
{
    SpaprVioDevice *src = vio_new(REG, WINDOW);
    SpaprTceTable *t = spapr_vio_get_tce_table(src);
    size_t len;
    uint8_t *buf;
    Error *err = NULL;

    g_assert_cmpint(spapr_h_put_tce(REG, 0x2000, 0x9003), ==, H_SUCCESS);
    g_assert_cmpint(set_bypass(2, REG, 1), ==, RTAS_OUT_SUCCESS);
    len = spapr_tce_table_save(t, NULL, 0);
    buf = g_malloc(len);
    g_assert_cmpuint(spapr_tce_table_save(t, buf, len), ==, len);
    spapr_vio_device_free(src);

    {
        SpaprVioDevice *dst = vio_new(REG, WINDOW);
        SpaprTceTable *d = spapr_vio_get_tce_table(dst);

        g_assert_false(spapr_tce_get_bypass(d));
        g_assert_cmpint(spapr_tce_table_load(d, buf, len, &err), ==, 0);
        g_assert_null(err);
        g_assert_true(spapr_tce_get_bypass(d));
        g_assert_cmphex(test_get_tce(REG, 0x2000), ==, 0x9003);
        assert_dma(dst, 0x2000, 0x2000, 0xfff, IOMMU_RW);
        /* A stream without bypass turns it off again. */
        spapr_vio_set_bypass(dst, false);
        g_free(buf);
        len = spapr_tce_table_save(d, NULL, 0);
        buf = g_malloc(len);
        spapr_tce_table_save(d, buf, len);
        spapr_vio_set_bypass(dst, true);
        g_assert_cmpint(spapr_tce_table_load(d, buf, len, &err), ==, 0);
        g_assert_false(spapr_tce_get_bypass(d));
        spapr_vio_device_free(dst);
    }
    g_free(buf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vio/liobn-macros", test_liobn_macros);
    g_test_add_func("/vio/device/table", test_device_table);
    g_test_add_func("/vio/device/refused", test_device_refused);
    g_test_add_func("/vio/device/without-dma", test_device_without_dma);
    g_test_add_func("/vio/hypercalls-and-events", test_hypercalls_and_events);
    g_test_add_func("/vio/bypass/set-tce-bypass", test_set_tce_bypass);
    g_test_add_func("/vio/quiesce", test_quiesce);
    g_test_add_func("/vio/device/reset", test_device_reset);
    g_test_add_func("/vio/device/table-freed", test_table_freed);
    g_test_add_func("/vio/bypass/migrate", test_migrate_bypass);
    return g_test_run();
}
