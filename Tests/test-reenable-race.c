/*
 * One table re-enabled over and over, each time with another page shift and
 * bus offset (and now and then as a tree), while readers translate through
 * it: every answer must belong to one window. Each entry's TCE encodes the
 * window it was written for (its geometry's number and a generation) and its
 * index, so an answer that read one window's entry with another window's
 * page mask, or at another window's index, is caught.
 *
 * Readers and the writer share one CPU, so that the scheduler stops readers
 * at any instruction, between translate's two looks at the window too, and
 * the writer runs whole re-enables meanwhile: the window a racing read
 * straddles is the one a missing re-check would let through. Both ways in
 * are checked: the standalone library's translate (spapr_tce_iommu_ops), and
 * host.h's swifttce_lookup_inline, swifttce_lookup and swifttce_translate.
 */
#define _GNU_SOURCE
#include <glib.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <swifttce.h>
#include <swifttce/host.h>

/* The window's shapes; the writer takes them in turn, skipping now and then. */
typedef struct Shape {
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;
} Shape;

static const Shape shapes[] = {
    { 12, 0, 4096 },
    { 16, 0x80000000ull, 2048 },
    { 21, 1ull << 32, 1024 },
    { 24, 3ull << 32, 512 },
    /* A tree: its reads are announced, never the fast path's. */
    { 13, 1ull << 40, (1u << 22) + 512 },
};
#define NSHAPES G_N_ELEMENTS(shapes)

/* Entries written in each window: indexes 0 .. RR_MAPPED - 1. */
#define RR_MAPPED 256
#define RR_READERS 2
#define RR_SECONDS 1.5

/*
 * A TCE of window shape k, generation gen, for index: everything the
 * answer keeps sits at bit 24 and up (the largest page shift here), so
 * translated_addr carries it whole; perm is read/write.
 */
static uint64_t rr_tce(unsigned k, uint64_t gen, uint64_t index)
{
    return (gen & 0xffff) << 48 | (uint64_t)k << 44 | index << 24 | 3;
}

/*
 * Whether a translation of addr is an answer of one window: unmapped
 * (outside every window, or disabled), an empty entry of a window of ours,
 * or an entry rr_tce wrote for addr's index in a window of that shape.
 * Explains a wrong one in why.
 */
static bool rr_answer_ok(uint64_t addr, const SwiftTCEMapping *m,
                         char *why, size_t len)
{
    unsigned k, i;
    uint64_t index;

    if (m->addr_mask == UINT64_MAX) {
        if (m->iova == 0 && m->translated_addr == 0 && m->perm == 0) {
            return true;
        }
        snprintf(why, len, "an unmapped answer with iova, address or perm");
        return false;
    }
    for (i = 0; i < NSHAPES; i++) {
        if (m->addr_mask == (1ull << shapes[i].page_shift) - 1) {
            break;
        }
    }
    if (i == NSHAPES || m->iova != (addr & ~m->addr_mask)) {
        snprintf(why, len, "no window has that page mask and iova");
        return false;
    }
    if (m->perm == 0) {
        if (m->translated_addr == 0) {
            return true;
        }
        snprintf(why, len, "an empty entry with an address");
        return false;
    }
    k = (m->translated_addr >> 44) & 0xf;
    index = (m->translated_addr >> 24) & 0xfffff;
    if (m->perm != 3 || k >= NSHAPES ||
        m->translated_addr & ((1ull << 24) - 1)) {
        snprintf(why, len, "not a TCE the writer wrote");
        return false;
    }
    if (shapes[k].page_shift != shapes[i].page_shift) {
        snprintf(why, len, "window %u's entry (page shift %u) with page "
                 "shift %u's mask", k, shapes[k].page_shift,
                 shapes[i].page_shift);
        return false;
    }
    if (index != addr >> shapes[k].page_shift) {
        snprintf(why, len, "entry %" PRIu64 " answered for index %" PRIu64,
                 index, addr >> shapes[k].page_shift);
        return false;
    }
    return true;
}

/* ---- The two ways of reading ------------------------------------------ */

typedef enum { RR_STANDALONE, RR_HOST } RaceKind;

