/*
 * SwiftTCE trace events: what spapr_tce_set_trace_hook receives is what
 * QEMU 7.2's -trace 'spapr_iommu_*' prints (hw/ppc/trace-events), event for
 * event and field for field, so a run of the library reads like a run of
 * QEMU (the lines below are spelled as in Tests/traces/).
 */
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

typedef struct Log {
    GPtrArray *lines;
} Log;

static void record_line(void *opaque, const char *line)
{
    Log *log = opaque;

    g_ptr_array_add(log->lines, g_strdup(line));
}

static void log_start(Log *log)
{
    log->lines = g_ptr_array_new_with_free_func(g_free);
    spapr_tce_set_trace_hook(record_line, log);
}

static void log_stop(Log *log)
{
    spapr_tce_set_trace_hook(NULL, NULL);
    g_ptr_array_free(log->lines, TRUE);
}

/*
 * The lines logged since `from` are want[] (a want ending in '*' matches
 * any line that starts with what comes before it); returns the next index.
 */
static guint assert_lines(Log *log, guint from, const char *const *want,
                          size_t n)
{
    g_assert_cmpuint(log->lines->len, ==, from + n);
    for (size_t i = 0; i < n; i++) {
        const char *line = g_ptr_array_index(log->lines, from + i);
        size_t len = strlen(want[i]);
        bool prefix = len > 0 && want[i][len - 1] == '*';

        if (prefix ? strncmp(line, want[i], len - 1) != 0
                   : strcmp(line, want[i]) != 0) {
            g_error("line %zu is '%s', not '%s'", from + i, line, want[i]);
        }
    }
    return from + n;
}

static IOMMUTLBEntry xlate(uint32_t liobn, hwaddr addr)
{
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(spapr_tce_find_by_liobn(liobn));

    return spapr_tce_iommu_ops.translate(mr, addr, IOMMU_RO, 0);
}

/*
 * spapr_tce_alloc_table traces new_table whenever a window is enabled;
 * the DDW calls trace their answers; remove traces ddw_reset when it
 * restored the default window, after the default window's new_table.
 */
