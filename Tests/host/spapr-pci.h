/*
 * The DMA side of QEMU 7.2's sPAPR PCI host bridge (hw/ppc/spapr_pci.c): a
 * table per window and, on SwiftTCE's engine, the dynamic DMA window logic
 * over them (SwiftTCEPhb).
 */
#ifndef SPAPR_PCI_H
#define SPAPR_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "qemu-queue.h"
#include "spapr-iommu.h"
#include "spapr.h"
#include "swifttce/host.h"

#define SPAPR_PCI_BASE_BUID       0x800000020000000ULL
#define SPAPR_PCI_DMA_MAX_WINDOWS 2
#define SPAPR_PCI_DMA64_START     0x800000000000000ULL
/* QEMU's default pgsz: 4 KiB, 64 KiB, 2 MiB and 16 MiB pages. */
#define SPAPR_PCI_DEFAULT_PGSZ \
    ((1ULL << 12) | (1ULL << 16) | (1ULL << 21) | (1ULL << 24))

struct SpaprPhbState {
    uint32_t index;
    uint64_t buid;
    uint32_t dma_liobn[SPAPR_PCI_DMA_MAX_WINDOWS];
    hwaddr dma_win_addr;
    hwaddr dma_win_size;
    hwaddr dma64_win_addr;
    uint64_t page_size_mask;
    bool ddw_enabled;
    uint32_t windows_supported;
    /*
     * The order QOM's object_child_foreach visits the window tables in
     * (QEMU: a hash table's), which decides the window a DDW create takes:
     * realize sets 0, 1, the order QEMU 7.2's traces show.
     */
    uint32_t dma_child_order[SPAPR_PCI_DMA_MAX_WINDOWS];
    SwiftTCEPhb *ddw;           /* the engine's windows of this PHB */
    QLIST_ENTRY(SpaprPhbState) list;
};

/* QEMU's properties for PHB index; change them before realize. */
void spapr_phb_init_props(SpaprPhbState *sphb, uint32_t index);
/* Creates the window tables and the DDW state; adds the PHB to spapr. */
void spapr_phb_realize(SpaprMachineState *spapr, SpaprPhbState *sphb,
                       Error **errp);
void spapr_phb_unrealize(SpaprPhbState *sphb);
/* Every window off, the default one on (the PHB's reset). */
void spapr_phb_dma_reset(SpaprPhbState *sphb);

SpaprPhbState *spapr_pci_find_phb(SpaprMachineState *spapr, uint64_t buid);
/*
 * def_win: the engine's DMA reset sets it and ibm,remove-pe-dma-window
 * reads it; QEMU's field (tcet->def_win) is what migrates. This copies the
 * engine's into the windows' tables, after a call that may have reset.
 */
void spapr_phb_sync_def_win(SpaprPhbState *sphb);
/* A window's table was migrated in: the engine hears its def_win. */
void spapr_phb_window_loaded(SpaprPhbState *sphb, SpaprTceTable *tcet);

#endif /* SPAPR_PCI_H */
