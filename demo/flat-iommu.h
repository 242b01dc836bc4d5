/*
 * pseries-demo: a flat-table IOMMU, written in C against the public API
 * the way QEMU's spapr_iommu.c keeps a window: one uint64_t TCE per IOMMU
 * page in one array. It has no replay hook, so memory_region_iommu_replay()
 * takes the library's generic walk (a translate per page), as QEMU's
 * generic replay does. The demo measures SwiftTCE against it.
 */
#ifndef PSERIES_DEMO_FLAT_IOMMU_H
#define PSERIES_DEMO_FLAT_IOMMU_H

#include <glib.h>
#include <swifttce.h>

typedef struct FlatIommu {
    IOMMUMemoryRegion mr;       /* first: translate finds the table by it */
    uint64_t *tces;
    uint32_t page_shift;
    uint64_t nb_table;
} FlatIommu;

/* A window of nb_table unmapped pages of 1 << page_shift bytes. */
bool flat_iommu_init(FlatIommu *f, uint32_t page_shift, uint64_t nb_table,
                     GError **errp);
void flat_iommu_cleanup(FlatIommu *f);

/* Writes page index's TCE (TCE_PCI_READ/WRITE in its low bits). */
void flat_iommu_put(FlatIommu *f, uint64_t index, uint64_t tce);

/* A flat table's bytes: 8 per page, mapped or not. */
uint64_t flat_iommu_storage_bytes(uint64_t nb_table);

#endif /* PSERIES_DEMO_FLAT_IOMMU_H */
