/*
 * SwiftTCE table migration: spapr_tce_table_save / spapr_tce_table_load.
 *
 * Round trips of sparse, full, empty, disabled and vast sparse tables; the
 * stream stores only non-zero entries (raw TCEs, perm or not); load sends no
 * notifications; and corrupt streams, one kind at a time, are refused with
 * -EINVAL, a message naming the problem, and the table exactly as it was.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

#define TEST_SEED 0x316a7e00u
#define LIOBN_A 0x71000001u

/* The stream layout, as documented in Sources/SwiftTCE/Migration.swift. */
#define OFF_VERSION 8
#define OFF_LIOBN 12
#define OFF_SHIFT 16
#define OFF_FLAGS 20
#define OFF_BUS 24
#define OFF_NB 32
#define OFF_COUNT 36
#define HDR 40
#define ENTRY 12

static void put(SpaprTceTable *t, uint64_t index, uint64_t tce)
{
    uint64_t ioba = spapr_tce_get_bus_offset(t) +
                    (index << spapr_tce_get_page_shift(t));

    g_assert_cmpint(spapr_h_put_tce(spapr_tce_get_liobn(t), ioba, tce), ==,
                    H_SUCCESS);
}

static uint64_t get(SpaprTceTable *t, uint64_t index)
{
    uint64_t tce = ~0ULL;
    uint64_t ioba = spapr_tce_get_bus_offset(t) +
                    (index << spapr_tce_get_page_shift(t));

    g_assert_cmpint(spapr_h_get_tce(spapr_tce_get_liobn(t), ioba, &tce), ==,
                    H_SUCCESS);
    return tce;
}

static uint8_t *save(SpaprTceTable *t, size_t *len)
{
    size_t need = spapr_tce_table_save(t, NULL, 0);
    uint8_t *buf = g_malloc(need + 16);

    memset(buf, 0xa5, need + 16);
    g_assert_cmpuint(spapr_tce_table_save(t, buf, need + 16), ==, need);
    /* Nothing written past what it said it needs. */
    for (size_t i = need; i < need + 16; i++) {
        g_assert_cmphex(buf[i], ==, 0xa5);
    }
    *len = need;
    return buf;
}

static void load_ok(SpaprTceTable *t, const uint8_t *buf, size_t len)
{
    Error *err = NULL;

    g_assert_cmpint(spapr_tce_table_load(t, buf, len, &err), ==, 0);
    g_assert_null(err);
}

/* ---- Stream editing (the test's own CRC-32, IEEE) --------------------- */

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
        }
    }
    return ~crc;
}

