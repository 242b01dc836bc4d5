/*
 * sPAPR TCE tables on SwiftTCE's engine: QEMU 7.2's hw/ppc/spapr_iommu.c
 * with the engine where QEMU keeps its array. Each function is QEMU's, its
 * table work one engine call.
 */
#include <errno.h>
#include <stdio.h>

#include "kvm-ppc.h"
#include "qemu-savevm.h"
#include "spapr-iommu.h"
#include "spapr-pci.h"
#include "spapr-trace.h"

static QLIST_HEAD(, SpaprTceTable) spapr_tce_tables =
    QLIST_HEAD_INITIALIZER(spapr_tce_tables);

SpaprTceTable *spapr_tce_find_by_liobn(target_ulong liobn)
{
    SpaprTceTable *tcet;

    if (liobn & 0xFFFFFFFF00000000ULL) {
        return NULL;
    }
    QLIST_FOREACH(tcet, &spapr_tce_tables, list) {
        if (tcet->liobn == (uint32_t)liobn) {
            return tcet;
        }
    }
    return NULL;
}

/* ---- What the engine asks of the host ---------------------------------- */

/* The engine's perm is tce & 3, which is what IOMMUAccessFlags encodes. */
G_STATIC_ASSERT(IOMMU_RO == SWIFTTCE_TCE_READ &&
                IOMMU_WO == SWIFTTCE_TCE_WRITE);

static IOMMUTLBEntry spapr_tce_entry(const SwiftTCEMapping *m)
{
    return (IOMMUTLBEntry) {
        .target_as = &address_space_memory,
        .iova = m->iova,
        .translated_addr = m->translated_addr,
        .addr_mask = m->addr_mask,
        .perm = (IOMMUAccessFlags)m->perm,
    };
}

/* QEMU's put_tce_emu tells the region's notifiers of every write. */
static void spapr_tce_notify(void *host_table, const SwiftTCEMapping *m)
{
    SpaprTceTable *tcet = host_table;
    IOMMUTLBEvent event = {
        .type = m->perm ? IOMMU_NOTIFIER_MAP : IOMMU_NOTIFIER_UNMAP,
        .entry = spapr_tce_entry(m),
    };

    memory_region_notify_iommu(&tcet->iommu, 0, event);
}

/*
 * One notifier's part of a run, as QEMU's own core delivers a large unmap:
 * aligned power-of-two blocks, addr_mask = block size - 1, cut to the pages
 * the notifier's [start, end] touches (QEMU asserts an event lies in its
 * notifier's range). A block is one mapping: any run of unmaps, or of
 * page-contiguous maps whose translated_addr is aligned as the iova; a
 * run of one TCE's maps (H_STUFF_TCE) goes a page at a time.
 */
static void spapr_tce_notify_blocks(IOMMUNotifier *n, const SwiftTCEMapping *first,
                                    uint64_t count, uint64_t stride)
{
    uint64_t page = first->addr_mask + 1;
    unsigned shift = __builtin_ctzll(page);
    bool unmap = first->perm == 0;
    bool blocks = unmap || stride == page;
    uint64_t k, last;

    if (count == 0 || n->end < first->iova) {
        return;
    }
    k = n->start <= first->iova ? 0 : (n->start - first->iova) >> shift;
    last = MIN(count - 1, (n->end - first->iova) >> shift);
    while (k <= last) {
        SwiftTCEMapping m = *first;
        uint64_t pages = 1;
        IOMMUTLBEvent event;

        m.iova = first->iova + k * page;
        m.translated_addr = first->translated_addr + k * stride;
        if (blocks) {
            unsigned align = m.iova ? __builtin_ctzll(m.iova) : 64;
            unsigned fits = 63 - __builtin_clzll(last - k + 1);

            if (!unmap && m.translated_addr) {
                align = MIN(align, (unsigned)__builtin_ctzll(m.translated_addr));
            }
            pages = 1ULL << MIN(MIN(align - MIN(align, shift), fits), 63);
        }
        m.addr_mask = (page << __builtin_ctzll(pages)) - 1;
        if (unmap && pages > 1) {
            m.translated_addr = 0;
        }
        event.type = unmap ? IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_MAP;
        event.entry = spapr_tce_entry(&m);
        memory_region_notify_iommu_one(n, &event);
        k += pages;
    }
}

