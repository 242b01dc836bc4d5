/*
 * libFuzzer harness: loading a migration stream, as a hostile source sends it.
 *
 * Each input sets a table up (enabled with random parameters or disabled,
 * some entries written), saves it, checks the saved stream against an
 * independent decoder of the documented format, then loads a stream made
 * from the input: raw bytes, the saved stream with random edits (CRC fixed
 * up or not), or a stream built field by field. The decoder predicts whether
 * the load must succeed. Success: saving again gives back exactly the loaded
 * stream and the table answers H_GET_TCE, translate and replay from it.
 * Refusal: -EINVAL with a message, and the table saves exactly as before.
 * Either way no notification is sent. A second table with another LIOBN
 * gets the same stream, which it must refuse when the LIOBN is not its own.
 *
 * Some inputs target a window of a PHB instead (set up through RTAS: the
 * default window, a created one, or a created window 0 after the default
 * was removed). Its stream may carry the default-window flag, which must
 * survive the round trip, and the PHB's listener must hear exactly the
 * window going and coming back when a load changes its geometry.
 */
#include <errno.h>

#include "fuzz-util.h"

#define LIOBN_T 0x2001
#define LIOBN_U 0x2002
#define HEADER  40
#define ENTRY   12
#define TRAILER 4
#define MAX_PUTS 64

typedef struct Target {
    SpaprTceTable *t;
    IOMMUMemoryRegion *mr;
    IOMMUNotifier n;
    uint64_t events;
    bool window;            /* one of the PHB's windows */
} Target;

static Target T, U, W[2];
static SpaprPhb *phb;

/* What the PHB's listener heard. */
static struct {
    SpaprTceTable *t;
    bool added;
} heard[8];
static size_t nheard;

/* ---- The format, decoded independently ---------------------------------- */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
}