static void be_put(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t be_get(const uint8_t *p, int bytes)
{
    uint64_t v = 0;

    for (int i = 0; i < bytes; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Recomputes the trailing CRC so that a later check is the one reached. */
static void fix_crc(uint8_t *buf, size_t len)
{
    be_put(buf + len - 4, crc32_ieee(buf, len - 4), 4);
}

/* ---- Round trips ----------------------------------------------------- */

static void test_stream_layout(void)
{
    SpaprTceTable *t = make_table(LIOBN_A, 16, 0x40000000, 1000);
    size_t len;
    uint8_t *buf;

    put(t, 7, 0x1230003);
    put(t, 3, 0x4560000);       /* no perm, but non-zero: kept */
    put(t, 999, 0x7890001);
    put(t, 500, 0x1);
    put(t, 500, 0);             /* written back to zero: not sent */
    buf = save(t, &len);
    g_assert_cmpuint(len, ==, HDR + 3 * ENTRY + 4);
    g_assert_cmpmem(buf, 8, "SPTCETBL", 8);
    g_assert_cmpuint(be_get(buf + OFF_VERSION, 4), ==, 1);
    g_assert_cmphex(be_get(buf + OFF_LIOBN, 4), ==, LIOBN_A);
    g_assert_cmpuint(be_get(buf + OFF_SHIFT, 4), ==, 16);
    g_assert_cmpuint(be_get(buf + OFF_FLAGS, 4), ==, 0);
    g_assert_cmphex(be_get(buf + OFF_BUS, 8), ==, 0x40000000);
    g_assert_cmpuint(be_get(buf + OFF_NB, 4), ==, 1000);
    g_assert_cmpuint(be_get(buf + OFF_COUNT, 4), ==, 3);
    /* Sorted by index, raw TCEs. */
    g_assert_cmpuint(be_get(buf + HDR, 4), ==, 3);
    g_assert_cmphex(be_get(buf + HDR + 4, 8), ==, 0x4560000);
    g_assert_cmpuint(be_get(buf + HDR + ENTRY, 4), ==, 7);
    g_assert_cmpuint(be_get(buf + HDR + 2 * ENTRY, 4), ==, 999);
    g_assert_cmphex(be_get(buf + len - 4, 4), ==, crc32_ieee(buf, len - 4));
    g_free(buf);
    spapr_tce_table_free(t);
}

static void test_save_small_buffer(void)
{
    SpaprTceTable *t = make_table(LIOBN_A, 12, 0, 64);
    uint8_t buf[HDR + 4 + ENTRY];
    size_t need;

    put(t, 1, 0x1003);
    put(t, 2, 0x2003);
    need = spapr_tce_table_save(t, NULL, 0);
    g_assert_cmpuint(need, ==, HDR + 2 * ENTRY + 4);
    memset(buf, 0x5a, sizeof(buf));
    /* Too small: the size comes back and nothing is written. */
    g_assert_cmpuint(spapr_tce_table_save(t, buf, sizeof(buf)), ==, need);
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmphex(buf[i], ==, 0x5a);
    }
    g_assert_cmpuint(spapr_tce_table_save(NULL, NULL, 0), ==, 0);
    spapr_tce_table_free(t);
}

/* Saves src, messes the table up, loads: everything is back. */
static void roundtrip_in_place(SpaprTceTable *t, GRand *r)
{
    TableState before = table_state_with_entries(t);
    size_t len;
    uint8_t *buf = save(t, &len);
    Error *err = NULL;

    /* Other contents and another geometry in between. */
    spapr_tce_table_disable(t);
    g_assert_cmpint(spapr_tce_table_enable(t, 21, 0x10000000, 77, &err), ==, 0);
    for (int i = 0; i < 20; i++) {
        put(t, g_rand_int_range(r, 0, 77), test_rand_u64(r) | 1);
    }
    load_ok(t, buf, len);
    assert_table_state(t, &before);
    g_free(buf);
    table_state_free(&before);
}

/* Saves, frees the table, makes a fresh disabled one, loads. */
static SpaprTceTable *roundtrip_fresh(SpaprTceTable *t)
{
    TableState before = table_state_with_entries(t);
    uint32_t liobn = spapr_tce_get_liobn(t);
    size_t len;
    uint8_t *buf = save(t, &len);

    spapr_tce_table_free(t);
    t = make_table(liobn, 0, 0, 0);
    load_ok(t, buf, len);
    assert_table_state(t, &before);
    g_free(buf);
    table_state_free(&before);
    return t;
}

/* Both round trips; then the table and the generator go. */
static void roundtrips_then_free(SpaprTceTable *t, GRand *r)
{
    roundtrip_in_place(t, r);
    spapr_tce_table_free(roundtrip_fresh(t));
    g_rand_free(r);
}

static void test_roundtrip_sparse(void)
{
    GRand *r = test_rand_new(TEST_SEED);
    SpaprTceTable *t = make_table(LIOBN_A, 12, 0x80000000, 8192);
    size_t len;

    for (int i = 0; i < 150; i++) {
        uint64_t tce = test_rand_u64(r) & ~0xffcULL;
        put(t, g_rand_int_range(r, 0, 8192), tce ? tce : 0x1000);
    }
    g_free(save(t, &len));
    g_assert_cmpuint(len, <=, HDR + 150 * ENTRY + 4);
    roundtrips_then_free(t, r);
}

static void test_roundtrip_full(void)
{
    GRand *r = test_rand_new(TEST_SEED + 1);
    SpaprTceTable *t = make_table(LIOBN_A, 16, 0x100000000ULL, 4096);
    size_t len;

    for (uint64_t i = 0; i < 4096; i++) {
        put(t, i, (test_rand_u64(r) | 0x10000) & ~0xfffcULL);
    }
    g_free(save(t, &len));
    g_assert_cmpuint(len, ==, HDR + 4096 * ENTRY + 4);
    roundtrips_then_free(t, r);
}

static void test_roundtrip_empty_and_disabled(void)
{
    GRand *r = test_rand_new(TEST_SEED + 2);
    SpaprTceTable *t = make_table(LIOBN_A, 12, 0, 512);
    SpaprTceTable *d;
    size_t len;
    uint8_t *buf;

    /* Enabled and empty: a load clears whatever the destination holds. */
    roundtrip_in_place(t, r);
    t = roundtrip_fresh(t);
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, 512);

    /* Disabled: a load into an enabled table disables it. */
    d = make_table(LIOBN_A + 1, 0, 0, 0);
    buf = save(d, &len);
    g_assert_cmpuint(len, ==, HDR + 4);
    spapr_tce_table_free(d);
    d = make_table(LIOBN_A + 1, 12, 0x1000, 10);
    put(d, 4, 0x4003);
    load_ok(d, buf, len);
    g_assert_cmpuint(spapr_tce_get_nb_table(d), ==, 0);
    g_assert_cmpuint(spapr_tce_get_page_shift(d), ==, 0);
    g_assert_cmphex(spapr_tce_get_bus_offset(d), ==, 0);
    g_assert_cmphex(memory_region_size(spapr_tce_get_iommu_mr(d)), ==, 0);
    g_free(buf);
    spapr_tce_table_free(d);
    spapr_tce_table_free(t);
    g_rand_free(r);
}

/* A DDW-sized window (2^31 pages of 16 MiB) with a few entries. */
static void test_roundtrip_vast_sparse(void)
{
    GRand *r = test_rand_new(TEST_SEED + 3);
    const uint32_t nb = 1u << 31;
    SpaprTceTable *t = make_table(LIOBN_A, 24, SPAPR_PCI_DMA64_START, nb);
    uint64_t idx[40], tce[40];
    size_t len;
    uint8_t *buf;

    for (int i = 0; i < 40; i++) {
        bool dup;
        do {
            idx[i] = i < 2 ? (i ? nb - 1 : 0)
                           : (uint64_t)g_rand_int_range(r, 0, INT32_MAX);
            dup = false;
            for (int j = 0; j < i; j++) {
                dup |= idx[j] == idx[i];
            }
        } while (dup);
        tce[i] = ((uint64_t)i << 24) | 3;
        put(t, idx[i], tce[i]);
    }
    buf = save(t, &len);
    g_assert_cmpuint(len, ==, HDR + 40 * ENTRY + 4);
    spapr_tce_table_free(t);
    t = make_table(LIOBN_A, 0, 0, 0);
    load_ok(t, buf, len);
    g_assert_cmpuint(spapr_tce_get_nb_table(t), ==, nb);
    g_assert_cmpuint(spapr_tce_get_page_shift(t), ==, 24);
    g_assert_cmphex(spapr_tce_get_bus_offset(t), ==, SPAPR_PCI_DMA64_START);
    for (int i = 0; i < 40; i++) {
        g_assert_cmphex(get(t, idx[i]), ==, tce[i]);
    }
    for (int i = 0; i < 200; i++) {
        uint64_t k = g_rand_int_range(r, 0, INT32_MAX);
        bool written = false;
        for (int j = 0; j < 40; j++) {
            written |= idx[j] == k;
        }
        if (!written) {
            g_assert_cmphex(get(t, k), ==, 0);
        }
    }
    /* Only what is mapped costs memory after the load, too. */
    g_assert_cmpuint(spapr_tce_table_storage_bytes(t), <, 8 * 1024 * 1024);
    g_free(buf);
    spapr_tce_table_free(t);
    g_rand_free(r);
}

static void test_load_sends_no_notifications(void)
{
    SpaprTceTable *t = make_table(LIOBN_A, 12, 0, 256);
    Recorder rec;
    Error *err = NULL;
    size_t len;
    uint8_t *buf;

    for (int i = 0; i < 256; i += 3) {
        put(t, i, ((uint64_t)i << 12) | 3);
    }
    buf = save(t, &len);
    spapr_tce_table_reset(t);
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(t), &rec.n, &err), ==, 0);
    load_ok(t, buf, len);
    g_assert_cmpuint(rec.entries->len, ==, 0);
    g_assert_cmphex(get(t, 3), ==, (3ULL << 12) | 3);
    /* The notifier is still there: a put after the load is seen. */
    put(t, 1, 0x5001);
    g_assert_cmpuint(rec.entries->len, ==, 1);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(t), &rec.n);
    recorder_destroy(&rec);
    g_free(buf);
    spapr_tce_table_free(t);
}

