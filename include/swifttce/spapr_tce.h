/*
 * SwiftTCE sPAPR TCE tables: the pSeries IOMMU, its guest hypercalls,
 * dynamic DMA windows (RTAS) and migration.
 *
 * Mirrors QEMU 7.2's hw/ppc/spapr_iommu.c, hw/ppc/spapr_pci.c (the DMA part)
 * and hw/ppc/spapr_rtas_ddw.c: the same checks in the same order, the same
 * answers, notifications and trace events, so that a guest cannot tell the
 * difference. Deliberate differences, none of which a guest sees:
 *  - bad arguments that QEMU asserts on or does not check (an enable with
 *    page shift 0 or > 63, or a window passing 2^64; a NULL pointer) are
 *    refused with a message, and nothing changes;
 *  - memory exhaustion while writing an entry answers H_HARDWARE (QEMU
 *    aborts), and so does a notifier callback writing its own table (QEMU
 *    would deadlock or recurse);
 *  - spapr_tce_get_iommu is spapr_tce_get_iommu_mr (see there);
 *  - ibm,create-pe-dma-window, when both windows are free, takes window 0's
 *    LIOBN first: QEMU's spapr_phb_get_free_liobn takes the first free
 *    table in its QOM children's hash order, which for QEMU 7.2 is window 0
 *    first too (Tests/traces/ddw-remove-reset.trace);
 *  - a create whose window would have 2^32 entries or more (nb_table does
 *    not fit in 32 bits) answers RTAS_OUT_HW_ERROR as QEMU's does, but
 *    leaves the table's page shift and bus offset at 0 where QEMU leaves
 *    the requested ones on the disabled table (they show only in the
 *    spapr_iommu_ex subsection of a later migration);
 *  - migration loads validate everything first and change nothing on error
 *    (QEMU checks little), and spapr_tce_table_save writes this library's
 *    own sparse format; QEMU's vmstate section itself is host.h's;
 *  - spapr_tce_table_free unregisters the notifiers still on the table's
 *    region (QEMU's object finalisation expects none);
 *  - trace events show the table's memory as `table=` and always `fd=-1`
 *    (no KVM).
 *
 * Threads: tables, PHBs and VIO devices are created, enabled, disabled,
 * reset, loaded and freed under the caller's serialisation (QEMU's big
 * lock), which also covers the RTAS calls. Translate runs on any thread at
 * any time, even beside those, without locks; a translate still running
 * when its table is freed, or when the next table is made in its memory,
 * reads a disabled or a new table, never freed memory. The hypercalls may
 * run on several threads, beside translate and beside enable, disable,
 * reset, load and the RTAS calls: calls on one table are serialised
 * internally, calls on different tables run in parallel. Creating and
 * freeing tables (and the PHBs and VIO devices that own them) must not run
 * beside a hypercall, whose LIOBN lookup walks the list of tables: QEMU runs
 * both under its big lock. Notifier callbacks run on the thread of
 * the call that wrote the entry, with its table serialised: they may
 * translate and read any table and write other tables; a write to the same
 * table from its own callback is refused with H_HARDWARE.
 */
#ifndef SWIFTTCE_SPAPR_TCE_H
#define SWIFTTCE_SPAPR_TCE_H

#include "memory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- TCE format ------------------------------------------------------- */

#define SPAPR_TCE_PAGE_SHIFT 12
#define SPAPR_TCE_PAGE_SIZE  (1ULL << SPAPR_TCE_PAGE_SHIFT)
/* As in QEMU: the bits inside a page (not the page-number bits). */
#define SPAPR_TCE_PAGE_MASK  (SPAPR_TCE_PAGE_SIZE - 1)

#define TCE_PCI_READ  0x1
#define TCE_PCI_WRITE 0x2

/* ---- Tables ----------------------------------------------------------- */

/* One DMA window's TCE table (QEMU's SpaprTceTable); opaque. */
typedef struct SpaprTceTable SpaprTceTable;

/*
 * The ops behind every table's IOMMU region: translate (QEMU's
 * spapr_tce_translate_iommu), get_min_page_size, notify_flag_changed (which
 * refuses DEVIOTLB_UNMAP and sets need_vfio, as QEMU's does) and the replay
 * hook (see spapr_tce_set_skipping_replay).
 */
