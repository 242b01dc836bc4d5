/*
 * pseries-demo: the scripted guest driver. What a Linux guest's pseries
 * IOMMU code does for a 64-bit-capable device: ask RTAS for a dynamic DMA
 * window, then map memory into it with H_PUT_TCE_INDIRECT.
 */
#ifndef PSERIES_DEMO_GUEST_H
#define PSERIES_DEMO_GUEST_H

#include "machine.h"

/* What the script maps: a framebuffer, then DMA buffers out of a pool. */
#define GUEST_FB_WIDTH   640
#define GUEST_FB_HEIGHT  400
#define GUEST_FB_BYTES   ((uint64_t)GUEST_FB_WIDTH * GUEST_FB_HEIGHT * 4)
#define GUEST_POOL_PAGES 64     /* guest pages the DMA buffers share */
#define GUEST_BUF_PAGES  4      /* the largest buffer */

/* The framebuffer's size in IOMMU pages of page_size. */
uint64_t guest_fb_pages(uint64_t page_size);
/*
 * The guest RAM the script needs with IOMMU pages of page_size: its own
 * low memory, the framebuffer and a pool for one buffer, each page-aligned.
 */
uint64_t guest_ram_needed(uint64_t page_size);

typedef struct GuestDriver {
    PseriesMachine *m;
    uint32_t config_addr;   /* the device's PCI config address */
    hwaddr alloc_next;      /* bump allocator over guest RAM */
    hwaddr tce_list;        /* a 4 KiB page for H_PUT_TCE_INDIRECT lists */

    /* The window from ibm,create-pe-dma-window. */
    uint32_t liobn;
    uint64_t bus_offset;
    uint32_t page_shift;
    uint64_t nb_pages;

    /* From ibm,query-pe-dma-window. */
    uint32_t windows_available;
    uint32_t page_size_mask;

    unsigned tces_written;
    unsigned indirect_calls;
} GuestDriver;

void guest_init(GuestDriver *g, PseriesMachine *m);

/* Guest-physical memory, aligned; 0 and an error when RAM is full. */
hwaddr guest_alloc(GuestDriver *g, uint64_t size, uint64_t align,
                   GError **errp);

/* ibm,query-pe-dma-window then ibm,create-pe-dma-window. */
bool guest_create_ddw(GuestDriver *g, uint32_t page_shift,
                      uint32_t window_shift, GError **errp);

/*
 * What ibm,query-pe-dma-window's page size mask offers, in words: its bits
 * (LoPAPR's: 0x1 4K, 0x2 64K, 0x4 16M, ..., 0x100 2M) as page sizes from the
 * smallest, "4K, 64K, 2M and 16M" for QEMU's 0x107 (g_free it).
 */
char *guest_page_mask_str(uint32_t mask);

/* ibm,reset-pe-dma-window: back to the default window alone. */
bool guest_reset_ddw(GuestDriver *g, GError **errp);

/*
 * Maps npages guest pages from gpa at window page index first, with
 * TCE_PCI_READ/TCE_PCI_WRITE perm, 512 TCEs per H_PUT_TCE_INDIRECT.
 */
bool guest_map(GuestDriver *g, uint64_t first, hwaddr gpa, uint64_t npages,
               uint64_t perm, GError **errp);
/* H_STUFF_TCE with 0: unmaps npages from window page index first. */
bool guest_unmap(GuestDriver *g, uint64_t first, uint64_t npages,
                 GError **errp);

/* The bus address of window page index. */
uint64_t guest_bus_addr(const GuestDriver *g, uint64_t index);

/*
 * What the guest's graphics driver draws into its framebuffer (x8r8g8b8):
 * a plasma, every other IOMMU page of it a shade darker, and a ring.
 */
void guest_draw_framebuffer(uint32_t *fb, uint32_t width, uint32_t height,
                            uint64_t page_size);

#endif /* PSERIES_DEMO_GUEST_H */
