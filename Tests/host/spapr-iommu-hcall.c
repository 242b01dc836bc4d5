/*
 * The guest's TCE hypercalls (PAPR), as QEMU 7.2's hw/ppc/spapr_iommu.c
 * handles them: the LIOBN lookup is the host's, the checks and writes the
 * engine's, the trace line QEMU's.
 */
#include "spapr-iommu.h"
#include "spapr-trace.h"

#define IOMMU_PAGE_MASK(shift) (~((1ULL << (shift)) - 1))

static target_ulong h_put_tce(PowerPCCPU *cpu, SpaprMachineState *spapr,
                              target_ulong opcode, target_ulong *args)
{
    target_ulong liobn = args[0];
    target_ulong ioba = args[1];
    target_ulong tce = args[2];
    SpaprTceTable *tcet = spapr_tce_find_by_liobn(liobn);
    target_ulong ret;

    if (!tcet) {
        return H_PARAMETER;
    }
    ret = swifttce_put_tce(tcet->engine, ioba, tce);
    trace_spapr_iommu_put(liobn, ioba & IOMMU_PAGE_MASK(tcet->page_shift), tce,
                          ret);
    return ret;
}

static target_ulong h_get_tce(PowerPCCPU *cpu, SpaprMachineState *spapr,
                              target_ulong opcode, target_ulong *args)
{
    target_ulong liobn = args[0];
    target_ulong ioba = args[1];
    SpaprTceTable *tcet = spapr_tce_find_by_liobn(liobn);
    uint64_t tce = 0;
    target_ulong ret;

    if (!tcet) {
        return H_PARAMETER;
    }
    ret = swifttce_get_tce(tcet->engine, ioba, &tce);
    if (ret == H_SUCCESS) {
        args[0] = tce;
    }
    trace_spapr_iommu_get(liobn, ioba & IOMMU_PAGE_MASK(tcet->page_shift), ret,
                          tce);
    return ret;
}

static target_ulong h_stuff_tce(PowerPCCPU *cpu, SpaprMachineState *spapr,
                                target_ulong opcode, target_ulong *args)
{
    target_ulong liobn = args[0];
    target_ulong ioba = args[1];
    target_ulong tce_value = args[2];
    target_ulong npages = args[3];
    SpaprTceTable *tcet = spapr_tce_find_by_liobn(liobn);
    SwiftTCECallTrace trace;
    target_ulong ret;

    if (!tcet) {
        return H_PARAMETER;
    }
    ret = swifttce_stuff_tce_trace(tcet->engine, ioba, tce_value, npages,
                                   &trace);
    if (trace.traced) {
        trace_spapr_iommu_stuff(liobn, trace.ioba, tce_value, npages, ret);
    }
    return ret;
}

static target_ulong h_put_tce_indirect(PowerPCCPU *cpu,
                                       SpaprMachineState *spapr,
                                       target_ulong opcode, target_ulong *args)
{
    target_ulong liobn = args[0];
    target_ulong ioba = args[1];
    target_ulong tce_list = args[2];
    target_ulong npages = args[3];
    SpaprTceTable *tcet = spapr_tce_find_by_liobn(liobn);
    SwiftTCECallTrace trace;
    target_ulong ret;

    if (!tcet) {
        return H_PARAMETER;
    }
    ret = swifttce_put_tce_indirect_trace(tcet->engine, ioba, tce_list, npages,
                                          CPU(cpu)->as, &trace);
    if (trace.traced) {
        trace_spapr_iommu_indirect(liobn, ioba, tce_list, trace.index,
                                   trace.tce, ret);
    }
    return ret;
}

/* QEMU registers them with its types (type_init: a constructor). */
static void __attribute__((constructor)) spapr_tce_register_hypercalls(void)
{
    spapr_register_hypercall(H_PUT_TCE, h_put_tce);
    spapr_register_hypercall(H_GET_TCE, h_get_tce);
    spapr_register_hypercall(H_STUFF_TCE, h_stuff_tce);
    spapr_register_hypercall(H_PUT_TCE_INDIRECT, h_put_tce_indirect);
}
