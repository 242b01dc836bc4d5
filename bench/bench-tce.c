/*
 * bench-tce: SwiftTCE against QEMU's flat-table design, in one run.
 *
 * Links libswifttce.a the way an emulator does and calls it through its public
 * C API; the baseline (baseline-tce.c) is a plain C flat table driven the same
 * way: translate through a function-pointer ops table, hypercalls that find
 * the table by LIOBN in a list and walk the region's notifier list.
 *
 * Method: CLOCK_MONOTONIC, one warm-up run, then RUNS runs; the figure is the
 * median run's ns per operation. Nothing is pinned. Both sides have the same
 * two tables in their registries (in the same order) and exactly one
 * notifier registered on the 2 GiB window (MAP|UNMAP, the whole window,
 * iommu_idx 0, a callback that sums two fields); replay goes to one further
 * notifier with the same callback.
 *
 * The footprint figures run on the 128 TiB window: bytes per isolated
 * mapping, a guest's DMA allocator sweeping 200,000 buffers through it
 * (bytes during and after, the heap with the garbage that waits for its grace
 * period, replay after it against a fresh table with the same mappings), one
 * H_STUFF_TCE of the whole window, and map/unmap cycles on one leaf (no
 * allocation: the emptied ring) with the table that chose the ring's size.
 * Allocations are counted by the malloc family below, bytes by
 * spapr_tce_table_storage_bytes.
 *
 * Output: a table, then one line per figure:
 *   bench <name> ours_ns=... base_ns=... ratio=... met=yes|NO
 * (bytes: ours_bytes=... base_bytes=...; counts: ours=... base=...), then a
 * last line naming the targets missed, if any: the exit status is then 1.
 * BENCH_RUNS overrides RUNS.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <endian.h>
#include <sys/resource.h>
#include <malloc.h>

#include "swifttce.h"
#include "swifttce/host.h"
#include "baseline-tce.h"

#define RUNS_DEFAULT 21

/* The 2 GiB window of 4 KiB pages (QEMU's default window, made larger). */
#define SMALL_LIOBN     0x80000000u
#define SMALL_SHIFT     12
#define SMALL_ENTRIES   (1u << 19)
#define SMALL_BUS       0ULL
/* The 128 TiB window of 64 KiB pages (a DDW window). */
#define HUGE_LIOBN      0x80000001u
#define HUGE_SHIFT      16
#define HUGE_ENTRIES    (1u << 31)
#define HUGE_BUS        SPAPR_PCI_DMA64_START
/* The baseline's stand-in for the huge window: 2^22 entries (32 MiB). */
#define PROXY_ENTRIES   (1u << 22)
#define PROXY_FACTOR    ((double)HUGE_ENTRIES / PROXY_ENTRIES)

#define SCATTERED       4096
#define ADDR_COUNT      (1u << 18)

static int runs = RUNS_DEFAULT;
static uint64_t sink;

/*
 * Counting allocations: this program's malloc family forwards to glibc's and
 * counts the calls (the library is linked in, so its calloc and free are
 * these). One add per call, on every figure alike.
 */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);

static uint64_t allocations, frees;
/* Bytes of heap blocks live now (malloc_usable_size of each). */
static int64_t heap_bytes;

void *malloc(size_t size)
{
    void *p = __libc_malloc(size);

    allocations++;
    heap_bytes += p ? (int64_t)malloc_usable_size(p) : 0;
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);

    allocations++;
    heap_bytes += p ? (int64_t)malloc_usable_size(p) : 0;
    return p;
}

void *realloc(void *p, size_t size)
{
    int64_t old = p ? (int64_t)malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, size);

    allocations++;
    if (q || size == 0) {
        heap_bytes += (q ? (int64_t)malloc_usable_size(q) : 0) - old;
    }
    return q;
}

void *aligned_alloc(size_t align, size_t size)
{
    void *p = __libc_memalign(align, size);

    allocations++;
    heap_bytes += p ? (int64_t)malloc_usable_size(p) : 0;
    return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p = __libc_memalign(align, size);

    allocations++;
    if (!p) {
        return 12;  /* ENOMEM */
    }
    heap_bytes += (int64_t)malloc_usable_size(p);
    *out = p;
    return 0;
}

void free(void *p)
{
    if (p) {
        frees++;
        heap_bytes -= (int64_t)malloc_usable_size(p);
    }
    __libc_free(p);
}

/* Minor page faults so far: what committing a flat window's page costs. */
static uint64_t minor_faults(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_minflt;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64*: reproducible, the same numbers for both sides */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* One run returns its elapsed ns; the figure is the median over ops. */
typedef uint64_t (*RunFn)(void *arg);

/*
 * Runs the two sides alternately (ours, base, ours, base, ...) after one
 * warm-up run of each, so that noise from other work on the machine falls on
 * both; each side's figure is the median of its runs.
 */
static void measure_pair(RunFn ours_fn, void *ours_arg, double ours_ops,
                         RunFn base_fn, void *base_arg, double base_ops,
                         int nruns, double *ours, double *base)
{
    double a[64], b[64];
    int i;

    if (nruns > 64) {
        nruns = 64;
    }
    ours_fn(ours_arg);
    base_fn(base_arg);
    for (i = 0; i < nruns; i++) {
        a[i] = (double)ours_fn(ours_arg) / ours_ops;
        b[i] = (double)base_fn(base_arg) / base_ops;
    }
    qsort(a, nruns, sizeof(a[0]), cmp_double);
    qsort(b, nruns, sizeof(b[0]), cmp_double);
    *ours = a[nruns / 2];
    *base = b[nruns / 2];
}

/* BENCH_ONLY=name,name runs only those figures (for perf and the like). */
static bool wanted(const char *name)
{
    const char *only = getenv("BENCH_ONLY");
    size_t len = strlen(name);
    const char *p;

    if (!only || !*only) {
        return true;
    }
    for (p = strstr(only, name); p; p = strstr(p + 1, name)) {
        if ((p == only || p[-1] == ',') && (p[len] == ',' || p[len] == 0)) {
            return true;
        }
    }
    return false;
}

/* ---- The two sides' objects ------------------------------------------- */

static SpaprTceTable *our_small, *our_huge;
static IOMMUMemoryRegion *our_small_mr, *our_huge_mr;
static BaseTable *base_small, *base_huge;

static uint64_t addrs[ADDR_COUNT];      /* random addresses in the 2 GiB window */
static uint64_t huge_scatter[SCATTERED];

static void our_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    (void)n;
    sink += e->iova ^ e->translated_addr;
}

static void base_notify(BaseNotifier *n, IOMMUTLBEntry *e)
{
    (void)n;
    sink += e->iova ^ e->translated_addr;
}

static IOMMUNotifier our_listener, our_replayer;
static BaseNotifier base_listener, base_replayer;

static uint64_t tce_for(uint64_t index, unsigned shift)
{
    return ((0x100000000ull + (index << shift)) & ~((1ull << shift) - 1)) | 3;
}

/*
 * Each measured loop is written once, as a macro, and instantiated for both
 * sides: the two compile to the same code around their own direct call.
 */

/* ---- Translate -------------------------------------------------------- */

#define TRANSLATE_OPS (1u << 19)

/* ADDR: the address translated in iteration i. */
#define DEFINE_TRANSLATE(name, Region, region, ADDR)                         \
    static uint64_t name(void *arg)                                         \
    {                                                                       \
        Region *mr = (region);                                              \
        uint64_t acc = 0, t0 = now_ns();                                    \
        uint32_t i;                                                         \
                                                                            \
        (void)arg;                                                          \
        for (i = 0; i < TRANSLATE_OPS; i++) {                               \
            IOMMUTLBEntry e = mr->ops->translate(mr, (ADDR), IOMMU_NONE, 0); \
            acc += e.translated_addr;                                       \
        }                                                                   \
        sink += acc;                                                        \
        return now_ns() - t0;                                               \
    }

#define RANDOM_ADDR (addrs[i & (ADDR_COUNT - 1)])
#define SEQ_ADDR (((uint64_t)(i & (SMALL_ENTRIES - 1)) << SMALL_SHIFT) | 0x123)