typedef struct Race {
    RaceKind kind;
    SpaprTceTable *tcet;         /* RR_STANDALONE */
    IOMMUMemoryRegion *mr;
    SwiftTCETable *t;            /* RR_HOST */
    atomic_bool stop;
    atomic_ulong reads, mapped, bad;
    atomic_uint mapped_shapes;   /* bit k: an entry of shape k was answered */
    atomic_flag bad_kept;
    char bad_what[256];
} Race;

#define RR_LIOBN 0x8000cafe

static void rr_report(Race *r, uint64_t addr, const SwiftTCEMapping *m,
                      const char *via, const char *why)
{
    atomic_fetch_add(&r->bad, 1);
    if (!atomic_flag_test_and_set(&r->bad_kept)) {
        snprintf(r->bad_what, sizeof(r->bad_what),
                 "%s(0x%" PRIx64 ") = iova 0x%" PRIx64 " -> 0x%" PRIx64
                 " mask 0x%" PRIx64 " perm %u: %s", via, addr, m->iova,
                 m->translated_addr, m->addr_mask, m->perm, why);
    }
}

/* One translation of addr, by the way the reader's turn picks. */
static void rr_read(Race *r, uint64_t addr, unsigned turn)
{
    SwiftTCEMapping m;
    const char *via;
    char why[160];

    if (r->kind == RR_STANDALONE) {
        IOMMUTLBEntry e = spapr_tce_iommu_ops.translate(r->mr, addr,
                                                        IOMMU_NONE, 0);

        m = (SwiftTCEMapping){ e.iova, e.translated_addr, e.addr_mask,
                               e.perm };
        via = "translate";
    } else if (turn % 3 == 0) {
        m = swifttce_lookup_mapping(swifttce_lookup_inline(r->t, addr), addr);
        via = "swifttce_lookup_inline";
    } else if (turn % 3 == 1) {
        m = swifttce_lookup_mapping(swifttce_lookup(r->t, addr), addr);
        via = "swifttce_lookup";
    } else {
        swifttce_translate(r->t, addr, &m);
        via = "swifttce_translate";
    }
    if (!rr_answer_ok(addr, &m, why, sizeof(why))) {
        rr_report(r, addr, &m, via, why);
    } else if (m.perm) {
        atomic_fetch_add_explicit(&r->mapped, 1, memory_order_relaxed);
        atomic_fetch_or_explicit(&r->mapped_shapes,
                                 1u << ((m.translated_addr >> 44) & 0xf),
                                 memory_order_relaxed);
    }
}

static uint64_t rr_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Translates addresses of every shape's mapped and unmapped indexes. */
static void *rr_reader(void *arg)
{
    Race *r = arg;
    uint64_t s = 0x9e3779b97f4a7c15ull ^ (uintptr_t)&s;
    unsigned long n = 0;

    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        uint64_t x = rr_next(&s);
        uint64_t addr;

        if (x & 7) {
            /* Below the mapped entries of every window, whatever its page
             * size: a read that straddles a re-enable finds an entry. */
            addr = (x >> 8) % (RR_MAPPED << 12);
        } else {
            /* Anywhere in any window, past its mapped entries too. */
            const Shape *shape = &shapes[(x >> 3) % NSHAPES];
            uint64_t index = (x >> 8) % shape->nb_table;

            addr = index << shape->page_shift |
                   ((x >> 32) & ((1ull << shape->page_shift) - 1));
        }
        rr_read(r, addr, (unsigned)(x >> 60));
        n++;
    }
    atomic_fetch_add(&r->reads, n);
    return NULL;
}

/* ---- The writer --------------------------------------------------------- */

static void rr_disable(Race *r)
{
    if (r->kind == RR_STANDALONE) {
        spapr_tce_table_disable(r->tcet);
    } else {
        swifttce_table_disable(r->t);
    }
}

static void rr_enable(Race *r, const Shape *shape)
{
    int ret;

    if (r->kind == RR_STANDALONE) {
        Error *err = NULL;

        ret = spapr_tce_table_enable(r->tcet, shape->page_shift,
                                     shape->bus_offset, shape->nb_table, &err);
        g_assert_null(err);
    } else {
        ret = swifttce_table_enable(r->t, shape->page_shift, shape->bus_offset,
                                    shape->nb_table, NULL);
    }
    g_assert_cmpint(ret, ==, 0);
}

