/*
 * Real QEMU 7.2 "spapr_iommu" sections (Tests/vmstate/, described by its
 * README.md and MANIFEST) loaded through the QEMU-shaped host's vmstate
 * description (its glue hands the engine the entries in chunks) into a
 * destination prepared as QEMU's is after machine reset, and saved back
 * byte for byte; the engine's whole-body API agrees with the glue both
 * ways; versions 2 and 3; then refusals, each on a table whose state is
 * taken before and compared after: nothing may have changed.
 */
#include <errno.h>
#include <zlib.h>

#include "host-test.h"
#include "qemu-savevm.h"

/*
 * QEMU's destination: both PHBs' default windows enabled (4 KiB pages, 1
 * GiB at 0), their DDW tables disabled, the v-scsi disk's VIO table with
 * its 256 MiB window, as the migrate and ddw-remove-reset runs had.
 */
#define SHAPE "phbs=2 vio=0x71000002:0x10000000"

/* One MANIFEST line. */
typedef struct Section {
    char *file;
    uint32_t liobn, mig_nb_table;
    bool def_win, has_ex;
    uint64_t bus_offset, nonzero;
    uint32_t page_shift;
    char *sha256;
    GBytes *body;
} Section;

static GPtrArray *sections;     /* of Section */

static const char *field(char **words, const char *key)
{
    for (; *words; words++) {
        if (g_str_has_prefix(*words, key) && (*words)[strlen(key)] == '=') {
            return *words + strlen(key) + 1;
        }
    }
    g_error("MANIFEST: no %s", key);
}

/* A file, gzip-compressed or not (gzread passes plain files through). */
static GBytes *read_body(const char *name)
{
    g_autofree char *path = g_build_filename(VMSTATE_DIR, name, NULL);
    GByteArray *bytes = g_byte_array_new();
    gzFile f = gzopen(path, "rb");
    uint8_t chunk[65536];
    int n;

    g_assert_nonnull(f);
    while ((n = gzread(f, chunk, sizeof(chunk))) > 0) {
        g_byte_array_append(bytes, chunk, n);
    }
    g_assert_cmpint(n, ==, 0);
    gzclose(f);
    return g_byte_array_free_to_bytes(bytes);
}

static void read_manifest(void)
{
    g_autofree char *path = g_build_filename(VMSTATE_DIR, "MANIFEST", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    unsigned i;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    sections = g_ptr_array_new();
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) w = NULL;
        Section *s;
        const char *ex;

        if (lines[i][0] == '#' || !lines[i][0]) {
            continue;
        }
        w = g_strsplit_set(lines[i], " ,", -1);
        s = g_new0(Section, 1);
        s->file = g_strdup(w[0]);
        s->liobn = strtoul(field(w, "liobn"), NULL, 0);
        s->mig_nb_table = strtoul(field(w, "mig_nb_table"), NULL, 0);
        s->def_win = strcmp(field(w, "def_win"), "1") == 0;
        s->nonzero = strtoull(field(w, "nonzero"), NULL, 0);
        s->sha256 = g_strdup(field(w, "sha256"));
        ex = field(w, "ex");
        s->has_ex = strcmp(ex, "absent") != 0;
        if (s->has_ex) {
            /* "ex=bus_offset=B,page_shift=S": split on commas too */
            g_assert_true(g_str_has_prefix(ex, "bus_offset="));
            s->bus_offset = strtoull(ex + strlen("bus_offset="), NULL, 0);
            s->page_shift = strtoul(field(w, "page_shift"), NULL, 0);
        } else {
            /* No subsection: the destination's own window stays. */
            s->page_shift = 12;
        }
        s->body = read_body(s->file);
        g_assert_cmpuint(g_bytes_get_size(s->body), ==,
                         strtoull(field(w, "bytes"), NULL, 0));
        g_ptr_array_add(sections, s);
    }
    g_assert_cmpuint(sections->len, >=, 11);
}

