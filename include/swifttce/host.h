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
 * docs/host-mode.md is the design: who owns what, threads, storage, the
 * fast path, migration.
 *
 * Statuses: 0 or a negative errno for set-up calls; PAPR codes
 * (SWIFTTCE_H_*) for the hypercalls; RTAS codes (SWIFTTCE_RTAS_*) in rets[0]
 * for the DDW calls. Failures leave the table as it was.
 *
 * Errors: a call that takes a host_errp and fails hands its table's
 * ops->set_error(host_errp, message) a message first, whatever host_errp is
 * (NULL too: QEMU's error_setg ignores a NULL errp). The one exception is a
 * call with no table to report through: a NULL table or load session (and
 * swifttce_phb_new given no table), which fails with no message. A QEMU
 * host that passes its errp on checks its handle first, or reports the
 * status itself.
 *
 * Threads, per table:
 *  - swifttce_translate, swifttce_lookup (and its inline fast path,
 *    swifttce_lookup_fast) and swifttce_get_tce run on any thread at any
 *    time, lock-free and allocation-free, even while another thread
 *    disables, resets, loads, moves (swifttce_table_set_storage) or frees
 *    the table. Storage they may still be reading is released through the
 *    host's defer_free (QEMU: call_rcu), so callers must be inside the
 *    host's read-side section (QEMU: rcu_read_lock) as QEMU's own translate
 *    callers are; with no defer_free, SwiftTCE tracks its readers itself and
 *    callers need nothing.
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
 * Each function and struct has a kernel-doc comment, as QEMU's
 * include/exec/memory.h does (Tests/header-comments.sh holds them to it).
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

/* ---- Version ---------------------------------------------------------- */

/**
 * swifttce_version: the version of the library that was loaded, for a host
 * that links or dlopens libswifttce-host.so and compares it with the
 * SWIFTTCE_VERSION it was built against (README "Versions and ABI")
 *
 * Returns: SWIFTTCE_VERSION as the library was built, e.g. "0.3.0"; a
 * static string, never NULL, never to be freed.
 */
const char *swifttce_version(void);

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

/**
 * SwiftTCEMapping: one TCE as translate and replay see it (QEMU's
 * IOMMUTLBEntry without target_as). Four 8-byte words: the engine writes it
 * as two 16-byte stores (its layout is asserted where the engine is built).
 *
 * @iova: window-relative, page aligned
 * @translated_addr: the TCE masked to the page
 * @addr_mask: page size - 1 (~0 outside the window)
 * @perm: tce & 3: 0 none, 1 read, 2 write, 3 both
 */
typedef struct SwiftTCEMapping {
    uint64_t iova;
    uint64_t translated_addr;
    uint64_t addr_mask;
    uint32_t perm;
} SwiftTCEMapping;

/**
 * SwiftTCEHostOps: what the host does for a table. Copied by
 * swifttce_table_new; size lets a host built against an older header pass
 * a shorter table (missing hooks are NULL). Any hook may be NULL.
 *
 * @size: sizeof(SwiftTCEHostOps) as the host was built
 * @notify: notify(host_table, m): an entry was written. Called once per
 *     written entry, after the write, on the writing thread, in write order
 *     (QEMU: put_tce_emu's memory_region_notify_iommu); m->perm 0 is an
 *     unmap. host_table is what swifttce_table_new got. Not called while
 *     swifttce_table_set_notify has turned notification off (it is on after
 *     swifttce_table_new).
 * @read_guest: read_guest(guest, gpa, buf, len): reads guest memory
 *     (H_PUT_TCE_INDIRECT's list) into buf. guest is what the hypercall got,
 *     as it is (NULL too: the guest is the host's). false: unreadable, and
 *     the list reads as zeros, as QEMU's ldq_be_phys reads unassigned memory
 *     (the guest can tell): a QEMU host returns what address_space_read put
 *     in buf, and true, whatever its MemTxResult. NULL hook:
 *     H_PUT_TCE_INDIRECT is H_PARAMETER.
 * @defer_free: defer_free(fn, arg): runs fn(arg) once no translate that
 *     started before this call can still be reading (QEMU: call_rcu). NULL:
 *     SwiftTCE reclaims safely on its own.
 * @set_error: set_error(host_errp, msg): hands an error message to the
 *     host's error object (QEMU: error_setg(host_errp, "%s", msg)), with the
 *     host_errp the failing call got, NULL included.
 * @notify_range: notify_range(host_table, first, count, stride): a run of
 *     count written entries, reported at once. When set it replaces notify
 *     for every write (notify is then never called; a H_PUT_TCE is a run of
 *     1), and it is likewise not called while notification is off. Entry
 *     k of the run (0 <= k < count) is *first with iova first->iova +
 *     k * (first->addr_mask + 1) and translated_addr first->translated_addr
 *     + k * stride (modulo 2^64); addr_mask and perm are first's. A run is
 *     consecutive entries written by one hypercall whose raw TCEs are all
 *     equal (stride 0: H_STUFF_TCE's whole range, or equal TCEs of a
 *     H_PUT_TCE_INDIRECT list, zeros included) or each the previous one
 *     plus the page size (stride = page size: page-contiguous maps, or
 *     unmaps, with the same perm and low bits); the engine makes each run
 *     as long as that allows (a run of 1 has stride 0). Runs come after all
 *     of the call's writes (a callback sees the call's later runs written
 *     too), in write order, on the writing thread, and cover exactly the
 *     entries notify would have been called for, in the same order: a
 *     listener that expands each run ends in the same state. A QEMU host
 *     turns a run into events per notifier: the part in the notifier's
 *     [start, end] (QEMU asserts an event lies inside a notifier's range),
 *     as aligned power-of-two blocks whose addr_mask covers the block (what
 *     QEMU's notifiers and VFIO take for an UNMAP: its size is addr_mask +
 *     1), and per entry where a block would not be one mapping (a stride 0
 *     run of maps). A H_STUFF_TCE clear then costs the host one call and
 *     the engine what was mapped, whatever the range spans.
 */
typedef struct SwiftTCEHostOps {
    size_t size;
    void (*notify)(void *host_table, const SwiftTCEMapping *m);
    bool (*read_guest)(void *guest, uint64_t gpa, void *buf, size_t len);
    void (*defer_free)(void (*fn)(void *), void *arg);
    void (*set_error)(void *host_errp, const char *msg);
    void (*notify_range)(void *host_table, const SwiftTCEMapping *first,
                         uint64_t count, uint64_t stride);
} SwiftTCEHostOps;

/* ---- Tables ----------------------------------------------------------- */

/**
 * swifttce_table_new: a new, disabled table (min page size 1, every
 * translate unmapped, notification on)
 *
 * @ops: the host's hooks, copied (NULL: no table)
 * @host_table: passed back to ops->notify as its host_table
 *
 * Returns: the table; NULL when ops is NULL, ops->size is smaller than the
 * size field, or memory runs out.
 */
SwiftTCETable *swifttce_table_new(const SwiftTCEHostOps *ops, void *host_table);

/**
 * swifttce_table_enable: gives a disabled table nb_table entries of
 * 1 << page_shift bytes at bus_offset (QEMU: spapr_tce_table_enable, minus
 * the region work the host does)
 *
 * A window of up to 2^22 entries is a flat array the kernel commits a page
 * at a time, as the guest writes; a bigger one is a tree that costs what is
 * mapped. bus_offset need not be page aligned: QEMU does not check it
 * either, and the hypercalls mask ioba to the page before subtracting it,
 * as QEMU's do.
 *
 * @t: the table (NULL: -EINVAL, no message)
 * @page_shift: log2 of the page size, 1..63
 * @bus_offset: the window's first bus address
 * @nb_table: entries, at least 1
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: 0; -EINVAL when t is enabled, for page_shift 0 or > 63, for
 * nb_table 0 (what a DDW create of 2^32 entries or more hands over, see
 * SwiftTCEPhbOps), or when the window would pass 2^64 (it may end exactly
 * there), and from a callback of the table; -ENOMEM when storage cannot be
 * had; -ENOTSUP when the last window's storage could not be let go (no
 * grace period: a memory barrier that worked failed; the table stays
 * disabled).
 */
int swifttce_table_enable(SwiftTCETable *t, uint32_t page_shift,
                          uint64_t bus_offset, uint32_t nb_table,
                          void *host_errp);

/**
 * swifttce_table_enable_external: swifttce_table_enable over storage the
 * host provides
 *
 * Tables over host-provided storage are QEMU under KVM: the mapping that
 * kvmppc_create_spapr_tce returns, nb_table host-endian u64 TCEs that the
 * kernel's in-kernel H_PUT_TCE writes at any time, and that VFIO is given.
 * The window's entries are entries[0..nb_table), as they are (a new KVM
 * table is zeros); nothing is notified.
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
 *
 * @t: the table (NULL: -EINVAL, no message)
 * @page_shift: as swifttce_table_enable's
 * @bus_offset: as swifttce_table_enable's
 * @nb_table: as swifttce_table_enable's
 * @entries: the host's array of nb_table entries, 8-byte aligned
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: 0; swifttce_table_enable's errors; -EINVAL for NULL or
 * misaligned entries; -ENOTSUP when no grace period can be had (a memory
 * barrier that worked failed), which letting go of the host's array safely
 * needs.
 */
int swifttce_table_enable_external(SwiftTCETable *t, uint32_t page_shift,
                                   uint64_t bus_offset, uint32_t nb_table,
                                   uint64_t *entries, void *host_errp);

/**
 * swifttce_table_set_storage: moves an enabled table's entries, every one,
 * to other storage (QEMU: spapr_tce_set_need_vfio's copy, then switch)
 *
 * The entries are copied to the host's array (every entry written, zeros
 * too) or to the engine's own storage; the table then switches to them and
 * lets the old storage go (a host's array may be unmapped once this
 * returns). Translate answers throughout, the old entries or the same ones
 * in the new place; nothing is notified. The host keeps the kernel from
 * writing the old array during the call (as QEMU's memcpy needs too).
 *
 * @t: the table (NULL: -EINVAL, no message)
 * @entries: the host's array of nb_table entries, 8-byte aligned; NULL: the
 *     engine's own storage
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: 0, also when the entries are there already; -EINVAL when t is
 * disabled or entries misaligned, -ENOMEM, -ENOTSUP as
 * swifttce_table_enable_external's, and when an earlier move's storage
 * could not be let go; the table unchanged on error.
 */
int swifttce_table_set_storage(SwiftTCETable *t, uint64_t *entries,
                               void *host_errp);

/**
 * swifttce_table_entries: where the window's entries are
 *
 * @t: the table
 *
 * Returns: the host's array the window's entries are in; NULL for the
 * engine's own storage, a disabled table or NULL t.
 */
uint64_t *swifttce_table_entries(const SwiftTCETable *t);

/**
 * swifttce_table_disable: drops the window and every entry (QEMU:
 * spapr_tce_table_disable); nothing is notified
 *
 * The storage goes through defer_free (a host's array is the host's, to
 * unmap once this returns). A disabled table (or NULL) is left alone.
 *
 * @t: the table
 */
void swifttce_table_disable(SwiftTCETable *t);

/**
 * swifttce_table_reset: zeroes every entry without notifying (QEMU's device
 * reset of the table); the window stays. Costs what was mapped.
 *
 * @t: the table (NULL: nothing)
 */
void swifttce_table_reset(SwiftTCETable *t);

/**
 * swifttce_table_free: frees the table (disabled first); its memory goes
 * through defer_free
 *
 * @t: the table (NULL: nothing)
 */
void swifttce_table_free(SwiftTCETable *t);

/**
 * swifttce_table_min_page_size: QEMU's get_min_page_size
 *
 * @t: the table
 *
 * Returns: 1 << page_shift; 1 while disabled; 0 for NULL.
 */
uint64_t swifttce_table_min_page_size(const SwiftTCETable *t);

/**
 * swifttce_table_page_shift: the window's page shift
 *
 * @t: the table
 *
 * Returns: the page shift; 0 while disabled or for NULL.
 */
uint32_t swifttce_table_page_shift(const SwiftTCETable *t);

/**
 * swifttce_table_bus_offset: the window's first bus address
 *
 * @t: the table
 *
 * Returns: the bus offset; 0 while disabled or for NULL.
 */
uint64_t swifttce_table_bus_offset(const SwiftTCETable *t);

/**
 * swifttce_table_nb_table: the window's entries
 *
 * @t: the table
 *
 * Returns: the count of entries; 0 while disabled or for NULL.
 */
uint32_t swifttce_table_nb_table(const SwiftTCETable *t);

/**
 * swifttce_table_set_notify: whether written entries are reported through
 * ops->notify
 *
 * On after swifttce_table_new. A host with notifier lists turns it off
 * until its first notifier comes and again when its last goes (QEMU:
 * notify_flag_changed, need_vfio); while it is off, clearing entries that
 * were never written costs nothing.
 *
 * @t: the table (NULL: nothing)
 * @on: report written entries
 */
void swifttce_table_set_notify(SwiftTCETable *t, bool on);

/**
 * swifttce_table_storage_bytes: the memory the table's entries hold now
 *
 * @t: the table
 *
 * Returns: bytes of committed pages of a flat window, of nodes of a tree
 * (not counting up to 32 KiB of nodes unlinked and waiting for their grace
 * period); 0 while disabled, for a host's array, or for NULL.
 */
size_t swifttce_table_storage_bytes(const SwiftTCETable *t);

/* ---- Translate and replay -------------------------------------------- */

/**
 * swifttce_translate: QEMU's spapr_tce_translate_iommu. Any thread, any
 * time (see Threads above).
 *
 * @t: the table
 * @addr: window-relative (the bus offset subtracted)
 * @out: where the mapping goes (NULL: nothing written). Outside the window
 *     (or disabled, or NULL t): iova 0, translated_addr 0, addr_mask ~0,
 *     perm 0.
 */
void swifttce_translate(const SwiftTCETable *t, uint64_t addr,
                        SwiftTCEMapping *out);

/**
 * SwiftTCELookup: swifttce_translate's answer in two registers, for a
 * host's translate callback on its hot path (no memory between the two);
 * swifttce_lookup_mapping makes it the mapping.
 *
 * @tce: the raw TCE; 0 outside the window
 * @page_mask: ~(page size - 1); 0 outside the window (unmapped)
 */
typedef struct SwiftTCELookup {
    uint64_t tce;
    uint64_t page_mask;
} SwiftTCELookup;

/**
 * swifttce_lookup: translate's answer as a SwiftTCELookup. Any thread, any
 * time, as swifttce_translate.
 *
 * @t: the table
 * @addr: window-relative
 *
 * Returns: the raw TCE and the page mask, both 0 outside the window (or
 * disabled, or NULL t).
 */
SwiftTCELookup swifttce_lookup(const SwiftTCETable *t, uint64_t addr);

/**
 * SwiftTCEFastPath: what swifttce_lookup_inline reads, in the host's own
 * code. A table handle points at one of these, and the engine's state
 * follows it in the same block (so no layout of the engine's own is relied
 * on). The engine keeps both words current; the host only reads them, with
 * __atomic loads.
 *
 * @geometry: count << SWIFTTCE_FAST_COUNT_SHIFT | generation << 6 |
 *     page_shift. count (23 bits) is how many of the window's entries are
 *     entries[0..count), read directly (0: none, ask swifttce_lookup; so it
 *     is for a tree, host-provided storage, a disabled table, or while the
 *     standalone library traces translations); page_shift (6 bits) is the
 *     window's, 1..63 while count is not 0; generation (35 bits) moves on
 *     with every change of the word, and the engine changes the word before
 *     any entry of entries[] stops being the window's. A read that finds the
 *     same word before and after its load of an entry got the window's
 *     entry (a sequence lock).
 * @entries: the table's own flat array: set before the first count that is
 *     not 0 and mapped for as long as the table's memory lives, so a load
 *     from it below the count of a word once read is always safe.
 */
typedef struct SwiftTCEFastPath {
    uint64_t geometry;
    uint64_t *entries;
} SwiftTCEFastPath;

/* Where the geometry word's count starts (its low 41 bits: generation, shift). */
#define SWIFTTCE_FAST_COUNT_SHIFT 41
/* The geometry word's page shift: its low 6 bits. */
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

/**
 * swifttce_lookup_fast: swifttce_lookup's fast path, inlined into the
 * host's translate callback (GCC or Clang): for a flat window's entry, a
 * range check, one load and a second look at the geometry word. Same
 * threads as swifttce_lookup.
 *
 * @t: the table
 * @addr: window-relative
 * @l: where the answer goes, as swifttce_lookup would give it; untouched
 *     when false is returned
 *
 * Returns: true with *l; false for anything else (a tree, host-provided
 * storage, an address outside the window, a change in between, a NULL t):
 * then swifttce_lookup answers.
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

/**
 * swifttce_lookup_inline: swifttce_lookup with its fast path inlined: any
 * thread, any time, the same answers
 *
 * With GCC, a callback that goes on after this call gets a stack frame for
 * the out-of-line case; one that calls swifttce_lookup_fast and hands the
 * false case to a function of its own (cold, not inlined) does not: make
 * bench's host_translate rows do that.
 *
 * @t: the table
 * @addr: window-relative
 *
 * Returns: what swifttce_lookup returns.
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

/**
 * swifttce_lookup_mapping: the mapping a lookup of addr stands for
 *
 * @l: a lookup's answer
 * @addr: the address it was for
 *
 * Returns: what swifttce_translate gives for addr.
 */
static inline SwiftTCEMapping swifttce_lookup_mapping(SwiftTCELookup l,
                                                      uint64_t addr)
{
    SwiftTCEMapping m = {
        addr & l.page_mask, l.tce & l.page_mask, ~l.page_mask,
        (uint32_t)(l.tce & (SWIFTTCE_TCE_READ | SWIFTTCE_TCE_WRITE)),
    };
    return m;
}

/**
 * swifttce_replay: what QEMU's generic replay walk would notify, at the
 * cost of what is mapped. The walk sees a consistent table: writers wait
 * until it returns.
 *
 * @t: the table (NULL: nothing)
 * @limit: iovas below it only (the region's size; UINT64_MAX: no limit, as
 *     a region of size 2^64)
 * @fn: called as fn(opaque, m) for every entry with perm != 0, ascending
 *     iova (NULL: nothing)
 * @opaque: passed to fn
 */
void swifttce_replay(const SwiftTCETable *t, uint64_t limit,
                     void (*fn)(void *opaque, const SwiftTCEMapping *m),
                     void *opaque);

/**
 * swifttce_replay_range: swifttce_replay for a notifier's range: the
 * entries whose iova is in [start, end] only, at the cost of what is mapped
 * there (QEMU 7.2's walk translates every page of the region and notifies
 * every mapped entry, in the range or not; a change after 7.2 limits the
 * walk to the notifier's range, which this follows)
 *
 * @t: the table (NULL: nothing)
 * @start: the first iova (window-relative; QEMU: the notifier's start)
 * @end: the last iova, inclusive (QEMU: the notifier's end, or the region's
 *     size - 1 if that is less); end < start: nothing
 * @fn: called as fn(opaque, m) for every entry with perm != 0 and iova in
 *     [start, end], ascending iova (NULL: nothing)
 * @opaque: passed to fn
 */
void swifttce_replay_range(const SwiftTCETable *t, uint64_t start,
                           uint64_t end,
                           void (*fn)(void *opaque, const SwiftTCEMapping *m),
                           void *opaque);

/* ---- Hypercalls ------------------------------------------------------- */

/*
 * The TCE hypercalls on a table the host found by LIOBN, with QEMU's checks
 * after the lookup: ioba is masked to the table's page, and index =
 * (ioba - bus_offset) >> page_shift must be below nb_table. They answer
 * SWIFTTCE_H_SUCCESS or SWIFTTCE_H_PARAMETER, and SWIFTTCE_H_HARDWARE only
 * when memory for a new part of the table runs out or a callback wrote to
 * its own table. Each written entry is notified once (ops->notify), or as
 * part of one run (ops->notify_range).
 */

/**
 * swifttce_put_tce: H_PUT_TCE
 *
 * @t: the table (NULL: H_PARAMETER)
 * @ioba: the bus address of the page
 * @tce: the TCE to write (perm 0: an unmap)
 *
 * Returns: SWIFTTCE_H_SUCCESS, _H_PARAMETER outside the window, or
 * _H_HARDWARE (see above).
 */
int64_t swifttce_put_tce(SwiftTCETable *t, uint64_t ioba, uint64_t tce);

/**
 * swifttce_get_tce: H_GET_TCE. Any thread, any time, as swifttce_translate.
 *
 * @t: the table (NULL: H_PARAMETER)
 * @ioba: the bus address of the page
 * @tce: where the raw TCE goes (NULL: H_PARAMETER); untouched on error
 *
 * Returns: SWIFTTCE_H_SUCCESS, or _H_PARAMETER outside the window.
 */
int64_t swifttce_get_tce(const SwiftTCETable *t, uint64_t ioba, uint64_t *tce);

/**
 * swifttce_stuff_tce: H_STUFF_TCE, npages copies of one TCE. Stops at the
 * first error. Clearing (tce_value 0) with notification off, or with
 * ops->notify_range (one run), costs what was mapped, not what the range
 * spans.
 *
 * @t: the table (NULL: H_PARAMETER)
 * @ioba: the bus address of the first page
 * @tce_value: the TCE written to each
 * @npages: how many pages
 *
 * Returns: SWIFTTCE_H_SUCCESS; _H_PARAMETER for npages 0 or above nb_table,
 * or when the range leaves the window (the pages in it are written);
 * _H_HARDWARE (see above).
 */
int64_t swifttce_stuff_tce(SwiftTCETable *t, uint64_t ioba, uint64_t tce_value,
                           uint64_t npages);

/**
 * swifttce_put_tce_indirect: H_PUT_TCE_INDIRECT: npages big-endian TCEs at
 * guest address tce_list, read with one ops->read_guest(guest, ...) call.
 * An unreadable list reads as zeros (QEMU's ldq_be_phys: the entries are
 * cleared and notified). Stops at the first error; earlier entries stay
 * written and notified.
 *
 * @t: the table (NULL: H_PARAMETER)
 * @ioba: the bus address of the first page
 * @tce_list: the list's guest address, 4 KiB aligned
 * @npages: TCEs in the list, 1..SWIFTTCE_INDIRECT_MAX
 * @guest: the host's, handed to ops->read_guest as it is (NULL too)
 *
 * Returns: SWIFTTCE_H_SUCCESS; _H_PARAMETER for npages 0 or above 512, a
 * misaligned list, no read_guest hook (nothing written), or an entry
 * outside the window; _H_HARDWARE (see above).
 */
int64_t swifttce_put_tce_indirect(SwiftTCETable *t, uint64_t ioba,
                                  uint64_t tce_list, uint64_t npages,
                                  void *guest);

/**
 * SwiftTCECallTrace: what QEMU's trace event of a stuff or indirect call
 * shows, for a host that traces as QEMU does (put and get show the ioba
 * masked to the page, which the host can compute).
 *
 * @traced: QEMU traces this call: false when it returned before (stuff:
 *     npages > nb_table; indirect: npages > 512 or a misaligned list)
 * @ioba: stuff: the ioba QEMU's event shows, the first page not written
 * @index: indirect: iobaN, the last entry written, or the one before the
 *     entry that failed (0 if the first did)
 * @tce: indirect: tceN, the last TCE read from the list
 */
typedef struct SwiftTCECallTrace {
    bool traced;
    uint64_t ioba;
    uint64_t index;
    uint64_t tce;
} SwiftTCECallTrace;

/**
 * swifttce_stuff_tce_trace: swifttce_stuff_tce, also saying what QEMU's
 * trace event shows
 *
 * @t: as swifttce_stuff_tce's
 * @ioba: as swifttce_stuff_tce's
 * @tce_value: as swifttce_stuff_tce's
 * @npages: as swifttce_stuff_tce's
 * @trace: filled in (NULL: not)
 *
 * Returns: what swifttce_stuff_tce returns.
 */
int64_t swifttce_stuff_tce_trace(SwiftTCETable *t, uint64_t ioba,
                                 uint64_t tce_value, uint64_t npages,
                                 SwiftTCECallTrace *trace);

/**
 * swifttce_put_tce_indirect_trace: swifttce_put_tce_indirect, also saying
 * what QEMU's trace event shows
 *
 * @t: as swifttce_put_tce_indirect's
 * @ioba: as swifttce_put_tce_indirect's
 * @tce_list: as swifttce_put_tce_indirect's
 * @npages: as swifttce_put_tce_indirect's
 * @guest: as swifttce_put_tce_indirect's
 * @trace: filled in (NULL: not)
 *
 * Returns: what swifttce_put_tce_indirect returns.
 */
int64_t swifttce_put_tce_indirect_trace(SwiftTCETable *t, uint64_t ioba,
                                        uint64_t tce_list, uint64_t npages,
                                        void *guest,
                                        SwiftTCECallTrace *trace);

/* ---- Dynamic DMA windows (one PHB) ------------------------------------ */

/* A PHB's DMA windows (QEMU: SPAPR_PCI_DMA_MAX_WINDOWS). */
#define SWIFTTCE_PHB_MAX_WINDOWS 2

/**
 * SwiftTCEPhbConfig: QEMU's spapr-pci-host-bridge properties that DMA
 * depends on.
 *
 * @dma_liobn: each window's LIOBN
 * @dma_win_addr: the default window's bus address (0)
 * @dma_win_size: the default window's size (1 GiB, 4 KiB pages)
 * @dma64_win_addr: the 64-bit windows' bus address
 * @pgsz: bit n set: 2^n-byte pages offered
 * @ddw: the four RTAS calls are offered
 */
typedef struct SwiftTCEPhbConfig {
    uint32_t dma_liobn[SWIFTTCE_PHB_MAX_WINDOWS];
    uint64_t dma_win_addr;
    uint64_t dma_win_size;
    uint64_t dma64_win_addr;
    uint64_t pgsz;
    bool ddw;
} SwiftTCEPhbConfig;

/**
 * SwiftTCEPhbOps: what the engine asks the host to do to the PHB's
 * windows. Copied by swifttce_phb_new; size as SwiftTCEHostOps's.
 *
 * @size: sizeof(SwiftTCEPhbOps) as the host was built
 * @enable_window: enable_window(host_phb, n, page_shift, bus_offset,
 *     nb_table, creating): enable window n (QEMU: spapr_tce_table_enable):
 *     the host calls swifttce_table_enable on the window's table and does
 *     its region work. creating: ibm,create-pe-dma-window is enabling a
 *     new, empty window (QEMU sets the table's skipping_replay around this
 *     call). nb_table is 0 when a create asked for 2^32 entries or more:
 *     QEMU passes 1ULL << (window_shift - page_shift) to a uint32_t, so its
 *     enable gets 0 too; swifttce_table_enable refuses 0, and the create
 *     answers RTAS_OUT_HW_ERROR, as QEMU's does.
 * @disable_window: disable_window(host_phb, n): disable window n (QEMU:
 *     spapr_tce_table_disable)
 * @window_removed: window_removed(host_phb, n): ibm,remove-pe-dma-window
 *     removed window n: called after its disable_window and before the
 *     default window may be restored, where QEMU traces
 *     spapr_iommu_ddw_remove. May be NULL.
 * @pick_free_window: pick_free_window(host_phb, free): which free window
 *     ibm,create-pe-dma-window takes, which the guest sees (the LIOBN
 *     returned): free has bit n set for each window whose table is
 *     disabled, and is never 0. Answer one of them, or -1 for none
 *     (RTAS_OUT_HW_ERROR, as QEMU's for no free LIOBN); an answer that is
 *     not a free window is RTAS_OUT_HW_ERROR too. QEMU
 *     (spapr_phb_get_free_liobn) takes the first SpaprTceTable child of the
 *     PHB with nb_table 0 in object_child_foreach's order. Called after the
 *     call's cell count and before its page size checks, as QEMU looks.
 *     NULL (or a host built before this hook): the lowest free window.
 */
typedef struct SwiftTCEPhbOps {
    size_t size;
    void (*enable_window)(void *host_phb, unsigned n, uint32_t page_shift,
                          uint64_t bus_offset, uint32_t nb_table,
                          bool creating);
    void (*disable_window)(void *host_phb, unsigned n);
    void (*window_removed)(void *host_phb, unsigned n);
    int (*pick_free_window)(void *host_phb, unsigned free);
} SwiftTCEPhbOps;

/**
 * swifttce_phb_new: the DMA side of a PHB over tables the host created and
 * owns. Does not enable anything: the host calls swifttce_phb_dma_reset
 * when it resets the PHB.
 *
 * A PHB has no hooks of its own: its messages go through the set_error of
 * the first table in windows (window 0's, or window 1's when window 0 is
 * NULL). With no table at all (windows NULL, or every entry NULL) there is
 * none to report through, and no message.
 *
 * @cfg: the PHB's properties (copied)
 * @ops: the PHB's hooks (copied); enable_window and disable_window needed
 * @host_phb: passed back to each hook
 * @windows: windows[n] is window n's table (QEMU creates a table per
 *     supported window), each a table of its own
 * @nwindows: SWIFTTCE_PHB_MAX_WINDOWS with DDW, 1 or
 *     SWIFTTCE_PHB_MAX_WINDOWS without
 * @host_errp: passed to set_error with the message of a refusal
 *
 * Returns: the PHB; NULL (with a message, see above) for a NULL argument,
 * a missing table or hook, another count of windows, one table given for
 * two windows, a default window that is not 1 to 2^32 - 1 pages of 4 KiB
 * or passes 2^64, or out of memory.
 */
SwiftTCEPhb *swifttce_phb_new(const SwiftTCEPhbConfig *cfg,
                              const SwiftTCEPhbOps *ops, void *host_phb,
                              SwiftTCETable *const *windows, unsigned nwindows,
                              void *host_errp);

/**
 * swifttce_phb_free: frees the PHB's DDW state; its tables are the host's
 * and stay
 *
 * @phb: the PHB (NULL: nothing)
 */
void swifttce_phb_free(SwiftTCEPhb *phb);

/**
 * swifttce_phb_dma_reset: QEMU's spapr_phb_dma_reset: every enabled window
 * disabled, then the default window enabled (4 KiB pages at dma_win_addr)
 * and marked default
 *
 * @phb: the PHB (NULL: nothing)
 */
void swifttce_phb_dma_reset(SwiftTCEPhb *phb);

/**
 * swifttce_phb_window_def_win: window n's def_win (QEMU:
 * SpaprTceTable.def_win): set by the DMA reset and never cleared, migrated
 * with the table
 *
 * @phb: the PHB
 * @n: the window
 *
 * Returns: def_win; false for NULL phb or n out of range.
 */
bool swifttce_phb_window_def_win(const SwiftTCEPhb *phb, unsigned n);

/**
 * swifttce_phb_set_window_def_win: sets window n's def_win, as a host does
 * after loading a table's vmstate
 *
 * @phb: the PHB (NULL: nothing)
 * @n: the window (out of range: nothing)
 * @def_win: the value
 */
void swifttce_phb_set_window_def_win(SwiftTCEPhb *phb, unsigned n,
                                     bool def_win);

/*
 * The four RTAS calls on a PHB the host found (by the BUID in args[1..2];
 * remove: by the LIOBN in args[0]), with QEMU's argument and return cells
 * (rtas_ld'ed into args, rtas_st'ed from rets, host-endian) and checks, in
 * QEMU's order. A NULL phb answers SWIFTTCE_RTAS_PARAM_ERROR. A cell at or
 * past nargs reads as missing (QEMU reads guest memory past it), and one at
 * or past nret is never written; a wrong count is SWIFTTCE_RTAS_PARAM_ERROR
 * in rets[0], as in QEMU, and so is a call on a PHB without DDW.
 */

/**
 * swifttce_rtas_query_pe_dma_window: ibm,query-pe-dma-window
 *
 * @phb: the PHB
 * @nargs: 3
 * @args: [0] config address, [1] BUID high, [2] BUID low
 * @nret: 5, or 6 (LoPAPR's 64-bit largest window)
 * @rets: [0] status; [1] windows free; with nret 5: [2] the largest window
 *     in TCEs (QEMU's constant 0x80000000), [3] page sizes (LoPAPR's query
 *     mask), [4] DMA migration mask (0); with nret 6: [2] and [3] the
 *     largest window, high and low words (2^37), [4] page sizes, [5] 0
 */
void swifttce_rtas_query_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                       const uint32_t *args, uint32_t nret,
                                       uint32_t *rets);

