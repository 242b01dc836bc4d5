/*
 * libFuzzer harness: the sparse migration format of host mode
 * (swifttce_load_new_sparse, swifttce_load_mapped, swifttce_load_commit,
 * swifttce_table_read_mapped), as a hostile source sends it.
 *
 * An input is a 16-byte header, then records. The header sets a table up
 * (enabled with a geometry and some entries written, or disabled) and
 * gives the stream's geometry. Each record is one call: a batch of pairs
 * for swifttce_load_mapped (indexes as steps from the last, now and then
 * raw; TCEs as they come), or the end. A plain model says what each call
 * must do: a batch is taken whole when its indexes are strictly ascending
 * (also after what was taken), below nb_table and their TCEs non-zero, and
 * refused whole otherwise, with a message; the commit succeeds when the
 * geometry can be enabled (or nb_table is 0: the window goes), and then
 * the table is the model (geometry, and exactly the pairs taken, read back
 * with swifttce_table_read_mapped in chunks of drawn sizes); a refused
 * commit, or an abort, leaves the table exactly as it was.
 *
 * Header (big-endian): mode (bit 0 enabled, bit 1 abort), page_shift (mod
 * 64), bus offset (8), nb_table (4), puts (1), seed (1). Record: a byte n;
 * n < 0xf0 is a batch of n % 24 pairs, each a step (2 bytes; 0xffff: a
 * raw 4-byte index follows) and a TCE (8 bytes); n >= 0xf0 ends the
 * stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "swifttce/host.h"

#define HEADER   16
#define MAX_PAIRS 4096

static SwiftTCETable *table;
static unsigned errors;

static void on_error(void *host_errp, const char *msg)
{
    CHECK(host_errp == &errors, "set_error with another errp");
    CHECK(msg && *msg, "an empty message");
    errors++;
}

static const SwiftTCEHostOps ops = {
    .size = sizeof(SwiftTCEHostOps),
    .set_error = on_error,
};

typedef struct State {
    uint32_t nb, shift;
    uint64_t bus;
    SwiftTCEMappedEntry *pairs;
    size_t count;
} State;

/* The table now: its geometry and every mapped entry, read in chunks. */
static State state_of(uint64_t *seed)
{
    State s = {
        .nb = swifttce_table_nb_table(table),
        .shift = swifttce_table_page_shift(table),
        .bus = swifttce_table_bus_offset(table),
    };
    size_t cap = 64, got, max;
    uint64_t first = 0;

    s.pairs = malloc(cap * sizeof(*s.pairs));
    CHECK(s.pairs, "out of memory");
    do {
        max = 1 + fuzz_xorshift(seed) % 50;
        if (s.count + max > cap) {
            cap = (s.count + max) * 2;
            s.pairs = realloc(s.pairs, cap * sizeof(*s.pairs));
            CHECK(s.pairs, "out of memory");
        }
        got = swifttce_table_read_mapped(table, first, s.pairs + s.count, max);
        CHECK(got <= max, "read_mapped: %zu of %zu", got, max);
        for (size_t i = 0; i < got; i++) {
            const SwiftTCEMappedEntry *e = &s.pairs[s.count + i];

            CHECK(e->tce != 0, "read_mapped: a zero TCE at %llu",
                  (unsigned long long)e->index);
            CHECK(e->index < s.nb, "read_mapped: index past the window");
            CHECK(e->index >= first, "read_mapped: out of order");
            first = e->index + 1;
        }
        s.count += got;
    } while (got == max);
    return s;
}