/* A hypercall's runs of entries, each notifier told of its part in blocks. */
static void spapr_tce_notify_range(void *host_table, const SwiftTCEMapping *first,
                                   uint64_t count, uint64_t stride)
{
    SpaprTceTable *tcet = host_table;
    IOMMUNotifier *n;

    IOMMU_NOTIFIER_FOREACH(n, &tcet->iommu) {
        if (n->iommu_idx == 0) {
            spapr_tce_notify_blocks(n, first, count, stride);
        }
    }
}

/*
 * H_PUT_TCE_INDIRECT's list, through the calling CPU's address space. QEMU
 * reads it with ldq_be_phys, which ignores errors (unassigned memory reads
 * as 0): what address_space_read gave is the list, whatever it returned.
 */
static bool spapr_tce_read_guest(void *guest, uint64_t gpa, void *buf,
                                 size_t len)
{
    address_space_read(guest, gpa, MEMTXATTRS_UNSPECIFIED, buf, len);
    return true;
}

typedef struct SpaprTceDeferred {
    struct rcu_head rcu;
    void (*fn)(void *);
    void *arg;
} SpaprTceDeferred;

static void spapr_tce_deferred_run(struct rcu_head *head)
{
    SpaprTceDeferred *d = container_of(head, SpaprTceDeferred, rcu);

    d->fn(d->arg);
    g_free(d);
}

/* What the engine frees waits for the translations in flight. */
void spapr_tce_defer_free(void (*fn)(void *), void *arg)
{
    SpaprTceDeferred *d = g_new(SpaprTceDeferred, 1);

    d->fn = fn;
    d->arg = arg;
    call_rcu1(&d->rcu, spapr_tce_deferred_run);
}

static void spapr_tce_set_error(void *host_errp, const char *msg)
{
    error_setg(host_errp, "%s", msg);
}

static const SwiftTCEHostOps spapr_tce_host_ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = spapr_tce_notify,
    .read_guest = spapr_tce_read_guest,
    .defer_free = spapr_tce_defer_free,
    .set_error = spapr_tce_set_error,
};

/* The same, telling notifiers of runs in blocks (spapr_tce_notify_ranges). */
static const SwiftTCEHostOps spapr_tce_host_ops_ranged = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = spapr_tce_notify,
    .read_guest = spapr_tce_read_guest,
    .defer_free = spapr_tce_defer_free,
    .set_error = spapr_tce_set_error,
    .notify_range = spapr_tce_notify_range,
};

bool spapr_tce_notify_ranges;

/* ---- The IOMMU region's class ------------------------------------------ */

/* Called from RCU critical section */
static IOMMUTLBEntry spapr_tce_translate_iommu(IOMMUMemoryRegion *iommu,
                                               hwaddr addr,
                                               IOMMUAccessFlags flag,
                                               int iommu_idx)
{
    SpaprTceTable *tcet = container_of(iommu, SpaprTceTable, iommu);
    /* The hot path: a flat window's entry is read inline, as QEMU reads it. */
    SwiftTCEMapping m = swifttce_lookup_mapping(
        swifttce_lookup_inline(tcet->engine, addr), addr);
    IOMMUTLBEntry ret = spapr_tce_entry(&m);

    trace_spapr_iommu_xlate(tcet->liobn, addr, ret.translated_addr, ret.perm,
                            ret.addr_mask);
    return ret;
}

