/*
 * The DDW RTAS calls for the tests, with QEMU's argument and return cells
 * laid out for them.
 */
#ifndef SWIFTTCE_TESTS_DDW_RTAS_H
#define SWIFTTCE_TESTS_DDW_RTAS_H

#include <glib.h>
#include <stdint.h>

#include "swifttce.h"

/*
 * The DDW RTAS calls with QEMU's argument and return arrays; each returns
 * the status (rets[0]). The return cells start as RTAS_UNSET, so that a
 * caller can tell which ones a call wrote.
 */
#define RTAS_UNSET 0x5a5a5a5au

/* ibm,query-pe-dma-window with nret return cells (5, or 6 for 64 bits). */
static inline int32_t ddw_query(uint64_t buid, uint32_t nret, uint32_t *rets)
{
    uint32_t args[3] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid };

    for (uint32_t i = 0; i < nret; i++) {
        rets[i] = RTAS_UNSET;
    }
    rtas_ibm_query_pe_dma_window(3, args, nret, rets);
    return (int32_t)rets[0];
}

/*
 * ibm,create-pe-dma-window: the new window's LIOBN and bus address go to
 * liobn and addr (either may be NULL). A failure writes the status only,
 * so they get RTAS_UNSET cells then.
 */
static inline int32_t ddw_create(uint64_t buid, uint32_t page_shift,
                                 uint32_t window_shift, uint32_t *liobn,
                                 uint64_t *addr)
{
    uint32_t args[5] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid,
                         page_shift, window_shift };
    uint32_t rets[4] = { RTAS_UNSET, RTAS_UNSET, RTAS_UNSET, RTAS_UNSET };

    rtas_ibm_create_pe_dma_window(5, args, 4, rets);
    for (int i = 1; i < 4 && (int32_t)rets[0] != RTAS_OUT_SUCCESS; i++) {
        g_assert_cmphex(rets[i], ==, RTAS_UNSET);
    }
    if (liobn) {
        *liobn = rets[1];
    }
    if (addr) {
        *addr = (uint64_t)rets[2] << 32 | rets[3];
    }
    return (int32_t)rets[0];
}

/* ibm,remove-pe-dma-window. */
static inline int32_t ddw_remove(uint32_t liobn)
{
    uint32_t args[1] = { liobn };
    uint32_t rets[1] = { RTAS_UNSET };

    rtas_ibm_remove_pe_dma_window(1, args, 1, rets);
    return (int32_t)rets[0];
}

/* ibm,reset-pe-dma-window. */
static inline int32_t ddw_reset(uint64_t buid)
{
    uint32_t args[3] = { 0, (uint32_t)(buid >> 32), (uint32_t)buid };
    uint32_t rets[1] = { RTAS_UNSET };

    rtas_ibm_reset_pe_dma_window(3, args, 1, rets);
    return (int32_t)rets[0];
}

#endif /* SWIFTTCE_TESTS_DDW_RTAS_H */
