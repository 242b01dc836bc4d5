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
 * Output: a table, then one line per figure:
 *   bench <name> ours_ns=... base_ns=... ratio=...
 * (storage: ours_bytes=... base_bytes=...). BENCH_RUNS overrides RUNS.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <endian.h>

#include "swifttce.h"
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
#define INDIRECT_OPS 512u

static uint64_t list_map[512] __attribute__((aligned(4096)));
static uint64_t list_unmap[512] __attribute__((aligned(4096)));

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

/* ---- Output ----------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *what;
    double ours, base;
    double target;         /* ratio, or absolute ns/bytes (see kind) */
    int kind;              /* 0: ratio <= target; 1: ours_ns <= target; 2: bytes */
    const char *note;
} Figure;

static Figure figs[24];
static int nfigs;

static void add(const char *name, const char *what, double ours, double base,
                double target, int kind, const char *note)
{
    figs[nfigs++] = (Figure){ name, what, ours, base, target, kind, note };
    fprintf(stderr, "  %-22s done\n", name);
}

static bool met(const Figure *f)
{
    switch (f->kind) {
    case 0:
        return f->ours / f->base <= f->target;
    case 1:
        return f->ours <= f->target;
    default:
        return f->ours <= 2 * f->base + 65536;
    }
}

static char loadavg[64] = "?";

static void read_loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "r");

    if (f) {
        if (fgets(loadavg, sizeof(loadavg), f)) {
            loadavg[strcspn(loadavg, "\n")] = 0;
        }
        fclose(f);
    }
}

static void print_results(void)
{
    int i;

    printf("\nSwiftTCE vs QEMU-style flat table (median of %d runs after a warm-up, "
           "ns per op unless said)\n", runs);
    printf("Both sides: 2 tables in the LIOBN list, 1 notifier registered on the "
           "2 GiB window (MAP|UNMAP, whole window);\n"
           "replay goes to 1 more notifier. Runs alternate ours/baseline; nothing is "
           "pinned. The baseline cannot allocate\n"
           "the 128 TiB window (2^31 entries, 16 GiB): its replay figures are measured "
           "on 2^22 entries (same density)\nand extrapolated linearly (x512). "
           "Load average at start: %s\n\n", loadavg);
    printf("%-22s %-44s %12s %14s %8s  %-26s %s\n", "figure", "what", "ours",
           "baseline", "ratio", "target", "met");
    for (i = 0; i < nfigs; i++) {
        const Figure *f = &figs[i];
        char target[40];

        if (f->kind == 0) {
            snprintf(target, sizeof(target), "ratio <= %.2f", f->target);
        } else if (f->kind == 1) {
            snprintf(target, sizeof(target), "ours <= %.0f ns", f->target);
        } else {
            snprintf(target, sizeof(target), "<= 2x8B/entry + 64 KiB");
        }
        printf("%-22s %-44s %12.2f %14.2f %8.3g  %-26s %s%s%s\n", f->name, f->what,
               f->ours, f->base, f->ours / f->base, target,
               met(f) ? "yes" : "NO", f->note ? "  " : "", f->note ? f->note : "");
    }
    printf("\n");
    for (i = 0; i < nfigs; i++) {
        const Figure *f = &figs[i];

        if (f->kind == 2) {
            printf("bench %s ours_bytes=%.0f base_bytes=%.0f ratio=%.4f\n",
                   f->name, f->ours, f->base, f->ours / f->base);
        } else {
            printf("bench %s ours_ns=%.3f base_ns=%.3f ratio=%.4g\n",
                   f->name, f->ours, f->base, f->ours / f->base);
        }
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
    }
}

int main(void)
{
    const char *env = getenv("BENCH_RUNS");
    double ours, base;
    uint32_t i;
    size_t bytes;
    ReplayArg ra, rb;

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
    iommu_notifier_init(&our_replayer, our_notify, IOMMU_NOTIFIER_IOTLB_EVENTS,
                        0, HWADDR_MAX, 0);
    base_replayer = (BaseNotifier){ base_notify, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                                    HWADDR_MAX, 0, NULL };

    read_loadavg();
    fprintf(stderr, "bench-tce: %d runs per figure\n", runs);
    fill_small();

    if (wanted("translate_random")) {
        measure_pair(our_translate_random, NULL, TRANSLATE_OPS,
                     base_translate_random, NULL, TRANSLATE_OPS, runs, &ours, &base);
        add("translate_random", "ops->translate, random, 2 GiB/4 KiB mapped", ours, base,
            1.15, 0, NULL);
    }
    if (wanted("translate_seq")) {
        measure_pair(our_translate_seq, NULL, TRANSLATE_OPS,
                     base_translate_seq, NULL, TRANSLATE_OPS, runs, &ours, &base);
        add("translate_seq", "ops->translate, sequential, same window", ours, base,
            1.15, 0, NULL);
    }
    if (wanted("replay_dense_2g")) {
        ra = (ReplayArg){ our_small_mr, 1 };
        rb = (ReplayArg){ &base_small->iommu, 1 };
        measure_pair(our_replay, &ra, 1, base_replay, &rb, 1, runs, &ours, &base);
        add("replay_dense_2g", "replay, 2 GiB/4 KiB all mapped (per replay)", ours, base,
            1.0, 0, NULL);
    }
    if (wanted("put_tce")) {
        measure_pair(our_put_pairs, NULL, PUT_OPS, base_put_pairs, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("put_tce", "H_PUT_TCE, map+unmap pairs, random pages", ours, base,
            1.3, 0, NULL);
    }
    if (wanted("put_tce_seq")) {
        measure_pair(our_put_seq, NULL, PUT_OPS, base_put_seq, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("put_tce_seq", "H_PUT_TCE, map 64 consecutive, unmap them", ours, base,
            1.3, 0, NULL);
    }
    if (wanted("put_tce_remap")) {
        fill_small();
        measure_pair(our_put_remap, NULL, PUT_OPS, base_put_remap, NULL, PUT_OPS,
                     runs, &ours, &base);
        add("put_tce_remap", "H_PUT_TCE, remap mapped pages (extra)", ours, base,
            1.3, 0, NULL);
    }
    if (wanted("put_tce_indirect_512")) {
        measure_pair(our_indirect, NULL, INDIRECT_OPS, base_indirect, NULL, INDIRECT_OPS,
                     runs, &ours, &base);
        add("put_tce_indirect_512", "H_PUT_TCE_INDIRECT of 512, map then unmap", ours,
            base, 1.3, 0, "(no target given; 1.3 as for H_PUT_TCE)");
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
            1000, 1, "baseline extrapolated x512 from 2^22 entries");
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
            ours, base, 50, 1, "baseline extrapolated x512 from 8 in 2^22");
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
            (double)bytes, 8.0 * ((1u << 30) >> HUGE_SHIFT), 0, 2,
            "baseline = 8 B per mapped entry (QEMU's flat table: 16 GiB)");
    }

    print_results();
    if (sink == 42) {
        printf("(sink)\n");
    }
    return 0;
}
