/*
 * examples/host-emulator: a small emulator built like QEMU on SwiftTCE's
 * host mode (libswifttce-host, <swifttce/host.h>) alone. Copy it and
 * replace its pieces with your emulator's:
 *
 *   memory.[ch]      the emulator's memory core: IOMMU regions, notifiers,
 *                    RCU, errors (QEMU has its own; nothing of SwiftTCE)
 *   spapr_iommu.c    DMA windows: the hooks SwiftTCE calls (notify,
 *                    read_guest, defer_free, set_error), the region
 *                    callbacks (translate, replay), the LIOBN list, the four
 *                    TCE hypercalls, migration through the vmstate calls
 *   spapr_pci.c      a PHB's windows through SwiftTCEPhb: the DDW RTAS calls
 *   swifttce_api.[ch] the version check, and the dlopen build's loader
 *   main.c           a guest's life: reset, DMA mappings, a late listener,
 *                    DDW, migration to a second machine; prints each step
 *                    and exits 1 if anything is not as expected
 *
 * Usage: host-emulator [libswifttce-host.so.0]  (the path: dlopen build)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spapr.h"

static int failures;

static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

/* A listener as VFIO is one: told of each map and unmap. */
typedef struct Listener {
    McNotifier n;             /* first: the notifier is the listener */
    unsigned maps, unmaps;
} Listener;

static void listener_notify(McNotifier *n, const McTLBEntry *e)
{
    Listener *l = (Listener *)n;

    if (e->perm) {
        l->maps++;
    } else {
        l->unmaps++;
    }
}

/* The guest writes its TCE lists big-endian, whatever the host is. */
static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) {
        p[i] = (uint8_t)v;
    }
}

static int64_t hcall(Machine *m, uint64_t opcode, uint64_t a0, uint64_t a1,
                     uint64_t a2, uint64_t a3, uint64_t *ret0)
{
    uint64_t args[4] = { a0, a1, a2, a3 };
    int64_t ret = spapr_hypercall(m, opcode, args);

    if (ret0) {
        *ret0 = args[0];
    }
    return ret;
}