static void spapr_tce_replay_one(void *opaque, const SwiftTCEMapping *m)
{
    IOMMUNotifier *n = opaque;
    IOMMUTLBEntry entry = spapr_tce_entry(m);

    n->notify(n, &entry);
}

/* What QEMU's walk of every page would notify, at the cost of what is mapped. */
static void spapr_tce_replay(IOMMUMemoryRegion *iommu_mr, IOMMUNotifier *n)
{
    SpaprTceTable *tcet = container_of(iommu_mr, SpaprTceTable, iommu);
    uint64_t size;

    if (tcet->skipping_replay) {
        return;
    }
    /*
     * The notifier's range only, up to the region's size (QEMU 7.2's walk
     * covers the whole region and notifies what lies outside too; a change
     * after 7.2 walks the notifier's range).
     */
    size = memory_region_size(MEMORY_REGION(iommu_mr));
    if (size == 0) {
        return;
    }
    swifttce_replay_range(tcet->engine, n->start,
                          MIN(n->end, size == UINT64_MAX ? UINT64_MAX : size - 1),
                          spapr_tce_replay_one, n);
}

static uint64_t spapr_tce_get_min_page_size(IOMMUMemoryRegion *iommu)
{
    SpaprTceTable *tcet = container_of(iommu, SpaprTceTable, iommu);

    return 1ULL << tcet->page_shift;
}

static int spapr_tce_notify_flag_changed(IOMMUMemoryRegion *iommu,
                                         IOMMUNotifierFlag old,
                                         IOMMUNotifierFlag new,
                                         Error **errp)
{
    SpaprTceTable *tbl = container_of(iommu, SpaprTceTable, iommu);

    if (new & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) {
        error_setg(errp, "spapr_tce does not support dev-iotlb yet");
        return -EINVAL;
    }
    if (old == IOMMU_NOTIFIER_NONE && new != IOMMU_NOTIFIER_NONE) {
        spapr_tce_set_need_vfio(tbl, true);
    } else if (old != IOMMU_NOTIFIER_NONE && new == IOMMU_NOTIFIER_NONE) {
        spapr_tce_set_need_vfio(tbl, false);
    }
    return 0;
}

static const IOMMUMemoryRegionClass spapr_iommu_memory_region_class = {
    .translate = spapr_tce_translate_iommu,
    .get_min_page_size = spapr_tce_get_min_page_size,
    .notify_flag_changed = spapr_tce_notify_flag_changed,
    .replay = spapr_tce_replay,
};

/* ---- Storage: the engine's own, or under KVM the kernel's table --------- */

/* QEMU's, where g_new0 is the engine's own storage: NULL. */
static uint64_t *spapr_tce_alloc_table(uint32_t liobn, uint32_t page_shift,
                                       uint64_t bus_offset, uint32_t nb_table,
                                       int *fd, bool need_vfio)
{
    uint64_t *table = NULL;

    *fd = -1;
    if (kvm_enabled()) {
        table = kvmppc_create_spapr_tce(liobn, page_shift, bus_offset,
                                        nb_table, fd, need_vfio);
    }
    return table;
}

/* Once the engine has let go of it: at once, as QEMU frees its table. */
static void spapr_tce_free_table(uint64_t *table, int fd, uint32_t nb_table)
{
    if (table) {
        kvmppc_remove_spapr_tce(table, fd, nb_table);
    }
}

/*
 * The engine reports writes only while a notifier listens. As QEMU's, a
 * table VFIO is to see moves to one the kernel makes for VFIO, or, when
 * the kernel cannot, out of the kernel's: the engine copies the entries
 * and switches, then the old table goes.
 */