extern const MemoryRegionIOMMUOps spapr_tce_iommu_ops;

/*
 * A new, disabled table for liobn, registered for the hypercalls' lookup;
 * its region is named "tce-iommu-<liobn in hex>", as in QEMU. owner is kept
 * for the caller (spapr_tce_get_owner). NULL (and a message, nothing
 * changed) when liobn is in use or memory runs out. Free it with
 * spapr_tce_table_free.
 */
SpaprTceTable *spapr_tce_new_table(void *owner, uint32_t liobn, Error **errp);
/*
 * Gives the table nb_table entries of 1 << page_shift bytes at bus_offset,
 * all zero, and its region that size. 0, or -EINVAL (table unchanged) for a
 * NULL table, one enabled already, page_shift 0 or > 63, nb_table 0, when
 * nb_table << page_shift does not fit in 64 bits, or when the window would
 * pass 2^64 (it may end exactly there); -ENOMEM when memory runs out. A
 * window of up to 2^22 entries reserves 8 bytes of address space per entry;
 * the kernel commits memory to it a page at a time, as the guest writes.
 */
int spapr_tce_table_enable(SpaprTceTable *tcet, uint32_t page_shift,
                           uint64_t bus_offset, uint32_t nb_table,
                           Error **errp);
/*
 * Drops every entry and the window (QEMU's spapr_tce_table_disable): the
 * region's size becomes 0 and no notifier is told (registered ones stay).
 * A disabled table, or NULL, is left alone.
 */
void spapr_tce_table_disable(SpaprTceTable *tcet);
/*
 * Zeroes every entry without notifying (QEMU's device reset of the table);
 * the window stays. Costs what was mapped. NULL is ignored.
 */
void spapr_tce_table_reset(SpaprTceTable *tcet);
/*
 * Disables the table, unregisters the notifiers still on its region (their
 * structs become free to register again), takes the LIOBN out of the lookup
 * and frees the table. A PHB or VIO device that had it forgets it. The
 * memory a racing translate may be reading stays valid. NULL is ignored.
 */
void spapr_tce_table_free(SpaprTceTable *tcet);

/* The live table with that LIOBN, or NULL. */
SpaprTceTable *spapr_tce_find_by_liobn(uint32_t liobn);
/*
 * The table's IOMMU region, which lives as long as the table; its
 * addresses are window-relative (the bus offset subtracted). QEMU's
 * spapr_tce_get_iommu returns the table's root container instead, which
 * takes bus addresses; this library has no containers, hence the other
 * name: a bus address minus spapr_tce_get_bus_offset is the region's.
 * NULL for NULL.
 */
IOMMUMemoryRegion *spapr_tce_get_iommu_mr(SpaprTceTable *tcet);
/*
 * The address space every entry the table translates, notifies or replays
 * names as its target_as (QEMU: &address_space_memory); NULL until set.
 * VFIO-like listeners refuse entries with none. Set it before the table is
 * used from other threads. NULL tcet is ignored (get: NULL).
 */
void spapr_tce_set_target_as(SpaprTceTable *tcet, AddressSpace *target_as);
AddressSpace *spapr_tce_get_target_as(const SpaprTceTable *tcet);

/*
 * The table's fields, as QEMU's SpaprTceTable has them; 0 (NULL, false)
 * for a NULL table. The geometry is 0 while the table is disabled.
 */
void *spapr_tce_get_owner(const SpaprTceTable *tcet);
uint32_t spapr_tce_get_liobn(const SpaprTceTable *tcet);
uint32_t spapr_tce_get_page_shift(const SpaprTceTable *tcet);
uint64_t spapr_tce_get_bus_offset(const SpaprTceTable *tcet);
uint32_t spapr_tce_get_nb_table(const SpaprTceTable *tcet);
/*
 * need_vfio: set by notify_flag_changed when the region's first notifier
 * comes, cleared when its last goes, as QEMU's is; the setter is for a
 * caller that keeps it otherwise.
 */
