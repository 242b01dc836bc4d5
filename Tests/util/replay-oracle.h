/*
 * The standalone library's replay, held to QEMU's generic walk: a
 * C-written region with no replay hook, whose translate and minimum page
 * size are the table region's, so that memory_region_iommu_replay on it
 * walks every page (iommu-record.h has the host's counterpart's parts).
 */
#ifndef SWIFTTCE_TESTS_REPLAY_ORACLE_H
#define SWIFTTCE_TESTS_REPLAY_ORACLE_H

#include "swifttce.h"
#include "iommu-record.h"

static inline IOMMUTLBEntry generic_walk_translate(IOMMUMemoryRegion *mr,
                                                   hwaddr addr,
                                                   IOMMUAccessFlags flag,
                                                   int iommu_idx)
{
    IOMMUMemoryRegion *inner = memory_region_get_opaque(mr);

    return inner->ops->translate(inner, addr, flag, iommu_idx);
}

static inline uint64_t generic_walk_min_page_size(IOMMUMemoryRegion *mr)
{
    return memory_region_iommu_get_min_page_size(memory_region_get_opaque(mr));
}

/*
 * Replays t through its own hook and through the generic walk (over the
 * region's current size); both must deliver the same entries in the same
 * order. Returns how many entries that is.
 */
static inline guint assert_replay_matches_generic(SpaprTceTable *t)
{
    static const MemoryRegionIOMMUOps generic_walk_ops = {
        .translate = generic_walk_translate,
        .get_min_page_size = generic_walk_min_page_size,
    };
    IOMMUMemoryRegion *mr = spapr_tce_get_iommu_mr(t);
    IOMMUMemoryRegion walk;
    GArray *ours, *generic;
    Error *err = NULL;
    guint n;

    g_assert_cmpint(memory_region_init_iommu(&walk, &generic_walk_ops, mr,
                                             "generic-walk",
                                             memory_region_size(mr), &err),
                    ==, 0);
    g_assert_null(err);
    ours = replay_entries(mr, IOMMU_NOTIFIER_IOTLB_EVENTS);
    generic = replay_entries(&walk, IOMMU_NOTIFIER_IOTLB_EVENTS);
    assert_tlb_entries_eq(ours, generic);
    n = ours->len;
    g_array_free(ours, TRUE);
    g_array_free(generic, TRUE);
    return n;
}

#endif /* SWIFTTCE_TESTS_REPLAY_ORACLE_H */