/**
 * swifttce_rtas_create_pe_dma_window: ibm,create-pe-dma-window: a free
 * window enabled (SwiftTCEPhbOps.enable_window) at dma_win_addr when no
 * window is enabled, else at dma64_win_addr
 *
 * @phb: the PHB
 * @nargs: 5
 * @args: [0] config address, [1] BUID high, [2] BUID low, [3] page shift
 *     (an offered page size), [4] window shift (at least the page shift)
 * @nret: 4
 * @rets: [0] status (RTAS_HW_ERROR: no free window, or its enable failed);
 *     [1] the window's LIOBN, [2] and [3] its bus address, high and low
 *     words
 */
void swifttce_rtas_create_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                        const uint32_t *args, uint32_t nret,
                                        uint32_t *rets);

/**
 * swifttce_rtas_remove_pe_dma_window: ibm,remove-pe-dma-window: the window
 * disabled (SwiftTCEPhbOps.disable_window, then window_removed); when it
 * was the last one and not the default, the default window restored
 * (swifttce_phb_dma_reset)
 *
 * @phb: the PHB
 * @nargs: 1
 * @args: [0] the window's LIOBN (an enabled window of this PHB)
 * @nret: 1
 * @rets: [0] status
 * @reset: set (when not NULL) to whether the default window was restored,
 *     which QEMU traces as a ddw_reset
 */
