/*
 * SwiftTCE IOMMU core (memory.h), driven by a C-written IOMMU.
 *
 * The fake IOMMU below has its own ops table, so everything here goes through
 * the generic paths: page size fallback, the generic replay walk, notifier
 * registration and flag bookkeeping, and event filtering.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

/* ---- A C-written IOMMU ------------------------------------------------ */

typedef struct FlagCall {
    IOMMUNotifierFlag old_flags;
    IOMMUNotifierFlag new_flags;
} FlagCall;

typedef struct FakeIOMMU {
    IOMMUMemoryRegion mr;
    uint64_t min_page;          /* get_min_page_size's answer */
    int num_indexes;            /* num_indexes' answer */
    /* notify_flag_changed refuses when new_flags & fail_on, or always */
    IOMMUNotifierFlag fail_on;
    bool fail_always;
    GArray *flag_calls;         /* of FlagCall */
    /* translate bookkeeping */
    GArray *translates;         /* of hwaddr; NULL: only count */
    uint64_t translate_count;
    uint64_t mapped_count;      /* results with perm != IOMMU_NONE */
    hwaddr last_addr;
    hwaddr first_addr;          /* the first translate's address expected */
    uint64_t stride;            /* expected step between translates, or 0 */
    bool stride_ok;
    bool flag_ok;               /* every translate had IOMMU_NONE */
    int last_idx;
    /* replay hook bookkeeping */
    unsigned replay_calls;
    IOMMUNotifier *replay_notifier;
} FakeIOMMU;

#define FAKE_HOOK_ERRNO   (-ENOSPC)
#define FAKE_HOOK_MESSAGE "fake-iommu: notify_flag_changed refuses"

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finaliser: a fixed, well spread function of x */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static FakeIOMMU *fake_of(IOMMUMemoryRegion *iommu)
{
    FakeIOMMU *fake = memory_region_get_opaque(iommu);

    g_assert_true(&fake->mr == iommu);
    return fake;
}

/* What the fake maps at addr for iommu_idx: a pure function of both. */
static IOMMUTLBEntry fake_entry(FakeIOMMU *fake, hwaddr addr, int iommu_idx)
{
    uint64_t h = mix64(addr ^ ((uint64_t)iommu_idx << 56));
    IOMMUTLBEntry e = {
        .target_as = (AddressSpace *)fake,
        .iova = addr,
        .translated_addr = h & ~0xfffULL,
        .addr_mask = 0xfff,
        .perm = (IOMMUAccessFlags)(h & 3),
    };
    return e;
}

static IOMMUTLBEntry fake_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                    IOMMUAccessFlags flag, int iommu_idx)
{
    FakeIOMMU *fake = fake_of(iommu);
    IOMMUTLBEntry e = fake_entry(fake, addr, iommu_idx);

    if (fake->translate_count == 0) {
        fake->stride_ok = addr == fake->first_addr;
    } else if (fake->stride && addr != fake->last_addr + fake->stride) {
        fake->stride_ok = false;
    }
    if (flag != IOMMU_NONE) {
        fake->flag_ok = false;
    }
    fake->translate_count++;
    fake->last_addr = addr;
    fake->last_idx = iommu_idx;
    if (e.perm != IOMMU_NONE) {
        fake->mapped_count++;
    }
    if (fake->translates) {
        g_array_append_val(fake->translates, addr);
    }
    return e;
}

static uint64_t fake_get_min_page_size(IOMMUMemoryRegion *iommu)
{
    return fake_of(iommu)->min_page;
}

static int fake_num_indexes(IOMMUMemoryRegion *iommu)
{
    return fake_of(iommu)->num_indexes;
}

static int fake_notify_flag_changed(IOMMUMemoryRegion *iommu,
                                    IOMMUNotifierFlag old_flags,
                                    IOMMUNotifierFlag new_flags, Error **errp)
{
    FakeIOMMU *fake = fake_of(iommu);
    FlagCall call = { old_flags, new_flags };

    g_array_append_val(fake->flag_calls, call);
    if (fake->fail_always || (new_flags & fake->fail_on)) {
        /*
         * Error is opaque: a C IOMMU gets one by having the library refuse
         * something. Its text tells it apart from the library's own.
         */
        if (errp && !*errp) {
            Error *err = NULL;

            memory_region_init_iommu(NULL, NULL, NULL, NULL, 0, &err);
            g_assert_nonnull(err);
            *errp = err;
        }
        return FAKE_HOOK_ERRNO;
    }
    return 0;
}

static void fake_replay(IOMMUMemoryRegion *iommu, IOMMUNotifier *n)
{
    FakeIOMMU *fake = fake_of(iommu);

    fake->replay_calls++;
    fake->replay_notifier = n;
}

static const MemoryRegionIOMMUOps fake_ops_plain = {
    .translate = fake_translate,
};

static const MemoryRegionIOMMUOps fake_ops_hooks = {
    .translate = fake_translate,
    .get_min_page_size = fake_get_min_page_size,
    .notify_flag_changed = fake_notify_flag_changed,
    .num_indexes = fake_num_indexes,
};

static const MemoryRegionIOMMUOps fake_ops_replay = {
    .translate = fake_translate,
    .get_min_page_size = fake_get_min_page_size,
    .replay = fake_replay,
};

static void fake_init(FakeIOMMU *fake, const MemoryRegionIOMMUOps *ops,
                      uint64_t size)
{
    Error *err = NULL;

    memset(fake, 0, sizeof(*fake));
    fake->min_page = TARGET_PAGE_SIZE;
    fake->num_indexes = 1;
    fake->flag_calls = g_array_new(FALSE, TRUE, sizeof(FlagCall));
    fake->translates = g_array_new(FALSE, TRUE, sizeof(hwaddr));
    fake->flag_ok = true;
    g_assert_cmpint(memory_region_init_iommu(&fake->mr, ops, fake,
                                             "fake-iommu", size, &err),
                    ==, 0);
    g_assert_null(err);
}

static void fake_reset_counters(FakeIOMMU *fake)
{
    fake->translate_count = 0;
    fake->mapped_count = 0;
    fake->last_addr = 0;
    fake->first_addr = 0;
    fake->stride_ok = true;
    fake->flag_ok = true;
    fake->last_idx = -1;
    if (fake->translates) {
        g_array_set_size(fake->translates, 0);
    }
}

static void fake_destroy(FakeIOMMU *fake)
{
    g_array_free(fake->flag_calls, TRUE);
    if (fake->translates) {
        g_array_free(fake->translates, TRUE);
    }
}