DEFINE_TRANSLATE(our_translate_random, IOMMUMemoryRegion, our_small_mr, RANDOM_ADDR)
DEFINE_TRANSLATE(base_translate_random, BaseRegion, &base_small->iommu, RANDOM_ADDR)
DEFINE_TRANSLATE(our_translate_seq, IOMMUMemoryRegion, our_small_mr, SEQ_ADDR)
DEFINE_TRANSLATE(base_translate_seq, BaseRegion, &base_small->iommu, SEQ_ADDR)

/* ---- H_PUT_TCE -------------------------------------------------------- */

#define PUT_OPS (1u << 18)

/* INDEX and TCE: the entry written in iteration i, and its value. */
#define DEFINE_PUT(name, put, INDEX, TCE)                                   \
    static uint64_t name(void *arg)                                         \
    {                                                                       \
        uint64_t t0 = now_ns();                                             \
        uint32_t i;                                                         \
                                                                            \
        (void)arg;                                                          \
        for (i = 0; i < PUT_OPS; i++) {                                     \
            uint64_t index = (INDEX);                                       \
            sink += put(SMALL_LIOBN, SMALL_BUS + (index << SMALL_SHIFT), (TCE)); \
        }                                                                   \
        return now_ns() - t0;                                               \
    }

/*
 * A guest's DMA pattern: map a random page, then unmap it (pairs of calls on
 * the same entry), so both the map and the unmap paths are in the figure.
 */
#define PAIRS_INDEX (addrs[(i >> 1) & (ADDR_COUNT - 1)] >> SMALL_SHIFT)
#define PAIRS_TCE ((i & 1) ? 0 : tce_for(index, SMALL_SHIFT))
DEFINE_PUT(our_put_pairs, spapr_h_put_tce, PAIRS_INDEX, PAIRS_TCE)
DEFINE_PUT(base_put_pairs, base_h_put_tce, PAIRS_INDEX, PAIRS_TCE)

/*
 * A guest IOVA allocator walking the window: map 64 consecutive pages, then
 * unmap them, then the next 64.
 */
#define SEQ_INDEX (((i >> 7) << 6 | (i & 63)) & (SMALL_ENTRIES - 1))
#define SEQ_TCE ((i & 64) ? 0 : tce_for(index, SMALL_SHIFT))
DEFINE_PUT(our_put_seq, spapr_h_put_tce, SEQ_INDEX, SEQ_TCE)
DEFINE_PUT(base_put_seq, base_h_put_tce, SEQ_INDEX, SEQ_TCE)

/* Remapping entries that are mapped already (no bitmap change). */
#define REMAP_INDEX (addrs[i & (ADDR_COUNT - 1)] >> SMALL_SHIFT)
#define REMAP_TCE (tce_for(index, SMALL_SHIFT) ^ ((uint64_t)(i & 1) << 12))
DEFINE_PUT(our_put_remap, spapr_h_put_tce, REMAP_INDEX, REMAP_TCE)
DEFINE_PUT(base_put_remap, base_h_put_tce, REMAP_INDEX, REMAP_TCE)

/* ---- H_PUT_TCE_INDIRECT ----------------------------------------------- */

#define LIST_MAP    0x10000ull   /* guest addresses of the two TCE lists */
#define LIST_UNMAP  0x20000ull
#define LIST_SWEEP  0x30000ull   /* the sweep's buffers (filled per call) */
#define INDIRECT_OPS 512u

static uint64_t list_map[512] __attribute__((aligned(4096)));
static uint64_t list_unmap[512] __attribute__((aligned(4096)));
static uint64_t list_sweep[512] __attribute__((aligned(4096)));

static bool guest_read(void *opaque, hwaddr addr, void *buf, size_t len)
{
    (void)opaque;
    if (len > sizeof(list_map)) {
        return false;
    }
    if (addr == LIST_MAP) {
        memcpy(buf, list_map, len);
    } else if (addr == LIST_UNMAP) {
        memcpy(buf, list_unmap, len);
    } else if (addr == LIST_SWEEP) {
        memcpy(buf, list_sweep, len);
    } else {
        return false;
    }
    return true;
}

static const SpaprGuestMemory guest_mem = { NULL, guest_read };

/* Map a random 512-page block, then unmap it. */
#define DEFINE_INDIRECT(name, put_indirect)                                 \
    static uint64_t name(void *arg)                                         \
    {                                                                       \
        uint64_t t0 = now_ns();                                             \
        uint32_t i;                                                         \
                                                                            \
        (void)arg;                                                          \
        for (i = 0; i < INDIRECT_OPS; i++) {                                \
            uint64_t block =                                                \
                (addrs[(i >> 1) & (ADDR_COUNT - 1)] >> SMALL_SHIFT) & ~511ull; \
            sink += put_indirect(SMALL_LIOBN, SMALL_BUS + (block << SMALL_SHIFT), \
                                 (i & 1) ? LIST_UNMAP : LIST_MAP, 512, &guest_mem); \
        }                                                                   \
        return now_ns() - t0;                                               \
    }

DEFINE_INDIRECT(our_indirect, spapr_h_put_tce_indirect)
DEFINE_INDIRECT(base_indirect, base_h_put_tce_indirect)

/* ---- Replay ----------------------------------------------------------- */

typedef struct {
    void *region;
    unsigned repeat;
} ReplayArg;

#define DEFINE_REPLAY(name, replay, replayer)                               \
    static uint64_t name(void *arg)                                         \
    {                                                                       \
        ReplayArg *r = arg;                                                 \
        uint64_t t0 = now_ns();                                             \
        unsigned i;                                                         \
                                                                            \
        for (i = 0; i < r->repeat; i++) {                                   \
            replay(r->region, &(replayer));                                 \
        }                                                                   \
        return now_ns() - t0;                                               \
    }

DEFINE_REPLAY(our_replay, memory_region_iommu_replay, our_replayer)
DEFINE_REPLAY(base_replay, base_iommu_replay, base_replayer)

/* ---- Host mode: the engine under a QEMU-shaped host ------------------- */

/*
 * host.h's engine (libswifttce.a is made of the same engine as the host
 * libraries) under a host built like the baseline, as Tests/host's is:
 * its region is a BaseRegion whose translate reads a flat window's entry
 * inline (swifttce_lookup_fast) and calls swifttce_lookup otherwise, its
 * hypercall finds the table by LIOBN in its own list and calls
 * swifttce_put_tce, the engine's notify hook walks the region's notifiers
 * (base_notify_iommu), and its replay hook is swifttce_replay.
 */
typedef struct HostTable {
    BaseRegion iommu;           /* first: container_of is a cast */
    uint32_t liobn;
    SwiftTCETable *engine;
    struct HostTable *next;
} HostTable;

static HostTable host_small_table, host_huge_table;
static HostTable *host_tables;

static IOMMUTLBEntry host_entry(const SwiftTCEMapping *m)
{
    return (IOMMUTLBEntry){ NULL, m->iova, m->translated_addr, m->addr_mask,
                            (IOMMUAccessFlags)m->perm };
}

/*
 * translate's fallback, on its own: with the call out of the callback's
 * way, GCC gives the fast path no stack frame (1.3-1.4x the baseline with
 * one, as swifttce_lookup_inline's callers have).
 */
static __attribute__((noinline, cold)) IOMMUTLBEntry
host_translate_slow(const SwiftTCETable *t, hwaddr addr)
{
    SwiftTCEMapping m = swifttce_lookup_mapping(swifttce_lookup(t, addr), addr);

    return host_entry(&m);
}

static IOMMUTLBEntry host_translate(BaseRegion *iommu, hwaddr addr,
                                    IOMMUAccessFlags flag, int iommu_idx)
{
    const SwiftTCETable *t = ((HostTable *)iommu)->engine;
    SwiftTCELookup l;
    SwiftTCEMapping m;

    (void)flag;
    (void)iommu_idx;
    if (!swifttce_lookup_fast(t, addr, &l)) {
        return host_translate_slow(t, addr);
    }
    m = swifttce_lookup_mapping(l, addr);
    return host_entry(&m);
}

static void host_replay_one(void *opaque, const SwiftTCEMapping *m)
{
    BaseNotifier *n = opaque;
    IOMMUTLBEntry e = host_entry(m);

    n->notify(n, &e);
}