static void test_ddw_events(void)
{
    Log log;
    SpaprPhbConfig cfg;
    SpaprPhb *phb;
    uint64_t buid;
    uint32_t rets[5];
    guint at;
    static const char *const created[] = {
        "spapr_iommu_new_table liobn=0x80000100 table=0x*",
        ("spapr_iommu_ddw_query buid=0x800000020000001 addr=0x0, 1 windows "
         "available, max window size=0x80000000, mask=0x107"),
        "spapr_iommu_new_table liobn=0x80000101 table=0x*",
        ("spapr_iommu_ddw_create buid=0x800000020000001 addr=0x0, page "
         "size=0x1000000, requested=0x80000000, start addr=0x800000000000000, "
         "liobn=0x80000101"),
        "spapr_iommu_ddw_remove liobn=0x80000100",
    };
    static const char *const restored[] = {
        "spapr_iommu_ddw_remove liobn=0x80000101",
        "spapr_iommu_new_table liobn=0x80000100 table=0x*",
        "spapr_iommu_ddw_reset buid=0x800000020000001 addr=0x0",
    };
    static const char *const reset[] = {
        "spapr_iommu_new_table liobn=0x80000100 table=0x*",
        "spapr_iommu_ddw_reset buid=0x800000020000001 addr=0x0",
    };

    log_start(&log);
    spapr_phb_config_default(&cfg, 1);
    phb = spapr_phb_new(&cfg, NULL);
    g_assert_nonnull(phb);
    buid = spapr_phb_get_buid(phb);
    g_assert_cmphex(buid, ==, 0x800000020000001ULL);
    g_assert_cmpint(ddw_query(buid, 5, rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_create(buid, 24, 31, NULL, NULL), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_remove(0x80000100), ==, RTAS_OUT_SUCCESS);
    at = assert_lines(&log, 0, created, G_N_ELEMENTS(created));
    /* The last window, not the default one: the default comes back. */
    g_assert_cmpint(ddw_remove(0x80000101), ==, RTAS_OUT_SUCCESS);
    at = assert_lines(&log, at, restored, G_N_ELEMENTS(restored));
    g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
    assert_lines(&log, at, reset, G_N_ELEMENTS(reset));
    spapr_phb_free(phb);
    log_stop(&log);
}

/*
 * spapr_tce_translate_iommu traces every translate, with the region-relative
 * address as asked and the mask in hex; a PCI LIOBN's hypercalls are the
 * pci_ events. Once the hook is gone, translate answers the same untraced.
 */
static void test_xlate_and_pci_events(void)
{
    Log log;
    SpaprPhbConfig cfg;
    SpaprPhb *phb;
    IOMMUTLBEntry e;
    uint64_t tce;
    static const char *const want[] = {
        "spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x4b8c003 ret=0",
        ("spapr_iommu_xlate liobn=0x80000000 0x1010 -> 0x4b8c000 perm=3 "
         "mask=0xfff"),
        ("spapr_iommu_xlate liobn=0x80000000 0x40000000 -> 0x0 perm=0 "
         "mask=0xffffffffffffffff"),
        "spapr_iommu_pci_get liobn=0x80000000 ioba=0x1000 ret=0 tce=0x4b8c003",
        ("spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x3000 tcevalue=0x0 "
         "npages=2 ret=0"),
        "spapr_iommu_xlate liobn=0x80000000 0x1010 -> 0x0 perm=0 mask=0xfff",
    };

    spapr_phb_config_default(&cfg, 0);
    cfg.ddw = false;
    phb = spapr_phb_new(&cfg, NULL);
    g_assert_nonnull(phb);
    log_start(&log);
    g_assert_cmpint(spapr_h_put_tce(0x80000000, 0x1000, 0x4b8c003), ==, 0);
    e = xlate(0x80000000, 0x1010);
    g_assert_cmphex(e.translated_addr, ==, 0x4b8c000);
    xlate(0x80000000, 0x40000000);
    g_assert_cmpint(spapr_h_get_tce(0x80000000, 0x1234, &tce), ==, 0);
    g_assert_cmpint(spapr_h_stuff_tce(0x80000000, 0x1000, 0, 2), ==, 0);
    e = xlate(0x80000000, 0x1010);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    assert_lines(&log, 0, want, G_N_ELEMENTS(want));
    spapr_tce_set_trace_hook(NULL, NULL);
    g_assert_cmpint(spapr_h_put_tce(0x80000000, 0x1000, 0x4b8d001), ==, 0);
    e = xlate(0x80000000, 0x1010);
    g_assert_cmphex(e.translated_addr, ==, 0x4b8d000);
    g_assert_cmpint(e.perm, ==, IOMMU_RO);
    g_assert_cmpuint(log.lines->len, ==, G_N_ELEMENTS(want));
    log_stop(&log);
    spapr_phb_free(phb);
}

/* spapr_tce_table_pre_save: LIOBN and entry count in bare hex. */
static void test_pre_save_event(void)
{
    Log log;
    SpaprTceTable *a = spapr_tce_new_table(NULL, 0x80000101, NULL);
    SpaprTceTable *b = spapr_tce_new_table(NULL, 0x80000001, NULL);
    uint8_t buf[256];
    static const char *const want[] = {
        "spapr_iommu_new_table liobn=0x80000101 table=0x*",
        ("spapr_iommu_pre_save liobn=80000101 80 bus_offset=0x800000000000000 "
         "ps=24"),
        "spapr_iommu_pre_save liobn=80000001 0 bus_offset=0x0 ps=0",
    };

    log_start(&log);
    g_assert_cmpint(spapr_tce_table_enable(a, 24, SPAPR_PCI_DMA64_START, 128,
                                           NULL), ==, 0);
    g_assert_cmpuint(spapr_tce_table_save(a, buf, sizeof(buf)), >, 0);
    g_assert_cmpuint(spapr_tce_table_save(b, buf, sizeof(buf)), >, 0);
    /* Asking for the size saves nothing. */
    spapr_tce_table_save(a, NULL, 0);
    assert_lines(&log, 0, want, G_N_ELEMENTS(want));
    log_stop(&log);
    spapr_tce_table_free(a);
    spapr_tce_table_free(b);
}

/*
 * spapr_tce_table_load: QEMU's post_load, which traces the entry count
 * before (bare hex) and the window after, once the load is done; when the
 * count changes to a non-zero one, its enable traces the new table first.
 * A refused load traces nothing.
 */
static void test_post_load_event(void)
{
    Log log;
    SpaprTceTable *a = make_table(0x80000101, 24, SPAPR_PCI_DMA64_START, 128);
    SpaprTceTable *b = make_table(0x80000001, 0, 0, 0);
    uint8_t win[256], off[256];
    size_t win_len = spapr_tce_table_save(a, win, sizeof(win));
    size_t off_len = spapr_tce_table_save(b, off, sizeof(off));
    Error *err = NULL;
    static const char *const want[] = {
        /* the same window again */
        ("spapr_iommu_post_load liobn=80000101 80 => 0x80 "
         "bus_offset=0x800000000000000 ps=24"),
        /* into the disabled table */
        "spapr_iommu_new_table liobn=0x80000101 table=0x*",
        ("spapr_iommu_post_load liobn=80000101 0 => 0x80 "
         "bus_offset=0x800000000000000 ps=24"),
        /* over a window of another count */
        "spapr_iommu_new_table liobn=0x80000101 table=0x*",
        "spapr_iommu_new_table liobn=0x80000101 table=0x*",
        ("spapr_iommu_post_load liobn=80000101 40 => 0x80 "
         "bus_offset=0x800000000000000 ps=24"),
        /* a disabled table's stream */
        "spapr_iommu_post_load liobn=80000001 0 => 0x0 bus_offset=0x0 ps=0",
    };

    g_assert_cmpuint(win_len, >, 0);
    g_assert_cmpuint(off_len, >, 0);
    log_start(&log);
    g_assert_cmpint(spapr_tce_table_load(a, win, win_len, &err), ==, 0);
    spapr_tce_table_disable(a);
    g_assert_cmpint(spapr_tce_table_load(a, win, win_len, &err), ==, 0);
    spapr_tce_table_disable(a);
    g_assert_cmpint(spapr_tce_table_enable(a, 12, 0, 64, &err), ==, 0);
    g_assert_cmpint(spapr_tce_table_load(a, win, win_len, &err), ==, 0);
    g_assert_cmpint(spapr_tce_table_load(b, off, off_len, &err), ==, 0);
    g_assert_null(err);
    /* Refused (another table's stream): no post_load. */
    g_assert_cmpint(spapr_tce_table_load(b, win, win_len, &err), <, 0);
    assert_error_set(&err);
    assert_lines(&log, 0, want, G_N_ELEMENTS(want));
    log_stop(&log);
    spapr_tce_table_free(a);
    spapr_tce_table_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace-events/ddw", test_ddw_events);
    g_test_add_func("/trace-events/xlate-and-pci", test_xlate_and_pci_events);
    g_test_add_func("/trace-events/pre-save", test_pre_save_event);
    g_test_add_func("/trace-events/post-load", test_post_load_event);
    return g_test_run();
}
