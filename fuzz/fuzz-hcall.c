/*
 * libFuzzer harness: the TCE hypercalls, as a hostile guest makes them.
 *
 * Each input is a run of operations on three tables (two flat windows and a
 * tree, bus offsets 0, 2^59 and an unaligned one): hypercalls through the
 * dispatcher or the direct entry points with random opcodes, LIOBNs, iobas,
 * TCEs, npages and list addresses into a fake guest memory whose pages are
 * readable or not (a list that is not reads as zeros, as in QEMU); writes
 * to that memory; notifier registration with random ranges, flags and
 * indexes; and the C caller's lifecycle calls with random
 * parameters. A model computes every expected answer and notification first;
 * the library's answers, its notifications (in order), a shadow table kept
 * only from those notifications, translate, H_GET_TCE and replay are all
 * checked against the model after every operation and at the end.
 */
#include "fuzz-util.h"

#define NTABLES      3
#define GUEST_BASE   0x40000000ULL
#define GUEST_PAGES  16
#define GUEST_SIZE   (GUEST_PAGES * 4096)
#define MAX_OPS      96
/*
 * H_STUFF_TCE costs one put per page up to nb_table, as in QEMU: inputs
 * stay fast with at most this many (larger counts are still refused).
 */
#define STUFF_CAP    (1ULL << 12)
#define INDIRECT_MAX 512

typedef struct Model {
    uint32_t liobn;
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;      /* 0: disabled */
    SparseMap tces;         /* index -> raw TCE; absent means 0 */
} Model;

typedef struct Table {
    SpaprTceTable *t;
    IOMMUMemoryRegion *mr;
    Model m;
    SparseMap shadow;       /* index -> translated_addr | perm, from events */
    IOMMUNotifier full;     /* every event, kept registered */
    IOMMUNotifier range;    /* a random range and flags, sometimes */
    bool range_on;
    uint64_t range_hits;
    uint64_t range_expected;
} Table;

static const struct {
    uint32_t liobn;
    uint32_t page_shift;
    uint64_t bus_offset;
    uint32_t nb_table;
} canon[NTABLES] = {
    { 0x80000000u, 12, 0, 1024 },                       /* flat */
    { 0x80000001u, 16, 0x800000000000000ULL, (1u << 22) + 1 }, /* tree */
    { 0x00000001u, 24, 0x1000, 64 },                    /* flat, unaligned */
};

static Table tables[NTABLES];

/* Expected notifications to the full-range notifiers, in order. */
typedef struct ExpectedEvent {
    Table *table;
    IOMMUTLBEntry entry;
} ExpectedEvent;

static ExpectedEvent *evq;
static size_t evq_len, evq_cap, evq_head;

/* Indexes written in the current operation, checked after it. */
typedef struct Touched {
    Table *table;
    uint64_t index;
} Touched;

static Touched *touched;
static size_t touched_len, touched_cap;

/* Guest memory: GUEST_PAGES pages at GUEST_BASE, some unreadable. */
static uint8_t guest[GUEST_SIZE];
static uint32_t guest_readable;     /* bit n: page n readable */
static unsigned guest_reads;
static uint64_t guest_expect_addr;
static size_t guest_expect_len;

static uint64_t page_mask(uint32_t shift)
{
    return ~((1ULL << shift) - 1);
}

static Table *table_of(IOMMUNotifier *n, size_t offset)
{
    return (Table *)((char *)n - offset);
}

/* ---- Guest memory ------------------------------------------------------ */

static bool guest_readable_range(uint64_t addr, size_t len)
{
    uint64_t off;

    if (addr < GUEST_BASE || len == 0) {
        return false;
    }
    off = addr - GUEST_BASE;
    if (off > GUEST_SIZE || len > GUEST_SIZE - off) {
        return false;
    }
    for (uint64_t p = off / 4096; p <= (off + len - 1) / 4096; p++) {
        if (!(guest_readable & (1u << p))) {
            return false;
        }
    }
    return true;
}