static void host_replay_hook(BaseRegion *iommu, BaseNotifier *n)
{
    swifttce_replay(((HostTable *)iommu)->engine, iommu->size, host_replay_one, n);
}

static const BaseRegionOps host_region_ops = {
    .translate = host_translate,
    .replay = host_replay_hook,
};

static void host_notify(void *host_table, const SwiftTCEMapping *m)
{
    IOMMUTLBEvent ev = {
        .type = m->perm ? IOMMU_NOTIFIER_MAP : IOMMU_NOTIFIER_UNMAP,
        .entry = host_entry(m),
    };

    base_notify_iommu(&((HostTable *)host_table)->iommu, 0, ev);
}

static const SwiftTCEHostOps host_ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = host_notify,
};

static bool host_table_init(HostTable *t, uint32_t liobn, uint32_t shift,
                            uint64_t bus, uint32_t entries)
{
    t->iommu.ops = &host_region_ops;
    t->iommu.size = (uint64_t)entries << shift;
    t->liobn = liobn;
    t->engine = swifttce_table_new(&host_ops, t);
    t->next = host_tables;
    host_tables = t;
    return t->engine && swifttce_table_enable(t->engine, shift, bus, entries, NULL) == 0;
}

static int64_t host_h_put_tce(uint64_t liobn, uint64_t ioba, uint64_t tce)
{
    HostTable *t;

    for (t = host_tables; t; t = t->next) {
        if (t->liobn == liobn) {
            return swifttce_put_tce(t->engine, ioba, tce);
        }
    }
    return H_PARAMETER;
}

static BaseNotifier host_listener;

DEFINE_TRANSLATE(host_translate_random, BaseRegion, &host_small_table.iommu, RANDOM_ADDR)
DEFINE_TRANSLATE(host_translate_seq, BaseRegion, &host_small_table.iommu, SEQ_ADDR)
DEFINE_PUT(host_put_pairs, host_h_put_tce, PAIRS_INDEX, PAIRS_TCE)
DEFINE_REPLAY(host_replay, base_iommu_replay, base_replayer)

/* ---- Host mode: a 2^20-entry H_STUFF_TCE, per entry against ranged ---- */

/*
 * Two host-mode tables of 2^21 entries of 64 KiB pages, each with one
 * notifier over the whole window (the callback that sums two fields): one
 * host notifies per entry (notify, as QEMU's put_tce_emu), the other takes
 * runs (notify_range) and tells each notifier of its part in aligned
 * power-of-two blocks, as a QEMU host does (Tests/host/spapr-iommu.c). A
 * stuff of a mapping is still one event a page for the second (one TCE,
 * many iovas: no block is one mapping); its clear is one event.
 */
#define STUFF_ENTRIES   (1u << 20)
#define STUFF_SHIFT     16

static HostTable stuff_per_entry, stuff_ranged;
static BaseNotifier stuff_listener_a, stuff_listener_b;

static void host_notify_range(void *host_table, const SwiftTCEMapping *first,
                              uint64_t count, uint64_t stride)
{
    BaseRegion *mr = &((HostTable *)host_table)->iommu;
    uint64_t page = first->addr_mask + 1;
    unsigned shift = __builtin_ctzll(page);
    bool unmap = first->perm == 0;
    bool blocks = unmap || stride == page;
    IOMMUNotifierFlag type = unmap ? IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_MAP;
    BaseNotifier *n;

    for (n = mr->notifiers; n; n = n->next) {
        uint64_t k, last;

        if (n->iommu_idx != 0 || !(n->notifier_flags & type) ||
            n->end < first->iova) {
            continue;
        }
        k = n->start <= first->iova ? 0 : (n->start - first->iova) >> shift;
        last = count - 1;
        if ((n->end - first->iova) >> shift < last) {
            last = (n->end - first->iova) >> shift;
        }
        while (k <= last) {
            SwiftTCEMapping m = *first;
            uint64_t pages = 1;
            IOMMUTLBEntry e;

            m.iova = first->iova + k * page;
            m.translated_addr = first->translated_addr + k * stride;
            if (blocks) {
                unsigned align = m.iova ? __builtin_ctzll(m.iova) : 64;
                unsigned fits = 63 - __builtin_clzll(last - k + 1);

                if (!unmap && m.translated_addr &&
                    (unsigned)__builtin_ctzll(m.translated_addr) < align) {
                    align = __builtin_ctzll(m.translated_addr);
                }
                align = align > shift ? align - shift : 0;
                pages = 1ULL << (align < fits ? align : fits);
            }
            m.addr_mask = (page << __builtin_ctzll(pages)) - 1;
            if (unmap && pages > 1) {
                m.translated_addr = 0;
            }
            e = host_entry(&m);
            n->notify(n, &e);
            k += pages;
        }
    }
}

static const SwiftTCEHostOps host_ops_ranged = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = host_notify,
    .notify_range = host_notify_range,
};

static bool stuff_table_init(HostTable *t, uint32_t liobn, const SwiftTCEHostOps *ops,
                             BaseNotifier *listener)
{
    t->iommu.ops = &host_region_ops;
    t->iommu.size = (uint64_t)2 * STUFF_ENTRIES << STUFF_SHIFT;
    t->liobn = liobn;
    t->engine = swifttce_table_new(ops, t);
    *listener = (BaseNotifier){ base_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                                t->iommu.size - 1, 0, NULL };
    base_register_notifier(&t->iommu, listener);
    return t->engine &&
           swifttce_table_enable(t->engine, STUFF_SHIFT, 0, 2 * STUFF_ENTRIES, NULL) == 0;
}

/* Map 2^20 entries with one TCE, then clear them: both timed. */
static uint64_t host_stuff_map_clear(void *arg)
{
    HostTable *t = arg;
    uint64_t t0 = now_ns();

    sink += swifttce_stuff_tce(t->engine, 0, 0x12340003, STUFF_ENTRIES);
    sink += swifttce_stuff_tce(t->engine, 0, 0, STUFF_ENTRIES);
    return now_ns() - t0;
}

/*
 * A window being removed: 1024 entries mapped here and there (untimed),
 * then the guest's clear of all 2^20 (timed). Per entry, the host hears of
 * every entry; ranged, of one block, and the engine clears what was mapped.
 */
#define STUFF_SCATTERED 1024

static uint64_t host_stuff_clear(void *arg)
{
    HostTable *t = arg;
    uint64_t t0;
    unsigned i;

    for (i = 0; i < STUFF_SCATTERED; i++) {
        sink += swifttce_put_tce(t->engine,
                                 (uint64_t)(rnd() & (STUFF_ENTRIES - 1)) << STUFF_SHIFT,
                                 0x12340003);
    }
    t0 = now_ns();
    sink += swifttce_stuff_tce(t->engine, 0, 0, STUFF_ENTRIES);
    return now_ns() - t0;
}

/*
 * The standalone library's counterpart: two tables like the above, one
 * with a QEMU notifier (an event per entry), one with the same notifier
 * asking for ranges (SWIFTTCE_IOMMU_NOTIFIER_RANGES).
 */
static SpaprTceTable *stuff_std_per_entry, *stuff_std_ranged;
static IOMMUNotifier stuff_std_listener_a, stuff_std_listener_b;

static bool stuff_std_init(SpaprTceTable **t, uint32_t liobn, uint32_t flags,
                           IOMMUNotifier *listener)
{
    uint64_t size = (uint64_t)2 * STUFF_ENTRIES << STUFF_SHIFT;

    *t = spapr_tce_new_table(NULL, liobn, NULL);
    if (!*t || spapr_tce_table_enable(*t, STUFF_SHIFT, 0, 2 * STUFF_ENTRIES, NULL)) {
        return false;
    }
    iommu_notifier_init(listener, our_notify, (IOMMUNotifierFlag)flags, 0, size - 1, 0);
    return memory_region_register_iommu_notifier(spapr_tce_get_iommu_mr(*t), listener,
                                                 NULL) == 0;
}

static uint64_t std_stuff_map_clear(void *arg)
{
    uint32_t liobn = (uint32_t)(uintptr_t)arg;
    uint64_t t0 = now_ns();

    sink += spapr_h_stuff_tce(liobn, 0, 0x12340003, STUFF_ENTRIES);
    sink += spapr_h_stuff_tce(liobn, 0, 0, STUFF_ENTRIES);
    return now_ns() - t0;
}

