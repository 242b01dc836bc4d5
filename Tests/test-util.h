/*
 * Shared helpers for the SwiftTCE C test drivers.
 *
 * A recording notifier (every entry it is told about, appended to a GArray),
 * entry comparison that ignores struct padding, replay against QEMU's
 * generic walk, a table's state for "left unchanged" checks, guest memory
 * for H_PUT_TCE_INDIRECT, the DDW RTAS calls, and Error checks.
 */
#ifndef SWIFTTCE_TEST_UTIL_H
#define SWIFTTCE_TEST_UTIL_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "notifier-on.h"

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/*
 * A new table (owner NULL) for liobn, enabled with that geometry unless nb
 * is 0; every step must succeed.
 */
static inline SpaprTceTable *make_table(uint32_t liobn, uint32_t shift,
                                        uint64_t bus, uint32_t nb)
{
    Error *err = NULL;
    SpaprTceTable *t = spapr_tce_new_table(NULL, liobn, &err);

    g_assert_null(err);
    g_assert_nonnull(t);
    if (nb) {
        g_assert_cmpint(spapr_tce_table_enable(t, shift, bus, nb, &err), ==, 0);
        g_assert_null(err);
    }
    return t;
}

/* H_GET_TCE, which must succeed: the TCE. */
static inline uint64_t test_get_tce(uint32_t liobn, uint64_t ioba)
{
    uint64_t tce = 0x5a5a5a5a;

    g_assert_cmpint(spapr_h_get_tce(liobn, ioba, &tce), ==, H_SUCCESS);
    return tce;
}

/* A notifier that records a copy of every entry it is given. */
typedef struct RecNotifier {
    IOMMUNotifier n;
    GArray *entries;   /* of IOMMUTLBEntry */
} RecNotifier;

static inline void rec_notify(IOMMUNotifier *n, IOMMUTLBEntry *entry)
{
    RecNotifier *rec = container_of(n, RecNotifier, n);

    g_array_append_val(rec->entries, *entry);
}

static inline void rec_init(RecNotifier *rec, IOMMUNotifierFlag flags,
                            hwaddr start, hwaddr end, int iommu_idx)
{
    iommu_notifier_init(&rec->n, rec_notify, flags, start, end, iommu_idx);
    rec->entries = g_array_new(FALSE, TRUE, sizeof(IOMMUTLBEntry));
}

static inline void rec_clear(RecNotifier *rec)
{
    g_array_set_size(rec->entries, 0);
}

static inline void rec_destroy(RecNotifier *rec)
{
    g_array_free(rec->entries, TRUE);
    rec->entries = NULL;
}

static inline IOMMUTLBEntry *rec_entry(RecNotifier *rec, guint i)
{
    g_assert_cmpuint(i, <, rec->entries->len);
    return &g_array_index(rec->entries, IOMMUTLBEntry, i);
}

static inline IOMMUTLBEntry test_entry(hwaddr iova, hwaddr translated_addr,
                                       hwaddr addr_mask,
                                       IOMMUAccessFlags perm)
{
    IOMMUTLBEntry e = {
        .target_as = NULL,
        .iova = iova,
        .translated_addr = translated_addr,
        .addr_mask = addr_mask,
        .perm = perm,
    };
    return e;
}

/* Field by field: the struct has tail padding, so no memcmp. */
static inline void assert_entry_eq(const IOMMUTLBEntry *a,
                                   const IOMMUTLBEntry *b)
{
    g_assert_true(a->target_as == b->target_as);
    g_assert_cmphex(a->iova, ==, b->iova);
    g_assert_cmphex(a->translated_addr, ==, b->translated_addr);
    g_assert_cmphex(a->addr_mask, ==, b->addr_mask);
    g_assert_cmpint(a->perm, ==, b->perm);
}

static inline void assert_entries_eq(GArray *a, GArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++) {
        assert_entry_eq(&g_array_index(a, IOMMUTLBEntry, i),
                        &g_array_index(b, IOMMUTLBEntry, i));
    }
}

/*
 * QEMU's generic replay walk over a table: a C-written region with no replay
 * hook, whose translate and minimum page size are the table region's, so
 * that memory_region_iommu_replay on it walks every page.
 */
static inline IOMMUTLBEntry generic_walk_translate(IOMMUMemoryRegion *mr,
                                                   hwaddr addr,
                                                   IOMMUAccessFlags flag,
                                                   int iommu_idx)
{
    IOMMUMemoryRegion *inner = memory_region_get_opaque(mr);

    return inner->ops->translate(inner, addr, flag, iommu_idx);
}

static inline uint64_t generic_walk_min_page_size(IOMMUMemoryRegion *mr)
{
    return memory_region_iommu_get_min_page_size(memory_region_get_opaque(mr));
}

