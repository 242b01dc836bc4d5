/*
 * Ranged notifications and range-limited replay in host mode.
 *
 * The engine's runs (SwiftTCEHostOps.notify_range), expanded entry by
 * entry, must be exactly what notify is told, in the same order, for any
 * sequence of hypercalls; a QEMU host that turns runs into aligned blocks
 * per notifier (Tests/host/spapr-iommu.c, notify=ranges) must leave a
 * VFIO-like listener with the same mirror as per-entry events do; and
 * swifttce_replay_range (and the host's replay hook on it) must give the
 * entries in a notifier's range and nothing else.
 */
#include <errno.h>

#include "host-test.h"
#include "../util/block-mirror.h"

#define PHB_BUID  SPAPR_PCI_BASE_BUID
#define DDW_LIOBN SPAPR_PCI_LIOBN(0, 1)
#define LIST_GPA  0x20000
#define TEST_SEED 0x7a11ed5u

/* ---- The engine's runs against its per-entry notifications ----------- */

typedef struct Log {
    GArray *events;         /* of SwiftTCEMapping: as notified, or expanded */
    unsigned notify_calls;
    unsigned range_calls;
    uint64_t last_run;      /* the last run's count */
} Log;

static void log_notify(void *host_table, const SwiftTCEMapping *m)
{
    Log *log = host_table;

    log->notify_calls++;
    g_array_append_val(log->events, *m);
}

static void log_range(void *host_table, const SwiftTCEMapping *first,
                      uint64_t count, uint64_t stride)
{
    Log *log = host_table;
    uint64_t page = first->addr_mask + 1, k;

    /* host.h's run: at least one entry, stride 0 or the page (0 for one). */
    g_assert_cmpuint(count, >, 0);
    g_assert_true(stride == 0 || stride == page);
    g_assert_true(count > 1 || stride == 0);
    log->range_calls++;
    log->last_run = count;
    for (k = 0; k < count; k++) {
        SwiftTCEMapping m = *first;

        m.iova = first->iova + k * page;
        m.translated_addr = first->translated_addr + k * stride;
        g_array_append_val(log->events, m);
    }
}

/* The guest is the list itself; gpa is an offset into it. */
static bool log_read_guest(void *guest, uint64_t gpa, void *buf, size_t len)
{
    memcpy(buf, (uint8_t *)guest + gpa, len);
    return true;
}

static const SwiftTCEHostOps per_entry_ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = log_notify,
    .read_guest = log_read_guest,
};

/* notify is set too: the engine must not call it once notify_range is. */
static const SwiftTCEHostOps ranged_ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = log_notify,
    .read_guest = log_read_guest,
    .notify_range = log_range,
};

static void assert_mappings_eq(const SwiftTCEMapping *a,
                               const SwiftTCEMapping *b)
{
    g_assert_cmphex(a->iova, ==, b->iova);
    g_assert_cmphex(a->translated_addr, ==, b->translated_addr);
    g_assert_cmphex(a->addr_mask, ==, b->addr_mask);
    g_assert_cmpuint(a->perm, ==, b->perm);
}

/* Every mapped entry of t, through swifttce_table_read_mapped. */
static GArray *mapped_entries(SwiftTCETable *t)
{
    GArray *all = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMappedEntry));
    SwiftTCEMappedEntry chunk[333];
    uint64_t first = 0;
    size_t got;

    do {
        got = swifttce_table_read_mapped(t, first, chunk, G_N_ELEMENTS(chunk));
        g_array_append_vals(all, chunk, got);
        if (got) {
            first = chunk[got - 1].index + 1;
        }
    } while (got == G_N_ELEMENTS(chunk));
    return all;
}

static void assert_same_table(SwiftTCETable *a, SwiftTCETable *b)
{
    GArray *x = mapped_entries(a), *y = mapped_entries(b);
    guint i;

    g_assert_cmpuint(x->len, ==, y->len);
    for (i = 0; i < x->len; i++) {
        g_assert_cmpuint(g_array_index(x, SwiftTCEMappedEntry, i).index, ==,
                         g_array_index(y, SwiftTCEMappedEntry, i).index);
        g_assert_cmphex(g_array_index(x, SwiftTCEMappedEntry, i).tce, ==,
                        g_array_index(y, SwiftTCEMappedEntry, i).tce);
    }
    g_array_free(x, TRUE);
    g_array_free(y, TRUE);
}