static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffffu;

    for (size_t i = 0; i < len; i++) {
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static void put_be(uint8_t *p, int n, uint64_t v)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

typedef struct Decoded {
    bool def;                   /* flag bit 0: the PHB's default window */
    bool bypass;                /* flag bit 1: QEMU's bypass */
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;
    uint32_t count;
    uint64_t mapped;            /* entries with a perm */
    const uint8_t *entries;
} Decoded;

static bool window_valid(uint32_t shift, uint64_t bus, uint32_t nb)
{
    uint64_t size;

    if (shift < 1 || shift > 63 || nb == 0) {
        return false;
    }
    size = (uint64_t)nb << shift;
    return size >> shift == nb && bus <= UINT64_MAX - (size - 1);
}

/* window: the stream goes to a PHB's window, which may take flag bit 0. */
static bool decode(const uint8_t *b, size_t len, uint32_t liobn, bool window,
                   Decoded *d)
{
    uint64_t prev = 0;
    uint64_t flags;

    memset(d, 0, sizeof(*d));
    if (len < HEADER + TRAILER || memcmp(b, "SPTCETBL", 8) != 0 ||
        get_be(b + 8, 4) != 1 || get_be(b + 12, 4) != liobn) {
        return false;
    }
    flags = get_be(b + 20, 4);
    d->def = flags & 1;
    d->bypass = flags & 2;
    if ((flags & ~3ULL) || (d->def && !window) ||
        (d->def && get_be(b + 32, 4) == 0)) {
        return false;
    }
    d->page_shift = (uint32_t)get_be(b + 16, 4);
    d->bus_offset = get_be(b + 24, 8);
    d->nb_table = (uint32_t)get_be(b + 32, 4);
    d->count = (uint32_t)get_be(b + 36, 4);
    d->entries = b + HEADER;
    if (d->nb_table == 0 ? (d->page_shift || d->bus_offset)
                         : !window_valid(d->page_shift, d->bus_offset,
                                         d->nb_table)) {
        return false;
    }
    if (d->count > d->nb_table ||
        len != HEADER + (uint64_t)d->count * ENTRY + TRAILER ||
        crc32_ieee(b, len - TRAILER) != get_be(b + len - TRAILER, 4)) {
        return false;
    }
    for (uint32_t i = 0; i < d->count; i++) {
        uint64_t index = get_be(d->entries + i * ENTRY, 4);
        uint64_t tce = get_be(d->entries + i * ENTRY + 4, 8);

        if (index >= d->nb_table || (i && index <= prev) || tce == 0) {
            return false;
        }
        d->mapped += (tce & 3) != 0;
        prev = index;
    }
    return true;
}

/* ---- The table ----------------------------------------------------------- */

static void count_event(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (void)e;
    ((Target *)((char *)n - offsetof(Target, n)))->events++;
}

static void listener(void *opaque, SpaprPhb *p, SpaprTceTable *t, bool added)
{
    (void)opaque;
    CHECK(p == phb, "listener of another PHB");
    CHECK(nheard < sizeof(heard) / sizeof(heard[0]), "listener flood");
    heard[nheard].t = t;
    heard[nheard].added = added;
    nheard++;
}

static uint64_t replay_seen;

static void count_replay(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (void)n;
    CHECK(e->perm != IOMMU_NONE, "replay of an unmapped entry");
    replay_seen++;
}

static uint8_t *save(Target *x, size_t *len)
{
    size_t need = spapr_tce_table_save(x->t, NULL, 0);
    uint8_t *buf;
    size_t again;

    CHECK(need >= HEADER + TRAILER, "save needs %zu bytes", need);
    buf = malloc(need + 1);
    CHECK(buf, "out of memory");
    /* One byte short: the size comes back, nothing is written. */
    memset(buf, 0xee, need + 1);
    CHECK(spapr_tce_table_save(x->t, buf, need - 1) == need, "short save");
    for (size_t i = 0; i <= need; i++) {
        CHECK(buf[i] == 0xee, "short save wrote byte %zu", i);
    }
    again = spapr_tce_table_save(x->t, buf, need + 1);
    CHECK(again == need, "save wrote %zu of %zu", again, need);
    CHECK(buf[need] == 0xee, "save wrote past its size");
    *len = need;
    return buf;
}

/* The table matches the decoded stream, through every way of reading it. */
static void check_matches(Target *x, uint32_t liobn, const Decoded *d)
{
    IOMMUNotifier n;

    CHECK_EQ_U64(spapr_tce_get_liobn(x->t), liobn, "liobn");
    CHECK_EQ_U64(spapr_tce_get_page_shift(x->t), d->page_shift, "page_shift");
    CHECK_EQ_U64(spapr_tce_get_bus_offset(x->t), d->bus_offset, "bus_offset");
    CHECK_EQ_U64(spapr_tce_get_nb_table(x->t), d->nb_table, "nb_table");
    CHECK(spapr_tce_get_bypass(x->t) == d->bypass, "bypass");
    CHECK_EQ_U64(memory_region_size(x->mr),
                 (uint64_t)d->nb_table << d->page_shift, "region size");
    for (uint32_t i = 0; i < d->count; i++) {
        uint64_t index = get_be(d->entries + i * ENTRY, 4);
        uint64_t tce = get_be(d->entries + i * ENTRY + 4, 8);
        uint64_t mask = ~((1ULL << d->page_shift) - 1);
        uint64_t got = 0;
        IOMMUTLBEntry e;

        CHECK(spapr_h_get_tce(liobn, tce_ioba_of(d->bus_offset,
                                                 d->page_shift, index),
                              &got) == H_SUCCESS, "get of a loaded entry");
        CHECK_EQ_U64(got, tce, "loaded entry");
        e = x->mr->ops->translate(x->mr, index << d->page_shift, IOMMU_RO, 0);
        CHECK_EQ_U64(e.translated_addr, tce & mask, "translate address");
        CHECK_EQ_U64(e.perm, tce & 3, "translate perm");
    }
    iommu_notifier_init(&n, count_replay, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 0);
    replay_seen = 0;
    memory_region_iommu_replay(x->mr, &n);
    CHECK_EQ_U64(replay_seen, d->mapped, "replayed entries");
}

/* Disabled, or enabled from the input with some entries written. */
static void setup(Target *x, uint32_t liobn, FuzzInput *in)
{
    uint8_t sel = in_u8(in);
    uint32_t shift, nb;
    uint64_t bus;
    Error *err = NULL;
    int puts;

    spapr_tce_table_disable(x->t);
    if ((sel & 7) == 0) {
        return;
    }
    shift = (sel & 8) ? in_u8(in) % 64 : (uint32_t[]){ 12, 16, 24, 21 }[sel >> 4 & 3];
    nb = (sel & 0x40) ? in_u32(in) : in_u16(in);
    bus = (sel & 0x80) ? in_u64(in) : 0;
    if (!window_valid(shift, bus, nb)) {
        shift = 12;
        nb = 1 + (nb & 0xffff);
        bus = 0;
    }
    CHECK(spapr_tce_table_enable(x->t, shift, bus, nb, &err) == 0,
          "enable: %s", err ? error_get_pretty(err) : "");
    puts = in_u8(in) % MAX_PUTS;
    for (int i = 0; i < puts; i++) {
        uint64_t index = ((uint64_t)in_u8(in) << 16 | in_u16(in)) % nb;
        uint64_t tce = in_u64(in);

        CHECK(spapr_h_put_tce(liobn, tce_ioba_of(bus, shift, index), tce)
              == H_SUCCESS, "put");
    }
}

static void rtas_create(uint32_t page_shift, uint32_t window_shift)
{
    uint64_t buid = spapr_phb_get_buid(phb);
    uint32_t a[5] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid, page_shift,
                      window_shift };
    uint32_t r[4];

    rtas_ibm_create_pe_dma_window(5, a, 4, r);
    CHECK(r[0] == RTAS_OUT_SUCCESS, "create %u/%u: %d", page_shift,
          window_shift, (int)r[0]);
}