void swifttce_rtas_remove_pe_dma_window(SwiftTCEPhb *phb, uint32_t nargs,
                                        const uint32_t *args, uint32_t nret,
                                        uint32_t *rets, bool *reset);

/**
 * swifttce_rtas_reset_pe_dma_window: ibm,reset-pe-dma-window: the PHB's DMA
 * reset (swifttce_phb_dma_reset)
 *
 * @phb: the PHB
 * @nargs: 3
 * @args: [0] config address, [1] BUID high, [2] BUID low
 * @nret: 1
 * @rets: [0] status
 */
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

/**
 * swifttce_table_read_entries: save: a run of entries, raw TCEs in host
 * byte order (QEMU: qemu_put_be64 each), 0 where nothing is mapped
 *
 * Each call is one consistent look at the table (under its lock); the
 * machine is stopped while QEMU saves, so successive calls agree. Costs
 * O(count) plus what is mapped in the range, never O(window) memory.
 *
 * @t: the table
 * @first: the first entry's index
 * @tces: where the entries go
 * @count: entries wanted; clipped at nb_table
 *
 * Returns: how many were written: 0 from first >= nb_table, for a disabled
 * table, NULL t or tces, or from a callback of the table itself.
 */
size_t swifttce_table_read_entries(const SwiftTCETable *t, uint64_t first,
                                   uint64_t *tces, size_t count);

