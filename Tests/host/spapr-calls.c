/*
 * The machine's hypercall and RTAS tables (QEMU: spapr_hcall.c and
 * spapr_rtas.c): devices register their handlers at start-up, the guest's
 * calls are dispatched by opcode or token.
 */
#include <assert.h>

#include "spapr.h"

static spapr_hcall_fn papr_hypercall_table[(MAX_HCALL_OPCODE / 4) + 1];

void spapr_register_hypercall(target_ulong opcode, spapr_hcall_fn fn)
{
    assert(opcode <= MAX_HCALL_OPCODE && (opcode & 0x3) == 0);
    assert(!papr_hypercall_table[opcode / 4]);
    papr_hypercall_table[opcode / 4] = fn;
}

target_ulong spapr_hypercall(PowerPCCPU *cpu, SpaprMachineState *spapr,
                             target_ulong opcode, target_ulong *args)
{
    if (opcode <= MAX_HCALL_OPCODE && (opcode & 0x3) == 0) {
        spapr_hcall_fn fn = papr_hypercall_table[opcode / 4];

        if (fn) {
            return fn(cpu, spapr, opcode, args);
        }
    }
    return H_FUNCTION;
}

static spapr_rtas_fn rtas_table[RTAS_TOKEN_MAX - RTAS_TOKEN_BASE];

void spapr_rtas_register(int token, const char *name, spapr_rtas_fn fn)
{
    assert(token >= RTAS_TOKEN_BASE && token < RTAS_TOKEN_MAX);
    assert(!rtas_table[token - RTAS_TOKEN_BASE]);
    rtas_table[token - RTAS_TOKEN_BASE] = fn;
}

target_ulong spapr_rtas_call(PowerPCCPU *cpu, SpaprMachineState *spapr,
                             uint32_t token, uint32_t nargs, target_ulong args,
                             uint32_t nret, target_ulong rets)
{
    if (token >= RTAS_TOKEN_BASE && token < RTAS_TOKEN_MAX &&
        rtas_table[token - RTAS_TOKEN_BASE]) {
        rtas_table[token - RTAS_TOKEN_BASE](cpu, spapr, token, nargs, args,
                                            nret, rets);
        return H_SUCCESS;
    }
    /* An unknown token: RTAS's "not supported", which is -3 as well. */
    rtas_st(rets, 0, RTAS_OUT_PARAM_ERROR);
    return H_PARAMETER;
}