/* ---- The sweep: a guest's DMA allocator over a long life --------------- */

/*
 * A guest keeps SWEEP_LIVE buffers of 1-16 pages (64 KiB to 1 MiB) mapped in
 * the 128 TiB window and moves them through it: SWEEP_MAPPINGS times, one
 * live buffer (chosen at random: completions of several queues interleave)
 * is unmapped and a new one mapped.
 *
 * Placement is Linux's iommu_range_alloc (arch/powerpc/kernel/iommu.c) on a
 * table of 1 GiB or more: the first 3/4 of the window is 4 pools, the last
 * 1/4 a large pool for buffers of more than 15 pages; a buffer comes from
 * its CPU's pool (4 vCPUs, one pool each) next-fit from the pool's hint,
 * wraps to the pool's start at its end, never crosses a 4 GiB boundary (the
 * default DMA segment boundary: 2^16 pages) and skips what is still mapped.
 * Mapping is the guest's tce_buildmulti_pSeriesLP (H_PUT_TCE for one page,
 * else H_PUT_TCE_INDIRECT), unmapping tce_freemulti_pSeriesLP (H_STUFF_TCE
 * of 0). Over the sweep the hints walk ~1.7 million pages: about 3,300
 * leaves, a dozen level-1 nodes and 5 level-2 nodes come and go.
 *
 * The random variant (extra) puts each buffer at a random place: 200,000
 * leaves and nearly every one of the 8,192 level-1 nodes come and go.
 */
#define SWEEP_LIVE      64
#define SWEEP_MAPPINGS  200000
#define SWEEP_POOLS     4
#define SWEEP_BOUNDARY  (1ull << 16)

typedef struct {
    uint64_t index, npages;
} Buffer;

typedef struct {
    SpaprTceTable *table;
    uint32_t liobn;
    bool random;
    uint64_t start[SWEEP_POOLS + 1], end[SWEEP_POOLS + 1], hint[SWEEP_POOLS + 1];
    Buffer live[SWEEP_LIVE];
    int nlive;
    size_t max_bytes;       /* storage_bytes after each call, at most */
    int64_t heap0, max_heap;  /* the heap at the start, and its most since */
    uint64_t entries;       /* entries mapped over the sweep */
} Sweep;

static void sweep_init(Sweep *s, SpaprTceTable *t, uint32_t liobn, bool random)
{
    uint64_t poolsize = ((uint64_t)HUGE_ENTRIES * 3 / 4) / SWEEP_POOLS;
    int p;

    memset(s, 0, sizeof(*s));
    s->table = t;
    s->liobn = liobn;
    s->random = random;
    for (p = 0; p < SWEEP_POOLS; p++) {
        s->start[p] = s->hint[p] = p * poolsize;
        s->end[p] = (p + 1) * poolsize;
    }
    s->start[SWEEP_POOLS] = s->hint[SWEEP_POOLS] = SWEEP_POOLS * poolsize;
    s->end[SWEEP_POOLS] = HUGE_ENTRIES;
    s->max_bytes = spapr_tce_table_storage_bytes(t);
    s->heap0 = s->max_heap = heap_bytes;
}

/* The live buffer that first..first+n-1 overlaps, or NULL. */
static Buffer *sweep_overlap(Sweep *s, uint64_t first, uint64_t n)
{
    int i;

    for (i = 0; i < s->nlive; i++) {
        Buffer *b = &s->live[i];

        if (first < b->index + b->npages && b->index < first + n) {
            return b;
        }
    }
    return NULL;
}

/* Where a buffer of n pages goes (see above). */
static uint64_t sweep_place(Sweep *s, uint64_t n)
{
    int pool = n > 15 ? SWEEP_POOLS : (int)(rnd() % SWEEP_POOLS);
    uint64_t at = s->hint[pool];
    Buffer *b;

    if (s->random) {
        do {
            at = rnd() % (HUGE_ENTRIES - n);
        } while (sweep_overlap(s, at, n));
        return at;
    }
    for (;;) {
        if (at / SWEEP_BOUNDARY != (at + n - 1) / SWEEP_BOUNDARY) {
            at = (at / SWEEP_BOUNDARY + 1) * SWEEP_BOUNDARY;
        }
        if (at + n > s->end[pool]) {
            at = s->start[pool];    /* a pass is over: wrap */
            continue;
        }
        b = sweep_overlap(s, at, n);
        if (!b) {
            break;
        }
        at = b->index + b->npages;
    }
    s->hint[pool] = at + n;
    return at;
}

static void sweep_sample(Sweep *s)
{
    size_t bytes = spapr_tce_table_storage_bytes(s->table);

    if (bytes > s->max_bytes) {
        s->max_bytes = bytes;
    }
    if (heap_bytes > s->max_heap) {
        s->max_heap = heap_bytes;
    }
}

static void sweep_map(Sweep *s, Buffer b)
{
    uint64_t ioba = HUGE_BUS + (b.index << HUGE_SHIFT), i;
    int64_t rc;

    if (b.npages == 1) {
        rc = spapr_h_put_tce(s->liobn, ioba, tce_for(b.index, HUGE_SHIFT));
    } else {
        for (i = 0; i < b.npages; i++) {
            list_sweep[i] = htobe64(tce_for(b.index + i, HUGE_SHIFT));
        }
        rc = spapr_h_put_tce_indirect(s->liobn, ioba, LIST_SWEEP, b.npages, &guest_mem);
    }
    if (rc != H_SUCCESS) {
        fprintf(stderr, "bench-tce: a sweep map failed (%lld)\n", (long long)rc);
        exit(2);
    }
    s->live[s->nlive++] = b;
    s->entries += b.npages;
    sweep_sample(s);
}

static void sweep_unmap(Sweep *s, int i)
{
    Buffer b = s->live[i];

    if (spapr_h_stuff_tce(s->liobn, HUGE_BUS + (b.index << HUGE_SHIFT), 0,
                          b.npages) != H_SUCCESS) {
        fprintf(stderr, "bench-tce: a sweep unmap failed\n");
        exit(2);
    }
    s->live[i] = s->live[--s->nlive];
    sweep_sample(s);
}

/* The sweep itself; SWEEP_LIVE buffers are still mapped after it. */
static void sweep_run(Sweep *s)
{
    uint32_t m;

    for (m = 0; m < SWEEP_MAPPINGS; m++) {
        uint64_t n = 1 + rnd() % 16;

        if (s->nlive == SWEEP_LIVE) {
            sweep_unmap(s, (int)(rnd() % SWEEP_LIVE));
        }
        sweep_map(s, (Buffer){ sweep_place(s, n), n });
    }
}

static uint64_t sweep_live_entries(const Sweep *s)
{
    uint64_t n = 0;
    int i;

    for (i = 0; i < s->nlive; i++) {
        n += s->live[i].npages;
    }
    return n;
}

/* ---- H_STUFF_TCE of the whole window ---------------------------------- */

/*
 * One H_STUFF_TCE of 0 over all 2^31 entries, no notifier registered, after
 * 4096 isolated mappings and 1 GiB (16,384 pages) mapped contiguously: the
 * mappings are made before the clock starts, in each run.
 */
#define STUFF_ISOLATED  4096
#define STUFF_RUN       ((1u << 30) >> HUGE_SHIFT)

static uint64_t stuff_scatter[STUFF_ISOLATED];

static void stuff_fill(int64_t (*put)(uint64_t, uint64_t, uint64_t),
                       uint64_t entries)
{
    uint64_t i, index;

    for (i = 0; i < STUFF_ISOLATED * entries / HUGE_ENTRIES; i++) {
        index = stuff_scatter[i] & (entries - 1);
        put(HUGE_LIOBN, HUGE_BUS + (index << HUGE_SHIFT), tce_for(index, HUGE_SHIFT));
    }
    for (i = 0; i < STUFF_RUN; i++) {
        index = 0x2345678u % (entries - STUFF_RUN) + i;
        put(HUGE_LIOBN, HUGE_BUS + (index << HUGE_SHIFT), tce_for(index, HUGE_SHIFT));
    }
}

