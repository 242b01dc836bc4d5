/*
 * A PHB's DMA windows through SwiftTCEPhb (spapr.h): SwiftTCE decides what
 * the guest's DDW calls do (QEMU's checks and answers); the emulator does
 * the region work when SwiftTCE asks a window to be enabled or disabled.
 */
#include <stdio.h>
#include <stdlib.h>

#include "spapr.h"

/* ---- What SwiftTCE asks of the PHB (SwiftTCEPhbOps) -------------------- */

static void phb_enable_window(void *host_phb, unsigned n, uint32_t page_shift,
                              uint64_t bus_offset, uint32_t nb_table,
                              bool creating)
{
    SpaprPhb *phb = host_phb;
    SpaprTce *w = phb->windows[n];

    (void)creating;           /* QEMU: skip the replay of a new, empty window */
    /* SwiftTCE sees a failure here (the table stays disabled): RTAS_HW_ERROR. */
    if (swifttce_table_enable(w->table, page_shift, bus_offset, nb_table,
                              NULL) == 0) {
        mc_region_set_size(&w->iommu, (uint64_t)nb_table << page_shift);
    }
}

static void phb_disable_window(void *host_phb, unsigned n)
{
    SpaprPhb *phb = host_phb;

    swifttce_table_disable(phb->windows[n]->table);
    mc_region_set_size(&phb->windows[n]->iommu, 0);
}

static void phb_window_removed(void *host_phb, unsigned n)
{
    SpaprPhb *phb = host_phb;

    printf("  phb%u: window %u (liobn 0x%x) removed\n", phb->index, n,
           phb->windows[n]->liobn);
}

static const SwiftTCEPhbOps phb_ops = {
    .size = sizeof(SwiftTCEPhbOps),
    .enable_window = phb_enable_window,
    .disable_window = phb_disable_window,
    .window_removed = phb_window_removed,
    /* .pick_free_window NULL: the lowest free window, as QEMU's */
};

/* ---- The PHB ----------------------------------------------------------- */

SpaprPhb *spapr_phb_new(Machine *m, unsigned index)
{
    SpaprPhb *phb = calloc(1, sizeof(*phb));
    SwiftTCETable *tables[SWIFTTCE_PHB_MAX_WINDOWS];
    SwiftTCEPhbConfig cfg = {
        .dma_win_addr = 0,
        .dma_win_size = 1ULL << 30,          /* QEMU's defaults */
        .dma64_win_addr = 0x800000000000000ULL,
        .pgsz = (1ULL << 12) | (1ULL << 16) | (1ULL << 21) | (1ULL << 24),
        .ddw = true,
    };
    unsigned n;

    if (!phb) {
        return NULL;
    }
    phb->index = index;
    phb->buid = 0x800000020000000ULL + index;
    /* QEMU creates a table for every window a PHB may have. */
    for (n = 0; n < SWIFTTCE_PHB_MAX_WINDOWS; n++) {
        cfg.dma_liobn[n] = SPAPR_PCI_LIOBN(index, n);
        phb->windows[n] = spapr_tce_new(m, cfg.dma_liobn[n]);
        if (!phb->windows[n]) {
            spapr_phb_free(m, phb);
            return NULL;
        }
        tables[n] = phb->windows[n]->table;
    }
    phb->ddw = swifttce_phb_new(&cfg, &phb_ops, phb, tables,
                                SWIFTTCE_PHB_MAX_WINDOWS, &m->err);
    if (!phb->ddw) {
        spapr_phb_free(m, phb);
        return NULL;
    }
    phb->next = m->phbs;
    m->phbs = phb;
    return phb;
}

void spapr_phb_free(Machine *m, SpaprPhb *phb)
{
    SpaprPhb **p;
    unsigned n;

    for (p = &m->phbs; *p; p = &(*p)->next) {
        if (*p == phb) {
            *p = phb->next;
            break;
        }
    }
    swifttce_phb_free(phb->ddw);      /* the tables are ours: freed below */
    for (n = 0; n < SWIFTTCE_PHB_MAX_WINDOWS; n++) {
        if (phb->windows[n]) {
            spapr_tce_free(m, phb->windows[n]);
        }
    }
    free(phb);
}

/* def_win is migrated with each table: the emulator keeps a copy. */
static void sync_def_win(SpaprPhb *phb)
{
    unsigned n;

    for (n = 0; n < SWIFTTCE_PHB_MAX_WINDOWS; n++) {
        phb->windows[n]->def_win = swifttce_phb_window_def_win(phb->ddw, n);
    }
}

void spapr_phb_reset(SpaprPhb *phb)
{
    swifttce_phb_dma_reset(phb->ddw);
    sync_def_win(phb);
}

/* ---- RTAS -------------------------------------------------------------- */

/* The PHB a call names: by BUID (args[1..2]), or for remove by LIOBN. */
static SpaprPhb *find_phb(Machine *m, int call, uint32_t nargs,
                          const uint32_t *args)
{
    SpaprPhb *phb;
    unsigned n;

    for (phb = m->phbs; phb; phb = phb->next) {
        if (call == RTAS_REMOVE_PE_DMA_WINDOW) {
            for (n = 0; nargs >= 1 && n < SWIFTTCE_PHB_MAX_WINDOWS; n++) {
                if (phb->windows[n]->liobn == args[0]) {
                    return phb;
                }
            }
        } else if (nargs >= 3 &&
                   phb->buid == ((uint64_t)args[1] << 32 | args[2])) {
            return phb;
        }
    }
    return NULL;              /* SwiftTCE answers RTAS_PARAM_ERROR */
}

void spapr_rtas_ddw(Machine *m, int call, uint32_t nargs, const uint32_t *args,
                    uint32_t nret, uint32_t *rets)
{
    SpaprPhb *phb = find_phb(m, call, nargs, args);
    SwiftTCEPhb *ddw = phb ? phb->ddw : NULL;
    bool reset = false;

    switch (call) {
    case RTAS_QUERY_PE_DMA_WINDOW:
        swifttce_rtas_query_pe_dma_window(ddw, nargs, args, nret, rets);
        break;
    case RTAS_CREATE_PE_DMA_WINDOW:
        swifttce_rtas_create_pe_dma_window(ddw, nargs, args, nret, rets);
        break;
    case RTAS_REMOVE_PE_DMA_WINDOW:
        swifttce_rtas_remove_pe_dma_window(ddw, nargs, args, nret, rets, &reset);
        break;
    case RTAS_RESET_PE_DMA_WINDOW:
        swifttce_rtas_reset_pe_dma_window(ddw, nargs, args, nret, rets);
        break;
    }
    if (reset) {
        printf("  phb%u: the default window is back\n", phb->index);
    }
    if (phb) {
        sync_def_win(phb);    /* a reset (or a remove's) sets it */
    }
}
