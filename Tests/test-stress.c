/*
 * Concurrency stress: 4 threads translate while 2 threads put, stuff and
 * clear random entries, some of them the same hot entries. Every translation
 * must be a TCE that a writer wrote (or an empty entry): nothing torn, nothing
 * invented. When the writers stop, replay must agree with the generic walk,
 * so no mapped entry lost its bitmap bit to a race.
 *
 * SWIFTTCE_STRESS_SECONDS sets the duration (default 1.5; make check-tsan
 * sets more).
 */
#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "swifttce.h"
#include "test-util.h"

#define LIOBN     0x6100u
#define SHIFT     12
/*
 * Each round has its own window size: a small flat window, a flat one of an
 * odd size, a 3-level tree.
 */
static const uint32_t round_entries[] = { 1u << 15, (1u << 19) + 7, 1u << 23 };
static uint32_t window_entries;
#define HOT       64           /* entries both writers hammer */
#define READERS   4
#define WRITERS   2

/* SWIFTTCE_STRESS_SECONDS, or 1.5. */
static double stress_seconds(void)
{
    const char *env = getenv("SWIFTTCE_STRESS_SECONDS");

    return env ? atof(env) : 1.5;
}

static SpaprTceTable *table;
static IOMMUMemoryRegion *region;
static atomic_bool stop;
static atomic_ulong translations, writes, notified;

/*
 * What writers write: the entry's index in the address bits, a serial, and
 * a perm derived from both, so that a mix of two TCEs would not check out.
 */
static uint64_t make_tce(uint64_t index, uint64_t serial)
{
    uint64_t perm;

    serial &= 0xfffff;
    perm = (index + serial) % 3 + 1;
    return (index << 32) | (serial << SHIFT) | perm;
}

static bool tce_is_valid(uint64_t index, uint64_t addr, unsigned perm)
{
    uint64_t serial = (addr >> SHIFT) & 0xfffff;

    if (perm == IOMMU_NONE) {
        return addr == 0;
    }
    return (addr >> 32) == index && (addr & ((1ull << SHIFT) - 1)) == 0 &&
           perm == (index + serial) % 3 + 1;
}

/* Half the time a hot entry, else near the window's end, else anywhere. */
static uint64_t pick_index(uint64_t r)
{
    switch (r & 3) {
    case 0:
    case 1:
        return (r >> 8) % HOT;
    case 2:
        return window_entries - 1 - (r >> 8) % 4096;
    default:
        return (r >> 8) % window_entries;
    }
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *reader(void *arg)
{
    uint64_t s = 0x1234567ull + (uintptr_t)arg, count = 0;
    bool ok = true;

    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int i;

        for (i = 0; i < 1024; i++) {
            uint64_t r = xorshift(&s);
            uint64_t index = pick_index(r);
            hwaddr addr = (index << SHIFT) | (r >> 40 & 0xfff);
            IOMMUTLBEntry e = spapr_tce_iommu_ops.translate(region, addr, IOMMU_NONE, 0);

            if (e.iova != index << SHIFT || e.addr_mask != 0xfff ||
                !tce_is_valid(index, e.translated_addr, e.perm)) {
                ok = false;
            }
        }
        count += 1024;
    }
    atomic_fetch_add(&translations, count);
    return ok ? NULL : (void *)1;
}