bool spapr_tce_get_need_vfio(const SpaprTceTable *tcet);
void spapr_tce_set_need_vfio(SpaprTceTable *tcet, bool need_vfio);
/*
 * While set, the replay hook returns at once, as QEMU's does
 * (ibm,create-pe-dma-window sets it around the enable of a new, empty
 * window). Otherwise replay delivers what the generic walk would (the
 * entries in the notifier's [start, end], memory.h), at the cost of what is
 * mapped there.
 */
void spapr_tce_set_skipping_replay(SpaprTceTable *tcet, bool skipping);
bool spapr_tce_get_skipping_replay(const SpaprTceTable *tcet);
/*
 * QEMU's tcet->bypass: set for a VIO device's table by ibm,set-tce-bypass
 * (spapr_vio.h) and by a migration stream (spapr_tce_table_load), which
 * carries it. The table's own translate does not look at it (see
 * spapr_vio_dma_translate).
 */
bool spapr_tce_get_bypass(const SpaprTceTable *tcet);
/*
 * Bytes of memory the table's entries occupy now: for a window of up to
 * 2^22 entries, the pages of its flat array that writes have committed
 * (reads commit none); for a bigger one, its tree's nodes (not counting
 * up to 32 KiB of nodes unlinked and waiting for their grace period). 0
 * while disabled or for NULL.
 */
size_t spapr_tce_table_storage_bytes(const SpaprTceTable *tcet);

/* ---- Hypercalls (PAPR) ------------------------------------------------ */

#define H_SUCCESS    0
#define H_HARDWARE  -1
#define H_FUNCTION  -2
#define H_PARAMETER -4

#define H_GET_TCE          0x1C
#define H_PUT_TCE          0x20
#define H_STUFF_TCE        0x138
#define H_PUT_TCE_INDIRECT 0x13C

/*
 * Guest-physical memory as the caller sees it; read returns true on
 * success, and false where nothing is (what it read is then taken as
 * zeros, as QEMU reads unassigned memory).
 */
typedef struct SpaprGuestMemory {
    void *opaque;
    bool (*read)(void *opaque, hwaddr addr, void *buf, size_t len);
} SpaprGuestMemory;

/*
 * The TCE hypercalls, as QEMU's h_put_tce, h_get_tce, h_stuff_tce and
 * h_put_tce_indirect: the table is found by LIOBN (its upper 32 bits must
 * be 0), ioba is masked to the table's page, and its index
 * (ioba - bus_offset) >> page_shift must be below nb_table. Each answers a
 * PAPR code: H_SUCCESS, or H_PARAMETER for an unknown LIOBN, an ioba outside
 * the window or a bad count (also for a NULL pointer where one is needed),
 * or H_HARDWARE as the top of this file says. Every written entry notifies
 * the table's region on iommu_idx 0, after the write: MAP when its perm is
 * not IOMMU_NONE, else UNMAP (iova and translated address page-aligned,
 * addr_mask the page size - 1).
 */

/* Writes one TCE (all 64 bits kept); on error nothing is written. */
int64_t spapr_h_put_tce(uint64_t liobn, uint64_t ioba, uint64_t tce);
/* Reads one TCE into *tce, which is left alone on error. */
int64_t spapr_h_get_tce(uint64_t liobn, uint64_t ioba, uint64_t *tce);
/*
 * Writes tce_value into npages consecutive entries from ioba. npages 0 or
 * above nb_table: H_PARAMETER with nothing written. An entry outside the
 * window stops the call with H_PARAMETER; the entries before it stay
 * written and notified, as in QEMU.
 */
int64_t spapr_h_stuff_tce(uint64_t liobn, uint64_t ioba, uint64_t tce_value,
                          uint64_t npages);
/*
 * Writes npages (1 to 512) TCEs read as big-endian from guest address
 * tce_list (4 KiB aligned) with one mem->read call. A list mem->read
 * cannot read (it returns false) reads as zeros, as QEMU's ldq_be_phys
 * reads unassigned memory: its entries are cleared (and notified) and the
 * call succeeds. A misaligned list, too many pages, or a NULL mem or
 * mem->read: H_PARAMETER with nothing written. An entry outside the window
 * stops the call with H_PARAMETER; the entries before it stay written and
 * notified, as in QEMU.
 */
