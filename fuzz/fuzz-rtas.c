/*
 * libFuzzer harness: the four DDW RTAS calls, as a hostile guest makes them.
 *
 * Three PHBs (QEMU's defaults; DDW off; odd page sizes with a 64-bit window
 * address near the top of the address space) take random calls with random
 * nargs, nret and argument cells, interleaved with H_PUT_TCE on the windows.
 * The argument and return arrays are heap blocks of exactly nargs and nret
 * cells, so that ASan sees any access past them. A model of every PHB's
 * windows predicts each status and return cell, the window listener's
 * announcements (and that create announces with skipping_replay set), and
 * the tables' state, which is compared with the library after every call.
 */
#include "fuzz-util.h"

#define NPHBS      3
#define MAX_OPS    64
#define CELLS_MAX  16
#define SENTINEL   0xa5a5a5a5u

typedef struct WindowModel {
    bool exists;
    bool enabled;
    bool def;               /* QEMU's def_win */
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;
    SparseMap tces;         /* written entries (index -> TCE) */
} WindowModel;

typedef struct Phb {
    SpaprPhbConfig cfg;
    SpaprPhb *phb;
    SpaprTceTable *win[2];
    WindowModel m[2];
    /* A VFIO-like notifier the listener keeps on every enabled window. */
    IOMMUNotifier n[2];
    uint64_t events[2];
    uint64_t events_expected[2];
} Phb;

static Phb phbs[NPHBS];

/* Expected listener announcements, in order. */
typedef struct Announce {
    Phb *p;
    int n;
    bool added;
    bool skipping;
} Announce;

static Announce annq[16];
static size_t annq_len, annq_head;

static uint32_t liobn_of(const Phb *p, int n)
{
    return SPAPR_PCI_LIOBN(p->cfg.index, n);
}

static uint64_t buid_of(const Phb *p)
{
    return SPAPR_PCI_BASE_BUID + p->cfg.index;
}

/* ---- Listener and notifiers -------------------------------------------- */

static void window_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    for (int i = 0; i < NPHBS; i++) {
        for (int w = 0; w < 2; w++) {
            if (n == &phbs[i].n[w]) {
                CHECK(phbs[i].m[w].enabled, "event on a disabled window");
                (void)e;
                phbs[i].events[w]++;
                return;
            }
        }
    }
    CHECK(false, "event to an unknown notifier");
}

static void listener(void *opaque, SpaprPhb *phb, SpaprTceTable *tcet,
                     bool added)
{
    Phb *p = opaque;
    Announce *want;
    int n;

    CHECK(annq_head < annq_len, "unexpected announcement (%s)",
          added ? "added" : "removed");
    want = &annq[annq_head++];
    CHECK(p == want->p && phb == p->phb, "announcement for the wrong PHB");
    n = tcet == p->win[0] ? 0 : tcet == p->win[1] ? 1 : -1;
    CHECK(n == want->n, "announced window %d, expected %d", n, want->n);
    CHECK(added == want->added, "announced %d, expected %d", added,
          want->added);
    /* Added: right after enabling; removed: right before disabling. */
    CHECK(spapr_tce_get_nb_table(tcet) != 0, "announced a disabled window");
    CHECK(spapr_tce_get_skipping_replay(tcet) == want->skipping,
          "skipping_replay %d in the listener",
          spapr_tce_get_skipping_replay(tcet));
    if (added) {
        Error *err = NULL;

        iommu_notifier_init(&p->n[n], window_notify,
                            IOMMU_NOTIFIER_IOTLB_EVENTS, 0, ~0ULL, 0);
        CHECK(memory_region_register_iommu_notifier(spapr_tce_get_iommu_mr(tcet),
                                                    &p->n[n], &err) == 0,
              "listener register: %s", err ? error_get_pretty(err) : "");
        /* A new window is empty: replay finds nothing, skipping or not. */
        memory_region_iommu_replay(spapr_tce_get_iommu_mr(tcet), &p->n[n]);
        CHECK(p->events[n] == 0, "replay of a new window sent events");
    } else {
        memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(tcet),
                                                &p->n[n]);
        CHECK(p->events[n] == p->events_expected[n], "window events");
        p->events[n] = p->events_expected[n] = 0;
    }
}