static bool guest_read(void *opaque, hwaddr addr, void *buf, size_t len)
{
    CHECK(opaque == guest, "read got opaque %p", opaque);
    guest_reads++;
    CHECK_EQ_U64(addr, guest_expect_addr, "list address read");
    CHECK_EQ_U64(len, guest_expect_len, "list length read");
    if (!guest_readable_range(addr, len)) {
        return false;
    }
    memcpy(buf, guest + (addr - GUEST_BASE), len);
    return true;
}

static uint64_t guest_load_be(uint64_t addr)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = v << 8 | guest[addr - GUEST_BASE + i];
    }
    return v;
}

static void guest_store_be(uint64_t off, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        guest[off + i] = (uint8_t)v;
        v >>= 8;
    }
}

/*
 * Per-input set-up, not under test: no coverage, and whole 8-byte stores
 * (byte by byte this loop was most of an input's time).
 */
__attribute__((no_sanitize("coverage")))
static void guest_fill(uint32_t seed)
{
    uint64_t x = seed | 1ULL << 40;

    for (uint64_t off = 0; off < GUEST_SIZE; off += 8) {
        uint64_t v;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (x >> 61) {
        case 0:
            v = 0;
            break;
        case 1:
            v = x;
            break;
        default:
            v = (x & 0x0000fffffffff000ULL) | (x >> 40 & 3);
            break;
        }
        v = __builtin_bswap64(v);
        memcpy(guest + off, &v, sizeof(v));
    }
}

/* ---- Notifiers --------------------------------------------------------- */

static void full_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Table *t = table_of(n, offsetof(Table, full));
    ExpectedEvent *want;

    CHECK(evq_head < evq_len, "unexpected notification on LIOBN 0x%x "
          "iova 0x%llx", t->m.liobn, (unsigned long long)e->iova);
    want = &evq[evq_head++];
    CHECK(want->table == t, "event for LIOBN 0x%x, expected 0x%x",
          t->m.liobn, want->table->m.liobn);
    CHECK(e->target_as == NULL, "target_as %p", (void *)e->target_as);
    CHECK_EQ_U64(e->iova, want->entry.iova, "event iova");
    CHECK_EQ_U64(e->translated_addr, want->entry.translated_addr,
                 "event translated_addr");
    CHECK_EQ_U64(e->addr_mask, want->entry.addr_mask, "event addr_mask");
    CHECK_EQ_U64(e->perm, want->entry.perm, "event perm");
    /* The shadow: what a VFIO-like listener knows from events alone. */
    sparse_set(&t->shadow, e->iova >> t->m.page_shift,
               e->translated_addr | e->perm);
}

static void range_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Table *t = table_of(n, offsetof(Table, range));

    CHECK(t->range_on, "notification to an unregistered notifier");
    CHECK(e->iova <= n->end && e->iova + e->addr_mask >= n->start,
          "event 0x%llx+0x%llx outside [0x%llx, 0x%llx]",
          (unsigned long long)e->iova, (unsigned long long)e->addr_mask,
          (unsigned long long)n->start, (unsigned long long)n->end);
    t->range_hits++;
}

static Table *replay_table;
static uint64_t replay_count;
static uint64_t replay_last;

static void replay_notify(IOMMUNotifier *n, IOMMUTLBEntry *e)
{
    Table *t = replay_table;
    uint64_t mask = page_mask(t->m.page_shift);
    uint64_t index = e->iova >> t->m.page_shift;
    uint64_t *tce = sparse_find(&t->m.tces, index);

    (void)n;
    CHECK(tce && (*tce & 3), "replay of unmapped index 0x%llx on 0x%x",
          (unsigned long long)index, t->m.liobn);
    CHECK(replay_count == 0 || index > replay_last,
          "replay out of order: 0x%llx after 0x%llx",
          (unsigned long long)index, (unsigned long long)replay_last);
    CHECK_EQ_U64(e->iova, (index << t->m.page_shift) & mask, "replay iova");
    CHECK_EQ_U64(e->translated_addr, *tce & mask, "replay translated_addr");
    CHECK_EQ_U64(e->addr_mask, ~mask, "replay addr_mask");
    CHECK_EQ_U64(e->perm, *tce & 3, "replay perm");
    replay_last = index;
    replay_count++;
}

/* ---- Model ------------------------------------------------------------- */

