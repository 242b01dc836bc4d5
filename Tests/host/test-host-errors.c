/*
 * host.h's error contract, case by case, as a new host meets it: a call
 * that takes a host_errp and fails hands set_error a message, except where
 * host.h says it cannot (no table, hence no hooks, to report through); and
 * the edge cases host.h documents do what it says.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include <swifttce/host.h>

/* What set_error was given: every message, and the host_errp of the last. */
typedef struct Errors {
    unsigned count;
    char last[512];
    void *last_errp;
    const char *reporter;   /* which table's hooks reported (its host_table) */
} Errors;

static Errors errors;

static void record_error(void *host_errp, const char *msg)
{
    errors.count++;
    errors.last_errp = host_errp;
    g_strlcpy(errors.last, msg, sizeof(errors.last));
}

/* The guest argument read_guest was last given. */
static void *read_guest_got = (void *)1;

static bool read_guest(void *guest, uint64_t gpa, void *buf, size_t len)
{
    read_guest_got = guest;
    memset(buf, 0, len);
    return true;
}

static unsigned notified;

static void count_notify(void *host_table, const SwiftTCEMapping *m)
{
    notified++;
}

static const SwiftTCEHostOps ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = count_notify,
    .read_guest = read_guest,
    .set_error = record_error,
};

/* Another table's hooks, reporting somewhere the test can tell apart. */
static Errors other_errors;

static void record_other_error(void *host_errp, const char *msg)
{
    other_errors.count++;
    g_strlcpy(other_errors.last, msg, sizeof(other_errors.last));
}

static const SwiftTCEHostOps other_ops = {
    .size = sizeof(SwiftTCEHostOps),
    .set_error = record_other_error,
};

static SwiftTCETable *new_table(void)
{
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);

    g_assert_nonnull(t);
    return t;
}

/* The call failed with status want and a message holding says. */
static void assert_message(long ret, long want, const char *says)
{
    g_assert_cmpint(ret, ==, want);
    g_assert_cmpuint(errors.count, ==, 1);
    g_test_message("%s", errors.last);
    g_assert_nonnull(strstr(errors.last, says));
    memset(&errors, 0, sizeof(errors));
}

/* The call failed with status want and no message (host.h says why). */
static void assert_silent(long ret, long want)
{
    g_assert_cmpint(ret, ==, want);
    g_assert_cmpuint(errors.count, ==, 0);
}

/* ---- NULL handles: no hooks to report through ----------------------------- */

static void test_null_table(void)
{
    int sentinel;
    uint64_t entries[4];
    uint8_t buf[64];
    bool bypass, def_win;
    SwiftTCELoadResult r;

    memset(&errors, 0, sizeof(errors));
    assert_silent(swifttce_table_enable(NULL, 12, 0, 16, &sentinel), -EINVAL);
    assert_silent(swifttce_table_enable_external(NULL, 12, 0, 4, entries,
                                                 &sentinel), -EINVAL);
    assert_silent(swifttce_table_set_storage(NULL, entries, &sentinel), -EINVAL);
    assert_silent(swifttce_table_vmstate_load(NULL, 1, 3, buf, sizeof(buf),
                                              &bypass, &def_win, &r, &sentinel),
                  -EINVAL);
    assert_silent((long)swifttce_table_vmstate_save(NULL, 1, false, false, buf,
                                                    sizeof(buf), &sentinel), 0);
    g_assert_null(swifttce_load_new(NULL, 4, &sentinel));
    g_assert_cmpuint(errors.count, ==, 0);
    assert_silent(swifttce_load_entries(NULL, 0, entries, 4, &sentinel), -EINVAL);
    assert_silent(swifttce_load_commit(NULL, 12, 0, &r, &sentinel), -EINVAL);
}

/* set_error gets the host_errp the call got, NULL as well. */
static void test_null_host_errp(void)
{
    SwiftTCETable *t = new_table();

    memset(&errors, 0, sizeof(errors));
    errors.last_errp = &errors;
    g_assert_cmpint(swifttce_table_enable(t, 0, 0, 16, NULL), ==, -EINVAL);
    g_assert_cmpuint(errors.count, ==, 1);
    g_assert_null(errors.last_errp);
    g_assert_nonnull(strstr(errors.last, "page_shift 0"));
    swifttce_table_free(t);
}

/* ---- Tables ----------------------------------------------------------------- */

/*
 * A bus offset need not be page aligned: QEMU does not check it either, and
 * the hypercalls mask ioba to the page before taking it off, as QEMU's do.
 */
