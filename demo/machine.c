/*
 * pseries-demo: the machine.
 */
#include <string.h>

#include "machine.h"

static bool machine_read_ram(void *opaque, hwaddr addr, void *buf, size_t len)
{
    PseriesMachine *m = opaque;
    void *p = machine_ram_ptr(m, addr, len);

    if (!p) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

/* One spapr-pci-host-bridge with QEMU's defaults: DDW on, 2 windows. */
static void machine_phb_config(SpaprPhbConfig *cfg)
{
    spapr_phb_config_default(cfg, 0);
}

uint64_t machine_page_sizes(void)
{
    SpaprPhbConfig cfg;

    machine_phb_config(&cfg);
    return cfg.pgsz;
}

PseriesMachine *machine_new(uint64_t ram_size, GError **errp)
{
    PseriesMachine *m;
    SpaprPhbConfig cfg;
    Error *err = NULL;

    /* Untouched guest RAM costs nothing: the kernel hands out zero pages. */
    m = g_new0(PseriesMachine, 1);
    m->ram = g_try_malloc0(ram_size);
    if (!m->ram) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                    "cannot allocate %" G_GUINT64_FORMAT " bytes of guest RAM",
                    ram_size);
        g_free(m);
        return NULL;
    }
    m->ram_size = ram_size;
    m->mem.opaque = m;
    m->mem.read = machine_read_ram;

    machine_phb_config(&cfg);
    m->phb = spapr_phb_new(&cfg, &err);
    if (!m->phb) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED, "PHB: %s",
                    err ? error_get_pretty(err) : "failed");
        error_free(err);
        g_free(m->ram);
        g_free(m);
        return NULL;
    }
    return m;
}

void machine_free(PseriesMachine *m)
{
    if (m) {
        spapr_phb_free(m->phb);
        g_free(m->ram);
        g_free(m);
    }
}

void *machine_ram_ptr(PseriesMachine *m, hwaddr gpa, uint64_t len)
{
    if (gpa > m->ram_size || len > m->ram_size - gpa) {
        return NULL;
    }
    return m->ram + gpa;
}

int64_t machine_hcall(PseriesMachine *m, uint64_t opcode, uint64_t *args)
{
    int64_t ret = spapr_hcall_tce(opcode, args, &m->mem);

    m->hcalls++;
    if (ret != H_SUCCESS) {
        m->hcalls_failed++;
    }
    return ret;
}

void machine_rtas(PseriesMachine *m, const char *service, uint32_t nargs,
                  const uint32_t *args, uint32_t nret, uint32_t *rets)
{
    static const struct {
        const char *name;
        void (*fn)(uint32_t, const uint32_t *, uint32_t, uint32_t *);
    } services[] = {
        { "ibm,query-pe-dma-window", rtas_ibm_query_pe_dma_window },
        { "ibm,create-pe-dma-window", rtas_ibm_create_pe_dma_window },
        { "ibm,remove-pe-dma-window", rtas_ibm_remove_pe_dma_window },
        { "ibm,reset-pe-dma-window", rtas_ibm_reset_pe_dma_window },
    };
    size_t i;

    m->rtas_calls++;
    for (i = 0; i < G_N_ELEMENTS(services); i++) {
        if (strcmp(services[i].name, service) == 0) {
            services[i].fn(nargs, args, nret, rets);
            return;
        }
    }
    if (nret > 0) {
        rets[0] = (uint32_t)RTAS_OUT_PARAM_ERROR;
    }
}

SpaprTceTable *machine_window_for(PseriesMachine *m, uint64_t bus_addr)
{
    unsigned n;

    for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
        SpaprTceTable *tcet = spapr_phb_get_window(m->phb, n);
        uint64_t start;

        if (!tcet || spapr_tce_get_nb_table(tcet) == 0) {
            continue;
        }
        /* By page index: a window may end at 2^64. */
        start = spapr_tce_get_bus_offset(tcet);
        if (bus_addr >= start &&
            (bus_addr - start) >> spapr_tce_get_page_shift(tcet) <
            spapr_tce_get_nb_table(tcet)) {
            return tcet;
        }
    }
    return NULL;
}