static void expect_event(Table *t, uint64_t index, uint64_t tce)
{
    uint64_t mask = page_mask(t->m.page_shift);
    IOMMUTLBEntry e = {
        .target_as = NULL,
        .iova = (index << t->m.page_shift) & mask,
        .translated_addr = tce & mask,
        .addr_mask = ~mask,
        .perm = (IOMMUAccessFlags)(tce & 3),
    };
    IOMMUNotifierFlag type = e.perm ? IOMMU_NOTIFIER_MAP
                                    : IOMMU_NOTIFIER_UNMAP;

    if (evq_len == evq_cap) {
        evq_cap = evq_cap ? evq_cap * 2 : 1024;
        evq = realloc(evq, evq_cap * sizeof(*evq));
        CHECK(evq, "out of memory");
    }
    evq[evq_len].table = t;
    evq[evq_len].entry = e;
    evq_len++;

    if (t->range_on && (t->range.notifier_flags & type) &&
        t->range.start <= e.iova + e.addr_mask && t->range.end >= e.iova) {
        t->range_expected++;
    }
}

static void touch(Table *t, uint64_t index)
{
    if (touched_len == touched_cap) {
        touched_cap = touched_cap ? touched_cap * 2 : 1024;
        touched = realloc(touched, touched_cap * sizeof(*touched));
        CHECK(touched, "out of memory");
    }
    touched[touched_len].table = t;
    touched[touched_len].index = index;
    touched_len++;
}

static Table *model_lookup(uint64_t liobn)
{
    if (liobn >> 32) {
        return NULL;
    }
    for (int i = 0; i < NTABLES; i++) {
        if (tables[i].m.liobn == liobn) {
            return &tables[i];
        }
    }
    return NULL;
}

static uint64_t model_index(Table *t, uint64_t ioba)
{
    return tce_index_of(t->m.bus_offset, t->m.page_shift, ioba);
}

static uint64_t ioba_of(const Model *m, uint64_t index)
{
    return tce_ioba_of(m->bus_offset, m->page_shift, index);
}

/* ioba already masked with the table's page mask. */
static int64_t model_put(Table *t, uint64_t ioba, uint64_t tce)
{
    uint64_t index = model_index(t, ioba);

    if (index >= t->m.nb_table) {
        return H_PARAMETER;
    }
    sparse_set(&t->m.tces, index, tce);
    expect_event(t, index, tce);
    touch(t, index);
    return H_SUCCESS;
}

static int64_t model_put_loop(Table *t, uint64_t ioba, const uint64_t *list,
                              uint64_t value, uint64_t npages)
{
    int64_t ret = H_PARAMETER;

    ioba &= page_mask(t->m.page_shift);
    for (uint64_t i = 0; i < npages; i++) {
        ret = model_put(t, ioba, list ? list[i] : value);
        if (ret != H_SUCCESS) {
            break;
        }
        ioba += 1ULL << t->m.page_shift;
    }
    return ret;
}

/*
 * The expected answer to one hypercall; *get_out receives H_GET_TCE's TCE,
 * *reads how many times the list must be read.
 */
static int64_t model_hcall(uint64_t opcode, const uint64_t *args,
                           const SpaprGuestMemory *mem, uint64_t *get_out,
                           unsigned *reads)
{
    Table *t;
    uint64_t index;
    bool readable;
    static uint64_t list[INDIRECT_MAX];

    *reads = 0;
    switch (opcode) {
    case H_PUT_TCE:
    case H_GET_TCE:
    case H_STUFF_TCE:
    case H_PUT_TCE_INDIRECT:
        break;
    default:
        return H_FUNCTION;
    }
    t = model_lookup(args[0]);
    if (!t) {
        return H_PARAMETER;
    }
    switch (opcode) {
    case H_PUT_TCE:
        return model_put(t, args[1] & page_mask(t->m.page_shift), args[2]);
    case H_GET_TCE:
        index = model_index(t, args[1] & page_mask(t->m.page_shift));
        if (index >= t->m.nb_table) {
            return H_PARAMETER;
        }
        *get_out = sparse_get(&t->m.tces, index);
        return H_SUCCESS;
    case H_STUFF_TCE:
        if (args[3] > t->m.nb_table) {
            return H_PARAMETER;
        }
        return model_put_loop(t, args[1], NULL, args[2], args[3]);
    default:
        if (args[3] > INDIRECT_MAX || (args[2] & 0xfff) || args[3] == 0 ||
            !mem || !mem->read) {
            return H_PARAMETER;
        }
        *reads = 1;
        /*
         * A list the read fails for reads as zeros, as QEMU's ldq_be_phys
         * reads unassigned memory: its entries are cleared.
         */
        readable = guest_readable_range(args[2], args[3] * 8);
        for (uint64_t i = 0; i < args[3]; i++) {
            list[i] = readable ? guest_load_be(args[2] + i * 8) : 0;
        }
        return model_put_loop(t, args[1], list, 0, args[3]);
    }
}