static void assert_flag_calls(FakeIOMMU *fake, const FlagCall *expected,
                              guint count)
{
    g_assert_cmpuint(fake->flag_calls->len, ==, count);
    for (guint i = 0; i < count; i++) {
        FlagCall *c = &g_array_index(fake->flag_calls, FlagCall, i);

        g_assert_cmphex(c->old_flags, ==, expected[i].old_flags);
        g_assert_cmphex(c->new_flags, ==, expected[i].new_flags);
    }
}

/* The region's fields, compared one by one (the struct has padding). */
static void assert_region_same(const IOMMUMemoryRegion *a,
                               const IOMMUMemoryRegion *b)
{
    g_assert_true(a->ops == b->ops);
    g_assert_true(a->opaque == b->opaque);
    g_assert_true(a->name == b->name);
    g_assert_cmphex(a->size, ==, b->size);
    g_assert_true(a->iommu_notify == b->iommu_notify);
    g_assert_cmphex(a->iommu_notify_flags, ==, b->iommu_notify_flags);
}

static IOMMUTLBEvent make_event(IOMMUNotifierFlag type, hwaddr iova,
                                hwaddr addr_mask)
{
    IOMMUTLBEvent ev = {
        .type = type,
        .entry = test_entry(iova, 0xabc000, addr_mask,
                            type == IOMMU_NOTIFIER_MAP ? IOMMU_RW : IOMMU_NONE),
    };
    return ev;
}

/* ---- init and getters ------------------------------------------------- */

