/*
 * The test machine of spapr-machine.h.
 */
#include "qemu-rcu.h"
#include "spapr-machine.h"

void spapr_machine_init(SpaprMachineState *spapr, hwaddr ram_size)
{
    QLIST_INIT(&spapr->phbs);
    spapr->vio_tables = g_ptr_array_new();
    address_space_memory.ram = g_malloc0(ram_size);
    address_space_memory.ram_size = ram_size;
}

SpaprTceTable *spapr_vio_table_new(SpaprMachineState *spapr, uint32_t reg,
                                   uint64_t window_size)
{
    SpaprTceTable *tcet = spapr_tce_new_table(NULL, SPAPR_VIO_LIOBN(reg));
    Error *err = NULL;

    if (!tcet) {
        return NULL;
    }
    g_ptr_array_add(spapr->vio_tables, tcet);
    if (!spapr_tce_table_enable(tcet, SPAPR_TCE_PAGE_SHIFT, 0,
                                window_size >> SPAPR_TCE_PAGE_SHIFT, &err)) {
        g_error("VIO 0x%x: %s", reg, error_get_pretty(err));
    }
    return tcet;
}

void spapr_machine_reset(SpaprMachineState *spapr)
{
    SpaprPhbState *sphb;
    guint i;

    for (i = 0; i < spapr->vio_tables->len; i++) {
        spapr_tce_reset(g_ptr_array_index(spapr->vio_tables, i));
    }
    QLIST_FOREACH(sphb, &spapr->phbs, list) {
        spapr_phb_dma_reset(sphb);
    }
}

void spapr_machine_cleanup(SpaprMachineState *spapr)
{
    SpaprPhbState *sphb, *next;
    guint i;

    QLIST_FOREACH_SAFE(sphb, &spapr->phbs, list, next) {
        spapr_phb_unrealize(sphb);
        g_free(sphb);
    }
    for (i = 0; i < spapr->vio_tables->len; i++) {
        spapr_tce_table_free(g_ptr_array_index(spapr->vio_tables, i));
    }
    g_ptr_array_free(spapr->vio_tables, TRUE);
    /* The tables go after a grace period; the RAM they read goes after them. */
    drain_call_rcu();
    g_free(address_space_memory.ram);
    address_space_memory.ram = NULL;
    address_space_memory.ram_size = 0;
}