/*
 * Replays t through its own hook and through the generic walk (over the
 * region's current size); both must deliver the same entries in the same
 * order. Returns how many entries that is.
 */
static inline guint assert_replay_matches_generic(SpaprTceTable *t)
{
    static const MemoryRegionIOMMUOps generic_walk_ops = {
        .translate = generic_walk_translate,
        .get_min_page_size = generic_walk_min_page_size,
    };
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    IOMMUMemoryRegion walk;
    RecNotifier ours, generic;
    Error *err = NULL;
    guint n;

    g_assert_cmpint(memory_region_init_iommu(&walk, &generic_walk_ops, mr,
                                             "generic-walk",
                                             memory_region_size(mr), &err),
                    ==, 0);
    g_assert_null(err);
    rec_init(&ours, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    rec_init(&generic, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    memory_region_iommu_replay(mr, &ours.n);
    memory_region_iommu_replay(&walk, &generic.n);
    assert_entries_eq(ours.entries, generic.entries);
    n = ours.entries->len;
    rec_destroy(&ours);
    rec_destroy(&generic);
    return n;
}

/*
 * Everything observable about a table, for "left unchanged" checks: what
 * the getters say, its region's size and notifiers, and, when taken with
 * table_state_with_entries(), every entry as H_GET_TCE reads it.
 */
typedef struct TableState {
    uint32_t liobn, page_shift, nb_table;
    uint64_t bus_offset, size;
    void *owner;
    bool need_vfio;
    IOMMUNotifier *notifiers;
    IOMMUNotifierFlag flags;
    uint64_t *entries;      /* nb_table of them, or NULL: not compared */
} TableState;

static inline TableState table_state(SpaprTceTable *t)
{
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    TableState s = {
        .liobn = spapr_tce_get_liobn(t),
        .page_shift = spapr_tce_get_page_shift(t),
        .nb_table = spapr_tce_get_nb_table(t),
        .bus_offset = spapr_tce_get_bus_offset(t),
        .size = memory_region_size(mr),
        .owner = spapr_tce_get_owner(t),
        .need_vfio = spapr_tce_get_need_vfio(t),
        .notifiers = mr->iommu_notify,
        .flags = mr->iommu_notify_flags,
    };
    return s;
}

/* table_state() and the entries; free with table_state_free(). */
static inline TableState table_state_with_entries(SpaprTceTable *t)
{
    TableState s = table_state(t);

    s.entries = g_new0(uint64_t, s.nb_table ? s.nb_table : 1);
    for (uint64_t i = 0; i < s.nb_table; i++) {
        uint64_t ioba = s.bus_offset + (i << s.page_shift);

        g_assert_cmpint(spapr_h_get_tce(s.liobn, ioba, &s.entries[i]), ==,
                        H_SUCCESS);
    }
    return s;
}

static inline void table_state_free(TableState *s)
{
    g_free(s->entries);
    s->entries = NULL;
}

/* t is as want says (entries too, if want has them) and found by LIOBN. */
static inline void assert_table_state(SpaprTceTable *t, const TableState *want)
{
    TableState now = want->entries ? table_state_with_entries(t)
                                   : table_state(t);

    g_assert_cmphex(now.liobn, ==, want->liobn);
    g_assert_cmpuint(now.page_shift, ==, want->page_shift);
    g_assert_cmpuint(now.nb_table, ==, want->nb_table);
    g_assert_cmphex(now.bus_offset, ==, want->bus_offset);
    g_assert_cmphex(now.size, ==, want->size);
    g_assert_true(now.owner == want->owner);
    g_assert_cmpint(now.need_vfio, ==, want->need_vfio);
    g_assert_true(now.notifiers == want->notifiers);
    g_assert_cmpint(now.flags, ==, want->flags);
    for (uint64_t i = 0; want->entries && i < want->nb_table; i++) {
        if (now.entries[i] != want->entries[i]) {
            g_error("entry %" PRIu64 ": 0x%" PRIx64 " != 0x%" PRIx64, i,
                    now.entries[i], want->entries[i]);
        }
    }
    table_state_free(&now);
    g_assert_true(spapr_tce_find_by_liobn(want->liobn) == t);
}

/*
 * Guest memory for H_PUT_TCE_INDIRECT: a buffer of TCEs at guest address
 * base, stored big-endian as a guest stores them. A read that is not all
 * inside it fails, as does every read while fail is set; reads counts the
 * calls, last_addr and last_len say what the latest one asked for.
 */
typedef struct GuestBuf {
    SpaprGuestMemory mem;   /* what the hypercalls take: reads this buffer */
    uint64_t base;
    uint8_t *bytes;
    size_t size;
    unsigned reads;
    hwaddr last_addr;
    size_t last_len;
    bool fail;
} GuestBuf;

static inline bool guest_buf_read(void *opaque, hwaddr addr, void *buf,
                                  size_t len)
{
    GuestBuf *g = opaque;

    g->reads++;
    g->last_addr = addr;
    g->last_len = len;
    if (g->fail || addr < g->base || addr - g->base > g->size ||
        len > g->size - (addr - g->base)) {
        return false;
    }
    memcpy(buf, g->bytes + (addr - g->base), len);
    return true;
}

/* entries zero TCEs at base; free with guest_buf_free(). */
static inline void guest_buf_init(GuestBuf *g, uint64_t base, size_t entries)
{
    memset(g, 0, sizeof(*g));
    g->mem.opaque = g;
    g->mem.read = guest_buf_read;
    g->base = base;
    g->size = entries * 8;
    g->bytes = g_malloc0(g->size);
}

static inline void guest_buf_free(GuestBuf *g)
{
    g_free(g->bytes);
    g->bytes = NULL;
}

/* Entry i of the buffer, as the guest stores it. */
static inline void guest_buf_set(GuestBuf *g, size_t i, uint64_t tce)
{
    g_assert_cmpuint(i, <, g->size / 8);
    for (int b = 0; b < 8; b++) {
        g->bytes[i * 8 + b] = (uint8_t)(tce >> (56 - 8 * b));
    }
}

static inline uint64_t guest_buf_get(const GuestBuf *g, size_t i)
{
    uint64_t tce = 0;

    g_assert_cmpuint(i, <, g->size / 8);
    for (int b = 0; b < 8; b++) {
        tce = tce << 8 | g->bytes[i * 8 + b];
    }
    return tce;
}

/*
 * The DDW RTAS calls with QEMU's argument and return arrays; each returns
 * the status (rets[0]). The return cells start as RTAS_UNSET, so that a
 * caller can tell which ones a call wrote.
 */
#define RTAS_UNSET 0x5a5a5a5au

/* ibm,query-pe-dma-window with nret return cells (5, or 6 for 64 bits). */
static inline int32_t ddw_query(uint64_t buid, uint32_t nret, uint32_t *rets)
{
    uint32_t args[3] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid };

    for (uint32_t i = 0; i < nret; i++) {
        rets[i] = RTAS_UNSET;
    }
    rtas_ibm_query_pe_dma_window(3, args, nret, rets);
    return (int32_t)rets[0];
}

/*
 * ibm,create-pe-dma-window: the new window's LIOBN and bus address go to
 * liobn and addr (either may be NULL). A failure writes the status only,
 * so they get RTAS_UNSET cells then.
 */
static inline int32_t ddw_create(uint64_t buid, uint32_t page_shift,
                                 uint32_t window_shift, uint32_t *liobn,
                                 uint64_t *addr)
{
    uint32_t args[5] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid,
                         page_shift, window_shift };
    uint32_t rets[4] = { RTAS_UNSET, RTAS_UNSET, RTAS_UNSET, RTAS_UNSET };

    rtas_ibm_create_pe_dma_window(5, args, 4, rets);
    for (int i = 1; i < 4 && (int32_t)rets[0] != RTAS_OUT_SUCCESS; i++) {
        g_assert_cmphex(rets[i], ==, RTAS_UNSET);
    }
    if (liobn) {
        *liobn = rets[1];
    }
    if (addr) {
        *addr = (uint64_t)rets[2] << 32 | rets[3];
    }
    return (int32_t)rets[0];
}