static uint64_t our_stuff_clear(void *arg)
{
    uint64_t t0;

    (void)arg;
    stuff_fill(spapr_h_put_tce, HUGE_ENTRIES);
    t0 = now_ns();
    sink += spapr_h_stuff_tce(HUGE_LIOBN, HUGE_BUS, 0, HUGE_ENTRIES);
    return now_ns() - t0;
}

static uint64_t base_stuff_clear(void *arg)
{
    uint64_t t0;

    (void)arg;
    stuff_fill(base_h_put_tce, PROXY_ENTRIES);
    t0 = now_ns();
    sink += base_h_stuff_tce(HUGE_LIOBN, HUGE_BUS, 0, PROXY_ENTRIES);
    return now_ns() - t0;
}

/* ---- Map/unmap cycles: the hysteresis ---------------------------------- */

/*
 * H_PUT_TCE map then unmap of one entry in each of k otherwise empty leaves
 * (tree) or pages (flat), in turn. While k leaves fit in the emptied ring
 * (EmptiedRing), a cycle allocates nothing; past it, every leaf falls out
 * of the ring before it is used again, and each cycle allocates (tree) or
 * faults a page in (flat).
 */
#define CYCLE_OPS   (1u << 16)

typedef struct {
    int64_t (*put)(uint64_t, uint64_t, uint64_t);
    uint32_t liobn;
    uint64_t bus;
    unsigned shift;
    uint64_t stride;        /* entries between the leaves */
    unsigned k;
} CycleArg;

static uint64_t run_cycles(void *arg)
{
    CycleArg *c = arg;
    uint64_t t0 = now_ns();
    uint32_t i;

    for (i = 0; i < CYCLE_OPS; i++) {
        uint64_t index = 5 + (i % c->k) * c->stride;
        uint64_t ioba = c->bus + (index << c->shift);

        sink += c->put(c->liobn, ioba, tce_for(index, c->shift));
        sink += c->put(c->liobn, ioba, 0);
    }
    return now_ns() - t0;
}

/* Allocations (and frees) and minor faults per cycle, over one run. */
static void count_cycles(CycleArg *c, double *allocs, double *faults)
{
    uint64_t a0, f0, p0;

    run_cycles(c);          /* the steady state, not the first touches */
    a0 = allocations;
    f0 = frees;
    p0 = minor_faults();
    run_cycles(c);
    *allocs = (double)(allocations - a0 + frees - f0) / 2 / CYCLE_OPS;
    *faults = (double)(minor_faults() - p0) / CYCLE_OPS;
}

/* ---- Output ----------------------------------------------------------- */

enum {
    RATIO,      /* ours / base <= target */
    NS,         /* ours <= target ns */
    STORAGE,    /* ours <= 2 x base + 64 KiB (base: 8 B per mapped entry) */
    BYTES,      /* ours <= target bytes */
    COUNT,      /* ours <= target (allocations, faults) */
    NS_GROWTH,  /* ours <= target ns and ours / base <= target2 */
};

typedef struct {
    const char *name;
    const char *what;
    double ours, base;
    double target, target2;
    int kind;
    const char *note;
} Figure;

static Figure figs[48];
static int nfigs;

static void add2(const char *name, const char *what, double ours, double base,
                 double target, double target2, int kind, const char *note)
{
    figs[nfigs++] = (Figure){ name, what, ours, base, target, target2, kind, note };
    fprintf(stderr, "  %-22s done\n", name);
}

static void add(const char *name, const char *what, double ours, double base,
                double target, int kind, const char *note)
{
    add2(name, what, ours, base, target, 0, kind, note);
}

static bool met(const Figure *f)
{
    switch (f->kind) {
    case RATIO:
        return f->ours / f->base <= f->target;
    case STORAGE:
        return f->ours <= 2 * f->base + 65536;
    case NS_GROWTH:
        return f->ours <= f->target && f->ours / f->base <= f->target2;
    default:
        return f->ours <= f->target;
    }
}

static void target_text(const Figure *f, char *buf, size_t len)
{
    switch (f->kind) {
    case RATIO:
        snprintf(buf, len, "ratio <= %.2f", f->target);
        break;
    case NS:
        snprintf(buf, len, "ours <= %.0f ns", f->target);
        break;
    case STORAGE:
        snprintf(buf, len, "<= 2x8B/entry + 64 KiB");
        break;
    case BYTES:
        snprintf(buf, len, "ours <= %.0f B", f->target);
        break;
    case COUNT:
        snprintf(buf, len, "ours <= %g", f->target);
        break;
    default:
        snprintf(buf, len, "<= %.0f ns, ratio <= %.2f", f->target, f->target2);
        break;
    }
}

static char loadavg[64] = "?";

/* Lines printed after the figures (the hysteresis table). */
static char tail[4096];

static void tail_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void tail_printf(const char *fmt, ...)
{
    size_t used = strlen(tail);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tail + used, sizeof(tail) - used, fmt, ap);
    va_end(ap);
}

static void read_loadavg(char *buf, size_t len)
{
    FILE *f = fopen("/proc/loadavg", "r");

    if (f) {
        if (fgets(buf, (int)len, f)) {
            buf[strcspn(buf, "\n")] = 0;
        }
        fclose(f);
    }
}

/* Prints every figure; returns how many missed their targets. */
static int print_results(void)
{
    char end_load[64] = "?";
    int i, missed = 0;

    read_loadavg(end_load, sizeof(end_load));
    printf("\nSwiftTCE vs QEMU-style flat table (median of %d runs after a warm-up, "
           "ns per op unless said)\n", runs);
    printf("Both sides: 2 tables in the LIOBN list, 1 notifier registered on the "
           "2 GiB window (MAP|UNMAP, whole window);\n"
           "replay goes to 1 more notifier. Runs alternate ours/baseline; nothing is "
           "pinned. The baseline cannot allocate\n"
           "the 128 TiB window (2^31 entries, 16 GiB): its replay figures are measured "
           "on 2^22 entries (same density)\nand extrapolated linearly (x512). "
           "Load average at start: %s; at end: %s\n\n", loadavg, end_load);
    printf("%-22s %-46s %12s %14s %8s  %-26s %s\n", "figure", "what", "ours",
           "baseline", "ratio", "target", "met");
    for (i = 0; i < nfigs; i++) {
        const Figure *f = &figs[i];
        char target[40];

        target_text(f, target, sizeof(target));
        printf("%-22s %-46s %12.2f %14.2f %8.3g  %-26s %s%s%s\n", f->name, f->what,
               f->ours, f->base, f->base ? f->ours / f->base : 0, target,
               met(f) ? "yes" : "NO", f->note ? "  " : "", f->note ? f->note : "");
    }
    printf("\n");
    for (i = 0; i < nfigs; i++) {
        const Figure *f = &figs[i];
        const char *unit = f->kind == STORAGE || f->kind == BYTES ? "_bytes"
                         : f->kind == COUNT ? "" : "_ns";

        printf("bench %s ours%s=%.3f base%s=%.3f ratio=%.4g met=%s\n", f->name,
               unit, f->ours, unit, f->base, f->base ? f->ours / f->base : 0, met(f) ? "yes" : "NO");
        missed += !met(f);
    }
    return missed;
}

/* The last line: which targets were missed (main then exits with 1). */
static void print_verdict(int missed)
{
    int i;

    if (missed) {
        printf("bench: %d target%s NOT met:", missed, missed == 1 ? "" : "s");
        for (i = 0; i < nfigs; i++) {
            if (!met(&figs[i])) {
                printf(" %s", figs[i].name);
            }
        }
        printf("\n");
    } else {
        printf("bench: every target met\n");
    }
}

/* ---- Main ------------------------------------------------------------- */

static void fill_small(void)
{
    uint32_t i;

    for (i = 0; i < SMALL_ENTRIES; i++) {
        uint64_t ioba = SMALL_BUS + ((uint64_t)i << SMALL_SHIFT);
        spapr_h_put_tce(SMALL_LIOBN, ioba, tce_for(i, SMALL_SHIFT));
        base_h_put_tce(SMALL_LIOBN, ioba, tce_for(i, SMALL_SHIFT));
        host_h_put_tce(SMALL_LIOBN, ioba, tce_for(i, SMALL_SHIFT));
    }
}

