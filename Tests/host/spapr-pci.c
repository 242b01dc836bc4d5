/*
 * The sPAPR PHB's DMA windows (QEMU 7.2's hw/ppc/spapr_pci.c): QEMU
 * creates a table per window at realize and enables the default window at
 * reset; the engine's SwiftTCEPhb decides which windows the guest's DDW
 * calls enable and disable, and has the host do it through two hooks.
 */
#include "spapr-pci.h"
#include "spapr-trace.h"

void spapr_phb_init_props(SpaprPhbState *sphb, uint32_t index)
{
    *sphb = (SpaprPhbState) {
        .index = index,
        .dma_win_addr = 0,
        .dma_win_size = 0x40000000,
        .dma64_win_addr = SPAPR_PCI_DMA64_START,
        .page_size_mask = SPAPR_PCI_DEFAULT_PGSZ,
        .ddw_enabled = true,
    };
}

static SpaprTceTable *spapr_phb_window(SpaprPhbState *sphb, unsigned n)
{
    return spapr_tce_find_by_liobn(sphb->dma_liobn[n]);
}

/* ---- What the engine asks of the PHB ----------------------------------- */

static void spapr_phb_enable_window(void *host_phb, unsigned n,
                                    uint32_t page_shift, uint64_t bus_offset,
                                    uint32_t nb_table, bool creating)
{
    SpaprTceTable *tcet = spapr_phb_window(host_phb, n);

    /*
     * A window ibm,create-pe-dma-window makes is empty: a listener that
     * attaches as it appears need not replay it (QEMU's hack, as QEMU does
     * it: around the enable). A window the engine cannot hold stays
     * disabled, and the engine answers the guest for it.
     */
    tcet->skipping_replay = creating;
    spapr_tce_table_enable(tcet, page_shift, bus_offset, nb_table, NULL);
    tcet->skipping_replay = false;
}

static void spapr_phb_disable_window(void *host_phb, unsigned n)
{
    SpaprPhbState *sphb = host_phb;
    SpaprTceTable *tcet = spapr_phb_window(sphb, n);

    spapr_tce_table_disable(tcet);
}

/*
 * QEMU traces a removal right after its disable, before the DMA reset the
 * removal may bring (whose enable traces a new table): the engine calls
 * this between the two.
 */
static void spapr_phb_window_removed(void *host_phb, unsigned n)
{
    trace_spapr_iommu_ddw_remove(spapr_phb_window(host_phb, n)->liobn);
}

/*
 * QEMU's spapr_phb_get_free_liobn: the first window table with nb_table 0
 * that object_child_foreach visits.
 */
static int spapr_phb_pick_free_window(void *host_phb, unsigned free)
{
    SpaprPhbState *sphb = host_phb;
    unsigned i;

    for (i = 0; i < sphb->windows_supported; i++) {
        unsigned n = sphb->dma_child_order[i];

        if (n < sphb->windows_supported && !spapr_phb_window(sphb, n)->nb_table) {
            return n;
        }
    }
    return -1;
}

static const SwiftTCEPhbOps spapr_phb_dma_ops = {
    .size = sizeof(SwiftTCEPhbOps),
    .enable_window = spapr_phb_enable_window,
    .disable_window = spapr_phb_disable_window,
    .window_removed = spapr_phb_window_removed,
    .pick_free_window = spapr_phb_pick_free_window,
};

/* ---- Life cycle -------------------------------------------------------- */

void spapr_phb_realize(SpaprMachineState *spapr, SpaprPhbState *sphb,
                       Error **errp)
{
    SwiftTCETable *windows[SPAPR_PCI_DMA_MAX_WINDOWS];
    SwiftTCEPhbConfig cfg;
    unsigned i;

    sphb->buid = SPAPR_PCI_BASE_BUID + sphb->index;
    sphb->windows_supported = sphb->ddw_enabled ? SPAPR_PCI_DMA_MAX_WINDOWS : 1;
    for (i = 0; i < sphb->windows_supported; i++) {
        SpaprTceTable *tcet;

        sphb->dma_liobn[i] = SPAPR_PCI_LIOBN(sphb->index, i);
        sphb->dma_child_order[i] = i;
        tcet = spapr_tce_new_table(sphb, sphb->dma_liobn[i]);
        if (!tcet) {
            error_setg(errp, "Creating window#%u failed for PHB %u", i,
                       sphb->index);
            goto fail;
        }
        windows[i] = tcet->engine;
    }
    cfg = (SwiftTCEPhbConfig) {
        .dma_liobn = { sphb->dma_liobn[0], sphb->dma_liobn[1] },
        .dma_win_addr = sphb->dma_win_addr,
        .dma_win_size = sphb->dma_win_size,
        .dma64_win_addr = sphb->dma64_win_addr,
        .pgsz = sphb->page_size_mask,
        .ddw = sphb->ddw_enabled,
    };
    sphb->ddw = swifttce_phb_new(&cfg, &spapr_phb_dma_ops, sphb, windows,
                                 sphb->windows_supported, errp);
    if (!sphb->ddw) {
        goto fail;
    }
    QLIST_INSERT_HEAD(&spapr->phbs, sphb, list);
    return;

fail:
    while (i-- > 0) {
        spapr_tce_table_free(spapr_phb_window(sphb, i));
    }
}

void spapr_phb_unrealize(SpaprPhbState *sphb)
{
    unsigned i;

    QLIST_REMOVE(sphb, list);
    /* The engine's PHB first: it points at the tables. */
    swifttce_phb_free(sphb->ddw);
    for (i = 0; i < sphb->windows_supported; i++) {
        spapr_tce_table_free(spapr_phb_window(sphb, i));
    }
}

void spapr_phb_dma_reset(SpaprPhbState *sphb)
{
    swifttce_phb_dma_reset(sphb->ddw);
    spapr_phb_sync_def_win(sphb);
}

SpaprPhbState *spapr_pci_find_phb(SpaprMachineState *spapr, uint64_t buid)
{
    SpaprPhbState *sphb;

    QLIST_FOREACH(sphb, &spapr->phbs, list) {
        if (sphb->buid == buid) {
            return sphb;
        }
    }
    return NULL;
}

void spapr_phb_sync_def_win(SpaprPhbState *sphb)
{
    unsigned i;

    for (i = 0; i < sphb->windows_supported; i++) {
        spapr_phb_window(sphb, i)->def_win =
            swifttce_phb_window_def_win(sphb->ddw, i);
    }
}

void spapr_phb_window_loaded(SpaprPhbState *sphb, SpaprTceTable *tcet)
{
    unsigned i;

    for (i = 0; i < sphb->windows_supported; i++) {
        if (sphb->dma_liobn[i] == tcet->liobn) {
            swifttce_phb_set_window_def_win(sphb->ddw, i, tcet->def_win);
        }
    }
}