static void *writer(void *arg)
{
    uint64_t s = 0xabcdefull * (1 + (uintptr_t)arg), serial = (uintptr_t)arg << 19;
    uint64_t count = 0;
    GuestBuf list;

    guest_buf_init(&list, 0x1000, 16);

    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        uint64_t r = xorshift(&s);
        uint64_t index = pick_index(r);
        unsigned kind = (r >> 4) % 16;
        uint64_t i;

        serial++;
        if (kind < 6) {
            g_assert_cmpint(spapr_h_put_tce(LIOBN, index << SHIFT, 0), ==, H_SUCCESS);
        } else if (kind < 14) {
            g_assert_cmpint(spapr_h_put_tce(LIOBN, index << SHIFT, make_tce(index, serial)),
                            ==, H_SUCCESS);
        } else if (kind == 14 && index + 16 <= window_entries) {
            /* One value for several entries: only valid as a clear. */
            g_assert_cmpint(spapr_h_stuff_tce(LIOBN, index << SHIFT, 0, 16), ==, H_SUCCESS);
        } else if (index + 16 <= window_entries) {
            for (i = 0; i < 16; i++) {
                guest_buf_set(&list, i, (r >> (i + 20)) & 1 ? make_tce(index + i, serial + i) : 0);
            }
            g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, index << SHIFT, list.base, 16,
                                                     &list.mem), ==, H_SUCCESS);
        }
        count++;
    }
    guest_buf_free(&list);
    atomic_fetch_add(&writes, count);
    return NULL;
}

static void count_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (void)n;
    (void)e;
    atomic_fetch_add_explicit(&notified, 1, memory_order_relaxed);
}

static void test_translate_while_writing(void)
{
    double seconds = stress_seconds();
    pthread_t readers[READERS], writers[WRITERS];
    IOMMUNotifier listener;
    struct timespec nap;
    int round, i;

    table = spapr_tce_new_table(NULL, LIOBN, NULL);
    g_assert_nonnull(table);
    region = spapr_tce_get_iommu_mr(table);
    iommu_notifier_init(&listener, count_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                        HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(region, &listener, NULL), ==, 0);

    /* Rounds on fresh tables of different depths, so installs race again. */
    for (round = 0; round < (int)G_N_ELEMENTS(round_entries); round++) {
        window_entries = round_entries[round];
        spapr_tce_table_disable(table);
        g_assert_cmpint(spapr_tce_table_enable(table, SHIFT, 0, window_entries, NULL), ==, 0);
        atomic_store(&stop, false);
        for (i = 0; i < READERS; i++) {
            g_assert_cmpint(pthread_create(&readers[i], NULL, reader, (void *)(uintptr_t)i), ==, 0);
        }
        for (i = 0; i < WRITERS; i++) {
            g_assert_cmpint(pthread_create(&writers[i], NULL, writer, (void *)(uintptr_t)i), ==, 0);
        }
        nap.tv_sec = (time_t)(seconds / G_N_ELEMENTS(round_entries));
        nap.tv_nsec = (long)((seconds / G_N_ELEMENTS(round_entries) - (double)nap.tv_sec) * 1e9);
        nanosleep(&nap, NULL);
        atomic_store(&stop, true);
        for (i = 0; i < WRITERS; i++) {
            g_assert_cmpint(pthread_join(writers[i], NULL), ==, 0);
        }
        for (i = 0; i < READERS; i++) {
            void *bad = NULL;

            g_assert_cmpint(pthread_join(readers[i], &bad), ==, 0);
            g_assert_null(bad);   /* every translation was a written TCE */
        }
        g_test_message("quiescent replay: %u mappings",
                       assert_replay_matches_generic(table));
    }
    g_test_message("%lu translations, %lu writes, %lu notifications",
                   atomic_load(&translations), atomic_load(&writes), atomic_load(&notified));
    g_assert_cmpuint(atomic_load(&translations), >, 0);
    g_assert_cmpuint(atomic_load(&writes), >, 0);
    memory_region_unregister_iommu_notifier(region, &listener);
    spapr_tce_table_free(table);
}

/*
 * Two writers on the same entries at the same moment: a mapper and an
 * unmapper (or two mappers) released together by a spin barrier, then a
 * check while both wait: every mapped entry must be replayed. This is the
 * race the leaf bitmap protocol must win; the random stress above rarely
 * ends on it.
 */
#define RACE_LIOBN   0x6200u
#define RACE_ENTRIES 8

static atomic_uint race_arrived;
static atomic_uint race_generation;
static atomic_bool race_stop, race_decision;
static IOMMUMemoryRegion *race_region;
static atomic_ulong race_rounds, race_failures;