/**
 * SwiftTCEMappedEntry: one mapped entry of a sparse stream
 *
 * @index: the entry's index in the window
 * @tce: its raw TCE (host byte order), never 0
 */
typedef struct SwiftTCEMappedEntry {
    uint64_t index;
    uint64_t tce;
} SwiftTCEMappedEntry;

/**
 * swifttce_table_read_mapped: save, sparse: the mapped (non-zero) entries
 * from index first on, ascending, as (index, TCE) pairs
 *
 * For a host's opt-in stream that carries only what is mapped (QEMU 7.2's
 * own format carries every entry: swifttce_table_read_entries). Each call
 * is one consistent look at the table (under its lock), costing what is
 * mapped from first to the last pair it returns (plus at most as much
 * again passed over), never what the window spans. To go on, call again
 * with first = the last pair's index + 1; fewer than max pairs means there
 * are no more.
 *
 * @t: the table
 * @first: the least index wanted
 * @entries: where the pairs go
 * @max: pairs wanted at most
 *
 * Returns: how many pairs were written: 0 when none is mapped from first
 * on, from first >= nb_table, for a disabled table, NULL t or entries, max
 * 0, or from a callback of the table itself. A host's array (KVM) is
 * scanned whole.
 */
size_t swifttce_table_read_mapped(const SwiftTCETable *t, uint64_t first,
                                  SwiftTCEMappedEntry *entries, size_t max);