/* A random TCE: mapped with some perm, or a perm-0 one with an address. */
static uint64_t random_tce(GRand *r)
{
    return (uint64_t)g_rand_int(r) << 16 | g_rand_int_range(r, 0, 4);
}

/*
 * An indirect list of segments, each of a kind a run can or cannot hold:
 * one TCE repeated, page-contiguous TCEs, zeros, random TCEs; now and then
 * a contiguous run that wraps past 2^64.
 */
static void random_list(GRand *r, uint64_t *list, unsigned n, uint64_t page)
{
    unsigned i = 0;

    while (i < n) {
        unsigned len = g_rand_int_range(r, 1, 40), j;
        uint64_t tce = random_tce(r);
        int kind = g_rand_int_range(r, 0, 5);

        if (kind == 4) {
            tce = -(uint64_t)page * 3 | 3;
        }
        for (j = 0; j < len && i < n; j++, i++) {
            switch (kind) {
            case 0: list[i] = tce; break;
            case 1: case 4: list[i] = tce + j * page; break;
            case 2: list[i] = 0; break;
            default: list[i] = random_tce(r);
            }
        }
    }
}

typedef struct Pair {
    Log logs[2];
    SwiftTCETable *t[2];    /* per entry, ranged */
    uint64_t page, bus_offset;
    uint32_t nb_table;
    uint64_t list[SWIFTTCE_INDIRECT_MAX];   /* big-endian, the guest's */
} Pair;

static void pair_init(Pair *p, uint32_t page_shift, uint64_t bus_offset,
                      uint32_t nb_table)
{
    int i;

    memset(p, 0, sizeof(*p));
    p->page = 1ULL << page_shift;
    p->bus_offset = bus_offset;
    p->nb_table = nb_table;
    for (i = 0; i < 2; i++) {
        p->logs[i].events = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMapping));
        p->t[i] = swifttce_table_new(i ? &ranged_ops : &per_entry_ops,
                                     &p->logs[i]);
        g_assert_cmpint(swifttce_table_enable(p->t[i], page_shift, bus_offset,
                                              nb_table, NULL), ==, 0);
    }
}

static void pair_destroy(Pair *p)
{
    int i;

    for (i = 0; i < 2; i++) {
        swifttce_table_free(p->t[i]);
        g_array_free(p->logs[i].events, TRUE);
    }
}

/* One random call on both tables: the same answer, the same events. */
static void pair_call(Pair *p, GRand *r)
{
    uint64_t index = g_rand_int_range(r, 0, p->nb_table);
    uint64_t ioba = p->bus_offset + index * p->page;
    int64_t ret[2];
    unsigned n = 0, i;

    switch (g_rand_int_range(r, 0, 4)) {
    case 0: {
        uint64_t tce = g_rand_boolean(r) ? random_tce(r) : 0;

        for (i = 0; i < 2; i++) {
            ret[i] = swifttce_put_tce(p->t[i], ioba, tce);
        }
        break;
    }
    case 1: {
        /* Sometimes past the window's end: the call stops there. */
        uint64_t npages = g_rand_int_range(r, 1, 2000);
        uint64_t tce = g_rand_boolean(r) ? random_tce(r) : 0;

        for (i = 0; i < 2; i++) {
            ret[i] = swifttce_stuff_tce(p->t[i], ioba, tce, npages);
        }
        break;
    }
    default:
        n = g_rand_int_range(r, 1, SWIFTTCE_INDIRECT_MAX + 1);
        random_list(r, p->list, n, p->page);
        for (i = 0; i < n; i++) {
            p->list[i] = GUINT64_TO_BE(p->list[i]);
        }
        for (i = 0; i < 2; i++) {
            ret[i] = swifttce_put_tce_indirect(p->t[i], ioba, 0, n, p->list);
        }
    }
    g_assert_cmpint(ret[0], ==, ret[1]);
}