static void test_init_refusals(void)
{
    static const MemoryRegionIOMMUOps no_translate = {
        .get_min_page_size = fake_get_min_page_size,
        .replay = fake_replay,
    };
    IOMMUMemoryRegion mr, pattern;
    Error *err = NULL;

    memset(&mr, 0xa5, sizeof(mr));
    memcpy(&pattern, &mr, sizeof(mr));

    g_assert_cmpint(memory_region_init_iommu(NULL, &fake_ops_plain, NULL,
                                             "x", 4096, &err), ==, -EINVAL);
    assert_error_set(&err);

    g_assert_cmpint(memory_region_init_iommu(&mr, NULL, NULL, "x", 4096, &err),
                    ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(memcmp(&mr, &pattern, sizeof(mr)), ==, 0);

    g_assert_cmpint(memory_region_init_iommu(&mr, &no_translate, NULL, "x",
                                             4096, &err), ==, -EINVAL);
    assert_error_set(&err);
    g_assert_cmpint(memcmp(&mr, &pattern, sizeof(mr)), ==, 0);

    /* errp may be NULL */
    g_assert_cmpint(memory_region_init_iommu(&mr, &no_translate, NULL, "x",
                                             4096, NULL), ==, -EINVAL);
    g_assert_cmpint(memcmp(&mr, &pattern, sizeof(mr)), ==, 0);

    /* An error already in *errp is kept, not replaced. */
    g_assert_cmpint(memory_region_init_iommu(&mr, NULL, NULL, "x", 4096, &err),
                    ==, -EINVAL);
    {
        Error *first = err;

        g_assert_cmpint(memory_region_init_iommu(NULL, NULL, NULL, "y", 0,
                                                 &err), ==, -EINVAL);
        g_assert_true(err == first);
    }
    assert_error_set(&err);
}

static void test_init_getters(void)
{
    static const char name[] = "getter-iommu";
    IOMMUMemoryRegion mr;
    int opaque_target;
    Error *err = NULL;

    /* init over garbage starts with no notifiers and no flags */
    memset(&mr, 0x5a, sizeof(mr));
    g_assert_cmpint(memory_region_init_iommu(&mr, &fake_ops_plain,
                                             &opaque_target, name,
                                             0x123456000ULL, &err), ==, 0);
    g_assert_null(err);
    g_assert_null(mr.iommu_notify);
    g_assert_cmphex(mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);

    g_assert_cmphex(memory_region_size(&mr), ==, 0x123456000ULL);
    g_assert_true(memory_region_get_opaque(&mr) == &opaque_target);
    /* the name is not copied */
    g_assert_true(memory_region_name(&mr) == name);
    g_assert_cmpstr(memory_region_name(&mr), ==, "getter-iommu");

    memory_region_set_size(&mr, 0);
    g_assert_cmphex(memory_region_size(&mr), ==, 0);
    memory_region_set_size(&mr, UINT64_MAX);
    g_assert_cmphex(memory_region_size(&mr), ==, UINT64_MAX);
    g_assert_true(memory_region_get_opaque(&mr) == &opaque_target);

    /* size 2^64 at init, and a NULL opaque and name */
    g_assert_cmpint(memory_region_init_iommu(&mr, &fake_ops_plain, NULL, NULL,
                                             UINT64_MAX, NULL), ==, 0);
    g_assert_cmphex(memory_region_size(&mr), ==, UINT64_MAX);
    g_assert_null(memory_region_get_opaque(&mr));
    g_assert_null(memory_region_name(&mr));
}

/* ---- page size and indexes -------------------------------------------- */

static void test_min_page_size_default(void)
{
    FakeIOMMU fake;

    fake_init(&fake, &fake_ops_plain, 1 << 20);
    fake.min_page = 65536;   /* no hook: must not be consulted */
    g_assert_cmphex(memory_region_iommu_get_min_page_size(&fake.mr), ==,
                    4096);
    g_assert_cmphex(memory_region_iommu_get_min_page_size(&fake.mr), ==,
                    TARGET_PAGE_SIZE);
    fake_destroy(&fake);
}

static void test_min_page_size_hook(void)
{
    static const uint64_t answers[] = {
        1, 4096, 65536, 1ULL << 24, 3, 0x5555555555555555ULL, 1ULL << 63,
        UINT64_MAX,
    };
    FakeIOMMU fake;

    fake_init(&fake, &fake_ops_hooks, 1 << 20);
    for (size_t i = 0; i < G_N_ELEMENTS(answers); i++) {
        fake.min_page = answers[i];
        g_assert_cmphex(memory_region_iommu_get_min_page_size(&fake.mr), ==,
                        answers[i]);
    }
    fake_destroy(&fake);
}

static void test_num_indexes(void)
{
    FakeIOMMU plain, hooks;

    fake_init(&plain, &fake_ops_plain, 4096);
    plain.num_indexes = 7;   /* no hook: not consulted */
    g_assert_cmpint(memory_region_iommu_num_indexes(&plain.mr), ==, 1);

    fake_init(&hooks, &fake_ops_hooks, 4096);
    hooks.num_indexes = 7;
    g_assert_cmpint(memory_region_iommu_num_indexes(&hooks.mr), ==, 7);
    hooks.num_indexes = 2;
    g_assert_cmpint(memory_region_iommu_num_indexes(&hooks.mr), ==, 2);

    fake_destroy(&plain);
    fake_destroy(&hooks);
}

/* ---- replay ----------------------------------------------------------- */

typedef struct ReplayCase {
    const MemoryRegionIOMMUOps *ops;
    uint64_t min_page;     /* hook's answer (ignored without the hook) */
    uint64_t size;
    int iommu_idx;
} ReplayCase;

/*
 * The generic walk (no replay hook) translates the granules whose address
 * is in the notifier's [start, end] and below the region's size, and
 * passes on what is mapped, unfiltered by type. QEMU 7.2 walks the whole
 * region and notifies every mapped entry, in the notifier's range or not;
 * a change after 7.2 walks the notifier's range only, which SwiftTCE
 * follows.
 */
static void test_replay_generic_matches_loop(void)
{
    static const ReplayCase cases[] = {
        { &fake_ops_plain, 0, 64 * 4096, 0 },
        { &fake_ops_plain, 0, 100 * 4096 + 1, 0 },  /* partial last page */
        { &fake_ops_plain, 0, 4095, 0 },            /* less than a page */
        { &fake_ops_plain, 0, 0, 0 },               /* empty */
        { &fake_ops_hooks, 4096, 300 * 4096, 3 },
        { &fake_ops_hooks, 65536, 37 * 65536 - 1, 1 },
        { &fake_ops_hooks, 1, 5000, 0 },
        { &fake_ops_hooks, 3, 1000, 2 },            /* odd granule */
        { &fake_ops_hooks, 1ULL << 21, (1ULL << 21) * 10, 3 },
        { &fake_ops_hooks, 1ULL << 24, 1ULL << 34, 0 },
    };
    /* Notifier ranges: everything, a narrow one, one past most regions. */
    static const hwaddr ranges[][2] = {
        { 0, HWADDR_MAX },
        { 0x5000, 0x5fff },
        { 0x3001, 0x40000 },
        { 1ULL << 33, HWADDR_MAX },
    };

    for (size_t c = 0; c < G_N_ELEMENTS(cases) * G_N_ELEMENTS(ranges); c++) {
        const ReplayCase *rc = &cases[c / G_N_ELEMENTS(ranges)];
        hwaddr start = ranges[c % G_N_ELEMENTS(ranges)][0];
        hwaddr end = ranges[c % G_N_ELEMENTS(ranges)][1];
        FakeIOMMU fake;
        Recorder rec;
        GArray *expected = g_array_new(FALSE, TRUE, sizeof(IOMMUTLBEntry));
        uint64_t gran, steps, all = 0;
        hwaddr first = 0, last = 0;
        Error *err = NULL;

        fake_init(&fake, rc->ops, rc->size);
        fake.min_page = rc->min_page;
        fake.num_indexes = 4;
        gran = memory_region_iommu_get_min_page_size(&fake.mr);
        g_assert_cmphex(gran, ==, rc->ops->get_min_page_size ? rc->min_page
                                                              : 4096);

        /* The explicit loop: every granule in range, perm != NONE only. */
        steps = 0;
        for (hwaddr addr = 0; addr < rc->size; addr += gran) {
            IOMMUTLBEntry e;

            all++;
            if (addr < start || addr > end) {
                continue;
            }
            e = rc->ops->translate(&fake.mr, addr, IOMMU_NONE, rc->iommu_idx);
            first = steps ? first : addr;
            last = addr;
            steps++;
            if (e.perm != IOMMU_NONE) {
                g_array_append_val(expected, e);
            }
        }
        g_assert_cmpuint(all, ==, (rc->size + gran - 1) / gran);

        /* A MAP-only notifier: the walk does not filter by type. */
        recorder_init(&rec, IOMMU_NOTIFIER_MAP, start, end, rc->iommu_idx);
        if (rc->iommu_idx != 0) {
            g_assert_cmpint(memory_region_register_iommu_notifier(
                                &fake.mr, &rec.n, &err), ==, 0);
            g_assert_null(err);
        }
        fake_reset_counters(&fake);
        fake.stride = gran;
        fake.first_addr = first;
        memory_region_iommu_replay(&fake.mr, &rec.n);

        g_test_message("case %zu: granule 0x%" PRIx64 ", size 0x%" PRIx64
                       ", range [0x%" PRIx64 ", 0x%" PRIx64 "]: %u of %"
                       PRIu64 " granules in range mapped, %" PRIu64 " in all",
                       c, gran, rc->size, start, end, expected->len, steps,
                       all);
        assert_tlb_entries_eq(rec.entries, expected);
        g_assert_cmpuint(fake.translate_count, ==, steps);
        g_assert_true(fake.stride_ok);
        g_assert_true(fake.flag_ok);
        if (steps) {
            g_assert_cmpint(fake.last_idx, ==, rc->iommu_idx);
            g_assert_cmphex(fake.last_addr, ==, last);
        }
        if (start == 0x5000 && rc->size >= 64 * 4096) {
            /* the case really walked less than the region */
            g_assert_cmpuint(steps, <, all);
        }

        memory_region_unregister_iommu_notifier(&fake.mr, &rec.n);
        recorder_destroy(&rec);
        g_array_free(expected, TRUE);
        fake_destroy(&fake);
    }
}

static void test_replay_uses_hook(void)
{
    FakeIOMMU fake;
    Recorder rec;

    fake_init(&fake, &fake_ops_replay, 1 << 20);
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    fake_reset_counters(&fake);
    memory_region_iommu_replay(&fake.mr, &rec.n);
    g_assert_cmpuint(fake.replay_calls, ==, 1);
    g_assert_true(fake.replay_notifier == &rec.n);
    g_assert_cmpuint(fake.translate_count, ==, 0);
    g_assert_cmpuint(rec.entries->len, ==, 0);
    recorder_destroy(&rec);
    fake_destroy(&fake);
}

typedef struct WrapCase {
    uint64_t size;        /* UINT64_MAX: 2^64 */
    uint64_t granule;
    uint64_t granules;    /* how many the walk must visit */
} WrapCase;

static void test_replay_wraparound(void)
{
    static const WrapCase cases[] = {
        { UINT64_MAX, 1ULL << 40, 1ULL << 24 },
        { UINT64_MAX, 1ULL << 44, 1ULL << 20 },
        { UINT64_MAX, 1ULL << 63, 2 },
        { UINT64_MAX, 3ULL << 62, 2 },
        { UINT64_MAX, (1ULL << 63) + 1, 2 },
        { UINT64_MAX, (1ULL << 63) - 1, 3 },
        { UINT64_MAX, UINT64_MAX - 4095, 2 },
        /* 3 * 0x5555555555555555 is 2^64 - 1: a fourth granule */
        { UINT64_MAX, 0x5555555555555555ULL, 4 },
        /* the second granule is the last byte of the region */
        { UINT64_MAX, UINT64_MAX, 2 },
        /* sizes just under 2^64 */
        { UINT64_MAX - 1, 0x5555555555555555ULL, 3 },
        { UINT64_MAX - 1, 1ULL << 63, 2 },
        { UINT64_MAX - 4095, 3ULL << 62, 2 },
        { (1ULL << 63) + 1, 1ULL << 63, 2 },
        { 1ULL << 63, 1ULL << 63, 1 },
    };

    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        const WrapCase *wc = &cases[c];
        FakeIOMMU fake;
        Recorder rec;

        fake_init(&fake, &fake_ops_hooks, wc->size);
        g_array_free(fake.translates, TRUE);
        fake.translates = NULL;   /* up to 2^24 calls: count only */
        fake.min_page = wc->granule;
        recorder_init(&rec, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
        fake_reset_counters(&fake);
        fake.stride = wc->granule;

        memory_region_iommu_replay(&fake.mr, &rec.n);

        g_test_message("size 0x%" PRIx64 " granule 0x%" PRIx64
                       ": %" PRIu64 " granules, last 0x%" PRIx64,
                       wc->size, wc->granule, fake.translate_count,
                       fake.last_addr);
        g_assert_cmpuint(fake.translate_count, ==, wc->granules);
        g_assert_true(fake.stride_ok);
        g_assert_cmphex(fake.last_addr, ==, (wc->granules - 1) * wc->granule);
        g_assert_cmpuint(rec.entries->len, ==, fake.mapped_count);
        recorder_destroy(&rec);
        fake_destroy(&fake);
    }
}

/* A hook answering 0 must not make the walk spin at address 0. */
static void test_replay_zero_granule(void)
{
    FakeIOMMU fake;
    Recorder rec;

    fake_init(&fake, &fake_ops_hooks, 1 << 20);
    fake.min_page = 0;
    recorder_init(&rec, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    fake_reset_counters(&fake);
    memory_region_iommu_replay(&fake.mr, &rec.n);
    g_assert_cmpuint(fake.translate_count, <=, 1);
    g_assert_cmpuint(rec.entries->len, <=, 1);
    recorder_destroy(&rec);
    fake_destroy(&fake);
}

/* ---- notifier registration -------------------------------------------- */

static void test_register_refusals(void)
{
    FakeIOMMU fake, other, plain;
    Recorder good, bad;
    IOMMUMemoryRegion before;
    Error *err = NULL;
    static const FlagCall first_call[] = {
        { IOMMU_NOTIFIER_NONE, IOMMU_NOTIFIER_UNMAP },
    };
    struct {
        const char *what;
        IOMMUNotifierFlag flags;
        hwaddr start, end;
        int idx;
    } bads[] = {
        { "no flags", IOMMU_NOTIFIER_NONE, 0, HWADDR_MAX, 0 },
        { "start > end", IOMMU_NOTIFIER_MAP, 0x2000, 0x1fff, 0 },
        { "start > end at the top", IOMMU_NOTIFIER_MAP, HWADDR_MAX, 0, 0 },
        { "index == num_indexes", IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 2 },
        { "index 100", IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 100 },
        { "negative index", IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, -1 },
        { "INT_MIN index", IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, INT32_MIN },
    };
    IOMMUTLBEvent ev;

    fake_init(&fake, &fake_ops_hooks, 1 << 20);
    fake.num_indexes = 2;
    recorder_init(&good, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 1);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &good.n,
                                                          &err), ==, 0);
    g_assert_null(err);
    assert_flag_calls(&fake, first_call, 1);
    before = fake.mr;

    for (size_t i = 0; i < G_N_ELEMENTS(bads); i++) {
        g_test_message("refusal: %s", bads[i].what);
        recorder_init(&bad, bads[i].flags, bads[i].start, bads[i].end,
                      bads[i].idx);
        g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr,
                                                              &bad.n, &err),
                        <, 0);
        assert_error_set(&err);
        assert_region_same(&fake.mr, &before);
        assert_flag_calls(&fake, first_call, 1);
        g_assert_false(notifier_on(&fake.mr, &bad.n));
        /* errp may be NULL */
        g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr,
                                                              &bad.n, NULL),
                        <, 0);
        assert_region_same(&fake.mr, &before);
        recorder_destroy(&bad);
    }

    /* No num_indexes hook: one index, so index 1 is out of range. */
    fake_init(&plain, &fake_ops_plain, 1 << 20);
    recorder_init(&bad, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 1);
    g_assert_cmpint(memory_region_register_iommu_notifier(&plain.mr, &bad.n,
                                                          &err), <, 0);
    assert_error_set(&err);
    g_assert_null(plain.mr.iommu_notify);
    g_assert_cmphex(plain.mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);
    recorder_destroy(&bad);

    /* NULL region or notifier */
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, NULL,
                                                          &err), <, 0);
    assert_error_set(&err);
    assert_region_same(&fake.mr, &before);
    recorder_init(&bad, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(NULL, &bad.n, &err),
                    <, 0);
    assert_error_set(&err);
    g_assert_false(notifier_on(&fake.mr, &bad.n));
    recorder_destroy(&bad);

    /* Registered already, here or elsewhere. */
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &good.n,
                                                          &err), <, 0);
    assert_error_set(&err);
    assert_region_same(&fake.mr, &before);
    assert_flag_calls(&fake, first_call, 1);

    fake_init(&other, &fake_ops_hooks, 1 << 20);
    other.num_indexes = 2;
    g_assert_cmpint(memory_region_register_iommu_notifier(&other.mr, &good.n,
                                                          &err), <, 0);
    assert_error_set(&err);
    g_assert_null(other.mr.iommu_notify);
    g_assert_cmpuint(other.flag_calls->len, ==, 0);
    assert_region_same(&fake.mr, &before);

    /* The list is intact: one delivery to the good notifier, none elsewhere. */
    ev = make_event(IOMMU_NOTIFIER_UNMAP, 0x3000, 0xfff);
    memory_region_notify_iommu(&fake.mr, 1, ev);
    g_assert_cmpuint(good.entries->len, ==, 1);
    memory_region_notify_iommu(&other.mr, 1, ev);
    g_assert_cmpuint(good.entries->len, ==, 1);

    /* Unregistering from the wrong region leaves it registered. */
    memory_region_unregister_iommu_notifier(&other.mr, &good.n);
    assert_region_same(&fake.mr, &before);
    memory_region_notify_iommu(&fake.mr, 1, ev);
    g_assert_cmpuint(good.entries->len, ==, 2);

    memory_region_unregister_iommu_notifier(&fake.mr, &good.n);
    g_assert_false(notifier_on(&fake.mr, &good.n));
    recorder_destroy(&good);
    fake_destroy(&fake);
    fake_destroy(&other);
    fake_destroy(&plain);
}