/* ---- Model ------------------------------------------------------------- */

static void expect_announce(Phb *p, int n, bool added, bool skipping)
{
    CHECK(annq_len < sizeof(annq) / sizeof(annq[0]), "announcement queue");
    annq[annq_len++] = (Announce){ p, n, added, skipping };
}

static int model_active(const Phb *p)
{
    return p->m[0].enabled + p->m[1].enabled;
}

static void model_disable(Phb *p, int n)
{
    WindowModel *w = &p->m[n];

    if (!w->exists || !w->enabled) {
        return;
    }
    expect_announce(p, n, false, false);
    w->enabled = false;
    w->page_shift = 0;
    w->bus_offset = 0;
    w->nb_table = 0;
    sparse_clear(&w->tces);
}

static void model_enable(Phb *p, int n, uint32_t shift, uint64_t bus,
                         uint32_t nb, bool def, bool skipping)
{
    WindowModel *w = &p->m[n];

    w->enabled = true;
    w->page_shift = shift;
    w->bus_offset = bus;
    w->nb_table = nb;
    w->def = def;
    sparse_clear(&w->tces);
    expect_announce(p, n, true, skipping);
}

static void model_dma_reset(Phb *p)
{
    model_disable(p, 0);
    model_disable(p, 1);
    model_enable(p, 0, 12, p->cfg.dma_win_addr,
                 (uint32_t)(p->cfg.dma_win_size >> 12), true, false);
}

static Phb *model_phb(const uint32_t *args, uint32_t nargs_needed)
{
    uint64_t buid;

    if (!args || nargs_needed < 3) {
        return NULL;
    }
    buid = (uint64_t)args[1] << 32 | args[2];
    for (int i = 0; i < NPHBS; i++) {
        if (buid_of(&phbs[i]) == buid && phbs[i].cfg.ddw) {
            return &phbs[i];
        }
    }
    return NULL;
}

/*
 * Fills want[0..nret) with the expected cells (SENTINEL where the call
 * must not write) for call `which`.
 */
