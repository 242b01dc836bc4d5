/*
 * sPAPR TCE tables the way QEMU 7.2's hw/ppc/spapr_iommu.c has them, with
 * SwiftTCE's engine (include/swifttce/host.h) where QEMU keeps its flat
 * array: the table's entries, translate, replay, the hypercalls' checks and
 * writes, and the migration bytes are the engine's; the region, notifiers,
 * LIOBN list, errors, traces and vmstate registration stay the host's.
 */
#ifndef SPAPR_IOMMU_H
#define SPAPR_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "qemu-memory.h"
#include "qemu-queue.h"
#include "qemu-rcu.h"
#include "spapr.h"
#include "swifttce/host.h"

/* Entries the vmstate handlers move at a time (the engine reads and takes
 * them in chunks). */
#define SPAPR_TCE_MIG_CHUNK 512

/*
 * What QEMU's vmstate core reads and writes for a table: the section's
 * fields (the names in vmstate_spapr_tce_table are QEMU's), apart from the
 * table's own until post_load applies them, so that a refused load leaves
 * the table alone; and the cursor that mig_table's element handlers share
 * (an element of size 0: every call gets this struct).
 */
typedef struct SpaprTceMigration {
    uint32_t nb_table;          /* "mig_nb_table" */
    bool bypass;
    bool def_win;
    uint64_t bus_offset;        /* "spapr_iommu_ex" */
    uint32_t page_shift;
    SwiftTCELoad *load;         /* a load in progress, from its first entry */
    uint64_t next;              /* index of buf[0] */
    uint32_t buffered;          /* entries in buf */
    uint32_t used;              /* of them, already put (save) */
    uint64_t buf[SPAPR_TCE_MIG_CHUNK];
} SpaprTceMigration;

struct SpaprTceTable {
    /* QEMU: the DeviceState parent; a PCI LIOBN's is its SpaprPhbState. */
    void *owner;
    uint32_t liobn;
    /*
     * The window, as QEMU's code reads it: the engine's geometry, copied
     * after each call that changes it (spapr_tce_table_sync).
     */
    uint32_t nb_table;
    uint64_t bus_offset;
    uint32_t page_shift;
    /* QEMU's: set through spapr_tce_set_bypass; the engine has none. */
    bool bypass;
    bool need_vfio;
    bool skipping_replay;
    /* What migrates; a PHB window's follows the engine's (spapr-pci.h). */
    bool def_win;
    SwiftTCETable *engine;      /* QEMU: uint64_t *table, mig_table */
    /*
     * Under KVM, the kernel's table (kvm-ppc.h) where the engine keeps the
     * entries, and its fd; NULL and -1 when they are the engine's own.
     */
    uint64_t *table;
    int fd;
    SpaprTceMigration mig;
    IOMMUMemoryRegion iommu;
    QLIST_ENTRY(SpaprTceTable) list;
    /* QEMU frees a table with the last view of its region, after RCU. */
    struct rcu_head rcu;
};

SpaprTceTable *spapr_tce_new_table(void *owner, uint32_t liobn);
/*
 * What QEMU's spapr_vio_set_bypass does to the table: tcet->bypass, which
 * migrates with it (the harness has no device regions to swap).
 */
void spapr_tce_set_bypass(SpaprTceTable *tcet, bool bypass);
/* QEMU's unrealize (now) and finalize (after a grace period). */
void spapr_tce_table_free(SpaprTceTable *tcet);
/*
 * QEMU's cannot fail (but by aborting); the engine refuses a window it
 * cannot hold (nb_table 0, passing 2^64, enabled already...), so this one
 * says so: false, errp set, the table as it was.
 */
bool spapr_tce_table_enable(SpaprTceTable *tcet, uint32_t page_shift,
                            uint64_t bus_offset, uint32_t nb_table,
                            Error **errp);
void spapr_tce_table_disable(SpaprTceTable *tcet);
/* The device reset: every entry 0. */
void spapr_tce_reset(SpaprTceTable *tcet);
/*
 * QEMU's: notifications on or off and, as QEMU reallocates its table for
 * VFIO, the entries moved (swifttce_table_set_storage) to a kernel table
 * VFIO can use, or out of one it cannot.
 */
void spapr_tce_set_need_vfio(SpaprTceTable *tcet, bool need_vfio);
SpaprTceTable *spapr_tce_find_by_liobn(target_ulong liobn);
MemoryRegion *spapr_tce_get_iommu(SpaprTceTable *tcet);

/*
 * Whether tables created from now on have their hypercalls' runs of
 * entries notified in blocks (SwiftTCEHostOps.notify_range) rather than
 * an event per entry; off by default. A host's choice, not QEMU's: the
 * tests run both.
 */
extern bool spapr_tce_notify_ranges;

/* SwiftTCEHostOps.defer_free on QEMU's call_rcu. */
void spapr_tce_defer_free(void (*fn)(void *), void *arg);

#endif /* SPAPR_IOMMU_H */