static void test_register_flag_sequence(void)
{
    FakeIOMMU fake;
    Recorder n1, n2, n3, n4;
    Error *err = NULL;
    const IOMMUNotifierFlag MAP = IOMMU_NOTIFIER_MAP;
    const IOMMUNotifierFlag UNMAP = IOMMU_NOTIFIER_UNMAP;
    const IOMMUNotifierFlag DEV = IOMMU_NOTIFIER_DEVIOTLB_UNMAP;
    const IOMMUNotifierFlag NONE = IOMMU_NOTIFIER_NONE;
    const FlagCall expected[] = {
        { NONE, MAP },                  /* +n1 MAP */
                                        /* +n2 MAP: no change */
        { MAP, MAP | UNMAP },           /* +n3 UNMAP */
                                        /* -n2: no change */
        { MAP | UNMAP, UNMAP },         /* -n1 */
        { UNMAP, UNMAP | DEV },         /* +n4 DEV */
        { UNMAP | DEV, DEV },           /* -n3 */
        { DEV, NONE },                  /* -n4 */
                                        /* -n4 again: nothing */
        { NONE, MAP | UNMAP | DEV },    /* +n1 ALL */
        { MAP | UNMAP | DEV, NONE },    /* -n1 */
    };

    fake_init(&fake, &fake_ops_hooks, 1 << 20);
    recorder_init(&n1, MAP, 0, HWADDR_MAX, 0);
    recorder_init(&n2, MAP, 0x1000, 0x1fff, 0);
    recorder_init(&n3, UNMAP, 0, HWADDR_MAX, 0);
    recorder_init(&n4, DEV, 0, HWADDR_MAX, 0);

#define REG(r) g_assert_cmpint( \
        memory_region_register_iommu_notifier(&fake.mr, &(r).n, &err), ==, 0)