/* A load in progress: opaque, made by swifttce_load_new. */
typedef struct SwiftTCELoad SwiftTCELoad;

/**
 * SwiftTCELoadResult: what swifttce_load_commit did, for the host's region
 * work and trace, as QEMU's spapr_tce_table_post_load does it. Nothing is
 * notified.
 *
 * @dropped: the old window went: QEMU's spapr_tce_table_disable region work
 * @made: a new window: set the region's size, add it as a subregion
 *     (spapr_tce_table_enable)
 * @old_nb_table: the window before the load (QEMU's post_load trace shows
 *     it)
 * @old_page_shift: the window's page shift before the load
 * @old_bus_offset: the window's bus offset before the load
 */
typedef struct SwiftTCELoadResult {
    bool dropped;
    bool made;
    uint32_t old_nb_table;
    uint32_t old_page_shift;
    uint64_t old_bus_offset;
} SwiftTCELoadResult;

/**
 * swifttce_load_new: starts loading a stream into t; nothing of t changes
 * before swifttce_load_commit
 *
 * The session stages the entries apart from the live window at the cost
 * of what the stream maps (16 bytes a non-zero entry), whatever nb_table
 * is. It is the caller's until commit or abort; t must outlive it. A
 * session is used by one thread at a time; t stays usable meanwhile
 * (translate, hypercalls).
 *
 * @t: the table (NULL: no session, no message)
 * @nb_table: the stream's entries (its mig_nb_table)
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: the session; NULL for NULL t, or with a message when memory
 * runs out.
 */
