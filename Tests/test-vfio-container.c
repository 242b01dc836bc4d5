/*
 * A VFIO-like container (vfio-container.h) on a PHB: its shadow map must
 * equal the tables after random hypercall sequences, after attaching late
 * (replay), after ibm,create-pe-dma-window (no replay, then the guest's maps
 * as notifications), and after ibm,remove-pe-dma-window and
 * ibm,reset-pe-dma-window.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"
#include "vfio-container.h"

#define TEST_SEED 0xbf10c0deu
#define LIST_BASE 0x4000000ULL
#define LIST_ENTRIES 512

/* ---- The guest: TCE lists in its memory, random hypercalls ------------ */

typedef struct Guest {
    GRand *r;
    GuestBuf list;
    unsigned calls, failures;
} Guest;

static void guest_init(Guest *g, guint32 seed)
{
    memset(g, 0, sizeof(*g));
    g->r = test_rand_new(seed);
    guest_buf_init(&g->list, LIST_BASE, LIST_ENTRIES);
}

static void guest_destroy(Guest *g)
{
    guest_buf_free(&g->list);
    g_rand_free(g->r);
}

/* A TCE a guest would write: a page of RAM and a perm, or a clear. */
static uint64_t guest_tce(Guest *g, uint32_t shift)
{
    uint64_t page = g_rand_int_range(g->r, 0, 1 << 16);

    switch (g_rand_int_range(g->r, 0, 5)) {
    case 0:
        return 0;
    case 1:
        return page << shift;               /* an address, no perm */
    default:
        return (page << shift) | g_rand_int_range(g->r, 1, 4);
    }
}

/* Random H_PUT_TCE / H_STUFF_TCE / H_PUT_TCE_INDIRECT on one window. */
static void guest_run(Guest *g, uint32_t liobn, unsigned ops)
{
    SpaprTceTable *t = spapr_tce_find_by_liobn(liobn);
    uint32_t shift = spapr_tce_get_page_shift(t);
    uint64_t bus = spapr_tce_get_bus_offset(t);
    uint64_t nb = spapr_tce_get_nb_table(t);

    g_assert_cmpuint(nb, !=, 0);
    for (unsigned op = 0; op < ops; op++) {
        /* Mostly a hot region near the start, sometimes anywhere, a few
         * pages past either end. */
        uint64_t span = nb < 4096 ? nb : 4096;
        uint64_t index = g_rand_boolean(g->r)
            ? (uint64_t)g_rand_int_range(g->r, 0, span)
            : (test_rand_u64(g->r) % nb);
        uint64_t ioba = bus + (index << shift);
        uint64_t npages = g_rand_int_range(g->r, 1, 64);
        int64_t ret;

        if (g_rand_int_range(g->r, 0, 20) == 0) {
            ioba = bus + ((nb - g_rand_int_range(g->r, 0, 8)) << shift);
        } else if (g_rand_int_range(g->r, 0, 40) == 0) {
            ioba = bus - (g_rand_int_range(g->r, 1, 8) << shift);
        }
        switch (g_rand_int_range(g->r, 0, 3)) {
        case 0:
            ret = spapr_h_put_tce(liobn, ioba, guest_tce(g, shift));
            break;
        case 1:
            ret = spapr_h_stuff_tce(liobn, ioba, guest_tce(g, shift), npages);
            break;
        default:
            for (uint64_t i = 0; i < npages; i++) {
                guest_buf_set(&g->list, i, guest_tce(g, shift));
            }
            ret = spapr_h_put_tce_indirect(liobn, ioba, LIST_BASE, npages,
                                           &g->list.mem);
            break;
        }
        g_assert_true(ret == H_SUCCESS || ret == H_PARAMETER);
        g->calls++;
        g->failures += ret != H_SUCCESS;
    }
}

static SpaprPhb *phb_new(void)
{
    SpaprPhbConfig cfg;
    Error *err = NULL;
    SpaprPhb *phb;

    spapr_phb_config_default(&cfg, 0);
    phb = spapr_phb_new(&cfg, &err);
    g_assert_nonnull(phb);
    return phb;
}

/* A PHB, a guest on it and a container attached to it. */
typedef struct Machine {
    SpaprPhb *phb;
    uint64_t buid;
    VfioContainer c;
    Guest g;
} Machine;