static void check_runs_expand_to_entries(uint32_t page_shift,
                                         uint64_t bus_offset,
                                         uint32_t nb_table, unsigned calls)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED ^ nb_table);
    Pair p;
    guint i;

    pair_init(&p, page_shift, bus_offset, nb_table);
    for (i = 0; i < calls; i++) {
        pair_call(&p, r);
    }
    g_assert_cmpuint(p.logs[1].notify_calls, ==, 0);
    g_assert_cmpuint(p.logs[0].events->len, ==, p.logs[1].events->len);
    g_assert_cmpuint(p.logs[0].notify_calls, ==, p.logs[0].events->len);
    for (i = 0; i < p.logs[0].events->len; i++) {
        assert_mappings_eq(&g_array_index(p.logs[0].events, SwiftTCEMapping, i),
                           &g_array_index(p.logs[1].events, SwiftTCEMapping, i));
    }
    /* The runs were runs: far fewer calls than entries. */
    g_assert_cmpuint(p.logs[1].range_calls * 4, <, p.logs[1].events->len);
    g_test_message("%u calls on 2^%d entries: %u events, %u runs", calls,
                   g_bit_storage(nb_table) - 1, p.logs[0].events->len,
                   p.logs[1].range_calls);
    assert_same_table(p.t[0], p.t[1]);
    pair_destroy(&p);
    g_rand_free(r);
}

/* A flat window and a tree: random puts, stuffs and lists. */
static void test_runs_expand_to_entries(void)
{
    check_runs_expand_to_entries(12, 0, 4096, 3000);
    check_runs_expand_to_entries(16, 1ULL << 59, 1u << 23, 3000);
}

/*
 * A clear of 2^20 entries is one run, whatever was mapped, and costs the
 * engine what was mapped; a stuff of maps is one run of stride 0. With
 * notification off there is no run at all.
 */
static void test_stuff_is_one_run(void)
{
    Log log = { .events = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMapping)) };
    SwiftTCETable *t = swifttce_table_new(&ranged_ops, &log);
    uint64_t page = 1ULL << 16, i;

    g_assert_cmpint(swifttce_table_enable(t, 16, 0, 1u << 24, NULL), ==, 0);
    for (i = 0; i < 100; i++) {
        g_assert_cmpint(swifttce_put_tce(t, i * 7919 * page, 0x10003), ==,
                        SWIFTTCE_H_SUCCESS);
    }
    g_assert_cmpuint(log.range_calls, ==, 100);
    g_assert_cmpint(swifttce_stuff_tce(t, 0, 0, 1u << 20), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmpuint(log.range_calls, ==, 101);
    g_assert_cmpuint(log.last_run, ==, 1u << 20);
    {
        SwiftTCEMappedEntry none;

        g_assert_cmpuint(swifttce_table_read_mapped(t, 0, &none, 1), ==, 0);
    }
    g_array_set_size(log.events, 0);
    g_assert_cmpint(swifttce_stuff_tce(t, 5 * page, 0x70001, 1000), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmpuint(log.range_calls, ==, 102);
    g_assert_cmpuint(log.last_run, ==, 1000);
    g_assert_cmphex(g_array_index(log.events, SwiftTCEMapping, 999).iova, ==,
                    1004 * page);
    g_assert_cmphex(g_array_index(log.events, SwiftTCEMapping, 999)
                        .translated_addr, ==, 0x70000);
    /* Past the window: the entries before its end are one run. */
    g_assert_cmpint(swifttce_stuff_tce(t, ((1u << 24) - 10) * page, 0, 20),
                    ==, SWIFTTCE_H_PARAMETER);
    g_assert_cmpuint(log.last_run, ==, 10);
    swifttce_table_set_notify(t, false);
    g_assert_cmpint(swifttce_stuff_tce(t, 0, 0, 1u << 20), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmpuint(log.range_calls, ==, 103);
    swifttce_table_free(t);
    g_array_free(log.events, TRUE);
}

/* ---- A VFIO-like listener of blocks on the QEMU-shaped host ---------- */

static void block_attach(BlockListener *l, SpaprTceTable *tcet, hwaddr start,
                         hwaddr end)
{
    MemoryRegion *mr = spapr_tce_get_iommu(tcet);

    block_mirror_init(l, IOMMU_NOTIFIER_IOTLB_EVENTS, start, end,
                      1ULL << tcet->page_shift);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &l->n, NULL), ==,
                    0);
    memory_region_iommu_replay(IOMMU_MEMORY_REGION(mr), &l->n);
}