static void model_rtas(int which, uint32_t nargs, const uint32_t *args,
                       uint32_t nret, uint32_t *want)
{
    uint32_t cells = nret < CELLS_MAX ? nret : CELLS_MAX;
    Phb *p;

    for (uint32_t i = 0; i < cells; i++) {
        want[i] = SENTINEL;
    }
#define RET(i, v) do { if ((i) < cells) { want[i] = (uint32_t)(v); } } while (0)
    switch (which) {
    case 0: {                                   /* query */
        uint32_t mask = 0;
        static const struct {
            int shift;
            uint32_t bit;
        } enc[] = {
            { 12, 0x01 }, { 16, 0x02 }, { 24, 0x04 }, { 25, 0x08 },
            { 26, 0x10 }, { 27, 0x20 }, { 28, 0x40 }, { 34, 0x80 },
            { 21, 0x100 },
        };

        p = nargs == 3 ? model_phb(args, nargs) : NULL;
        if (!p || (nret != 5 && nret != 6)) {
            RET(0, RTAS_OUT_PARAM_ERROR);
            return;
        }
        for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
            if (p->cfg.pgsz & (1ULL << enc[i].shift)) {
                mask |= enc[i].bit;
            }
        }
        RET(0, RTAS_OUT_SUCCESS);
        RET(1, 2 - model_active(p));
        if (nret == 6) {
            RET(2, 0x20);
            RET(3, 0);
            RET(4, mask);
            RET(5, 0);
        } else {
            RET(2, 0x80000000u);
            RET(3, mask);
            RET(4, 0);
        }
        return;
    }
    case 1: {                                   /* create */
        uint32_t page_shift, window_shift, shift, nb;
        uint64_t addr;
        int n;

        p = nargs == 5 ? model_phb(args, nargs) : NULL;
        if (!p || nret != 4) {
            RET(0, RTAS_OUT_PARAM_ERROR);
            return;
        }
        page_shift = args[3];
        window_shift = args[4];
        if (page_shift >= 64 || !(p->cfg.pgsz & (1ULL << page_shift)) ||
            window_shift < page_shift) {
            RET(0, RTAS_OUT_PARAM_ERROR);
            return;
        }
        n = !p->m[0].enabled ? 0 : !p->m[1].enabled ? 1 : -1;
        if (n < 0 || model_active(p) >= 2) {
            RET(0, RTAS_OUT_HW_ERROR);
            return;
        }
        addr = model_active(p) == 0 ? p->cfg.dma_win_addr
                                    : p->cfg.dma64_win_addr;
        shift = window_shift - page_shift;
        nb = shift < 32 ? 1u << shift : 0;
        if (!enable_valid(page_shift, addr, nb)) {
            RET(0, RTAS_OUT_HW_ERROR);
            return;
        }
        /* QEMU 7.2 never clears def_win: a DDW keeps its table's. */
        model_enable(p, n, page_shift, addr, nb, p->m[n].def, true);
        RET(0, RTAS_OUT_SUCCESS);
        RET(1, liobn_of(p, n));
        RET(2, addr >> 32);
        RET(3, addr & 0xffffffffu);
        return;
    }
    case 2: {                                   /* remove */
        bool was_default;
        int n = -1;

        p = NULL;
        if (nargs == 1 && nret == 1 && args) {
            for (int i = 0; i < NPHBS && !p; i++) {
                for (int w = 0; w < 2; w++) {
                    if (phbs[i].m[w].exists && liobn_of(&phbs[i], w) == args[0]) {
                        p = &phbs[i];
                        n = w;
                    }
                }
            }
        }
        if (!p || !p->cfg.ddw || !p->m[n].enabled) {
            RET(0, RTAS_OUT_PARAM_ERROR);
            return;
        }
        was_default = p->m[n].def;
        model_disable(p, n);
        if (model_active(p) == 0 && !was_default) {
            model_dma_reset(p);
        }
        RET(0, RTAS_OUT_SUCCESS);
        return;
    }
    default:                                    /* reset */
        p = nargs == 3 ? model_phb(args, nargs) : NULL;
        if (!p || nret != 1) {
            RET(0, RTAS_OUT_PARAM_ERROR);
            return;
        }
        model_dma_reset(p);
        RET(0, RTAS_OUT_SUCCESS);
        return;
    }
#undef RET
}

/* ---- Checks ------------------------------------------------------------ */

static void check_phb(Phb *p)
{
    CHECK(spapr_phb_get_buid(p->phb) == buid_of(p), "BUID");
    CHECK(spapr_phb_get_window(p->phb, 2) == NULL, "window 2 exists");
    for (int n = 0; n < 2; n++) {
        WindowModel *w = &p->m[n];
        SpaprTceTable *t = spapr_phb_get_window(p->phb, n);

        CHECK(t == p->win[n], "window %d table changed", n);
        if (!w->exists) {
            CHECK(!t, "window %d exists without DDW", n);
            CHECK(!spapr_tce_find_by_liobn(liobn_of(p, n)), "stray LIOBN");
            continue;
        }
        CHECK(spapr_tce_find_by_liobn(liobn_of(p, n)) == t, "LIOBN lookup");
        CHECK_EQ_U64(spapr_tce_get_liobn(t), liobn_of(p, n), "liobn");
        CHECK_EQ_U64(spapr_tce_get_nb_table(t), w->nb_table, "nb_table");
        CHECK_EQ_U64(spapr_tce_get_page_shift(t), w->page_shift,
                     "page_shift");
        CHECK_EQ_U64(spapr_tce_get_bus_offset(t), w->bus_offset,
                     "bus_offset");
        CHECK_EQ_U64(memory_region_size(spapr_tce_get_iommu_mr(t)),
                     (uint64_t)w->nb_table << w->page_shift, "region size");
        CHECK(!spapr_tce_get_skipping_replay(t), "skipping_replay left set");
        CHECK(w->enabled == notifier_on(spapr_tce_get_iommu_mr(t), &p->n[n]),
              "listener notifier on window %d: enabled %d", n, w->enabled);
        CHECK(spapr_tce_get_need_vfio(t) == w->enabled, "need_vfio");
        CHECK(p->events[n] == p->events_expected[n], "window events");
        SPARSE_FOREACH(&w->tces, i) {
            uint64_t got = 0;
            uint64_t index = w->tces.keys[i];

            CHECK(spapr_h_get_tce(liobn_of(p, n),
                                  tce_ioba_of(w->bus_offset, w->page_shift,
                                              index), &got)
                  == H_SUCCESS, "get");
            CHECK_EQ_U64(got, w->tces.vals[i], "entry");
        }
    }
    /* No two enabled windows of one PHB share a LIOBN; at most two. */
    CHECK(model_active(p) <= 2, "too many windows");
}