#define UNREG(r) memory_region_unregister_iommu_notifier(&fake.mr, &(r).n)

    REG(n1);
    assert_flag_calls(&fake, expected, 1);
    g_assert_cmphex(fake.mr.iommu_notify_flags, ==, MAP);
    REG(n2);
    assert_flag_calls(&fake, expected, 1);
    REG(n3);
    assert_flag_calls(&fake, expected, 2);
    g_assert_cmphex(fake.mr.iommu_notify_flags, ==, MAP | UNMAP);
    UNREG(n2);
    assert_flag_calls(&fake, expected, 2);
    UNREG(n1);
    assert_flag_calls(&fake, expected, 3);
    REG(n4);
    assert_flag_calls(&fake, expected, 4);
    UNREG(n3);
    assert_flag_calls(&fake, expected, 5);
    UNREG(n4);
    assert_flag_calls(&fake, expected, 6);
    g_assert_cmphex(fake.mr.iommu_notify_flags, ==, NONE);
    g_assert_null(fake.mr.iommu_notify);
    UNREG(n4);
    UNREG(n1);
    assert_flag_calls(&fake, expected, 6);

    /* A notifier can be registered again once unregistered. */
    n1.n.notifier_flags = MAP | UNMAP | DEV;
    REG(n1);
    assert_flag_calls(&fake, expected, 7);
    UNREG(n1);
    assert_flag_calls(&fake, expected, 8);
    g_assert_null(err);

#undef REG
#undef UNREG

    recorder_destroy(&n1);
    recorder_destroy(&n2);
    recorder_destroy(&n3);
    recorder_destroy(&n4);
    fake_destroy(&fake);
}

static void test_register_hook_error(void)
{
    FakeIOMMU fake;
    Recorder n1, n2;
    IOMMUMemoryRegion before;
    Error *err = NULL;
    const char *hook_msg;
    Error *probe = NULL;
    IOMMUTLBEvent ev;
    const FlagCall expected[] = {
        { IOMMU_NOTIFIER_NONE, IOMMU_NOTIFIER_MAP },           /* refused */
        { IOMMU_NOTIFIER_NONE, IOMMU_NOTIFIER_UNMAP },         /* n2 ok */
        { IOMMU_NOTIFIER_UNMAP,
          IOMMU_NOTIFIER_UNMAP | IOMMU_NOTIFIER_MAP },         /* refused */
        { IOMMU_NOTIFIER_UNMAP,
          IOMMU_NOTIFIER_UNMAP | IOMMU_NOTIFIER_MAP },         /* n1 ok */
    };

    /* The hook's message, to check that it is the one passed on. */
    memory_region_init_iommu(NULL, NULL, NULL, NULL, 0, &probe);
    g_assert_nonnull(probe);
    hook_msg = error_get_pretty(probe);

    fake_init(&fake, &fake_ops_hooks, 1 << 20);
    fake.fail_on = IOMMU_NOTIFIER_MAP;
    recorder_init(&n1, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&n2, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 0);

    /* First notifier refused: the region stays empty. */
    before = fake.mr;
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &n1.n,
                                                          &err), <, 0);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, hook_msg);
    error_free(err);
    err = NULL;
    assert_region_same(&fake.mr, &before);
    g_assert_null(fake.mr.iommu_notify);
    g_assert_false(notifier_on(&fake.mr, &n1.n));
    assert_flag_calls(&fake, expected, 1);

    ev = make_event(IOMMU_NOTIFIER_MAP, 0, 0xfff);
    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(n1.entries->len, ==, 0);

    /* Another notifier is accepted. */
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &n2.n,
                                                          &err), ==, 0);
    g_assert_null(err);
    assert_flag_calls(&fake, expected, 2);

    /* Refused beside it: list and flags as they were. */
    before = fake.mr;
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &n1.n,
                                                          &err), ==,
                    FAKE_HOOK_ERRNO);
    assert_error_set(&err);
    assert_region_same(&fake.mr, &before);
    g_assert_true(fake.mr.iommu_notify == &n2.n);
    g_assert_null(n2.n.next);
    g_assert_false(notifier_on(&fake.mr, &n1.n));
    assert_flag_calls(&fake, expected, 3);
    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(n1.entries->len, ==, 0);

    /* Once the hook agrees, the same notifier registers; old is UNMAP. */
    fake.fail_on = IOMMU_NOTIFIER_NONE;
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &n1.n,
                                                          &err), ==, 0);
    g_assert_null(err);
    assert_flag_calls(&fake, expected, 4);
    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(n1.entries->len, ==, 1);

    /* An objecting hook does not keep a notifier from leaving. */
    fake.fail_always = true;
    memory_region_unregister_iommu_notifier(&fake.mr, &n1.n);
    g_assert_cmpuint(fake.flag_calls->len, ==, 5);
    g_assert_false(notifier_on(&fake.mr, &n1.n));
    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(n1.entries->len, ==, 1);

    /*
     * n2 leaves too: the library knows registered notifiers by address, and
     * a later test's notifier on this stack slot would be refused.
     */
    memory_region_unregister_iommu_notifier(&fake.mr, &n2.n);
    g_assert_null(fake.mr.iommu_notify);
    error_free(probe);
    recorder_destroy(&n1);
    recorder_destroy(&n2);
    fake_destroy(&fake);
}

