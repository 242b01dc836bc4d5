/*
 * Migration of the QEMU-shaped host: every table's "spapr_iommu" section
 * (the engine's bytes) saved in one stream, loaded into a fresh machine of
 * the same shape after its reset, as QEMU's destination is; entries,
 * geometry, def_win and the DDW logic's view of it must come across.
 */
#include "host-test.h"
#include "qemu-savevm.h"

#define SHAPE "phbs=2 vio=0x71000002:0x10000000"
#define BUID0 SPAPR_PCI_BASE_BUID
#define BUID1 (SPAPR_PCI_BASE_BUID + 1)
#define TEST_SEED 0x61a7e5u

static const uint32_t liobns[] = {
    SPAPR_PCI_LIOBN(0, 0), SPAPR_PCI_LIOBN(0, 1),
    SPAPR_PCI_LIOBN(1, 0), SPAPR_PCI_LIOBN(1, 1), 0x71000002,
};

/* What a table is: geometry, def_win, every raw TCE as H_GET_TCE reads it. */
typedef struct TableState {
    uint32_t nb_table, page_shift;
    uint64_t bus_offset;
    bool def_win;
    uint64_t *entries;
} TableState;

static TableState table_state(HostMachine *m, uint32_t liobn)
{
    SpaprTceTable *tcet = host_table(liobn);
    TableState s = {
        .nb_table = tcet->nb_table,
        .page_shift = tcet->page_shift,
        .bus_offset = tcet->bus_offset,
        .def_win = tcet->def_win,
        .entries = g_new0(uint64_t, tcet->nb_table),
    };
    uint64_t i;

    for (i = 0; i < s.nb_table; i++) {
        g_assert_cmpint(host_get(m, liobn, s.bus_offset + (i << s.page_shift),
                                 &s.entries[i]), ==, H_SUCCESS);
    }
    return s;
}

static void assert_table_state(HostMachine *m, uint32_t liobn,
                               const TableState *want)
{
    TableState now = table_state(m, liobn);

    g_assert_cmpuint(now.nb_table, ==, want->nb_table);
    g_assert_cmpuint(now.page_shift, ==, want->page_shift);
    g_assert_cmphex(now.bus_offset, ==, want->bus_offset);
    g_assert_cmpint(now.def_win, ==, want->def_win);
    /* (a disabled table has no entries: g_new0 gave NULL) */
    g_assert_true(!now.nb_table || memcmp(now.entries, want->entries,
                                          now.nb_table * 8) == 0);
    g_free(now.entries);
}

/* Guest TCEs, some of them perm 0 with an address: the raw values migrate. */
static void map_some(HostMachine *m, uint32_t liobn, GRand *r, unsigned n)
{
    SpaprTceTable *tcet = host_table(liobn);
    unsigned i;

    for (i = 0; i < n; i++) {
        uint64_t index = g_rand_int_range(r, 0, tcet->nb_table);
        uint64_t tce = (uint64_t)g_rand_int(r) << 12 | g_rand_int_range(r, 0, 4);

        g_assert_cmpint(host_put(m, liobn, tcet->bus_offset +
                                 (index << tcet->page_shift), tce), ==,
                        H_SUCCESS);
    }
}

/*
 * The source: PHB 0 with a 64 KiB-page DDW beside its default window; PHB
 * 1 as in Tests/vmstate's ddw-remove-reset (default window removed, a 16 MiB
 * DDW made on its LIOBN, def_win still 1); a VIO disk's table.
 */
