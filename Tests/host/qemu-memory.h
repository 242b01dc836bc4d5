/*
 * A memory core written the way QEMU 7.2's include/exec/memory.h is, with
 * its names and layouts, reduced to guest RAM and IOMMU regions: what an
 * sPAPR TCE table needs from its emulator.
 *
 * Where QEMU goes through QOM, this core takes the class directly:
 * memory_region_init_iommu is given the IOMMUMemoryRegionClass (QEMU: a
 * type name, an owner and the instance size). Otherwise names, argument
 * orders, checks (assert, as in QEMU) and notification rules are QEMU's.
 */
#ifndef QEMU_MEMORY_H
#define QEMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qemu-error.h"
#include "qemu-queue.h"

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ULL << TARGET_PAGE_BITS)

/* ---- Guest memory ------------------------------------------------------ */

/* QEMU: a view of a memory tree; here the guest's RAM, from 0. */
typedef struct AddressSpace {
    const char *name;
    uint8_t *ram;
    hwaddr ram_size;
} AddressSpace;

/* The system's memory, as devices see it (QEMU: address_space_memory). */
extern AddressSpace address_space_memory;

typedef uint32_t MemTxResult;
#define MEMTX_OK 0
#define MEMTX_DECODE_ERROR (1U << 1)   /* nothing at that address */

typedef struct MemTxAttrs {
    unsigned int unspecified:1;
} MemTxAttrs;
#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs) { .unspecified = 1 })

/* Outside RAM: zeros in buf, as QEMU reads unassigned memory, and an error. */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len);
/*
 * Big-endian loads and stores; outside RAM a load reads 0 (QEMU's
 * unassigned memory), a store is lost.
 */
uint32_t ldl_be_phys(AddressSpace *as, hwaddr addr);
void stl_be_phys(AddressSpace *as, hwaddr addr, uint32_t val);
void stq_be_phys(AddressSpace *as, hwaddr addr, uint64_t val);

/* ---- IOMMU translations and their notifiers ---------------------------- */

typedef enum {
    IOMMU_NONE = 0,
    IOMMU_RO   = 1,
    IOMMU_WO   = 2,
    IOMMU_RW   = 3,
} IOMMUAccessFlags;

typedef struct IOMMUTLBEntry IOMMUTLBEntry;
struct IOMMUTLBEntry {
    AddressSpace    *target_as;
    hwaddr           iova;
    hwaddr           translated_addr;
    hwaddr           addr_mask;  /* 0xfff = 4k translation */
    IOMMUAccessFlags perm;
};

typedef enum {
    IOMMU_NOTIFIER_NONE = 0,
    IOMMU_NOTIFIER_UNMAP = 0x1,
    IOMMU_NOTIFIER_MAP = 0x2,
    IOMMU_NOTIFIER_DEVIOTLB_UNMAP = 0x04,
} IOMMUNotifierFlag;

#define IOMMU_NOTIFIER_IOTLB_EVENTS (IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP)

typedef struct IOMMUNotifier IOMMUNotifier;
typedef void (*IOMMUNotify)(IOMMUNotifier *notifier, IOMMUTLBEntry *data);

struct IOMMUNotifier {
    IOMMUNotify notify;
    IOMMUNotifierFlag notifier_flags;
    /* Notify for address space range start <= addr <= end */
    hwaddr start;
    hwaddr end;
    int iommu_idx;
    QLIST_ENTRY(IOMMUNotifier) node;
};

typedef struct IOMMUTLBEvent {
    IOMMUNotifierFlag type;
    IOMMUTLBEntry entry;
} IOMMUTLBEvent;

/* QEMU has this one inline; a function here, like the rest. */
void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                         IOMMUNotifierFlag flags, hwaddr start, hwaddr end,
                         int iommu_idx);

/* ---- Regions ----------------------------------------------------------- */

typedef struct MemoryRegion {
    char *name;
    /* QEMU keeps an Int128; UINT64_MAX stands for 2^64, as its setter says. */
    uint64_t size;
} MemoryRegion;

typedef struct IOMMUMemoryRegion IOMMUMemoryRegion;

/* The callbacks of an IOMMU (QEMU: its QOM class); translate is required. */
typedef struct IOMMUMemoryRegionClass {
    /* Called from an RCU critical section; addr is region-relative. */
    IOMMUTLBEntry (*translate)(IOMMUMemoryRegion *iommu, hwaddr addr,
                               IOMMUAccessFlags flag, int iommu_idx);
    uint64_t (*get_min_page_size)(IOMMUMemoryRegion *iommu);
    int (*notify_flag_changed)(IOMMUMemoryRegion *iommu,
                               IOMMUNotifierFlag old_flags,
                               IOMMUNotifierFlag new_flags, Error **errp);
    void (*replay)(IOMMUMemoryRegion *iommu, IOMMUNotifier *notifier);
    int (*num_indexes)(IOMMUMemoryRegion *iommu);
} IOMMUMemoryRegionClass;

struct IOMMUMemoryRegion {
    MemoryRegion parent_obj;
    const IOMMUMemoryRegionClass *imrc;

    QLIST_HEAD(, IOMMUNotifier) iommu_notify;
    IOMMUNotifierFlag iommu_notify_flags;
};

#define MEMORY_REGION(iommu_mr) (&(iommu_mr)->parent_obj)
#define IOMMU_MEMORY_REGION(mr) container_of(mr, IOMMUMemoryRegion, parent_obj)
#define IOMMU_MEMORY_REGION_GET_CLASS(iommu_mr) ((iommu_mr)->imrc)
#define IOMMU_NOTIFIER_FOREACH(n, mr) \
    QLIST_FOREACH((n), &(mr)->iommu_notify, node)

void memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionClass *imrc,
                              const char *name, uint64_t size);
/* Frees what init allocated (QEMU runs it as the object's finalize). */
void memory_region_finalize(MemoryRegion *mr);
uint64_t memory_region_size(MemoryRegion *mr);
void memory_region_set_size(MemoryRegion *mr, uint64_t size);

uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr);
int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr);
/* The class's replay if it has one, else a translate per minimum page. */
void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n);

int memory_region_register_iommu_notifier(MemoryRegion *mr, IOMMUNotifier *n,
                                          Error **errp);
void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n);
void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event);
void memory_region_notify_iommu_one(IOMMUNotifier *notifier,
                                    IOMMUTLBEvent *event);

#endif /* QEMU_MEMORY_H */
