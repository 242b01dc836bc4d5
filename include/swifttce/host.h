/*
 * SwiftTCE host mode: the sPAPR TCE engine for an emulator that has its own
 * memory core.
 *
 * The emulator keeps its IOMMU regions, notifier lists, Error objects, LIOBN
 * list, trace points and vmstate registration; SwiftTCE keeps a table's
 * entries and answers translate, replay, the four TCE hypercalls, the DDW
 * window logic and the table's migration bytes. Every C symbol the host
 * libraries define starts with swifttce_, so they link beside QEMU's own
 * memory_region_*, iommu_notifier_*, error_* and spapr_* functions.
 *
 * Statuses: 0 or a negative errno for set-up calls; PAPR codes
 * (SWIFTTCE_H_*) for the hypercalls; RTAS codes (SWIFTTCE_RTAS_*) in rets[0]
 * for the DDW calls. Failures leave the table as it was, and report a message
 * through the host's set_error when the call takes a host_errp.
 *
 * Threads, per table:
 *  - swifttce_translate, swifttce_lookup (and its inline fast path,
 *    swifttce_lookup_fast) and swifttce_get_tce run on any thread at any
 *    time, lock-free and allocation-free, even while another thread
 *    disables, resets, loads, moves (swifttce_table_set_storage) or frees
 *    the table. Storage they may still be reading is
 *    released through the host's defer_free (QEMU: call_rcu), so callers must
 *    be inside the host's read-side section (QEMU: rcu_read_lock) as QEMU's
 *    own translate callers are; with no defer_free, SwiftTCE tracks its
 *    readers itself and callers need nothing.
 *  - Everything else that changes or walks a table (enable, disable, reset,
 *    the writing hypercalls, replay, vmstate) is serialised on the table
 *    internally, so those calls may come from several threads. The notify
 *    and replay callbacks run with the table serialised: they may call
 *    swifttce_translate and swifttce_get_tce on any table, and the writing
 *    calls on other tables; a write to the same table from its own callback
 *    is refused with SWIFTTCE_H_HARDWARE instead of deadlocking.
 *  - swifttce_table_free and swifttce_phb_free must not race other calls on
 *    the same object (the host frees what it stopped using).
 *
 * This header is plain C and includes no other SwiftTCE header.
 */
#ifndef SWIFTTCE_HOST_H
#define SWIFTTCE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The package's version (the Makefile's SWIFTTCE_VERSION), defined exactly
 * as swifttce.h defines it: the two headers may be included together.
 */
#define SWIFTTCE_VERSION_MAJOR 0
#define SWIFTTCE_VERSION_MINOR 3
#define SWIFTTCE_VERSION_PATCH 0
#define SWIFTTCE_VERSION "0.3.0"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Codes and TCE format -------------------------------------------- */

/* PAPR hypercall returns (QEMU: H_SUCCESS, H_HARDWARE, H_PARAMETER). */
#define SWIFTTCE_H_SUCCESS     0
#define SWIFTTCE_H_HARDWARE   -1
#define SWIFTTCE_H_PARAMETER  -4

/* RTAS returns (QEMU: RTAS_OUT_SUCCESS, _HW_ERROR, _PARAM_ERROR). */
#define SWIFTTCE_RTAS_SUCCESS      0
#define SWIFTTCE_RTAS_HW_ERROR    -1
#define SWIFTTCE_RTAS_PARAM_ERROR -3

/* TCE permission bits; the rest of a TCE is the guest page address. */
#define SWIFTTCE_TCE_READ  0x1
#define SWIFTTCE_TCE_WRITE 0x2

/* H_PUT_TCE_INDIRECT takes at most this many TCEs (one 4 KiB page). */
#define SWIFTTCE_INDIRECT_MAX 512

/* ---- Types ------------------------------------------------------------ */

/* One DMA window's TCE table. Opaque; created by swifttce_table_new. */
typedef struct SwiftTCETable SwiftTCETable;

/* One PCI host bridge's DMA windows (the DDW logic). Opaque. */
typedef struct SwiftTCEPhb SwiftTCEPhb;

