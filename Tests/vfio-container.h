/*
 * A VFIO-like container for the tests: what QEMU's VFIO listener does with
 * an sPAPR PHB's DMA windows, with a shadow map instead of a host IOMMU.
 *
 * When a window appears (the PHB's window listener, or already there when
 * the container is made) it registers a MAP|UNMAP notifier over the whole
 * region and replays it; every notification then updates the shadow map:
 * perm & RW decides map or unmap, as in vfio_iommu_map_notify, and a map
 * whose address or iova is not aligned to its size is refused and counted.
 * When a window goes it unregisters and drops the window's shadow in one
 * large unmap. container_check() asserts shadow == table.
 */
#ifndef SWIFTTCE_VFIO_CONTAINER_H
#define SWIFTTCE_VFIO_CONTAINER_H

#include <glib.h>
#include <inttypes.h>

#include "swifttce.h"
#include "test-util.h"

typedef struct VfioMapping {
    hwaddr translated;
    hwaddr mask;
    IOMMUAccessFlags perm;
} VfioMapping;

typedef struct VfioContainer VfioContainer;

typedef struct VfioWindow {
    IOMMUNotifier n;
    VfioContainer *c;
    SpaprTceTable *t;
    bool attached;
    bool skipping_at_attach;    /* what replay saw when it was attached */
    GHashTable *shadow;         /* iova -> VfioMapping */
} VfioWindow;

struct VfioContainer {
    SpaprPhb *phb;
    VfioWindow win[SPAPR_PCI_DMA_MAX_WINDOWS];
    unsigned attaches, detaches;
    unsigned maps, unmaps, refused;
    unsigned replayed;          /* maps that arrived during a replay */
    bool in_replay;
};

static inline void vfio_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    VfioWindow *w = container_of(n, VfioWindow, n);
    VfioContainer *c = w->c;

    g_assert_true(w->attached);
    if (e->perm & IOMMU_RW) {
        VfioMapping *m;
        /* VFIO maps whole IOMMU pages: both ends aligned to the size. */
        if ((e->translated_addr & e->addr_mask) || (e->iova & e->addr_mask)) {
            c->refused++;
            return;
        }
        m = g_new(VfioMapping, 1);
        m->translated = e->translated_addr;
        m->mask = e->addr_mask;
        m->perm = e->perm;
        g_hash_table_insert(w->shadow, g_memdup2(&e->iova, sizeof(e->iova)),
                            m);
        c->maps++;
        if (c->in_replay) {
            c->replayed++;
        }
    } else {
        g_hash_table_remove(w->shadow, &e->iova);
        c->unmaps++;
    }
}

static inline void vfio_attach(VfioContainer *c, unsigned i, SpaprTceTable *t)
{
    VfioWindow *w = &c->win[i];
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    Error *err = NULL;

    g_assert_false(w->attached);
    w->c = c;
    w->t = t;
    iommu_notifier_init(&w->n, vfio_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                        memory_region_size(mr) - 1, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(mr, &w->n, &err),
                    ==, 0);
    g_assert_null(err);
    w->attached = true;
    w->skipping_at_attach = spapr_tce_get_skipping_replay(t);
    w->shadow = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      g_free);
    c->attaches++;
    c->in_replay = true;
    memory_region_iommu_replay(mr, &w->n);
    c->in_replay = false;
}

static inline void vfio_detach(VfioContainer *c, unsigned i)
{
    VfioWindow *w = &c->win[i];

    g_assert_true(w->attached);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(w->t), &w->n);
    /* One large unmap of the whole window. */
    g_hash_table_destroy(w->shadow);
    w->shadow = NULL;
    w->attached = false;
    w->t = NULL;
    c->detaches++;
}

static inline int vfio_window_index(VfioContainer *c, SpaprTceTable *t)
{
    for (unsigned i = 0; i < SPAPR_PCI_DMA_MAX_WINDOWS; i++) {
        if (spapr_phb_get_window(c->phb, i) == t) {
            return i;
        }
    }
    g_assert_not_reached();
}