static int load_v(uint32_t liobn, int version, const void *buf, size_t len,
                  Error **errp)
{
    return qemu_loadvm_section("spapr_iommu", liobn, version, buf, len, errp);
}

static int load(uint32_t liobn, const void *buf, size_t len, Error **errp)
{
    return load_v(liobn, 3, buf, len, errp);
}

/* The engine's whole body for a host table, with the host's flags. */
static GByteArray *body_save(SpaprTceTable *tcet)
{
    size_t size = swifttce_table_vmstate_save(tcet->engine, tcet->liobn,
                                              tcet->bypass, tcet->def_win,
                                              NULL, 0, NULL);
    GByteArray *body = g_byte_array_sized_new(size);

    g_assert_cmpuint(size, >, 0);
    g_byte_array_set_size(body, size);
    g_assert_cmpuint(swifttce_table_vmstate_save(tcet->engine, tcet->liobn,
                                                 tcet->bypass, tcet->def_win,
                                                 body->data, size, NULL),
                     ==, size);
    return body;
}

static void assert_bytes_eq(const GByteArray *a, GBytes *b)
{
    g_assert_cmpuint(a->len, ==, g_bytes_get_size(b));
    g_assert_true(memcmp(a->data, g_bytes_get_data(b, NULL), a->len) == 0);
}

static uint64_t count_nonzero(HostMachine *m, SpaprTceTable *tcet)
{
    uint64_t i, tce, n = 0;

    for (i = 0; i < tcet->nb_table; i++) {
        g_assert_cmpint(host_get(m, tcet->liobn,
                                 tcet->bus_offset + (i << tcet->page_shift),
                                 &tce), ==, H_SUCCESS);
        n += tce != 0;
    }
    return n;
}

/* The same through the engine, whatever the host's fields say. */
static uint64_t engine_nonzero(SpaprTceTable *tcet)
{
    uint64_t chunk[333], first = 0, n = 0;
    size_t got, i;

    while ((got = swifttce_table_read_entries(tcet->engine, first, chunk,
                                              G_N_ELEMENTS(chunk)))) {
        for (i = 0; i < got; i++) {
            n += chunk[i] != 0;
        }
        first += got;
    }
    g_assert_cmpuint(first, ==, swifttce_table_nb_table(tcet->engine));
    return n;
}

static void test_real_section(gconstpointer opaque)
{
    const Section *s = opaque;
    g_autofree char *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256,
                                                        s->body);
    SpaprTceTable *tcet;
    GByteArray *saved;
    HostMachine m;
    Error *err = NULL;

    g_assert_cmpstr(sha, ==, s->sha256);
    host_machine_start(&m, SHAPE);
    tcet = host_table(s->liobn);
    g_assert_cmpint(load(s->liobn, g_bytes_get_data(s->body, NULL),
                         g_bytes_get_size(s->body), &err), ==, 0);
    g_assert_null(err);
    g_assert_cmpuint(tcet->nb_table, ==, s->mig_nb_table);
    if (s->mig_nb_table) {
        /* post_load's rule: the subsection's geometry, or the table's own */
        g_assert_cmpuint(tcet->page_shift, ==, s->page_shift);
        g_assert_cmphex(tcet->bus_offset, ==, s->bus_offset);
    }
    g_assert_cmpint(tcet->def_win, ==, s->def_win);
    if (SPAPR_IS_PCI_LIOBN(s->liobn)) {
        SpaprPhbState *sphb = tcet->owner;

        g_assert_cmpint(swifttce_phb_window_def_win(sphb->ddw, s->liobn & 0xff),
                        ==, s->def_win);
    }
    g_assert_cmpuint(count_nonzero(&m, tcet), ==, s->nonzero);
    /* Saved back by the glue, in chunks, and by the whole-body API. */
    saved = qemu_savevm_section("spapr_iommu", s->liobn, NULL);
    assert_bytes_eq(saved, s->body);
    g_byte_array_free(saved, TRUE);
    saved = body_save(tcet);
    assert_bytes_eq(saved, s->body);
    g_byte_array_free(saved, TRUE);
    host_machine_stop(&m);
}