/* The PHB reset, then maybe a created window, maybe instead of window 0. */
static void setup_phb(FuzzInput *in)
{
    uint8_t sel = in_u8(in);
    static const uint32_t shifts[] = { 12, 16, 21, 24 };
    int puts;

    spapr_phb_reset(phb);
    if (sel & 1) {
        uint32_t a[1] = { SPAPR_PCI_LIOBN(0, 0) }, r[1];

        rtas_ibm_remove_pe_dma_window(1, a, 1, r);
        CHECK(r[0] == RTAS_OUT_SUCCESS, "remove: %d", (int)r[0]);
    }
    if (sel & 3) {
        uint32_t ps = shifts[sel >> 2 & 3];

        rtas_create(ps, ps + (sel >> 4));
    }
    puts = in_u8(in) % MAX_PUTS;
    for (int i = 0; i < puts; i++) {
        Target *x = &W[in_u8(in) & 1];
        uint32_t shift = spapr_tce_get_page_shift(x->t);
        uint32_t nb = spapr_tce_get_nb_table(x->t);
        uint64_t index = in_u16(in);
        uint64_t tce = in_u64(in);

        if (nb) {
            index %= nb;
            CHECK(spapr_h_put_tce(spapr_tce_get_liobn(x->t),
                                  tce_ioba_of(spapr_tce_get_bus_offset(x->t),
                                              shift, index), tce)
                  == H_SUCCESS, "put on a window");
        }
    }
    nheard = 0;
}

/* ---- Streams from the input --------------------------------------------- */

static const uint32_t interesting32[] = {
    0, 1, 2, 11, 12, 13, 63, 64, 65, 0x7fffffff, 0x80000000u, 0xffffffffu,
    LIOBN_T, LIOBN_U, 0x1000, 0x100000,
};

static uint32_t pick32(FuzzInput *in)
{
    uint8_t sel = in_u8(in);

    return sel < 0x80 ? interesting32[sel & 15] : in_u32(in);
}

