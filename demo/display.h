/*
 * pseries-demo: a DMA display device. It knows its framebuffer only by bus
 * address, as a PCI device would, and reads it out of guest memory through
 * the IOMMU: one translate per IOMMU page it crosses. The scanned-out frame
 * is then composed with pixman (a title, background, bezel, status strip,
 * storage bar with its scale, and a legend saying what each part shows).
 */
#ifndef PSERIES_DEMO_DISPLAY_H
#define PSERIES_DEMO_DISPLAY_H

#include <pixman.h>

#include "machine.h"

typedef struct DmaDisplay {
    PseriesMachine *m;
    uint64_t fb_bus;            /* the framebuffer's bus address */
    uint32_t width, height, stride;

    uint32_t *scanout;          /* what the device read, x8r8g8b8 */
    unsigned translations;      /* translate calls in the last scan-out */
    unsigned faults;            /* pages that did not translate readable */
} DmaDisplay;

void display_init(DmaDisplay *d, PseriesMachine *m, uint64_t fb_bus,
                  uint32_t width, uint32_t height);
void display_cleanup(DmaDisplay *d);

/* Reads the framebuffer by DMA; false when any page faulted. */
bool display_scanout(DmaDisplay *d);

/* One cell of the status strip: a DMA buffer and how it ended up. */
typedef enum {
    STATUS_MAPPED_OK,           /* mapped, and the container agrees */
    STATUS_UNMAPPED_OK,         /* unmapped, and the container agrees */
    STATUS_MISMATCH,            /* container and table disagree */
} StatusCell;

typedef struct DisplayStatus {
    const StatusCell *cells;
    unsigned ncells;
    uint64_t window_bytes;      /* the window scanned out through */
    uint64_t page_size;         /* the window's IOMMU page: the frame's bands */
    uint64_t storage_bytes;     /* the window's table */
    uint64_t flat_bytes;        /* a flat table for the same window */
} DisplayStatus;

/* Composes the scanned-out frame; returns a new image (unref it). */
pixman_image_t *display_compose(DmaDisplay *d, const DisplayStatus *status);

#endif /* PSERIES_DEMO_DISPLAY_H */