/* ---- PHB windows: def_win and the window listener -------------------- */

typedef struct Events {
    char log[16];
    int n;
} Events;

static void log_event(void *opaque, SpaprPhb *phb, SpaprTceTable *t,
                      bool added)
{
    Events *e = opaque;

    (void)phb;
    g_assert_cmpint(e->n, <, 15);
    e->log[e->n++] = (char)('0' + spapr_tce_get_liobn(t) % 16 + (added ? 0 : 4));
    e->log[e->n] = '\0';
}

static void test_phb_window(void)
{
    SpaprPhbConfig cfg;
    Error *err = NULL;
    SpaprPhb *phb;
    uint64_t buid;
    SpaprTceTable *w0, *w1;
    Events ev = { "", 0 };
    uint8_t *made, *def, *marked;
    size_t made_len, def_len, marked_len;

    spapr_phb_config_default(&cfg, 0);
    phb = spapr_phb_new(&cfg, &err);
    g_assert_nonnull(phb);
    buid = spapr_phb_get_buid(phb);
    w0 = spapr_phb_get_window(phb, 0);
    w1 = spapr_phb_get_window(phb, 1);

    /* The default window's stream says so. */
    put(w0, 3, 0x3003);
    def = save(w0, &def_len);
    g_assert_cmpuint(be_get(def + OFF_FLAGS, 4), ==, 1);

    /*
     * QEMU 7.2 sets def_win in spapr_phb_dma_reset and never clears it: a
     * window the guest made on LIOBN 0 after removing the default one is
     * still marked.
     */
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_create(buid, 16, 30, NULL, NULL), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(spapr_tce_get_page_shift(w0), ==, 16);
    marked = save(w0, &marked_len);
    g_assert_cmpuint(be_get(marked + OFF_FLAGS, 4), ==, 1);

    /* A window made beside the default one (LIOBN 1) is not marked. */
    spapr_phb_reset(phb);
    g_assert_cmpint(ddw_create(buid, 16, 30, NULL, NULL), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(spapr_tce_get_page_shift(w1), ==, 16);
    put(w1, 5, 0x50001);
    made = save(w1, &made_len);
    g_assert_cmpuint(be_get(made + OFF_FLAGS, 4), ==, 0);

    /* Into a fresh machine (default window only): window 1 appears. */
    spapr_phb_reset(phb);
    spapr_phb_set_window_listener(phb, log_event, &ev);
    load_ok(w1, made, made_len);
    g_assert_cmpstr(ev.log, ==, "1");
    g_assert_cmpuint(spapr_tce_get_page_shift(w1), ==, 16);
    g_assert_cmphex(get(w1, 5), ==, 0x50001);
    /* Loading the same window again: nothing to tell. */
    load_ok(w1, made, made_len);
    g_assert_cmpstr(ev.log, ==, "1");
    /* Not the default: removing it as the last window restores that. */
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpint(ddw_remove(0x80000001), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(spapr_tce_get_page_shift(w0), ==, 12);
    g_assert_cmphex(get(w0, 3), ==, 0);

    /* A marked stream makes its window the default: removing it as the
     * last window leaves none. */
    ev.n = 0;
    load_ok(w0, marked, marked_len);
    g_assert_cmpstr(ev.log, ==, "40");
    g_assert_cmpint(ddw_remove(0x80000000), ==, RTAS_OUT_SUCCESS);
    g_assert_cmpuint(spapr_tce_get_nb_table(w0), ==, 0);
    g_assert_cmpuint(spapr_tce_get_nb_table(w1), ==, 0);

    /* The default window's stream brings it back with its entries. */
    ev.n = 0;
    load_ok(w0, def, def_len);
    g_assert_cmpstr(ev.log, ==, "0");
    g_assert_cmphex(get(w0, 3), ==, 0x3003);

    /* A disabled window's stream disables it, telling the listener. */
    {
        size_t off_len;
        uint8_t *off;

        spapr_phb_reset(phb);
        off = save(w1, &off_len);
        g_assert_cmpint(ddw_create(buid, 16, 30, NULL, NULL), ==,
                        RTAS_OUT_SUCCESS);
        ev.n = 0;
        load_ok(w1, off, off_len);
        g_assert_cmpstr(ev.log, ==, "5");
        g_assert_cmpuint(spapr_tce_get_nb_table(w1), ==, 0);
        g_free(off);
    }
    g_free(made);
    g_free(marked);
    g_free(def);
    spapr_phb_set_window_listener(phb, NULL, NULL);
    spapr_phb_free(phb);
}

/* ---- Corrupt streams ------------------------------------------------- */

/*
 * A corruption is either one header or entry field set to a value (or,
 * with .add, moved by it), the CRC then fixed so that the check of that
 * field is the one reached; or, when .edit is set, any other edit.
 */
typedef struct Corruption {
    const char *name;
    const char *expect;     /* a piece of the error message */
    /* Edits the stream; returns its new length. */
    size_t (*edit)(uint8_t *buf, size_t len);
    size_t off;             /* without .edit: the field's offset, */
    int width;              /* its width in bytes, */
    uint64_t value;         /* and what it is set to */
    bool add;               /* or what is added to it (mod 2^(8*width)) */
} Corruption;

/* The stream these edit: 4 entries at indexes 2, 9, 10, 40 of 64. */
#define C_NB 64

static size_t c_empty(uint8_t *b, size_t n) { (void)b; (void)n; return 0; }
static size_t c_short_header(uint8_t *b, size_t n)
{
    (void)b; (void)n;
    return 10;
}
static size_t c_header_only(uint8_t *b, size_t n)
{
    (void)b; (void)n;
    return HDR;
}
static size_t c_mid_entry(uint8_t *b, size_t n) { (void)b; return n - 10; }
static size_t c_no_crc(uint8_t *b, size_t n) { (void)b; return n - 4; }
static size_t c_trailing_byte(uint8_t *b, size_t n)
{
    b[n] = 0;
    return n + 1;
}
static size_t c_trailing_entry(uint8_t *b, size_t n)
{
    memset(b + n, 0, ENTRY);
    return n + ENTRY;
}
static size_t c_window_too_big(uint8_t *b, size_t n)
{
    be_put(b + OFF_SHIFT, 40, 4);
    be_put(b + OFF_NB, 1u << 30, 4);
    be_put(b + OFF_BUS, 0, 8);
    fix_crc(b, n);
    return n;
}
static size_t c_disabled_with_shift(uint8_t *b, size_t n)
{
    /* nb_table 0 but a page shift: no such disabled table. */
    be_put(b + OFF_NB, 0, 4);
    be_put(b + OFF_COUNT, 0, 4);
    fix_crc(b, HDR + 4);
    (void)n;
    return HDR + 4;
}
static size_t c_disabled_default(uint8_t *b, size_t n)
{
    /* A disabled table marked as the PHB's default window. */
    be_put(b + OFF_SHIFT, 0, 4);
    be_put(b + OFF_BUS, 0, 8);
    be_put(b + OFF_NB, 0, 4);
    be_put(b + OFF_COUNT, 0, 4);
    be_put(b + OFF_FLAGS, 1, 4);
    fix_crc(b, HDR + 4);
    (void)n;
    return HDR + 4;
}
static size_t c_count_huge(uint8_t *b, size_t n)
{
    be_put(b + OFF_NB, UINT32_MAX, 4);
    be_put(b + OFF_COUNT, UINT32_MAX, 4);
    fix_crc(b, n);
    return n;
}
static size_t c_index_descending(uint8_t *b, size_t n)
{
    uint8_t tmp[ENTRY];

    memcpy(tmp, b + HDR, ENTRY);
    memcpy(b + HDR, b + HDR + ENTRY, ENTRY);
    memcpy(b + HDR + ENTRY, tmp, ENTRY);
    fix_crc(b, n);
    return n;
}
static size_t c_index_duplicate(uint8_t *b, size_t n)
{
    be_put(b + HDR + 2 * ENTRY, be_get(b + HDR + ENTRY, 4), 4);
    fix_crc(b, n);
    return n;
}
static size_t c_crc(uint8_t *b, size_t n)
{
    b[n - 1] ^= 0x01;
    return n;
}
static size_t c_flipped_tce_bit(uint8_t *b, size_t n)
{
    b[HDR + 2 * ENTRY + 8] ^= 0x40;    /* CRC left as it was */
    return n;
}
static size_t c_flipped_header_bit(uint8_t *b, size_t n)
{
    b[OFF_BUS + 5] ^= 0x10;            /* a valid-looking bus offset */
    return n;
}

/* Applies c to the stream b of length n; returns the new length. */
static size_t corrupt(const Corruption *c, uint8_t *b, size_t n)
{
    uint64_t v = c->value;

    if (c->edit) {
        return c->edit(b, n);
    }
    g_assert(c->width >= 1 && c->width <= 8 && c->off + c->width <= n - 4);
    if (c->add) {
        v += be_get(b + c->off, c->width);
    }
    be_put(b + c->off, v, c->width);
    fix_crc(b, n);
    return n;
}

static const Corruption corruptions[] = {
    { "empty", "truncated", .edit = c_empty },
    { "short-header", "truncated", .edit = c_short_header },
    { "header-only", "truncated", .edit = c_header_only },
    { "mid-entry", "truncated", .edit = c_mid_entry },
    { "no-crc", "truncated", .edit = c_no_crc },
    { "trailing-byte", "trailing", .edit = c_trailing_byte },
    { "trailing-entry", "trailing", .edit = c_trailing_entry },
    { "magic", "magic", .off = 0, .width = 1, .value = 'X' },
    { "version-0", "version", .off = OFF_VERSION, .width = 4, .value = 0 },
    { "version-2", "version", .off = OFF_VERSION, .width = 4, .value = 2 },
    { "liobn", "LIOBN", .off = OFF_LIOBN, .width = 4, .value = LIOBN_A + 5 },
    { "flags", "flags", .off = OFF_FLAGS, .width = 4, .value = 4 },
    { "page-shift-0", "page_shift", .off = OFF_SHIFT, .width = 4, .value = 0 },
    { "page-shift-64", "page_shift",
      .off = OFF_SHIFT, .width = 4, .value = 64 },
    { "window-wraps", "2^64",
      .off = OFF_BUS, .width = 8, .value = UINT64_MAX - 0x1000 },
    { "window-too-big", "2^64", .edit = c_window_too_big },
    { "disabled-with-shift", "disabled", .edit = c_disabled_with_shift },
    { "disabled-default-window", "default window", .edit = c_disabled_default },
    { "default-flag-not-a-window", "no PHB's window",
      .off = OFF_FLAGS, .width = 4, .value = 1 },
    { "count-over-nb-table", "entries in a table",
      .off = OFF_NB, .width = 4, .value = 3 },
    { "count-plus-one", "truncated",
      .off = OFF_COUNT, .width = 4, .value = 1, .add = true },
    { "count-minus-one", "trailing",
      .off = OFF_COUNT, .width = 4, .value = (uint32_t)-1, .add = true },
    { "count-huge", "truncated", .edit = c_count_huge },
    { "index-past-table", "past the table",
      .off = HDR + 3 * ENTRY, .width = 4, .value = C_NB },
    { "index-descending", "ascending", .edit = c_index_descending },
    { "index-duplicate", "ascending", .edit = c_index_duplicate },
    { "zero-tce", "zero", .off = HDR + ENTRY + 4, .width = 8, .value = 0 },
    { "crc", "checksum", .edit = c_crc },
    { "flipped-tce-bit", "checksum", .edit = c_flipped_tce_bit },
    { "flipped-header-bit", "checksum", .edit = c_flipped_header_bit },
};

/* The destination: enabled, with other geometry and entries, and watched. */
typedef struct Destination {
    SpaprTceTable *t;
    Recorder rec;
} Destination;

static void dest_init(Destination *d)
{
    Error *err = NULL;

    d->t = make_table(LIOBN_A, 16, 0x20000000, 300);
    for (int i = 0; i < 300; i += 7) {
        put(d->t, i, ((uint64_t)i << 16) | 1);
    }
    recorder_init(&d->rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(d->t), &d->rec.n, &err), ==, 0);
}

static void dest_destroy(Destination *d)
{
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(d->t),
                                            &d->rec.n);
    recorder_destroy(&d->rec);
    spapr_tce_table_free(d->t);
}

