/*
 * libFuzzer harness: QEMU 7.2's "spapr_iommu" section loaded into a host
 * mode table (include/swifttce/host.h), as a hostile source sends it.
 *
 * An input is a 16-byte header, then the section body. The header sets a
 * table up (enabled with its geometry, some entries written, or disabled)
 * and picks the path: the whole-body API (swifttce_table_vmstate_load), or
 * the steps a host with QEMU's own vmstate core takes: this harness parses
 * the fields as QEMU's core would (an int element count, any byte a bool,
 * subsections while the marker comes, nothing after them), hands the
 * entries to a load session in chunks of sizes it draws (now and then one
 * out of order, which must be refused and change nothing), then commits or
 * aborts. A plain model, decoded here, says what must happen: on success
 * the table is the model (geometry, every entry, the result's flags, the
 * body API's bypass and def_win), on any refusal (a message, a negative
 * errno) and on abort the table is exactly what it was. No load notifies.
 *
 * Header: mode (bit 0 steps, bit 1 enabled, bit 2 a LIOBN not the
 * stream's, bit 3 version 2, bit 4 abort, bit 5 a session made before the
 * first entry, bit 6 a version QEMU 7.2 does not know), page_shift, bus
 * offset (8), nb_table (4: with bit 31, modulo 2^19, else modulo 4096, so
 * that most runs are quick), puts, seed. Seeds are the real sections of
 * Tests/vmstate/ behind headers (fuzz/corpus/fuzz-vmstate).
 */
#include <errno.h>

#include "fuzz-util.h"
#include "swifttce/host.h"

#define HEADER 16
#define NB_CAP (1u << 19)
#define SUBSECTION "spapr_iommu_ex"
#define QEMU_VM_SUBSECTION_MARK 0x05

static SwiftTCETable *table;
static unsigned notified, errors;

static void on_notify(void *host_table, const SwiftTCEMapping *m)
{
    (void)host_table;
    (void)m;
    notified++;
}

static void on_error(void *host_errp, const char *msg)
{
    CHECK(host_errp == &errors, "set_error with another errp");
    CHECK(msg && *msg, "an empty message");
    errors++;
}

static const SwiftTCEHostOps ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = on_notify,
    .set_error = on_error,
};

/* ---- The table as it is -------------------------------------------------- */

typedef struct State {
    uint32_t nb, shift;
    uint64_t bus;
    uint64_t *entries;          /* nb of them */
} State;

static State state_of(void)
{
    State s = {
        .nb = swifttce_table_nb_table(table),
        .shift = swifttce_table_page_shift(table),
        .bus = swifttce_table_bus_offset(table),
    };

    s.entries = malloc((s.nb ? s.nb : 1) * sizeof(uint64_t));
    CHECK(s.entries, "malloc");
    CHECK_EQ_U64(swifttce_table_read_entries(table, 0, s.entries, s.nb), s.nb,
                 "read_entries");
    return s;
}

static void check_state(const State *want, const char *when)
{
    State now = state_of();

    CHECK(now.nb == want->nb && now.shift == want->shift &&
          now.bus == want->bus, "%s: geometry %u/%u/0x%llx, want %u/%u/0x%llx",
          when, now.nb, now.shift, (unsigned long long)now.bus, want->nb,
          want->shift, (unsigned long long)want->bus);
    CHECK(memcmp(now.entries, want->entries, now.nb * sizeof(uint64_t)) == 0,
          "%s: entries differ", when);
    free(now.entries);
}

/* ---- The model: the body decoded as QEMU's core would ------------------ */