/* The PHB, its guest (seeded) and the container, attached from the start. */
static void machine_start(Machine *m, guint32 seed)
{
    m->phb = phb_new();
    m->buid = spapr_phb_get_buid(m->phb);
    guest_init(&m->g, seed);
    container_init(&m->c, m->phb);
}

static void machine_stop(Machine *m)
{
    container_destroy(&m->c);
    spapr_phb_free(m->phb);
    guest_destroy(&m->g);
}

/* ---- Tests ------------------------------------------------------------ */

static void test_random_sequences(void)
{
    Machine m;

    machine_start(&m, TEST_SEED);
    g_assert_cmpuint(m.c.attaches, ==, 1);
    container_check(&m.c);
    for (int round = 0; round < 40; round++) {
        guest_run(&m.g, 0x80000000, 100);
        container_check(&m.c);
    }
    /* The sequences did map, unmap and fail. */
    g_assert_cmpuint(container_mappings(&m.c, 0), >, 100);
    g_assert_cmpuint(m.c.unmaps, >, 100);
    g_assert_cmpuint(m.g.failures, >, 10);
    g_assert_cmpuint(m.c.refused, ==, 0);
    machine_stop(&m);
}

static void test_late_attach_replays(void)
{
    SpaprPhb *phb = phb_new();
    VfioContainer c;
    Guest g;
    unsigned mapped;

    guest_init(&g, TEST_SEED + 1);
    guest_run(&g, 0x80000000, 2000);
    /* Attaching now: everything mapped arrives through the replay. */
    container_init(&c, phb);
    mapped = container_mappings(&c, 0);
    g_assert_cmpuint(mapped, >, 100);
    g_assert_cmpuint(c.replayed, ==, mapped);
    g_assert_cmpuint(c.unmaps, ==, 0);
    container_check(&c);
    /* And the guest carries on. */
    guest_run(&g, 0x80000000, 1000);
    container_check(&c);
    g_assert_cmpuint(c.replayed, ==, mapped);
    container_destroy(&c);

    /* A second late attach to the same table sees the same. */
    container_init(&c, phb);
    container_check(&c);
    container_destroy(&c);
    spapr_phb_free(phb);
    guest_destroy(&g);
}

static void test_ddw_create(void)
{
    Machine m;
    uint32_t liobn;
    unsigned replayed;

    machine_start(&m, TEST_SEED + 2);
    guest_run(&m.g, 0x80000000, 500);
    replayed = m.c.replayed;
    /* A 2^43-byte window of 2^19 pages of 16 MiB. */
    g_assert_cmpint(ddw_create(m.buid, 24, 43, &liobn, NULL), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000001);
    /* Attached inside the call, while replay was being skipped. */
    g_assert_true(m.c.win[1].attached);
    g_assert_true(m.c.win[1].skipping_at_attach);
    g_assert_false(
        spapr_tce_get_skipping_replay(spapr_phb_get_window(m.phb, 1)));
    g_assert_cmpuint(m.c.replayed, ==, replayed);
    g_assert_cmpuint(container_mappings(&m.c, 1), ==, 0);
    container_check(&m.c);
    /* The guest's maps then arrive as notifications. */
    for (int round = 0; round < 10; round++) {
        guest_run(&m.g, liobn, 100);
        guest_run(&m.g, 0x80000000, 20);
        container_check(&m.c);
    }
    g_assert_cmpuint(container_mappings(&m.c, 1), >, 50);
    g_assert_cmpuint(m.c.replayed, ==, replayed);
    machine_stop(&m);
}

