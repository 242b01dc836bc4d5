/*
 * SwiftTCE IOMMU core: IOMMU memory regions, their ops, notifiers and replay.
 *
 * Mirrors QEMU's include/exec/memory.h for the IOMMU part, with its names,
 * types and numeric values. Deliberate differences from QEMU 7.2, all so
 * that bad input is refused instead of asserted or left to corrupt state:
 *  - functions that QEMU lets abort take an `Error **errp` and return a
 *    status (0 on success, a negative errno on failure);
 *  - a region is an IOMMUMemoryRegion the caller allocates (embed it
 *    anywhere) and initialises with memory_region_init_iommu() and an ops
 *    table; there are no containers, aliases or address spaces;
 *  - registering a notifier that is registered already is refused (QEMU's
 *    list would be corrupted);
 *  - an IOTLB notifier given an entry that reaches past its range gets the
 *    entry whole, where QEMU asserts; an UNMAP event with perm set is
 *    delivered, where QEMU asserts.
 *
 * NULL: a NULL region, notifier or event is refused (-EINVAL) by the
 * functions that return a status and ignored by the others; getters answer
 * 0 (or NULL) for it.
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

/* A bus, IOMMU or guest-physical address, as QEMU's. */
typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE ((hwaddr)1 << TARGET_PAGE_BITS)

/* The caller's target address space; opaque to the library. */
typedef struct AddressSpace AddressSpace;

/*
 * Errors. A function that can fail takes `Error **errp` last: on failure it
 * stores a new Error there when errp is not NULL and *errp is NULL (an error
 * already there is kept; QEMU would assert). The caller owns it and frees it
 * with error_free().
 */
typedef struct Error Error;
/*
 * The error's message, owned by err: valid until error_free(err). NULL for
 * a NULL err.
 */
const char *error_get_pretty(const Error *err);
/* Frees err and its message; error_free(NULL) does nothing. */
void error_free(Error *err);

/* What an access may do, and what a mapping allows (a TCE's low bits). */
typedef enum {
    IOMMU_NONE = 0,
    IOMMU_RO   = 1,
    IOMMU_WO   = 2,
    IOMMU_RW   = 3,
} IOMMUAccessFlags;

/*
 * One translation: iova (masked to the page) maps to translated_addr in
 * target_as for the addr_mask + 1 bytes from there, with perm.
 */
typedef struct IOMMUTLBEntry {
    AddressSpace    *target_as;
    hwaddr           iova;
    hwaddr           translated_addr;
    hwaddr           addr_mask;   /* 0xfff = 4k translation */
    IOMMUAccessFlags perm;
} IOMMUTLBEntry;

/* What a notifier wants to hear of; also the type of an event. */
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

/*
 * SwiftTCE's opt-in, outside QEMU's flag values (a notifier's flags only,
 * never an event's type, and left out of the region's iommu_notify_flags):
 * a notifier with it set hears of a TCE hypercall's runs of entries (see
 * SwiftTCEHostOps.notify_range in swifttce/host.h) as one event per aligned
 * power-of-two block, addr_mask = block size - 1, as QEMU's core delivers
 * a large unmap, the blocks cut to the pages its [start, end] touches. A
 * block is one mapping: an UNMAP (translated_addr 0 when it is more than
 * a page), or page-contiguous MAPs whose translated_addr is aligned as the
 * iova; H_STUFF_TCE's MAPs (one page, many iovas) come one page each.
 * Without it a notifier gets QEMU's one event per entry; while a notifier
 * with it is registered on a TCE table's region, the others' events (the
 * same, in the same order) come once the hypercall has written all its
 * entries rather than after each.
 */
#define SWIFTTCE_IOMMU_NOTIFIER_RANGES 0x10000

/* An event for notifiers: a MAP or UNMAP (or DEVIOTLB_UNMAP) of entry. */
typedef struct IOMMUTLBEvent {
    IOMMUNotifierFlag type;
    IOMMUTLBEntry entry;
} IOMMUTLBEvent;

/* Both defined below; caller-allocated. */
typedef struct IOMMUMemoryRegion IOMMUMemoryRegion;
typedef struct IOMMUNotifier IOMMUNotifier;
/*
 * A notifier's callback: data is a copy the callback may change. It runs on
 * the thread that caused the event, once per event and notifier, and may
 * unregister its own notifier; it must not register or unregister others.
 * A TCE table's callbacks run with the table serialised (spapr_tce.h).
 */
typedef void (*IOMMUNotify)(IOMMUNotifier *notifier, IOMMUTLBEntry *data);

/*
 * Caller-allocated. It must stay where it is, unchanged but through
 * iommu_notifier_init, from registration until it is unregistered (or its
 * region's table is freed, which unregisters it).
 */
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
    /*
     * addr is relative to the region; flag and iommu_idx may be ignored.
     * May run on any thread, beside anything but the region's init.
     */
    IOMMUTLBEntry (*translate)(IOMMUMemoryRegion *iommu, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    /* The smallest page the IOMMU maps; NULL means TARGET_PAGE_SIZE. */
    uint64_t (*get_min_page_size)(IOMMUMemoryRegion *iommu);
    /*
     * Told when the union of the notifiers' flags changes; < 0 refuses
     * (with a message through errp).
     */
    int (*notify_flag_changed)(IOMMUMemoryRegion *iommu,
                               IOMMUNotifierFlag old_flags,
                               IOMMUNotifierFlag new_flags, Error **errp);
    /* Replays the mappings to one notifier; NULL means the generic walk. */
    void (*replay)(IOMMUMemoryRegion *iommu, IOMMUNotifier *notifier);
    /* How many IOMMU indexes the region has; NULL means 1. */
    int (*num_indexes)(IOMMUMemoryRegion *iommu);
} MemoryRegionIOMMUOps;

