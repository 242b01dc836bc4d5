/*
 * SwiftTCE IOMMU core: IOMMU memory regions, their ops, notifiers and replay.
 *
 * Mirrors QEMU's include/system/memory.h for the IOMMU part. Differences,
 * all so that bad input is refused instead of asserted:
 *  - functions that QEMU lets abort take an `Error **errp` and return a status;
 *  - a region is an IOMMUMemoryRegion the caller allocates (embed it anywhere)
 *    and initialises with memory_region_init_iommu() and an ops table.
 *
 * Threads: translate may run on any thread at any time. Everything else on a
 * region (init, size, notifier registration) is serialised by the caller, as
 * under QEMU's big lock; notification may run beside translate.
 */
#ifndef SWIFTTCE_MEMORY_H
#define SWIFTTCE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE ((hwaddr)1 << TARGET_PAGE_BITS)

/* The caller's target address space; opaque to the library. */
typedef struct AddressSpace AddressSpace;

/*
 * Errors. A function that can fail takes `Error **errp` last: on failure it
 * stores a new Error there when errp is not NULL and *errp is NULL. The caller
 * frees it with error_free().
 */
typedef struct Error Error;
const char *error_get_pretty(const Error *err);
void error_free(Error *err);

typedef enum {
    IOMMU_NONE = 0,
    IOMMU_RO   = 1,
    IOMMU_WO   = 2,
    IOMMU_RW   = 3,
} IOMMUAccessFlags;

typedef struct IOMMUTLBEntry {
    AddressSpace    *target_as;
    hwaddr           iova;
    hwaddr           translated_addr;
    hwaddr           addr_mask;   /* 0xfff = 4k translation */
    IOMMUAccessFlags perm;
} IOMMUTLBEntry;

typedef enum {
    IOMMU_NOTIFIER_NONE = 0,
    IOMMU_NOTIFIER_UNMAP = 0x1,
    IOMMU_NOTIFIER_MAP = 0x2,
    IOMMU_NOTIFIER_DEVIOTLB_UNMAP = 0x4,
} IOMMUNotifierFlag;

#define IOMMU_NOTIFIER_IOTLB_EVENTS (IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP)
#define IOMMU_NOTIFIER_DEVIOTLB_EVENTS IOMMU_NOTIFIER_DEVIOTLB_UNMAP
#define IOMMU_NOTIFIER_ALL \
    (IOMMU_NOTIFIER_IOTLB_EVENTS | IOMMU_NOTIFIER_DEVIOTLB_EVENTS)

typedef struct IOMMUTLBEvent {
    IOMMUNotifierFlag type;
    IOMMUTLBEntry entry;
} IOMMUTLBEvent;

typedef struct IOMMUMemoryRegion IOMMUMemoryRegion;
typedef struct IOMMUNotifier IOMMUNotifier;
typedef void (*IOMMUNotify)(IOMMUNotifier *notifier, IOMMUTLBEntry *data);

struct IOMMUNotifier {
    IOMMUNotify notify;
    IOMMUNotifierFlag notifier_flags;
    hwaddr start;          /* first address of interest */
    hwaddr end;            /* last address of interest (inclusive) */
    int iommu_idx;
    /*
     * The region's list (QEMU's node): written by register and unregister
     * only; walk it with IOMMU_NOTIFIER_FOREACH.
     */
    IOMMUNotifier *next;
};

/* Every notifier registered on a region, newest first (QEMU's macro). */
#define IOMMU_NOTIFIER_FOREACH(n, mr) \
    for ((n) = (mr)->iommu_notify; (n); (n) = (n)->next)

/* The callbacks of an IOMMU; any but translate may be NULL. */
typedef struct MemoryRegionIOMMUOps {
    /* addr is relative to the region; flag and iommu_idx may be ignored. */
    IOMMUTLBEntry (*translate)(IOMMUMemoryRegion *iommu, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    /* The smallest page the IOMMU maps; NULL means TARGET_PAGE_SIZE. */
    uint64_t (*get_min_page_size)(IOMMUMemoryRegion *iommu);
    /* Told when the union of the notifiers' flags changes; < 0 refuses. */
    int (*notify_flag_changed)(IOMMUMemoryRegion *iommu,
                               IOMMUNotifierFlag old_flags,
                               IOMMUNotifierFlag new_flags, Error **errp);
    /* Replays the mappings to one notifier; NULL means the generic walk. */
    void (*replay)(IOMMUMemoryRegion *iommu, IOMMUNotifier *notifier);
    /* How many IOMMU indexes the region has; NULL means 1. */
    int (*num_indexes)(IOMMUMemoryRegion *iommu);
} MemoryRegionIOMMUOps;

/* Allocated by the caller; the fields are private: use the functions. */
struct IOMMUMemoryRegion {
    const MemoryRegionIOMMUOps *ops;
    void *opaque;
    const char *name;       /* not copied: must outlive the region */
    uint64_t size;          /* UINT64_MAX stands for 2^64, as in QEMU */
    IOMMUNotifier *iommu_notify;
    IOMMUNotifierFlag iommu_notify_flags;
};

/* Refuses NULL mr/ops/translate with -EINVAL. size UINT64_MAX means 2^64. */
int memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                             const MemoryRegionIOMMUOps *ops, void *opaque,
                             const char *name, uint64_t size, Error **errp);
uint64_t memory_region_size(const IOMMUMemoryRegion *iommu_mr);
void memory_region_set_size(IOMMUMemoryRegion *iommu_mr, uint64_t size);
void *memory_region_get_opaque(const IOMMUMemoryRegion *iommu_mr);
const char *memory_region_name(const IOMMUMemoryRegion *iommu_mr);

uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr);
int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr);

/*
 * The region's replay hook if it has one; otherwise a walk from 0 to the
 * region's size in steps of the minimum page size, translating each address
 * with IOMMU_NONE and n->iommu_idx and calling n->notify for every entry
 * whose perm is not IOMMU_NONE (no range or type filter).
 */
void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n);

/*
 * Sets the public fields, as QEMU's does, and nothing else: a notifier that
 * is registered stays on its region's list (with the new fields), and
 * unregister still takes it off.
 */
void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                         IOMMUNotifierFlag flags, hwaddr start, hwaddr end,
                         int iommu_idx);

/*
 * Refused with -EINVAL (region unchanged) for no flags, start > end, an index
 * out of range, a notifier registered already, or a notify_flag_changed hook
 * that fails (its error is passed on).
 */
int memory_region_register_iommu_notifier(IOMMUMemoryRegion *iommu_mr,
                                          IOMMUNotifier *n, Error **errp);
/* A notifier not registered on this region is left alone. */
void memory_region_unregister_iommu_notifier(IOMMUMemoryRegion *iommu_mr,
                                             IOMMUNotifier *n);

/*
 * Delivers the event to every notifier on iommu_idx whose [start, end]
 * overlaps [iova, iova + addr_mask] and whose flags include event.type
 * (QEMU's memory_region_notify_iommu). A notifier with
 * IOMMU_NOTIFIER_DEVIOTLB_UNMAP gets the entry cropped to its range, as in
 * QEMU; any other gets the entry whole even when it reaches past its range,
 * where QEMU asserts.
 */
void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event);
void memory_region_notify_iommu_one(IOMMUNotifier *notifier,
                                    IOMMUTLBEvent *event);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_MEMORY_H */
