/*
 * The memory core of qemu-memory.h: guest RAM accesses, IOMMU regions and
 * their notifiers, as QEMU 7.2's softmmu/memory.c does them.
 */
#include <assert.h>
#include <string.h>

#include <glib.h>

#include "qemu-memory.h"

AddressSpace address_space_memory = { .name = "memory" };

static bool address_space_covers(AddressSpace *as, hwaddr addr, hwaddr len)
{
    return addr <= as->ram_size && len <= as->ram_size - addr;
}

/* Where no RAM is, QEMU reads unassigned memory: zeros, and an error. */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               void *buf, hwaddr len)
{
    hwaddr in_ram = addr < as->ram_size ? MIN(len, as->ram_size - addr) : 0;

    (void)attrs;
    if (in_ram) {
        memcpy(buf, as->ram + addr, in_ram);
    }
    memset((uint8_t *)buf + in_ram, 0, len - in_ram);
    return address_space_covers(as, addr, len) ? MEMTX_OK : MEMTX_DECODE_ERROR;
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf, hwaddr len)
{
    (void)attrs;
    if (!address_space_covers(as, addr, len)) {
        return MEMTX_DECODE_ERROR;
    }
    memcpy(as->ram + addr, buf, len);
    return MEMTX_OK;
}

uint32_t ldl_be_phys(AddressSpace *as, hwaddr addr)
{
    uint32_t val;

    address_space_read(as, addr, MEMTXATTRS_UNSPECIFIED, &val, sizeof(val));
    return GUINT32_FROM_BE(val);
}

void stl_be_phys(AddressSpace *as, hwaddr addr, uint32_t val)
{
    val = GUINT32_TO_BE(val);
    address_space_write(as, addr, MEMTXATTRS_UNSPECIFIED, &val, sizeof(val));
}

void stq_be_phys(AddressSpace *as, hwaddr addr, uint64_t val)
{
    val = GUINT64_TO_BE(val);
    address_space_write(as, addr, MEMTXATTRS_UNSPECIFIED, &val, sizeof(val));
}

void iommu_notifier_init(IOMMUNotifier *n, IOMMUNotify fn,
                         IOMMUNotifierFlag flags, hwaddr start, hwaddr end,
                         int iommu_idx)
{
    n->notify = fn;
    n->notifier_flags = flags;
    n->start = start;
    n->end = end;
    n->iommu_idx = iommu_idx;
}

void memory_region_init_iommu(IOMMUMemoryRegion *iommu_mr,
                              const IOMMUMemoryRegionClass *imrc,
                              const char *name, uint64_t size)
{
    assert(imrc && imrc->translate);
    memset(iommu_mr, 0, sizeof(*iommu_mr));
    iommu_mr->parent_obj.name = g_strdup(name);
    iommu_mr->parent_obj.size = size;
    iommu_mr->imrc = imrc;
    QLIST_INIT(&iommu_mr->iommu_notify);
    iommu_mr->iommu_notify_flags = IOMMU_NOTIFIER_NONE;
}

void memory_region_finalize(MemoryRegion *mr)
{
    g_free(mr->name);
    mr->name = NULL;
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size;
}

void memory_region_set_size(MemoryRegion *mr, uint64_t size)
{
    mr->size = size;
}

uint64_t memory_region_iommu_get_min_page_size(IOMMUMemoryRegion *iommu_mr)
{
    const IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_GET_CLASS(iommu_mr);

    if (imrc->get_min_page_size) {
        return imrc->get_min_page_size(iommu_mr);
    }
    return TARGET_PAGE_SIZE;
}

int memory_region_iommu_num_indexes(IOMMUMemoryRegion *iommu_mr)
{
    const IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_GET_CLASS(iommu_mr);

    if (!imrc->num_indexes) {
        return 1;
    }
    return imrc->num_indexes(iommu_mr);
}