/*
 * The same section through the whole-body API into a fresh destination,
 * the host doing post_load's work from the result: the glue saves it back
 * byte for byte.
 */
static void test_real_section_body(gconstpointer opaque)
{
    const Section *s = opaque;
    SwiftTCELoadResult r;
    SpaprTceTable *tcet;
    GByteArray *saved;
    HostMachine m;
    Error *err = NULL;
    bool bypass = true, def_win = !s->def_win;
    uint32_t old_nb;

    host_machine_start(&m, SHAPE);
    tcet = host_table(s->liobn);
    old_nb = tcet->nb_table;
    g_assert_cmpint(swifttce_table_vmstate_load(
                        tcet->engine, s->liobn, 3, g_bytes_get_data(s->body, NULL),
                        g_bytes_get_size(s->body), &bypass, &def_win, &r, &err),
                    ==, 0);
    g_assert_null(err);
    g_assert_false(bypass);
    g_assert_cmpint(def_win, ==, s->def_win);
    g_assert_cmpuint(r.old_nb_table, ==, old_nb);
    g_assert_cmpint(r.dropped, ==, old_nb && old_nb != s->mig_nb_table);
    g_assert_cmpint(r.made, ==, old_nb != s->mig_nb_table);
    g_assert_cmpuint(swifttce_table_nb_table(tcet->engine), ==, s->mig_nb_table);
    if (s->mig_nb_table) {
        g_assert_cmpuint(swifttce_table_page_shift(tcet->engine), ==,
                         s->page_shift);
        g_assert_cmphex(swifttce_table_bus_offset(tcet->engine), ==,
                        s->bus_offset);
    }
    /* The host's part of post_load, as the glue does it (its fields). */
    tcet->def_win = def_win;
    tcet->bypass = bypass;
    if (r.dropped || r.made) {
        tcet->nb_table = swifttce_table_nb_table(tcet->engine);
        tcet->page_shift = swifttce_table_page_shift(tcet->engine);
        tcet->bus_offset = swifttce_table_bus_offset(tcet->engine);
    } else if (s->has_ex) {
        tcet->page_shift = s->page_shift;
        tcet->bus_offset = s->bus_offset;
    }
    if (SPAPR_IS_PCI_LIOBN(s->liobn)) {
        spapr_phb_window_loaded(tcet->owner, tcet);
    }
    g_assert_cmpuint(count_nonzero(&m, tcet), ==, s->nonzero);
    saved = qemu_savevm_section("spapr_iommu", s->liobn, NULL);
    assert_bytes_eq(saved, s->body);
    g_byte_array_free(saved, TRUE);
    host_machine_stop(&m);
}

/*
 * A bypassed VIO table (ibm,set-tce-bypass before the migration): QEMU's
 * bypass byte loads into the host's table, as post_load hands it to
 * spapr_vio_set_bypass, and is saved back as it came; a table bypassed here
 * saves it, and a stream without it turns it off. The engine keeps none:
 * its whole-body API takes and gives the host's. Any non-zero byte is true
 * to QEMU's core, which the glue's is; the whole-body API refuses it.
 */