/* Two tables hold the same window and entries. */
static bool same_tables(const SwiftTCETable *a, const SwiftTCETable *b)
{
    uint64_t x[1024], y[1024];
    uint32_t nb = swifttce_table_nb_table(a);

    if (nb != swifttce_table_nb_table(b) ||
        swifttce_table_page_shift(a) != swifttce_table_page_shift(b) ||
        swifttce_table_bus_offset(a) != swifttce_table_bus_offset(b)) {
        return false;
    }
    for (uint64_t i = 0; i < nb; i += 1024) {
        size_t n = swifttce_table_read_entries(a, i, x, 1024);

        if (n != swifttce_table_read_entries(b, i, y, 1024) ||
            memcmp(x, y, n * sizeof(x[0])) != 0) {
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    static Machine src, dst;  /* the migration's two ends */
    const uint64_t rw = SWIFTTCE_TCE_READ | SWIFTTCE_TCE_WRITE;
    const uint64_t dma64 = 0x800000000000000ULL;
    Listener vfio = { { listener_notify, 0, UINT64_MAX, NULL }, 0, 0 };
    Listener late = vfio;
    uint32_t args[5], rets[6];
    uint64_t tce = 0;
    uint8_t *stream = NULL;
    SpaprPhb *phb;
    SpaprTce *win0, *win1, *copy;
    McTLBEntry e;
    size_t len;

    if (swifttce_api_open(argc > 1 ? argv[1] : NULL) < 0) {
        return 1;
    }

    printf("-- machine reset: PHB 0, its default DMA window\n");
    phb = spapr_phb_new(&src, 0);
    if (!phb) {
        fprintf(stderr, "spapr_phb_new: %s\n", src.err.msg);
        return 1;
    }
    spapr_phb_reset(phb);
    win0 = phb->windows[0];
    win1 = phb->windows[1];
    check(win0->iommu.size == 1ULL << 30 && win0->def_win && win1->iommu.size == 0,
          "window 0 (liobn 0x80000000): 1 GiB of 4 KiB pages at 0, def_win");
    mc_region_add_notifier(&win0->iommu, &vfio.n);

    printf("-- the guest maps DMA with the four hypercalls\n");
    check(hcall(&src, H_PUT_TCE, win0->liobn, 0x3000, 0x12340000 | rw, 0, NULL) ==
              SWIFTTCE_H_SUCCESS && vfio.maps == 1,
          "H_PUT_TCE 0x3000 -> 0x12340000 rw; the listener was told");
    e = mc_dma_translate(&win0->iommu, 0x3abc);
    check(e.translated_addr + (0x3abc & e.addr_mask) == 0x12340abc && e.perm == rw,
          "a device's DMA at 0x3abc goes to 0x12340abc");
    check(hcall(&src, H_GET_TCE, win0->liobn, 0x3000, 0, 0, &tce) == SWIFTTCE_H_SUCCESS &&
              tce == (0x12340000 | rw), "H_GET_TCE reads it back");
    for (int i = 0; i < 8; i++) {
        put_be64(src.ram + 0x2000 + 8 * i, (0x100000 + i * 0x1000) | SWIFTTCE_TCE_READ);
    }
    check(hcall(&src, H_PUT_TCE_INDIRECT, win0->liobn, 0x10000, 0x2000, 8, NULL) ==
              SWIFTTCE_H_SUCCESS && vfio.maps == 9 &&
              mc_dma_translate(&win0->iommu, 0x17000).translated_addr == 0x107000,
          "H_PUT_TCE_INDIRECT: 8 TCEs from a list in guest RAM");
    check(hcall(&src, H_STUFF_TCE, win0->liobn, 0x10000, 0, 8, NULL) ==
              SWIFTTCE_H_SUCCESS && vfio.unmaps == 8 &&
              mc_dma_translate(&win0->iommu, 0x17000).perm == 0,
          "H_STUFF_TCE clears them: 8 unmaps");
    check(hcall(&src, H_PUT_TCE, 0x1234, 0, rw, 0, NULL) == SWIFTTCE_H_PARAMETER &&
              hcall(&src, H_PUT_TCE, win0->liobn, 1ULL << 30, rw, 0, NULL) ==
                  SWIFTTCE_H_PARAMETER,
          "an unknown LIOBN, or an ioba past the window: H_PARAMETER");
    mc_region_add_notifier(&win0->iommu, &late.n);
    check(late.maps == 1, "a listener attached now is replayed the one mapping");

    printf("-- dynamic DMA windows (RTAS), as a Linux guest asks for them\n");
    args[0] = 0;              /* config address; then the BUID */
    args[1] = (uint32_t)(phb->buid >> 32);
    args[2] = (uint32_t)phb->buid;
    spapr_rtas_ddw(&src, RTAS_QUERY_PE_DMA_WINDOW, 3, args, 5, rets);
    check(rets[0] == SWIFTTCE_RTAS_SUCCESS && rets[1] == 1,
          "ibm,query-pe-dma-window: one window free");
    args[3] = 16;             /* 64 KiB pages */
    args[4] = 32;             /* a 4 GiB window */
    spapr_rtas_ddw(&src, RTAS_CREATE_PE_DMA_WINDOW, 5, args, 4, rets);
    check(rets[0] == SWIFTTCE_RTAS_SUCCESS && rets[1] == win1->liobn &&
              ((uint64_t)rets[2] << 32 | rets[3]) == dma64 &&
              win1->iommu.size == 1ULL << 32,
          "ibm,create-pe-dma-window: window 1, 4 GiB of 64 KiB pages at 2^59");
    check(hcall(&src, H_PUT_TCE, win1->liobn, dma64 + 0x50000, 0x40000000 | rw, 0,
                NULL) == SWIFTTCE_H_SUCCESS &&
              mc_dma_translate(&win1->iommu, 0x50123).translated_addr == 0x40000000,
          "H_PUT_TCE in window 1 (ioba is a bus address), and DMA through it");

    printf("-- migration: window 1 saved, loaded on a second machine\n");
    copy = spapr_tce_new(&dst, win1->liobn);
    len = copy ? spapr_tce_save(&src, win1, &stream) : 0;
    check(len > 0, "the spapr_iommu section body is saved");
    check(len > 0 && spapr_tce_load(&dst, copy, stream, len) == 0 &&
              same_tables(win1->table, copy->table) &&
              copy->iommu.size == 1ULL << 32 &&
              mc_dma_translate(&copy->iommu, 0x50123).translated_addr == 0x40000000,
          "loaded into a fresh table: the same window, entries and DMA");
    check(len > 0 && spapr_tce_load(&dst, copy,
                                    stream, len / 2) < 0 &&
              dst.err.msg[0] != 0 && same_tables(win1->table, copy->table),
          "a cut stream is refused with a message; the table is as it was");
    printf("     (%s)\n", dst.err.msg);

    printf("-- the guest removes its windows\n");
    args[0] = win0->liobn;
    spapr_rtas_ddw(&src, RTAS_REMOVE_PE_DMA_WINDOW, 1, args, 1, rets);
    check(rets[0] == SWIFTTCE_RTAS_SUCCESS && win0->iommu.size == 0,
          "ibm,remove-pe-dma-window: the default window goes");
    args[0] = win1->liobn;
    spapr_rtas_ddw(&src, RTAS_REMOVE_PE_DMA_WINDOW, 1, args, 1, rets);
    check(rets[0] == SWIFTTCE_RTAS_SUCCESS && win1->iommu.size == 0 &&
              win0->iommu.size == 1ULL << 30 && win0->def_win,
          "removing the last window brings the default one back");
    args[1] = (uint32_t)(phb->buid >> 32);
    args[2] = (uint32_t)phb->buid;
    spapr_rtas_ddw(&src, RTAS_RESET_PE_DMA_WINDOW, 3, args, 1, rets);
    check(rets[0] == SWIFTTCE_RTAS_SUCCESS && win0->iommu.size == 1ULL << 30 &&
              mc_dma_translate(&win0->iommu, 0x3000).perm == 0,
          "ibm,reset-pe-dma-window: the default window, empty");

    printf("-- PHB unplugged while a DMA is in flight: RCU frees later\n");
    mc_region_del_notifier(&win0->iommu, &vfio.n);
    mc_region_del_notifier(&win0->iommu, &late.n);
    mc_rcu_read_lock();       /* a device's translate on another vCPU */
    spapr_phb_free(&src, phb);
    check(mc_rcu_pending() > 0 && mc_rcu_quiescent() == 0 && !src.tces,
          "the tables are gone; their memory waits behind the reader");
    mc_rcu_read_unlock();
    check(mc_rcu_quiescent() > 0 && mc_rcu_pending() == 0,
          "once the reader left, the queued frees run");
    if (copy) {
        spapr_tce_free(&dst, copy);
    }
    free(stream);
    mc_rcu_quiescent();
    check(mc_rcu_pending() == 0 && !dst.tces, "everything freed");
    printf("%s\n", failures ? "FAILED" : "all as expected");
    return failures ? 1 : 0;
}
