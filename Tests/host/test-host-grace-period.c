/*
 * The engine's own grace periods (a table with no defer_free), held to what
 * host.h promises: a call that lets storage go returns only once no read
 * that began before it is still in that storage.
 *
 * A reader is stopped inside a read, for as long as the test likes: its
 * table's entries are the host's array (swifttce_table_enable_external, whose
 * reads are always announced), made unreadable; the load faults, and the
 * fault handler holds the reader until the test lets it go. Meanwhile a
 * writer disables that table, resets a tree (whose emptied nodes are freed
 * through the grace period) or moves a table's entries. Each must still be
 * in its call when the test releases the reader; one that returned before
 * did not wait for the grace period. SWIFTTCE_TEST_GRACE_PERIOD=lie makes
 * the engine's grace periods wait for no one, and these tests must fail
 * then (Tests/host/grace-period-switch.sh checks that they do).
 *
 * Also: what a table does after its window went when the switch makes the
 * grace periods unavailable ("fence": no membarrier, no mprotect; "fail": a
 * barrier that fails): a window of another shape comes, without the old
 * one's entries, or a clear refusal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <swifttce/host.h>

/* How long a writer gets to show it does not wait (it should wait forever). */
#define GP_WRITER_MS 250

static size_t gp_page_size;
/* The stopped reader's table's entries: one page, PROT_NONE while stopped. */
static uint64_t *gp_entries;
static __thread bool gp_is_reader;
static atomic_bool gp_stopped, gp_released;

/* The reader's fault in the host's array: held until the test releases it. */
static void gp_on_fault(int sig, siginfo_t *info, void *context)
{
    char *addr = info->si_addr;
    int saved = errno;

    (void)context;
    if (!gp_is_reader || addr < (char *)gp_entries ||
        addr >= (char *)gp_entries + gp_page_size) {
        /* Not ours: the default action, when the access faults again. */
        signal(sig, SIG_DFL);
        return;
    }
    atomic_store(&gp_stopped, true);
    while (!atomic_load(&gp_released)) {
        struct timespec ms = { 0, 1000000 };

        nanosleep(&ms, NULL);
    }
    mprotect(gp_entries, gp_page_size, PROT_READ | PROT_WRITE);
    errno = saved;
}

static void gp_record_error(void *host_errp, const char *msg)
{
    if (host_errp) {
        *(char **)host_errp = g_strdup(msg);
    }
}

static const SwiftTCEHostOps gp_ops = {
    .size = sizeof(SwiftTCEHostOps),
    .set_error = gp_record_error,
};

static const char *gp_switch(void)
{
    const char *s = getenv("SWIFTTCE_TEST_GRACE_PERIOD");

    return s ? s : "";
}

/* ---- A reader stopped inside a read, and a writer beside it ------------ */

typedef struct Stopped {
    SwiftTCETable *t;         /* the reader's table, over gp_entries */
    SwiftTCELookup seen;      /* what the reader's lookup answered */
} Stopped;

static void *gp_reader(void *arg)
{
    Stopped *s = arg;

    gp_is_reader = true;
    s->seen = swifttce_lookup(s->t, 5 << 12);
    return NULL;
}

typedef struct Writer {
    void (*call)(void *arg);
    void *arg;
    atomic_bool done;
    /* The call returned while the reader was still stopped in its read. */
    atomic_bool returned_while_reading;
} Writer;

static void *gp_writer(void *arg)
{
    Writer *w = arg;

    w->call(w->arg);
    atomic_store(&w->returned_while_reading, !atomic_load(&gp_released));
    atomic_store(&w->done, true);
    return NULL;
}

/*
 * Stops a reader in a read of its table (entry 5 mapped), runs call(arg) on
 * another thread (arg NULL: the reader's table), and lets the reader go after GP_WRITER_MS or once the call
 * returned. Fails if the call returned before that, or if the reader did not
 * read the entry as it was.
 */
