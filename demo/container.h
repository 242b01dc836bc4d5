/*
 * pseries-demo: a VFIO-like container. Like QEMU's VFIO memory listener on
 * a guest IOMMU, it registers a MAP/UNMAP notifier on every DMA window of
 * the PHB, replays what is mapped already when it attaches, and mirrors
 * every mapping after that into its own table (where VFIO would call
 * VFIO_IOMMU_MAP_DMA / UNMAP_DMA on the host).
 */
#ifndef PSERIES_DEMO_CONTAINER_H
#define PSERIES_DEMO_CONTAINER_H

#include "machine.h"

typedef struct ContainerWindow ContainerWindow;

typedef struct VfioContainer {
    PseriesMachine *m;
    ContainerWindow *windows[SPAPR_PCI_DMA_MAX_WINDOWS];
    /* bus address -> MirrorEntry: what the host IOMMU would hold. */
    GHashTable *mirror;

    unsigned maps;              /* MAP notifications */
    unsigned unmaps;            /* UNMAP notifications */
    unsigned windows_attached;  /* by attach or by the window listener */
    unsigned windows_detached;
    /* The replay done by container_attach, per window number. */
    unsigned replayed[SPAPR_PCI_DMA_MAX_WINDOWS];
    gint64 replay_ns[SPAPR_PCI_DMA_MAX_WINDOWS];
} VfioContainer;

typedef struct MirrorEntry {
    uint64_t bus;               /* the key */
    hwaddr gpa;
    uint64_t page_size;
    IOMMUAccessFlags perm;
} MirrorEntry;

VfioContainer *container_new(PseriesMachine *m);
/* Detaches from every window and frees the container. */
void container_free(VfioContainer *c);

/*
 * Hotplug: listens for windows to come and go, and attaches to every window
 * enabled now with a timed replay of what it maps.
 */
bool container_attach(VfioContainer *c, GError **errp);

typedef struct ContainerCheck {
    unsigned mirrored;          /* entries in the mirror */
    unsigned table_entries;     /* entries a fresh replay of the tables finds */
    unsigned differences;       /* entries that differ either way */
    unsigned get_tce_checked;   /* mirror entries confirmed with H_GET_TCE */
    gint64 replay_ns;           /* the fresh replay of every window */
} ContainerCheck;

/* Compares the mirror with the tables' own state; true when equal. */
bool container_check(VfioContainer *c, ContainerCheck *out);

/* The mirror's entry for a bus address, or NULL. */
const MirrorEntry *container_lookup(VfioContainer *c, uint64_t bus);

#endif /* PSERIES_DEMO_CONTAINER_H */
