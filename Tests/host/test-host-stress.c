/*
 * Host-mode stress: readers translate (swifttce_translate, swifttce_lookup
 * and the inline swifttce_lookup_inline) while one thread disables, enables
 * with other geometries, resets, loads vmstate into, writes, moves the
 * entries of (into an array of its own and back, as a KVM host does) and
 * replaces the table they read, freeing the old one as a host does, and
 * unmapping its own arrays as soon as the engine let go of them. Every translation must be one that was written (or empty):
 * TCEs carry their entry's index and a serial, and their perm follows from
 * both, so a torn entry, an entry read under another window's geometry or
 * an invented one does not check out.
 *
 * Two hosts: one with QEMU-style RCU (readers in rcu_read_lock, defer_free
 * on call_rcu, tables freed after a grace period), one with no defer_free
 * (SwiftTCE's own reclamation: readers need nothing, and the old table is
 * freed at once). SWIFTTCE_STRESS_SECONDS sets the time for both together
 * (default 2; make check-tsan sets more).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <glib.h>

#include "qemu-rcu.h"
#include "spapr-iommu.h"

#define READERS 3
#define LIOBN   0x5a5a
/* Every window's bus offset: its streams always carry the subsection. */
#define BUS     (1ULL << 40)
#define SERIAL_SHIFT 16         /* above any page offset the windows use */

/* The windows the table takes turns at: flat, odd-sized flat, a tree. */
static const struct {
    uint32_t page_shift, nb_table;
} windows[] = {
    { 12, 4096 }, { 16, (1u << 16) + 3 }, { 12, 1u << 23 },
};

static _Atomic(SwiftTCETable *) published;
static atomic_bool stop;
static bool host_rcu;           /* the variant running */

static uint64_t make_tce(uint64_t index, uint64_t serial)
{
    serial &= 0xffff;
    return index << 32 | serial << SERIAL_SHIFT | ((index + serial) % 3 + 1);
}

/* One of the three answers translate may give for window-relative addr. */
static bool translation_is_valid(uint64_t addr, const SwiftTCEMapping *m)
{
    uint64_t shift, index, serial;

    if (m->addr_mask == ~0ULL) {
        /* outside the window, or disabled */
        return m->iova == 0 && m->translated_addr == 0 && m->perm == 0;
    }
    if (m->addr_mask != 0xfff && m->addr_mask != 0xffff) {
        return false;
    }
    shift = __builtin_ctzll(m->addr_mask + 1);
    index = addr >> shift;
    if (m->iova != index << shift) {
        return false;
    }
    if (m->perm == 0) {
        return m->translated_addr == 0;
    }
    serial = (m->translated_addr >> SERIAL_SHIFT) & 0xffff;
    return (m->translated_addr >> 32) == index &&
           (m->translated_addr & ((1ULL << SERIAL_SHIFT) - 1)) == 0 &&
           m->perm == (index + serial) % 3 + 1;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct ReaderResult {
    uint64_t translations, bad, bad_addr;
    SwiftTCEMapping bad_mapping;
} ReaderResult;

static void *reader(void *opaque)
{
    ReaderResult *res = opaque;
    uint64_t s = 0x9e3779b97f4a7c15ULL ^ (uintptr_t)opaque;

    if (host_rcu) {
        rcu_register_thread();
    }
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        SwiftTCETable *t;
        int i;

        if (host_rcu) {
            rcu_read_lock();
        }
        t = atomic_load(&published);
        for (i = 0; i < 256; i++) {
            /* Anywhere in the largest window (2^35 bytes), half near 0. */
            uint64_t addr = xorshift(&s) & ((1ULL << 35) - 1);
            SwiftTCEMapping m;

            if (i & 1) {
                addr &= (1ULL << 24) - 1;
            }
            /* Every way of asking: into memory, in two registers, inline. */
            if (i & 2) {
                swifttce_translate(t, addr, &m);
            } else if (i & 4) {
                m = swifttce_lookup_mapping(swifttce_lookup(t, addr), addr);
            } else {
                m = swifttce_lookup_mapping(swifttce_lookup_inline(t, addr),
                                            addr);
            }
            if (!translation_is_valid(addr, &m) && !res->bad++) {
                res->bad_addr = addr;
                res->bad_mapping = m;
            }
        }
        if (host_rcu) {
            rcu_read_unlock();
        }
        res->translations += 256;
    }
    if (host_rcu) {
        rcu_unregister_thread();
    }
    return NULL;
}

/* ---- The mutator ---------------------------------------------------------- */

static SwiftTCEHostOps stress_ops = { .size = sizeof(SwiftTCEHostOps) };

