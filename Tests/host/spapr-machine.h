/*
 * A pseries machine for the tests, as QEMU 7.2's hw/ppc/spapr.c assembles
 * one, reduced to DMA: guest RAM, PHBs and VIO devices' tables, the
 * machine reset, and taking it all down again.
 */
#ifndef SPAPR_MACHINE_H
#define SPAPR_MACHINE_H

#include "spapr-iommu.h"
#include "spapr-pci.h"
#include "spapr.h"

/* Guest RAM of ram_size bytes at 0, in address_space_memory; no devices. */
void spapr_machine_init(SpaprMachineState *spapr, hwaddr ram_size);
/*
 * QEMU's spapr_vio realize: a VIO device's table, LIOBN reg, enabled at
 * once with 4 KiB pages at 0 over window_size bytes (NULL: reg in use).
 */
SpaprTceTable *spapr_vio_table_new(SpaprMachineState *spapr, uint32_t reg,
                                   uint64_t window_size);
/* Every device's reset: tables zeroed, each PHB's DMA reset (newest first). */
void spapr_machine_reset(SpaprMachineState *spapr);
/*
 * Every device gone: PHBs unrealized and g_free'd (they are g_new'd and
 * realized on spapr), tables freed after RCU; then the RAM.
 */
void spapr_machine_cleanup(SpaprMachineState *spapr);

#endif /* SPAPR_MACHINE_H */
