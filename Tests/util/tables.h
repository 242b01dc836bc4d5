/*
 * Standalone tables for the tests: one made and enabled in a step, a TCE
 * read back, and everything observable about a table, for "left
 * unchanged" checks.
 */
#ifndef SWIFTTCE_TESTS_TABLES_H
#define SWIFTTCE_TESTS_TABLES_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "swifttce.h"

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

#endif /* SWIFTTCE_TESTS_TABLES_H */