static void check_state(const State *a, const State *b, const char *what)
{
    CHECK(a->nb == b->nb && a->shift == b->shift && a->bus == b->bus,
          "%s: geometry %u/%u/0x%llx, expected %u/%u/0x%llx", what, a->nb,
          a->shift, (unsigned long long)a->bus, b->nb, b->shift,
          (unsigned long long)b->bus);
    CHECK(a->count == b->count, "%s: %zu mapped, expected %zu", what,
          a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        CHECK(a->pairs[i].index == b->pairs[i].index &&
              a->pairs[i].tce == b->pairs[i].tce,
              "%s: pair %zu is %llu:0x%llx, expected %llu:0x%llx", what, i,
              (unsigned long long)a->pairs[i].index,
              (unsigned long long)a->pairs[i].tce,
              (unsigned long long)b->pairs[i].index,
              (unsigned long long)b->pairs[i].tce);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    uint8_t mode = in_u8(&in);
    uint32_t shift = in_u8(&in) % 64;
    uint64_t bus = in_u64(&in);
    uint32_t nb = in_u32(&in);
    unsigned puts = in_u8(&in) % 32;
    uint64_t seed = in_u8(&in) * 0x9e3779b97f4a7c15ull | 1;
    static SwiftTCEMappedEntry taken[MAX_PAIRS], batch[24];
    size_t ntaken = 0;
    uint64_t least = 0;
    State old, now, want;
    SwiftTCELoad *l;
    int ret;

    if (!table) {
        table = swifttce_table_new(&ops, NULL);
        CHECK(table, "swifttce_table_new");
    }
    swifttce_table_disable(table);
    if (mode & 1 && enable_valid(shift, bus, nb % 4096)) {
        CHECK(swifttce_table_enable(table, shift, bus, nb % 4096, NULL) == 0,
              "enable");
        for (unsigned i = 0; i < puts; i++) {
            uint64_t index = fuzz_xorshift(&seed) % (nb % 4096);

            CHECK(swifttce_put_tce(table, tce_ioba_of(bus, shift, index),
                                   fuzz_xorshift(&seed)) == SWIFTTCE_H_SUCCESS,
                  "put");
        }
    }
    old = state_of(&seed);
    errors = 0;
    l = swifttce_load_new_sparse(table, nb, &errors);
    CHECK(l, "swifttce_load_new_sparse");

    while (!in_empty(&in)) {
        uint8_t n = in_u8(&in);
        uint64_t last = least;
        bool ok = true;
        unsigned count = n % 24;

        if (n >= 0xf0) {
            break;
        }
        for (unsigned i = 0; i < count; i++) {
            uint16_t step = in_u16(&in);

            batch[i].index = step == 0xffff ? in_u32(&in) : last + step;
            batch[i].tce = in_u64(&in);
            ok = ok && batch[i].index >= last && batch[i].index < nb &&
                 batch[i].tce != 0;
            last = batch[i].index + 1;
        }
        if (ntaken + count > MAX_PAIRS) {
            break;      /* the model's limit, not the library's */
        }
        errors = 0;
        ret = swifttce_load_mapped(l, batch, count, &errors);
        if (ok) {
            CHECK(ret == 0 && errors == 0, "a good batch refused: %d", ret);
            memcpy(taken + ntaken, batch, count * sizeof(*batch));
            ntaken += count;
            least = count ? last : least;
        } else {
            CHECK(ret == -EINVAL && errors == 1, "a bad batch: %d, %u messages",
                  ret, errors);
        }
    }

    if (mode & 2) {
        swifttce_load_abort(l);
        now = state_of(&seed);
        check_state(&now, &old, "after abort");
    } else {
        SwiftTCELoadResult res;
        bool valid = nb == 0 || enable_valid(shift, bus, nb);

        errors = 0;
        ret = swifttce_load_commit(l, shift, bus, &res, &errors);
        now = state_of(&seed);
        if (valid) {
            CHECK(ret == 0 && errors == 0, "a good commit refused: %d", ret);
            want = (State){ nb, nb ? shift : 0, nb ? bus : 0, taken, ntaken };
            check_state(&now, &want, "after commit");
            CHECK(res.made == (nb && nb != old.nb), "made");
            CHECK(res.dropped == (old.nb && nb != old.nb), "dropped");
        } else {
            CHECK(ret == -EINVAL && errors == 1, "a bad commit: %d, %u messages",
                  ret, errors);
            CHECK(!res.made && !res.dropped, "a refusal's flags");
            check_state(&now, &old, "after a refused commit");
        }
    }
    free(old.pairs);
    free(now.pairs);
    return 0;
}
