/*
 * The emulator's own memory core, cut down to what an IOMMU needs: IOMMU
 * regions with notifier lists, an RCU-like deferred free, an error object.
 *
 * The names (mc_*, Mc*) are this emulator's. SwiftTCE's host mode defines
 * only swifttce_* symbols, so an emulator keeps its own memory core and
 * names (QEMU: memory_region_*, iommu_notifier_*, call_rcu, Error) and
 * SwiftTCE fits under them; nothing here comes from SwiftTCE.
 */
#ifndef HOST_EMULATOR_MEMORY_H
#define HOST_EMULATOR_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an IOMMU answers for an address (QEMU: IOMMUTLBEntry). */
typedef struct McTLBEntry {
    uint64_t iova;            /* page aligned */
    uint64_t translated_addr; /* the guest physical page */
    uint64_t addr_mask;       /* page size - 1 */
    unsigned perm;            /* 1 read, 2 write, 3 both; 0: unmapped */
} McTLBEntry;

typedef struct McNotifier McNotifier;
typedef struct McIOMMURegion McIOMMURegion;

/*
 * A listener on an IOMMU region (QEMU: IOMMUNotifier), e.g. VFIO or vhost,
 * which mirror the guest's mappings. Told of every change in [start, end].
 */
struct McNotifier {
    void (*notify)(McNotifier *n, const McTLBEntry *e);
    uint64_t start, end;
    McNotifier *next;
};

/* The IOMMU's callbacks (QEMU: IOMMUMemoryRegionClass). */
typedef struct McIOMMUOps {
    McTLBEntry (*translate)(McIOMMURegion *mr, uint64_t addr);
    void (*replay)(McIOMMURegion *mr, McNotifier *n);
} McIOMMUOps;

/* An IOMMU region: a DMA window as devices see it. */
struct McIOMMURegion {
    const char *name;
    uint64_t size;            /* 0: not mapped into the address space */
    const McIOMMUOps *ops;
    void *opaque;             /* the ops' object */
    McNotifier *notifiers;
};

void mc_region_init(McIOMMURegion *mr, const char *name,
                    const McIOMMUOps *ops, void *opaque);
void mc_region_set_size(McIOMMURegion *mr, uint64_t size);
/* Registers n, then replays to it what is already mapped (as QEMU's VFIO). */
void mc_region_add_notifier(McIOMMURegion *mr, McNotifier *n);
void mc_region_del_notifier(McIOMMURegion *mr, McNotifier *n);
/* Tells every notifier whose range holds e->iova. */
void mc_region_notify(McIOMMURegion *mr, const McTLBEntry *e);
/* A device's DMA: translate addr (window-relative) inside a read section. */
McTLBEntry mc_dma_translate(McIOMMURegion *mr, uint64_t addr);

/*
 * RCU, single-threaded: readers bracket their accesses; mc_call_rcu queues
 * a free until no reader that began before it can still run. The main loop
 * calls mc_rcu_quiescent between steps (QEMU: the call_rcu thread).
 */
void mc_rcu_read_lock(void);
void mc_rcu_read_unlock(void);
void mc_call_rcu(void (*fn)(void *), void *arg);
/* Runs the queued frees if no reader is inside; returns how many ran. */
unsigned mc_rcu_quiescent(void);
unsigned mc_rcu_pending(void);

/* An error message a failed call leaves (QEMU: Error **errp). */
typedef struct McError {
    char msg[256];
} McError;

void mc_error_set(McError *errp, const char *msg);

#endif /* HOST_EMULATOR_MEMORY_H */