/* ---- notification ----------------------------------------------------- */

typedef struct RangeCase {
    hwaddr start, end;        /* the notifier's */
    hwaddr iova, addr_mask;   /* the event's */
    bool delivered;
} RangeCase;

static void test_notify_range(void)
{
    static const RangeCase cases[] = {
        /* [0x1000, 0x1fff] against events around it */
        { 0x1000, 0x1fff, 0x0, 0xfff, false },       /* ends just before */
        { 0x1000, 0x1fff, 0x0, 0x1000, true },       /* last byte == start */
        { 0x1000, 0x1fff, 0x1000, 0, true },         /* first byte */
        { 0x1000, 0x1fff, 0x1fff, 0, true },         /* last byte */
        { 0x1000, 0x1fff, 0x1fff, 0xfff, true },     /* starts at end */
        { 0x1000, 0x1fff, 0x2000, 0xfff, false },    /* starts just after */
        { 0x1000, 0x1fff, 0x2000, 0, false },
        { 0x1000, 0x1fff, 0x0, 0xffffff, true },     /* covers */
        { 0x1000, 0x1fff, 0x1400, 0xff, true },      /* inside */
        { 0x1000, 0x1fff, 0x0, HWADDR_MAX, true },   /* everything */
        /* one byte notifiers at both ends of the space */
        { 0, 0, 0, 0, true },
        { 0, 0, 1, 0, false },
        { 0, 0, 1, HWADDR_MAX - 1, false },
        { HWADDR_MAX, HWADDR_MAX, HWADDR_MAX, 0, true },
        { HWADDR_MAX, HWADDR_MAX, HWADDR_MAX - 1, 0, false },
        { HWADDR_MAX, HWADDR_MAX, HWADDR_MAX - 1, 1, true },
        { HWADDR_MAX, HWADDR_MAX, 0, HWADDR_MAX - 1, false },
        /* addr_mask reaching exactly 2^64 - 1 */
        { HWADDR_MAX - 0xfff, HWADDR_MAX, 1ULL << 63, (1ULL << 63) - 1, true },
        { 0, (1ULL << 63) - 1, 1ULL << 63, (1ULL << 63) - 1, false },
        { 0, 1ULL << 63, 1ULL << 63, (1ULL << 63) - 1, true },
        { HWADDR_MAX - 0xfff, HWADDR_MAX, 0, HWADDR_MAX, true },
        /* iova + addr_mask past 2^64: the range runs to the top */
        { HWADDR_MAX - 0xfff, HWADDR_MAX, 0x1000, HWADDR_MAX, true },
        { HWADDR_MAX, HWADDR_MAX, HWADDR_MAX, HWADDR_MAX, true },
        { 0, 0xfff, 0x1000, HWADDR_MAX, false },
        { 0, 0x1000, 0x1000, HWADDR_MAX, true },
        /* the whole space */
        { 0, HWADDR_MAX, HWADDR_MAX, 0, true },
        { 0, HWADDR_MAX, 0, 0, true },
    };
    FakeIOMMU fake;

    fake_init(&fake, &fake_ops_plain, UINT64_MAX);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const RangeCase *rc = &cases[i];
        Recorder rec;
        IOMMUTLBEvent ev = make_event(IOMMU_NOTIFIER_MAP, rc->iova,
                                      rc->addr_mask);
        IOMMUTLBEvent ev_one = ev;
        Error *err = NULL;

        g_test_message("case %zu: [0x%" PRIx64 ", 0x%" PRIx64 "] vs 0x%"
                       PRIx64 " + 0x%" PRIx64, i, rc->start, rc->end,
                       rc->iova, rc->addr_mask);
        recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, rc->start, rc->end, 0);
        g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr,
                                                              &rec.n, &err),
                        ==, 0);
        g_assert_null(err);

        memory_region_notify_iommu(&fake.mr, 0, ev);
        g_assert_cmpuint(rec.entries->len, ==, rc->delivered ? 1 : 0);
        if (rc->delivered) {
            assert_tlb_entry_eq(recorder_entry(&rec, 0), &ev.entry);
        }

        /* the single-notifier entry point filters the same way */
        recorder_clear(&rec);
        memory_region_notify_iommu_one(&rec.n, &ev_one);
        g_assert_cmpuint(rec.entries->len, ==, rc->delivered ? 1 : 0);

        memory_region_unregister_iommu_notifier(&fake.mr, &rec.n);
        recorder_destroy(&rec);
    }
    fake_destroy(&fake);
}

/*
 * QEMU 7.2's memory_region_notify_iommu_one: a DEVIOTLB_UNMAP notifier gets
 * (iova, addr_mask) cropped to its range; the caller's event is unchanged.
 */