static void block_detach(BlockListener *l, SpaprTceTable *tcet)
{
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu(tcet), &l->n);
    block_mirror_destroy(l);
}

/* The mirror is the table's mapped entries in the listener's range. */
static void assert_mirror(BlockListener *l, SpaprTceTable *tcet)
{
    GArray *table = host_generic_walk(tcet);

    block_mirror_assert(l, table);
    g_array_free(table, TRUE);
}

/* Guest traffic on a 64 KiB-page DDW: lists, stuffs (some large), puts. */
static void ddw_traffic(HostMachine *m, SpaprTceTable *tcet, GRand *r,
                        unsigned calls)
{
    uint64_t page = 1ULL << tcet->page_shift, tces[SWIFTTCE_INDIRECT_MAX];
    unsigned i;

    for (i = 0; i < calls; i++) {
        uint64_t index = g_rand_int_range(r, 0, 1u << 18);
        uint64_t ioba = tcet->bus_offset + index * page;
        unsigned n;

        switch (g_rand_int_range(r, 0, 5)) {
        case 0:
            g_assert_cmpint(host_put(m, tcet->liobn, ioba, random_tce(r)), ==,
                            H_SUCCESS);
            break;
        case 1:
            g_assert_cmpint(host_stuff(m, tcet->liobn, ioba,
                                       g_rand_boolean(r) ? random_tce(r) : 0,
                                       g_rand_int_range(r, 1, 3000)), ==,
                            H_SUCCESS);
            break;
        case 2:
            /* Linux's clear of a large part of the window. */
            g_assert_cmpint(host_stuff(m, tcet->liobn, ioba, 0,
                                       g_rand_int_range(r, 1, 1u << 13)), ==,
                            H_SUCCESS);
            break;
        default:
            n = g_rand_int_range(r, 1, SWIFTTCE_INDIRECT_MAX + 1);
            random_list(r, tces, n, page);
            g_assert_cmpint(host_indirect(m, tcet->liobn, ioba, LIST_GPA, tces,
                                          n), ==, H_SUCCESS);
        }
    }
}

/* What one machine's listeners end with, for the same guest traffic. */
typedef struct MirrorRun {
    GArray *full, *part;    /* of IOMMUTLBEntry, ascending iova */
    unsigned events;
} MirrorRun;

static GArray *sorted_mirror(BlockListener *l)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(IOMMUTLBEntry));
    GHashTableIter it;
    gpointer value;
    guint i, j;

    g_hash_table_iter_init(&it, l->mirror);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_array_append_val(a, *(IOMMUTLBEntry *)value);
    }
    for (i = 1; i < a->len; i++) {   /* a few thousand: insertion will do */
        IOMMUTLBEntry e = g_array_index(a, IOMMUTLBEntry, i);

        for (j = i; j > 0 && g_array_index(a, IOMMUTLBEntry, j - 1).iova >
                                 e.iova; j--) {
            g_array_index(a, IOMMUTLBEntry, j) =
                g_array_index(a, IOMMUTLBEntry, j - 1);
        }
        g_array_index(a, IOMMUTLBEntry, j) = e;
    }
    return a;
}