SwiftTCELoad *swifttce_load_new(SwiftTCETable *t, uint32_t nb_table,
                                void *host_errp);

/**
 * swifttce_load_new_sparse: starts loading a sparse stream into t: one
 * that carries only the mapped entries, as (index, TCE) pairs
 * (swifttce_load_mapped); every other entry of the nb_table is 0
 *
 * As swifttce_load_new's session, staged at the cost of what the stream
 * maps (16 bytes a pair), and committed (swifttce_load_commit) with the
 * same rules and in the same one step, except that it does not ask for
 * nb_table entries delivered: the pairs are the whole stream, and nb_table
 * may be anything up to 2^32 - 1 (QEMU's int count of the full format does
 * not apply). A sparse session refuses swifttce_load_entries, and a full
 * one swifttce_load_mapped.
 *
 * @t: the table (NULL: no session, no message)
 * @nb_table: the stream's window size in entries
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: the session; NULL for NULL t, or with a message when memory
 * runs out.
 */
SwiftTCELoad *swifttce_load_new_sparse(SwiftTCETable *t, uint32_t nb_table,
                                       void *host_errp);

/**
 * swifttce_load_mapped: hands a sparse session mapped entries. A refused
 * call stages nothing: the session stays as it was, to continue or abort.
 *
 * @l: the session, from swifttce_load_new_sparse (NULL: -EINVAL, no
 *     message: no table to report through)
 * @entries: the pairs: indexes strictly ascending, also after the pairs of
 *     earlier calls, each below nb_table; TCEs non-zero
 * @count: how many (0: nothing, accepted)
 * @host_errp: passed to the table's ops->set_error with the message of a
 *     refusal
 *
 * Returns: 0; -EINVAL for entries NULL with count > 0, a full session, an
 * index out of order, repeated or past nb_table, or a zero TCE; -ENOMEM.
 */