static void check_all(void)
{
    CHECK(annq_head == annq_len, "%zu announcements missing",
          annq_len - annq_head);
    annq_len = annq_head = 0;
    for (int i = 0; i < NPHBS; i++) {
        check_phb(&phbs[i]);
    }
}

/* ---- Operations -------------------------------------------------------- */

static uint32_t pick_cell(FuzzInput *in, int which, int i, Phb *p)
{
    uint8_t sel = in_u8(in);

    if (sel >= 0xe0) {
        return in_u32(in);
    }
    switch (which == 2 ? 10 + i : i) {
    case 0:
        return sel < 0xc0 ? 0 : in_u32(in);     /* config address */
    case 1:
        return sel < 0xc0 ? (uint32_t)(buid_of(p) >> 32) : in_u32(in);
    case 2:
        return sel < 0xc0 ? (uint32_t)buid_of(p) : (uint32_t)buid_of(p) + 1;
    case 3: {                                   /* page_shift */
        static const uint32_t shifts[] = { 12, 16, 21, 24, 34, 0, 63, 64 };

        return sel < 0x80 ? shifts[sel & 7] : sel & 0x7f;
    }
    case 4:                                     /* window_shift */
        return sel & 0x7f;
    case 10:                                    /* remove: a LIOBN */
        return sel < 0xc0 ? liobn_of(p, sel & 1) : 0x80000000u | (sel & 0x3f);
    default:
        return sel;
    }
}

static void op_rtas(FuzzInput *in)
{
    static const uint32_t nargs_ok[] = { 3, 5, 1, 3 };
    static const uint32_t nret_ok[] = { 5, 4, 1, 1 };
    uint8_t sel = in_u8(in);
    uint8_t shape = in_u8(in);
    int which = sel & 3;
    Phb *p = &phbs[(sel >> 2) % NPHBS];
    uint32_t nargs, nret, acells, rcells;
    uint32_t *args = NULL, *rets = NULL;
    uint32_t want[CELLS_MAX];

    nargs = nargs_ok[which];
    nret = nret_ok[which];
    if (which == 0 && (shape & 1)) {
        nret = 6;
    }
    switch (shape >> 1 & 7) {
    case 0:
        nargs = in_u8(in) % 8;
        break;
    case 1:
        nret = in_u8(in) % 8;
        break;
    case 2:
        nargs = in_u32(in);
        nret = in_u32(in);
        break;
    default:
        break;
    }
    /*
     * Exactly the cells the call may touch. Past CELLS_MAX no count is
     * right, so the call must refuse before reading: one cell is enough.
     */
    acells = nargs <= CELLS_MAX ? nargs : 1;
    rcells = nret <= CELLS_MAX ? nret : 1;
    if (!(shape & 0x10)) {
        args = calloc(acells ? acells : 1, sizeof(*args));
        for (uint32_t i = 0; i < acells && nargs <= CELLS_MAX; i++) {
            args[i] = pick_cell(in, which, i, p);
        }
    }
    if (!(shape & 0x20)) {
        rets = malloc((rcells ? rcells : 1) * sizeof(*rets));
        for (uint32_t i = 0; i < rcells; i++) {
            rets[i] = SENTINEL;
        }
        if (!rcells) {
            /* nret 0: a block of no cells, so that any write is caught. */
            free(rets);
            rets = malloc(0);
        }
    }

    /* NULL arrays change what the call can see, not what it may do. */
    model_rtas(which, nargs, args, nret, want);
    switch (which) {
    case 0:
        rtas_ibm_query_pe_dma_window(nargs, args, nret, rets);
        break;
    case 1:
        rtas_ibm_create_pe_dma_window(nargs, args, nret, rets);
        break;
    case 2:
        rtas_ibm_remove_pe_dma_window(nargs, args, nret, rets);
        break;
    default:
        rtas_ibm_reset_pe_dma_window(nargs, args, nret, rets);
        break;
    }
    if (rets) {
        for (uint32_t i = 0; i < rcells && i < nret; i++) {
            CHECK(rets[i] == want[i], "call %d nargs %u nret %u: rets[%u] = "
                  "0x%x, expected 0x%x", which, nargs, nret, i, rets[i],
                  want[i]);
        }
    }
    free(args);
    free(rets);
}