static void source_machine(HostMachine *m, GRand *r)
{
    uint32_t rets[4];

    host_machine_start(m, SHAPE);
    host_ddw_create(m, BUID0, 16, 35, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(host_ddw_remove(m, SPAPR_PCI_LIOBN(1, 0)), ==,
                    RTAS_OUT_SUCCESS);
    host_ddw_create(m, BUID1, 24, 31, rets);
    g_assert_cmphex(rets[1], ==, SPAPR_PCI_LIOBN(1, 0));
    map_some(m, SPAPR_PCI_LIOBN(0, 0), r, 300);
    map_some(m, SPAPR_PCI_LIOBN(0, 1), r, 3000);
    map_some(m, SPAPR_PCI_LIOBN(1, 0), r, 100);
    map_some(m, 0x71000002, r, 80);
}

static void test_round_trip(void)
{
    static const char *const pre_save[] = {
        "spapr_iommu_pre_save liobn=80000000 40000 bus_offset=0x0 ps=12",
        "spapr_iommu_pre_save liobn=80000001 80000 bus_offset=0x800000000000000 ps=16",
        "spapr_iommu_pre_save liobn=80000100 80 bus_offset=0x0 ps=24",
        "spapr_iommu_pre_save liobn=80000101 0 bus_offset=0x0 ps=0",
        "spapr_iommu_pre_save liobn=71000002 10000 bus_offset=0x0 ps=12",
        NULL
    };
    /*
     * QEMU's post_load on the destination after its reset: the same window,
     * a new one (enable traces its table), another size, a disabled table
     * with the subsection's 0 geometry, the VIO table's.
     */
    static const char *const post_load[] = {
        "spapr_iommu_post_load liobn=80000000 40000 => 0x40000 bus_offset=0x0 ps=12",
        "spapr_iommu_new_table liobn=0x80000001 table=PTR fd=-1",
        "spapr_iommu_post_load liobn=80000001 0 => 0x80000 bus_offset=0x800000000000000 ps=16",
        "spapr_iommu_new_table liobn=0x80000100 table=PTR fd=-1",
        "spapr_iommu_post_load liobn=80000100 40000 => 0x80 bus_offset=0x0 ps=24",
        "spapr_iommu_post_load liobn=80000101 0 => 0x0 bus_offset=0x0 ps=0",
        "spapr_iommu_post_load liobn=71000002 10000 => 0x10000 bus_offset=0x0 ps=12",
        NULL
    };
    TableState want[G_N_ELEMENTS(liobns)];
    GRand *r = g_rand_new_with_seed(TEST_SEED);
    GByteArray *stream, *again;
    GPtrArray *lines;
    HostMachine m;
    Error *err = NULL;
    unsigned i;

    source_machine(&m, r);
    for (i = 0; i < G_N_ELEMENTS(liobns); i++) {
        want[i] = table_state(&m, liobns[i]);
    }
    g_assert_true(want[2].def_win);
    lines = host_trace_start();
    stream = qemu_savevm_state(NULL);
    host_trace_expect(lines, pre_save);
    host_trace_stop(lines);
    host_machine_stop(&m);

    host_machine_start(&m, SHAPE);
    lines = host_trace_start();
    g_assert_cmpint(qemu_loadvm_state(stream->data, stream->len, &err), ==, 0);
    g_assert_null(err);
    host_trace_expect(lines, post_load);
    host_trace_stop(lines);
    for (i = 0; i < G_N_ELEMENTS(liobns); i++) {
        assert_table_state(&m, liobns[i], &want[i]);
        g_free(want[i].entries);
    }
    /* The destination saves what the source did, byte for byte. */
    lines = host_trace_start();
    again = qemu_savevm_state(NULL);
    host_trace_expect(lines, pre_save);
    g_assert_cmpuint(again->len, ==, stream->len);
    g_assert_true(memcmp(again->data, stream->data, stream->len) == 0);
    host_trace_stop(lines);

    /*
     * The DDW logic has the migrated def_win: removing PHB 1's last window,
     * whose def_win is 1, does not bring the default window back.
     */
    g_assert_true(swifttce_phb_window_def_win(
        spapr_pci_find_phb(&m.spapr, BUID1)->ddw, 0));
    g_assert_cmpint(host_ddw_remove(&m, SPAPR_PCI_LIOBN(1, 0)), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmpuint(host_table(SPAPR_PCI_LIOBN(1, 0))->nb_table, ==, 0);
    g_byte_array_free(stream, TRUE);
    g_byte_array_free(again, TRUE);
    g_rand_free(r);
    host_machine_stop(&m);
}

/* A section the destination refuses leaves its table as it was. */
static void test_refused_section(void)
{
    static const uint8_t vio_body[] = { 0x71, 0, 0, 2, 0, 1, 0, 0 };
    GRand *r = g_rand_new_with_seed(TEST_SEED + 1);
    const uint32_t vio = 0x71000002;
    GByteArray *stream;
    TableState before;
    HostMachine m;
    Error *err = NULL;
    guint at;

    source_machine(&m, r);
    stream = qemu_savevm_state(NULL);
    host_machine_stop(&m);
    /* The VIO table's body (liobn, 65536 entries), made to claim 65537. */
    for (at = 0; memcmp(stream->data + at, vio_body, sizeof(vio_body)); at++) {
        g_assert_cmpuint(at + sizeof(vio_body), <, stream->len);
    }
    stream->data[at + 7] = 1;

    host_machine_start(&m, SHAPE);
    map_some(&m, vio, r, 10);
    before = table_state(&m, vio);
    g_assert_cmpint(qemu_loadvm_state(stream->data, stream->len, &err), <, 0);
    g_test_message("refused: %s", error_get_pretty(err));
    error_free(err);
    assert_table_state(&m, vio, &before);
    g_free(before.entries);
    g_byte_array_free(stream, TRUE);
    g_rand_free(r);
    host_machine_stop(&m);
}

/*
 * A window of 2^31 entries cannot migrate: QEMU's core would send none of
 * them. The glue's pre_save refuses the save, with a message.
 */
static void test_window_too_big(void)
{
    uint32_t rets[4];
    HostMachine m;
    Error *err = NULL;

    host_machine_start(&m, SHAPE);
    host_ddw_create(&m, BUID0, 16, 47, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(host_table(rets[1])->nb_table, ==, 1u << 31);
    g_assert_null(qemu_savevm_state(&err));
    g_assert_nonnull(strstr(error_get_pretty(err), "2147483648 entries"));
    g_test_message("refused: %s", error_get_pretty(err));
    error_free(err);
    host_machine_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/migration/round-trip", test_round_trip);
    g_test_add_func("/host/migration/refused-section", test_refused_section);
    g_test_add_func("/host/migration/window-too-big", test_window_too_big);
    return g_test_run();
}