static void test_notify_deviotlb_crop(void)
{
    static const struct {
        hwaddr start, end, iova, mask, want_iova, want_mask;
    } cases[] = {
        { 0x1000, 0x1fff, 0x0, 0xffff, 0x1000, 0xfff },     /* covers */
        { 0x1800, 0x2fff, 0x1000, 0xfff, 0x1800, 0x7ff },   /* head cut */
        { 0x0, 0x17ff, 0x1000, 0xfff, 0x1000, 0x7ff },      /* tail cut */
        { 0x1000, 0x1fff, 0x1400, 0xff, 0x1400, 0xff },     /* inside */
        { 0x1000, HWADDR_MAX, 0x0, HWADDR_MAX, 0x1000, HWADDR_MAX - 0x1000 },
        /* iova + addr_mask past 2^64 runs to the top, then is cut */
        { 0x0, 0x2fff, 0x2000, HWADDR_MAX, 0x2000, 0xfff },
    };
    FakeIOMMU fake;

    fake_init(&fake, &fake_ops_plain, UINT64_MAX);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Recorder dev, whole;
        IOMMUTLBEvent ev = make_event(IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
                                      cases[i].iova, cases[i].mask);
        IOMMUTLBEvent sent = ev;

        g_test_message("case %zu", i);
        recorder_init(&dev, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, cases[i].start,
                      cases[i].end, 0);
        memory_region_notify_iommu_one(&dev.n, &sent);
        g_assert_cmpuint(dev.entries->len, ==, 1);
        g_assert_cmphex(recorder_entry(&dev, 0)->iova, ==, cases[i].want_iova);
        g_assert_cmphex(recorder_entry(&dev, 0)->addr_mask, ==,
                        cases[i].want_mask);
        g_assert_cmphex(recorder_entry(&dev, 0)->translated_addr, ==,
                        ev.entry.translated_addr);
        assert_tlb_entry_eq(&sent.entry, &ev.entry);

        /* An IOTLB notifier over the same range gets the entry whole. */
        recorder_init(&whole,
                      IOMMU_NOTIFIER_ALL & ~IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
                      cases[i].start, cases[i].end, 0);
        sent = make_event(IOMMU_NOTIFIER_UNMAP, cases[i].iova, cases[i].mask);
        memory_region_notify_iommu_one(&whole.n, &sent);
        g_assert_cmpuint(whole.entries->len, ==, 1);
        g_assert_cmphex(recorder_entry(&whole, 0)->addr_mask, ==,
                        cases[i].mask);
        recorder_destroy(&dev);
        recorder_destroy(&whole);
    }
    fake_destroy(&fake);
}

/*
 * QEMU's iommu_notifier_init sets the public fields only: on a registered
 * notifier it changes what the notifier wants, not the region's list, and
 * unregister still takes it off.
 */
static void test_init_while_registered(void)
{
    FakeIOMMU fake;
    Recorder a, b, c;
    IOMMUTLBEvent ev = make_event(IOMMU_NOTIFIER_MAP, 0x5000, 0xfff);
    IOMMUNotifier *cur;
    unsigned count = 0;

    fake_init(&fake, &fake_ops_hooks, UINT64_MAX);
    recorder_init(&a, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&b, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&c, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &a.n,
                                                          NULL), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &b.n,
                                                          NULL), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &c.n,
                                                          NULL), ==, 0);
    /* b is in the middle of the list: c, b, a. */
    iommu_notifier_init(&b.n, recorder_notify, IOMMU_NOTIFIER_MAP, 0x10000,
                        0x1ffff, 0);
    IOMMU_NOTIFIER_FOREACH(cur, &fake.mr) {
        count++;
    }
    g_assert_cmpuint(count, ==, 3);
    g_assert_true(notifier_on(&fake.mr, &a.n));
    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(a.entries->len, ==, 1);
    g_assert_cmpuint(b.entries->len, ==, 0);   /* its new range */
    g_assert_cmpuint(c.entries->len, ==, 1);
    /* Still registered: refused again, and unregister works. */
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &b.n,
                                                          NULL), ==, -EINVAL);
    memory_region_unregister_iommu_notifier(&fake.mr, &b.n);
    g_assert_false(notifier_on(&fake.mr, &b.n));
    g_assert_true(notifier_on(&fake.mr, &a.n));
    g_assert_true(notifier_on(&fake.mr, &c.n));
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &b.n,
                                                          NULL), ==, 0);
    memory_region_unregister_iommu_notifier(&fake.mr, &a.n);
    memory_region_unregister_iommu_notifier(&fake.mr, &b.n);
    memory_region_unregister_iommu_notifier(&fake.mr, &c.n);
    g_assert_null(fake.mr.iommu_notify);
    g_assert_cmpint(fake.mr.iommu_notify_flags, ==, IOMMU_NOTIFIER_NONE);

    /* A region initialised again forgets its notifiers: they are free. */
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &a.n,
                                                          NULL), ==, 0);
    g_assert_cmpint(memory_region_init_iommu(&fake.mr, &fake_ops_hooks, &fake,
                                             "fake-iommu", UINT64_MAX, NULL),
                    ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &a.n,
                                                          NULL), ==, 0);
    memory_region_unregister_iommu_notifier(&fake.mr, &a.n);
    recorder_destroy(&a);
    recorder_destroy(&b);
    recorder_destroy(&c);
    fake_destroy(&fake);
}

static void test_notify_type(void)
{
    static const IOMMUNotifierFlag types[] = {
        IOMMU_NOTIFIER_NONE, IOMMU_NOTIFIER_UNMAP, IOMMU_NOTIFIER_MAP,
        IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
    };
    static const IOMMUNotifierFlag flag_sets[] = {
        IOMMU_NOTIFIER_UNMAP, IOMMU_NOTIFIER_MAP,
        IOMMU_NOTIFIER_IOTLB_EVENTS, IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
        IOMMU_NOTIFIER_ALL,
    };
    Recorder recs[G_N_ELEMENTS(flag_sets)];
    FakeIOMMU fake;
    Error *err = NULL;

    fake_init(&fake, &fake_ops_plain, 1 << 30);
    for (size_t i = 0; i < G_N_ELEMENTS(flag_sets); i++) {
        recorder_init(&recs[i], flag_sets[i], 0, HWADDR_MAX, 0);
        g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr,
                                                              &recs[i].n,
                                                              &err), ==, 0);
        g_assert_null(err);
    }
    for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
        IOMMUTLBEvent ev = make_event(types[t], t * 0x1000, 0xfff);

        memory_region_notify_iommu(&fake.mr, 0, ev);
        for (size_t i = 0; i < G_N_ELEMENTS(flag_sets); i++) {
            bool want = (types[t] & flag_sets[i]) != 0;

            g_assert_cmpuint(recs[i].entries->len, ==, want ? 1 : 0);
            if (want) {
                assert_tlb_entry_eq(recorder_entry(&recs[i], 0), &ev.entry);
            }
            recorder_clear(&recs[i]);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(flag_sets); i++) {
        memory_region_unregister_iommu_notifier(&fake.mr, &recs[i].n);
        recorder_destroy(&recs[i]);
    }
    fake_destroy(&fake);
}