/* ---- Checks ------------------------------------------------------------ */

static void check_entry(Table *t, uint64_t index)
{
    Model *m = &t->m;
    uint64_t mask = page_mask(m->page_shift);
    uint64_t want = sparse_get(&m->tces, index);
    uint64_t got = 0xdeadbeef;
    uint64_t *shadow;
    IOMMUTLBEntry e;

    CHECK(index < m->nb_table, "touched index out of the window");
    CHECK_EQ_U64(spapr_h_get_tce(m->liobn, ioba_of(m, index), &got),
                 H_SUCCESS, "get of a touched entry");
    CHECK_EQ_U64(got, want, "H_GET_TCE vs model");

    e = t->mr->ops->translate(t->mr, index << m->page_shift, IOMMU_RW, 0);
    CHECK_EQ_U64(e.iova, (index << m->page_shift) & mask, "translate iova");
    CHECK_EQ_U64(e.translated_addr, want & mask, "translate address");
    CHECK_EQ_U64(e.addr_mask, ~mask, "translate addr_mask");
    CHECK_EQ_U64(e.perm, want & 3, "translate perm");

    shadow = sparse_find(&t->shadow, index);
    if (sparse_find(&m->tces, index)) {
        CHECK(shadow, "no event for written index 0x%llx",
              (unsigned long long)index);
        CHECK_EQ_U64(*shadow, want & (mask | 3), "shadow vs model");
    } else {
        CHECK(!shadow, "event for unwritten index 0x%llx",
              (unsigned long long)index);
    }
}

static void check_config(Table *t)
{
    Model *m = &t->m;

    CHECK(spapr_tce_find_by_liobn(m->liobn) == t->t, "LIOBN 0x%x lost",
          m->liobn);
    CHECK(spapr_tce_get_iommu_mr(t->t) == t->mr, "region moved");
    CHECK(t->mr->ops == &spapr_tce_iommu_ops, "region ops changed");
    CHECK_EQ_U64(spapr_tce_get_page_shift(t->t), m->page_shift, "page_shift");
    CHECK_EQ_U64(spapr_tce_get_bus_offset(t->t), m->bus_offset, "bus_offset");
    CHECK_EQ_U64(spapr_tce_get_nb_table(t->t), m->nb_table, "nb_table");
    CHECK_EQ_U64(memory_region_size(t->mr),
                 (uint64_t)m->nb_table << m->page_shift, "region size");
    CHECK_EQ_U64(memory_region_iommu_get_min_page_size(t->mr),
                 1ULL << m->page_shift, "min page size");
    CHECK(m->nb_table || spapr_tce_table_storage_bytes(t->t) == 0,
          "storage %zu bytes with the window disabled",
          spapr_tce_table_storage_bytes(t->t));
    SPARSE_FOREACH(&m->tces, i) {
        if (m->tces.vals[i]) {
            CHECK(spapr_tce_table_storage_bytes(t->t) > 0,
                  "a TCE held in no storage (index 0x%llx)",
                  (unsigned long long)m->tces.keys[i]);
            break;
        }
    }
    CHECK(spapr_tce_get_need_vfio(t->t), "need_vfio off with a notifier");
    CHECK_EQ_U64(t->mr->iommu_notify_flags,
                 IOMMU_NOTIFIER_IOTLB_EVENTS |
                 (t->range_on ? t->range.notifier_flags : 0),
                 "flag union");
    CHECK(notifier_on(t->mr, &t->full), "full notifier dropped");
    CHECK(notifier_on(t->mr, &t->range) == t->range_on,
          "range notifier registration");
}

