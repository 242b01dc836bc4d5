/*
 * SwiftTCE sPAPR VIO devices, reduced to their DMA: each device with a DMA
 * window (spapr-vscsi, spapr-vlan, ...) has a TCE table of its own, which
 * the guest programs with the same hypercalls as a PCI window's, and which
 * it can bypass with the ibm,set-tce-bypass RTAS call.
 *
 * Mirrors QEMU 7.2's hw/ppc/spapr_vio.c. A device is made from its unit
 * address (reg) and window size; its table is created and enabled at once
 * (4 KiB pages at bus address 0, rtce_window_size bytes), as QEMU's realize
 * does. Devices are created and freed under the caller's serialisation, like
 * tables.
 *
 * Deliberate differences from QEMU, none of which a guest can see:
 *  - QEMU swaps two memory regions to bypass a device (the table's IOMMU
 *    region and an alias of RAM); here spapr_vio_dma_translate gives what
 *    the device's DMA address space then gives, and the table's own region
 *    keeps translating from its entries, as QEMU's disabled region would;
 *  - reg is given by the caller (QEMU assigns one from 0x71000000 when the
 *    user does not), and a reg whose LIOBN would look like a PCI window's
 *    (bit 31 set) is refused, as is a window that is not a whole number of
 *    4 KiB pages or has more than 2^32 - 1 of them.
 */
#ifndef SWIFTTCE_SPAPR_VIO_H
#define SWIFTTCE_SPAPR_VIO_H

#include "spapr_tce.h"

#ifdef __cplusplus
extern "C" {
#endif

/* QEMU's first automatically assigned unit address (SPAPR_VIO_REG_BASE). */
#define SPAPR_VIO_REG_BASE 0x71000000u

/* The window QEMU gives spapr-vscsi and spapr-vlan (rtce_window_size). */
#define SPAPR_VIO_RTCE_WINDOW_SIZE 0x10000000ull

/* A VIO device, reduced to its DMA (QEMU's SpaprVioDevice); opaque. */
typedef struct SpaprVioDevice SpaprVioDevice;

/* What spapr_vio_device_new makes a device from. */
typedef struct SpaprVioConfig {
    uint32_t reg;              /* unit address: the table's LIOBN is
                                  SPAPR_VIO_LIOBN(reg) */
    uint64_t rtce_window_size; /* bytes; 0: a device without DMA (spapr-vty) */
    uint64_t ram_size;         /* guest RAM: what a bypassed device reaches */
} SpaprVioConfig;

/*
 * A new device with its table enabled. NULL (and a message, nothing made)
 * for a NULL cfg, a reg another device has, a reg or LIOBN in use, or a
 * window refused as above. owner is the table's (spapr_tce_get_owner).
 */
SpaprVioDevice *spapr_vio_device_new(void *owner, const SpaprVioConfig *cfg,
                                     Error **errp);
/* Frees the device and its table (spapr_tce_table_free). NULL is ignored. */
void spapr_vio_device_free(SpaprVioDevice *dev);

/* QEMU's spapr_vio_find_by_reg: NULL when no device has that reg. */
SpaprVioDevice *spapr_vio_find_by_reg(uint32_t reg);
uint32_t spapr_vio_get_reg(const SpaprVioDevice *dev);
/* The device's table (QEMU: dev->tcet); NULL for a device without DMA. */
SpaprTceTable *spapr_vio_get_tce_table(SpaprVioDevice *dev);

/*
 * QEMU's spapr_vio_set_bypass: sets the table's bypass flag
 * (spapr_tce_get_bypass), which migrates with it. A device without DMA is
 * left alone.
 */
void spapr_vio_set_bypass(SpaprVioDevice *dev, bool bypass);

/*
 * What the device's DMA address space translates addr to (QEMU: dev->as).
 * Bypassed: addr itself, read and write, in 4 KiB pages (addr_mask 0xfff)
 * below ram_size, and IOMMU_NONE from there on. Otherwise the table's
 * translate (the window is at bus address 0). target_as is the table's
 * (spapr_tce_set_target_as). A device without DMA answers IOMMU_NONE.
 */
IOMMUTLBEntry spapr_vio_dma_translate(SpaprVioDevice *dev, hwaddr addr,
                                      IOMMUAccessFlags flag);

/*
 * QEMU's spapr_vio_busdev_reset, for DMA: the table's entries are zeroed
 * without notifying (spapr_tce_table_reset), then bypass is turned off.
 */
void spapr_vio_device_reset(SpaprVioDevice *dev);

/*
 * The RTAS calls, with QEMU's argument and return cells; the status is
 * rets[0] (not written when nret is 0).
 *
 * ibm,set-tce-bypass: args[0] is a reg, args[1] non-zero to bypass.
 * RTAS_OUT_PARAM_ERROR when nargs is not 2, no device has the reg, or it
 * has no table.
 *
 * quiesce: every device's table is reset (zeroed, not notified; bypass
 * stays), as QEMU's spapr_vio_quiesce_one does. RTAS_OUT_PARAM_ERROR when
 * nargs is not 0.
 */
void rtas_set_tce_bypass(uint32_t nargs, const uint32_t *args, uint32_t nret,
                         uint32_t *rets);
void rtas_quiesce(uint32_t nargs, const uint32_t *args, uint32_t nret,
                  uint32_t *rets);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_SPAPR_VIO_H */