/* One TCE as translate and replay see it. */
typedef struct SwiftTCEMapping {
    uint64_t iova;            /* window-relative, page aligned */
    uint64_t translated_addr; /* the TCE masked to the page */
    uint64_t addr_mask;       /* page size - 1 */
    uint32_t perm;            /* tce & 3: 0 none, 1 read, 2 write, 3 both */
} SwiftTCEMapping;

/*
 * What the host does for a table. Copied by swifttce_table_new; size lets a
 * host built against an older header pass a shorter table (missing hooks
 * are NULL). Any hook may be NULL.
 */
typedef struct SwiftTCEHostOps {
    size_t size;              /* sizeof(SwiftTCEHostOps) as the host was built */
    /*
     * An entry was written: called once per written entry, after the write,
     * on the writing thread, in write order (QEMU: put_tce_emu's
     * memory_region_notify_iommu). perm 0 is an unmap. host_table is what
     * swifttce_table_new got. Not called while swifttce_table_set_notify
     * has turned notification off.
     */
    void (*notify)(void *host_table, const SwiftTCEMapping *m);
    /*
     * Reads guest memory (H_PUT_TCE_INDIRECT's list). false: unreadable,
     * and the list reads as zeros, as QEMU's ldq_be_phys reads unassigned
     * memory (the guest can tell): a QEMU host returns what
     * address_space_read put in buf, and true, whatever its MemTxResult.
     * NULL: H_PUT_TCE_INDIRECT is H_PARAMETER.
     */
    bool (*read_guest)(void *guest, uint64_t gpa, void *buf, size_t len);
    /*
     * Runs fn(arg) once no translate that started before this call can still
     * be reading (QEMU: call_rcu). NULL: SwiftTCE reclaims safely on its own.
     */
    void (*defer_free)(void (*fn)(void *), void *arg);
    /* Hands an error message to the host's error object (QEMU: error_setg). */
    void (*set_error)(void *host_errp, const char *msg);
} SwiftTCEHostOps;

/* ---- Tables ----------------------------------------------------------- */

/*
 * A new, disabled table (min page size 1, every translate unmapped). ops is
 * copied; host_table is passed back to ops->notify. NULL when ops is NULL,
 * ops->size is smaller than the size field, or memory runs out.
 */
SwiftTCETable *swifttce_table_new(const SwiftTCEHostOps *ops, void *host_table);

/*
 * Gives a disabled table nb_table entries of 1 << page_shift bytes at
 * bus_offset (QEMU: spapr_tce_table_enable, minus the region work the host
 * does). -EINVAL when t is NULL or enabled, for page_shift 0 or > 63, for
 * nb_table 0, or when the window would pass 2^64 (it may end exactly there);
 * -ENOMEM when storage cannot be had. A window of up to 2^22 entries is a flat
 * array the kernel commits a page at a time, as the guest writes; a bigger
 * one is a tree that costs what is mapped.
 */
int swifttce_table_enable(SwiftTCETable *t, uint32_t page_shift,
                          uint64_t bus_offset, uint32_t nb_table,
                          void *host_errp);

/*
 * Tables over host-provided storage (QEMU under KVM: the mapping that
 * kvmppc_create_spapr_tce returns, nb_table host-endian u64 TCEs that the
 * kernel's in-kernel H_PUT_TCE writes at any time, and that VFIO is given).
 *
 * swifttce_table_enable_external is swifttce_table_enable with the
 * window's entries in entries[0..nb_table) (8-byte aligned), as they are
 * (a new KVM table is zeros); nothing is notified. Besides
 * swifttce_table_enable's errors: -EINVAL for NULL or misaligned entries,
 * -ENOTSUP when this machine gives no grace period (no membarrier, no
 * mprotect), which letting go of the host's array safely needs.
 *
 * While the window is there, everything reads the array and sees what
 * anyone wrote: translate, lookup and H_GET_TCE (as announced reads: the
 * inline fast path never reads a host's array, so these are
 * swifttce_lookup's speed, not QEMU's one load), replay (a scan of the
 * whole array, notifying what QEMU's walk would), reset (zeroes it) and
 * vmstate save. The hypercalls write it and notify as usual.
 * swifttce_table_storage_bytes counts none of it.
 *
 * The engine never frees or unmaps the host's array. Once
 * swifttce_table_disable, swifttce_table_set_storage (to other storage),
 * swifttce_table_free or a swifttce_table_vmstate_load that changes the
 * geometry returns, no call of the engine's still reads or writes it: the
 * host may unmap it at once. A load whose stream has the window's own
 * geometry writes the stream's entries into the array (QEMU's post_load
 * copies into the table it has); one with another geometry gives the table
 * the engine's own storage (swifttce_table_entries says which).
 */
