/*
 * A guest maps two pages of a 64-bit DMA window; a device translates.
 */
#include <inttypes.h>
#include <stdio.h>

#include <swifttce.h>

int main(void)
{
    const uint32_t liobn = 0x80000001;
    const uint64_t bus = SPAPR_PCI_DMA64_START;
    Error *err = NULL;
    SpaprTceTable *tcet = spapr_tce_new_table(NULL, liobn, &err);
    IOMMUMemoryRegion *mr;
    IOMMUTLBEntry e;

    /* 1 TiB of 64 KiB pages: 2^24 entries, stored sparsely. */
    if (!tcet || spapr_tce_table_enable(tcet, 16, bus, 1u << 24, &err) < 0) {
        fprintf(stderr, "swifttce: %s\n", error_get_pretty(err));
        error_free(err);
        return 1;
    }
    /* The guest's H_PUT_TCE: bus page 3 -> guest page 0x120000, read/write. */
    if (spapr_h_put_tce(liobn, bus + 3 * 0x10000,
                        0x120000 | TCE_PCI_READ | TCE_PCI_WRITE) != H_SUCCESS) {
        return 1;
    }
    /* A device's DMA: translate a bus address through the table's region. */
    mr = spapr_tce_get_iommu_mr(tcet);
    e = spapr_tce_iommu_ops.translate(mr, 3 * 0x10000 + 0x42, IOMMU_RW, 0);
    printf("iova 0x%" PRIx64 " -> 0x%" PRIx64 " perm %d, table uses %zu bytes\n",
           e.iova, e.translated_addr | (0x42 & e.addr_mask), e.perm,
           spapr_tce_table_storage_bytes(tcet));
    spapr_tce_table_free(tcet);
    return e.translated_addr == 0x120000 && e.perm == IOMMU_RW ? 0 : 1;
}
