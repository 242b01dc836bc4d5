/*
 * The baseline: QEMU's flat-array TCE table, in plain C (see baseline-tce.h).
 * Its own translation unit so that the benchmark cannot inline it: every call
 * goes through the ops table or an exported function, as in an emulator.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "baseline-tce.h"

static BaseTable *base_tables;

/* ---- The IOMMU ops ---------------------------------------------------- */

static IOMMUTLBEntry base_translate(BaseRegion *iommu, hwaddr addr,
                                    IOMMUAccessFlags flag, int iommu_idx)
{
    BaseTable *t = (BaseTable *)iommu;   /* container_of: iommu is first */
    IOMMUTLBEntry ret = {
        .target_as = NULL,
        .iova = 0,
        .translated_addr = 0,
        .addr_mask = ~(hwaddr)0,
        .perm = IOMMU_NONE,
    };

    (void)flag;
    (void)iommu_idx;
    if ((addr >> t->page_shift) < t->nb_table) {
        hwaddr page_mask = ~(((hwaddr)1 << t->page_shift) - 1);
        uint64_t tce = t->table[addr >> t->page_shift];

        ret.iova = addr & page_mask;
        ret.translated_addr = tce & page_mask;
        ret.addr_mask = ~page_mask;
        ret.perm = (IOMMUAccessFlags)(tce & (TCE_PCI_READ | TCE_PCI_WRITE));
    }
    return ret;
}

static uint64_t base_get_min_page_size(BaseRegion *iommu)
{
    return (uint64_t)1 << ((BaseTable *)iommu)->page_shift;
}

/* The generic walk: one translate per granule up to the region's size. */
static void base_generic_replay(BaseRegion *mr, BaseNotifier *n)
{
    uint64_t granularity = mr->ops->get_min_page_size(mr);
    hwaddr addr;

    for (addr = 0; addr < mr->size; addr += granularity) {
        IOMMUTLBEntry iotlb = mr->ops->translate(mr, addr, IOMMU_NONE,
                                                 n->iommu_idx);
        if (iotlb.perm != IOMMU_NONE) {
            n->notify(n, &iotlb);
        }
        if (addr + granularity < addr) {
            break;
        }
    }
}

static void base_replay(BaseRegion *iommu, BaseNotifier *n)
{
    if (((BaseTable *)iommu)->skipping_replay) {
        return;
    }
    base_generic_replay(iommu, n);
}

static const BaseRegionOps base_ops = {
    .translate = base_translate,
    .get_min_page_size = base_get_min_page_size,
    .replay = base_replay,
};

/* ---- Tables ----------------------------------------------------------- */

BaseTable *base_tce_new_table(uint32_t liobn)
{
    BaseTable *t = calloc(1, sizeof(*t));

    if (!t) {
        return NULL;
    }
    t->iommu.ops = &base_ops;
    t->liobn = liobn;
    t->next = base_tables;
    base_tables = t;
    return t;
}

bool base_tce_table_enable(BaseTable *t, uint32_t page_shift,
                           uint64_t bus_offset, uint32_t nb_table)
{
    t->table = calloc(nb_table, sizeof(uint64_t));
    if (!t->table) {
        return false;
    }
    t->page_shift = page_shift;
    t->bus_offset = bus_offset;
    t->nb_table = nb_table;
    t->iommu.size = (uint64_t)nb_table << page_shift;
    return true;
}

void base_tce_table_free(BaseTable *t)
{
    BaseTable **link;

    for (link = &base_tables; *link; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            break;
        }
    }
    free(t->table);
    free(t);
}

BaseTable *base_tce_find_by_liobn(uint32_t liobn)
{
    BaseTable *t;

    for (t = base_tables; t; t = t->next) {
        if (t->liobn == liobn) {
            return t;
        }
    }
    return NULL;
}

/* ---- Notifiers and replay --------------------------------------------- */

void base_register_notifier(BaseRegion *mr, BaseNotifier *n)
{
    n->next = mr->notifiers;
    mr->notifiers = n;
}

void base_unregister_notifier(BaseRegion *mr, BaseNotifier *n)
{
    BaseNotifier **link;

    for (link = &mr->notifiers; *link; link = &(*link)->next) {
        if (*link == n) {
            *link = n->next;
            break;
        }
    }
}

static void base_notify_one(BaseNotifier *n, IOMMUTLBEvent *event)
{
    IOMMUTLBEntry *entry = &event->entry;
    hwaddr last = entry->iova + entry->addr_mask;

    if (last < entry->iova) {
        last = HWADDR_MAX;
    }
    if (n->start > last || n->end < entry->iova) {
        return;
    }
    if (!(event->type & n->notifier_flags)) {
        return;
    }
    n->notify(n, entry);
}