int swifttce_table_enable_external(SwiftTCETable *t, uint32_t page_shift,
                                   uint64_t bus_offset, uint32_t nb_table,
                                   uint64_t *entries, void *host_errp);

/*
 * Moves an enabled table's entries, every one, to other storage: the
 * host's array entries[0..nb_table) (every entry written, zeros too), or
 * the engine's own storage for NULL; then switches to it and lets the old
 * storage go (as above: a host's array may be unmapped once this returns).
 * QEMU: spapr_tce_set_need_vfio's copy, then switch. Translate answers
 * throughout, the old entries or the same ones in the new place; nothing
 * is notified. The host keeps the kernel from writing the old array during
 * the call (as QEMU's memcpy needs too). 0 also when the entries are there
 * already; -EINVAL when t is NULL or disabled or entries misaligned,
 * -ENOMEM, -ENOTSUP as above; the table unchanged on error.
 */
int swifttce_table_set_storage(SwiftTCETable *t, uint64_t *entries,
                               void *host_errp);

/* The host's array the window's entries are in; NULL for the engine's own
 * storage, a disabled table or NULL. */
uint64_t *swifttce_table_entries(const SwiftTCETable *t);

/*
 * Drops the window and every entry (QEMU: spapr_tce_table_disable); nothing
 * is notified. The storage goes through defer_free (a host's array is the
 * host's, to unmap once this returns). A disabled table (or NULL) is left
 * alone.
 */
void swifttce_table_disable(SwiftTCETable *t);

/* Zeroes every entry without notifying (QEMU: device reset). */
void swifttce_table_reset(SwiftTCETable *t);

/* Frees the table (disabled first); its memory goes through defer_free. */
void swifttce_table_free(SwiftTCETable *t);

/* 1 << page_shift; 1 while disabled (QEMU: get_min_page_size). 0 for NULL. */
uint64_t swifttce_table_min_page_size(const SwiftTCETable *t);

/* The window's geometry; all 0 while disabled (or for NULL). */
uint32_t swifttce_table_page_shift(const SwiftTCETable *t);
uint64_t swifttce_table_bus_offset(const SwiftTCETable *t);
uint32_t swifttce_table_nb_table(const SwiftTCETable *t);

/*
 * Whether written entries are reported through ops->notify (on after
 * swifttce_table_new). A host turns it on and off as its first notifier
 * comes and its last goes (QEMU: notify_flag_changed, need_vfio); while it
 * is off, clearing entries that were never written costs nothing.
 */
void swifttce_table_set_notify(SwiftTCETable *t, bool on);

/*
 * Bytes of memory the table's entries hold now: committed pages of a flat
 * window, nodes of a tree (not counting up to 32 KiB of nodes unlinked and
 * waiting for their grace period). 0 while disabled.
 */
size_t swifttce_table_storage_bytes(const SwiftTCETable *t);

/* ---- Translate and replay -------------------------------------------- */

/*
 * QEMU's spapr_tce_translate_iommu: addr is window-relative (bus offset
 * subtracted). Outside the window (or disabled, or NULL t): iova 0,
 * translated_addr 0, addr_mask ~0, perm 0. Never NULL out.
 */
void swifttce_translate(const SwiftTCETable *t, uint64_t addr,
                        SwiftTCEMapping *out);

/*
 * swifttce_translate's answer in two registers, for a host's translate
 * callback on its hot path (no memory between the two): the raw TCE and the
 * page mask, both 0 outside the window (or disabled, or NULL t). The entry
 * is swifttce_lookup_mapping's.
 */