static void gp_with_stopped_reader(void (*call)(void *arg), void *arg)
{
    struct sigaction act = { .sa_sigaction = gp_on_fault,
                             .sa_flags = SA_SIGINFO }, old;
    Stopped s;
    Writer w = { .call = call };
    pthread_t reader, writer;
    gint64 deadline;

    gp_page_size = (size_t)sysconf(_SC_PAGESIZE);
    gp_entries = mmap(NULL, gp_page_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(gp_entries != MAP_FAILED);
    s.t = swifttce_table_new(&gp_ops, NULL);
    g_assert_nonnull(s.t);
    w.arg = arg ? arg : s.t;
    g_assert_cmpint(swifttce_table_enable_external(s.t, 12, 0, 512, gp_entries,
                                                   NULL), ==, 0);
    g_assert_cmpint(swifttce_put_tce(s.t, 5 << 12, 0x9000 | 3), ==,
                    SWIFTTCE_H_SUCCESS);
    atomic_store(&gp_stopped, false);
    atomic_store(&gp_released, false);
    sigemptyset(&act.sa_mask);
    g_assert_cmpint(sigaction(SIGSEGV, &act, &old), ==, 0);
    g_assert_cmpint(mprotect(gp_entries, gp_page_size, PROT_NONE), ==, 0);

    g_assert_cmpint(pthread_create(&reader, NULL, gp_reader, &s), ==, 0);
    deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!atomic_load(&gp_stopped)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
    g_assert_cmpint(pthread_create(&writer, NULL, gp_writer, &w), ==, 0);
    deadline = g_get_monotonic_time() + GP_WRITER_MS * 1000;
    while (!atomic_load(&w.done) && g_get_monotonic_time() < deadline) {
        g_usleep(1000);
    }
    atomic_store(&gp_released, true);
    pthread_join(reader, NULL);
    pthread_join(writer, NULL);
    g_assert_cmpint(sigaction(SIGSEGV, &old, NULL), ==, 0);

    g_assert_false(atomic_load(&w.returned_while_reading));
    g_assert_cmphex(s.seen.tce, ==, 0x9000 | 3);
    g_assert_cmphex(s.seen.page_mask, ==, ~UINT64_C(0xfff));

    swifttce_table_free(s.t);
    g_assert_cmpint(munmap(gp_entries, gp_page_size), ==, 0);
    gp_entries = NULL;
}

/* The writers. */

static void gp_disable(void *arg)
{
    swifttce_table_disable(arg);
}

static void gp_reset(void *arg)
{
    swifttce_table_reset(arg);
}

static void gp_to_own_storage(void *arg)
{
    g_assert_cmpint(swifttce_table_set_storage(arg, NULL, NULL), ==, 0);
}

/* Disabling the stopped reader's own table waits for its read. */
static void test_disable_waits(void)
{
    gp_with_stopped_reader(gp_disable, NULL);
}

/*
 * A reset of a tree unlinks its emptied leaf and frees it through the grace
 * period: that waits for a read of any table.
 */
static void test_reclaim_waits(void)
{
    SwiftTCETable *tree = swifttce_table_new(&gp_ops, NULL);
    size_t before;

    g_assert_nonnull(tree);
    g_assert_cmpint(swifttce_table_enable(tree, 12, 0, (1u << 22) + 1, NULL),
                    ==, 0);
    before = swifttce_table_storage_bytes(tree);
    g_assert_cmpint(swifttce_put_tce(tree, 0x123ull << 12, 0x5000 | 1), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmpuint(swifttce_table_storage_bytes(tree), >, before);
    gp_with_stopped_reader(gp_reset, tree);
    /* The reset did give the leaf back (so it had something to free). */
    g_assert_cmpuint(swifttce_table_storage_bytes(tree), ==, before);
    swifttce_table_free(tree);
}

/* Moving a table's entries lets the old storage go after the grace period. */
static void test_set_storage_waits(void)
{
    SwiftTCETable *t = swifttce_table_new(&gp_ops, NULL);
    uint64_t *host = g_new0(uint64_t, 1024);

    g_assert_nonnull(t);
    g_assert_cmpint(swifttce_table_enable_external(t, 12, 0, 1024, host, NULL),
                    ==, 0);
    g_assert_cmpint(swifttce_put_tce(t, 7 << 12, 0x7000 | 2), ==,
                    SWIFTTCE_H_SUCCESS);
    gp_with_stopped_reader(gp_to_own_storage, t);
    g_assert_null(swifttce_table_entries(t));
    g_assert_cmphex(swifttce_lookup(t, 7 << 12).tce, ==, 0x7000 | 2);
    swifttce_table_free(t);
    g_free(host);
}

/* ---- Windows after a window, whatever the grace periods ---------------- */

/* Every entry of t's window below n reads 0 (no entry of an old window). */
static void gp_assert_empty(SwiftTCETable *t, uint64_t n)
{
    uint32_t shift = swifttce_table_page_shift(t);

    for (uint64_t i = 0; i < n; i++) {
        SwiftTCELookup l = swifttce_lookup_inline(t, i << shift);
        uint64_t tce = ~0ull;

        g_assert_cmphex(l.tce, ==, 0);
        g_assert_cmphex(l.page_mask, ==, ~UINT64_C(0) << shift);
        g_assert_cmpint(swifttce_get_tce(t, swifttce_table_bus_offset(t) +
                                            (i << shift), &tce),
                        ==, SWIFTTCE_H_SUCCESS);
        g_assert_cmphex(tce, ==, 0);
    }
}

static void gp_map(SwiftTCETable *t, uint64_t n)
{
    uint32_t shift = swifttce_table_page_shift(t);
    uint64_t bus = swifttce_table_bus_offset(t);

    for (uint64_t i = 0; i < n; i++) {
        g_assert_cmpint(swifttce_put_tce(t, bus + (i << shift),
                                         (i + 1) << 24 | 3), ==,
                        SWIFTTCE_H_SUCCESS);
    }
}

/*
 * A table re-enabled with another shape, flat and tree, after a window that
 * had entries. With grace periods (membarrier, mprotect, or reads that
 * fence themselves), each new window comes empty. With a barrier that
 * fails, the old window's storage cannot be let go: the next enable says so,
 * and the table stays disabled, showing nothing of the old window.
 */
static void test_reenable(void)
{
    static const struct { uint32_t shift; uint64_t bus; uint32_t nb; } shapes[] = {
        { 12, 0, 1024 }, { 16, 1ull << 32, 4096 }, { 12, 0, (1u << 22) + 7 },
        { 21, 0x80000000ull, 512 }, { 12, 0, 1024 },
    };
    bool failing = strcmp(gp_switch(), "fail") == 0;
    SwiftTCETable *t = swifttce_table_new(&gp_ops, NULL);
    char *err = NULL;

    g_assert_nonnull(t);
    for (unsigned k = 0; k < G_N_ELEMENTS(shapes); k++) {
        int ret = swifttce_table_enable(t, shapes[k].shift, shapes[k].bus,
                                        shapes[k].nb, &err);

        if (failing && k > 0) {
            g_assert_cmpint(ret, ==, -ENOTSUP);
            g_assert_nonnull(strstr(err, "could not be let go"));
            g_clear_pointer(&err, g_free);
            g_assert_cmpuint(swifttce_table_nb_table(t), ==, 0);
            g_assert_cmphex(swifttce_lookup(t, 0).page_mask, ==, 0);
            g_assert_cmphex(swifttce_lookup_inline(t, 0).page_mask, ==, 0);
            continue;
        }
        g_assert_cmpint(ret, ==, 0);
        g_assert_null(err);
        gp_assert_empty(t, 64);
        gp_map(t, 64);
        swifttce_table_disable(t);
        g_assert_cmphex(swifttce_lookup(t, 0).page_mask, ==, 0);
    }
    swifttce_table_free(t);
}

/* The host's array needs grace periods: refused, with a message, without. */
static void test_external_needs_grace(void)
{
    bool failing = strcmp(gp_switch(), "fail") == 0;
    SwiftTCETable *t = swifttce_table_new(&gp_ops, NULL);
    uint64_t *host = g_new0(uint64_t, 64);
    char *err = NULL;
    int ret = swifttce_table_enable_external(t, 12, 0, 64, host, &err);

    if (failing) {
        g_assert_cmpint(ret, ==, -ENOTSUP);
        g_assert_nonnull(strstr(err, "no grace period"));
        g_free(err);
    } else {
        g_assert_cmpint(ret, ==, 0);
        g_assert_null(err);
    }
    swifttce_table_free(t);
    g_free(host);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/grace-period/reenable", test_reenable);
    g_test_add_func("/host/grace-period/external", test_external_needs_grace);
    if (strcmp(gp_switch(), "fail") != 0) {
        /* Grace periods to wait for: the host's array among them. */
        g_test_add_func("/host/grace-period/disable-waits", test_disable_waits);
        g_test_add_func("/host/grace-period/reclaim-waits", test_reclaim_waits);
        g_test_add_func("/host/grace-period/set-storage-waits",
                        test_set_storage_waits);
    }
    return g_test_run();
}