static void test_remove_and_reset(void)
{
    Machine m;
    uint32_t liobn;

    machine_start(&m, TEST_SEED + 3);
    guest_run(&m.g, 0x80000000, 300);
    g_assert_cmpint(ddw_create(m.buid, 16, 40, &liobn, NULL), ==,
                    RTAS_OUT_SUCCESS);
    guest_run(&m.g, liobn, 300);
    container_check(&m.c);

    /* Remove the DDW window: detached, the default one untouched. */
    g_assert_cmpint(ddw_remove(liobn), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(m.c.detaches, ==, 1);
    g_assert_false(m.c.win[1].attached);
    g_assert_cmpuint(container_mappings(&m.c, 0), >, 0);
    container_check(&m.c);

    /* Remove the default window, the last one: nothing comes back. */
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_false(m.c.win[0].attached);
    container_check(&m.c);

    /* A window made with no window left takes LIOBN 0 at address 0. */
    g_assert_cmpint(ddw_create(m.buid, 21, 35, &liobn, NULL), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000000);
    g_assert_true(m.c.win[0].skipping_at_attach);
    guest_run(&m.g, liobn, 300);
    container_check(&m.c);
    g_assert_cmpuint(container_mappings(&m.c, 0), >, 0);

    /* QEMU 7.2 never clears def_win (spapr_phb_dma_reset sets it): this
     * window is on the default window's table, so removing it, the last
     * one, restores nothing. */
    g_assert_cmpint(ddw_remove(liobn), ==, RTAS_OUT_SUCCESS);
    g_assert_false(m.c.win[0].attached);
    container_check(&m.c);

    /* Removing the last window when it is not the default one restores
     * the default: attached again with a replay of its empty table. */
    g_assert_cmpint(ddw_reset(m.buid), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_create(m.buid, 16, 36, &liobn, NULL), ==,
                    RTAS_OUT_SUCCESS);
    g_assert_cmphex(liobn, ==, 0x80000001);
    guest_run(&m.g, liobn, 300);
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_remove(liobn), ==, RTAS_OUT_SUCCESS);
    g_assert_false(m.c.win[1].attached);
    g_assert_true(m.c.win[0].attached);
    g_assert_false(m.c.win[0].skipping_at_attach);
    g_assert_cmpuint(container_mappings(&m.c, 0), ==, 0);
    g_assert_cmpuint(spapr_tce_get_page_shift(spapr_phb_get_window(m.phb, 0)),
                     ==, 12);
    container_check(&m.c);

    /* Reset with two populated windows: both go, the default comes back. */
    guest_run(&m.g, 0x80000000, 300);
    g_assert_cmpint(ddw_create(m.buid, 16, 36, &liobn, NULL), ==,
                    RTAS_OUT_SUCCESS);
    guest_run(&m.g, liobn, 300);
    container_check(&m.c);
    g_assert_cmpint(ddw_reset(m.buid), ==, RTAS_OUT_SUCCESS);
    g_assert_true(m.c.win[0].attached);
    g_assert_false(m.c.win[1].attached);
    g_assert_cmpuint(container_mappings(&m.c, 0), ==, 0);
    container_check(&m.c);
    guest_run(&m.g, 0x80000000, 300);
    container_check(&m.c);

    /* The machine reset, too. */
    spapr_phb_reset(m.phb);
    g_assert_cmpuint(container_mappings(&m.c, 0), ==, 0);
    container_check(&m.c);
    g_assert_cmpuint(m.c.attaches, ==, m.c.detaches + 1);
    machine_stop(&m);
}

/*
 * A load that changes a window is a window going and coming back: the
 * container re-attaches and replays, and is equal to the loaded table.
 */
static void test_migration_load(void)
{
    Machine m;
    uint32_t liobn;
    SpaprTceTable *w1;
    uint8_t *stream;
    size_t len;
    Error *err = NULL;

    machine_start(&m, TEST_SEED + 4);
    g_assert_cmpint(ddw_create(m.buid, 16, 40, &liobn, NULL), ==,
                    RTAS_OUT_SUCCESS);
    w1 = spapr_phb_get_window(m.phb, 1);
    guest_run(&m.g, liobn, 500);
    container_check(&m.c);
    len = spapr_tce_table_save(w1, NULL, 0);
    stream = g_malloc(len);
    g_assert_cmpuint(spapr_tce_table_save(w1, stream, len), ==, len);

    /* The destination: a machine fresh from reset, no DDW window. */
    spapr_phb_reset(m.phb);
    g_assert_false(m.c.win[1].attached);
    m.c.replayed = 0;
    g_assert_cmpint(spapr_tce_table_load(w1, stream, len, &err), ==, 0);
    g_assert_null(err);
    g_assert_true(m.c.win[1].attached);
    g_assert_cmpuint(container_mappings(&m.c, 1), >, 0);
    g_assert_cmpuint(m.c.replayed, ==, container_mappings(&m.c, 1));
    container_check(&m.c);
    guest_run(&m.g, liobn, 200);
    container_check(&m.c);
    g_free(stream);
    machine_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/random-sequences", test_random_sequences);
    g_test_add_func("/vfio/late-attach-replays", test_late_attach_replays);
    g_test_add_func("/vfio/ddw-create-no-replay", test_ddw_create);
    g_test_add_func("/vfio/remove-and-reset", test_remove_and_reset);
    g_test_add_func("/vfio/migration-load", test_migration_load);
    return g_test_run();
}