typedef struct SwiftTCELookup {
    uint64_t tce;
    uint64_t page_mask;       /* ~(page size - 1); 0: unmapped */
} SwiftTCELookup;

/* Any thread, any time, as swifttce_translate; addr is window-relative. */
SwiftTCELookup swifttce_lookup(const SwiftTCETable *t, uint64_t addr);

/*
 * What swifttce_lookup_inline reads, in the host's own code: a table handle
 * points at one of these, and the engine's state follows it in the same
 * block (so no layout of the engine's own is relied on). The engine keeps
 * both words current; the host only reads them, with __atomic loads.
 *  - geometry: count << SWIFTTCE_FAST_COUNT_SHIFT | generation << 6 |
 *    page_shift. count (23 bits) is how many of the window's entries are
 *    entries[0..count), read directly (0: none, ask swifttce_lookup; so it
 *    is for a tree, host-provided storage, a disabled table, or while the
 *    standalone library traces translations); page_shift (6 bits) is the
 *    window's, 1..63 while count is not 0; generation (35 bits) moves on
 *    with every change of the word, and the engine changes the word before
 *    any entry of entries[] stops being the window's. A read that finds the
 *    same word before and after its load of an entry got the window's
 *    entry (a sequence lock).
 *  - entries: the table's own flat array: set before the first count that
 *    is not 0 and mapped for as long as the table's memory lives, so a
 *    load from it below the count of a word once read is always safe.
 */
typedef struct SwiftTCEFastPath {
    uint64_t geometry;
    uint64_t *entries;
} SwiftTCEFastPath;

#define SWIFTTCE_FAST_COUNT_SHIFT 41
#define SWIFTTCE_FAST_SHIFT_MASK  63

#ifndef __cplusplus
_Static_assert(__builtin_offsetof(SwiftTCEFastPath, geometry) == 0 &&
               __builtin_offsetof(SwiftTCEFastPath, entries) == 8 &&
               sizeof(SwiftTCEFastPath) == 16,
               "SwiftTCEFastPath: the geometry word, then the array");
_Static_assert(SWIFTTCE_FAST_COUNT_SHIFT == 64 - 23 &&
               SWIFTTCE_FAST_SHIFT_MASK == (1 << 6) - 1,
               "the geometry word: count 23 bits, generation 35, shift 6");
#endif

/*
 * swifttce_lookup's fast path, inlined into the host's translate callback
 * (GCC or Clang): for a flat window's entry, a range check, one load and a
 * second look at the geometry word, and true with *l as swifttce_lookup
 * would answer. false (*l untouched) for anything else: a tree,
 * host-provided storage, an address outside the window, a change in
 * between, a NULL t; then swifttce_lookup answers. Same threads as
 * swifttce_lookup.
 */
static inline bool swifttce_lookup_fast(const SwiftTCETable *t, uint64_t addr,
                                        SwiftTCELookup *l)
{
    const SwiftTCEFastPath *fast = (const SwiftTCEFastPath *)(const void *)t;
    uint64_t geometry, shift, index, tce;
    uint64_t *entries;

    if (__builtin_expect(!fast, 0)) {
        return false;
    }
    geometry = __atomic_load_n(&fast->geometry, __ATOMIC_ACQUIRE);
    shift = geometry & SWIFTTCE_FAST_SHIFT_MASK;
    index = addr >> shift;
    if (__builtin_expect(index >= geometry >> SWIFTTCE_FAST_COUNT_SHIFT, 0)) {
        return false;
    }
    entries = __atomic_load_n(&fast->entries, __ATOMIC_RELAXED);
    /*
     * Acquire: the entry's load before the second look at the word (as a
     * fence would, which ThreadSanitizer does not model: GCC warns).
     */
    tce = __atomic_load_n(&entries[index], __ATOMIC_ACQUIRE);
    if (__builtin_expect(__atomic_load_n(&fast->geometry, __ATOMIC_RELAXED) !=
                         geometry, 0)) {
        return false;
    }
    l->tce = tce;
    l->page_mask = ~UINT64_C(0) << shift;
    return true;
}

