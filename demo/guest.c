/*
 * pseries-demo: the scripted guest driver.
 */
#include "guest.h"
#include "sizes.h"

/* ibm,query-pe-dma-window's page size bits (LoPAPR), by page shift. */
static const struct {
    uint32_t shift;
    uint32_t bit;
} ddw_page_sizes[] = {
    { 12, 0x001 }, { 16, 0x002 }, { 24, 0x004 }, { 25, 0x008 }, { 26, 0x010 },
    { 27, 0x020 }, { 28, 0x040 }, { 34, 0x080 }, { 21, 0x100 },
};

static uint32_t ddw_page_bit(uint32_t shift)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ddw_page_sizes); i++) {
        if (ddw_page_sizes[i].shift == shift) {
            return ddw_page_sizes[i].bit;
        }
    }
    return 0;
}

char *guest_page_mask_str(uint32_t mask)
{
    GString *out = g_string_new(NULL);
    uint32_t known = 0, shift;
    unsigned listed = 0, total = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ddw_page_sizes); i++) {
        known |= ddw_page_sizes[i].bit;
        total += (mask & ddw_page_sizes[i].bit) != 0;
    }
    /* The bits are not in size order (2M came last): list by shift. */
    for (shift = 0; shift < 64; shift++) {
        uint32_t bit = ddw_page_bit(shift);

        if (bit && (mask & bit)) {
            g_autofree char *size = size_str_short(1ULL << shift);

            listed++;
            g_string_append_printf(out, "%s%s",
                                   listed == 1 ? ""
                                   : listed == total ? " and " : ", ",
                                   size);
        }
    }
    if (listed == 0) {
        g_string_append(out, "no page size");
    }
    if (mask & ~known) {
        g_string_append_printf(out, " (bits 0x%x unknown)", mask & ~known);
    }
    return g_string_free(out, FALSE);
}

/* Below: "firmware"; the TCE list page comes first above it. */
#define GUEST_LOW_MEMORY (1 << 20)

uint64_t guest_fb_pages(uint64_t page_size)
{
    return (GUEST_FB_BYTES + page_size - 1) / page_size;
}

uint64_t guest_ram_needed(uint64_t page_size)
{
    uint64_t first = GUEST_LOW_MEMORY + SPAPR_TCE_PAGE_SIZE;

    first = (first + page_size - 1) & ~(page_size - 1);
    return first + (guest_fb_pages(page_size) + GUEST_BUF_PAGES) * page_size;
}

void guest_init(GuestDriver *g, PseriesMachine *m)
{
    *g = (GuestDriver) {
        .m = m,
        .config_addr = 0x1 << 16 | 0x10 << 8,   /* bus 1, device 2 */
        .alloc_next = GUEST_LOW_MEMORY,
    };
    g->tce_list = guest_alloc(g, SPAPR_TCE_PAGE_SIZE, SPAPR_TCE_PAGE_SIZE,
                              NULL);
}

hwaddr guest_alloc(GuestDriver *g, uint64_t size, uint64_t align, GError **errp)
{
    hwaddr gpa = (g->alloc_next + align - 1) & ~(align - 1);

    if (gpa < g->alloc_next || gpa > g->m->ram_size ||
        size > g->m->ram_size - gpa) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
                    "guest RAM (%" G_GUINT64_FORMAT " MiB) too small for %"
                    G_GUINT64_FORMAT " more bytes aligned to %"
                    G_GUINT64_FORMAT,
                    g->m->ram_size >> 20, size, align);
        return 0;
    }
    g->alloc_next = gpa + size;
    return gpa;
}