static uint8_t *mutate(const uint8_t *saved, size_t saved_len, FuzzInput *in,
                       size_t *len)
{
    size_t cap = saved_len + 256;
    uint8_t *b = malloc(cap);
    uint8_t edits = in_u8(in);
    bool fix_crc = edits & 0x80;
    size_t n = saved_len;

    CHECK(b, "out of memory");
    memcpy(b, saved, saved_len);
    for (int i = 0; i < (edits & 7) + 1; i++) {
        uint8_t kind = in_u8(in);
        size_t off = in_u16(in);

        switch (kind & 7) {
        case 0:                                 /* one byte */
            if (n) {
                b[off % n] = in_u8(in);
            }
            break;
        case 1: {                               /* a header field */
            static const uint8_t fields[] = { 8, 12, 16, 20, 28, 32, 36 };
            size_t at = fields[(kind >> 3) % sizeof(fields)];

            if (at + 4 <= n) {
                put_be(b + at, 4, pick32(in));
            }
            break;
        }
        case 2:                                 /* bus_offset */
            if (n >= 32) {
                put_be(b + 24, 8, in_u64(in));
            }
            break;
        case 3:                                 /* truncate */
            n = n ? off % n : 0;
            break;
        case 4:                                 /* grow by whole entries */
            for (int k = 0; k < (kind >> 3) + 1 && n + ENTRY <= cap; k++) {
                put_be(b + n, 4, in_u32(in));
                put_be(b + n + 4, 8, in_u64(in));
                n += ENTRY;
            }
            break;
        case 5:                                 /* an entry's index */
            if (n >= HEADER + ENTRY + TRAILER) {
                size_t e = HEADER + (off % ((n - HEADER - TRAILER) / ENTRY)) *
                           ENTRY;
                put_be(b + e, 4, pick32(in));
            }
            break;
        case 6:                                 /* an entry's TCE */
            if (n >= HEADER + ENTRY + TRAILER) {
                size_t e = HEADER + (off % ((n - HEADER - TRAILER) / ENTRY)) *
                           ENTRY;
                put_be(b + e + 4, 8, (kind & 8) ? 0 : in_u64(in));
            }
            break;
        default:                                /* count = what is there */
            if (n >= HEADER + TRAILER) {
                put_be(b + 36, 4, (n - HEADER - TRAILER) / ENTRY);
            }
            break;
        }
    }
    if (fix_crc && n >= TRAILER) {
        put_be(b + n - TRAILER, 4, crc32_ieee(b, n - TRAILER));
    }
    *len = n;
    return b;
}

static uint8_t *build(FuzzInput *in, uint32_t liobn, size_t *len)
{
    uint8_t sel = in_u8(in);
    uint32_t count = in_u8(in) % 48;
    uint32_t nb = (sel & 1) ? pick32(in) : count + in_u8(in);
    size_t n = HEADER + (size_t)count * ENTRY + TRAILER;
    uint8_t *b = malloc(n);
    uint64_t index = 0;

    CHECK(b, "out of memory");
    memcpy(b, "SPTCETBL", 8);
    put_be(b + 8, 4, (sel & 2) ? pick32(in) : 1);
    put_be(b + 12, 4, (sel & 4) ? pick32(in) : liobn);
    put_be(b + 16, 4, (sel & 8) ? pick32(in) : nb ? 12 : 0);
    put_be(b + 20, 4, (sel & 0x10) ? pick32(in) : sel >> 7);
    put_be(b + 24, 8, (sel & 0x20) ? in_u64(in) : 0);
    put_be(b + 32, 4, nb);
    put_be(b + 36, 4, (sel & 0x40) ? pick32(in) : count);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t step = in_u8(in);

        /* Mostly ascending and in range; sometimes not. */
        index = step < 0xf0 ? index + 1 + (step & 0x1f) : in_u32(in);
        put_be(b + HEADER + i * ENTRY, 4, index);
        put_be(b + HEADER + i * ENTRY + 4, 8,
               step < 0xe0 ? (in_u64(in) | 1) : in_u64(in));
    }
    put_be(b + n - TRAILER, 4,
           (sel & 0x80) ? in_u32(in) : crc32_ieee(b, n - TRAILER));
    *len = n;
    return b;
}

/* ---- One load, checked ---------------------------------------------------- */