/*
 * swifttce_lookup with its fast path inlined: any thread, any time, the
 * same answers. With GCC, a callback that goes on after this call gets a
 * stack frame for the out-of-line case; one that calls
 * swifttce_lookup_fast and hands the false case to a function of its own
 * (cold, not inlined) does not: make bench's host_translate rows do that.
 */
static inline SwiftTCELookup swifttce_lookup_inline(const SwiftTCETable *t,
                                                    uint64_t addr)
{
    SwiftTCELookup l;

    if (__builtin_expect(swifttce_lookup_fast(t, addr, &l), 1)) {
        return l;
    }
    return swifttce_lookup(t, addr);
}

/* The mapping a lookup of addr stands for (what swifttce_translate gives). */
static inline SwiftTCEMapping swifttce_lookup_mapping(SwiftTCELookup l,
                                                      uint64_t addr)
{
    SwiftTCEMapping m = {
        addr & l.page_mask, l.tce & l.page_mask, ~l.page_mask,
        (uint32_t)(l.tce & (SWIFTTCE_TCE_READ | SWIFTTCE_TCE_WRITE)),
    };
    return m;
}

/*
 * What QEMU's generic replay walk would notify, at the cost of what is
 * mapped: fn(opaque, m) for every entry with perm != 0, ascending iova,
 * iova < limit (UINT64_MAX: no limit, as a region of size 2^64). The walk
 * sees a consistent table: writers wait until it returns.
 */
void swifttce_replay(const SwiftTCETable *t, uint64_t limit,
                     void (*fn)(void *opaque, const SwiftTCEMapping *m),
                     void *opaque);

/* ---- Hypercalls ------------------------------------------------------- */

/*
 * The TCE hypercalls on a table the host found by LIOBN, with QEMU's checks
 * after the lookup: ioba is masked to the table's page, index =
 * (ioba - bus_offset) >> page_shift must be below nb_table. They answer
 * SWIFTTCE_H_SUCCESS or SWIFTTCE_H_PARAMETER (NULL t, or get_tce's tce
 * NULL: H_PARAMETER), and SWIFTTCE_H_HARDWARE only when memory for a new
 * part of the table runs out or a callback wrote to its own table. Each
 * written entry is notified once (ops->notify).
 */
int64_t swifttce_put_tce(SwiftTCETable *t, uint64_t ioba, uint64_t tce);
int64_t swifttce_get_tce(const SwiftTCETable *t, uint64_t ioba, uint64_t *tce);
/* npages above nb_table or 0: H_PARAMETER; stops at the first error. */
int64_t swifttce_stuff_tce(SwiftTCETable *t, uint64_t ioba, uint64_t tce_value,
                           uint64_t npages);
/*
 * npages (1..512) big-endian TCEs at guest address tce_list (4 KiB aligned),
 * read with one ops->read_guest(guest, ...) call: an unreadable list reads
 * as zeros (QEMU's ldq_be_phys: the entries are cleared and notified); no
 * read_guest hook is H_PARAMETER with nothing written. Stops at the first
 * error; earlier entries stay written and notified.
 */
int64_t swifttce_put_tce_indirect(SwiftTCETable *t, uint64_t ioba,
                                  uint64_t tce_list, uint64_t npages,
                                  void *guest);

/*
 * What QEMU's trace event of a stuff or indirect call shows, for a host
 * that traces as QEMU does (put and get show the ioba masked to the page,
 * which the host can compute).
 */
typedef struct SwiftTCECallTrace {
    bool traced;      /* QEMU traces this call: false when it returned before
                         (stuff: npages > nb_table; indirect: npages > 512
                         or a misaligned list) */
    uint64_t ioba;    /* stuff: the ioba QEMU's event shows, the first page
                         not written */
    uint64_t index;   /* indirect: iobaN, the last entry written, or the one
                         before the entry that failed (0 if the first did) */
    uint64_t tce;     /* indirect: tceN, the last TCE read from the list */
} SwiftTCECallTrace;

/* swifttce_stuff_tce, also filling *trace (when not NULL). */
int64_t swifttce_stuff_tce_trace(SwiftTCETable *t, uint64_t ioba,
                                 uint64_t tce_value, uint64_t npages,
                                 SwiftTCECallTrace *trace);