static void test_bypass(void)
{
    const uint32_t vio = 0x71000002;
    g_autoptr(GBytes) plain = NULL;
    g_autofree uint8_t *bypassed = NULL;
    SpaprTceTable *tcet;
    GByteArray *saved;
    HostMachine m;
    Error *err = NULL;
    bool bypass = false;
    size_t len;

    for (guint i = 0; i < sections->len; i++) {
        Section *s = g_ptr_array_index(sections, i);

        if (s->liobn == vio) {
            plain = g_bytes_ref(s->body);
        }
    }
    g_assert_nonnull(plain);
    len = g_bytes_get_size(plain);
    bypassed = g_memdup2(g_bytes_get_data(plain, NULL), len);
    g_assert_cmpuint(bypassed[8], ==, 0);
    bypassed[8] = 1;

    host_machine_start(&m, SHAPE);
    tcet = host_table(vio);
    g_assert_false(tcet->bypass);
    g_assert_cmpint(load(vio, bypassed, len, &err), ==, 0);
    g_assert_null(err);
    g_assert_true(tcet->bypass);
    saved = qemu_savevm_section("spapr_iommu", vio, NULL);
    g_assert_cmpuint(saved->len, ==, len);
    g_assert_true(memcmp(saved->data, bypassed, len) == 0);
    g_byte_array_free(saved, TRUE);
    g_assert_cmpint(swifttce_table_vmstate_load(tcet->engine, vio, 3, bypassed,
                                                len, &bypass, NULL, NULL,
                                                NULL), ==, 0);
    g_assert_true(bypass);

    g_assert_cmpint(load(vio, g_bytes_get_data(plain, NULL), len, &err), ==, 0);
    g_assert_false(tcet->bypass);
    spapr_tce_set_bypass(tcet, true);
    saved = qemu_savevm_section("spapr_iommu", vio, NULL);
    g_assert_cmpuint(saved->data[8], ==, 1);
    g_byte_array_free(saved, TRUE);

    bypassed[8] = 2;
    spapr_tce_set_bypass(tcet, false);
    g_assert_cmpint(load(vio, bypassed, len, &err), ==, 0);
    g_assert_true(tcet->bypass);
    g_assert_cmpint(swifttce_table_vmstate_load(tcet->engine, vio, 3, bypassed,
                                                len, &bypass, NULL, NULL,
                                                &err), ==, -EINVAL);
    g_assert_nonnull(strstr(error_get_pretty(err), "bypass is 2"));
    error_free(err);
    host_machine_stop(&m);
}

/* ---- Refusals ------------------------------------------------------------- */

/*
 * The body refusals start from: PHB 1's forgotten DDW of ddw-remove-reset,
 * 128 16 MiB entries at 2^59 with the subsection, def_win 0.
 */
#define BASE_FILE  "ddw-remove-reset-0x80000101.bin"
#define BASE_LIOBN SPAPR_PCI_LIOBN(1, 1)
#define BASE_NB    128
#define EX_AT      (10 + 8 * BASE_NB)   /* where the subsection starts */
#define OFF_BYPASS 8
#define OFF_DEF_WIN (9 + 8 * BASE_NB)

static GBytes *base_body(void)
{
    for (guint i = 0; i < sections->len; i++) {
        Section *s = g_ptr_array_index(sections, i);

        if (strcmp(s->file, BASE_FILE) == 0) {
            g_assert_cmpuint(g_bytes_get_size(s->body), ==, EX_AT + 32);
            return s->body;
        }
    }
    g_error("no %s in MANIFEST", BASE_FILE);
}

/*
 * Everything a refusal must leave alone: the host's fields, the engine's
 * geometry, every entry (in the section the glue saves).
 */
typedef struct TableState {
    uint32_t nb_table, page_shift;
    uint64_t bus_offset;
    bool def_win, bypass;
    uint32_t engine_nb, engine_shift;
    uint64_t engine_offset;
    GByteArray *body;
} TableState;

static TableState table_state(SpaprTceTable *tcet)
{
    return (TableState) {
        .nb_table = tcet->nb_table,
        .page_shift = tcet->page_shift,
        .bus_offset = tcet->bus_offset,
        .def_win = tcet->def_win,
        .bypass = tcet->bypass,
        .engine_nb = swifttce_table_nb_table(tcet->engine),
        .engine_shift = swifttce_table_page_shift(tcet->engine),
        .engine_offset = swifttce_table_bus_offset(tcet->engine),
        .body = qemu_savevm_section("spapr_iommu", tcet->liobn, NULL),
    };
}