static uint8_t *source_stream(size_t *len)
{
    SpaprTceTable *s = make_table(LIOBN_A, 12, 0x1000000, C_NB);
    uint8_t *buf;

    put(s, 2, 0x2003);
    put(s, 9, 0x9001);
    put(s, 10, 0xa002);
    put(s, 40, 0x28000);
    buf = save(s, len);
    spapr_tce_table_free(s);
    return buf;
}

/* Loads a bad stream: refused, a message, and the table untouched. */
static void assert_refused(Destination *d, const uint8_t *buf, size_t len,
                           const char *expect)
{
    TableState before = table_state_with_entries(d->t);
    Error *err = NULL;

    g_assert_cmpint(spapr_tce_table_load(d->t, buf, len, &err), ==, -EINVAL);
    g_assert_nonnull(err);
    if (expect && !strstr(error_get_pretty(err), expect)) {
        g_error("message '%s' does not mention '%s'", error_get_pretty(err),
                expect);
    }
    assert_error_set(&err);
    assert_table_state(d->t, &before);
    g_assert_cmpuint(d->rec.entries->len, ==, 0);
    table_state_free(&before);
}

static void test_corrupt_one(gconstpointer data)
{
    const Corruption *c = data;
    Destination d;
    size_t len, n;
    uint8_t *good = source_stream(&len);
    uint8_t *bad = g_malloc0(len + 64);

    dest_init(&d);
    /* The unedited stream loads: the edit is what makes it bad. */
    memcpy(bad, good, len);
    n = corrupt(c, bad, len);
    assert_refused(&d, bad, n, c->expect);
    load_ok(d.t, good, len);
    g_assert_cmphex(get(d.t, 40), ==, 0x28000);
    g_free(good);
    g_free(bad);
    dest_destroy(&d);
}

