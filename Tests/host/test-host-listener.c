/*
 * A VFIO-like listener on the QEMU-shaped host: it registers a MAP|UNMAP
 * notifier on a window's region, replays it, and from then on mirrors
 * every notification, as QEMU's vfio_listener_region_add and
 * vfio_iommu_map_notify do with a host IOMMU. Its mirror must be the
 * table, and the replay hook must deliver what QEMU's generic walk of
 * every page would, in the same order.
 */
#include <errno.h>

#include "host-test.h"

#define PCI_LIOBN SPAPR_PCI_LIOBN(0, 0)
#define PHB_BUID  SPAPR_PCI_BASE_BUID
#define LIST_GPA  0x20000
#define TEST_SEED 0x5ca1ab1eu

/* ---- The listener ---------------------------------------------------------- */

typedef struct Listener {
    IOMMUNotifier n;
    GHashTable *mirror;     /* iova -> IOMMUTLBEntry */
} Listener;

static void listener_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Listener *l = container_of(n, Listener, n);

    if (e->perm & IOMMU_RW) {
        g_hash_table_insert(l->mirror, g_memdup2(&e->iova, sizeof(e->iova)),
                            g_memdup2(e, sizeof(*e)));
    } else {
        g_hash_table_remove(l->mirror, &e->iova);
    }
}

/* As QEMU's VFIO does it: register for the whole region, then replay. */
static void listener_attach(Listener *l, SpaprTceTable *tcet)
{
    MemoryRegion *mr = spapr_tce_get_iommu(tcet);

    l->mirror = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      g_free);
    iommu_notifier_init(&l->n, listener_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                        memory_region_size(mr) - 1, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &l->n, NULL), ==,
                    0);
    memory_region_iommu_replay(IOMMU_MEMORY_REGION(mr), &l->n);
}

static void listener_detach(Listener *l, SpaprTceTable *tcet)
{
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu(tcet), &l->n);
    g_hash_table_destroy(l->mirror);
}

static void assert_mirror_is_table(Listener *l, SpaprTceTable *tcet)
{
    GArray *table = host_generic_walk(tcet);
    guint i;

    g_assert_cmpuint(g_hash_table_size(l->mirror), ==, table->len);
    for (i = 0; i < table->len; i++) {
        IOMMUTLBEntry *want = &g_array_index(table, IOMMUTLBEntry, i);
        IOMMUTLBEntry *got = g_hash_table_lookup(l->mirror, &want->iova);

        g_assert_nonnull(got);
        assert_tlb_entry_eq(got, want);
    }
    g_test_message("mirror of 0x%x: %u mappings", tcet->liobn, table->len);
    g_array_free(table, TRUE);
}

/* Random guest traffic on a table: maps, remaps, unmaps, stuffs, lists. */
static void guest_traffic(HostMachine *m, SpaprTceTable *tcet, GRand *r,
                          unsigned calls)
{
    uint64_t page = 1ULL << tcet->page_shift, tces[32];
    unsigned i, j;

    for (i = 0; i < calls; i++) {
        uint64_t index = g_rand_int_range(r, 0, tcet->nb_table - 32);
        uint64_t ioba = tcet->bus_offset + index * page;
        uint64_t tce = (uint64_t)g_rand_int(r) << 12 | g_rand_int_range(r, 0, 4);

        switch (g_rand_int_range(r, 0, 4)) {
        case 0:
            g_assert_cmpint(host_put(m, tcet->liobn, ioba, tce), ==, H_SUCCESS);
            break;
        case 1:
            g_assert_cmpint(host_put(m, tcet->liobn, ioba, 0), ==, H_SUCCESS);
            break;
        case 2:
            g_assert_cmpint(host_stuff(m, tcet->liobn, ioba,
                                       g_rand_boolean(r) ? tce : 0, 8), ==,
                            H_SUCCESS);
            break;
        default:
            for (j = 0; j < 32; j++) {
                tces[j] = tce + ((uint64_t)j << 12);
            }
            g_assert_cmpint(host_indirect(m, tcet->liobn, ioba, LIST_GPA,
                                          tces, 32), ==, H_SUCCESS);
        }
    }
}

static void test_mirror(void)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED);
    SpaprTceTable *tcet;
    HostMachine m;
    Listener l;

    host_machine_start(&m, "phbs=1");
    tcet = host_table(PCI_LIOBN);
    guest_traffic(&m, tcet, r, 200);
    g_assert_false(tcet->need_vfio);
    listener_attach(&l, tcet);
    g_assert_true(tcet->need_vfio);
    assert_mirror_is_table(&l, tcet);
    guest_traffic(&m, tcet, r, 500);
    assert_mirror_is_table(&l, tcet);
    listener_detach(&l, tcet);
    g_assert_false(tcet->need_vfio);
    g_rand_free(r);
    host_machine_stop(&m);
}

/*
 * The hook walks only what is mapped, on a flat window and on a tree (a
 * 64 KiB-page DDW of 2^23 entries), and says the same as the walk.
 */
static void test_replay_is_generic_walk(void)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED + 1);
    uint32_t rets[4];
    HostMachine m;
    unsigned i;

    host_machine_start(&m, "phbs=1");
    host_ddw_create(&m, PHB_BUID, 16, 39, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    for (i = 0; i < 2; i++) {
        SpaprTceTable *tcet = host_table(SPAPR_PCI_LIOBN(0, i));
        GArray *walk, *hook;

        guest_traffic(&m, tcet, r, 300);
        walk = host_generic_walk(tcet);
        hook = host_hook_replay(tcet);
        g_assert_cmpuint(walk->len, >, 0);
        assert_tlb_entries_eq(hook, walk);
        g_array_free(walk, TRUE);
        g_array_free(hook, TRUE);
    }
    g_rand_free(r);
    host_machine_stop(&m);
}

/* QEMU's spapr_tce_replay returns at once while skipping_replay is set. */
static void test_skipping_replay(void)
{
    SpaprTceTable *tcet;
    HostMachine m;
    GArray *seen;

    host_machine_start(&m, "phbs=1");
    tcet = host_table(PCI_LIOBN);
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x3000, 0x3003), ==, H_SUCCESS);
    tcet->skipping_replay = true;
    seen = host_hook_replay(tcet);
    g_assert_cmpuint(seen->len, ==, 0);
    g_array_free(seen, TRUE);
    tcet->skipping_replay = false;
    seen = host_hook_replay(tcet);
    g_assert_cmpuint(seen->len, ==, 1);
    g_array_free(seen, TRUE);
    host_machine_stop(&m);
}

/* The table's notify_flag_changed refuses device-IOTLB notifiers. */
static void test_dev_iotlb_refused(void)
{
    SpaprTceTable *tcet;
    IOMMUNotifier n;
    HostMachine m;
    Error *err = NULL;

    host_machine_start(&m, "phbs=1");
    tcet = host_table(PCI_LIOBN);
    iommu_notifier_init(&n, NULL, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, HWADDR_MAX,
                        0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu(tcet), &n, &err), ==, -EINVAL);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "spapr_tce does not support dev-iotlb yet");
    error_free(err);
    g_assert_cmpint(tcet->iommu.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);
    g_assert_false(tcet->need_vfio);
    host_machine_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/listener/mirror", test_mirror);
    g_test_add_func("/host/listener/replay-is-generic-walk",
                    test_replay_is_generic_walk);
    g_test_add_func("/host/listener/skipping-replay", test_skipping_replay);
    g_test_add_func("/host/listener/dev-iotlb-refused", test_dev_iotlb_refused);
    return g_test_run();
}