static MirrorRun run_mirrors(const char *shape)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED);
    BlockListener full, part;
    SpaprTceTable *tcet;
    uint32_t rets[4];
    HostMachine m;
    MirrorRun run;
    uint64_t page;

    host_machine_start(&m, shape);
    host_ddw_create(&m, PHB_BUID, 16, 39, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    tcet = host_table(DDW_LIOBN);
    page = 1ULL << tcet->page_shift;
    ddw_traffic(&m, tcet, r, 200);
    /* One over the whole window, one over a part not aligned to a block. */
    block_attach(&full, tcet, 0, memory_region_size(spapr_tce_get_iommu(tcet))
                                     - 1);
    block_attach(&part, tcet, 12345 * page, 98765 * page - 1);
    assert_mirror(&full, tcet);
    assert_mirror(&part, tcet);
    ddw_traffic(&m, tcet, r, 400);
    assert_mirror(&full, tcet);
    assert_mirror(&part, tcet);
    run.full = sorted_mirror(&full);
    run.part = sorted_mirror(&part);
    run.events = full.events + part.events;
    block_detach(&full, tcet);
    block_detach(&part, tcet);
    host_machine_stop(&m);
    g_rand_free(r);
    return run;
}

/*
 * The same traffic on a machine whose tables notify per entry and on one
 * whose tables notify runs in blocks: each listener ends as the table,
 * the same in both, the blocks in far fewer events.
 */
static void test_blocks_mirror(void)
{
    MirrorRun per_entry = run_mirrors("phbs=1");
    MirrorRun ranged = run_mirrors("phbs=1 notify=ranges");

    assert_tlb_entries_eq(per_entry.full, ranged.full);
    assert_tlb_entries_eq(per_entry.part, ranged.part);
    g_assert_cmpuint(per_entry.full->len, >, 1000);
    g_assert_cmpuint(ranged.events * 3, <, per_entry.events);
    g_test_message("%u mapped; events: %u per entry, %u in blocks",
                   per_entry.full->len, per_entry.events, ranged.events);
    g_array_free(per_entry.full, TRUE);
    g_array_free(per_entry.part, TRUE);
    g_array_free(ranged.full, TRUE);
    g_array_free(ranged.part, TRUE);
}

/* ---- Replay within a notifier's range -------------------------------- */

static void record_mapping(void *opaque, const SwiftTCEMapping *m)
{
    g_array_append_val((GArray *)opaque, *m);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * A 2^31-entry window of 64 KiB pages with a few thousand entries mapped:
 * swifttce_replay_range gives exactly the entries whose iova is in
 * [start, end], ascending, each what translate says.
 */
static void test_replay_range_engine(void)
{
    const uint32_t nb = 1u << 31;
    const uint64_t page = 1ULL << 16;
    GRand *r = g_rand_new_with_seed(TEST_SEED + 2);
    Log log = { .events = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMapping)) };
    SwiftTCETable *t = swifttce_table_new(&per_entry_ops, &log);
    uint64_t *mapped = g_new(uint64_t, 4000);
    GArray *all = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMapping));
    unsigned i, n = 0, c;

    swifttce_table_set_notify(t, false);
    g_assert_cmpint(swifttce_table_enable(t, 16, 0, nb, NULL), ==, 0);
    for (i = 0; i < 4000; i++) {
        uint64_t index = g_rand_int(r) % nb;
        /* A few perm-0 TCEs with an address: mapped, but not replayed. */
        uint64_t tce = index << 16 | (i % 50 ? 1 + i % 3 : 0) | 0x10000000;

        g_assert_cmpint(swifttce_put_tce(t, index * page, tce), ==,
                        SWIFTTCE_H_SUCCESS);
        if (i % 50) {
            mapped[n++] = index;
        }
    }
    qsort(mapped, n, sizeof(*mapped), cmp_u64);
    swifttce_replay(t, UINT64_MAX, record_mapping, all);
    g_assert_cmpuint(all->len, <=, n);
    g_assert_cmpuint(all->len, >, n - 10);     /* random repeats, few */
    for (c = 0; c < 200; c++) {
        GArray *got = g_array_new(FALSE, FALSE, sizeof(SwiftTCEMapping));
        uint64_t start, end;
        guint k, want = 0;

        switch (c % 4) {
        case 0:     /* page aligned, as a notifier's range is */
            start = (g_rand_int(r) % nb) * page;
            end = start + g_rand_int_range(r, 1, 1 << 30) * page - 1;
            break;
        case 1:     /* anywhere */
            start = (uint64_t)g_rand_int(r) << 15 | g_rand_int(r);
            end = start + ((uint64_t)g_rand_int(r) << 14);
            break;
        case 2:     /* past the window, or backwards */
            start = nb * page + g_rand_int(r);
            end = g_rand_boolean(r) ? UINT64_MAX : start - 1;
            break;
        default:    /* the whole window and more */
            start = 0;
            end = UINT64_MAX;
        }
        swifttce_replay_range(t, start, end, record_mapping, got);
        for (k = 0; k < all->len; k++) {
            const SwiftTCEMapping *m = &g_array_index(all, SwiftTCEMapping, k);

            if (m->iova < start || m->iova > end) {
                continue;
            }
            g_assert_cmpuint(want, <, got->len);
            assert_mappings_eq(&g_array_index(got, SwiftTCEMapping, want), m);
            want++;
        }
        g_assert_cmpuint(got->len, ==, want);
        for (k = 0; k < got->len; k++) {
            const SwiftTCEMapping *m = &g_array_index(got, SwiftTCEMapping, k);
            SwiftTCEMapping x;

            swifttce_translate(t, m->iova, &x);
            assert_mappings_eq(&x, m);
            g_assert_true(bsearch(&(uint64_t){ m->iova >> 16 }, mapped, n,
                                  sizeof(*mapped), cmp_u64));
        }
        g_array_free(got, TRUE);
    }
    g_array_free(all, TRUE);
    g_free(mapped);
    swifttce_table_free(t);
    g_array_free(log.events, TRUE);
    g_rand_free(r);
}