void spapr_tce_set_need_vfio(SpaprTceTable *tcet, bool need_vfio)
{
    uint64_t *oldtable = tcet->table, *newtable;
    int newfd;

    tcet->need_vfio = need_vfio;
    swifttce_table_set_notify(tcet->engine, need_vfio);
    if (!need_vfio || (tcet->fd != -1 && kvmppc_has_cap_spapr_vfio()) ||
        !tcet->nb_table) {
        return;
    }
    newtable = spapr_tce_alloc_table(tcet->liobn, tcet->page_shift,
                                     tcet->bus_offset, tcet->nb_table, &newfd,
                                     need_vfio);
    if (swifttce_table_set_storage(tcet->engine, newtable, NULL) < 0) {
        /* QEMU cannot fail here; the engine kept the old table. */
        spapr_tce_free_table(newtable, newfd, tcet->nb_table);
        return;
    }
    spapr_tce_free_table(oldtable, tcet->fd, tcet->nb_table);
    tcet->table = newtable;
    tcet->fd = newfd;
}

/*
 * After a load: the kernel's table kept the entries when the stream had its
 * window; for another window the engine took them into its own storage,
 * and, as QEMU's post_load enables the new window, a kernel table for it
 * takes them over.
 */
static void spapr_tce_table_reload_storage(SpaprTceTable *tcet)
{
    uint32_t nb_table = swifttce_table_nb_table(tcet->engine);
    uint64_t *table;
    int fd;

    if (tcet->table && swifttce_table_entries(tcet->engine) != tcet->table) {
        spapr_tce_free_table(tcet->table, tcet->fd, tcet->nb_table);
        tcet->table = NULL;
        tcet->fd = -1;
    }
    if (tcet->table || !nb_table) {
        return;
    }
    table = spapr_tce_alloc_table(tcet->liobn,
                                  swifttce_table_page_shift(tcet->engine),
                                  swifttce_table_bus_offset(tcet->engine),
                                  nb_table, &fd, tcet->need_vfio);
    if (table && swifttce_table_set_storage(tcet->engine, table, NULL) < 0) {
        spapr_tce_free_table(table, fd, nb_table);
        return;
    }
    tcet->table = table;
    tcet->fd = fd;
}

/* ---- The window -------------------------------------------------------- */

/*
 * The fields QEMU's code reads follow the engine's window, and the region
 * is as large as the window, as QEMU sizes it on enable and disable.
 */
static void spapr_tce_table_sync(SpaprTceTable *tcet)
{
    uint64_t size;

    tcet->nb_table = swifttce_table_nb_table(tcet->engine);
    tcet->page_shift = swifttce_table_page_shift(tcet->engine);
    tcet->bus_offset = swifttce_table_bus_offset(tcet->engine);
    size = (uint64_t)tcet->nb_table << tcet->page_shift;
    /* A window may end at 2^64, which the setter spells UINT64_MAX. */
    if (tcet->nb_table && !size) {
        size = UINT64_MAX;
    }
    memory_region_set_size(MEMORY_REGION(&tcet->iommu), size);
}

void spapr_tce_set_bypass(SpaprTceTable *tcet, bool bypass)
{
    tcet->bypass = bypass;
}

/* ---- Migration: QEMU's "spapr_iommu" section, version 3 ---------------- */

/*
 * mig_table's elements: QEMU's core calls put and get once per entry, with
 * the cursor (SpaprTceMigration) each time; the engine gives and takes the
 * entries SPAPR_TCE_MIG_CHUNK at a time.
 */
static int spapr_tce_mig_put(QEMUFile *f, void *pv, size_t size,
                             const VMStateField *field, JSONWriter *vmdesc)
{
    SpaprTceMigration *mig = pv;
    SpaprTceTable *tcet = container_of(mig, SpaprTceTable, mig);

    if (mig->used == mig->buffered) {
        mig->next += mig->buffered;
        mig->buffered = swifttce_table_read_entries(tcet->engine, mig->next,
                                                    mig->buf,
                                                    SPAPR_TCE_MIG_CHUNK);
        mig->used = 0;
        if (!mig->buffered) {
            /* The machine is stopped: the window cannot have shrunk. */
            return -EIO;
        }
    }
    qemu_put_be64(f, mig->buf[mig->used++]);
    return 0;
}