/*
 * Allocated by the caller. Callers may read ops (to call ops->translate, as
 * QEMU's callers do through the class), iommu_notify (through
 * IOMMU_NOTIFIER_FOREACH) and iommu_notify_flags (the union of the
 * notifiers' flags); everything is written through the functions only.
 */
struct IOMMUMemoryRegion {
    const MemoryRegionIOMMUOps *ops;
    void *opaque;
    const char *name;       /* not copied: must outlive the region */
    uint64_t size;          /* UINT64_MAX stands for 2^64, as in QEMU */
    IOMMUNotifier *iommu_notify;
    IOMMUNotifierFlag iommu_notify_flags;
};

/*
 * Makes iommu_mr a region of that size (UINT64_MAX means 2^64) with no
 * notifiers; its previous contents are not read, and notifiers registered on
 * it before are free again. name is not copied. 0, or -EINVAL for a NULL
 * region, NULL ops or ops without translate (the region is not touched).
 */
int memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                             const MemoryRegionIOMMUOps *ops, void *opaque,
                             const char *name, uint64_t size, Error **errp);
/* The region's size (UINT64_MAX: 2^64); 0 for NULL. */
uint64_t memory_region_size(const IOMMUMemoryRegion *iommu_mr);
/*
 * Sets the size the generic replay walks below; notifies no one (QEMU's region
 * listeners are the caller's). A TCE table sets its region's size itself on
 * enable and disable. NULL is ignored.
 */
void memory_region_set_size(IOMMUMemoryRegion *iommu_mr, uint64_t size);
/* The opaque given to memory_region_init_iommu; NULL for NULL. */
void *memory_region_get_opaque(const IOMMUMemoryRegion *iommu_mr);
/* The name given to memory_region_init_iommu (not a copy); NULL for NULL. */
const char *memory_region_name(const IOMMUMemoryRegion *iommu_mr);

/*
 * The region's get_min_page_size, or TARGET_PAGE_SIZE without one (or for
 * NULL): the granularity of the generic replay walk.
 */
uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr);
/* The region's num_indexes, or 1 without one; 0 for NULL. */
int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr);

/*
 * The region's replay hook if it has one; otherwise a walk of the addresses
 * that are multiples of the minimum page size, in n's [start, end] and
 * below the region's size, translating each with IOMMU_NONE and
 * n->iommu_idx and calling n->notify for every entry whose perm is not
 * IOMMU_NONE (no type filter). QEMU 7.2 walks from 0 to the region's size
 * (notifying mapped entries outside n's range too); a change proposed after
 * 7.2 walks the notifier's range only, as here. A TCE table's hook gives
 * the entries whose iova is in n's range the same way. n need not be
 * registered. Runs on the calling thread; NULL region or notifier (or one
 * without notify) is ignored.
 */
void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n);

/*
 * Sets the public fields, as QEMU's does, and nothing else: a notifier that
 * is registered stays on its region's list (with the new fields), and
 * unregister still takes it off. NULL n is ignored.
 */
void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                         IOMMUNotifierFlag flags, hwaddr start, hwaddr end,
                         int iommu_idx);

/*
 * Adds n to the region's notifiers (at the head, as QEMU does) and tells the
 * region's notify_flag_changed hook when the flag union changes. 0 on
 * success. Refused with -EINVAL (region unchanged, n not registered) for a
 * NULL region or notifier, no notify function, no flags, start > end, an
 * index out of range or a notifier registered already (here or on another
 * region); a hook that fails makes it fail with the hook's status and
 * message, n taken off again.
 */
int memory_region_register_iommu_notifier(IOMMUMemoryRegion *iommu_mr,
                                          IOMMUNotifier *n, Error **errp);
/*
 * Takes n off the region's notifiers and tells the hook when the flag union
 * changes; a hook's refusal is not obeyed (as in QEMU). A notifier not
 * registered on this region (or NULL) is left alone.
 */
void memory_region_unregister_iommu_notifier(IOMMUMemoryRegion *iommu_mr,
                                             IOMMUNotifier *n);

/*
 * Delivers the event to every notifier on iommu_idx whose [start, end]
 * overlaps [iova, iova + addr_mask] and whose flags include event.type
 * (QEMU's memory_region_notify_iommu), newest first, each with its own copy
 * of the entry. A notifier with IOMMU_NOTIFIER_DEVIOTLB_UNMAP gets the
 * entry cropped to its range, as in QEMU; any other gets the entry whole
 * even when it reaches past its range, where QEMU asserts.
 */
void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event);
/*
 * The same filter and crop for one notifier, registered or not (QEMU's
 * memory_region_notify_iommu_one). The callback gets &event->entry itself,
 * or a cropped copy for a DEVIOTLB_UNMAP notifier. QEMU always hands it a
 * copy; here memory_region_notify_iommu gives each notifier its own event
 * already, and a second copy slowed every H_PUT_TCE by a third.
 */
void memory_region_notify_iommu_one(IOMMUNotifier *notifier,
                                    IOMMUTLBEvent *event);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_MEMORY_H */