static void check_table(Table *t)
{
    IOMMUNotifier n;
    uint64_t mapped = 0;

    check_config(t);
    SPARSE_FOREACH(&t->m.tces, i) {
        check_entry(t, t->m.tces.keys[i]);
        mapped += (t->m.tces.vals[i] & 3) != 0;
    }
    SPARSE_FOREACH(&t->shadow, i) {
        CHECK(sparse_find(&t->m.tces, t->shadow.keys[i]),
              "shadow has index 0x%llx the model has not",
              (unsigned long long)t->shadow.keys[i]);
    }
    iommu_notifier_init(&n, replay_notify, IOMMU_NOTIFIER_MAP, 0, ~0ULL, 0);
    replay_table = t;
    replay_count = 0;
    memory_region_iommu_replay(t->mr, &n);
    CHECK_EQ_U64(replay_count, mapped, "replayed vs mapped entries");
}

static void check_after_op(void)
{
    CHECK(evq_head == evq_len, "%zu expected notifications missing",
          evq_len - evq_head);
    for (size_t i = 0; i < touched_len; i++) {
        check_entry(touched[i].table, touched[i].index);
    }
    for (int i = 0; i < NTABLES; i++) {
        CHECK_EQ_U64(tables[i].range_hits, tables[i].range_expected,
                     "range notifier events");
    }
    evq_len = evq_head = 0;
    touched_len = 0;
}

/* ---- Operations -------------------------------------------------------- */

static Table *pick_table(FuzzInput *in)
{
    return &tables[in_u8(in) % NTABLES];
}

static uint64_t pick_liobn(FuzzInput *in, Table **t)
{
    uint8_t sel = in_u8(in);

    *t = &tables[sel % NTABLES];
    switch (sel >> 4) {
    case 0 ... 9:
        return (*t)->m.liobn;
    case 10:
        return 0x12345;                                 /* unknown */
    case 11:
        return (uint64_t)(in_u32(in) | 1) << 32 | (*t)->m.liobn;
    case 12:
        return 0;
    default:
        return in_u64(in);
    }
}

static uint64_t pick_ioba(FuzzInput *in, Table *t)
{
    uint8_t sel = in_u8(in);
    uint64_t nb = t->m.nb_table;
    uint64_t index;

    switch (sel & 7) {
    case 0 ... 3:
        index = in_u32(in) % (nb + 2);
        break;
    case 4:
        index = nb - (in_u8(in) & 3);                   /* the end */
        break;
    case 5:
        return t->m.bus_offset - (in_u16(in) + 1);      /* below */
    default:
        return in_u64(in);
    }
    return ((sel & 0x10) ? ioba_of(&t->m, index)
                         : t->m.bus_offset + (index << t->m.page_shift)) +
           ((sel & 8) ? (in_u32(in) & ((1ULL << t->m.page_shift) - 1)) : 0);
}

static uint64_t pick_tce(FuzzInput *in)
{
    uint8_t sel = in_u8(in);

    switch (sel & 3) {
    case 0:
        return 0;
    case 1:
        return in_u64(in);
    default:
        return (in_u64(in) & 0x000ffffffffff000ULL) | (sel >> 2 & 3);
    }
}

static uint64_t pick_npages(FuzzInput *in, Table *t)
{
    uint8_t sel = in_u8(in);

    switch (sel & 7) {
    case 0 ... 3:
        return sel >> 3;
    case 4:
        return in_u16(in) % (INDIRECT_MAX + 8);
    case 5:
        return (uint64_t)t->m.nb_table + (sel >> 3) - 16;
    default:
        return in_u64(in);
    }
}