void memory_region_iommu_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n)
{
    const IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_GET_CLASS(iommu_mr);
    uint64_t size = memory_region_size(MEMORY_REGION(iommu_mr));
    hwaddr addr, granularity;
    IOMMUTLBEntry iotlb;

    if (imrc->replay) {
        imrc->replay(iommu_mr, n);
        return;
    }
    granularity = memory_region_iommu_get_min_page_size(iommu_mr);
    for (addr = 0; addr < size; addr += granularity) {
        iotlb = imrc->translate(iommu_mr, addr, IOMMU_NONE, n->iommu_idx);
        if (iotlb.perm != IOMMU_NONE) {
            n->notify(n, &iotlb);
        }
        /* A region that ends at 2^64 would wrap. */
        if (addr + granularity < addr) {
            break;
        }
    }
}

/* The union of the notifiers' flags; the class hears when it changes. */
static int memory_region_update_iommu_notify_flags(IOMMUMemoryRegion *iommu_mr,
                                                   Error **errp)
{
    const IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_GET_CLASS(iommu_mr);
    IOMMUNotifierFlag flags = IOMMU_NOTIFIER_NONE;
    IOMMUNotifier *n;
    int ret = 0;

    IOMMU_NOTIFIER_FOREACH(n, iommu_mr) {
        flags |= n->notifier_flags;
    }
    if (flags != iommu_mr->iommu_notify_flags && imrc->notify_flag_changed) {
        ret = imrc->notify_flag_changed(iommu_mr, iommu_mr->iommu_notify_flags,
                                        flags, errp);
    }
    if (!ret) {
        iommu_mr->iommu_notify_flags = flags;
    }
    return ret;
}

int memory_region_register_iommu_notifier(MemoryRegion *mr, IOMMUNotifier *n,
                                          Error **errp)
{
    IOMMUMemoryRegion *iommu_mr = IOMMU_MEMORY_REGION(mr);
    int ret;

    assert(n->notifier_flags != IOMMU_NOTIFIER_NONE);
    assert(n->start <= n->end);
    assert(n->iommu_idx >= 0 &&
           n->iommu_idx < memory_region_iommu_num_indexes(iommu_mr));

    QLIST_INSERT_HEAD(&iommu_mr->iommu_notify, n, node);
    ret = memory_region_update_iommu_notify_flags(iommu_mr, errp);
    if (ret) {
        QLIST_REMOVE(n, node);
    }
    return ret;
}

void memory_region_unregister_iommu_notifier(MemoryRegion *mr,
                                             IOMMUNotifier *n)
{
    QLIST_REMOVE(n, node);
    memory_region_update_iommu_notify_flags(IOMMU_MEMORY_REGION(mr), NULL);
}

void memory_region_notify_iommu_one(IOMMUNotifier *notifier,
                                    IOMMUTLBEvent *event)
{
    IOMMUTLBEntry *entry = &event->entry;
    hwaddr entry_end = entry->iova + entry->addr_mask;
    IOMMUTLBEntry tmp = *entry;

    if (event->type == IOMMU_NOTIFIER_UNMAP) {
        assert(entry->perm == IOMMU_NONE);
    }
    if (notifier->start > entry_end || notifier->end < entry->iova) {
        return;
    }
    if (notifier->notifier_flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) {
        /* A device-IOTLB notifier takes the part in its range. */
        tmp.iova = MAX(tmp.iova, notifier->start);
        tmp.addr_mask = MIN(entry_end, notifier->end) - tmp.iova;
    } else {
        assert(entry->iova >= notifier->start && entry_end <= notifier->end);
    }
    if (event->type & notifier->notifier_flags) {
        notifier->notify(notifier, &tmp);
    }
}

void memory_region_notify_iommu(IOMMUMemoryRegion *iommu_mr, int iommu_idx,
                                IOMMUTLBEvent event)
{
    IOMMUNotifier *n;

    IOMMU_NOTIFIER_FOREACH(n, iommu_mr) {
        if (n->iommu_idx == iommu_idx) {
            memory_region_notify_iommu_one(n, &event);
        }
    }
}