/* ibm,remove-pe-dma-window. */
static inline int32_t ddw_remove(uint32_t liobn)
{
    uint32_t args[1] = { liobn };
    uint32_t rets[1] = { RTAS_UNSET };

    rtas_ibm_remove_pe_dma_window(1, args, 1, rets);
    return (int32_t)rets[0];
}

/* ibm,reset-pe-dma-window. */
static inline int32_t ddw_reset(uint64_t buid)
{
    uint32_t args[3] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid };
    uint32_t rets[1] = { RTAS_UNSET };

    rtas_ibm_reset_pe_dma_window(3, args, 1, rets);
    return (int32_t)rets[0];
}

/* errp holds an Error with a non-empty message; frees it and clears errp. */
static inline void assert_error_set(Error **errp)
{
    const char *msg;

    g_assert_nonnull(*errp);
    msg = error_get_pretty(*errp);
    g_assert_nonnull(msg);
    g_assert_cmpuint(strlen(msg), >, 0);
    g_test_message("error (expected): %s", msg);
    error_free(*errp);
    *errp = NULL;
}

/* A fixed seed, printed so that a failure can be reproduced. */
static inline GRand *test_rand_new(guint32 seed)
{
    g_test_message("random seed: %" G_GUINT32_FORMAT, seed);
    return g_rand_new_with_seed(seed);
}

static inline guint64 test_rand_u64(GRand *r)
{
    return ((guint64)g_rand_int(r) << 32) | g_rand_int(r);
}

#endif /* SWIFTTCE_TEST_UTIL_H */