/* Hands the buffered entries to the load, which starts with the first. */
static int spapr_tce_mig_flush(SpaprTceTable *tcet, Error **errp)
{
    SpaprTceMigration *mig = &tcet->mig;

    if (!mig->load) {
        mig->load = swifttce_load_new(tcet->engine, mig->nb_table, errp);
        if (!mig->load) {
            return -ENOMEM;
        }
    }
    if (mig->buffered) {
        int ret = swifttce_load_entries(mig->load, mig->next, mig->buf,
                                        mig->buffered, errp);

        if (ret < 0) {
            return ret;
        }
        mig->next += mig->buffered;
        mig->buffered = 0;
    }
    return 0;
}

static int spapr_tce_mig_get(QEMUFile *f, void *pv, size_t size,
                             const VMStateField *field)
{
    SpaprTceMigration *mig = pv;
    SpaprTceTable *tcet = container_of(mig, SpaprTceTable, mig);
    Error *err = NULL;
    int ret;

    mig->buf[mig->buffered++] = qemu_get_be64(f);
    if (mig->buffered < SPAPR_TCE_MIG_CHUNK) {
        return 0;
    }
    ret = spapr_tce_mig_flush(tcet, &err);
    if (ret < 0) {
        qemu_file_set_error_obj(f, ret, err);
    }
    return ret;
}

/* Named as QEMU's vmstate_info_uint64, which the stream description shows. */
static const VMStateInfo spapr_tce_mig_info = {
    .name = "uint64",
    .get = spapr_tce_mig_get,
    .put = spapr_tce_mig_put,
};

/* The section's fields start as the table's; the cursor at entry 0. */
static void spapr_tce_mig_start(SpaprTceTable *tcet)
{
    SpaprTceMigration *mig = &tcet->mig;

    mig->nb_table = tcet->nb_table;
    mig->bypass = tcet->bypass;
    mig->def_win = tcet->def_win;
    mig->bus_offset = tcet->bus_offset;
    mig->page_shift = tcet->page_shift;
    mig->next = mig->buffered = mig->used = 0;
}

static int spapr_tce_table_pre_save(void *opaque, Error **errp)
{
    SpaprTceTable *tcet = opaque;

    spapr_tce_mig_start(tcet);
    trace_spapr_iommu_pre_save(tcet->liobn, tcet->mig.nb_table,
                               tcet->bus_offset, tcet->page_shift);
    /* QEMU's core would send none of its entries (it counts in an int). */
    if (tcet->mig.nb_table > SWIFTTCE_VMSTATE_NB_TABLE_MAX) {
        error_setg(errp, "spapr_iommu 0x%x: a window of %u entries cannot "
                   "migrate (QEMU's vmstate sends at most %u)", tcet->liobn,
                   tcet->mig.nb_table, SWIFTTCE_VMSTATE_NB_TABLE_MAX);
        return -E2BIG;
    }
    return 0;
}

/*
 * A load refused earlier may have left its session. A stream without
 * def_win (version 2) or the subsection keeps the table's.
 */
static int spapr_tce_table_pre_load(void *opaque)
{
    SpaprTceTable *tcet = opaque;

    swifttce_load_abort(tcet->mig.load);
    tcet->mig.load = NULL;
    spapr_tce_mig_start(tcet);
    return 0;
}

/*
 * QEMU's post_load: the engine replaces the window as QEMU's would be, and
 * says what it did; the host does the region work and takes the fields.
 */