/* swifttce_put_tce_indirect, also filling *trace (when not NULL). */
int64_t swifttce_put_tce_indirect_trace(SwiftTCETable *t, uint64_t ioba,
                                        uint64_t tce_list, uint64_t npages,
                                        void *guest,
                                        SwiftTCECallTrace *trace);

/* ---- Dynamic DMA windows (one PHB) ------------------------------------ */

#define SWIFTTCE_PHB_MAX_WINDOWS 2

/* QEMU's spapr-pci-host-bridge properties that DMA depends on. */
typedef struct SwiftTCEPhbConfig {
    uint32_t dma_liobn[SWIFTTCE_PHB_MAX_WINDOWS]; /* each window's LIOBN */
    uint64_t dma_win_addr;    /* default window's bus address (0) */
    uint64_t dma_win_size;    /* default window's size (1 GiB, 4 KiB pages) */
    uint64_t dma64_win_addr;  /* 64-bit windows' bus address */
    uint64_t pgsz;            /* bit n set: 2^n-byte pages offered */
    bool ddw;                 /* the four RTAS calls are offered */
} SwiftTCEPhbConfig;

/* What the engine asks the host to do to the PHB's windows. */
typedef struct SwiftTCEPhbOps {
    size_t size;              /* sizeof(SwiftTCEPhbOps) as the host was built */
    /*
     * Enable window n (QEMU: spapr_tce_table_enable): the host calls
     * swifttce_table_enable on the window's table and does its region work.
     * creating: ibm,create-pe-dma-window is enabling a new, empty window
     * (QEMU sets the table's skipping_replay around this call).
     */
    void (*enable_window)(void *host_phb, unsigned n, uint32_t page_shift,
                          uint64_t bus_offset, uint32_t nb_table,
                          bool creating);
    /* Disable window n (QEMU: spapr_tce_table_disable). */
    void (*disable_window)(void *host_phb, unsigned n);
    /*
     * ibm,remove-pe-dma-window removed window n: called after its
     * disable_window and before the default window may be restored, where
     * QEMU traces spapr_iommu_ddw_remove. May be NULL.
     */
    void (*window_removed)(void *host_phb, unsigned n);
    /*
     * Which free window ibm,create-pe-dma-window takes, which the guest
     * sees (the LIOBN returned): free has bit n set for each window whose
     * table is disabled, and is never 0. Answer one of them, or -1 for none
     * (RTAS_OUT_HW_ERROR, as QEMU's for no free LIOBN); an answer that is
     * not a free window is RTAS_OUT_HW_ERROR too. QEMU
     * (spapr_phb_get_free_liobn) takes the first SpaprTceTable child of the
     * PHB with nb_table 0 in object_child_foreach's order. Called after the
     * call's cell count and before its page size checks, as QEMU looks.
     * NULL (or a host built before this hook): the lowest free window.
     */
    int (*pick_free_window)(void *host_phb, unsigned free);
} SwiftTCEPhbOps;

/*
 * The DMA side of a PHB over tables the host created and owns: windows[n]
 * is window n's table, nwindows is 2 with DDW and 1 without (QEMU creates a
 * table per supported window). Does not enable anything: the host calls
 * swifttce_phb_dma_reset when it resets the PHB. NULL (and a message) for a
 * NULL argument, a missing hook, a default window that is not 1 to 2^32
 * pages of 4 KiB or passes 2^64, or out of memory.
 */
SwiftTCEPhb *swifttce_phb_new(const SwiftTCEPhbConfig *cfg,
                              const SwiftTCEPhbOps *ops, void *host_phb,
                              SwiftTCETable *const *windows, unsigned nwindows,
                              void *host_errp);
/* Frees the PHB's DDW state; its tables are the host's and stay. */
void swifttce_phb_free(SwiftTCEPhb *phb);

/*
 * QEMU's spapr_phb_dma_reset: every enabled window disabled, then the
 * default window enabled (4 KiB pages at dma_win_addr) and marked default.
 */
void swifttce_phb_dma_reset(SwiftTCEPhb *phb);