static void assert_unchanged(SpaprTceTable *tcet, const TableState *want)
{
    TableState now = table_state(tcet);

    g_assert_cmpuint(now.nb_table, ==, want->nb_table);
    g_assert_cmpuint(now.page_shift, ==, want->page_shift);
    g_assert_cmphex(now.bus_offset, ==, want->bus_offset);
    g_assert_cmpint(now.def_win, ==, want->def_win);
    g_assert_cmpint(now.bypass, ==, want->bypass);
    g_assert_cmpuint(now.engine_nb, ==, want->engine_nb);
    g_assert_cmpuint(now.engine_shift, ==, want->engine_shift);
    g_assert_cmphex(now.engine_offset, ==, want->engine_offset);
    g_assert_cmpuint(now.body->len, ==, want->body->len);
    g_assert_true(memcmp(now.body->data, want->body->data, now.body->len) == 0);
    g_byte_array_free(now.body, TRUE);
}

/* Which paths must refuse a body. */
enum { BY_GLUE = 1, BY_BODY_API = 2, BY_BOTH = 3 };

/*
 * buf[0..len) of that version is refused with a message (shown for a named
 * case, why), through the glue (QEMU's vmstate core, entries in chunks)
 * and the whole-body API, as paths says; the table is as it was after each.
 */
static void assert_refused_v(SpaprTceTable *tcet, const TableState *state,
                             int version, const uint8_t *buf, size_t len,
                             const char *why, int paths)
{
    Error *err = NULL;
    SwiftTCELoadResult r = { .dropped = true, .made = true };

    if (paths & BY_GLUE) {
        if (load_v(tcet->liobn, version, buf, len, &err) >= 0 || !err) {
            g_error("%s (%zu bytes): not refused by the glue",
                    why ? why : "a cut body", len);
        }
        if (why) {
            g_test_message("%s: %s", why, error_get_pretty(err));
        }
        error_free(err);
        err = NULL;
        assert_unchanged(tcet, state);
    }
    if (paths & BY_BODY_API) {
        if (swifttce_table_vmstate_load(tcet->engine, tcet->liobn, version,
                                        buf, len, NULL, NULL, &r, &err) >= 0 ||
            !err) {
            g_error("%s (%zu bytes): not refused by the body API",
                    why ? why : "a cut body", len);
        }
        if (why) {
            g_test_message("%s (body API): %s", why, error_get_pretty(err));
        }
        error_free(err);
        g_assert_false(r.dropped || r.made);
        g_assert_cmpuint(r.old_nb_table, ==, state->engine_nb);
        assert_unchanged(tcet, state);
    }
}

static void assert_refused(SpaprTceTable *tcet, const TableState *state,
                           const uint8_t *buf, size_t len, const char *why)
{
    assert_refused_v(tcet, state, 3, buf, len, why, BY_BOTH);
}

/* The base body with one byte changed. */
static void refuse_patched(SpaprTceTable *tcet, const TableState *state,
                           size_t at, uint8_t value, const char *why,
                           int paths)
{
    g_autofree uint8_t *buf = g_memdup2(g_bytes_get_data(base_body(), NULL),
                                        EX_AT + 32);

    buf[at] = value;
    assert_refused_v(tcet, state, 3, buf, EX_AT + 32, why, paths);
}

static void store_be32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static void store_be64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

