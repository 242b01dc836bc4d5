/*
 * The sPAPR IOMMU ops table. C owns the table (a constant with a stable
 * address that C callers can compare and dlsym); Swift owns the functions.
 */
#include "swifttce_shim.h"

const MemoryRegionIOMMUOps spapr_tce_iommu_ops = {
    .translate = swifttce_spapr_tce_translate,
    .get_min_page_size = swifttce_spapr_tce_get_min_page_size,
    .notify_flag_changed = swifttce_spapr_tce_notify_flag_changed,
    .replay = swifttce_spapr_tce_replay,
};

const uint64_t swifttce_zero_region[SWIFTTCE_ZERO_REGION_BYTES / 8];