/*
 * Window n's def_win (QEMU: SpaprTceTable.def_win): set by the DMA reset
 * and never cleared, migrated with the table. A host sets it after loading
 * a table's vmstate.
 */
bool swifttce_phb_window_def_win(const SwiftTCEPhb *phb, unsigned n);
void swifttce_phb_set_window_def_win(SwiftTCEPhb *phb, unsigned n,
                                     bool def_win);

/*
 * The four RTAS calls on a PHB the host found (by the BUID in args[1..2];
 * remove: by the LIOBN in args[0]), with QEMU's argument and return cells
 * (rtas_ld'ed into args, rtas_st'ed from rets) and checks. phb NULL answers
 * SWIFTTCE_RTAS_PARAM_ERROR. A cell at or past nret is never written.
 * remove sets *reset (when not NULL) when it restored the default window,
 * which QEMU traces as a ddw_reset.
 */
void swifttce_rtas_query_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                       const uint32_t *args, uint32_t nret,
                                       uint32_t *rets);
void swifttce_rtas_create_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                        const uint32_t *args, uint32_t nret,
                                        uint32_t *rets);
void swifttce_rtas_remove_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                        const uint32_t *args, uint32_t nret,
                                        uint32_t *rets, bool *reset);
void swifttce_rtas_reset_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                       const uint32_t *args, uint32_t nret,
                                       uint32_t *rets);

/* ---- Migration: QEMU 7.2's "spapr_iommu" vmstate section --------------- */

/*
 * The host keeps QEMU's VMStateDescription (liobn, mig_nb_table, bypass,
 * mig_table, def_win, the "spapr_iommu_ex" subsection with bus_offset and
 * page_shift) and its fields; the engine gives the entries on save and
 * takes them on load. bypass and def_win are the host's alone (QEMU: a VIO
 * device's bypass regions, the PHB's def_win): the engine neither keeps nor
 * applies them.
 *
 * QEMU's vmstate core counts mig_table's elements in an int: it sends no
 * entry for a window of more than SWIFTTCE_VMSTATE_NB_TABLE_MAX entries, and
 * a stock destination then aborts. A host refuses to save such a window
 * (swifttce_table_vmstate_save does), and a load of such a stream, which
 * delivers none of its entries, is refused by swifttce_load_commit.
 */
#define SWIFTTCE_VMSTATE_NB_TABLE_MAX 0x7fffffffu

/*
 * Save: entries first .. first + count - 1 into tces, clipped at nb_table;
 * returns how many were written (0 from first >= nb_table, for a disabled
 * table, NULL t or tces, or from a callback of the table itself). Raw TCEs
 * in host byte order (QEMU: qemu_put_be64 each), 0 where nothing is mapped.
 * Each call is one consistent look at the table (under its lock); the
 * machine is stopped while QEMU saves, so successive calls agree. Costs
 * O(count) plus what is mapped in the range, never O(window) memory.
 */
size_t swifttce_table_read_entries(const SwiftTCETable *t, uint64_t first,
                                   uint64_t *tces, size_t count);

/* A load in progress: opaque, made by swifttce_load_new. */
typedef struct SwiftTCELoad SwiftTCELoad;

/*
 * What swifttce_load_commit did, for the host's region work and trace, as
 * QEMU's spapr_tce_table_post_load does it. Nothing is notified.
 */
typedef struct SwiftTCELoadResult {
    bool dropped;             /* the old window went: QEMU's
                                 spapr_tce_table_disable region work */
    bool made;                /* a new window: set the region's size, add
                                 it as a subregion (spapr_tce_table_enable) */
    uint32_t old_nb_table;    /* the window before the load (QEMU's
                                 post_load trace shows old_nb_table) */
    uint32_t old_page_shift;
    uint64_t old_bus_offset;
} SwiftTCELoadResult;

/*
 * Starts loading a stream of nb_table entries (its mig_nb_table) into t:
 * nothing of t changes before swifttce_load_commit. The session stages the
 * entries apart from the live window at the cost of what the stream maps
 * (16 bytes a non-zero entry), whatever nb_table is. NULL for NULL t, or
 * (with a message through host_errp) when memory runs out. The session is
 * the caller's until commit or abort; t must outlive it. A session is used
 * by one thread at a time; t stays usable meanwhile (translate, hypercalls).
 */