static void test_refusals(void)
{
    const uint8_t *base = g_bytes_get_data(base_body(), NULL);
    uint8_t buf[EX_AT + 33];
    SpaprTceTable *tcet;
    TableState state;
    uint32_t rets[4];
    HostMachine m;
    size_t len;

    /* The target: a 64 KiB DDW of 256 entries with a few of them mapped. */
    host_machine_start(&m, SHAPE);
    host_ddw_create(&m, SPAPR_PCI_BASE_BUID + 1, 16, 24, rets);
    g_assert_cmphex(rets[1], ==, BASE_LIOBN);
    tcet = host_table(BASE_LIOBN);
    g_assert_cmpint(host_put(&m, BASE_LIOBN, tcet->bus_offset, 0x7003), ==,
                    H_SUCCESS);
    g_assert_cmpint(host_put(&m, BASE_LIOBN, tcet->bus_offset + 0xff0000,
                             0x9001), ==, H_SUCCESS);
    state = table_state(tcet);

    /* Cut at every length but the subsection's start (a whole body). */
    for (len = 0; len < EX_AT + 32; len++) {
        if (len != EX_AT) {
            assert_refused(tcet, &state, base, len, NULL);
        }
    }
    memcpy(buf, base, EX_AT + 32);
    buf[EX_AT + 32] = 0;
    assert_refused(tcet, &state, buf, EX_AT + 33, "a trailing byte");
    buf[EX_AT + 32] = 0x05;
    assert_refused(tcet, &state, buf, EX_AT + 33, "a second subsection");

    refuse_patched(tcet, &state, 3, 0x02, "liobn 0x80000102", BY_BOTH);
    /* QEMU's core takes any byte as a bool; the body API does not. */
    refuse_patched(tcet, &state, OFF_BYPASS, 2, "bypass 2", BY_BODY_API);
    refuse_patched(tcet, &state, OFF_DEF_WIN, 2, "def_win 2", BY_BODY_API);
    refuse_patched(tcet, &state, 7, BASE_NB + 1, "one entry more", BY_BOTH);
    refuse_patched(tcet, &state, EX_AT, 0x06, "not a subsection marker",
                   BY_BOTH);
    refuse_patched(tcet, &state, EX_AT + 1, 13, "a name one byte short",
                   BY_BOTH);
    refuse_patched(tcet, &state, EX_AT + 15, 'y', "spapr_iommu_ey", BY_BOTH);
    refuse_patched(tcet, &state, EX_AT + 19, 2, "subsection version 2",
                   BY_BOTH);
    refuse_patched(tcet, &state, EX_AT + 31, 0, "page_shift 0", BY_BOTH);
    refuse_patched(tcet, &state, EX_AT + 31, 64, "page_shift 64", BY_BOTH);
    /* 128 pages of 16 MiB from 2^64 - 2^24 pass 2^64 */
    memcpy(buf, base, EX_AT + 32);
    store_be64(buf + EX_AT + 20, 0xffffffffff000000ULL);
    assert_refused(tcet, &state, buf, EX_AT + 32, "a window past 2^64");
    /* Only versions 2 and 3 are QEMU 7.2's. */
    assert_refused_v(tcet, &state, 1, base, EX_AT + 32, "version 1", BY_BOTH);
    assert_refused_v(tcet, &state, 4, base, EX_AT + 32, "version 4", BY_BOTH);
    /*
     * A stock source's window of 2^31 entries: its core sent none of them
     * (an int count), which post_load finds missing.
     */
    memcpy(buf, base, 9);
    store_be32(buf + 4, 0x80000000u);
    buf[9] = 0;                                 /* def_win */
    memcpy(buf + 10, base + EX_AT, 32);         /* the subsection */
    assert_refused(tcet, &state, buf, 42, "2^31 entries, none sent");

    /* The table of another LIOBN does not take it either. */
    tcet = host_table(SPAPR_PCI_LIOBN(1, 0));
    g_byte_array_free(state.body, TRUE);
    state = table_state(tcet);
    assert_refused(tcet, &state, base, EX_AT + 32, "another table's body");
    /*
     * Without the subsection the geometry is the table's own: a disabled
     * table's page_shift 0 cannot be enabled.
     */
    tcet = host_table(SPAPR_PCI_LIOBN(0, 1));
    g_byte_array_free(state.body, TRUE);
    state = table_state(tcet);
    memcpy(buf, base, EX_AT);
    buf[3] = 0x01;
    buf[2] = 0x00;
    assert_refused(tcet, &state, buf, EX_AT, "a disabled table's geometry");
    g_byte_array_free(state.body, TRUE);
    host_machine_stop(&m);
}

/*
 * Version 2 has no def_win (QEMU's VMSTATE_BOOL_V(def_win, 3)): the
 * destination's stays, through the glue and the body API alike.
 */
