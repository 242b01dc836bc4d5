/*
 * pseries-demo: a flat-table IOMMU.
 */
#include "flat-iommu.h"

/* QEMU's spapr_tce_translate_iommu, on the flat array. */
static IOMMUTLBEntry flat_iommu_translate(IOMMUMemoryRegion *mr, hwaddr addr,
                                          IOMMUAccessFlags flag,
                                          int iommu_idx)
{
    FlatIommu *f = (FlatIommu *)mr;
    hwaddr page_mask = ~((1ULL << f->page_shift) - 1);
    uint64_t index = addr >> f->page_shift;
    uint64_t tce = index < f->nb_table ? f->tces[index] : 0;

    (void)flag;
    (void)iommu_idx;
    return (IOMMUTLBEntry) {
        .iova = addr & page_mask,
        .translated_addr = tce & page_mask,
        .addr_mask = ~page_mask,
        .perm = (IOMMUAccessFlags)(tce & (TCE_PCI_READ | TCE_PCI_WRITE)),
    };
}

/* The generic walk steps by this: one translate per IOMMU page. */
static uint64_t flat_iommu_min_page_size(IOMMUMemoryRegion *mr)
{
    return 1ULL << ((FlatIommu *)mr)->page_shift;
}

static const MemoryRegionIOMMUOps flat_iommu_ops = {
    .translate = flat_iommu_translate,
    .get_min_page_size = flat_iommu_min_page_size,
};

bool flat_iommu_init(FlatIommu *f, uint32_t page_shift, uint64_t nb_table,
                     GError **errp)
{
    Error *err = NULL;

    *f = (FlatIommu) { .page_shift = page_shift, .nb_table = nb_table };
    /* As QEMU's spapr_tce_alloc_table, zeroed: every page unmapped. */
    f->tces = g_try_new0(uint64_t, nb_table);
    if (!f->tces) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                    "cannot allocate a flat table of %" G_GUINT64_FORMAT
                    " TCEs", nb_table);
        return false;
    }
    if (memory_region_init_iommu(&f->mr, &flat_iommu_ops, f, "flat-iommu",
                                 nb_table << page_shift, &err) < 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL, "flat IOMMU: %s",
                    error_get_pretty(err));
        error_free(err);
        g_free(f->tces);
        return false;
    }
    return true;
}

void flat_iommu_cleanup(FlatIommu *f)
{
    g_free(f->tces);
    f->tces = NULL;
}

void flat_iommu_put(FlatIommu *f, uint64_t index, uint64_t tce)
{
    f->tces[index] = tce;
}

uint64_t flat_iommu_storage_bytes(uint64_t nb_table)
{
    return nb_table * sizeof(uint64_t);
}
