/*
 * SwiftTCE sPAPR TCE tables: the pSeries IOMMU, its guest hypercalls,
 * dynamic DMA windows (RTAS) and migration.
 *
 * Mirrors QEMU's hw/ppc/spapr_iommu.c and hw/ppc/spapr_rtas_ddw.c. Tables are
 * created, enabled, disabled and freed under the caller's serialisation (QEMU's
 * big lock); translate and the hypercalls may run on other threads meanwhile.
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

typedef struct SpaprTceTable SpaprTceTable;

/* The ops behind every table's IOMMU region. */
extern const MemoryRegionIOMMUOps spapr_tce_iommu_ops;

/* A new, disabled table; NULL (and nothing changed) if liobn is in use. */
SpaprTceTable *spapr_tce_new_table(void *owner, uint32_t liobn, Error **errp);
/*
 * Gives the table nb_table entries of 1 << page_shift bytes at bus_offset.
 * Refused with -EINVAL when enabled already, for page_shift 0 or > 63, for
 * nb_table 0, when nb_table << page_shift does not fit in 64 bits, or when
 * the window would pass 2^64 (it may end exactly there). A window of up to
 * 2^22 entries reserves 8 bytes of address space per entry; the kernel
 * commits memory to it a page at a time, as the guest writes.
 */
int spapr_tce_table_enable(SpaprTceTable *tcet, uint32_t page_shift,
                           uint64_t bus_offset, uint32_t nb_table,
                           Error **errp);
/* Drops every entry and the window; a disabled table is left alone. */
void spapr_tce_table_disable(SpaprTceTable *tcet);
/* Zeroes every entry without notifying (device reset). */
void spapr_tce_table_reset(SpaprTceTable *tcet);
/* Disables, unregisters the LIOBN and frees the table. */
void spapr_tce_table_free(SpaprTceTable *tcet);

SpaprTceTable *spapr_tce_find_by_liobn(uint32_t liobn);
/*
 * The table's IOMMU region, named "tce-iommu-<liobn in hex>" as in QEMU;
 * its addresses are window-relative (the bus offset subtracted). QEMU's
 * spapr_tce_get_iommu returns the table's root container instead, which
 * takes bus addresses; this library has no containers, hence the other
 * name: a bus address minus spapr_tce_get_bus_offset is the region's.
 */
IOMMUMemoryRegion *spapr_tce_get_iommu_mr(SpaprTceTable *tcet);
/*
 * The address space every entry the table translates, notifies or replays
 * names as its target_as (QEMU: &address_space_memory); NULL until set.
 * VFIO-like listeners refuse entries with none. Set it before the table is
 * used from other threads.
 */
void spapr_tce_set_target_as(SpaprTceTable *tcet, AddressSpace *target_as);
AddressSpace *spapr_tce_get_target_as(const SpaprTceTable *tcet);

void *spapr_tce_get_owner(const SpaprTceTable *tcet);
uint32_t spapr_tce_get_liobn(const SpaprTceTable *tcet);
uint32_t spapr_tce_get_page_shift(const SpaprTceTable *tcet);
uint64_t spapr_tce_get_bus_offset(const SpaprTceTable *tcet);
uint32_t spapr_tce_get_nb_table(const SpaprTceTable *tcet);
bool spapr_tce_get_need_vfio(const SpaprTceTable *tcet);
void spapr_tce_set_need_vfio(SpaprTceTable *tcet, bool need_vfio);
/* While set, the replay hook returns at once (DDW creation sets it). */
void spapr_tce_set_skipping_replay(SpaprTceTable *tcet, bool skipping);
bool spapr_tce_get_skipping_replay(const SpaprTceTable *tcet);
/*
 * QEMU's tcet->bypass: set for a VIO device's table by ibm,set-tce-bypass
 * (spapr_vio.h) and by a migration stream; carried in both migration
 * formats. The table's own translate does not look at it (see
 * spapr_vio_dma_translate).
 */
bool spapr_tce_get_bypass(const SpaprTceTable *tcet);
/*
 * Bytes of memory the table's entries occupy now: for a window of up to
 * 2^22 entries, the pages of its flat array that writes have committed
 * (reads commit none); for a bigger one, its tree's nodes.
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

/* Guest-physical memory as the caller sees it; read returns true on success. */
typedef struct SpaprGuestMemory {
    void *opaque;
    bool (*read)(void *opaque, hwaddr addr, void *buf, size_t len);
} SpaprGuestMemory;

