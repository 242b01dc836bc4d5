/*
 * Private to the standalone library: the Swift functions behind
 * spapr_tce_iommu_ops, the handle types completed for Swift, and the
 * contracts its headers make with the engine's (host.h) and with Swift,
 * checked at compile time (the end of this file).
 */
#ifndef SWIFTTCE_SHIM_H
#define SWIFTTCE_SHIM_H

#include "../../../include/swifttce.h"
#include "../../../include/swifttce/host.h"
#include "../../../include/swifttce/host.h"

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
 * answers what an address outside the window does. It must hold what
 * translate reads of a table's block: the region, the standalone state,
 * the engine's fast path block and its state's read-side words (under 200
 * bytes today). Swift's layout is not C's to assert: make check-asan
 * checks it, as test-bad-input translates NULL; a read just past this
 * array meets its redzone, one far past it crashes.
 */
#define SWIFTTCE_ZERO_REGION_BYTES 1024
extern const uint64_t swifttce_zero_region[SWIFTTCE_ZERO_REGION_BYTES / 8];

static inline IOMMUMemoryRegion *swifttce_no_region(void)
{
    return (IOMMUMemoryRegion *)swifttce_zero_region;
}

/* ---- Contracts made here ------------------------------------------------ */

/*
 * QEMU's names in spapr_tce.h are the engine's numbers: the standalone
 * layer passes the engine's statuses and perms on as they are.
 */
_Static_assert(H_SUCCESS == SWIFTTCE_H_SUCCESS &&
               H_HARDWARE == SWIFTTCE_H_HARDWARE &&
               H_PARAMETER == SWIFTTCE_H_PARAMETER,
               "spapr_tce.h's H_* are host.h's SWIFTTCE_H_*");
_Static_assert(RTAS_OUT_SUCCESS == SWIFTTCE_RTAS_SUCCESS &&
               RTAS_OUT_HW_ERROR == SWIFTTCE_RTAS_HW_ERROR &&
               RTAS_OUT_PARAM_ERROR == SWIFTTCE_RTAS_PARAM_ERROR,
               "spapr_tce.h's RTAS_OUT_* are host.h's SWIFTTCE_RTAS_*");
_Static_assert(TCE_PCI_READ == SWIFTTCE_TCE_READ &&
               TCE_PCI_WRITE == SWIFTTCE_TCE_WRITE,
               "spapr_tce.h's TCE_PCI_* are host.h's SWIFTTCE_TCE_*");
/* tlbEntry (TCETable.swift) takes a mapping's perm as IOMMUAccessFlags. */
_Static_assert(IOMMU_NONE == 0 && IOMMU_RO == SWIFTTCE_TCE_READ &&
               IOMMU_WO == SWIFTTCE_TCE_WRITE &&
               IOMMU_RW == (SWIFTTCE_TCE_READ | SWIFTTCE_TCE_WRITE),
               "memory.h's IOMMU_* perms are the TCE's perm bits");
_Static_assert(SPAPR_PCI_DMA_MAX_WINDOWS == SWIFTTCE_PHB_MAX_WINDOWS,
               "spapr_tce.h's SPAPR_PCI_DMA_MAX_WINDOWS is host.h's");
/* PHB.swift fills dma_liobn as a pair, with its pciLIOBN's formula. */
_Static_assert(sizeof(((SwiftTCEPhbConfig *)0)->dma_liobn) ==
                   SPAPR_PCI_DMA_MAX_WINDOWS * sizeof(uint32_t),
               "SwiftTCEPhbConfig.dma_liobn: one LIOBN per window");
_Static_assert(SPAPR_PCI_LIOBN(SPAPR_MAX_PHBS - 1,
                               SPAPR_PCI_DMA_MAX_WINDOWS - 1) ==
                   (0x80000000u | (SPAPR_MAX_PHBS - 1) << 8 |
                    (SPAPR_PCI_DMA_MAX_WINDOWS - 1)),
               "SPAPR_PCI_LIOBN is PHB.swift's pciLIOBN");

/*
 * The library's C ABI (x86-64): what a caller compiled against these
 * headers passes and reads. Swift sees the same layouts through Clang; a
 * change here is a change of every caller's, and of the soname.
 */