/* Both threads arrive; the last one flips the generation. */
static void race_barrier(void)
{
    unsigned gen = atomic_load(&race_generation);

    if (atomic_fetch_add(&race_arrived, 1) == 1) {
        atomic_store(&race_arrived, 0);
        atomic_fetch_add(&race_generation, 1);
    } else {
        unsigned spins = 0;

        while (atomic_load(&race_generation) == gen) {
            if (++spins % 256 == 0) {
                sched_yield();   /* the other thread may share our CPU */
            }
        }
    }
}

typedef struct Seen {
    IOMMUNotifier n;
    unsigned mask;
} Seen;

static void seen_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    ((Seen *)n)->mask |= 1u << (e->iova >> SHIFT);
}

static void *racer(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    uint64_t s = 0x9999 + me, round = 0;

    for (;;) {
        uint64_t r = xorshift(&s);
        uint64_t k = round % RACE_ENTRIES;
        bool stop;

        /* Thread 0 decides for both, so that they stop together. */
        race_barrier();
        if (me == 0) {
            atomic_store(&race_decision, atomic_load(&race_stop));
        }
        race_barrier();
        stop = atomic_load(&race_decision);
        if (stop) {
            break;
        }
        /* Thread 0 maps; thread 1 unmaps, or maps too one time in four. */
        if (me == 0 || (r & 3) == 0) {
            spapr_h_put_tce(RACE_LIOBN, k << SHIFT, make_tce(k, round * 2 + me));
        } else {
            spapr_h_put_tce(RACE_LIOBN, k << SHIFT, 0);
        }
        race_barrier();
        if (me == 0) {
            Seen seen;
            unsigned mapped = 0, j;

            iommu_notifier_init(&seen.n, seen_notify, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
            seen.mask = 0;
            memory_region_iommu_replay(race_region, &seen.n);
            for (j = 0; j < RACE_ENTRIES; j++) {
                uint64_t tce = 0;

                spapr_h_get_tce(RACE_LIOBN, (uint64_t)j << SHIFT, &tce);
                if (tce & 3) {
                    mapped |= 1u << j;
                }
            }
            if (seen.mask != mapped) {
                atomic_fetch_add(&race_failures, 1);
            }
            atomic_fetch_add(&race_rounds, 1);
        }
        round++;
    }
    return NULL;
}

static void test_same_entry_race(void)
{
    double seconds = stress_seconds() / 3;
    SpaprTceTable *t = spapr_tce_new_table(NULL, RACE_LIOBN, NULL);
    pthread_t threads[2];
    struct timespec nap;
    int i;

    g_assert_nonnull(t);
    g_assert_cmpint(spapr_tce_table_enable(t, SHIFT, 0, 512, NULL), ==, 0);
    race_region = spapr_tce_get_iommu_mr(t);
    atomic_store(&race_stop, false);
    for (i = 0; i < 2; i++) {
        g_assert_cmpint(pthread_create(&threads[i], NULL, racer, (void *)(uintptr_t)i), ==, 0);
    }
    nap.tv_sec = (time_t)seconds;
    nap.tv_nsec = (long)((seconds - (double)nap.tv_sec) * 1e9);
    nanosleep(&nap, NULL);
    atomic_store(&race_stop, true);
    for (i = 0; i < 2; i++) {
        g_assert_cmpint(pthread_join(threads[i], NULL), ==, 0);
    }
    g_test_message("%lu racing rounds, %lu with a mapped entry missing from replay",
                   atomic_load(&race_rounds), atomic_load(&race_failures));
    g_assert_cmpuint(atomic_load(&race_rounds), >, 0);
    g_assert_cmpuint(atomic_load(&race_failures), ==, 0);
    spapr_tce_table_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/stress/translate-while-writing", test_translate_while_writing);
    g_test_add_func("/stress/same-entry-race", test_same_entry_race);
    return g_test_run();
}