static uint64_t pick_list(FuzzInput *in)
{
    uint8_t sel = in_u8(in);

    switch (sel & 7) {
    case 0 ... 4:
        return GUEST_BASE + (uint64_t)(sel >> 3) * 4096;   /* page aligned */
    case 5:
        return GUEST_BASE + in_u16(in);                 /* maybe unaligned */
    case 6:
        return GUEST_BASE + GUEST_SIZE - 4096 * (sel >> 6);
    default:
        return in_u64(in);
    }
}

static void op_hcall(FuzzInput *in)
{
    static const uint64_t opcodes[] = {
        H_PUT_TCE, H_GET_TCE, H_STUFF_TCE, H_PUT_TCE_INDIRECT,
    };
    SpaprGuestMemory mem_ok = { .opaque = guest, .read = guest_read };
    SpaprGuestMemory mem_noread = { .opaque = guest, .read = NULL };
    const SpaprGuestMemory *mem = &mem_ok;
    uint8_t sel = in_u8(in);
    uint64_t opcode, args[4], before[4];
    uint64_t get_out = 0;
    unsigned reads;
    int64_t want, got;
    Table *t;

    opcode = (sel & 7) < 4 ? opcodes[sel & 7]
           : (sel & 7) == 4 ? in_u64(in) : opcodes[sel & 3];
    args[0] = pick_liobn(in, &t);
    args[1] = pick_ioba(in, t);
    args[2] = opcode == H_PUT_TCE_INDIRECT ? pick_list(in) : pick_tce(in);
    args[3] = pick_npages(in, t);
    if ((sel >> 3 & 15) == 15) {
        mem = (sel & 0x80) ? NULL : &mem_noread;
    }
    if (opcode == H_STUFF_TCE && args[3] <= t->m.nb_table &&
        args[3] > STUFF_CAP) {
        args[3] = STUFF_CAP;
    }
    memcpy(before, args, sizeof(args));

    want = model_hcall(opcode, args, mem, &get_out, &reads);
    guest_reads = 0;
    guest_expect_addr = args[2];
    guest_expect_len = args[3] * 8;

    if (sel & 0x40) {
        got = spapr_hcall_tce(opcode, args, mem);
        CHECK_EQ_U64(args[0], want == H_SUCCESS && opcode == H_GET_TCE
                              ? get_out : before[0], "args[0] after the call");
        CHECK(memcmp(&args[1], &before[1], 3 * sizeof(args[0])) == 0,
              "args[1..3] changed");
    } else {
        switch (opcode) {
        case H_PUT_TCE:
            got = spapr_h_put_tce(args[0], args[1], args[2]);
            break;
        case H_GET_TCE: {
            uint64_t out = 0x5a5a5a5a;

            got = spapr_h_get_tce(args[0], args[1], &out);
            CHECK_EQ_U64(out, got == H_SUCCESS ? get_out : 0x5a5a5a5a,
                         "H_GET_TCE result");
            break;
        }
        case H_STUFF_TCE:
            got = spapr_h_stuff_tce(args[0], args[1], args[2], args[3]);
            break;
        case H_PUT_TCE_INDIRECT:
            got = spapr_h_put_tce_indirect(args[0], args[1], args[2], args[3],
                                           mem);
            break;
        default:
            got = spapr_hcall_tce(opcode, args, mem);
            break;
        }
    }
    CHECK(got == want, "opcode 0x%llx liobn 0x%llx ioba 0x%llx a2 0x%llx "
          "npages 0x%llx: got %lld, model %lld",
          (unsigned long long)opcode, (unsigned long long)args[0],
          (unsigned long long)args[1], (unsigned long long)args[2],
          (unsigned long long)args[3], (long long)got, (long long)want);
    CHECK(guest_reads == reads, "list read %u times, expected %u",
          guest_reads, reads);
}

static void op_guest_write(FuzzInput *in)
{
    uint8_t sel = in_u8(in);
    uint64_t off = (in_u16(in) % GUEST_SIZE) & ~7ULL;

    if (sel & 1) {
        guest_readable ^= 1u << (sel >> 1 & 15);
    }
    guest_store_be(off, pick_tce(in));
}