int swifttce_load_mapped(SwiftTCELoad *l, const SwiftTCEMappedEntry *entries,
                         size_t count, void *host_errp);

/**
 * swifttce_load_entries: hands the session a run of entries, in order. A
 * refused call stages nothing: the session stays as it was, to continue or
 * abort.
 *
 * @l: the session (NULL: -EINVAL, no message: no table to report through)
 * @first: the first entry's index: the number delivered so far
 * @tces: the entries (raw TCEs, host byte order; QEMU: qemu_get_be64 each)
 * @count: how many; the last within nb_table
 * @host_errp: passed to the table's ops->set_error with the message of a
 *     refusal
 *
 * Returns: 0; -EINVAL for tces NULL with count > 0, entries out of order
 * or past nb_table, a sparse session (swifttce_load_new_sparse);
 * -ENOMEM.
 */
int swifttce_load_entries(SwiftTCELoad *l, uint64_t first,
                          const uint64_t *tces, size_t count,
                          void *host_errp);

/**
 * swifttce_load_commit: applies the stream with QEMU 7.2's post_load rules,
 * and consumes l (always)
 *
 * If nb_table differs from the table's, the old window is dropped and, for
 * nb_table != 0, one of nb_table entries made at page_shift and bus_offset;
 * if it is the same (and not 0), the window stays: its entries are
 * replaced and its page_shift and bus_offset become the given ones, as
 * QEMU overwrites its fields. One step under the table's lock: a translate
 * sees the old window or the new one.
 *
 * @l: the session (NULL: -EINVAL, no message)
 * @page_shift: what QEMU's field holds once the subsection was loaded, or
 *     not (then the table's own)
 * @bus_offset: likewise
 * @result: what was done (may be NULL); its old_* fields are filled either
 *     way, its flags false on a refusal
 * @host_errp: passed to the table's ops->set_error with the message of a
 *     refusal
 *
 * Returns: 0; refused with the table untouched: -EINVAL for fewer than
 * nb_table entries delivered ("delivered N of M"; a full session only: a
 * sparse one's pairs are the whole stream), a geometry that cannot
 * be enabled (page_shift 0 or > 63: for page_shift 0 on a disabled table,
 * the message says to enable it first; a window past 2^64), from a
 * callback of the table; -ENOMEM; -ENOTSUP when the old window's storage
 * could not be let go (no grace period; the table is then disabled).
 */
