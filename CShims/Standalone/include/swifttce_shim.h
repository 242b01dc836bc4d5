/*
 * Private to the standalone library: the Swift functions behind
 * spapr_tce_iommu_ops, and the handle types completed for Swift.
 */
#ifndef SWIFTTCE_SHIM_H
#define SWIFTTCE_SHIM_H

#include "../../../include/swifttce.h"

/*
 * C sees these opaque; Swift sees distinct pointer types (an incomplete
 * struct would import as one OpaquePointer for all of them). What is behind
 * the pointers is Swift's; these members are never read.
 */
struct SpaprTceTable { unsigned char swifttce_state; };
struct SpaprPhb { unsigned char swifttce_state; };
struct SpaprVioDevice { unsigned char swifttce_state; };
struct Error { unsigned char swifttce_state; };

/*
 * Implemented in Swift with @c @implementation, so the compiler checks each
 * against these prototypes.
 */
IOMMUTLBEntry swifttce_spapr_tce_translate(IOMMUMemoryRegion *iommu,
                                           hwaddr addr, IOMMUAccessFlags flag,
                                           int iommu_idx);
uint64_t swifttce_spapr_tce_get_min_page_size(IOMMUMemoryRegion *iommu);
int swifttce_spapr_tce_notify_flag_changed(IOMMUMemoryRegion *iommu,
                                           IOMMUNotifierFlag old_flags,
                                           IOMMUNotifierFlag new_flags,
                                           Error **errp);
void swifttce_spapr_tce_replay(IOMMUMemoryRegion *iommu,
                               IOMMUNotifier *notifier);

/* Swift imports a C const global as a copy; this gives its address. */
static inline const MemoryRegionIOMMUOps *swifttce_spapr_tce_ops(void)
{
    return &spapr_tce_iommu_ops;
}

/*
 * What translate reads in place of a NULL region: zeros, which is a
 * disabled table, so NULL needs no test of its own on the hot path and
 * answers what an address outside the window does. Big enough for a
 * table's block (SpaprTable checks).
 */
#define SWIFTTCE_ZERO_REGION_BYTES 1024
extern const uint64_t swifttce_zero_region[SWIFTTCE_ZERO_REGION_BYTES / 8];

static inline IOMMUMemoryRegion *swifttce_no_region(void)
{
    return (IOMMUMemoryRegion *)swifttce_zero_region;
}

#endif /* SWIFTTCE_SHIM_H */
