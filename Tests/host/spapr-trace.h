/*
 * The spapr_iommu_* trace points of QEMU 7.2's hw/ppc/trace-events, with
 * its formats: what `-trace 'spapr_iommu_*'` prints (Tests/traces/ holds
 * real logs of them).
 */
#ifndef SPAPR_TRACE_H
#define SPAPR_TRACE_H

#include <inttypes.h>

#include "qemu-trace.h"
#include "spapr.h"

/*
 * Each TCE hypercall has two events, spapr_iommu_pci_<call> for a PCI
 * window's LIOBN and spapr_iommu_<call> for any other (a VIO device's).
 */
static inline const char *spapr_iommu_call_kind(uint64_t liobn)
{
    return SPAPR_IS_PCI_LIOBN(liobn) ? "pci_" : "";
}

static inline void trace_spapr_iommu_put(uint64_t liobn, uint64_t ioba,
                                         uint64_t tce, uint64_t ret)
{
    qemu_trace("spapr_iommu_%sput liobn=0x%" PRIx64 " ioba=0x%" PRIx64
               " tce=0x%" PRIx64 " ret=%" PRId64,
               spapr_iommu_call_kind(liobn), liobn, ioba, tce, (int64_t)ret);
}

static inline void trace_spapr_iommu_get(uint64_t liobn, uint64_t ioba,
                                         uint64_t ret, uint64_t tce)
{
    qemu_trace("spapr_iommu_%sget liobn=0x%" PRIx64 " ioba=0x%" PRIx64
               " ret=%" PRId64 " tce=0x%" PRIx64,
               spapr_iommu_call_kind(liobn), liobn, ioba, (int64_t)ret, tce);
}

static inline void trace_spapr_iommu_indirect(uint64_t liobn, uint64_t ioba,
                                              uint64_t tce, uint64_t iobaN,
                                              uint64_t tceN, uint64_t ret)
{
    qemu_trace("spapr_iommu_%sindirect liobn=0x%" PRIx64 " ioba=0x%" PRIx64
               " tcelist=0x%" PRIx64 " iobaN=0x%" PRIx64 " tceN=0x%" PRIx64
               " ret=%" PRId64, spapr_iommu_call_kind(liobn), liobn, ioba,
               tce, iobaN, tceN, (int64_t)ret);
}

static inline void trace_spapr_iommu_stuff(uint64_t liobn, uint64_t ioba,
                                           uint64_t tce_value, uint64_t npages,
                                           uint64_t ret)
{
    qemu_trace("spapr_iommu_%sstuff liobn=0x%" PRIx64 " ioba=0x%" PRIx64
               " tcevalue=0x%" PRIx64 " npages=%" PRId64 " ret=%" PRId64,
               spapr_iommu_call_kind(liobn), liobn, ioba, tce_value,
               (int64_t)npages, (int64_t)ret);
}

static inline void trace_spapr_iommu_xlate(uint64_t liobn, uint64_t ioba,
                                           uint64_t tce, unsigned perm,
                                           unsigned pgsize)
{
    qemu_trace("spapr_iommu_xlate liobn=0x%" PRIx64 " 0x%" PRIx64 " -> 0x%"
               PRIx64 " perm=%u mask=0x%x", liobn, ioba, tce, perm, pgsize);
}

static inline void trace_spapr_iommu_new_table(uint64_t liobn, void *table,
                                               int fd)
{
    qemu_trace("spapr_iommu_new_table liobn=0x%" PRIx64 " table=%p fd=%d",
               liobn, table, fd);
}

static inline void trace_spapr_iommu_pre_save(uint64_t liobn, uint32_t nb,
                                              uint64_t offs, uint32_t ps)
{
    qemu_trace("spapr_iommu_pre_save liobn=%" PRIx64 " %" PRIx32
               " bus_offset=0x%" PRIx64 " ps=%" PRIu32, liobn, nb, offs, ps);
}

static inline void trace_spapr_iommu_post_load(uint64_t liobn,
                                               uint32_t pre_nb,
                                               uint32_t post_nb,
                                               uint64_t offs, uint32_t ps)
{
    qemu_trace("spapr_iommu_post_load liobn=%" PRIx64 " %" PRIx32
               " => 0x%" PRIx32 " bus_offset=0x%" PRIx64 " ps=%" PRIu32,
               liobn, pre_nb, post_nb, offs, ps);
}

static inline void trace_spapr_iommu_ddw_query(uint64_t buid, uint32_t cfgaddr,
                                               unsigned wa, uint64_t win_size,
                                               uint32_t pgmask)
{
    qemu_trace("spapr_iommu_ddw_query buid=0x%" PRIx64 " addr=0x%" PRIx32
               ", %u windows available, max window size=0x%" PRIx64
               ", mask=0x%" PRIx32, buid, cfgaddr, wa, win_size, pgmask);
}

static inline void trace_spapr_iommu_ddw_create(uint64_t buid, uint32_t cfgaddr,
                                                uint64_t pg_size,
                                                uint64_t req_size,
                                                uint64_t start, uint32_t liobn)
{
    qemu_trace("spapr_iommu_ddw_create buid=0x%" PRIx64 " addr=0x%" PRIx32
               ", page size=0x%" PRIx64 ", requested=0x%" PRIx64
               ", start addr=0x%" PRIx64 ", liobn=0x%" PRIx32, buid, cfgaddr,
               pg_size, req_size, start, liobn);
}

static inline void trace_spapr_iommu_ddw_remove(uint32_t liobn)
{
    qemu_trace("spapr_iommu_ddw_remove liobn=0x%" PRIx32, liobn);
}

static inline void trace_spapr_iommu_ddw_reset(uint64_t buid, uint32_t cfgaddr)
{
    qemu_trace("spapr_iommu_ddw_reset buid=0x%" PRIx64 " addr=0x%" PRIx32,
               buid, cfgaddr);
}

#endif /* SPAPR_TRACE_H */