int64_t spapr_h_put_tce_indirect(uint64_t liobn, uint64_t ioba,
                                 uint64_t tce_list, uint64_t npages,
                                 const SpaprGuestMemory *mem);
/*
 * Dispatches by opcode with args[0..3] as the guest's registers; H_GET_TCE
 * returns the TCE in args[0]. Any other opcode is H_FUNCTION; NULL args is
 * H_PARAMETER.
 */
int64_t spapr_hcall_tce(uint64_t opcode, uint64_t *args,
                        const SpaprGuestMemory *mem);

/* ---- Dynamic DMA windows (RTAS), per PHB ------------------------------ */

#define RTAS_OUT_SUCCESS      0
#define RTAS_OUT_HW_ERROR    -1
#define RTAS_OUT_PARAM_ERROR -3

#define SPAPR_PCI_BASE_BUID      0x800000020000000ULL
#define SPAPR_PCI_DMA_MAX_WINDOWS 2
#define SPAPR_PCI_LIOBN(phb_index, window_num) \
    (0x80000000u | ((uint32_t)(phb_index) << 8) | (uint32_t)(window_num))
#define SPAPR_PCI_DMA64_START    0x800000000000000ULL
/* A VIO device's LIOBN is its unit address; a PCI window's has bit 31. */
#define SPAPR_VIO_LIOBN(reg)     (0x00000000u | (uint32_t)(reg))
#define SPAPR_IS_PCI_LIOBN(liobn) (!!((liobn) & 0x80000000u))
#define SPAPR_PCI_DMA_WINDOW_NUM(liobn) ((liobn) & 0xff)
/*
 * QEMU's spapr_phb_placement fits 31 PHBs' MMIO windows below 64 TiB:
 * index 0 to SPAPR_MAX_PHBS - 1.
 */
#define SPAPR_MAX_PHBS 31

/* A PCI host bridge's DMA side (spapr-pci-host-bridge); opaque. */
typedef struct SpaprPhb SpaprPhb;

/* QEMU's spapr-pci-host-bridge properties that DMA depends on. */
typedef struct SpaprPhbConfig {
    uint32_t index;
    uint64_t dma_win_addr;    /* default window: 0 */
    uint64_t dma_win_size;    /* default window: 1 GiB */
    uint64_t dma64_win_addr;  /* 64-bit windows: SPAPR_PCI_DMA64_START */
    uint64_t pgsz;            /* bit n set: 2^n pages allowed (0x1211000) */
    bool ddw;                 /* dynamic DMA windows offered (true) */
} SpaprPhbConfig;

/* Fills cfg with QEMU's defaults for PHB index; NULL cfg is ignored. */
void spapr_phb_config_default(SpaprPhbConfig *cfg, uint32_t index);
/*
 * A PHB with BUID SPAPR_PCI_BASE_BUID + index: creates its window tables
 * (LIOBNs SPAPR_PCI_LIOBN(index, 0) and, with DDW, (index, 1); owner: the
 * PHB) and enables the default window (4 KiB pages, dma_win_size bytes at
 * dma_win_addr), as QEMU's realize and reset do. NULL (and a message,
 * nothing made) for a NULL cfg, an index of SPAPR_MAX_PHBS or more (QEMU's
 * message), an index in use, a LIOBN in use, a default window that is not
 * 1 to 2^32 - 1 pages or passes 2^64, or out of memory.
 */
SpaprPhb *spapr_phb_new(const SpaprPhbConfig *cfg, Error **errp);
/*
 * Frees the PHB and its window tables (the listener hears each enabled
 * window go first). NULL is ignored.
 */
void spapr_phb_free(SpaprPhb *phb);
/*
 * QEMU's spapr_phb_dma_reset: removes every window and enables the default
 * one again, empty. NULL is ignored.
 */
void spapr_phb_reset(SpaprPhb *phb);
/* The PHB's BUID (SPAPR_PCI_BASE_BUID + index); 0 for NULL. */
uint64_t spapr_phb_get_buid(const SpaprPhb *phb);
/*
 * The table behind window n (0 or 1), enabled or not; NULL for other n, a
 * window without DDW, one freed on its own, or a NULL phb.
 */