static void fill(SwiftTCETable *t, uint64_t *serial, unsigned n, uint64_t *s)
{
    uint32_t nb = swifttce_table_nb_table(t), shift;
    uint64_t bus = swifttce_table_bus_offset(t);
    unsigned i;

    if (!nb) {
        return;
    }
    shift = swifttce_table_page_shift(t);
    for (i = 0; i < n; i++) {
        uint64_t r = xorshift(s);
        /* Half of them where the readers look most. */
        uint64_t index = (r & 1 ? (r >> 8) % 4096 : (r >> 8)) % nb;
        uint64_t tce = r & 6 ? make_tce(index, ++*serial) : 0;

        g_assert_cmpint(swifttce_put_tce(t, bus + (index << shift), tce), ==,
                        SWIFTTCE_H_SUCCESS);
    }
}

static void enable(SwiftTCETable *t, unsigned w)
{
    swifttce_table_disable(t);
    g_assert_cmpint(swifttce_table_enable(t, windows[w].page_shift, BUS,
                                          windows[w].nb_table, NULL), ==, 0);
}

/* A stream of each flat window, its entries filled like the live ones. */
static GBytes *streams[2];

static void make_streams(uint64_t *serial, uint64_t *s)
{
    unsigned w;

    for (w = 0; w < G_N_ELEMENTS(streams); w++) {
        SwiftTCETable *t = swifttce_table_new(&stress_ops, NULL);
        size_t size;
        uint8_t *buf;

        enable(t, w);
        fill(t, serial, 2000, s);
        size = swifttce_table_vmstate_save(t, LIOBN, false, false, NULL, 0,
                                           NULL);
        buf = g_malloc(size);
        g_assert_cmpuint(swifttce_table_vmstate_save(t, LIOBN, false, false,
                                                     buf, size, NULL), ==,
                         size);
        streams[w] = g_bytes_new_take(buf, size);
        swifttce_table_free(t);
    }
}

/*
 * The array the published table's entries are in when they are the host's
 * (a KVM table's stand-in), unmapped as soon as the engine let go of it: a
 * read still in it would fault.
 */
static uint64_t *host_array;
static size_t host_array_len;

static uint64_t *host_array_new(uint32_t nb_table, uint64_t *serial,
                                uint64_t *s)
{
    size_t len = (size_t)nb_table * 8;
    uint64_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned i;

    g_assert_true(a != MAP_FAILED);
    /* What the kernel may hold already: entries of the readers' form. */
    for (i = 0; i < 64; i++) {
        uint64_t index = (xorshift(s) >> 8) % MIN(nb_table, 4096);

        a[index] = make_tce(index, ++*serial);
    }
    return a;
}

/* After a call that may have made the engine let go of the host's array. */
static void host_array_check(SwiftTCETable *t)
{
    if (host_array && swifttce_table_entries(t) != host_array) {
        g_assert_cmpint(munmap(host_array, host_array_len), ==, 0);
        host_array = NULL;
    }
}

/* The flat windows' tables go into the host's array or out of it. */
static void host_array_toggle(SwiftTCETable *t, unsigned w, uint64_t *serial,
                              uint64_t *s, bool enable)
{
    uint32_t nb;

    if (enable) {
        swifttce_table_disable(t);
        host_array_check(t);
        nb = windows[w].nb_table;
        host_array = host_array_new(nb, serial, s);
        host_array_len = (size_t)nb * 8;
        g_assert_cmpint(swifttce_table_enable_external(
                            t, windows[w].page_shift, BUS, nb, host_array,
                            NULL), ==, 0);
        return;
    }
    nb = swifttce_table_nb_table(t);
    if (host_array) {
        g_assert_cmpint(swifttce_table_set_storage(t, NULL, NULL), ==, 0);
    } else if (nb && nb <= windows[1].nb_table) {
        uint64_t *a = host_array_new(nb, serial, s);

        /* Every entry is written over, the array's own too. */
        g_assert_cmpint(swifttce_table_set_storage(t, a, NULL), ==, 0);
        host_array = a;
        host_array_len = (size_t)nb * 8;
    }
    host_array_check(t);
}

typedef struct Retired {
    struct rcu_head rcu;
    SwiftTCETable *t;
} Retired;

static void retired_free(struct rcu_head *head)
{
    Retired *r = container_of(head, Retired, rcu);

    swifttce_table_free(r->t);
    g_free(r);
}

