/*
 * A VFIO-like listener that takes events of any aligned power-of-two size,
 * as vfio_iommu_map_notify does (an event covers addr_mask + 1 bytes), and
 * mirrors what is mapped a page at a time. Shared by the tests of both
 * worlds, as iommu-record.h is: include it after swifttce.h or
 * qemu-memory.h. Fed QEMU's per-entry events or SwiftTCE's ranged ones,
 * its mirror must end as the table.
 */
#ifndef SWIFTTCE_TESTS_BLOCK_MIRROR_H
#define SWIFTTCE_TESTS_BLOCK_MIRROR_H

#include <glib.h>

#include "iommu-record.h"

typedef struct BlockListener {
    IOMMUNotifier n;
    GHashTable *mirror;     /* iova -> IOMMUTLBEntry of one page */
    uint64_t page;
    unsigned events;
} BlockListener;

static inline gboolean block_mirror_in(gpointer key,
                                       gpointer value G_GNUC_UNUSED,
                                       gpointer data)
{
    const uint64_t *iova = key, *block = data;

    return *iova >= block[0] && *iova - block[0] <= block[1];
}

static inline void block_mirror_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    BlockListener *l = container_of(n, BlockListener, n);
    uint64_t k, pages = (e->addr_mask >> __builtin_ctzll(l->page)) + 1;

    l->events++;
    /* A block: aligned, a power of two, at least a page. */
    g_assert_cmphex(e->iova & e->addr_mask, ==, 0);
    g_assert_true(((e->addr_mask + 1) & e->addr_mask) == 0);
    g_assert_cmphex(e->addr_mask, >=, l->page - 1);
    if (e->perm & IOMMU_RW) {
        for (k = 0; k < pages; k++) {
            IOMMUTLBEntry page = *e;

            page.iova += k * l->page;
            page.translated_addr += k * l->page;
            page.addr_mask = l->page - 1;
            g_hash_table_insert(l->mirror,
                                g_memdup2(&page.iova, sizeof(page.iova)),
                                g_memdup2(&page, sizeof(page)));
        }
    } else if (pages > g_hash_table_size(l->mirror)) {
        uint64_t block[2] = { e->iova, e->addr_mask };

        g_hash_table_foreach_remove(l->mirror, block_mirror_in, block);
    } else {
        for (k = 0; k < pages; k++) {
            uint64_t iova = e->iova + k * l->page;

            g_hash_table_remove(l->mirror, &iova);
        }
    }
}

/* A listener of flags events over [start, end], its mirror empty. */
static inline void block_mirror_init(BlockListener *l, IOMMUNotifierFlag flags,
                                     hwaddr start, hwaddr end, uint64_t page)
{
    l->mirror = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      g_free);
    l->page = page;
    l->events = 0;
    iommu_notifier_init(&l->n, block_mirror_notify, flags, start, end, 0);
}

static inline void block_mirror_destroy(BlockListener *l)
{
    g_hash_table_destroy(l->mirror);
    l->mirror = NULL;
}

/*
 * The mirror is exactly table's entries (an array of IOMMUTLBEntry, as a
 * generic walk gives them) whose iova is in the listener's range.
 */
static inline void block_mirror_assert(BlockListener *l, GArray *table)
{
    guint i, in_range = 0;

    for (i = 0; i < table->len; i++) {
        IOMMUTLBEntry *want = &g_array_index(table, IOMMUTLBEntry, i);
        IOMMUTLBEntry *got = g_hash_table_lookup(l->mirror, &want->iova);

        if (want->iova < l->n.start || want->iova > l->n.end) {
            g_assert_null(got);
            continue;
        }
        in_range++;
        g_assert_nonnull(got);
        assert_tlb_entry_eq(got, want);
    }
    g_assert_cmpuint(g_hash_table_size(l->mirror), ==, in_range);
}

#endif /* SWIFTTCE_TESTS_BLOCK_MIRROR_H */
