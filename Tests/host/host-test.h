/*
 * Helpers for the tests of the QEMU-shaped host: a machine built from a
 * shape line (the "# machine:" keys of Tests/traces/README.md), the guest's
 * hypercalls and RTAS calls with their cells in guest memory, DMA
 * translations as a device makes them, QEMU's generic walk, and trace
 * capture. Recording notifiers and entry comparison are the standalone
 * tests' too (../util/iommu-record.h).
 */
#ifndef HOST_TEST_H
#define HOST_TEST_H

#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-rcu.h"
#include "qemu-trace.h"
#include "spapr-machine.h"
#include "../util/iommu-record.h"

/*
 * The DMA calls do not depend on how much RAM there is (QEMU 7.2's query
 * answers a constant); the lists and cells the tests put in it fit here.
 */
#define HOST_RAM_SIZE   (64 * 1024 * 1024)
#define HOST_RTAS_ARGS  0x10000     /* where the guest's RTAS cells go */
#define HOST_RTAS_RETS  0x10100

typedef struct HostMachine {
    SpaprMachineState spapr;
    PowerPCCPU cpu;
} HostMachine;

/*
 * A machine of the shape "phbs=N ddw=on|off pgsz=MASK vio=LIOBN:SIZE,..."
 * (ram= is accepted and does not matter, see HOST_RAM_SIZE; notify=ranges
 * has its tables notify runs in blocks, spapr_tce_notify_ranges), after its
 * reset. PHBs 0..N-1 (1 by default), then the VIO devices, as QEMU's
 * command lines in Tests/traces/ create them.
 */
static inline void host_machine_start(HostMachine *m, const char *shape)
{
    g_auto(GStrv) words = g_strsplit(shape, " ", -1);
    g_auto(GStrv) vio = NULL;
    unsigned phbs = 1, i;
    uint64_t pgsz = SPAPR_PCI_DEFAULT_PGSZ;
    bool ddw = true, ranges = false;

    for (i = 0; words[i]; i++) {
        const char *w = words[i];

        if (g_str_has_prefix(w, "phbs=")) {
            phbs = strtoul(w + 5, NULL, 0);
        } else if (g_str_has_prefix(w, "pgsz=")) {
            pgsz = strtoull(w + 5, NULL, 0);
        } else if (g_str_has_prefix(w, "ddw=")) {
            ddw = strcmp(w + 4, "on") == 0;
        } else if (g_str_has_prefix(w, "notify=")) {
            ranges = strcmp(w + 7, "ranges") == 0;
        } else if (g_str_has_prefix(w, "vio=")) {
            vio = g_strsplit(w + 4, ",", -1);
        } else if (*w && !g_str_has_prefix(w, "ram=")) {
            g_error("unknown machine key in \"%s\"", w);
        }
    }
    spapr_tce_notify_ranges = ranges;
    spapr_machine_init(&m->spapr, HOST_RAM_SIZE);
    m->cpu.parent_obj.as = &address_space_memory;
    for (i = 0; i < phbs; i++) {
        SpaprPhbState *sphb = g_new(SpaprPhbState, 1);
        Error *err = NULL;

        spapr_phb_init_props(sphb, i);
        sphb->page_size_mask = pgsz;
        sphb->ddw_enabled = ddw;
        spapr_phb_realize(&m->spapr, sphb, &err);
        g_assert_null(err);
    }
    for (i = 0; vio && vio[i]; i++) {
        char *size;
        uint32_t liobn = strtoul(vio[i], &size, 0);

        g_assert_cmpint(*size, ==, ':');
        g_assert_nonnull(spapr_vio_table_new(&m->spapr, liobn,
                                             strtoull(size + 1, NULL, 0)));
    }
    spapr_machine_reset(&m->spapr);
}

static inline void host_machine_stop(HostMachine *m)
{
    spapr_machine_cleanup(&m->spapr);
}

static inline SpaprTceTable *host_table(uint32_t liobn)
{
    SpaprTceTable *tcet = spapr_tce_find_by_liobn(liobn);

    g_assert_nonnull(tcet);
    return tcet;
}

/* ---- The guest's calls ------------------------------------------------- */

static inline target_ulong host_hcall(HostMachine *m, target_ulong opcode,
                                      target_ulong *args)
{
    return spapr_hypercall(&m->cpu, &m->spapr, opcode, args);
}

static inline target_ulong host_put(HostMachine *m, uint64_t liobn,
                                    uint64_t ioba, uint64_t tce)
{
    target_ulong args[] = { liobn, ioba, tce };

    return host_hcall(m, H_PUT_TCE, args);
}

/* H_GET_TCE; *tce is args[0] after the call (the TCE on success). */
static inline target_ulong host_get(HostMachine *m, uint64_t liobn,
                                    uint64_t ioba, uint64_t *tce)
{
    target_ulong args[] = { liobn, ioba };
    target_ulong ret = host_hcall(m, H_GET_TCE, args);

    *tce = args[0];
    return ret;
}

static inline target_ulong host_stuff(HostMachine *m, uint64_t liobn,
                                      uint64_t ioba, uint64_t tce,
                                      uint64_t npages)
{
    target_ulong args[] = { liobn, ioba, tce, npages };

    return host_hcall(m, H_STUFF_TCE, args);
}

/* H_PUT_TCE_INDIRECT of n TCEs, which the guest put at gpa first. */
static inline target_ulong host_indirect(HostMachine *m, uint64_t liobn,
                                         uint64_t ioba, uint64_t gpa,
                                         const uint64_t *tces, uint64_t n)
{
    target_ulong args[] = { liobn, ioba, gpa, n };
    uint64_t i;

    for (i = 0; i < n; i++) {
        stq_be_phys(&address_space_memory, gpa + i * 8, tces[i]);
    }
    return host_hcall(m, H_PUT_TCE_INDIRECT, args);
}