static void op_notifier(FuzzInput *in)
{
    Table *t = pick_table(in);
    uint8_t sel = in_u8(in);
    IOMMUNotifier *head = t->mr->iommu_notify;
    IOMMUNotifierFlag flags_before = t->mr->iommu_notify_flags;
    Error *err = NULL;
    int ret;

    if (sel & 1) {
        /* Registering a registered notifier is refused, nothing changes. */
        ret = memory_region_register_iommu_notifier(t->mr, &t->full, &err);
        CHECK(ret < 0 && err && *error_get_pretty(err),
              "double registration: %d", ret);
        error_free(err);
        CHECK(t->mr->iommu_notify == head, "list head changed");
        CHECK(t->mr->iommu_notify_flags == flags_before, "flags changed");
        return;
    }
    if (t->range_on) {
        memory_region_unregister_iommu_notifier(t->mr, &t->range);
        t->range_on = false;
        return;
    }

    {
        IOMMUNotifierFlag flags = (IOMMUNotifierFlag)(sel >> 1 & 7);
        uint64_t start, end;
        int idx = (sel & 0xf0) == 0xf0 ? (int)in_u32(in) : 0;
        bool ok;

        if (sel & 0x10) {
            start = in_u64(in);
            end = in_u64(in);
        } else {
            start = (uint64_t)in_u16(in) << t->m.page_shift;
            end = start + ((uint64_t)in_u16(in) << t->m.page_shift) - 1;
        }
        ok = flags != 0 && !(flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) &&
             start <= end && idx == 0;
        iommu_notifier_init(&t->range, range_notify, flags, start, end, idx);
        ret = memory_region_register_iommu_notifier(t->mr, &t->range, &err);
        if (ok) {
            CHECK(ret == 0 && !err, "register refused: %d %s", ret,
                  err ? error_get_pretty(err) : "");
            t->range_on = true;
        } else {
            CHECK(ret < 0 && err && *error_get_pretty(err),
                  "bad notifier (flags %d, 0x%llx..0x%llx, idx %d): %d",
                  flags, (unsigned long long)start, (unsigned long long)end,
                  idx, ret);
            error_free(err);
            CHECK(t->mr->iommu_notify == head, "list head changed");
            CHECK(t->mr->iommu_notify_flags == flags_before,
                  "flags changed");
            CHECK(!notifier_on(t->mr, &t->range), "refused but registered");
        }
    }
}

static void model_disable(Table *t)
{
    t->m.page_shift = 0;
    t->m.bus_offset = 0;
    t->m.nb_table = 0;
    sparse_clear(&t->m.tces);
    sparse_clear(&t->shadow);
}

static void do_enable(Table *t, uint32_t shift, uint64_t bus, uint32_t nb)
{
    Error *err = NULL;
    bool ok = t->m.nb_table == 0 && enable_valid(shift, bus, nb);
    int ret = spapr_tce_table_enable(t->t, shift, bus, nb, &err);

    if (ok) {
        CHECK(ret == 0 && !err, "enable(%u, 0x%llx, %u) refused: %d %s",
              shift, (unsigned long long)bus, nb, ret,
              err ? error_get_pretty(err) : "");
        t->m.page_shift = shift;
        t->m.bus_offset = bus;
        t->m.nb_table = nb;
    } else {
        CHECK(ret < 0 && err && *error_get_pretty(err),
              "enable(%u, 0x%llx, %u) on nb_table %u: %d", shift,
              (unsigned long long)bus, nb, t->m.nb_table, ret);
        error_free(err);
    }
    check_config(t);
}

