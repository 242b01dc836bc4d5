/*
 * pseries-demo: a VFIO-like container.
 */
#include "container.h"

struct ContainerWindow {
    IOMMUNotifier n;            /* first: the notifier is the window */
    VfioContainer *c;
    SpaprTceTable *tcet;
    unsigned number;
};

static MirrorEntry *mirror_entry_new(SpaprTceTable *tcet, IOMMUTLBEntry *e)
{
    MirrorEntry *me = g_new(MirrorEntry, 1);

    me->bus = spapr_tce_get_bus_offset(tcet) + e->iova;
    me->gpa = e->translated_addr;
    me->page_size = e->addr_mask + 1;
    me->perm = e->perm;
    return me;
}

/* Where VFIO would map or unmap on the host IOMMU. */
static void container_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    ContainerWindow *w = (ContainerWindow *)n;
    VfioContainer *c = w->c;
    uint64_t bus = spapr_tce_get_bus_offset(w->tcet) + e->iova;

    if (e->perm == IOMMU_NONE) {
        c->unmaps++;
        g_hash_table_remove(c->mirror, &bus);
    } else {
        MirrorEntry *me = mirror_entry_new(w->tcet, e);

        c->maps++;
        g_hash_table_replace(c->mirror, &me->bus, me);
    }
}

static ContainerWindow *container_window_attach(VfioContainer *c,
                                                SpaprTceTable *tcet,
                                                unsigned number, bool replay)
{
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(tcet);
    ContainerWindow *w = g_new0(ContainerWindow, 1);
    Error *err = NULL;
    gint64 t0;
    unsigned before;

    w->c = c;
    w->tcet = tcet;
    w->number = number;
    iommu_notifier_init(&w->n, container_notify, IOMMU_NOTIFIER_IOTLB_EVENTS,
                        0, memory_region_size(mr) - 1, 0);
    if (memory_region_register_iommu_notifier(mr, &w->n, &err) < 0) {
        g_printerr("container: window %u: %s\n", number, error_get_pretty(err));
        error_free(err);
        g_free(w);
        return NULL;
    }
    c->windows[number] = w;
    c->windows_attached++;
    if (replay) {
        /* vfio_listener_region_add: bring the host up to date. */
        before = c->maps;
        t0 = g_get_monotonic_time();
        memory_region_iommu_replay(mr, &w->n);
        c->replay_ns[number] = (g_get_monotonic_time() - t0) * 1000;
        c->replayed[number] = c->maps - before;
    }
    return w;
}

static void container_window_detach(VfioContainer *c, unsigned number)
{
    ContainerWindow *w = c->windows[number];
    uint64_t start, end;
    GHashTableIter it;
    MirrorEntry *me;

    if (!w) {
        return;
    }
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(w->tcet),
                                            &w->n);
    /* vfio_listener_region_del: the host forgets the whole window. */
    start = spapr_tce_get_bus_offset(w->tcet);
    end = start + (memory_region_size(spapr_tce_get_iommu_mr(w->tcet)) - 1);
    g_hash_table_iter_init(&it, c->mirror);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&me)) {
        if (me->bus >= start && me->bus <= end) {
            g_hash_table_iter_remove(&it);
        }
    }
    c->windows[number] = NULL;
    c->windows_detached++;
    g_free(w);
}

static unsigned container_window_number(PseriesMachine *m, SpaprTceTable *tcet)
{
    unsigned n;

    for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
        if (spapr_phb_get_window(m->phb, n) == tcet) {
            return n;
        }
    }
    return SPAPR_PCI_DMA_MAX_WINDOWS;
}

/*
 * A window appears inside ibm,create-pe-dma-window, while skipping_replay
 * is set: the replay returns at once instead of walking an empty window.
 */
static void container_window_event(void *opaque, SpaprPhb *phb,
                                   SpaprTceTable *tcet, bool added)
{
    VfioContainer *c = opaque;
    unsigned n = container_window_number(c->m, tcet);

    (void)phb;
    if (n >= SPAPR_PCI_DMA_MAX_WINDOWS) {
        return;
    }
    if (added) {
        container_window_detach(c, n);
        container_window_attach(c, tcet, n, true);
    } else {
        container_window_detach(c, n);
    }
}

