/*
 * The baseline for bench-tce: QEMU's design for sPAPR TCE tables, in plain C.
 *
 * One flat uint64_t array per window; translate is one indexed load behind a
 * function-pointer ops table; a hypercall finds its table by LIOBN in a list,
 * masks ioba, checks the range, stores and walks the region's notifier list;
 * replay is the generic walk (one translate per granule). Written for the
 * benchmark only: no error reporting beyond status codes.
 */
#ifndef BASELINE_TCE_H
#define BASELINE_TCE_H

#include <stdbool.h>
#include <stdint.h>

#include "swifttce.h"   /* IOMMUTLBEntry, IOMMUAccessFlags, H_* and TCE_* */

typedef struct BaseRegion BaseRegion;
typedef struct BaseNotifier BaseNotifier;
typedef void (*BaseNotify)(BaseNotifier *n, IOMMUTLBEntry *entry);

struct BaseNotifier {
    BaseNotify notify;
    IOMMUNotifierFlag notifier_flags;
    hwaddr start;
    hwaddr end;             /* inclusive */
    int iommu_idx;
    BaseNotifier *next;     /* the region's list, like QEMU's QLIST */
};

typedef struct BaseRegionOps {
    IOMMUTLBEntry (*translate)(BaseRegion *iommu, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    uint64_t (*get_min_page_size)(BaseRegion *iommu);
    void (*replay)(BaseRegion *iommu, BaseNotifier *n);
} BaseRegionOps;

struct BaseRegion {
    const BaseRegionOps *ops;
    uint64_t size;
    BaseNotifier *notifiers;
};

typedef struct BaseTable {
    BaseRegion iommu;       /* first: container_of is a cast */
    uint32_t liobn;
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;
    bool skipping_replay;
    uint64_t *table;
    struct BaseTable *next; /* the registry, like spapr_tce_tables */
} BaseTable;

BaseTable *base_tce_new_table(uint32_t liobn);
/* false when the flat array cannot be allocated */
bool base_tce_table_enable(BaseTable *t, uint32_t page_shift,
                           uint64_t bus_offset, uint32_t nb_table);
void base_tce_table_free(BaseTable *t);
BaseTable *base_tce_find_by_liobn(uint32_t liobn);

void base_register_notifier(BaseRegion *mr, BaseNotifier *n);
void base_unregister_notifier(BaseRegion *mr, BaseNotifier *n);
void base_notify_iommu(BaseRegion *mr, int iommu_idx, IOMMUTLBEvent event);
/* The region's replay hook if any, else the generic walk. */
void base_iommu_replay(BaseRegion *mr, BaseNotifier *n);

int64_t base_h_put_tce(uint64_t liobn, uint64_t ioba, uint64_t tce);
int64_t base_h_put_tce_indirect(uint64_t liobn, uint64_t ioba,
                                uint64_t tce_list, uint64_t npages,
                                const SpaprGuestMemory *mem);
int64_t base_h_stuff_tce(uint64_t liobn, uint64_t ioba, uint64_t tce_value,
                         uint64_t npages);

#endif /* BASELINE_TCE_H */