#define SWIFTTCE_LAYOUT(type, field, offset) \
    _Static_assert(__builtin_offsetof(type, field) == (offset), \
                   #type "." #field " at " #offset)
_Static_assert(sizeof(hwaddr) == 8 && sizeof(IOMMUAccessFlags) == 4 &&
               sizeof(IOMMUNotifierFlag) == 4, "the scalars' sizes");
SWIFTTCE_LAYOUT(IOMMUTLBEntry, target_as, 0);
SWIFTTCE_LAYOUT(IOMMUTLBEntry, iova, 8);
SWIFTTCE_LAYOUT(IOMMUTLBEntry, translated_addr, 16);
SWIFTTCE_LAYOUT(IOMMUTLBEntry, addr_mask, 24);
SWIFTTCE_LAYOUT(IOMMUTLBEntry, perm, 32);
_Static_assert(sizeof(IOMMUTLBEntry) == 40, "IOMMUTLBEntry: 40 bytes");
SWIFTTCE_LAYOUT(IOMMUTLBEvent, type, 0);
SWIFTTCE_LAYOUT(IOMMUTLBEvent, entry, 8);
_Static_assert(sizeof(IOMMUTLBEvent) == 48, "IOMMUTLBEvent: 48 bytes");
SWIFTTCE_LAYOUT(IOMMUNotifier, notify, 0);
SWIFTTCE_LAYOUT(IOMMUNotifier, notifier_flags, 8);
SWIFTTCE_LAYOUT(IOMMUNotifier, start, 16);
SWIFTTCE_LAYOUT(IOMMUNotifier, end, 24);
SWIFTTCE_LAYOUT(IOMMUNotifier, iommu_idx, 32);
SWIFTTCE_LAYOUT(IOMMUNotifier, next, 40);
_Static_assert(sizeof(IOMMUNotifier) == 48, "IOMMUNotifier: 48 bytes");
SWIFTTCE_LAYOUT(MemoryRegionIOMMUOps, translate, 0);
SWIFTTCE_LAYOUT(MemoryRegionIOMMUOps, get_min_page_size, 8);
SWIFTTCE_LAYOUT(MemoryRegionIOMMUOps, notify_flag_changed, 16);
SWIFTTCE_LAYOUT(MemoryRegionIOMMUOps, replay, 24);
SWIFTTCE_LAYOUT(MemoryRegionIOMMUOps, num_indexes, 32);
_Static_assert(sizeof(MemoryRegionIOMMUOps) == 40,
               "MemoryRegionIOMMUOps: five hooks");
SWIFTTCE_LAYOUT(IOMMUMemoryRegion, ops, 0);
SWIFTTCE_LAYOUT(IOMMUMemoryRegion, opaque, 8);
SWIFTTCE_LAYOUT(IOMMUMemoryRegion, name, 16);
SWIFTTCE_LAYOUT(IOMMUMemoryRegion, size, 24);
SWIFTTCE_LAYOUT(IOMMUMemoryRegion, iommu_notify, 32);
SWIFTTCE_LAYOUT(IOMMUMemoryRegion, iommu_notify_flags, 40);
_Static_assert(sizeof(IOMMUMemoryRegion) == 48, "IOMMUMemoryRegion: 48 bytes");
SWIFTTCE_LAYOUT(SpaprGuestMemory, opaque, 0);
SWIFTTCE_LAYOUT(SpaprGuestMemory, read, 8);
_Static_assert(sizeof(SpaprGuestMemory) == 16, "SpaprGuestMemory: 16 bytes");
SWIFTTCE_LAYOUT(SpaprPhbConfig, index, 0);
SWIFTTCE_LAYOUT(SpaprPhbConfig, dma_win_addr, 8);
SWIFTTCE_LAYOUT(SpaprPhbConfig, dma_win_size, 16);
SWIFTTCE_LAYOUT(SpaprPhbConfig, dma64_win_addr, 24);
SWIFTTCE_LAYOUT(SpaprPhbConfig, pgsz, 32);
SWIFTTCE_LAYOUT(SpaprPhbConfig, ddw, 40);
_Static_assert(sizeof(SpaprPhbConfig) == 48, "SpaprPhbConfig: 48 bytes");
SWIFTTCE_LAYOUT(SpaprVioConfig, reg, 0);
SWIFTTCE_LAYOUT(SpaprVioConfig, rtce_window_size, 8);
SWIFTTCE_LAYOUT(SpaprVioConfig, ram_size, 16);
_Static_assert(sizeof(SpaprVioConfig) == 24, "SpaprVioConfig: 24 bytes");
#undef SWIFTTCE_LAYOUT

/*
 * The handles are the blocks Swift allocates: a table's is its region
 * (spapr_tce_get_iommu_mr answers the handle itself), and the zero region
 * stands in for one.
 */
_Static_assert(_Alignof(IOMMUMemoryRegion) <= _Alignof(uint64_t),
               "swifttce_zero_region can be read as a region");

#endif /* SWIFTTCE_SHIM_H */