static void test_version_2(void)
{
    const uint8_t *base = g_bytes_get_data(base_body(), NULL);
    g_autofree uint8_t *v2 = g_malloc(EX_AT + 31);
    SpaprTceTable *tcet;
    uint32_t rets[4];
    HostMachine m;
    Error *err = NULL;
    bool def_win = true;
    unsigned i;

    memcpy(v2, base, OFF_DEF_WIN);
    memcpy(v2 + OFF_DEF_WIN, base + EX_AT, 32);
    for (i = 0; i < 2; i++) {
        host_machine_start(&m, SHAPE);
        host_ddw_create(&m, SPAPR_PCI_BASE_BUID + 1, 16, 24, rets);
        tcet = host_table(BASE_LIOBN);
        tcet->def_win = true;
        if (i == 0) {
            g_assert_cmpint(load_v(BASE_LIOBN, 2, v2, EX_AT + 31, &err), ==, 0);
            g_assert_true(tcet->def_win);
        } else {
            g_assert_cmpint(swifttce_table_vmstate_load(tcet->engine, BASE_LIOBN,
                                                        2, v2, EX_AT + 31, NULL,
                                                        &def_win, NULL, &err),
                            ==, 0);
            g_assert_true(def_win);
        }
        g_assert_null(err);
        g_assert_cmpuint(swifttce_table_nb_table(tcet->engine), ==, BASE_NB);
        g_assert_cmpuint(swifttce_table_page_shift(tcet->engine), ==, 24);
        g_assert_cmpuint(engine_nonzero(tcet), ==, BASE_NB);
        /* Version 3 takes the byte: this body is one byte short for it. */
        g_assert_cmpint(load_v(BASE_LIOBN, 3, v2, EX_AT + 31, &err), <, 0);
        error_free(err);
        err = NULL;
        host_machine_stop(&m);
    }
}

/* What the cut loop left out: the body without its subsection is whole. */
static void test_body_without_subsection(void)
{
    const uint8_t *base = g_bytes_get_data(base_body(), NULL);
    SpaprTceTable *tcet;
    uint32_t rets[4];
    HostMachine m;
    Error *err = NULL;

    host_machine_start(&m, SHAPE);
    host_ddw_create(&m, SPAPR_PCI_BASE_BUID + 1, 16, 24, rets);
    tcet = host_table(BASE_LIOBN);
    g_assert_cmpint(load(BASE_LIOBN, base, EX_AT, &err), ==, 0);
    /* the stream's 128 entries in the table's own 64 KiB pages at 2^59 */
    g_assert_cmpuint(tcet->nb_table, ==, BASE_NB);
    g_assert_cmpuint(tcet->page_shift, ==, 16);
    g_assert_cmphex(tcet->bus_offset, ==, SPAPR_PCI_DMA64_START);
    g_assert_cmpuint(count_nonzero(&m, tcet), ==, BASE_NB);
    host_machine_stop(&m);
}

int main(int argc, char **argv)
{
    guint i;

    g_test_init(&argc, &argv, NULL);
    read_manifest();
    for (i = 0; i < sections->len; i++) {
        Section *s = g_ptr_array_index(sections, i);
        g_autofree char *name = g_strdup_printf("/host/vmstate/qemu/%s",
                                                s->file);

        g_test_add_data_func(name, s, test_real_section);
    }
    for (i = 0; i < sections->len; i++) {
        Section *s = g_ptr_array_index(sections, i);
        g_autofree char *name = g_strdup_printf("/host/vmstate/body-api/%s",
                                                s->file);

        g_test_add_data_func(name, s, test_real_section_body);
    }
    g_test_add_func("/host/vmstate/bypass", test_bypass);
    g_test_add_func("/host/vmstate/version-2", test_version_2);
    g_test_add_func("/host/vmstate/refusals", test_refusals);
    g_test_add_func("/host/vmstate/body-without-subsection",
                    test_body_without_subsection);
    return g_test_run();
}