void base_notify_iommu(BaseRegion *mr, int iommu_idx, IOMMUTLBEvent event)
{
    BaseNotifier *n, *next;

    for (n = mr->notifiers; n; n = next) {
        next = n->next;
        if (n->iommu_idx == iommu_idx) {
            IOMMUTLBEvent copy = event;
            base_notify_one(n, &copy);
        }
    }
}

void base_iommu_replay(BaseRegion *mr, BaseNotifier *n)
{
    if (mr->ops->replay) {
        mr->ops->replay(mr, n);
        return;
    }
    base_generic_replay(mr, n);
}

/* ---- Hypercalls ------------------------------------------------------- */

static int64_t base_put_tce_emu(BaseTable *t, uint64_t ioba, uint64_t tce)
{
    uint64_t index = (ioba - t->bus_offset) >> t->page_shift;
    hwaddr page_mask = ~(((hwaddr)1 << t->page_shift) - 1);
    IOMMUTLBEvent event;

    if (index >= t->nb_table) {
        return H_PARAMETER;
    }
    t->table[index] = tce;

    event.entry.target_as = NULL;
    event.entry.iova = (ioba - t->bus_offset) & page_mask;
    event.entry.translated_addr = tce & page_mask;
    event.entry.addr_mask = ~page_mask;
    event.entry.perm = (IOMMUAccessFlags)(tce & (TCE_PCI_READ | TCE_PCI_WRITE));
    event.type = event.entry.perm ? IOMMU_NOTIFIER_MAP : IOMMU_NOTIFIER_UNMAP;
    base_notify_iommu(&t->iommu, 0, event);
    return H_SUCCESS;
}

int64_t base_h_put_tce(uint64_t liobn, uint64_t ioba, uint64_t tce)
{
    BaseTable *t;

    if (liobn >> 32) {
        return H_PARAMETER;
    }
    t = base_tce_find_by_liobn((uint32_t)liobn);
    if (!t) {
        return H_PARAMETER;
    }
    ioba &= ~(((uint64_t)1 << t->page_shift) - 1);
    return base_put_tce_emu(t, ioba, tce);
}

/*
 * Reads the whole list with one call, as the library does (QEMU reads one
 * entry at a time): both sides pay the same for guest memory.
 */
int64_t base_h_put_tce_indirect(uint64_t liobn, uint64_t ioba,
                                uint64_t tce_list, uint64_t npages,
                                const SpaprGuestMemory *mem)
{
    uint64_t list[512];
    int64_t ret = H_PARAMETER;
    BaseTable *t;
    uint64_t i, page_size;

    if (liobn >> 32) {
        return H_PARAMETER;
    }
    t = base_tce_find_by_liobn((uint32_t)liobn);
    if (!t) {
        return H_PARAMETER;
    }
    if (npages > 512 || (tce_list & (SPAPR_TCE_PAGE_SIZE - 1)) || npages == 0) {
        return H_PARAMETER;
    }
    if (!mem->read(mem->opaque, tce_list, list, npages * sizeof(uint64_t))) {
        return H_PARAMETER;
    }
    page_size = (uint64_t)1 << t->page_shift;
    ioba &= ~(page_size - 1);
    for (i = 0; i < npages; i++) {
        ret = base_put_tce_emu(t, ioba + (i << t->page_shift),
                               be64toh(list[i]));
        if (ret != H_SUCCESS) {
            break;
        }
    }
    return ret;
}

/* QEMU's h_stuff_tce: put_tce_emu on each of npages entries, notifying each. */
int64_t base_h_stuff_tce(uint64_t liobn, uint64_t ioba, uint64_t tce_value,
                         uint64_t npages)
{
    int64_t ret = H_PARAMETER;
    BaseTable *t;
    uint64_t i;

    if (liobn >> 32) {
        return H_PARAMETER;
    }
    t = base_tce_find_by_liobn((uint32_t)liobn);
    if (!t) {
        return H_PARAMETER;
    }
    if (npages > t->nb_table) {
        return H_PARAMETER;
    }
    ioba &= ~(((uint64_t)1 << t->page_shift) - 1);
    for (i = 0; i < npages; i++) {
        ret = base_put_tce_emu(t, ioba + (i << t->page_shift), tce_value);
        if (ret != H_SUCCESS) {
            break;
        }
    }
    return ret;
}
