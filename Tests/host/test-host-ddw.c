/*
 * Dynamic DMA windows on the QEMU-shaped host: the guest's four RTAS calls
 * (cells in guest memory, through spapr_rtas_call) on a PHB whose window
 * logic is the engine's, the tables they enable and disable, def_win, the
 * default window's return, and the spapr_iommu_ddw_* lines QEMU prints.
 */
#include <stdio.h>

#include "host-test.h"

#define BUID      SPAPR_PCI_BASE_BUID
#define DEF_LIOBN SPAPR_PCI_LIOBN(0, 0)
#define DDW_LIOBN SPAPR_PCI_LIOBN(0, 1)
#define DMA64     SPAPR_PCI_DMA64_START
#define SENTINEL  0xdeadbeefu

static void ddw_query(HostMachine *m, uint32_t nret, uint32_t *rets)
{
    uint32_t args[] = { 0, BUID >> 32, (uint32_t)BUID };

    host_rtas(m, RTAS_IBM_QUERY_PE_DMA_WINDOW, 3, args, nret, rets);
}

static void ddw_reset(HostMachine *m)
{
    uint32_t args[] = { 0, BUID >> 32, (uint32_t)BUID }, ret;

    host_rtas(m, RTAS_IBM_RESET_PE_DMA_WINDOW, 3, args, 1, &ret);
    g_assert_cmpint(rtas_status(&ret), ==, RTAS_OUT_SUCCESS);
}

/* A window created or removed is a table enabled or disabled, region too. */
static void assert_window(uint32_t liobn, uint32_t page_shift,
                          uint64_t bus_offset, uint32_t nb_table)
{
    SpaprTceTable *tcet = host_table(liobn);

    g_assert_cmpuint(tcet->page_shift, ==, page_shift);
    g_assert_cmphex(tcet->bus_offset, ==, bus_offset);
    g_assert_cmpuint(tcet->nb_table, ==, nb_table);
    g_assert_cmpuint(tcet->page_shift, ==, swifttce_table_page_shift(tcet->engine));
    g_assert_cmphex(tcet->bus_offset, ==, swifttce_table_bus_offset(tcet->engine));
    g_assert_cmpuint(tcet->nb_table, ==, swifttce_table_nb_table(tcet->engine));
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu(tcet)), ==,
                    (uint64_t)nb_table << page_shift);
}