/* An RTAS call with its cells in guest memory; rets[0] is the status. */
static inline void host_rtas(HostMachine *m, uint32_t token, uint32_t nargs,
                             const uint32_t *args, uint32_t nret,
                             uint32_t *rets)
{
    uint32_t i;

    for (i = 0; i < nargs; i++) {
        rtas_st(HOST_RTAS_ARGS, i, args[i]);
    }
    spapr_rtas_call(&m->cpu, &m->spapr, token, nargs, HOST_RTAS_ARGS, nret,
                    HOST_RTAS_RETS);
    for (i = 0; i < nret; i++) {
        rets[i] = rtas_ld(HOST_RTAS_RETS, i);
    }
}

/* A call's status, rets[0], as the negative it is. */
static inline int32_t rtas_status(const uint32_t *rets)
{
    return (int32_t)rets[0];
}

/* ibm,create-pe-dma-window on a PHB: rets[1] the LIOBN, [2..3] the start. */
static inline void host_ddw_create(HostMachine *m, uint64_t buid,
                                   uint32_t page_shift, uint32_t window_shift,
                                   uint32_t rets[4])
{
    uint32_t args[] = { 0, buid >> 32, (uint32_t)buid, page_shift,
                        window_shift };

    host_rtas(m, RTAS_IBM_CREATE_PE_DMA_WINDOW, 5, args, 4, rets);
}

static inline int32_t host_ddw_remove(HostMachine *m, uint32_t liobn)
{
    uint32_t ret;

    host_rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, 1, &liobn, 1, &ret);
    return rtas_status(&ret);
}

/* ---- A device's DMA ---------------------------------------------------- */

/* A translation the way a device makes one: region-relative, under RCU. */
static inline IOMMUTLBEntry host_translate(SpaprTceTable *tcet, hwaddr addr)
{
    IOMMUMemoryRegion *iommu = &tcet->iommu;
    IOMMUTLBEntry e;

    rcu_read_lock();
    e = IOMMU_MEMORY_REGION_GET_CLASS(iommu)->translate(iommu, addr,
                                                        IOMMU_NONE, 0);
    rcu_read_unlock();
    return e;
}

/* ---- QEMU's generic walk, the reference for replay ---------------------- */

/* A region of a class with no replay hook, over the table's translate. */
typedef struct WalkRegion {
    IOMMUMemoryRegion iommu;
    IOMMUMemoryRegion *table;
} WalkRegion;

static inline IOMMUTLBEntry walk_translate(IOMMUMemoryRegion *iommu,
                                           hwaddr addr, IOMMUAccessFlags flag,
                                           int iommu_idx)
{
    IOMMUMemoryRegion *table = container_of(iommu, WalkRegion, iommu)->table;

    return IOMMU_MEMORY_REGION_GET_CLASS(table)->translate(table, addr, flag,
                                                           iommu_idx);
}

static inline uint64_t walk_min_page_size(IOMMUMemoryRegion *iommu)
{
    return memory_region_iommu_get_min_page_size(
        container_of(iommu, WalkRegion, iommu)->table);
}

static const IOMMUMemoryRegionClass walk_class = {
    .translate = walk_translate,
    .get_min_page_size = walk_min_page_size,
};

/* Every mapped entry, as QEMU's replay of every page notifies them. */
static inline GArray *host_generic_walk(SpaprTceTable *tcet)
{
    WalkRegion w = { .table = &tcet->iommu };
    GArray *entries;

    memory_region_init_iommu(&w.iommu, &walk_class, "generic-walk",
                             memory_region_size(spapr_tce_get_iommu(tcet)));
    rcu_read_lock();
    entries = replay_entries(&w.iommu, IOMMU_NOTIFIER_MAP);
    rcu_read_unlock();
    memory_region_finalize(MEMORY_REGION(&w.iommu));
    return entries;
}

/* What the table's own replay hook notifies. */
static inline GArray *host_hook_replay(SpaprTceTable *tcet)
{
    return replay_entries(&tcet->iommu, IOMMU_NOTIFIER_MAP);
}

/* ---- Trace lines ------------------------------------------------------- */

/*
 * A table's address differs from run to run: "table=0x55..." reads
 * "table=PTR" in what is compared.
 */
static inline char *host_trace_normalize(const char *line)
{
    const char *p = strstr(line, " table=0x");
    const char *end;

    if (!p) {
        return g_strdup(line);
    }
    end = strchr(p + 1, ' ');
    return g_strdup_printf("%.*s table=PTR%s", (int)(p - line), line,
                           end ? end : "");
}

static inline void host_trace_line(void *opaque, const char *line)
{
    g_ptr_array_add(opaque, host_trace_normalize(line));
}

/* Captures trace lines into a new array (free it with host_trace_stop). */
static inline GPtrArray *host_trace_start(void)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

    qemu_trace_set_sink(host_trace_line, lines);
    return lines;
}

static inline void host_trace_stop(GPtrArray *lines)
{
    qemu_trace_set_sink(NULL, NULL);
    g_ptr_array_free(lines, TRUE);
}

/* The lines captured are exactly want (NULL-terminated), then forgotten. */
static inline void host_trace_expect(GPtrArray *lines, const char *const *want)
{
    guint i;

    for (i = 0; want[i]; i++) {
        g_assert_cmpuint(i, <, lines->len);
        g_assert_cmpstr(g_ptr_array_index(lines, i), ==, want[i]);
    }
    g_assert_cmpuint(lines->len, ==, i);
    g_ptr_array_set_size(lines, 0);
}

#endif /* HOST_TEST_H */
