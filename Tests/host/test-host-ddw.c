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

/*
 * Which free window a create takes is the host's (QEMU: the first table
 * object_child_foreach visits), and the guest sees it in the LIOBN.
 */
static void test_free_window_order(void)
{
    HostMachine m;
    SpaprPhbState *sphb;
    uint32_t rets[4];

    host_machine_start(&m, "phbs=1");
    sphb = spapr_pci_find_phb(&m.spapr, BUID);
    /* The default window goes (it was the default: no reset): all free. */
    g_assert_cmpint(host_ddw_remove(&m, DEF_LIOBN), ==, RTAS_OUT_SUCCESS);
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[1], ==, DEF_LIOBN);
    g_assert_cmpint(host_ddw_remove(&m, DEF_LIOBN), ==, RTAS_OUT_SUCCESS);

    /* Children visited the other way round: window 1 first. */
    sphb->dma_child_order[0] = 1;
    sphb->dma_child_order[1] = 0;
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[1], ==, DDW_LIOBN);
    /* The first window made is at dma_win_addr, whichever table it is. */
    assert_window(DDW_LIOBN, 16, 0, 1u << 14);
    host_ddw_create(&m, BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[1], ==, DEF_LIOBN);
    assert_window(DEF_LIOBN, 16, DMA64, 1u << 14);
    host_machine_stop(&m);
}

/* ---- The hook's contract, on the engine alone ----------------------------- */

typedef struct PickHost {
    SwiftTCETable *tables[2];
    int answer;                 /* what the hook says... */
    bool highest;               /* ...unless it picks the highest free one */
    unsigned calls, last_free;
} PickHost;

static void pick_enable(void *host_phb, unsigned n, uint32_t page_shift,
                        uint64_t bus_offset, uint32_t nb_table, bool creating)
{
    PickHost *h = host_phb;

    swifttce_table_enable(h->tables[n], page_shift, bus_offset, nb_table,
                          NULL);
}

static void pick_disable(void *host_phb, unsigned n)
{
    swifttce_table_disable(((PickHost *)host_phb)->tables[n]);
}

static int pick_answer(void *host_phb, unsigned free)
{
    PickHost *h = host_phb;

    h->calls++;
    h->last_free = free;
    return h->highest ? 31 - __builtin_clz(free) : h->answer;
}

/* A create's status and, on success, the LIOBN it gave. */
static int32_t pick_create(SwiftTCEPhb *phb, uint32_t *liobn)
{
    uint32_t args[] = { 0, BUID >> 32, (uint32_t)BUID, 12, 20 };
    uint32_t rets[4] = { SENTINEL, SENTINEL, SENTINEL, SENTINEL };

    swifttce_rtas_create_pe_dma_window(phb, 5, args, 4, rets);
    *liobn = rets[1];
    return rtas_status(rets);
}

static void test_pick_free_window_hook(void)
{
    static const SwiftTCEHostOps table_ops = {
        .size = sizeof(SwiftTCEHostOps),
    };
    const SwiftTCEPhbConfig cfg = {
        .dma_liobn = { DEF_LIOBN, DDW_LIOBN },
        .dma_win_size = 1u << 30,
        .dma64_win_addr = DMA64,
        .pgsz = 1u << 12,
        .ddw = true,
    };
    SwiftTCEPhbOps ops = {
        .size = sizeof(SwiftTCEPhbOps),
        .enable_window = pick_enable,
        .disable_window = pick_disable,
        .pick_free_window = pick_answer,
    };
    PickHost h = { .highest = true };
    SwiftTCEPhb *phb;
    uint32_t liobn;
    unsigned n;

    for (n = 0; n < 2; n++) {
        h.tables[n] = swifttce_table_new(&table_ops, NULL);
    }
    phb = swifttce_phb_new(&cfg, &ops, &h, h.tables, 2, NULL);
    g_assert_nonnull(phb);
    /* Both free: the host's pick, told which are free. */
    g_assert_cmpint(pick_create(phb, &liobn), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, DDW_LIOBN);
    g_assert_cmpuint(h.calls, ==, 1);
    g_assert_cmphex(h.last_free, ==, 3);
    /* Not asked when none is free. */
    g_assert_cmpint(pick_create(phb, &liobn), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(h.last_free, ==, 1);
    g_assert_cmpint(pick_create(phb, &liobn), ==, RTAS_OUT_HW_ERROR);
    g_assert_cmpuint(h.calls, ==, 2);

    /* An answer that is not a free window: a hardware error, nothing made. */
    swifttce_table_disable(h.tables[0]);
    swifttce_table_disable(h.tables[1]);
    h.highest = false;
    for (n = 0; n < 4; n++) {
        static const int bad[] = { -1, 2, 64, -7 };

        h.answer = bad[n];
        g_assert_cmpint(pick_create(phb, &liobn), ==, RTAS_OUT_HW_ERROR);
        g_assert_cmpuint(liobn, ==, SENTINEL);
    }
    swifttce_table_enable(h.tables[1], 12, DMA64, 16, NULL);
    h.answer = 1;
    g_assert_cmpint(pick_create(phb, &liobn), ==, RTAS_OUT_HW_ERROR);
    g_assert_cmphex(h.last_free, ==, 1);
    g_assert_cmpuint(swifttce_table_nb_table(h.tables[0]), ==, 0);
    swifttce_phb_free(phb);

    /*
     * No hook, or a host built before it (whose shorter ops end where the
     * hook begins, whatever follows): the lowest free window.
     */
    for (n = 0; n < 2; n++) {
        swifttce_table_disable(h.tables[0]);
        swifttce_table_disable(h.tables[1]);
        ops.size = n ? offsetof(SwiftTCEPhbOps, pick_free_window) :
                       sizeof(SwiftTCEPhbOps);
        ops.pick_free_window = n ? pick_answer : NULL;
        h.calls = 0;
        phb = swifttce_phb_new(&cfg, &ops, &h, h.tables, 2, NULL);
        g_assert_cmpint(pick_create(phb, &liobn), ==, RTAS_OUT_SUCCESS);
        g_assert_cmphex(liobn, ==, DEF_LIOBN);
        g_assert_cmpuint(h.calls, ==, 0);
        swifttce_phb_free(phb);
    }
    for (n = 0; n < 2; n++) {
        swifttce_table_free(h.tables[n]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/ddw/create-remove", test_create_remove);
    g_test_add_func("/host/ddw/reset-and-wide-query", test_reset_and_wide_query);
    g_test_add_func("/host/ddw/refusals", test_refusals);
    g_test_add_func("/host/ddw/free-window-order", test_free_window_order);
    g_test_add_func("/host/ddw/pick-free-window-hook",
                    test_pick_free_window_hook);
    g_test_add_func("/host/ddw/ddw-off", test_ddw_off);
    g_test_add_func("/host/ddw/skipping-while-created",
                    test_skipping_while_created);
    return g_test_run();
}