SwiftTCELoad *swifttce_load_new(SwiftTCETable *t, uint32_t nb_table,
                                void *host_errp);

/*
 * Hands the session count entries (raw TCEs, host byte order; QEMU:
 * qemu_get_be64 each) for indexes first .. first + count - 1. They come in
 * order: first must be the number delivered so far, and the last within
 * nb_table. 0, or a negative errno with a message through host_errp:
 * -EINVAL for NULL l, for tces NULL with count > 0, out of order or past
 * nb_table; -ENOMEM. A refused call stages nothing: the session stays as it
 * was, to continue or abort.
 */
int swifttce_load_entries(SwiftTCELoad *l, uint64_t first,
                          const uint64_t *tces, size_t count,
                          void *host_errp);

/*
 * Applies the stream with QEMU 7.2's post_load rules and consumes l
 * (always; NULL l: -EINVAL). page_shift and bus_offset are what QEMU's
 * fields hold once the subsection was loaded, or not (then the table's
 * own). If nb_table differs from the table's, the old window is dropped and,
 * for nb_table != 0, one of nb_table entries made at page_shift and
 * bus_offset; if it is the same (and not 0), the window stays: its entries
 * are replaced and its page_shift and bus_offset become the given ones, as
 * QEMU overwrites its fields. One step under the table's lock: a translate
 * sees the old window or the new one. Refused, with the table untouched, a
 * message through host_errp and *result's flags false: fewer than nb_table
 * entries delivered (-EINVAL, "delivered N of M"), a geometry that cannot be
 * enabled (page_shift 0 or > 63, a window past 2^64: -EINVAL), from a
 * callback of the table (-EINVAL), out of memory (-ENOMEM). result may be
 * NULL; its old_* fields are filled either way.
 */
int swifttce_load_commit(SwiftTCELoad *l, uint32_t page_shift,
                         uint64_t bus_offset, SwiftTCELoadResult *result,
                         void *host_errp);

/* Ends a session without touching its table (NULL: nothing). */
void swifttce_load_abort(SwiftTCELoad *l);

/*
 * The whole section body, for a host that handles a section as one buffer:
 * what follows the section header (idstr, instance_id = liobn, version 3)
 * up to the footer, byte for byte QEMU's, on the same pieces as above.
 *
 * save: the table's window and entries, with the host's bypass and def_win;
 * the subsection when bus_offset != 0 or page_shift != 12. Returns the
 * bytes written, the size needed when buf is NULL, 0 when buf_size is too
 * small. 0 with a message through host_errp for a window of more than
 * SWIFTTCE_VMSTATE_NB_TABLE_MAX entries (the stream would lose them), NULL t,
 * or from a callback of the table.
 */
size_t swifttce_table_vmstate_save(const SwiftTCETable *t, uint32_t liobn,
                                   bool bypass, bool def_win, uint8_t *buf,
                                   size_t buf_size, void *host_errp);

/*
 * load: a body of version_id 2 (no def_win: QEMU's VMSTATE_BOOL_V(def_win,
 * 3)) or 3, checked whole before anything changes (liobn, bools, length, the
 * subsection), then committed as swifttce_load_commit does with the
 * subsection's geometry or the table's own. 0, with *bypass the stream's,
 * *def_win the stream's (left alone for version 2) and *result (each may be
 * NULL); or a negative errno with a message through host_errp and the table
 * as it was: -EINVAL for NULL t, another version, a bad stream or any of
 * commit's refusals (a stream of more than SWIFTTCE_VMSTATE_NB_TABLE_MAX
 * entries, which has none: "delivered 0 of ..."), -ENOMEM.
 */
int swifttce_table_vmstate_load(SwiftTCETable *t, uint32_t liobn,
                                int version_id, const uint8_t *buf,
                                size_t len, bool *bypass, bool *def_win,
                                SwiftTCELoadResult *result, void *host_errp);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_HOST_H */