static int spapr_tce_table_post_load(void *opaque, int version_id,
                                     Error **errp)
{
    SpaprTceTable *tcet = opaque;
    SpaprTceMigration *mig = &tcet->mig;
    SwiftTCELoadResult r;
    int ret = spapr_tce_mig_flush(tcet, errp);

    if (ret < 0) {
        return ret;
    }
    ret = swifttce_load_commit(mig->load, mig->page_shift, mig->bus_offset,
                               &r, errp);
    mig->load = NULL;
    if (ret < 0) {
        return ret;
    }
    /* QEMU's post_load: spapr_vio_set_bypass(tcet->vdev, tcet->bypass). */
    spapr_tce_set_bypass(tcet, mig->bypass);
    tcet->def_win = mig->def_win;
    if (r.dropped || r.made) {
        /*
         * spapr_tce_table_disable, then _enable: the kernel's table under
         * KVM, fields and region size.
         */
        spapr_tce_table_reload_storage(tcet);
        spapr_tce_table_sync(tcet);
        if (r.made) {
            /* QEMU's enable allocates the table, which it traces */
            trace_spapr_iommu_new_table(tcet->liobn,
                                        tcet->table ? (void *)tcet->table
                                                    : (void *)tcet->engine,
                                        tcet->fd);
        }
    } else {
        /* The window stayed: QEMU's fields are the stream's, its region too. */
        tcet->bus_offset = mig->bus_offset;
        tcet->page_shift = mig->page_shift;
    }
    trace_spapr_iommu_post_load(tcet->liobn, r.old_nb_table, tcet->nb_table,
                                tcet->bus_offset, tcet->page_shift);
    if (SPAPR_IS_PCI_LIOBN(tcet->liobn)) {
        spapr_phb_window_loaded(tcet->owner, tcet);
    }
    return 0;
}

static bool spapr_tce_table_ex_needed(void *opaque)
{
    SpaprTceTable *tcet = opaque;

    return tcet->mig.bus_offset || tcet->mig.page_shift != 0xC;
}

/* A field of the section, named as QEMU's, kept in the table's mig. */
#define SPAPR_TCE_MIG_FIELD(_name, _member, _version, _info) {              \
    .name = (_name),                                                        \
    .version_id = (_version),                                               \
    .size = sizeof(((SpaprTceTable *)0)->mig._member),                      \
    .info = &(_info),                                                       \
    .flags = VMS_SINGLE,                                                    \
    .offset = offsetof(SpaprTceTable, mig._member),                         \
}