/*
 * Each returns a PAPR code; the TCE calls answer H_SUCCESS or H_PARAMETER
 * (also for a NULL pointer where one is needed, such as get_tce's tce).
 * Every written entry notifies the table's region on iommu_idx 0: MAP when its
 * perm is not IOMMU_NONE, else UNMAP.
 */
int64_t spapr_h_put_tce(uint64_t liobn, uint64_t ioba, uint64_t tce);
int64_t spapr_h_get_tce(uint64_t liobn, uint64_t ioba, uint64_t *tce);
int64_t spapr_h_stuff_tce(uint64_t liobn, uint64_t ioba, uint64_t tce_value,
                          uint64_t npages);
/* tce_list: guest address of npages big-endian TCEs, read in one call. */
int64_t spapr_h_put_tce_indirect(uint64_t liobn, uint64_t ioba,
                                 uint64_t tce_list, uint64_t npages,
                                 const SpaprGuestMemory *mem);
/*
 * Dispatches by opcode with args[0..3] as the guest's registers; H_GET_TCE
 * returns the TCE in args[0]. Any other opcode is H_FUNCTION.
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

/* Fills cfg with QEMU's defaults for PHB index. */
void spapr_phb_config_default(SpaprPhbConfig *cfg, uint32_t index);
/* Creates the PHB's window tables and enables the default window. */
SpaprPhb *spapr_phb_new(const SpaprPhbConfig *cfg, Error **errp);
void spapr_phb_free(SpaprPhb *phb);
/* Removes every window and enables the default one again. */
void spapr_phb_reset(SpaprPhb *phb);
uint64_t spapr_phb_get_buid(const SpaprPhb *phb);
/* The table behind window n (0 or 1), enabled or not; NULL for other n. */
SpaprTceTable *spapr_phb_get_window(SpaprPhb *phb, unsigned n);

/*
 * QEMU's memory listeners, reduced to what DMA needs: fn is told when one of
 * the PHB's windows appears (added: right after it is enabled, so inside
 * ibm,create-pe-dma-window while skipping_replay is set) or goes (!added:
 * right before it is disabled), including when spapr_tce_table_load changes
 * a window. One listener per PHB; NULL fn removes it. Windows enabled
 * already are not announced: the caller looks at them.
 */
typedef void (*SpaprPhbWindowListener)(void *opaque, SpaprPhb *phb,
                                       SpaprTceTable *tcet, bool added);
void spapr_phb_set_window_listener(SpaprPhb *phb, SpaprPhbWindowListener fn,
                                   void *opaque);

/*
 * The four RTAS calls, with QEMU's argument and return arrays; the status is
 * rets[0]. A PHB is found by the BUID in args[1..2] (remove: by LIOBN).
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
 * Writes the table's state (only what is mapped) to buf when buf_size is
 * large enough; returns the number of bytes the state needs either way.
 */
size_t spapr_tce_table_save(const SpaprTceTable *tcet, uint8_t *buf,
                            size_t buf_size);
/*
 * Loads a state written by spapr_tce_table_save into a table with the same
 * LIOBN. Validates everything first: on any error returns -EINVAL with a
 * message and leaves the table exactly as it was. Sends no notifications.
 */
int spapr_tce_table_load(SpaprTceTable *tcet, const uint8_t *buf, size_t len,
                         Error **errp);

/* ---- Trace points ----------------------------------------------------- */

/*
 * Receives QEMU 7.2's spapr_iommu_* trace events as QEMU's -trace prints
 * them, without the pid@time prefix: "spapr_iommu_pci_put liobn=0x80000000
 * ioba=0x1000 tce=0x2003 ret=0". line lives until fn returns.
 */
typedef void (*SpaprTraceHook)(void *opaque, const char *line);

/*
 * Sends every trace event (hypercalls, translate, DDW calls, table
 * creation, save) to fn from now on, on the thread that causes it; NULL fn
 * stops. One hook per process; set it while no other call is running.
 */
void spapr_tce_set_trace_hook(SpaprTraceHook fn, void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_SPAPR_TCE_H */