static void test_create_remove(void)
{
    static const char *const created[] = {
        "spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107",
        "spapr_iommu_new_table liobn=0x80000001 table=PTR fd=-1",
        "spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x1000000, requested=0x80000000, start addr=0x800000000000000, liobn=0x80000001",
        "spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 0 windows available, max window size=0x80000000, mask=0x107",
        NULL
    };
    static const char *const removed[] = {
        "spapr_iommu_ddw_remove liobn=0x80000001",
        /* the default window's def_win is 1: removing it resets nothing */
        "spapr_iommu_ddw_remove liobn=0x80000000",
        /* with no window, a new one starts at the default window's address */
        "spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1",
        "spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x10000, requested=0x40000000, start addr=0x0, liobn=0x80000000",
        "spapr_iommu_new_table liobn=0x80000001 table=PTR fd=-1",
        "spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x1000, requested=0x10000000, start addr=0x800000000000000, liobn=0x80000001",
        "spapr_iommu_ddw_remove liobn=0x80000000",
        /*
         * The last window goes and its def_win is 0: QEMU restores the
         * default window, whose new table it traces before the reset.
         */
        "spapr_iommu_ddw_remove liobn=0x80000001",
        "spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1",
        "spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0",
        NULL
    };
    uint32_t rets[6];
    HostMachine m;
    GPtrArray *lines;

    host_machine_start(&m, "phbs=1");
    g_assert_true(host_table(DEF_LIOBN)->def_win);
    g_assert_false(host_table(DDW_LIOBN)->def_win);
    lines = host_trace_start();
    ddw_query(&m, 5, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(rets[1], ==, 1);
    g_assert_cmphex(rets[2], ==, 0x80000000);
    g_assert_cmphex(rets[3], ==, 0x107);
    g_assert_cmphex(rets[4], ==, 0);
    host_ddw_create(&m, BUID, 24, 31, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[1], ==, DDW_LIOBN);
    g_assert_cmphex((uint64_t)rets[2] << 32 | rets[3], ==, DMA64);
    assert_window(DDW_LIOBN, 24, DMA64, 128);
    g_assert_false(host_table(DDW_LIOBN)->skipping_replay);
    ddw_query(&m, 5, rets);
    g_assert_cmpuint(rets[1], ==, 0);
    /* both windows are in use */
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_HW_ERROR);
    host_trace_expect(lines, created);

    g_assert_cmpint(host_ddw_remove(&m, DDW_LIOBN), ==, RTAS_OUT_SUCCESS);
    assert_window(DDW_LIOBN, 0, 0, 0);
    assert_window(DEF_LIOBN, 12, 0, 0x40000);
    g_assert_cmpint(host_ddw_remove(&m, DEF_LIOBN), ==, RTAS_OUT_SUCCESS);
    assert_window(DEF_LIOBN, 0, 0, 0);
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmphex(rets[1], ==, DEF_LIOBN);
    assert_window(DEF_LIOBN, 16, 0, 0x4000);
    /* def_win is never cleared, as in QEMU */
    g_assert_true(host_table(DEF_LIOBN)->def_win);
    host_ddw_create(&m, BUID, 12, 28, rets);
    g_assert_cmphex(rets[1], ==, DDW_LIOBN);
    g_assert_cmpint(host_ddw_remove(&m, DEF_LIOBN), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(host_ddw_remove(&m, DDW_LIOBN), ==, RTAS_OUT_SUCCESS);
    assert_window(DEF_LIOBN, 12, 0, 0x40000);
    assert_window(DDW_LIOBN, 0, 0, 0);
    host_trace_expect(lines, removed);
    host_trace_stop(lines);
    host_machine_stop(&m);
}

/* ibm,reset-pe-dma-window, and the 6-cell query of LoPAPR. */
static void test_reset_and_wide_query(void)
{
    static const char *const want[] = {
        "spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 0 windows available, max window size=0x80000000, mask=0x3",
        "spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1",
        "spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0",
        NULL
    };
    uint32_t rets[6];
    HostMachine m;
    GPtrArray *lines;

    host_machine_start(&m, "phbs=1 pgsz=0x11000");
    host_ddw_create(&m, BUID, 16, 40, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(host_put(&m, DDW_LIOBN, DMA64, 0x10003), ==, H_SUCCESS);
    lines = host_trace_start();
    ddw_query(&m, 6, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[2], ==, 0x20);
    g_assert_cmphex(rets[3], ==, 0);
    g_assert_cmphex(rets[4], ==, 0x3);
    g_assert_cmphex(rets[5], ==, 0);
    ddw_reset(&m);
    host_trace_expect(lines, want);
    host_trace_stop(lines);
    assert_window(DDW_LIOBN, 0, 0, 0);
    assert_window(DEF_LIOBN, 12, 0, 0x40000);
    host_machine_stop(&m);
}

/* Refusals answer in rets[0] and write no other cell; nothing is traced. */
static void test_refusals(void)
{
    const uint32_t vio = 0x71000002;
    uint32_t rets[6], args[7] = { 0, BUID >> 32, (uint32_t)BUID, 16, 30 };
    HostMachine m;
    GPtrArray *lines;
    unsigned i;

    host_machine_start(&m, "phbs=2 vio=0x71000002:0x1000000");
    lines = host_trace_start();
    for (i = 0; i < 6; i++) {
        rtas_st(HOST_RTAS_RETS, i, SENTINEL);
    }
    /* query wants 5 or 6 returns */
    host_rtas(&m, RTAS_IBM_QUERY_PE_DMA_WINDOW, 3, args, 4, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmphex(rets[1], ==, SENTINEL);
    /* more cells than any DDW call has */
    host_rtas(&m, RTAS_IBM_CREATE_PE_DMA_WINDOW, 7, args, 4, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmphex(rets[1], ==, SENTINEL);
    /* no PHB with that BUID */
    host_ddw_create(&m, BUID + 7, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    /* 8 KiB pages are not offered; a window smaller than a page */
    host_ddw_create(&m, BUID, 13, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    host_ddw_create(&m, BUID, 16, 15, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    /* 2^32 entries reach QEMU's nb_table as 0: the enable fails */
    host_ddw_create(&m, BUID, 12, 44, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_HW_ERROR);
    g_assert_cmphex(rets[1], ==, SENTINEL);
    assert_window(DDW_LIOBN, 0, 0, 0);
    /* remove: a disabled window, no table, a VIO table, PHB 1's works */
    g_assert_cmpint(host_ddw_remove(&m, DDW_LIOBN), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(host_ddw_remove(&m, 0x80000033), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(host_ddw_remove(&m, vio), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpuint(lines->len, ==, 0);
    g_assert_cmpint(host_ddw_remove(&m, SPAPR_PCI_LIOBN(1, 0)), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmpstr(g_ptr_array_index(lines, 0), ==,
                    "spapr_iommu_ddw_remove liobn=0x80000100");
    host_trace_stop(lines);
    host_machine_stop(&m);
}

/* Without DDW the PHB has one table and refuses the four calls. */
static void test_ddw_off(void)
{
    uint32_t rets[6];
    HostMachine m;

    host_machine_start(&m, "phbs=1 ddw=off");
    g_assert_null(spapr_tce_find_by_liobn(DDW_LIOBN));
    ddw_query(&m, 5, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_PARAM_ERROR);
    g_assert_cmpint(host_ddw_remove(&m, DEF_LIOBN), ==, RTAS_OUT_PARAM_ERROR);
    assert_window(DEF_LIOBN, 12, 0, 0x40000);
    host_machine_stop(&m);
}

/*
 * QEMU sets skipping_replay around the enable of a window being created;
 * a listener attaching as the region appears sees it set. The table's new
 * trace line comes from inside that enable.
 */
static void note_skipping(void *opaque, const char *line)
{
    unsigned liobn;

    if (sscanf(line, "spapr_iommu_new_table liobn=0x%x", &liobn) == 1) {
        g_ptr_array_add(opaque, GINT_TO_POINTER(
            1 + host_table(liobn)->skipping_replay));
    }
}

static void test_skipping_while_created(void)
{
    GPtrArray *seen = g_ptr_array_new();
    uint32_t rets[4];
    HostMachine m;

    qemu_trace_set_sink(note_skipping, seen);
    host_machine_start(&m, "phbs=1");
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    qemu_trace_set_sink(NULL, NULL);
    /* the default window at reset: not skipping; the DDW: skipping */
    g_assert_cmpuint(seen->len, ==, 2);
    g_assert_cmpint(GPOINTER_TO_INT(g_ptr_array_index(seen, 0)), ==, 1);
    g_assert_cmpint(GPOINTER_TO_INT(g_ptr_array_index(seen, 1)), ==, 2);
    g_assert_false(host_table(DDW_LIOBN)->skipping_replay);
    g_ptr_array_free(seen, TRUE);
    host_machine_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/ddw/create-remove", test_create_remove);
    g_test_add_func("/host/ddw/reset-and-wide-query", test_reset_and_wide_query);
    g_test_add_func("/host/ddw/refusals", test_refusals);
    g_test_add_func("/host/ddw/ddw-off", test_ddw_off);
    g_test_add_func("/host/ddw/skipping-while-created",
                    test_skipping_while_created);
    return g_test_run();
}