bool guest_create_ddw(GuestDriver *g, uint32_t page_shift,
                      uint32_t window_shift, GError **errp)
{
    uint64_t buid = spapr_phb_get_buid(g->m->phb);
    uint32_t args[5] = { g->config_addr, buid >> 32, (uint32_t)buid };
    uint32_t rets[5] = { 0 };

    machine_rtas(g->m, "ibm,query-pe-dma-window", 3, args, 5, rets);
    if ((int32_t)rets[0] != RTAS_OUT_SUCCESS) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "ibm,query-pe-dma-window: status %d", (int32_t)rets[0]);
        return false;
    }
    g->windows_available = rets[1];
    g->page_size_mask = rets[3];
    if (g->windows_available == 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "ibm,query-pe-dma-window: no window available");
        return false;
    }
    if (!(g->page_size_mask & ddw_page_bit(page_shift))) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "the PHB offers no %u KiB DMA pages (page size mask 0x%x)",
                    (1u << page_shift) >> 10, g->page_size_mask);
        return false;
    }

    args[3] = page_shift;
    args[4] = window_shift;
    machine_rtas(g->m, "ibm,create-pe-dma-window", 5, args, 4, rets);
    if ((int32_t)rets[0] != RTAS_OUT_SUCCESS) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "ibm,create-pe-dma-window (2^%u bytes of 2^%u pages): "
                    "status %d", window_shift, page_shift, (int32_t)rets[0]);
        return false;
    }
    g->liobn = rets[1];
    g->bus_offset = (uint64_t)rets[2] << 32 | rets[3];
    g->page_shift = page_shift;
    g->nb_pages = 1ULL << (window_shift - page_shift);
    return true;
}

bool guest_reset_ddw(GuestDriver *g, GError **errp)
{
    uint64_t buid = spapr_phb_get_buid(g->m->phb);
    uint32_t args[3] = { g->config_addr, buid >> 32, (uint32_t)buid };
    uint32_t rets[1] = { 0 };

    machine_rtas(g->m, "ibm,reset-pe-dma-window", 3, args, 1, rets);
    if ((int32_t)rets[0] != RTAS_OUT_SUCCESS) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "ibm,reset-pe-dma-window: status %d", (int32_t)rets[0]);
        return false;
    }
    g->liobn = 0;
    g->bus_offset = 0;
    g->nb_pages = 0;
    return true;
}

uint64_t guest_bus_addr(const GuestDriver *g, uint64_t index)
{
    return g->bus_offset + (index << g->page_shift);
}

bool guest_map(GuestDriver *g, uint64_t first, hwaddr gpa, uint64_t npages,
               uint64_t perm, GError **errp)
{
    uint64_t *list = machine_ram_ptr(g->m, g->tce_list, SPAPR_TCE_PAGE_SIZE);
    uint64_t done = 0;

    while (done < npages) {
        uint64_t n = MIN(npages - done, SPAPR_TCE_PAGE_SIZE / sizeof(uint64_t));
        uint64_t args[4], i;
        int64_t ret;

        /* The list lives in guest memory, big-endian like the guest. */
        for (i = 0; i < n; i++) {
            hwaddr page = gpa + ((done + i) << g->page_shift);
            list[i] = GUINT64_TO_BE(page | perm);
        }
        args[0] = g->liobn;
        args[1] = guest_bus_addr(g, first + done);
        args[2] = g->tce_list;
        args[3] = n;
        ret = machine_hcall(g->m, H_PUT_TCE_INDIRECT, args);
        g->indirect_calls++;
        if (ret != H_SUCCESS) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "H_PUT_TCE_INDIRECT(0x%x, 0x%" G_GINT64_MODIFIER "x, %"
                        G_GUINT64_FORMAT "): %" G_GINT64_FORMAT,
                        g->liobn, args[1], n, ret);
            return false;
        }
        g->tces_written += n;
        done += n;
    }
    return true;
}

bool guest_unmap(GuestDriver *g, uint64_t first, uint64_t npages, GError **errp)
{
    uint64_t args[4] = { g->liobn, guest_bus_addr(g, first), 0, npages };
    int64_t ret = machine_hcall(g->m, H_STUFF_TCE, args);

    if (ret != H_SUCCESS) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "H_STUFF_TCE(0x%x, 0x%" G_GINT64_MODIFIER "x, 0, %"
                    G_GUINT64_FORMAT "): %" G_GINT64_FORMAT,
                    g->liobn, args[1], npages, ret);
        return false;
    }
    return true;
}