SpaprTceTable *spapr_phb_get_window(SpaprPhb *phb, unsigned n);

/*
 * QEMU's memory listeners, reduced to what DMA needs: fn is told when one of
 * the PHB's windows appears (added: right after it is enabled, so inside
 * ibm,create-pe-dma-window while skipping_replay is set) or goes (!added:
 * right before it is disabled), including when spapr_tce_table_load changes
 * a window. One listener per PHB; NULL fn removes it. Windows enabled
 * already are not announced: the caller looks at them. fn runs on the
 * thread of the call that changes the window and must not free the PHB.
 */
typedef void (*SpaprPhbWindowListener)(void *opaque, SpaprPhb *phb,
                                       SpaprTceTable *tcet, bool added);
void spapr_phb_set_window_listener(SpaprPhb *phb, SpaprPhbWindowListener fn,
                                   void *opaque);

/*
 * The four RTAS calls, with QEMU's argument and return arrays (what
 * rtas_ld reads and rtas_st writes); the status is rets[0], and a cell at
 * or past nret is never written. A PHB is found by the BUID in args[1..2]
 * (remove: by the LIOBN in args[0]); none is RTAS_OUT_PARAM_ERROR, as are
 * QEMU's argument-count checks. On success query answers the windows
 * available, the largest window (QEMU 7.2's constants, whatever the RAM)
 * and the page-size mask, in nret 5 or LoPAPR's 6 cells; create answers
 * the LIOBN and
 * the window's bus address; remove restores the default window when it
 * removed the last window and that was not the default one (def_win, which
 * reset sets and nothing clears, as in QEMU 7.2).
 */
void rtas_ibm_query_pe_dma_window(uint32_t nargs, const uint32_t *args,
                                  uint32_t nret, uint32_t *rets);
void rtas_ibm_create_pe_dma_window(uint32_t nargs, const uint32_t *args,
                                   uint32_t nret, uint32_t *rets);
void rtas_ibm_remove_pe_dma_window(uint32_t nargs, const uint32_t *args,
                                   uint32_t nret, uint32_t *rets);
void rtas_ibm_reset_pe_dma_window(uint32_t nargs, const uint32_t *args,
                                  uint32_t nret, uint32_t *rets);

/* ---- Migration -------------------------------------------------------- */

/*
 * Writes the table's state (geometry, def_win, bypass, and only what is
 * mapped) to buf when buf_size is large enough; returns the number of bytes
 * the state needs either way (0 for a NULL table). The snapshot is
 * consistent even while hypercalls run on other threads. Traces
 * spapr_iommu_pre_save when it writes.
 */
size_t spapr_tce_table_save(const SpaprTceTable *tcet, uint8_t *buf,
                            size_t buf_size);
/*
 * Loads a state written by spapr_tce_table_save into a table with the same
 * LIOBN, under the caller's serialisation like enable (translate may run
 * meanwhile: it sees the old window or the new one, whole). Validates
 * everything first: on any error returns -EINVAL with a message and leaves
 * the table exactly as it was (-ENOMEM when memory runs out, table as it
 * was). Sends no notifications; the PHB's listener hears a changed window
 * go and come.
 */
int spapr_tce_table_load(SpaprTceTable *tcet, const uint8_t *buf, size_t len,
                         Error **errp);

/* ---- Trace points ----------------------------------------------------- */

/*
 * Receives QEMU 7.2's spapr_iommu_* trace events as QEMU's -trace prints
 * them, without the pid@time prefix: "spapr_iommu_pci_put liobn=0x80000000
 * ioba=0x1000 tce=0x2003 ret=0". line lives until fn returns. fn runs on
 * the thread that causes the event, possibly on several at once.
 */
typedef void (*SpaprTraceHook)(void *opaque, const char *line);

/*
 * Sends every trace event (hypercalls, translate, DDW calls, table
 * enables, save) to fn from now on; NULL fn stops. One hook per process;
 * set it while no other call is running. While a hook is set, translate
 * leaves its fast path to trace each call.
 */
void spapr_tce_set_trace_hook(SpaprTraceHook fn, void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_SPAPR_TCE_H */
