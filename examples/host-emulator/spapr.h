/*
 * The emulator's sPAPR IOMMU on SwiftTCE's host mode: the glue an emulator
 * writes (QEMU: hw/ppc/spapr_iommu.c and the DMA half of spapr_pci.c).
 * The emulator keeps the LIOBN list, the regions, the PHBs and the
 * migration stream; SwiftTCE keeps each window's entries and answers
 * translate, replay, the hypercalls, the DDW calls and the table's bytes.
 */
#ifndef HOST_EMULATOR_SPAPR_H
#define HOST_EMULATOR_SPAPR_H

#include "memory.h"
#include "swifttce_api.h"

/* PAPR's hypercall numbers (LoPAPR; QEMU: hw/ppc/spapr.h). */
#define H_GET_TCE          0x1C
#define H_PUT_TCE          0x20
#define H_STUFF_TCE        0x138
#define H_PUT_TCE_INDIRECT 0x13C

/* A PHB's window n has LIOBN 0x80000000 | index << 8 | n (QEMU's rule). */
#define SPAPR_PCI_LIOBN(index, n) (0x80000000u | (index) << 8 | (n))

/* One DMA window (QEMU: SpaprTceTable), on the machine's LIOBN list. */
typedef struct SpaprTce {
    uint32_t liobn;
    SwiftTCETable *table;     /* SwiftTCE's: the entries */
    McIOMMURegion iommu;      /* the emulator's: what devices and VFIO see */
    bool bypass, def_win;     /* the emulator's, migrated with the table */
    struct SpaprTce *next;
} SpaprTce;

/* A PCI host bridge's DMA side (QEMU: SpaprPhbState). */
typedef struct SpaprPhb {
    unsigned index;
    uint64_t buid;
    SpaprTce *windows[SWIFTTCE_PHB_MAX_WINDOWS];
    SwiftTCEPhb *ddw;
    struct SpaprPhb *next;
} SpaprPhb;

/* The guest: its RAM (read by H_PUT_TCE_INDIRECT), LIOBNs and PHBs. */
typedef struct Machine {
    uint8_t ram[64 * 1024];
    SpaprTce *tces;
    SpaprPhb *phbs;
    McError err;              /* the last error a call reported */
} Machine;

SpaprTce *spapr_tce_new(Machine *m, uint32_t liobn);
void spapr_tce_free(Machine *m, SpaprTce *tce);
SpaprTce *spapr_tce_find(Machine *m, uint32_t liobn);
/* The four TCE hypercalls (args as the guest's registers r4...). */
int64_t spapr_hypercall(Machine *m, uint64_t opcode, uint64_t *args);
/* Migration: the table's "spapr_iommu" section body (malloc'd). */
size_t spapr_tce_save(Machine *m, SpaprTce *tce, uint8_t **buf);
int spapr_tce_load(Machine *m, SpaprTce *tce, const uint8_t *buf, size_t len);

SpaprPhb *spapr_phb_new(Machine *m, unsigned index);
void spapr_phb_free(Machine *m, SpaprPhb *phb);
/* The PHB's reset (QEMU: spapr_phb_reset): the default window back. */
void spapr_phb_reset(SpaprPhb *phb);

/* The four DDW RTAS calls (QEMU: rtas_ibm_*_pe_dma_window). */
enum { RTAS_QUERY_PE_DMA_WINDOW, RTAS_CREATE_PE_DMA_WINDOW,
       RTAS_REMOVE_PE_DMA_WINDOW, RTAS_RESET_PE_DMA_WINDOW };
void spapr_rtas_ddw(Machine *m, int call, uint32_t nargs, const uint32_t *args,
                    uint32_t nret, uint32_t *rets);

#endif /* HOST_EMULATOR_SPAPR_H */