static void op_lifecycle(FuzzInput *in)
{
    Table *t = pick_table(in);
    uint8_t sel = in_u8(in);
    uint32_t shift;
    uint32_t nb;
    uint64_t bus;

    switch (sel & 7) {
    case 0:
        spapr_tce_table_reset(t->t);
        sparse_clear(&t->m.tces);
        sparse_clear(&t->shadow);
        check_config(t);
        return;
    case 1:
        spapr_tce_table_disable(t->t);
        model_disable(t);
        check_config(t);
        return;
    case 2:
        spapr_tce_table_disable(t->t);
        model_disable(t);
        do_enable(t, canon[t - tables].page_shift,
                  canon[t - tables].bus_offset, canon[t - tables].nb_table);
        return;
    default:
        break;
    }
    shift = (sel & 0x80) ? in_u32(in) : in_u8(in) % 66;
    switch (sel >> 3 & 3) {
    case 0:
        nb = in_u16(in);
        break;
    case 1:
        nb = in_u32(in);
        break;
    default:
        nb = in_u8(in);
        break;
    }
    switch (sel >> 5 & 3) {
    case 0:
        bus = 0;
        break;
    case 1:
        bus = in_u64(in);
        break;
    case 2:
        bus = (uint64_t)in_u16(in) << (shift & 63);
        break;
    default:
        bus = 0ULL - ((uint64_t)nb << (shift & 63));
        break;
    }
    if ((sel & 7) != 3) {
        spapr_tce_table_disable(t->t);
        model_disable(t);
    }
    do_enable(t, shift, bus, nb);
}

static void op_translate(FuzzInput *in)
{
    Table *t = pick_table(in);
    uint64_t addr = (in_u8(in) & 1) ? in_u64(in)
                    : ((uint64_t)in_u32(in) << t->m.page_shift) | in_u16(in);
    uint64_t index = addr >> t->m.page_shift;
    IOMMUTLBEntry e = t->mr->ops->translate(t->mr, addr, IOMMU_NONE, 0);

    if (index < t->m.nb_table) {
        uint64_t mask = page_mask(t->m.page_shift);
        uint64_t tce = sparse_get(&t->m.tces, index);

        CHECK_EQ_U64(e.iova, addr & mask, "translate iova");
        CHECK_EQ_U64(e.translated_addr, tce & mask, "translate address");
        CHECK_EQ_U64(e.addr_mask, ~mask, "translate addr_mask");
        CHECK_EQ_U64(e.perm, tce & 3, "translate perm");
    } else {
        CHECK(e.iova == 0 && e.translated_addr == 0 && e.addr_mask == ~0ULL &&
              e.perm == IOMMU_NONE, "out-of-window translate mapped 0x%llx",
              (unsigned long long)addr);
    }
}

/* ---- libFuzzer entry points -------------------------------------------- */

static void reset_all(void)
{
    for (int i = 0; i < NTABLES; i++) {
        Table *t = &tables[i];

        if (t->range_on) {
            memory_region_unregister_iommu_notifier(t->mr, &t->range);
            t->range_on = false;
        }
        t->range_hits = t->range_expected = 0;
        spapr_tce_table_disable(t->t);
        model_disable(t);
        do_enable(t, canon[i].page_shift, canon[i].bus_offset,
                  canon[i].nb_table);
    }
    evq_len = evq_head = 0;
    touched_len = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < NTABLES; i++) {
        Table *t = &tables[i];
        Error *err = NULL;

        t->m.liobn = canon[i].liobn;
        t->t = spapr_tce_new_table(NULL, canon[i].liobn, &err);
        CHECK(t->t && !err, "new table 0x%x", canon[i].liobn);
        t->mr = spapr_tce_get_iommu_mr(t->t);
        sparse_clear(&t->m.tces);
        sparse_clear(&t->shadow);
        iommu_notifier_init(&t->full, full_notify,
                            IOMMU_NOTIFIER_IOTLB_EVENTS, 0, ~0ULL, 0);
        CHECK(memory_region_register_iommu_notifier(t->mr, &t->full, &err)
              == 0, "register: %s", err ? error_get_pretty(err) : "");
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };

    reset_all();
    guest_readable = in_u16(&in);
    guest_fill(in_u32(&in));

    for (int op = 0; op < MAX_OPS && !in_empty(&in); op++) {
        uint8_t kind = in_u8(&in);

        switch (kind % 16) {
        case 0 ... 9:
            op_hcall(&in);
            break;
        case 10:
        case 11:
            op_guest_write(&in);
            break;
        case 12:
            op_notifier(&in);
            break;
        case 13:
            op_lifecycle(&in);
            break;
        case 14:
            op_translate(&in);
            break;
        default:
            check_table(pick_table(&in));
            break;
        }
        check_after_op();
    }
    for (int i = 0; i < NTABLES; i++) {
        check_table(&tables[i]);
    }
    return 0;
}