VfioContainer *container_new(PseriesMachine *m)
{
    VfioContainer *c = g_new0(VfioContainer, 1);

    c->m = m;
    c->mirror = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                      g_free);
    return c;
}

void container_free(VfioContainer *c)
{
    unsigned n;

    if (!c) {
        return;
    }
    spapr_phb_set_window_listener(c->m->phb, NULL, NULL);
    for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
        container_window_detach(c, n);
    }
    g_hash_table_destroy(c->mirror);
    g_free(c);
}

bool container_attach(VfioContainer *c, GError **errp)
{
    unsigned n;

    spapr_phb_set_window_listener(c->m->phb, container_window_event, c);
    for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
        SpaprTceTable *tcet = spapr_phb_get_window(c->m->phb, n);

        if (!tcet || spapr_tce_get_nb_table(tcet) == 0) {
            continue;
        }
        if (!container_window_attach(c, tcet, n, true)) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "container: cannot attach to window %u", n);
            return false;
        }
    }
    return true;
}

const MirrorEntry *container_lookup(VfioContainer *c, uint64_t bus)
{
    return g_hash_table_lookup(c->mirror, &bus);
}

/* A notifier that collects a fresh replay into a hash table. */
typedef struct CheckWalk {
    IOMMUNotifier n;
    SpaprTceTable *tcet;
    GHashTable *seen;
} CheckWalk;

static void check_collect(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    CheckWalk *walk = (CheckWalk *)n;
    MirrorEntry *me = mirror_entry_new(walk->tcet, e);

    g_hash_table_replace(walk->seen, &me->bus, me);
}

static bool mirror_entry_equal(const MirrorEntry *a, const MirrorEntry *b)
{
    return a->bus == b->bus && a->gpa == b->gpa &&
           a->page_size == b->page_size && a->perm == b->perm;
}

bool container_check(VfioContainer *c, ContainerCheck *out)
{
    GHashTable *seen = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                             NULL, g_free);
    GHashTableIter it;
    MirrorEntry *me;
    gint64 t0;
    unsigned n;

    *out = (ContainerCheck) { .mirrored = g_hash_table_size(c->mirror) };

    /*
     * The tables' state, as a newly attached container would see it: a
     * replay of every window the container is attached to.
     */
    t0 = g_get_monotonic_time();
    for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
        CheckWalk walk = { .seen = seen };
        IOMMUMemoryRegion *mr;

        if (!c->windows[n]) {
            continue;
        }
        walk.tcet = c->windows[n]->tcet;
        mr = spapr_tce_get_iommu_mr(walk.tcet);
        iommu_notifier_init(&walk.n, check_collect, IOMMU_NOTIFIER_MAP, 0,
                            memory_region_size(mr) - 1, 0);
        memory_region_iommu_replay(mr, &walk.n);
    }
    out->replay_ns = (g_get_monotonic_time() - t0) * 1000;
    out->table_entries = g_hash_table_size(seen);

    /* Every mirrored entry is in the tables, and H_GET_TCE agrees. */
    g_hash_table_iter_init(&it, c->mirror);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&me)) {
        const MirrorEntry *t = g_hash_table_lookup(seen, &me->bus);
        SpaprTceTable *tcet = machine_window_for(c->m, me->bus);
        uint64_t args[4] = { 0 };

        if (!t || !mirror_entry_equal(me, t)) {
            out->differences++;
            continue;
        }
        /* The host asks the table directly: not a guest hypercall. */
        if (tcet) {
            args[0] = spapr_tce_get_liobn(tcet);
            args[1] = me->bus;
            if (spapr_hcall_tce(H_GET_TCE, args, &c->m->mem) == H_SUCCESS &&
                args[0] == (me->gpa | (uint64_t)me->perm)) {
                out->get_tce_checked++;
                continue;
            }
        }
        out->differences++;
    }
    /* And nothing in the tables is missing from the mirror. */
    g_hash_table_iter_init(&it, seen);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&me)) {
        if (!g_hash_table_contains(c->mirror, &me->bus)) {
            out->differences++;
        }
    }
    g_hash_table_destroy(seen);
    return out->differences == 0 && out->get_tce_checked == out->mirrored;
}