/*
 * On the QEMU-shaped host: a notifier on part of a populated DDW is
 * replayed the table's entries in its range (its replay hook on
 * swifttce_replay_range), each as a device's translate sees it.
 */
static void test_replay_range_host(void)
{
    GRand *r = g_rand_new_with_seed(TEST_SEED + 3);
    SpaprTceTable *tcet;
    uint32_t rets[4];
    HostMachine m;
    unsigned c;

    host_machine_start(&m, "phbs=1");
    host_ddw_create(&m, PHB_BUID, 16, 39, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    tcet = host_table(DDW_LIOBN);
    ddw_traffic(&m, tcet, r, 300);
    for (c = 0; c < 20; c++) {
        uint64_t page = 1ULL << tcet->page_shift;
        uint64_t start = g_rand_int_range(r, 0, 1u << 18) * page;
        uint64_t end = c == 0 ? HWADDR_MAX
                              : start + g_rand_int_range(r, 1, 1u << 17) * page
                                    - 1;
        GArray *walk = host_generic_walk(tcet), *want;
        Recorder rec;
        guint i;

        want = g_array_new(FALSE, FALSE, sizeof(IOMMUTLBEntry));
        for (i = 0; i < walk->len; i++) {
            IOMMUTLBEntry *e = &g_array_index(walk, IOMMUTLBEntry, i);

            if (e->iova >= start && e->iova <= end) {
                g_array_append_val(want, *e);
            }
        }
        recorder_init(&rec, IOMMU_NOTIFIER_MAP, start, end, 0);
        memory_region_iommu_replay(&tcet->iommu, &rec.n);
        assert_tlb_entries_eq(rec.entries, want);
        for (i = 0; i < rec.entries->len; i++) {
            IOMMUTLBEntry *e = recorder_entry(&rec, i);
            IOMMUTLBEntry x = host_translate(tcet, e->iova);

            assert_tlb_entry_eq(&x, e);
        }
        g_assert_true(c == 0 || want->len < walk->len);
        recorder_destroy(&rec);
        g_array_free(want, TRUE);
        g_array_free(walk, TRUE);
    }
    host_machine_stop(&m);
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/ranges/runs-expand-to-entries",
                    test_runs_expand_to_entries);
    g_test_add_func("/host/ranges/stuff-is-one-run", test_stuff_is_one_run);
    g_test_add_func("/host/ranges/blocks-mirror", test_blocks_mirror);
    g_test_add_func("/host/ranges/replay-range-engine",
                    test_replay_range_engine);
    g_test_add_func("/host/ranges/replay-range-host", test_replay_range_host);
    return g_test_run();
}