int main(void)
{
    const char *env = getenv("BENCH_RUNS");
    double ours, base;
    uint32_t i;
    size_t bytes, empty;
    double unused_ns;
    ReplayArg ra, rb;
    int missed;

    if (env && atoi(env) > 0) {
        runs = atoi(env);
    }
    for (i = 0; i < ADDR_COUNT; i++) {
        addrs[i] = rnd() & (((uint64_t)SMALL_ENTRIES << SMALL_SHIFT) - 1);
    }
    for (i = 0; i < 512; i++) {
        list_map[i] = htobe64(tce_for(i, SMALL_SHIFT));
        list_unmap[i] = 0;
    }

    /* The same registries on both sides, created in the same order. */
    our_small = spapr_tce_new_table(NULL, SMALL_LIOBN, NULL);
    our_huge = spapr_tce_new_table(NULL, HUGE_LIOBN, NULL);
    base_small = base_tce_new_table(SMALL_LIOBN);
    base_huge = base_tce_new_table(HUGE_LIOBN);
    if (!our_small || !our_huge || !base_small || !base_huge ||
        spapr_tce_table_enable(our_small, SMALL_SHIFT, SMALL_BUS, SMALL_ENTRIES, NULL) ||
        spapr_tce_table_enable(our_huge, HUGE_SHIFT, HUGE_BUS, HUGE_ENTRIES, NULL) ||
        !base_tce_table_enable(base_small, SMALL_SHIFT, SMALL_BUS, SMALL_ENTRIES) ||
        !base_tce_table_enable(base_huge, HUGE_SHIFT, HUGE_BUS, PROXY_ENTRIES)) {
        fprintf(stderr, "bench-tce: setting up the tables failed\n");
        return 1;
    }
    if (!host_table_init(&host_small_table, SMALL_LIOBN, SMALL_SHIFT, SMALL_BUS,
                         SMALL_ENTRIES) ||
        !host_table_init(&host_huge_table, HUGE_LIOBN, HUGE_SHIFT, HUGE_BUS,
                         HUGE_ENTRIES)) {
        fprintf(stderr, "bench-tce: setting up the host's tables failed\n");
        return 1;
    }
    our_small_mr = spapr_tce_get_iommu_mr(our_small);
    our_huge_mr = spapr_tce_get_iommu_mr(our_huge);

    iommu_notifier_init(&our_listener, our_notify, IOMMU_NOTIFIER_IOTLB_EVENTS,
                        0, ((uint64_t)SMALL_ENTRIES << SMALL_SHIFT) - 1, 0);
    if (memory_region_register_iommu_notifier(our_small_mr, &our_listener, NULL)) {
        fprintf(stderr, "bench-tce: registering the notifier failed\n");
        return 1;
    }
    base_listener = (BaseNotifier){ base_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                                    ((uint64_t)SMALL_ENTRIES << SMALL_SHIFT) - 1, 0, NULL };
    base_register_notifier(&base_small->iommu, &base_listener);
    host_listener = base_listener;
    base_register_notifier(&host_small_table.iommu, &host_listener);
    iommu_notifier_init(&our_replayer, our_notify, IOMMU_NOTIFIER_IOTLB_EVENTS,
                        0, HWADDR_MAX, 0);
    base_replayer = (BaseNotifier){ base_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                                    HWADDR_MAX, 0, NULL };

    read_loadavg(loadavg, sizeof(loadavg));
    fprintf(stderr, "bench-tce: %d runs per figure\n", runs);
    fill_small();

    if (wanted("translate_random")) {
        measure_pair(our_translate_random, NULL, TRANSLATE_OPS,
                     base_translate_random, NULL, TRANSLATE_OPS, runs, &ours, &base);
        add("translate_random", "ops->translate, random, 2 GiB/4 KiB mapped", ours, base,
            1.10, RATIO, NULL);
    }
    if (wanted("translate_seq")) {
        measure_pair(our_translate_seq, NULL, TRANSLATE_OPS,
                     base_translate_seq, NULL, TRANSLATE_OPS, runs, &ours, &base);
        add("translate_seq", "ops->translate, sequential, same window", ours, base,
            1.10, RATIO, NULL);
    }
    if (wanted("replay_dense_2g")) {
        ra = (ReplayArg){ our_small_mr, 1 };
        rb = (ReplayArg){ &base_small->iommu, 1 };
        measure_pair(our_replay, &ra, 1, base_replay, &rb, 1, runs, &ours, &base);
        add("replay_dense_2g", "replay, 2 GiB/4 KiB all mapped (per replay)", ours, base,
            1.0, RATIO, NULL);
    }
    if (wanted("put_tce")) {
        measure_pair(our_put_pairs, NULL, PUT_OPS, base_put_pairs, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("put_tce", "H_PUT_TCE, map+unmap pairs, random pages", ours, base,
            1.3, RATIO, NULL);
    }
    if (wanted("put_tce_seq")) {
        measure_pair(our_put_seq, NULL, PUT_OPS, base_put_seq, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("put_tce_seq", "H_PUT_TCE, map 64 consecutive, unmap them", ours, base,
            1.3, RATIO, NULL);
    }
    if (wanted("put_tce_remap")) {
        fill_small();
        measure_pair(our_put_remap, NULL, PUT_OPS, base_put_remap, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("put_tce_remap", "H_PUT_TCE, remap mapped pages (extra)", ours, base,
            1.3, RATIO, NULL);
    }
    if (wanted("host_translate_random")) {
        measure_pair(host_translate_random, NULL, TRANSLATE_OPS,
                     base_translate_random, NULL, TRANSLATE_OPS, runs, &ours, &base);
        add("host_translate_random", "host mode: the host's translate, random",
            ours, base, 1.1, RATIO,
            "the host's callback, swifttce_lookup_fast inline: QEMU's load and a second look at the geometry");
    }
    if (wanted("host_translate_seq")) {
        measure_pair(host_translate_seq, NULL, TRANSLATE_OPS,
                     base_translate_seq, NULL, TRANSLATE_OPS, runs, &ours, &base);
        add("host_translate_seq", "host mode: the host's translate, sequential",
            ours, base, 1.1, RATIO, NULL);
    }
    if (wanted("host_replay_dense_2g")) {
        ra = (ReplayArg){ &host_small_table.iommu, 1 };
        rb = (ReplayArg){ &base_small->iommu, 1 };
        measure_pair(host_replay, &ra, 1, base_replay, &rb, 1, runs, &ours, &base);
        add("host_replay_dense_2g", "host mode: replay, 2 GiB/4 KiB all mapped",
            ours, base, 1.0, RATIO, "swifttce_replay to the host's notifier");
    }
    if (wanted("host_put_tce")) {
        measure_pair(host_put_pairs, NULL, PUT_OPS, base_put_pairs, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("host_put_tce", "host mode: H_PUT_TCE, map+unmap pairs, random", ours,
            base, 1.3, RATIO, "the host's LIOBN list, then swifttce_put_tce");
    }
    if (wanted("host_stuff_1m_ranged") || wanted("host_stuff_clear_1m_ranged")) {
        if (!stuff_table_init(&stuff_per_entry, 0x80000010u, &host_ops, &stuff_listener_a) ||
            !stuff_table_init(&stuff_ranged, 0x80000011u, &host_ops_ranged,
                              &stuff_listener_b)) {
            fprintf(stderr, "bench-tce: setting up the stuff tables failed\n");
            return 1;
        }
    }
    if (wanted("host_stuff_1m_ranged")) {
        measure_pair(host_stuff_map_clear, &stuff_ranged, 2.0 * STUFF_ENTRIES,
                     host_stuff_map_clear, &stuff_per_entry, 2.0 * STUFF_ENTRIES,
                     runs, &ours, &base);
        add("host_stuff_1m_ranged", "host mode: H_STUFF_TCE 2^20 map+clear, 1 notifier",
            ours, base, 0.9, RATIO,
            "ns an entry; ours: notify_range in blocks, base: the engine per entry");
    }
    if (wanted("host_stuff_clear_1m_ranged")) {
        measure_pair(host_stuff_clear, &stuff_ranged, STUFF_ENTRIES,
                     host_stuff_clear, &stuff_per_entry, STUFF_ENTRIES,
                     runs, &ours, &base);
        add("host_stuff_clear_1m_ranged", "host mode: clear 2^20, 1024 mapped, 1 notifier",
            ours, base, 0.2, RATIO,
            "ns an entry; ranged: one event, the engine's cost what was mapped");
    }
    if (wanted("stuff_1m_ranged")) {
        if (!stuff_std_init(&stuff_std_per_entry, 0x80000012u, IOMMU_NOTIFIER_IOTLB_EVENTS,
                            &stuff_std_listener_a) ||
            !stuff_std_init(&stuff_std_ranged, 0x80000013u,
                            IOMMU_NOTIFIER_IOTLB_EVENTS | SWIFTTCE_IOMMU_NOTIFIER_RANGES,
                            &stuff_std_listener_b)) {
            fprintf(stderr, "bench-tce: setting up the stuff tables failed\n");
            return 1;
        }
        measure_pair(std_stuff_map_clear, (void *)(uintptr_t)0x80000013u, 2.0 * STUFF_ENTRIES,
                     std_stuff_map_clear, (void *)(uintptr_t)0x80000012u, 2.0 * STUFF_ENTRIES,
                     runs, &ours, &base);
        add("stuff_1m_ranged", "H_STUFF_TCE 2^20 map+clear, ranged notifier",
            ours, base, 1.0, RATIO,
            "ns an entry; base: the same with a per-entry (QEMU) notifier");
    }
    if (wanted("put_tce_indirect_512")) {
        measure_pair(our_indirect, NULL, INDIRECT_OPS, base_indirect, NULL, INDIRECT_OPS,
                     runs, &ours, &base);
        add("put_tce_indirect_512", "H_PUT_TCE_INDIRECT of 512, map then unmap", ours,
            base, 1.3, RATIO, "(no target given; 1.3 as for H_PUT_TCE)");
    }

    /*
     * The empty 128 TiB window: ours in full (10000 replays per run); the
     * baseline walks 2^22 entries (one replay per run, 3 runs: it is slow)
     * and its time is multiplied by 2^31 / 2^22 = 512.
     */
    if (wanted("replay_empty_128t")) {
        double unused;

        ra = (ReplayArg){ our_huge_mr, 10000 };
        rb = (ReplayArg){ &base_huge->iommu, 1 };
        measure_pair(our_replay, &ra, 10000, base_replay, &rb, 1 / PROXY_FACTOR, 3,
                     &unused, &base);
        measure_pair(our_replay, &ra, 10000, our_replay, &ra, 10000, runs,
                     &ours, &unused);
        add("replay_empty_128t", "replay, empty 128 TiB/64 KiB (per replay)", ours, base,
            1000, NS, "baseline extrapolated x512 from 2^22 entries");
    }

    /* 4096 scattered mappings; the baseline keeps their density on 2^22. */
    if (wanted("replay_scattered_4096")) {
        double unused;

        for (i = 0; i < SCATTERED; i++) {
            huge_scatter[i] = rnd() & (HUGE_ENTRIES - 1);
            spapr_h_put_tce(HUGE_LIOBN, HUGE_BUS + (huge_scatter[i] << HUGE_SHIFT),
                            tce_for(huge_scatter[i], HUGE_SHIFT));
        }
        for (i = 0; i < SCATTERED / (HUGE_ENTRIES / PROXY_ENTRIES); i++) {
            uint64_t index = huge_scatter[i] & (PROXY_ENTRIES - 1);
            base_h_put_tce(HUGE_LIOBN, HUGE_BUS + (index << HUGE_SHIFT),
                           tce_for(index, HUGE_SHIFT));
        }
        ra = (ReplayArg){ our_huge_mr, 20 };
        rb = (ReplayArg){ &base_huge->iommu, 1 };
        measure_pair(our_replay, &ra, 20.0 * SCATTERED, base_replay, &rb,
                     SCATTERED / PROXY_FACTOR, 3, &unused, &base);
        measure_pair(our_replay, &ra, 20.0 * SCATTERED, our_replay, &ra,
                     20.0 * SCATTERED, runs, &ours, &unused);
        add("replay_scattered_4096", "replay, 4096 mappings in 128 TiB (per mapping)",
            ours, base, 20, NS, "baseline extrapolated x512 from 8 in 2^22");
        /* The same 4096 isolated mappings: what each one costs to hold. */
        bytes = spapr_tce_table_storage_bytes(our_huge);
        add("isolated_bytes_4096", "bytes per mapping, 4096 isolated in 128 TiB",
            (double)bytes / SCATTERED, 8.0 * HUGE_ENTRIES / SCATTERED, 1024, BYTES,
            "all the table's bytes / 4096; baseline: QEMU's 16 GiB / 4096; replay: the row above");
        spapr_tce_table_reset(our_huge);
    }

    /* Storage with 1 GiB mapped contiguously (not leaf-aligned). */
    if (wanted("storage_1g_in_128t")) {
        for (i = 0; i < (1u << 30) >> HUGE_SHIFT; i++) {
            uint64_t index = 0x12345u + i;
            spapr_h_put_tce(HUGE_LIOBN, HUGE_BUS + (index << HUGE_SHIFT),
                            tce_for(index, HUGE_SHIFT));
        }
        bytes = spapr_tce_table_storage_bytes(our_huge);
        add("storage_1g_in_128t", "bytes, 1 GiB mapped in 128 TiB/64 KiB",
            (double)bytes, 8.0 * ((1u << 30) >> HUGE_SHIFT), 0, STORAGE,
            "baseline = 8 B per mapped entry (QEMU's flat table: 16 GiB)");
    }
    spapr_tce_table_reset(our_huge);
    empty = spapr_tce_table_storage_bytes(our_huge);

    for (i = 0; i < 2; i++) {
        static const char *const names[2][4] = {
            { "sweep_bytes_during", "replay_after_sweep", "sweep_bytes_after", "sweep" },
            { "sweep_random_during", "replay_after_random", "sweep_random_after",
              "sweep_random" },
        };
        static char notes[2][3][160];
        const char *const *name = names[i];
        SpaprTceTable *fresh;
        Sweep sw;
        uint64_t t0, sweep_ns, live_entries;
        int b;

        if (!wanted(name[3])) {
            continue;
        }
        /* The sweep, then replay with its 64 buffers still mapped. */
        sweep_init(&sw, our_huge, HUGE_LIOBN, i == 1);
        t0 = now_ns();
        sweep_run(&sw);
        sweep_ns = now_ns() - t0;
        snprintf(notes[i][0], sizeof(notes[i][0]),
                 "target: empty window (%zu B) + 128 KiB; baseline: QEMU's flat table; "
                 "%.0f ns per buffer mapped+unmapped; heap: at most %+" PRId64 " B%s", empty,
                 (double)sweep_ns / SWEEP_MAPPINGS, sw.max_heap - sw.heap0,
                 i ? " (extra)" : "");
        add(name[0], i ? "max bytes, sweep at random places (extra)"
                       : "max bytes over the sweep (200,000 buffers)",
            (double)sw.max_bytes, 8.0 * HUGE_ENTRIES, (double)empty + 128 * 1024, BYTES,
            notes[i][0]);

        /* The same buffers in a table that never held anything else. */
        live_entries = sweep_live_entries(&sw);
        fresh = spapr_tce_new_table(NULL, HUGE_LIOBN + 1, NULL);
        if (!fresh ||
            spapr_tce_table_enable(fresh, HUGE_SHIFT, HUGE_BUS, HUGE_ENTRIES, NULL)) {
            fprintf(stderr, "bench-tce: setting up the fresh table failed\n");
            return 1;
        }
        for (b = 0; b < sw.nlive; b++) {
            uint64_t e;

            for (e = 0; e < sw.live[b].npages; e++) {
                uint64_t index = sw.live[b].index + e;

                spapr_h_put_tce(HUGE_LIOBN + 1, HUGE_BUS + (index << HUGE_SHIFT),
                                tce_for(index, HUGE_SHIFT));
            }
        }
        ra = (ReplayArg){ our_huge_mr, 200 };
        rb = (ReplayArg){ spapr_tce_get_iommu_mr(fresh), 200 };
        measure_pair(our_replay, &ra, 200.0 * live_entries, our_replay, &rb,
                     200.0 * live_entries, runs, &ours, &base);
        snprintf(notes[i][1], sizeof(notes[i][1]),
                 "ns per entry replayed (%" PRIu64 " entries in %d buffers; %.0f ns per "
                 "buffer); baseline: the same in a fresh table", live_entries, sw.nlive,
                 ours * (double)live_entries / sw.nlive);
        add2(name[1], i ? "replay after the random sweep (extra)"
                        : "replay after the sweep, 64 buffers (per entry)",
             ours, base, 50, 1.5, NS_GROWTH, notes[i][1]);
        spapr_tce_table_free(fresh);

        /* Everything unmapped. */
        while (sw.nlive > 0) {
            sweep_unmap(&sw, sw.nlive - 1);
        }
        bytes = spapr_tce_table_storage_bytes(our_huge);
        snprintf(notes[i][2], sizeof(notes[i][2]),
                 "target: empty window (%zu B) + 64 KiB; %zu B above it; heap %+" PRId64
                 " B since the sweep began", empty, bytes - empty, heap_bytes - sw.heap0);
        add(name[2], i ? "bytes after unmapping all, random (extra)"
                       : "bytes after the sweep, all unmapped",
            (double)bytes, 8.0 * HUGE_ENTRIES, (double)empty + 64 * 1024, BYTES,
            notes[i][2]);
        if (i == 0) {
            /*
             * The heap the library holds beyond what it held when the sweep
             * began (the empty window): its nodes, and the nodes unlinked
             * but not yet freed, which wait for their grace period in the
             * table's garbage (storage_bytes does not count those).
             */
            add("sweep_heap_during", "max heap over the sweep, garbage too (extra)",
                (double)(sw.max_heap - sw.heap0), 8.0 * HUGE_ENTRIES, 128 * 1024, BYTES,
                "malloc'd bytes above the sweep's start, by an interposer");
            add("sweep_heap_after", "heap after the sweep, garbage too (extra)",
                (double)(heap_bytes - sw.heap0), 8.0 * HUGE_ENTRIES, 64 * 1024, BYTES,
                "the same, all unmapped");
        }
        spapr_tce_table_reset(our_huge);
    }

    if (wanted("stuff_clear_128t")) {
        for (i = 0; i < STUFF_ISOLATED; i++) {
            stuff_scatter[i] = rnd() & (HUGE_ENTRIES - 1);
        }
        measure_pair(our_stuff_clear, NULL, 1, base_stuff_clear, NULL, 1 / PROXY_FACTOR,
                     5, &ours, &base);
        measure_pair(our_stuff_clear, NULL, 1, our_stuff_clear, NULL, 1, runs,
                     &ours, &unused_ns);
        bytes = spapr_tce_table_storage_bytes(our_huge);
        add("stuff_clear_128t", "H_STUFF_TCE 0 over 2^31 entries, no notifier",
            ours, base, 10e6, NS,
            "after 4096 isolated + 1 GiB mapped; baseline extrapolated x512 from 2^22");
        if (bytes > empty + 64 * 1024) {
            fprintf(stderr, "bench-tce: the stuff clear left %zu bytes\n", bytes);
            return 1;
        }
        spapr_tce_table_reset(our_huge);
    }

    /*
     * Map/unmap cycles: one entry of an otherwise empty leaf of the 128 TiB
     * window (both sides without a notifier there), then k leaves in turn.
     */
    if (wanted("cycle_1leaf")) {
        CycleArg one = { spapr_h_put_tce, HUGE_LIOBN, HUGE_BUS, HUGE_SHIFT, 1 << 20, 1 };
        CycleArg over = one;
        double allocs, faults;
        static char note[160];

        /* The ring's capacity, as the table behaves: the most leaves in turn
         * whose cycles allocate nothing. */
        for (over.k = 1; over.k <= 64; over.k++) {
            count_cycles(&over, &allocs, &faults);
            spapr_tce_table_reset(our_huge);
            if (allocs > 0) {
                break;
            }
        }
        measure_pair(run_cycles, &one, CYCLE_OPS, run_cycles, &over, CYCLE_OPS,
                     runs, &ours, &base);
        snprintf(note, sizeof(note), "baseline: %u leaves in turn (the ring holds %u), "
                 "so each cycle unlinks and allocates", over.k, over.k - 1);
        add("cycle_1leaf_ns", "map+unmap, 1 entry of an empty leaf (per cycle)",
            ours, base, 0.6, RATIO, note);
        bytes = spapr_tce_table_storage_bytes(our_huge);
        count_cycles(&one, &allocs, &faults);
        add("cycle_1leaf_allocs", "allocations per map+unmap cycle, same",
            allocs + (spapr_tce_table_storage_bytes(our_huge) != bytes), 0, 0, COUNT,
            "malloc-family calls (interposed) per cycle, +1 if storage_bytes moved");
        spapr_tce_table_reset(our_huge);
    }
    if (wanted("hysteresis")) {
        static const unsigned ks[] = { 1, 2, 4, 8, 9, 16, 32, 64 };
        unsigned j;

        spapr_tce_table_reset(our_small);
        memset(base_small->table, 0, (size_t)SMALL_ENTRIES * 8);
        tail_printf("\nHysteresis: H_PUT_TCE map+unmap of one entry in each of k otherwise empty "
               "leaves in turn (ns per cycle, median of up to 7 runs;\nallocations and minor faults per "
               "cycle; bytes held once they stop, all unmapped). tree: the 128 TiB window, leaves 2^20 entries apart, no notifier; "
               "flat:\nthe 2 GiB window, 512-entry pages 4 MiB apart, one notifier; "
               "baseline: the flat C table, same entries.\n");
        tail_printf("%4s %10s %9s %9s %10s %9s %9s %9s\n", "k", "tree ns", "allocs",
                    "held B", "flat ns", "faults", "held B", "base ns");
        for (j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
            CycleArg tree = { spapr_h_put_tce, HUGE_LIOBN, HUGE_BUS, HUGE_SHIFT, 1 << 20, ks[j] };
            CycleArg flat = { spapr_h_put_tce, SMALL_LIOBN, SMALL_BUS, SMALL_SHIFT, 1024, ks[j] };
            CycleArg bflat = { base_h_put_tce, SMALL_LIOBN, SMALL_BUS, SMALL_SHIFT, 1024, ks[j] };
            double tree_ns, flat_ns, base_ns, tree_allocs, flat_faults, x;
            size_t tree_held, flat_held;

            /* At most 7 runs: past the ring a flat run takes 0.3 s. */
            measure_pair(run_cycles, &tree, CYCLE_OPS, run_cycles, &flat, CYCLE_OPS,
                         runs < 7 ? runs : 7, &tree_ns, &flat_ns);
            measure_pair(run_cycles, &bflat, CYCLE_OPS, run_cycles, &bflat, CYCLE_OPS,
                         5, &base_ns, &x);
            count_cycles(&tree, &tree_allocs, &x);
            count_cycles(&flat, &x, &flat_faults);
            /* What the ring keeps once the cycles stop (all unmapped). */
            tree_held = spapr_tce_table_storage_bytes(our_huge) - empty;
            flat_held = spapr_tce_table_storage_bytes(our_small);
            tail_printf("%4u %10.1f %9.3f %9zu %10.1f %9.3f %9zu %9.1f\n", ks[j], tree_ns,
                        tree_allocs, tree_held, flat_ns, flat_faults, flat_held, base_ns);
            tail_printf("bench hysteresis_k%u tree_ns=%.1f tree_allocs=%.3f tree_held=%zu "
                        "flat_ns=%.1f flat_faults=%.3f flat_held=%zu base_ns=%.1f\n", ks[j],
                        tree_ns, tree_allocs, tree_held, flat_ns, flat_faults, flat_held,
                        base_ns);
            spapr_tce_table_reset(our_huge);
            spapr_tce_table_reset(our_small);
        }
    }

    missed = print_results();
    fputs(tail, stdout);
    print_verdict(missed);
    if (sink == 42) {
        printf("(sink)\n");
    }
    return missed ? 1 : 0;
}