static void test_unaligned_bus_offset(void)
{
    SwiftTCETable *t = new_table();
    uint64_t tce = 0;

    g_assert_cmpint(swifttce_table_enable(t, 12, 0x800, 16, NULL), ==, 0);
    /* ioba 0x1800 masks to 0x1000, minus 0x800: index 0. */
    g_assert_cmpint(swifttce_put_tce(t, 0x1800, 0x9000 | 3), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(swifttce_lookup(t, 0).tce, ==, 0x9000 | 3);
    g_assert_cmpint(swifttce_get_tce(t, 0x1fff, &tce), ==, SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x9000 | 3);
    /* ioba 0x800 masks to 0: below the window (it wraps), H_PARAMETER. */
    g_assert_cmpint(swifttce_put_tce(t, 0x800, 0x9000 | 3), ==,
                    SWIFTTCE_H_PARAMETER);
    swifttce_table_free(t);
}

/* Notification is on after swifttce_table_new, as host.h and README say. */
static void test_notify_default(void)
{
    SwiftTCETable *t = new_table();

    notified = 0;
    g_assert_cmpint(swifttce_table_enable(t, 12, 0, 16, NULL), ==, 0);
    g_assert_cmpint(swifttce_put_tce(t, 0x1000, 0x9000 | 3), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmpuint(notified, ==, 1);
    swifttce_table_set_notify(t, false);
    g_assert_cmpint(swifttce_put_tce(t, 0x1000, 0), ==, SWIFTTCE_H_SUCCESS);
    g_assert_cmpuint(notified, ==, 1);
    swifttce_table_free(t);
}

/* The guest is the host's: read_guest gets it as it is, NULL as well. */
static void test_null_guest(void)
{
    SwiftTCETable *t = new_table();

    g_assert_cmpint(swifttce_table_enable(t, 12, 0, 16, NULL), ==, 0);
    g_assert_cmpint(swifttce_put_tce_indirect(t, 0, 0x4000, 2, NULL), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_null(read_guest_got);
    swifttce_table_free(t);
}

/* ---- Migration ----------------------------------------------------------- */

static void store_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (24 - 8 * i);
    }
}

/* vmstate_save: 0 for NULL (no message), and for a small buffer (one). */
static void test_save_too_small(void)
{
    SwiftTCETable *t = new_table();
    uint8_t buf[64];
    size_t need;

    g_assert_cmpint(swifttce_table_enable(t, 12, 0, 16, NULL), ==, 0);
    need = swifttce_table_vmstate_save(t, 1, false, false, NULL, 0, NULL);
    g_assert_cmpuint(need, ==, 9 + 16 * 8 + 1);
    memset(&errors, 0, sizeof(errors));
    assert_message((long)swifttce_table_vmstate_save(t, 1, false, false, buf,
                                                     sizeof(buf), &errors),
                   0, "needs 138");
    swifttce_table_free(t);
}

/*
 * A body without the subsection loads with the table's own geometry: a
 * table never enabled has none (page_shift 0), and the message says what
 * to do. Bytes after def_win that are not the subsection are named as such.
 */
static void test_load_messages(void)
{
    SwiftTCETable *t = new_table();
    uint8_t body[9 + 2 * 8 + 1 + 8] = { 0 };
    SwiftTCELoad *l;
    uint64_t entries[2] = { 0x9000 | 3, 0 };

    store_be32(body, 7);         /* liobn */
    store_be32(body + 4, 2);     /* mig_nb_table */
    memset(&errors, 0, sizeof(errors));
    assert_message(swifttce_table_vmstate_load(t, 7, 3, body, 9 + 16 + 1, NULL,
                                               NULL, NULL, &errors),
                   -EINVAL, "disabled table has no geometry");
    l = swifttce_load_new(t, 2, &errors);
    g_assert_cmpint(swifttce_load_entries(l, 0, entries, 2, &errors), ==, 0);
    assert_message(swifttce_load_commit(l, 0, 0, NULL, &errors), -EINVAL,
                   "disabled table has no geometry");

    g_assert_cmpint(swifttce_table_enable(t, 12, 0, 2, NULL), ==, 0);
    assert_message(swifttce_table_vmstate_load(t, 7, 3, body, sizeof(body),
                                               NULL, NULL, NULL, &errors),
                   -EINVAL, "8 bytes after the section's last field");
    g_assert_cmpint(swifttce_table_vmstate_load(t, 7, 3, body, 9 + 16 + 1,
                                                NULL, NULL, NULL, &errors), ==, 0);
    swifttce_table_free(t);
}

/* ---- A PHB --------------------------------------------------------------- */

typedef struct Phb {
    SwiftTCETable *tables[SWIFTTCE_PHB_MAX_WINDOWS];
    uint32_t last_nb_table;
    int last_enable;
} Phb;

static void phb_enable(void *host_phb, unsigned n, uint32_t page_shift,
                       uint64_t bus_offset, uint32_t nb_table, bool creating)
{
    Phb *h = host_phb;

    h->last_nb_table = nb_table;
    h->last_enable = swifttce_table_enable(h->tables[n], page_shift, bus_offset,
                                           nb_table, NULL);
}

static void phb_disable(void *host_phb, unsigned n)
{
    Phb *h = host_phb;

    swifttce_table_disable(h->tables[n]);
}

static const SwiftTCEPhbOps phb_ops = {
    .size = sizeof(SwiftTCEPhbOps),
    .enable_window = phb_enable,
    .disable_window = phb_disable,
};

static const SwiftTCEPhbConfig phb_cfg = {
    .dma_liobn = { 0x80000000, 0x80000001 },
    .dma_win_size = 1u << 30,
    .dma64_win_addr = 1ull << 59,
    .pgsz = 1u << 12 | 1u << 16,
    .ddw = true,
};

/*
 * swifttce_phb_new reports through the set_error of the first table it is
 * given; with no table at all it has none to report through.
 */
static void test_phb_new(void)
{
    SwiftTCETable *a = new_table();
    SwiftTCETable *b = swifttce_table_new(&other_ops, NULL);
    SwiftTCETable *both[2] = { a, b }, *same[2] = { a, a }, *second[2] = { NULL, b };
    SwiftTCEPhb *phb;

    memset(&errors, 0, sizeof(errors));
    memset(&other_errors, 0, sizeof(other_errors));
    g_assert_null(swifttce_phb_new(&phb_cfg, &phb_ops, NULL, NULL, 2, &errors));
    g_assert_cmpuint(errors.count + other_errors.count, ==, 0);

    g_assert_null(swifttce_phb_new(NULL, &phb_ops, NULL, both, 2, &errors));
    assert_message(0, 0, "NULL configuration");
    g_assert_cmpuint(other_errors.count, ==, 0);

    /* Window 0 missing: window 1's table reports. */
    g_assert_null(swifttce_phb_new(&phb_cfg, &phb_ops, NULL, second, 2, &errors));
    g_assert_cmpuint(errors.count, ==, 0);
    g_assert_cmpuint(other_errors.count, ==, 1);
    g_assert_nonnull(strstr(other_errors.last, "window 0 has no table"));

    g_assert_null(swifttce_phb_new(&phb_cfg, &phb_ops, NULL, same, 2, &errors));
    assert_message(0, 0, "one table");
    g_assert_null(swifttce_phb_new(&phb_cfg, &phb_ops, NULL, both, 5, &errors));
    assert_message(0, 0, "not 5");

    phb = swifttce_phb_new(&phb_cfg, &phb_ops, NULL, both, 2, &errors);
    g_assert_nonnull(phb);
    g_assert_cmpuint(errors.count, ==, 0);
    swifttce_phb_free(phb);
    swifttce_table_free(a);
    swifttce_table_free(b);
}

/*
 * A create of 2^32 entries or more: QEMU hands nb_table 1 << 32 to a
 * uint32_t, so enable_window gets 0, the table refuses it, and the create
 * answers RTAS_OUT_HW_ERROR.
 */
static void test_create_truncated(void)
{
    Phb h = { .last_nb_table = 99 };
    uint32_t args[5], rets[4];
    SwiftTCEPhb *phb;

    h.tables[0] = new_table();
    h.tables[1] = new_table();
    phb = swifttce_phb_new(&phb_cfg, &phb_ops, &h, h.tables, 2, NULL);
    g_assert_nonnull(phb);
    swifttce_phb_dma_reset(phb);
    /* config address, BUID high and low, page shift 12, window shift 44 */
    args[0] = 0;
    args[1] = 0;
    args[2] = 0;
    args[3] = 12;
    args[4] = 44;
    swifttce_rtas_create_pe_dma_window(phb, 5, args, 4, rets);
    g_assert_cmpuint(h.last_nb_table, ==, 0);
    g_assert_cmpint(h.last_enable, ==, -EINVAL);
    g_assert_cmpint((int32_t)rets[0], ==, SWIFTTCE_RTAS_HW_ERROR);
    /* One entry fewer than 2^32 pages of 4 KiB is a window. */
    args[4] = 43;
    swifttce_rtas_create_pe_dma_window(phb, 5, args, 4, rets);
    g_assert_cmpuint(h.last_nb_table, ==, 1u << 31);
    g_assert_cmpint((int32_t)rets[0], ==, SWIFTTCE_RTAS_SUCCESS);
    swifttce_phb_free(phb);
    swifttce_table_free(h.tables[0]);
    swifttce_table_free(h.tables[1]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/errors/null-table", test_null_table);
    g_test_add_func("/host/errors/null-host-errp", test_null_host_errp);
    g_test_add_func("/host/errors/unaligned-bus-offset", test_unaligned_bus_offset);
    g_test_add_func("/host/errors/notify-default", test_notify_default);
    g_test_add_func("/host/errors/null-guest", test_null_guest);
    g_test_add_func("/host/errors/save-too-small", test_save_too_small);
    g_test_add_func("/host/errors/load-messages", test_load_messages);
    g_test_add_func("/host/errors/phb-new", test_phb_new);
    g_test_add_func("/host/errors/create-truncated", test_create_truncated);
    return g_test_run();
}