static void test_notify_index(void)
{
    FakeIOMMU fake;
    Recorder recs[3];
    Error *err = NULL;

    fake_init(&fake, &fake_ops_hooks, 1 << 30);
    fake.num_indexes = 3;
    for (int i = 0; i < 3; i++) {
        recorder_init(&recs[i], IOMMU_NOTIFIER_ALL, 0, HWADDR_MAX, i);
        g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr,
                                                              &recs[i].n,
                                                              &err), ==, 0);
        g_assert_null(err);
    }
    for (int idx = -1; idx <= 4; idx++) {
        IOMMUTLBEvent ev = make_event(IOMMU_NOTIFIER_MAP, 0x4000, 0xfff);

        memory_region_notify_iommu(&fake.mr, idx, ev);
        for (int i = 0; i < 3; i++) {
            g_assert_cmpuint(recs[i].entries->len, ==, i == idx ? 1 : 0);
            recorder_clear(&recs[i]);
        }
    }
    for (int i = 0; i < 3; i++) {
        memory_region_unregister_iommu_notifier(&fake.mr, &recs[i].n);
        recorder_destroy(&recs[i]);
    }
    fake_destroy(&fake);
}

/* A notifier that records, then scribbles on, what it was given. */
static void scribble_notify(IOMMUNotifier *n, IOMMUTLBEntry *entry)
{
    recorder_notify(n, entry);
    entry->iova = 0xdead0000;
    entry->translated_addr = 0xbeef0000;
    entry->addr_mask = 0;
    entry->perm = IOMMU_NONE;
}

static void test_notify_copies(void)
{
    FakeIOMMU fake;
    Recorder a, b, c;
    IOMMUTLBEvent ev = make_event(IOMMU_NOTIFIER_MAP, 0x7000, 0xfff);
    Error *err = NULL;

    fake_init(&fake, &fake_ops_plain, 1 << 30);
    recorder_init(&a, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&b, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&c, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    a.n.notify = scribble_notify;
    b.n.notify = scribble_notify;
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &a.n,
                                                          &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &c.n,
                                                          &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &b.n,
                                                          &err), ==, 0);
    g_assert_null(err);
    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(a.entries->len, ==, 1);
    g_assert_cmpuint(b.entries->len, ==, 1);
    g_assert_cmpuint(c.entries->len, ==, 1);
    assert_tlb_entry_eq(recorder_entry(&a, 0), &ev.entry);
    assert_tlb_entry_eq(recorder_entry(&b, 0), &ev.entry);
    assert_tlb_entry_eq(recorder_entry(&c, 0), &ev.entry);

    memory_region_unregister_iommu_notifier(&fake.mr, &a.n);
    memory_region_unregister_iommu_notifier(&fake.mr, &b.n);
    memory_region_unregister_iommu_notifier(&fake.mr, &c.n);
    recorder_destroy(&a);
    recorder_destroy(&b);
    recorder_destroy(&c);
    fake_destroy(&fake);
}

/* A notifier that unregisters itself from its own callback. */
typedef struct LeavingNotifier {
    Recorder rec;
    IOMMUMemoryRegion *mr;
} LeavingNotifier;

static void leaving_notify(IOMMUNotifier *n, IOMMUTLBEntry *entry)
{
    LeavingNotifier *ln = container_of(n, LeavingNotifier, rec.n);

    recorder_notify(n, entry);
    memory_region_unregister_iommu_notifier(ln->mr, n);
}

static void test_notify_self_unregister(void)
{
    FakeIOMMU fake;
    LeavingNotifier l1, l2;
    Recorder stay;
    IOMMUTLBEvent ev = make_event(IOMMU_NOTIFIER_UNMAP, 0x9000, 0xfff);
    Error *err = NULL;

    fake_init(&fake, &fake_ops_hooks, 1 << 30);
    recorder_init(&l1.rec, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 0);
    recorder_init(&l2.rec, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 0);
    recorder_init(&stay, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 0);
    l1.rec.n.notify = leaving_notify;
    l2.rec.n.notify = leaving_notify;
    l1.mr = l2.mr = &fake.mr;
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &l1.rec.n,
                                                          &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &stay.n,
                                                          &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(&fake.mr, &l2.rec.n,
                                                          &err), ==, 0);
    g_assert_null(err);

    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(l1.rec.entries->len, ==, 1);
    g_assert_cmpuint(l2.rec.entries->len, ==, 1);
    g_assert_cmpuint(stay.entries->len, ==, 1);
    g_assert_true(fake.mr.iommu_notify == &stay.n);

    memory_region_notify_iommu(&fake.mr, 0, ev);
    g_assert_cmpuint(l1.rec.entries->len, ==, 1);
    g_assert_cmpuint(l2.rec.entries->len, ==, 1);
    g_assert_cmpuint(stay.entries->len, ==, 2);

    memory_region_unregister_iommu_notifier(&fake.mr, &stay.n);
    g_assert_null(fake.mr.iommu_notify);
    recorder_destroy(&l1.rec);
    recorder_destroy(&l2.rec);
    recorder_destroy(&stay);
    fake_destroy(&fake);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/iommu-core/init/refusals", test_init_refusals);
    g_test_add_func("/iommu-core/init/getters", test_init_getters);
    g_test_add_func("/iommu-core/min-page-size/default",
                    test_min_page_size_default);
    g_test_add_func("/iommu-core/min-page-size/hook", test_min_page_size_hook);
    g_test_add_func("/iommu-core/num-indexes", test_num_indexes);
    g_test_add_func("/iommu-core/replay/generic-matches-loop",
                    test_replay_generic_matches_loop);
    g_test_add_func("/iommu-core/replay/hook", test_replay_uses_hook);
    g_test_add_func("/iommu-core/replay/wraparound", test_replay_wraparound);
    g_test_add_func("/iommu-core/replay/zero-granule",
                    test_replay_zero_granule);
    g_test_add_func("/iommu-core/register/refusals", test_register_refusals);
    g_test_add_func("/iommu-core/register/flag-sequence",
                    test_register_flag_sequence);
    g_test_add_func("/iommu-core/register/hook-error",
                    test_register_hook_error);
    g_test_add_func("/iommu-core/notify/range", test_notify_range);
    g_test_add_func("/iommu-core/notify/type", test_notify_type);
    g_test_add_func("/iommu-core/notify/deviotlb-crop",
                    test_notify_deviotlb_crop);
    g_test_add_func("/iommu-core/register/init-while-registered",
                    test_init_while_registered);
    g_test_add_func("/iommu-core/notify/index", test_notify_index);
    g_test_add_func("/iommu-core/notify/copies", test_notify_copies);
    g_test_add_func("/iommu-core/notify/self-unregister",
                    test_notify_self_unregister);

    return g_test_run();
}