typedef struct Model {
    bool parsed;                /* QEMU's core reads it all */
    bool strict;                /* ... and the body API too (bools, one sub) */
    uint32_t liobn, nb;
    uint8_t bypass, def_win;
    size_t entries_at;          /* offset of mig_table */
    uint32_t sent;              /* entries in the stream (QEMU: an int) */
    unsigned subsections;
    uint64_t bus;               /* the fields after the subsections */
    uint32_t shift;
} Model;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* bus and shift start as the table's: QEMU's fields before the load. */
static Model decode(const uint8_t *b, size_t len, int version, uint64_t bus,
                    uint32_t shift)
{
    Model m = { .bus = bus, .shift = shift };
    size_t at = 9;

    if (len < 9) {
        return m;
    }
    m.liobn = be32(b);
    m.nb = be32(b + 4);
    m.bypass = b[8];
    m.sent = m.nb <= SWIFTTCE_VMSTATE_NB_TABLE_MAX ? m.nb : 0;
    m.entries_at = 9;
    if ((len - at) / 8 < m.sent) {
        return m;
    }
    at += (size_t)m.sent * 8;
    if (version >= 3) {
        if (at >= len) {
            return m;
        }
        m.def_win = b[at++];
    }
    while (at < len && b[at] == QEMU_VM_SUBSECTION_MARK) {
        size_t nlen;

        if (len - at < 2 || len - at - 2 < (nlen = b[at + 1])) {
            return m;
        }
        if (nlen != strlen(SUBSECTION) ||
            memcmp(b + at + 2, SUBSECTION, nlen) != 0) {
            return m;
        }
        at += 2 + nlen;
        if (len - at < 16 || be32(b + at) != 1) {
            return m;
        }
        m.bus = be64(b + at + 4);
        m.shift = be32(b + at + 12);
        at += 16;
        m.subsections++;
    }
    if (at != len) {
        return m;
    }
    m.parsed = true;
    m.strict = m.bypass <= 1 && m.def_win <= 1 && m.subsections <= 1;
    return m;
}

/* What post_load makes of a parsed stream: whether it commits. */
static bool commits(const Model *m)
{
    if (m->sent != m->nb) {
        return false;       /* QEMU's source sent none of them */
    }
    return m->nb == 0 || enable_valid(m->shift, m->bus, m->nb);
}

static void check_loaded(const Model *m, const uint8_t *b, const State *old,
                         const SwiftTCELoadResult *res)
{
    State now = state_of();

    CHECK(res->dropped == (old->nb && old->nb != m->nb), "dropped");
    CHECK(res->made == (m->nb && old->nb != m->nb), "made");
    CHECK(res->old_nb_table == old->nb && res->old_page_shift == old->shift &&
          res->old_bus_offset == old->bus, "the result's old geometry");
    CHECK_EQ_U64(now.nb, m->nb, "nb_table");
    if (m->nb) {
        CHECK_EQ_U64(now.shift, m->shift, "page_shift");
        CHECK_EQ_U64(now.bus, m->bus, "bus_offset");
    } else {
        CHECK(now.shift == 0 && now.bus == 0, "a disabled table's geometry");
    }
    for (uint32_t i = 0; i < now.nb; i++) {
        CHECK_EQ_U64(now.entries[i], be64(b + m->entries_at + 8 * (size_t)i),
                     "entry");
    }
    free(now.entries);
}

/* ---- The two paths ---------------------------------------------------- */

static void whole(const uint8_t *b, size_t len, uint32_t liobn, int version,
                  const State *old)
{
    Model m = decode(b, len, version, old->bus, old->shift);
    bool ok = (version == 2 || version == 3) && m.parsed && m.strict &&
              m.liobn == liobn && commits(&m);
    SwiftTCELoadResult res;
    bool bypass = true, def_win = true;
    int ret;

    /* NULL for an empty body, as a host may pass it */
    ret = swifttce_table_vmstate_load(table, liobn, version, len ? b : NULL,
                                      len, &bypass, &def_win, &res, &errors);
    if (!ok) {
        CHECK(ret == -EINVAL && errors == 1, "whole: not refused (%d)", ret);
        CHECK(!res.dropped && !res.made, "a refusal's flags");
        check_state(old, "whole, refused");
        return;
    }
    CHECK(ret == 0 && errors == 0, "whole: refused (%d)", ret);
    CHECK(bypass == (m.bypass == 1), "bypass");
    CHECK(def_win == (version == 3 ? m.def_win == 1 : true), "def_win");
    check_loaded(&m, b, old, &res);
}

/*
 * QEMU's core and the glue: the fields in order, the entries in chunks to a
 * session (made before the first entry, or with it as the glue does), and
 * post_load's commit with the fields' geometry; or an abort.
 */