static void op_put(FuzzInput *in)
{
    Phb *p = &phbs[in_u8(in) % NPHBS];
    int n = in_u8(in) & 1;
    WindowModel *w = &p->m[n];
    uint64_t index = in_u16(in);
    uint64_t tce = in_u64(in);
    uint64_t ioba = tce_ioba_of(w->bus_offset, w->page_shift, index);
    int64_t ret;

    ret = spapr_h_put_tce(liobn_of(p, n), ioba, tce);
    if (w->enabled) {
        /* With a big page shift, index << page_shift wraps into the window. */
        index = tce_index_of(w->bus_offset, w->page_shift, ioba);
    }
    if (w->exists && w->enabled && index < w->nb_table) {
        CHECK(ret == H_SUCCESS, "put on window %d: %lld", n, (long long)ret);
        sparse_set(&w->tces, index, tce);
        p->events_expected[n]++;
    } else {
        CHECK(ret == H_PARAMETER, "put outside: %lld", (long long)ret);
    }
}

/* ---- libFuzzer entry points -------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < NPHBS; i++) {
        Phb *p = &phbs[i];
        Error *err = NULL;

        spapr_phb_config_default(&p->cfg, (uint32_t[]){ 0, 1, 5 }[i]);
        if (i == 1) {
            p->cfg.ddw = false;
        }
        if (i == 2) {
            p->cfg.pgsz |= 1ULL << 0 | 1ULL << 34 | 1ULL << 63 | 1ULL << 40;
            p->cfg.dma_win_addr = 0x80000000ULL;
            p->cfg.dma_win_size = 0x10000000ULL;
            p->cfg.dma64_win_addr = 0xffff000000000000ULL;
        }
        annq_len = annq_head = 0;
        p->phb = spapr_phb_new(&p->cfg, &err);
        CHECK(p->phb && !err, "spapr_phb_new %d: %s", i,
              err ? error_get_pretty(err) : "");
        for (int n = 0; n < 2; n++) {
            p->win[n] = spapr_phb_get_window(p->phb, n);
            p->m[n].exists = p->win[n] != NULL;
            sparse_clear(&p->m[n].tces);
        }
        CHECK(p->win[0] && (p->win[1] != NULL) == p->cfg.ddw, "windows");
        spapr_phb_set_window_listener(p->phb, listener, p);
        /* Announce nothing for the window enabled already: attach by hand. */
        p->m[0].enabled = true;
        p->m[0].def = true;
        p->m[0].page_shift = 12;
        p->m[0].bus_offset = p->cfg.dma_win_addr;
        p->m[0].nb_table = (uint32_t)(p->cfg.dma_win_size >> 12);
        iommu_notifier_init(&p->n[0], window_notify,
                            IOMMU_NOTIFIER_IOTLB_EVENTS, 0, ~0ULL, 0);
        CHECK(memory_region_register_iommu_notifier(
                  spapr_tce_get_iommu_mr(p->win[0]), &p->n[0], NULL) == 0,
              "register");
    }
    check_all();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };

    /* Every input starts from QEMU's reset state. */
    for (int i = 0; i < NPHBS; i++) {
        model_dma_reset(&phbs[i]);
        spapr_phb_reset(phbs[i].phb);
    }
    check_all();

    for (int op = 0; op < MAX_OPS && !in_empty(&in); op++) {
        if (in_u8(&in) < 0xc0) {
            op_rtas(&in);
        } else {
            op_put(&in);
        }
        check_all();
    }
    return 0;
}