static void test_corrupt_count(void)
{
    g_assert_cmpuint(G_N_ELEMENTS(corruptions), >=, 20);
}

static void test_corrupt_null(void)
{
    Destination d;
    Error *err = NULL;
    size_t len;
    uint8_t *good = source_stream(&len);

    dest_init(&d);
    assert_refused(&d, NULL, 0, "truncated");
    assert_refused(&d, NULL, len, NULL);
    g_assert_cmpint(spapr_tce_table_load(NULL, good, len, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_free(good);
    dest_destroy(&d);
}

/* Random damage: either refused with the table untouched, or a clean load. */
static void test_corrupt_random(void)
{
    GRand *r = test_rand_new(TEST_SEED + 4);
    Destination d;
    size_t len;
    uint8_t *good = source_stream(&len);
    uint8_t *bad = g_malloc(len + 64);

    dest_init(&d);
    for (int round = 0; round < 3000; round++) {
        size_t n = len;
        int edits = g_rand_int_range(r, 1, 4);

        memcpy(bad, good, len);
        for (int e = 0; e < edits; e++) {
            switch (g_rand_int_range(r, 0, 4)) {
            case 0:
                bad[g_rand_int_range(r, 0, n)] ^= 1 << g_rand_int_range(r, 0, 8);
                break;
            case 1:
                bad[g_rand_int_range(r, 0, n)] = g_rand_int_range(r, 0, 256);
                break;
            case 2:
                n = g_rand_int_range(r, 0, n);
                break;
            default:
                n += g_rand_int_range(r, 1, 8);
                memset(bad + len, 0, 64);
                if (n > len + 63) {
                    n = len + 63;
                }
                break;
            }
            if (n == 0) {
                break;
            }
        }
        if (n == len && memcmp(bad, good, len) == 0) {
            continue;
        }
        assert_refused(&d, bad, n, NULL);
    }
    g_free(good);
    g_free(bad);
    dest_destroy(&d);
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/stream-layout", test_stream_layout);
    g_test_add_func("/migration/save-small-buffer", test_save_small_buffer);
    g_test_add_func("/migration/roundtrip/sparse", test_roundtrip_sparse);
    g_test_add_func("/migration/roundtrip/full", test_roundtrip_full);
    g_test_add_func("/migration/roundtrip/empty-and-disabled",
                    test_roundtrip_empty_and_disabled);
    g_test_add_func("/migration/roundtrip/vast-sparse",
                    test_roundtrip_vast_sparse);
    g_test_add_func("/migration/load-sends-no-notifications",
                    test_load_sends_no_notifications);
    g_test_add_func("/migration/phb-window", test_phb_window);
    g_test_add_func("/migration/corrupt/at-least-20-kinds", test_corrupt_count);
    for (size_t i = 0; i < G_N_ELEMENTS(corruptions); i++) {
        char *path = g_strdup_printf("/migration/corrupt/%s",
                                     corruptions[i].name);
        g_test_add_data_func(path, &corruptions[i], test_corrupt_one);
        g_free(path);
    }
    g_test_add_func("/migration/corrupt/null", test_corrupt_null);
    g_test_add_func("/migration/corrupt/random", test_corrupt_random);
    return g_test_run();
}