/* A new table for the readers; the old one goes as the host frees tables. */
static void replace(unsigned w)
{
    SwiftTCETable *t = swifttce_table_new(&stress_ops, NULL);
    SwiftTCETable *old = atomic_load(&published);

    /* The old table may be freed late (RCU): its entries come home first. */
    if (host_array) {
        g_assert_cmpint(swifttce_table_set_storage(old, NULL, NULL), ==, 0);
        host_array_check(old);
    }

    enable(t, w);
    old = atomic_exchange(&published, t);
    if (host_rcu) {
        Retired *r = g_new(Retired, 1);

        r->t = old;
        call_rcu1(&r->rcu, retired_free);
    } else {
        swifttce_table_free(old);
    }
}

typedef struct Counts {
    unsigned long ops[9];
} Counts;

static void mutate(uint64_t *serial, uint64_t *s, Counts *c)
{
    SwiftTCETable *t = atomic_load(&published);
    uint64_t r = xorshift(s);
    unsigned op = (r >> 4) % 9, w = (r >> 12) % G_N_ELEMENTS(windows);
    GBytes *stream = streams[(r >> 20) % G_N_ELEMENTS(streams)];

    switch (op) {
    case 0:
        swifttce_table_disable(t);
        break;
    case 1:
        enable(t, w);
        break;
    case 2:
        swifttce_table_reset(t);
        break;
    case 3:
        g_assert_cmpint(swifttce_table_vmstate_load(
                            t, LIOBN, 3, g_bytes_get_data(stream, NULL),
                            g_bytes_get_size(stream), NULL, NULL, NULL, NULL),
                        ==, 0);
        break;
    case 4:
        replace(w);
        break;
    case 5:
        host_array_toggle(t, w % 2, serial, s, true);
        break;
    case 6:
        host_array_toggle(t, w, serial, s, false);
        break;
    default:
        fill(t, serial, 64, s);
    }
    host_array_check(atomic_load(&published));
    c->ops[op]++;
}

static void run(bool with_host_rcu, double seconds)
{
    pthread_t threads[READERS];
    ReaderResult res[READERS] = { 0 };
    uint64_t serial = 0, s = 0x243f6a8885a308d3ULL, total = 0;
    Counts c = { 0 };
    gint64 end;
    unsigned i;

    host_rcu = with_host_rcu;
    stress_ops.defer_free = with_host_rcu ? spapr_tce_defer_free : NULL;
    make_streams(&serial, &s);
    atomic_store(&published, swifttce_table_new(&stress_ops, NULL));
    enable(atomic_load(&published), 0);
    atomic_store(&stop, false);
    for (i = 0; i < READERS; i++) {
        g_assert_cmpint(pthread_create(&threads[i], NULL, reader, &res[i]), ==,
                        0);
    }
    end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
    while (g_get_monotonic_time() < end) {
        mutate(&serial, &s, &c);
    }
    atomic_store(&stop, true);
    for (i = 0; i < READERS; i++) {
        g_assert_cmpint(pthread_join(threads[i], NULL), ==, 0);
        if (res[i].bad) {
            g_error("reader %u: %" PRIu64 " bad translations; first at 0x%"
                    PRIx64 ": iova 0x%" PRIx64 " -> 0x%" PRIx64 " mask 0x%"
                    PRIx64 " perm %u", i, res[i].bad, res[i].bad_addr,
                    res[i].bad_mapping.iova, res[i].bad_mapping.translated_addr,
                    res[i].bad_mapping.addr_mask, res[i].bad_mapping.perm);
        }
        total += res[i].translations;
    }
    g_test_message("%s: %" PRIu64 " translations; disable %lu, enable %lu, "
                   "reset %lu, load %lu, replace %lu, host storage %lu, "
                   "moves %lu, writes %lu",
                   with_host_rcu ? "host RCU" : "own reclamation", total,
                   c.ops[0], c.ops[1], c.ops[2], c.ops[3], c.ops[4],
                   c.ops[5], c.ops[6], c.ops[7] + c.ops[8]);
    g_assert_cmpuint(total, >, 0);
    swifttce_table_free(atomic_load(&published));
    if (host_array) {
        g_assert_cmpint(munmap(host_array, host_array_len), ==, 0);
        host_array = NULL;
    }
    for (i = 0; i < G_N_ELEMENTS(streams); i++) {
        g_bytes_unref(streams[i]);
    }
    drain_call_rcu();
}

static double seconds_each(void)
{
    const char *env = getenv("SWIFTTCE_STRESS_SECONDS");

    return (env ? atof(env) : 2.0) / 2;
}

static void test_host_rcu(void)
{
    run(true, seconds_each());
}

static void test_own_reclamation(void)
{
    run(false, seconds_each());
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/stress/host-rcu", test_host_rcu);
    g_test_add_func("/host/stress/own-reclamation", test_own_reclamation);
    return g_test_run();
}