static inline void vfio_listener(void *opaque, SpaprPhb *phb,
                                 SpaprTceTable *t, bool added)
{
    VfioContainer *c = opaque;
    int i = vfio_window_index(c, t);

    g_assert_true(phb == c->phb);
    if (added) {
        vfio_attach(c, i, t);
    } else {
        vfio_detach(c, i);
    }
}

/* Attaches to the PHB: to its enabled windows now, to the others later. */
static inline void container_init(VfioContainer *c, SpaprPhb *phb)
{
    memset(c, 0, sizeof(*c));
    c->phb = phb;
    for (unsigned i = 0; i < SPAPR_PCI_DMA_MAX_WINDOWS; i++) {
        SpaprTceTable *t = spapr_phb_get_window(phb, i);
        if (t && spapr_tce_get_nb_table(t)) {
            vfio_attach(c, i, t);
        }
    }
    spapr_phb_set_window_listener(phb, vfio_listener, c);
}

static inline void container_destroy(VfioContainer *c)
{
    spapr_phb_set_window_listener(c->phb, NULL, NULL);
    for (unsigned i = 0; i < SPAPR_PCI_DMA_MAX_WINDOWS; i++) {
        if (c->win[i].attached) {
            vfio_detach(c, i);
        }
    }
}

static inline unsigned container_mappings(VfioContainer *c, unsigned i)
{
    return c->win[i].attached ? g_hash_table_size(c->win[i].shadow) : 0;
}

/* Counts the table's mapped entries through its replay hook. */
typedef struct VfioCounter {
    IOMMUNotifier n;
    VfioWindow *w;
    unsigned count;
} VfioCounter;

static inline void vfio_count_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    VfioCounter *k = container_of(n, VfioCounter, n);
    VfioMapping *m = g_hash_table_lookup(k->w->shadow, &e->iova);

    if (!m) {
        g_error("table maps iova 0x%" PRIx64 " -> 0x%" PRIx64
                ", the shadow does not", (uint64_t)e->iova,
                (uint64_t)e->translated_addr);
    }
    k->count++;
}

/*
 * shadow == table for every window: attached exactly when enabled, every
 * shadow mapping what translate answers, and no mapping missing from it.
 */
static inline void container_check(VfioContainer *c)
{
    for (unsigned i = 0; i < SPAPR_PCI_DMA_MAX_WINDOWS; i++) {
        SpaprTceTable *t = spapr_phb_get_window(c->phb, i);
        VfioWindow *w = &c->win[i];
        IOMMUMemoryRegion *mr;
        GHashTableIter it;
        gpointer key, value;
        uint64_t nb, mapped = 0;

        if (!t || !spapr_tce_get_nb_table(t)) {
            g_assert_false(w->attached);
            continue;
        }
        g_assert_true(w->attached);
        g_assert_true(w->t == t);
        mr = spapr_tce_get_iommu_mr(t);
        g_hash_table_iter_init(&it, w->shadow);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            hwaddr iova = *(hwaddr *)key;
            VfioMapping *m = value;
            IOMMUTLBEntry e = mr->ops->translate(mr, iova, IOMMU_NONE, 0);
            g_assert_cmphex(e.translated_addr, ==, m->translated);
            g_assert_cmphex(e.addr_mask, ==, m->mask);
            g_assert_cmpint(e.perm, ==, m->perm);
        }
        nb = spapr_tce_get_nb_table(t);
        if (nb <= (1u << 16)) {
            /* Small enough to ask translate about every page. */
            uint64_t shift = spapr_tce_get_page_shift(t);
            for (uint64_t p = 0; p < nb; p++) {
                IOMMUTLBEntry e = mr->ops->translate(mr, p << shift,
                                                     IOMMU_NONE, 0);
                if (e.perm != IOMMU_NONE) {
                    g_assert_nonnull(g_hash_table_lookup(w->shadow, &e.iova));
                    mapped++;
                }
            }
        } else {
            VfioCounter k = { .w = w };
            g_assert_false(spapr_tce_get_skipping_replay(t));
            iommu_notifier_init(&k.n, vfio_count_notify,
                                IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
            memory_region_iommu_replay(mr, &k.n);
            mapped = k.count;
        }
        g_assert_cmpuint(mapped, ==, g_hash_table_size(w->shadow));
    }
}

#endif /* SWIFTTCE_VFIO_CONTAINER_H */