static const VMStateDescription vmstate_spapr_tce_table_ex = {
    .name = "spapr_iommu_ex",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = spapr_tce_table_ex_needed,
    .fields = (const VMStateField[]) {
        SPAPR_TCE_MIG_FIELD("bus_offset", bus_offset, 0, vmstate_info_uint64),
        SPAPR_TCE_MIG_FIELD("page_shift", page_shift, 0, vmstate_info_uint32),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_spapr_tce_table = {
    .name = "spapr_iommu",
    .version_id = 3,
    .minimum_version_id = 2,
    .pre_save_errp = spapr_tce_table_pre_save,
    .pre_load = spapr_tce_table_pre_load,
    .post_load_errp = spapr_tce_table_post_load,
    .fields = (const VMStateField[]) {
        /* Sanity check */
        VMSTATE_UINT32_EQUAL(liobn, SpaprTceTable, NULL),

        /* IOMMU state */
        SPAPR_TCE_MIG_FIELD("mig_nb_table", nb_table, 0, vmstate_info_uint32),
        SPAPR_TCE_MIG_FIELD("bypass", bypass, 0, vmstate_info_bool),
        {
            /* QEMU's VMSTATE_VARRAY_UINT32_ALLOC(mig_table, ...) on the wire */
            .name = "mig_table",
            .offset = offsetof(SpaprTceTable, mig),
            .size = 0,
            .num_offset = offsetof(SpaprTceTable, mig.nb_table),
            .info = &spapr_tce_mig_info,
            .flags = VMS_VARRAY_UINT32,
        },
        SPAPR_TCE_MIG_FIELD("def_win", def_win, 3, vmstate_info_bool),

        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription *[]) {
        &vmstate_spapr_tce_table_ex,
        NULL
    }
};

/* ---- Life cycle -------------------------------------------------------- */

SpaprTceTable *spapr_tce_new_table(void *owner, uint32_t liobn)
{
    SpaprTceTable *tcet;
    char *name;

    if (spapr_tce_find_by_liobn(liobn)) {
        fprintf(stderr, "Attempted to create TCE table with duplicate"
                " LIOBN 0x%x\n", liobn);
        return NULL;
    }
    tcet = g_new0(SpaprTceTable, 1);
    tcet->owner = owner;
    tcet->liobn = liobn;
    tcet->fd = -1;
    tcet->engine = swifttce_table_new(spapr_tce_notify_ranges ?
                                      &spapr_tce_host_ops_ranged :
                                      &spapr_tce_host_ops, tcet);
    if (!tcet->engine) {
        g_error("spapr_tce_new_table: out of memory");
    }
    /* No notifier yet (see spapr_tce_set_need_vfio). */
    swifttce_table_set_notify(tcet->engine, false);
    name = g_strdup_printf("tce-iommu-%x", liobn);
    memory_region_init_iommu(&tcet->iommu, &spapr_iommu_memory_region_class,
                             name, 0);
    g_free(name);
    QLIST_INSERT_HEAD(&spapr_tce_tables, tcet, list);
    vmstate_register(tcet, liobn, &vmstate_spapr_tce_table, tcet);
    return tcet;
}

static void spapr_tce_table_finalize(struct rcu_head *head)
{
    SpaprTceTable *tcet = container_of(head, SpaprTceTable, rcu);

    swifttce_table_free(tcet->engine);
    memory_region_finalize(MEMORY_REGION(&tcet->iommu));
    g_free(tcet);
}

void spapr_tce_table_free(SpaprTceTable *tcet)
{
    vmstate_unregister(tcet, &vmstate_spapr_tce_table, tcet);
    swifttce_load_abort(tcet->mig.load);
    tcet->mig.load = NULL;
    QLIST_REMOVE(tcet, list);
    spapr_tce_table_disable(tcet);
    /* A translation in flight may still be in the region. */
    call_rcu1(&tcet->rcu, spapr_tce_table_finalize);
}

bool spapr_tce_table_enable(SpaprTceTable *tcet, uint32_t page_shift,
                            uint64_t bus_offset, uint32_t nb_table,
                            Error **errp)
{
    int fd;
    uint64_t *table = spapr_tce_alloc_table(tcet->liobn, page_shift,
                                            bus_offset, nb_table, &fd,
                                            tcet->need_vfio);
    int ret = table ?
        swifttce_table_enable_external(tcet->engine, page_shift, bus_offset,
                                       nb_table, table, errp) :
        swifttce_table_enable(tcet->engine, page_shift, bus_offset, nb_table,
                              errp);

    if (ret < 0) {
        spapr_tce_free_table(table, fd, nb_table);
        return false;
    }
    tcet->table = table;
    tcet->fd = fd;
    spapr_tce_table_sync(tcet);
    trace_spapr_iommu_new_table(tcet->liobn,
                                table ? (void *)table : (void *)tcet->engine,
                                fd);
    return true;
}

void spapr_tce_table_disable(SpaprTceTable *tcet)
{
    if (!tcet->nb_table) {
        return;
    }
    swifttce_table_disable(tcet->engine);
    /* No translate reads the kernel's table any more. */
    spapr_tce_free_table(tcet->table, tcet->fd, tcet->nb_table);
    tcet->table = NULL;
    tcet->fd = -1;
    spapr_tce_table_sync(tcet);
}

void spapr_tce_reset(SpaprTceTable *tcet)
{
    swifttce_table_reset(tcet->engine);
}

MemoryRegion *spapr_tce_get_iommu(SpaprTceTable *tcet)
{
    return MEMORY_REGION(&tcet->iommu);
}