static void rr_put(Race *r, const Shape *shape, uint64_t index, uint64_t tce)
{
    uint64_t ioba = shape->bus_offset + (index << shape->page_shift);
    int64_t ret;

    if (r->kind == RR_STANDALONE) {
        ret = spapr_h_put_tce(RR_LIOBN, ioba, tce);
    } else {
        ret = swifttce_put_tce(r->t, ioba, tce);
    }
    g_assert_cmpint(ret, ==, H_SUCCESS);
}

/* All threads on the CPU this one runs on now. */
static void rr_one_cpu(pthread_attr_t *attr)
{
    cpu_set_t one;
    int cpu = sched_getcpu();

    g_assert_cmpint(cpu, >=, 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    g_assert_cmpint(pthread_setaffinity_np(pthread_self(), sizeof(one), &one),
                    ==, 0);
    pthread_attr_init(attr);
    g_assert_cmpint(pthread_attr_setaffinity_np(attr, sizeof(one), &one), ==, 0);
}

static void rr_run(Race *r)
{
    pthread_t readers[RR_READERS];
    pthread_attr_t attr;
    cpu_set_t before;
    GTimer *timer = g_timer_new();
    uint64_t gen = 0, s = 0x2545f4914f6cdd1dull;
    unsigned long cycles = 0;
    unsigned k = 0;

    g_assert_cmpint(pthread_getaffinity_np(pthread_self(), sizeof(before),
                                           &before), ==, 0);
    rr_one_cpu(&attr);
    for (unsigned i = 0; i < RR_READERS; i++) {
        g_assert_cmpint(pthread_create(&readers[i], &attr, rr_reader, r), ==, 0);
    }
    while (g_timer_elapsed(timer, NULL) < RR_SECONDS) {
        const Shape *shape;

        /* Another shape each time: the next, or one further. */
        k = (k + 1 + (rr_next(&s) & 1)) % NSHAPES;
        shape = &shapes[k];
        gen++;
        rr_disable(r);
        rr_enable(r, shape);
        for (uint64_t i = 0; i < RR_MAPPED; i++) {
            rr_put(r, shape, i, rr_tce(k, gen, i));
        }
        cycles++;
        /*
         * Its wake-up stops a reader wherever it is, as often as possible:
         * the next re-enable then runs in the middle of that read.
         */
        g_usleep(20);
    }
    atomic_store(&r->stop, true);
    for (unsigned i = 0; i < RR_READERS; i++) {
        pthread_join(readers[i], NULL);
    }
    pthread_attr_destroy(&attr);
    g_assert_cmpint(pthread_setaffinity_np(pthread_self(), sizeof(before),
                                           &before), ==, 0);
    g_timer_destroy(timer);

    g_test_message("%lu re-enables, %lu reads, %lu mapped answers, %lu bad",
                   cycles, atomic_load(&r->reads), atomic_load(&r->mapped),
                   atomic_load(&r->bad));
    if (atomic_load(&r->bad)) {
        g_test_message("first bad answer: %s", r->bad_what);
    }
    g_assert_cmpuint(atomic_load(&r->bad), ==, 0);
    /* Not a test of nothing: windows came and went, and readers saw them. */
    g_assert_cmpuint(cycles, >=, 20);
    g_assert_cmpuint(atomic_load(&r->mapped_shapes), ==, (1u << NSHAPES) - 1);
}

static void test_standalone(void)
{
    Race r = { .kind = RR_STANDALONE, .bad_kept = ATOMIC_FLAG_INIT };
    Error *err = NULL;

    r.tcet = spapr_tce_new_table(NULL, RR_LIOBN, &err);
    g_assert_null(err);
    g_assert_nonnull(r.tcet);
    r.mr = spapr_tce_get_iommu_mr(r.tcet);
    rr_run(&r);
    spapr_tce_table_free(r.tcet);
}

static void test_host(void)
{
    static const SwiftTCEHostOps ops = { .size = sizeof(SwiftTCEHostOps) };
    Race r = { .kind = RR_HOST, .bad_kept = ATOMIC_FLAG_INIT };

    r.t = swifttce_table_new(&ops, NULL);
    g_assert_nonnull(r.t);
    rr_run(&r);
    swifttce_table_free(r.t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reenable-race/standalone", test_standalone);
    g_test_add_func("/reenable-race/host", test_host);
    return g_test_run();
}