static void steps(const uint8_t *b, size_t len, uint32_t liobn, int version,
                  uint8_t mode, uint64_t seed, const State *old)
{
    Model m = decode(b, len, version, old->bus, old->shift);
    bool ok = (version == 2 || version == 3) && m.parsed &&
              m.liobn == liobn && commits(&m);
    bool early = mode & 0x20, abort_it = mode & 0x10;
    SwiftTCELoad *l = NULL;
    SwiftTCELoadResult res;
    uint64_t chunk[600];
    uint32_t done = 0;
    unsigned want_errors = 0;
    int ret;

    /* The core refuses these before it reads an entry. */
    if (version < 2 || version > 3 || len < 9 || m.liobn != liobn) {
        check_state(old, "steps, refused by the core");
        return;
    }
    if (early) {
        l = swifttce_load_new(table, m.nb, &errors);
        CHECK(l, "load_new");
    }
    while (done < m.sent && (len - 9) / 8 > done) {
        size_t n = 1 + fuzz_xorshift(&seed) % 600;

        n = n < m.sent - done ? n : m.sent - done;
        n = n < (len - 9) / 8 - done ? n : (len - 9) / 8 - done;
        for (size_t i = 0; i < n; i++) {
            chunk[i] = be64(b + 9 + 8 * ((size_t)done + i));
        }
        if (!l) {
            l = swifttce_load_new(table, m.nb, &errors);
            CHECK(l, "load_new");
        }
        if (fuzz_xorshift(&seed) % 16 == 0) {
            /* out of order: refused, nothing staged */
            ret = swifttce_load_entries(l, done + 1, chunk, n, &errors);
            CHECK(ret == -EINVAL && errors == ++want_errors,
                  "out of order not refused");
        }
        ret = swifttce_load_entries(l, done, chunk, n, &errors);
        CHECK(ret == 0 && errors == want_errors, "load_entries refused");
        done += n;
    }
    check_state(old, "steps, staged");
    if (!m.parsed || abort_it) {
        /* the core stops at the bad field: no post_load */
        swifttce_load_abort(l);
        check_state(old, "steps, aborted");
        return;
    }
    if (!l) {
        l = swifttce_load_new(table, m.nb, &errors);
        CHECK(l, "load_new");
    }
    ret = swifttce_load_commit(l, m.shift, m.bus, &res, &errors);
    if (!ok) {
        CHECK(ret == -EINVAL && errors == want_errors + 1,
              "commit not refused (%d)", ret);
        CHECK(!res.dropped && !res.made, "a refusal's flags");
        check_state(old, "steps, refused");
        return;
    }
    CHECK(ret == 0 && errors == want_errors, "commit refused (%d)", ret);
    check_loaded(&m, b, old, &res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    uint8_t mode = in_u8(&in);
    uint32_t shift = in_u8(&in) % 64;
    uint64_t bus = in_u64(&in);
    uint32_t nb_raw = in_u32(&in);
    uint32_t nb = nb_raw & 0x80000000u ? nb_raw % NB_CAP : nb_raw % 4096;
    unsigned puts = in_u8(&in) % 32;
    uint64_t seed = in_u8(&in) * 0x9e3779b97f4a7c15ull | 1;
    const uint8_t *b = size > HEADER ? data + HEADER : NULL;
    size_t len = size > HEADER ? size - HEADER : 0;
    int version = mode & 0x40 ? (mode & 8 ? 1 : 4) : (mode & 8 ? 2 : 3);
    uint32_t liobn = len >= 4 ? be32(b) : 0;
    State old;

    if (!table) {
        table = swifttce_table_new(&ops, NULL);
        CHECK(table, "swifttce_table_new");
    }
    swifttce_table_disable(table);
    if (mode & 2 && enable_valid(shift, bus, nb)) {
        CHECK(swifttce_table_enable(table, shift, bus, nb, NULL) == 0, "enable");
        for (unsigned i = 0; i < puts; i++) {
            uint64_t index = fuzz_xorshift(&seed) % nb;

            CHECK(swifttce_put_tce(table, tce_ioba_of(bus, shift, index),
                                   fuzz_xorshift(&seed)) == SWIFTTCE_H_SUCCESS,
                  "put");
        }
    }
    if (mode & 4) {
        liobn ^= 1;
    }
    old = state_of();
    notified = errors = 0;
    if (mode & 1) {
        steps(b, len, liobn, version, mode, seed, &old);
    } else {
        whole(b, len, liobn, version, &old);
    }
    CHECK(notified == 0, "a load notified");
    free(old.entries);
    return 0;
}