static void load_and_check(Target *x, uint32_t liobn, const uint8_t *s,
                           size_t len)
{
    Decoded d;
    bool ok = decode(s, len, liobn, x->window, &d);
    uint32_t old_nb = spapr_tce_get_nb_table(x->t);
    uint32_t old_shift = spapr_tce_get_page_shift(x->t);
    uint64_t old_bus = spapr_tce_get_bus_offset(x->t);
    size_t before_len, after_len;
    uint8_t *before = save(x, &before_len);
    uint8_t *after;
    Error *err = NULL;
    int ret;
    /* The library gets its own exact-size copy: ASan sees any over-read. */
    uint8_t *copy = malloc(len ? len : 1);

    CHECK(copy, "out of memory");
    memcpy(copy, s, len);
    x->events = 0;
    nheard = 0;
    ret = spapr_tce_table_load(x->t, copy, len, &err);
    CHECK(x->events == 0, "load sent %llu notifications",
          (unsigned long long)x->events);
    if (ok && x->window) {
        /* The window goes and comes back only when its geometry changes. */
        bool same = old_nb && old_nb == d.nb_table &&
                    old_shift == d.page_shift && old_bus == d.bus_offset;
        size_t want = (old_nb && !same) + (d.nb_table && !same);
        size_t i = 0;

        CHECK(nheard == want, "listener heard %zu, expected %zu", nheard,
              want);
        if (old_nb && !same) {
            CHECK(heard[i].t == x->t && !heard[i].added, "removal");
            i++;
        }
        if (d.nb_table && !same) {
            CHECK(heard[i].t == x->t && heard[i].added, "addition");
        }
    } else {
        CHECK(nheard == 0, "listener heard %zu on a %s load", nheard,
              ok ? "plain table's" : "refused");
    }
    after = save(x, &after_len);
    if (ok) {
        CHECK(ret == 0 && !err, "valid stream (%zu bytes) refused: %d %s",
              len, ret, err ? error_get_pretty(err) : "");
        CHECK(after_len == len && memcmp(after, s, len) == 0,
              "save after load differs from the loaded stream");
        check_matches(x, liobn, &d);
    } else {
        CHECK(ret == -EINVAL, "invalid stream (%zu bytes) loaded: %d", len,
              ret);
        CHECK(err && *error_get_pretty(err), "refusal without a message");
        error_free(err);
        CHECK(after_len == before_len &&
              memcmp(after, before, before_len) == 0,
              "a refused load changed the table");
        CHECK(decode(before, before_len, liobn, x->window, &d),
              "saved stream invalid");
        check_matches(x, liobn, &d);
    }
    free(copy);
    free(before);
    free(after);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    Target *xs[4] = { &T, &U, &W[0], &W[1] };
    uint32_t liobns[2] = { LIOBN_T, LIOBN_U };
    SpaprPhbConfig cfg;

    (void)argc;
    (void)argv;
    crc_init();
    spapr_phb_config_default(&cfg, 0);
    phb = spapr_phb_new(&cfg, NULL);
    CHECK(phb, "spapr_phb_new");
    spapr_phb_set_window_listener(phb, listener, NULL);
    for (int i = 0; i < 4; i++) {
        Target *x = xs[i];

        if (i < 2) {
            x->t = spapr_tce_new_table(NULL, liobns[i], NULL);
        } else {
            x->t = spapr_phb_get_window(phb, i - 2);
            x->window = true;
        }
        CHECK(x->t, "new table");
        x->mr = spapr_tce_get_iommu_mr(x->t);
        iommu_notifier_init(&x->n, count_event, IOMMU_NOTIFIER_IOTLB_EVENTS,
                            0, ~0ULL, 0);
        CHECK(memory_region_register_iommu_notifier(x->mr, &x->n, NULL) == 0,
              "register");
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    uint8_t mode = in_u8(&in);
    uint8_t *saved, *stream;
    size_t saved_len, len;
    Decoded d;
    Target *x = &T;
    uint32_t liobn = LIOBN_T;

    setup(&T, LIOBN_T, &in);
    setup(&U, LIOBN_U, &in);
    if (mode & 4) {
        setup_phb(&in);
        x = &W[mode >> 3 & 1];
        liobn = spapr_tce_get_liobn(x->t);
    }

    /* What save writes is the documented format, and round-trips. */
    saved = save(x, &saved_len);
    CHECK(decode(saved, saved_len, liobn, x->window, &d),
          "saved stream invalid");
    check_matches(x, liobn, &d);

    switch (mode & 3) {
    case 0:                                     /* raw bytes */
        len = in.left;
        stream = malloc(len ? len : 1);
        memcpy(stream, in.p, len);
        break;
    case 1:
    case 2:
        stream = mutate(saved, saved_len, &in, &len);
        break;
    default:
        stream = build(&in, liobn, &len);
        break;
    }
    load_and_check(x, liobn, stream, len);
    load_and_check(&U, LIOBN_U, stream, len);
    /* The table's own stream goes back in, whatever happened. */
    load_and_check(x, liobn, saved, saved_len);
    free(stream);
    free(saved);
    return 0;
}
