/*
 * The four RTAS calls of dynamic DMA windows (QEMU 7.2's
 * hw/ppc/spapr_rtas_ddw.c): the PHB lookup and the trace lines are the
 * host's, the checks and decisions the engine's. The guest's cells are in
 * its memory (rtas_ld, rtas_st); the engine takes them as arrays.
 */
#include <string.h>

#include "spapr-pci.h"
#include "spapr-trace.h"

/* The most cells any of the four takes (create) and gives (query). */
#define RTAS_DDW_MAX_ARGS 5
#define RTAS_DDW_MAX_RETS 6

typedef struct RtasDdwCells {
    uint32_t args[RTAS_DDW_MAX_ARGS];
    uint32_t rets[RTAS_DDW_MAX_RETS];
} RtasDdwCells;

/*
 * The guest's cells. More than any of the calls has is a PARAM_ERROR, as
 * QEMU's count checks answer; false then.
 */
static bool rtas_ddw_load(RtasDdwCells *c, uint32_t nargs, target_ulong args,
                          uint32_t nret, target_ulong rets)
{
    uint32_t i;

    memset(c, 0, sizeof(*c));
    if (nargs > RTAS_DDW_MAX_ARGS || nret > RTAS_DDW_MAX_RETS) {
        rtas_st(rets, 0, RTAS_OUT_PARAM_ERROR);
        return false;
    }
    for (i = 0; i < nargs; i++) {
        c->args[i] = rtas_ld(args, i);
    }
    /* The engine writes only some of them; the others stay as they were. */
    for (i = 0; i < nret; i++) {
        c->rets[i] = rtas_ld(rets, i);
    }
    return true;
}

/* Gives the guest its return cells; true when the call succeeded. */
static bool rtas_ddw_store(const RtasDdwCells *c, uint32_t nret,
                           target_ulong rets)
{
    uint32_t i;

    for (i = 0; i < nret; i++) {
        rtas_st(rets, i, c->rets[i]);
    }
    return nret > 0 && c->rets[0] == RTAS_OUT_SUCCESS;
}

/* The PHB's BUID, in args[1] (high) and args[2] (low). */
static uint64_t rtas_ddw_buid(const RtasDdwCells *c)
{
    return (uint64_t)c->args[1] << 32 | c->args[2];
}

static SwiftTCEPhb *rtas_ddw_phb(SpaprPhbState *sphb)
{
    return sphb ? sphb->ddw : NULL;
}

/* 1 << shift for a trace line, where QEMU's shift could pass 63. */
static uint64_t rtas_ddw_size(uint32_t shift)
{
    return shift < 64 ? 1ULL << shift : 0;
}

static void rtas_ibm_query_pe_dma_window(PowerPCCPU *cpu,
                                         SpaprMachineState *spapr,
                                         uint32_t token, uint32_t nargs,
                                         target_ulong args,
                                         uint32_t nret, target_ulong rets)
{
    SpaprPhbState *sphb;
    RtasDdwCells c;

    if (!rtas_ddw_load(&c, nargs, args, nret, rets)) {
        return;
    }
    sphb = spapr_pci_find_phb(spapr, rtas_ddw_buid(&c));
    swifttce_rtas_query_pe_dma_window(rtas_ddw_phb(sphb), nargs, c.args, nret,
                                      c.rets);
    if (rtas_ddw_store(&c, nret, rets)) {
        /* QEMU traces this maximum whatever the answer says. */
        trace_spapr_iommu_ddw_query(rtas_ddw_buid(&c), c.args[0], c.rets[1],
                                    0x80000000, c.rets[nret == 6 ? 4 : 3]);
    }
}

static void rtas_ibm_create_pe_dma_window(PowerPCCPU *cpu,
                                          SpaprMachineState *spapr,
                                          uint32_t token, uint32_t nargs,
                                          target_ulong args,
                                          uint32_t nret, target_ulong rets)
{
    SpaprPhbState *sphb;
    RtasDdwCells c;

    if (!rtas_ddw_load(&c, nargs, args, nret, rets)) {
        return;
    }
    sphb = spapr_pci_find_phb(spapr, rtas_ddw_buid(&c));
    swifttce_rtas_create_pe_dma_window(rtas_ddw_phb(sphb), nargs, c.args,
                                       nret, c.rets);
    if (rtas_ddw_store(&c, nret, rets)) {
        trace_spapr_iommu_ddw_create(rtas_ddw_buid(&c), c.args[0],
                                     rtas_ddw_size(c.args[3]),
                                     rtas_ddw_size(c.args[4]),
                                     (uint64_t)c.rets[2] << 32 | c.rets[3],
                                     c.rets[1]);
    }
}

static void rtas_ibm_remove_pe_dma_window(PowerPCCPU *cpu,
                                          SpaprMachineState *spapr,
                                          uint32_t token, uint32_t nargs,
                                          target_ulong args,
                                          uint32_t nret, target_ulong rets)
{
    SpaprPhbState *sphb = NULL;
    SpaprTceTable *tcet;
    RtasDdwCells c;
    bool reset;

    if (!rtas_ddw_load(&c, nargs, args, nret, rets)) {
        return;
    }
    /* QEMU finds the PHB as the parent of the LIOBN's table. */
    tcet = spapr_tce_find_by_liobn(c.args[0]);
    if (tcet && SPAPR_IS_PCI_LIOBN(tcet->liobn)) {
        sphb = tcet->owner;
    }
    swifttce_rtas_remove_pe_dma_window(rtas_ddw_phb(sphb), nargs, c.args,
                                       nret, c.rets, &reset);
    if (sphb) {
        spapr_phb_sync_def_win(sphb);
    }
    if (rtas_ddw_store(&c, nret, rets) && reset) {
        trace_spapr_iommu_ddw_reset(sphb->buid, 0);
    }
}

static void rtas_ibm_reset_pe_dma_window(PowerPCCPU *cpu,
                                         SpaprMachineState *spapr,
                                         uint32_t token, uint32_t nargs,
                                         target_ulong args,
                                         uint32_t nret, target_ulong rets)
{
    SpaprPhbState *sphb;
    RtasDdwCells c;

    if (!rtas_ddw_load(&c, nargs, args, nret, rets)) {
        return;
    }
    sphb = spapr_pci_find_phb(spapr, rtas_ddw_buid(&c));
    swifttce_rtas_reset_pe_dma_window(rtas_ddw_phb(sphb), nargs, c.args, nret,
                                      c.rets);
    if (sphb) {
        spapr_phb_sync_def_win(sphb);
    }
    if (rtas_ddw_store(&c, nret, rets)) {
        trace_spapr_iommu_ddw_reset(rtas_ddw_buid(&c), c.args[0]);
    }
}

/* QEMU: type_init(spapr_rtas_ddw_init), a constructor. */
static void __attribute__((constructor)) spapr_rtas_ddw_init(void)
{
    spapr_rtas_register(RTAS_IBM_QUERY_PE_DMA_WINDOW,
                        "ibm,query-pe-dma-window",
                        rtas_ibm_query_pe_dma_window);
    spapr_rtas_register(RTAS_IBM_CREATE_PE_DMA_WINDOW,
                        "ibm,create-pe-dma-window",
                        rtas_ibm_create_pe_dma_window);
    spapr_rtas_register(RTAS_IBM_REMOVE_PE_DMA_WINDOW,
                        "ibm,remove-pe-dma-window",
                        rtas_ibm_remove_pe_dma_window);
    spapr_rtas_register(RTAS_IBM_RESET_PE_DMA_WINDOW,
                        "ibm,reset-pe-dma-window",
                        rtas_ibm_reset_pe_dma_window);
}