int swifttce_load_commit(SwiftTCELoad *l, uint32_t page_shift,
                         uint64_t bus_offset, SwiftTCELoadResult *result,
                         void *host_errp);

/**
 * swifttce_load_abort: ends a session without touching its table
 *
 * @l: the session (NULL: nothing)
 */
void swifttce_load_abort(SwiftTCELoad *l);

/*
 * The whole section body, for a host that handles a section as one buffer:
 * what follows the section header (idstr, instance_id = liobn, version 3)
 * up to the footer, byte for byte QEMU's, on the same pieces as above.
 */

/**
 * swifttce_table_vmstate_save: the table's window and entries as a body,
 * with the host's bypass and def_win; the subsection when bus_offset != 0
 * or page_shift != 12
 *
 * @t: the table (NULL: 0, no message)
 * @liobn: the section's liobn field
 * @bypass: the section's bypass field
 * @def_win: the section's def_win field
 * @buf: where the body goes (NULL: only the size is wanted)
 * @buf_size: bytes at buf
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: the bytes written, or the size needed when buf is NULL; 0 with a
 * message when buf_size is too small, for a window of more than
 * SWIFTTCE_VMSTATE_NB_TABLE_MAX entries (the stream would lose them), or
 * from a callback of the table; 0 without one for NULL t.
 */
size_t swifttce_table_vmstate_save(const SwiftTCETable *t, uint32_t liobn,
                                   bool bypass, bool def_win, uint8_t *buf,
                                   size_t buf_size, void *host_errp);

/**
 * swifttce_table_vmstate_load: a body, checked whole before anything
 * changes (liobn, bools, length, the subsection), then committed as
 * swifttce_load_commit does with the subsection's geometry or the table's
 * own
 *
 * @t: the table (NULL: -EINVAL, no message)
 * @liobn: the table's LIOBN: the stream's must be it
 * @version_id: 2 (no def_win: QEMU's VMSTATE_BOOL_V(def_win, 3)) or 3
 * @buf: the body
 * @len: its bytes
 * @bypass: set to the stream's (may be NULL)
 * @def_win: set to the stream's; left alone for version 2 (may be NULL)
 * @result: as swifttce_load_commit's (may be NULL)
 * @host_errp: passed to ops->set_error with the message of a refusal
 *
 * Returns: 0; or, with a message and the table as it was: -EINVAL for
 * another version, a bad stream (bytes after def_win that are not the
 * subsection are named as such) or any of commit's refusals (a stream of
 * more than SWIFTTCE_VMSTATE_NB_TABLE_MAX entries, which has none:
 * "delivered 0 of ..."), -ENOMEM, -ENOTSUP as commit's.
 */
int swifttce_table_vmstate_load(SwiftTCETable *t, uint32_t liobn,
                                int version_id, const uint8_t *buf,
                                size_t len, bool *bypass, bool *def_win,
                                SwiftTCELoadResult *result, void *host_errp);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTTCE_HOST_H */
