/*
 * Concurrency stress: 4 threads translate while 2 threads put, stuff and
 * clear random entries, some of them the same hot entries. Every translation
 * must be a TCE that a writer wrote (or an empty entry): nothing torn, nothing
 * invented. When the writers stop, replay must agree with the generic walk,
 * so no mapped entry lost its bitmap bit to a race. Then the same check on
 * readers that go on while tables are enabled, disabled, reset, loaded,
 * freed and made again, and go through a PHB's DDW calls and a VIO device.
 *
 * SWIFTTCE_STRESS_SECONDS sets the duration (default 1.5; make check-tsan
 * sets more).
 */
#define _GNU_SOURCE     /* pthread_rwlockattr_setkind_np */
#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
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

/*
 * Makes the calling thread the first to read a table. The library keeps its
 * reading threads in a Swift global made on first use behind swift_once,
 * whose synchronisation ThreadSanitizer cannot see (the Swift runtime is not
 * instrumented); a test whose reader threads could be the first calls this
 * before starting them. NULL reads a disabled table, out of line.
 */
static void first_read_here(void)
{
    spapr_tce_iommu_ops.translate(NULL, 0, IOMMU_NONE, 0);
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

/*
 * Readers translate through the regions of several tables, and ask H_GET_TCE
 * by LIOBN, while the main thread takes the tables through their whole
 * lifecycle: enable and disable (flat windows and trees, page shifts 12, 16
 * and 24, several bus offsets), reset, load of saved streams, free and new
 * with the same LIOBN, a PHB's DDW calls and a VIO device's resets. A
 * reader may hold the region of a table that was just freed: its memory is
 * kept for the next table, so the reader sees a disabled table or the one
 * made next. Either way every answer must be empty or a TCE the main thread
 * wrote for that index, whatever window it came from.
 */
#define LC_TABLES  3               /* plain tables, LIOBN LC_LIOBN + k */
#define LC_LIOBN   0x6300u
#define LC_PHB     5
#define LC_VIO_REG 0x71000010u
#define LC_SLOTS   (LC_TABLES + 3) /* the tables, the PHB's two windows, VIO */
#define LC_STREAMS 4               /* saved streams kept per plain table */

static const uint32_t lc_liobns[LC_SLOTS] = {
    LC_LIOBN, LC_LIOBN + 1, LC_LIOBN + 2,
    SPAPR_PCI_LIOBN(LC_PHB, 0), SPAPR_PCI_LIOBN(LC_PHB, 1), LC_VIO_REG,
};
/* Every page shift and bus offset a window of the test has. */
static const uint32_t lc_shifts[] = { 12, 16, 24 };
static const uint64_t lc_buses[] = { 0, 0x80000000ull, SPAPR_PCI_DMA64_START };
/*
 * Window sizes: plain tables take the first LC_PLAIN_SIZES (flat, the
 * largest flat, the smallest tree, a tree), DDW windows 2^10, 2^22 or 2^24
 * entries (lc_ddw_entries_log2); the PHB's default window has 2^18 and the
 * VIO device's 2^16. Readers look near the end of each.
 */
static const uint32_t lc_sizes[] = {
    4096, 1u << 22, (1u << 22) + 1, 1u << 24, 1u << 10, 1u << 18, 1u << 16,
};
#define LC_PLAIN_SIZES 4
static const uint32_t lc_ddw_entries_log2[] = { 10, 22, 24 };

/* A random element of the array a. */
#define LC_PICK(lc, a) ((a)[g_rand_int_range((lc)->rng, 0, G_N_ELEMENTS(a))])

/* Each slot's region, as the main thread last published it. */
static _Atomic(IOMMUMemoryRegion *) lc_regions[LC_SLOTS];
static atomic_bool lc_stop;
static atomic_ulong lc_translations, lc_get_tces, lc_bad;
/* The first bad answer, kept by the reader that saw it. */
static atomic_flag lc_bad_kept = ATOMIC_FLAG_INIT;
static char lc_bad_what[160];

/*
 * What the main thread writes at entry index: the index in the top half, a
 * tag in bits 24-31 (kept by every page size, up to 16 MiB) and a perm
 * derived from both, so that no other value, nor a mix of two, checks out.
 */
static uint64_t lc_tce(uint64_t index, uint64_t serial)
{
    uint64_t tag = serial & 0xff;

    return (index << 32) | (tag << 24) | ((index + tag) % 3 + 1);
}

/* Whether tce is one lc_tce made; the index it was made for in *index. */
static bool lc_tce_index(uint64_t tce, uint64_t *index)
{
    uint64_t tag = (tce >> 24) & 0xff;

    *index = tce >> 32;
    return (tce & 0xfffffc) == 0 && (tce & 3) == (*index + tag) % 3 + 1;
}

/*
 * translate's answer for addr: outside any window (or disabled), an empty
 * entry of one of the test's page sizes, or an lc_tce for the entry's index.
 */
static bool lc_entry_ok(hwaddr addr, const IOMMUTLBEntry *e)
{
    uint64_t index;
    unsigned i;

    if (e->target_as) {
        return false;
    }
    if (e->addr_mask == HWADDR_MAX) {
        return e->iova == 0 && e->translated_addr == 0 &&
               e->perm == IOMMU_NONE;
    }
    for (i = 0; i < G_N_ELEMENTS(lc_shifts); i++) {
        if (e->addr_mask == (1ull << lc_shifts[i]) - 1) {
            break;
        }
    }
    if (i == G_N_ELEMENTS(lc_shifts) || e->iova != (addr & ~e->addr_mask)) {
        return false;
    }
    if (e->perm == IOMMU_NONE) {
        return e->translated_addr == 0;
    }
    return lc_tce_index(e->translated_addr | e->perm, &index) &&
           index == e->iova >> lc_shifts[i];
}

/*
 * H_GET_TCE's raw answer for ioba: 0, or an lc_tce whose index is ioba's in
 * a window of one of the test's page shifts and bus offsets.
 */
static bool lc_tce_ok(uint64_t ioba, uint64_t tce)
{
    uint64_t index;

    if (tce == 0) {
        return true;
    }
    if (!lc_tce_index(tce, &index)) {
        return false;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(lc_shifts); i++) {
        uint64_t page = ioba & ~((1ull << lc_shifts[i]) - 1);

        for (unsigned j = 0; j < G_N_ELEMENTS(lc_buses); j++) {
            if (page >= lc_buses[j] &&
                (page - lc_buses[j]) >> lc_shifts[i] == index) {
                return true;
            }
        }
    }
    return false;
}

static void lc_report_bad(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Counts a bad answer; the first one is described for the main thread. */
static void lc_report_bad(const char *fmt, ...)
{
    atomic_fetch_add(&lc_bad, 1);
    if (!atomic_flag_test_and_set(&lc_bad_kept)) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(lc_bad_what, sizeof(lc_bad_what), fmt, ap);
        va_end(ap);
    }
}

/* An index the main thread may have written: hot, near a window's end, any. */
static uint64_t lc_pick_index(uint64_t r)
{
    switch (r & 3) {
    case 0:
    case 1:
        return (r >> 8) % HOT;
    case 2:
        return lc_sizes[(r >> 8) % G_N_ELEMENTS(lc_sizes)] - 1 -
               (r >> 16) % HOT;
    default:
        return (r >> 8) % (1u << 24);
    }
}

/* A translate through a slot's region, where the main thread may write. */
static void lc_translate(uint64_t r)
{
    unsigned slot = (r >> 40) % LC_SLOTS;
    uint32_t shift = lc_shifts[(r >> 44) % G_N_ELEMENTS(lc_shifts)];
    hwaddr addr = (lc_pick_index(r) << shift) + ((r >> 48) & 0xfff);
    IOMMUMemoryRegion *mr = atomic_load(&lc_regions[slot]);
    IOMMUTLBEntry e = spapr_tce_iommu_ops.translate(mr, addr, IOMMU_NONE, 0);

    if (!lc_entry_ok(addr, &e)) {
        lc_report_bad("translate(0x%x, 0x%" PRIx64 ") = iova 0x%" PRIx64
                      " -> 0x%" PRIx64 " mask 0x%" PRIx64 " perm %d",
                      lc_liobns[slot], addr, e.iova, e.translated_addr,
                      e.addr_mask, e.perm);
    }
}

/* H_GET_TCE on a slot's LIOBN, in a window of any of the test's geometries. */
static void lc_get_tce(uint64_t r)
{
    uint32_t liobn = lc_liobns[(r >> 40) % LC_SLOTS];
    uint32_t shift = lc_shifts[(r >> 44) % G_N_ELEMENTS(lc_shifts)];
    uint64_t bus = lc_buses[(r >> 60) % G_N_ELEMENTS(lc_buses)];
    uint64_t ioba = bus + (lc_pick_index(r) << shift) + ((r >> 48) & 0xfff);
    uint64_t tce = RTAS_UNSET;
    int64_t ret = spapr_h_get_tce(liobn, ioba, &tce);

    /* H_PARAMETER (outside the window, no table) leaves tce alone. */
    if (ret == H_SUCCESS ? !lc_tce_ok(ioba, tce)
                         : ret != H_PARAMETER || tce != RTAS_UNSET) {
        lc_report_bad("H_GET_TCE(0x%x, 0x%" PRIx64 ") = %" PRId64
                      ", tce 0x%" PRIx64, liobn, ioba, ret, tce);
    }
}

/*
 * The caller's serialisation that spapr_tce.h asks for: creating and
 * freeing tables (QEMU does both under its big lock, as it does the
 * hypercalls) against the hypercalls, whose LIOBN lookup walks the list of
 * tables. The main thread holds lc_listing for writing while it creates or
 * frees tables; readers call H_GET_TCE holding it for reading. Everything
 * else (enable, disable, reset, load, DDW, quiesce) runs beside the
 * hypercalls, and everything, new and free included, beside translate.
 */
static pthread_rwlock_t lc_listing;

static void *lc_reader(void *arg)
{
    uint64_t s = 0x5eed1ull + (uintptr_t)arg, count = 0, gets = 0;

    while (!atomic_load_explicit(&lc_stop, memory_order_relaxed)) {
        for (int i = 0; i < 1024; i++) {
            lc_translate(xorshift(&s));
        }
        pthread_rwlock_rdlock(&lc_listing);
        for (int i = 0; i < 128; i++) {
            lc_get_tce(xorshift(&s));
        }
        pthread_rwlock_unlock(&lc_listing);
        count += 1024;
        gets += 128;
    }
    atomic_fetch_add(&lc_translations, count);
    atomic_fetch_add(&lc_get_tces, gets);
    return NULL;
}


/* What the main thread has made; NULL where nothing is (yet, or any more). */
typedef struct Lifecycle {
    GRand *rng;
    uint64_t serial;
    unsigned long steps, saves, writes;
    GuestBuf list;
    SpaprTceTable *tables[LC_TABLES];
    GByteArray *streams[LC_TABLES][LC_STREAMS];
    SpaprPhb *phb;
    SpaprVioDevice *vio;
} Lifecycle;

static void lc_publish(unsigned slot, SpaprTceTable *t)
{
    atomic_store(&lc_regions[slot], spapr_tce_get_iommu_mr(t));
}

/* Brackets a lifecycle step that creates or frees tables. */
static void lc_change_begin(void)
{
    pthread_rwlock_wrlock(&lc_listing);
}

static void lc_change_end(Lifecycle *lc)
{
    pthread_rwlock_unlock(&lc_listing);
    lc->steps++;
}

/*
 * Writes to t's window, if it has one: hot entries, entries at its end and
 * anywhere, through H_PUT_TCE, H_STUFF_TCE (clears) and H_PUT_TCE_INDIRECT.
 */
static void lc_write(Lifecycle *lc, SpaprTceTable *t)
{
    uint32_t liobn = spapr_tce_get_liobn(t);
    uint32_t shift = spapr_tce_get_page_shift(t);
    uint64_t bus = spapr_tce_get_bus_offset(t);
    uint64_t nb = spapr_tce_get_nb_table(t);

    for (int k = 0; nb && k < 48; k++) {
        gint32 near = (gint32)MIN(nb, HOT);
        uint64_t index;
        uint64_t ioba;
        int64_t ret;

        switch (g_rand_int_range(lc->rng, 0, 4)) {
        case 0:
        case 1:
            index = g_rand_int_range(lc->rng, 0, near);
            break;
        case 2:
            index = nb - 1 - g_rand_int_range(lc->rng, 0, near);
            break;
        default:
            index = test_rand_u64(lc->rng) % nb;
            break;
        }
        ioba = bus + (index << shift);
        switch (g_rand_int_range(lc->rng, 0, 8)) {
        case 0:
            ret = spapr_h_put_tce(liobn, ioba, 0);
            break;
        case 1:
            /* One value for several entries: only valid as a clear. */
            ret = spapr_h_stuff_tce(liobn, ioba, 0, MIN(nb - index, 16));
            break;
        case 2: {
            uint64_t n = MIN(nb - index, 16);

            for (uint64_t i = 0; i < n; i++) {
                guest_buf_set(&lc->list, i, lc_tce(index + i, lc->serial++));
            }
            ret = spapr_h_put_tce_indirect(liobn, ioba, lc->list.base, n,
                                           &lc->list.mem);
            break;
        }
        default:
            ret = spapr_h_put_tce(liobn, ioba, lc_tce(index, lc->serial++));
            break;
        }
        g_assert_cmpint(ret, ==, H_SUCCESS);
        lc->writes++;
    }
}

/* Enables t with a random geometry of the test's, and writes to it. */
static void lc_enable(Lifecycle *lc, SpaprTceTable *t)
{
    uint32_t shift = LC_PICK(lc, lc_shifts);
    uint64_t bus = LC_PICK(lc, lc_buses);
    uint32_t nb = lc_sizes[g_rand_int_range(lc->rng, 0, LC_PLAIN_SIZES)];
    Error *err = NULL;

    g_assert_cmpint(spapr_tce_table_enable(t, shift, bus, nb, &err), ==, 0);
    g_assert_null(err);
    lc->steps++;
    lc_write(lc, t);
}

/* Saves t's state in *stream, for a later load into the same LIOBN. */
static void lc_save(Lifecycle *lc, SpaprTceTable *t, GByteArray **stream)
{
    size_t need = spapr_tce_table_save(t, NULL, 0);

    if (*stream) {
        g_byte_array_unref(*stream);
    }
    *stream = g_byte_array_sized_new(need);
    g_byte_array_set_size(*stream, need);
    g_assert_cmpuint(spapr_tce_table_save(t, (*stream)->data, need), ==, need);
    lc->saves++;
}

/* One lifecycle step on plain table k (made first if it is not there). */
static void lc_table_step(Lifecycle *lc, unsigned k)
{
    SpaprTceTable *t = lc->tables[k];
    GByteArray **stream = &LC_PICK(lc, lc->streams[k]);
    Error *err = NULL;

    if (!t) {
        lc_change_begin();
        t = lc->tables[k] = spapr_tce_new_table(NULL, LC_LIOBN + k, &err);
        lc_change_end(lc);
        g_assert_nonnull(t);
        lc_publish(k, t);
        if (g_rand_boolean(lc->rng)) {
            lc_enable(lc, t);
        }
        return;
    }
    switch (g_rand_int_range(lc->rng, 0, 6)) {
    case 0:     /* another geometry */
        spapr_tce_table_disable(t);
        lc->steps++;
        lc_enable(lc, t);
        break;
    case 1:
        spapr_tce_table_reset(t);
        lc->steps++;
        lc_write(lc, t);
        break;
    case 2:
        if (*stream) {
            g_assert_cmpint(spapr_tce_table_load(t, (*stream)->data,
                                                 (*stream)->len, &err), ==, 0);
            g_assert_null(err);
            lc->steps++;
        } else {
            lc_save(lc, t, stream);
        }
        break;
    case 3:
        lc_save(lc, t, stream);
        break;
    case 4:
        /* The region stays published: readers go on with the freed table. */
        lc_change_begin();
        spapr_tce_table_free(t);
        lc_change_end(lc);
        lc->tables[k] = NULL;
        break;
    default:
        lc_write(lc, t);
        break;
    }
}

/* One step of the PHB: made, DDW created, removed or reset, or freed. */
static void lc_phb_step(Lifecycle *lc)
{
    uint64_t buid = SPAPR_PCI_BASE_BUID + LC_PHB;
    uint32_t rets[5], liobn;
    unsigned n;

    if (!lc->phb) {
        SpaprPhbConfig cfg;
        Error *err = NULL;

        spapr_phb_config_default(&cfg, LC_PHB);
        lc_change_begin();
        lc->phb = spapr_phb_new(&cfg, &err);
        lc_change_end(lc);
        g_assert_nonnull(lc->phb);
        for (n = 0; n < 2; n++) {
            lc_publish(LC_TABLES + n, spapr_phb_get_window(lc->phb, n));
        }
        lc_write(lc, spapr_phb_get_window(lc->phb, 0));
        return;
    }
    n = g_rand_int_range(lc->rng, 0, 2);
    switch (g_rand_int_range(lc->rng, 0, 6)) {
    case 0:
    case 1: {
        uint32_t shift = LC_PICK(lc, lc_shifts);
        uint32_t window_shift = shift + LC_PICK(lc, lc_ddw_entries_log2);

        g_assert_cmpint(ddw_query(buid, 5, rets), ==, RTAS_OUT_SUCCESS);
        if (rets[1] == 0) {
            /* Both windows there: one goes first. */
            g_assert_cmpint(ddw_remove(SPAPR_PCI_LIOBN(LC_PHB, n)), ==,
                            RTAS_OUT_SUCCESS);
            lc->steps++;
        }
        g_assert_cmpint(ddw_create(buid, shift, window_shift, &liobn, NULL),
                        ==, RTAS_OUT_SUCCESS);
        lc->steps++;
        lc_write(lc, spapr_tce_find_by_liobn(liobn));
        break;
    }
    case 2:
        if (spapr_tce_get_nb_table(spapr_phb_get_window(lc->phb, n))) {
            g_assert_cmpint(ddw_remove(SPAPR_PCI_LIOBN(LC_PHB, n)), ==,
                            RTAS_OUT_SUCCESS);
            lc->steps++;
        }
        break;
    case 3:
        g_assert_cmpint(ddw_reset(buid), ==, RTAS_OUT_SUCCESS);
        lc->steps++;
        lc_write(lc, spapr_phb_get_window(lc->phb, 0));
        break;
    case 4:
        lc_change_begin();
        spapr_phb_free(lc->phb);
        lc_change_end(lc);
        lc->phb = NULL;
        break;
    default:
        lc_write(lc, spapr_phb_get_window(lc->phb, n));
        break;
    }
}

/* One step of the VIO device: made, reset, quiesced or freed. */
static void lc_vio_step(Lifecycle *lc)
{
    uint32_t args[1] = { 0 }, rets[1] = { RTAS_UNSET };

    if (!lc->vio) {
        SpaprVioConfig cfg = {
            .reg = LC_VIO_REG,
            .rtce_window_size = SPAPR_VIO_RTCE_WINDOW_SIZE,
            .ram_size = 1ull << 30,
        };
        Error *err = NULL;

        lc_change_begin();
        lc->vio = spapr_vio_device_new(NULL, &cfg, &err);
        lc_change_end(lc);
        g_assert_nonnull(lc->vio);
        lc_publish(LC_SLOTS - 1, spapr_vio_get_tce_table(lc->vio));
        lc_write(lc, spapr_vio_get_tce_table(lc->vio));
        return;
    }
    switch (g_rand_int_range(lc->rng, 0, 4)) {
    case 0:
        spapr_vio_device_reset(lc->vio);
        lc->steps++;
        break;
    case 1:
        rtas_quiesce(0, args, 1, rets);
        g_assert_cmpint((int32_t)rets[0], ==, RTAS_OUT_SUCCESS);
        lc->steps++;
        break;
    case 2:
        lc_change_begin();
        spapr_vio_device_free(lc->vio);
        lc_change_end(lc);
        lc->vio = NULL;
        return;
    default:
        break;
    }
    lc_write(lc, spapr_vio_get_tce_table(lc->vio));
}

static void test_lifecycle(void)
{
    gint64 end = g_get_monotonic_time() + (gint64)(stress_seconds() * 1e6);
    gint64 start = g_get_monotonic_time();
    pthread_t readers[READERS];
    Lifecycle lc = { .rng = test_rand_new(0x11fec7c1u) };
    pthread_rwlockattr_t attr;
    int i;

    /* Writers first: readers take the locks back to back. */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lc_listing, &attr);
    pthread_rwlockattr_destroy(&attr);
    guest_buf_init(&lc.list, 0x1000, 16);
    first_read_here();
    atomic_store(&lc_stop, false);
    for (i = 0; i < READERS; i++) {
        g_assert_cmpint(pthread_create(&readers[i], NULL, lc_reader,
                                       (void *)(uintptr_t)i), ==, 0);
    }
    while (g_get_monotonic_time() < end) {
        unsigned what = g_rand_int_range(lc.rng, 0, LC_TABLES + 2);

        if (what < LC_TABLES) {
            lc_table_step(&lc, what);
        } else if (what == LC_TABLES) {
            lc_phb_step(&lc);
        } else {
            lc_vio_step(&lc);
        }
    }
    atomic_store(&lc_stop, true);
    for (i = 0; i < READERS; i++) {
        g_assert_cmpint(pthread_join(readers[i], NULL), ==, 0);
    }
    g_test_message("%lu translations, %lu H_GET_TCE, %lu lifecycle steps, "
                   "%lu saves, %lu writes in %.2f s; %lu bad answers%s%s",
                   atomic_load(&lc_translations), atomic_load(&lc_get_tces),
                   lc.steps, lc.saves, lc.writes,
                   (g_get_monotonic_time() - start) / 1e6,
                   atomic_load(&lc_bad),
                   atomic_load(&lc_bad) ? ", the first: " : "", lc_bad_what);
    g_assert_cmpuint(atomic_load(&lc_bad), ==, 0);
    g_assert_cmpuint(atomic_load(&lc_translations), >, 0);
    g_assert_cmpuint(atomic_load(&lc_get_tces), >, 0);
    g_assert_cmpuint(lc.steps, >, 0);

    for (unsigned k = 0; k < LC_TABLES; k++) {
        spapr_tce_table_free(lc.tables[k]);
        for (unsigned j = 0; j < LC_STREAMS; j++) {
            if (lc.streams[k][j]) {
                g_byte_array_unref(lc.streams[k][j]);
            }
        }
    }
    spapr_phb_free(lc.phb);
    spapr_vio_device_free(lc.vio);
    guest_buf_free(&lc.list);
    g_rand_free(lc.rng);
    pthread_rwlock_destroy(&lc_listing);
}

