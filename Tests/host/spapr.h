/*
 * The pseries machine as far as its IOMMU goes, named as QEMU 7.2's
 * include/hw/ppc/spapr.h: hypercall and RTAS codes and dispatch, the CPU a
 * hypercall comes from, and the machine that holds the PHBs.
 */
#ifndef SPAPR_H
#define SPAPR_H

#include <stdint.h>

#include "qemu-memory.h"
#include "qemu-queue.h"

typedef uint64_t target_ulong;

typedef struct CPUState {
    AddressSpace *as;       /* what the CPU's loads and stores reach */
} CPUState;

typedef struct PowerPCCPU {
    CPUState parent_obj;
} PowerPCCPU;

#define CPU(cpu) (&(cpu)->parent_obj)

typedef struct SpaprPhbState SpaprPhbState;

typedef struct SpaprTceTable SpaprTceTable;

typedef struct SpaprMachineState {
    QLIST_HEAD(, SpaprPhbState) phbs;
    GPtrArray *vio_tables;      /* of SpaprTceTable: the VIO devices' */
} SpaprMachineState;

/* ---- Hypercalls -------------------------------------------------------- */

#define H_SUCCESS    0
#define H_FUNCTION  -2
#define H_PARAMETER -4

#define H_GET_TCE          0x1C
#define H_PUT_TCE          0x20
#define H_STUFF_TCE        0x138
#define H_PUT_TCE_INDIRECT 0x13C
/* The TCE calls are the only ones this machine has. */
#define MAX_HCALL_OPCODE   H_PUT_TCE_INDIRECT

typedef target_ulong (*spapr_hcall_fn)(PowerPCCPU *cpu, SpaprMachineState *sm,
                                       target_ulong opcode,
                                       target_ulong *args);

void spapr_register_hypercall(target_ulong opcode, spapr_hcall_fn fn);
/* QEMU finds the machine itself; it is an argument here. */
target_ulong spapr_hypercall(PowerPCCPU *cpu, SpaprMachineState *spapr,
                             target_ulong opcode, target_ulong *args);

/* ---- RTAS -------------------------------------------------------------- */

#define RTAS_OUT_SUCCESS      0
#define RTAS_OUT_HW_ERROR    -1
#define RTAS_OUT_PARAM_ERROR -3

#define RTAS_TOKEN_BASE               0x2000
#define RTAS_IBM_QUERY_PE_DMA_WINDOW  (RTAS_TOKEN_BASE + 0x26)
#define RTAS_IBM_CREATE_PE_DMA_WINDOW (RTAS_TOKEN_BASE + 0x27)
#define RTAS_IBM_REMOVE_PE_DMA_WINDOW (RTAS_TOKEN_BASE + 0x28)
#define RTAS_IBM_RESET_PE_DMA_WINDOW  (RTAS_TOKEN_BASE + 0x29)
#define RTAS_TOKEN_MAX                (RTAS_TOKEN_BASE + 0x2A)

/* The guest passes its argument and return cells in memory. */
static inline uint32_t rtas_ld(target_ulong phys, int n)
{
    return ldl_be_phys(&address_space_memory, phys + 4 * n);
}

static inline void rtas_st(target_ulong phys, int n, uint32_t val)
{
    stl_be_phys(&address_space_memory, phys + 4 * n, val);
}

typedef void (*spapr_rtas_fn)(PowerPCCPU *cpu, SpaprMachineState *sm,
                              uint32_t token, uint32_t nargs,
                              target_ulong args, uint32_t nret,
                              target_ulong rets);

/* name is for the device tree, which this machine has not. */
void spapr_rtas_register(int token, const char *name, spapr_rtas_fn fn);
target_ulong spapr_rtas_call(PowerPCCPU *cpu, SpaprMachineState *sm,
                             uint32_t token, uint32_t nargs, target_ulong args,
                             uint32_t nret, target_ulong rets);

/* ---- LIOBNs ------------------------------------------------------------ */

#define SPAPR_TCE_PAGE_SHIFT 12

#define SPAPR_VIO_LIOBN(reg)    (0x00000000 | (reg))
#define SPAPR_PCI_LIOBN(phb_index, window_num) \
    (0x80000000 | ((phb_index) << 8) | (window_num))
#define SPAPR_IS_PCI_LIOBN(liobn)   (!!((liobn) & 0x80000000))

#endif /* SPAPR_H */