/*
 * A translate through the region of a table freed a moment ago, while the
 * next tables are made in its memory (and given a target_as): the freed
 * table's memory stays readable, and what a new table sets there for
 * readers is set atomically, so the reader sees a disabled table or a new
 * one, never a torn field (ThreadSanitizer holds it to that).
 */
#define REUSE_LIOBN 0x6400u

static atomic_bool reuse_stop;

static void *reuse_translate(void *mr)
{
    while (!atomic_load(&reuse_stop)) {
        IOMMUTLBEntry e = spapr_tce_iommu_ops.translate(mr, 0, IOMMU_NONE, 0);

        g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    }
    return NULL;
}

static void test_translate_through_reused_memory(void)
{
    SpaprTceTable *t;
    IOMMUMemoryRegion *mr;
    pthread_t thread;
    int as;

    t = spapr_tce_new_table(NULL, REUSE_LIOBN, NULL);
    mr = spapr_tce_get_iommu_mr(t);
    spapr_tce_table_free(t);
    t = spapr_tce_new_table(NULL, REUSE_LIOBN, NULL);
    g_assert_true(spapr_tce_get_iommu_mr(t) == mr);
    spapr_tce_table_free(t);

    first_read_here();
    atomic_store(&reuse_stop, false);
    g_assert_cmpint(pthread_create(&thread, NULL, reuse_translate, mr), ==, 0);
    for (int i = 0; i < 1000; i++) {
        t = spapr_tce_new_table(NULL, REUSE_LIOBN, NULL);
        spapr_tce_set_target_as(t, (AddressSpace *)&as);
        spapr_tce_table_free(t);
    }
    atomic_store(&reuse_stop, true);
    g_assert_cmpint(pthread_join(thread, NULL), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/stress/translate-while-writing", test_translate_while_writing);
    g_test_add_func("/stress/same-entry-race", test_same_entry_race);
    g_test_add_func("/stress/lifecycle", test_lifecycle);
    g_test_add_func("/stress/translate-through-reused-memory",
                    test_translate_through_reused_memory);
    return g_test_run();
}
