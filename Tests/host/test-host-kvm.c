/*
 * The QEMU-shaped host under (a stand-in for) KVM: each window's entries
 * live in a kernel TCE table (kvm-ppc.h: a memfd, mapped once for QEMU,
 * which the engine is given, and once as the kernel's view). The "kernel"
 * writes entries behind the engine's back, as KVM's in-kernel H_PUT_TCE
 * does: translate, H_GET_TCE, replay and the migration stream must see
 * them; the hypercalls must write the kernel's table; a table must move
 * into and out of the kernel (need_vfio) without losing an entry; and the
 * host must be able to unmap a kernel table as soon as the engine let go
 * of it (disable, set_storage, load, free), which ASan and the stress test
 * hold it to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host-test.h"
#include "kvm-ppc.h"
#include "qemu-savevm.h"

#define PCI_LIOBN SPAPR_PCI_LIOBN(0, 0)     /* 1 GiB, 4 KiB pages */
#define DDW_LIOBN SPAPR_PCI_LIOBN(0, 1)
#define PHB_BUID  SPAPR_PCI_BASE_BUID
#define VIO_LIOBN 0x71000002u               /* 256 MiB, 4 KiB pages */
#define SHAPE     "phbs=1 vio=0x71000002:0x10000000"
#define LIST_GPA  0x20000

static void kvm_start(HostMachine *m, bool cap_vfio)
{
    kvm_allowed = true;
    kvmppc_cap_spapr_vfio = cap_vfio;
    host_machine_start(m, SHAPE);
}

static void kvm_stop(HostMachine *m)
{
    host_machine_stop(m);
    drain_call_rcu();
    /* Every kernel table went with its window. */
    g_assert_cmpuint(kvm_tce_tables_live(), ==, 0);
    kvm_allowed = false;
    kvmppc_cap_spapr_vfio = true;
}

/* The kernel's view of a table the engine keeps in the kernel. */
static uint64_t *kernel_of(SpaprTceTable *tcet)
{
    g_assert_nonnull(tcet->table);
    g_assert_true(swifttce_table_entries(tcet->engine) == tcet->table);
    return kvm_tce_kernel_view(tcet->fd);
}

/* KVM's in-kernel H_PUT_TCE: a store the engine does not see coming. */
static void kernel_put(uint64_t *kernel, uint64_t index, uint64_t tce)
{
    __atomic_store_n(&kernel[index], tce, __ATOMIC_RELAXED);
}

static uint64_t kernel_get(const uint64_t *kernel, uint64_t index)
{
    return __atomic_load_n(&kernel[index], __ATOMIC_RELAXED);
}

static void assert_tce(HostMachine *m, uint32_t liobn, uint64_t ioba,
                       uint64_t want)
{
    uint64_t tce;

    g_assert_cmpint(host_get(m, liobn, ioba, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, want);
}

/* Every way a device and the host read an entry, against want. */
static void assert_reads(HostMachine *m, SpaprTceTable *tcet, uint64_t index,
                         uint64_t want)
{
    uint64_t addr = (index << 12) | 0x234;
    IOMMUTLBEntry e = host_translate(tcet, addr);
    SwiftTCELookup l;
    SwiftTCEMapping mt;

    g_assert_cmphex(e.translated_addr, ==, want & ~0xfffULL);
    g_assert_cmpint(e.perm, ==, want & 3);
    g_assert_cmphex(e.addr_mask, ==, 0xfff);
    swifttce_translate(tcet->engine, addr, &mt);
    g_assert_cmphex(mt.translated_addr, ==, want & ~0xfffULL);
    l = swifttce_lookup(tcet->engine, addr);
    g_assert_cmphex(l.tce, ==, want);
    g_assert_cmphex(swifttce_lookup_inline(tcet->engine, addr).tce, ==, want);
    /* The inline fast path reads the engine's flat array, never the kernel's. */
    l.tce = 1;
    g_assert_cmpint(swifttce_lookup_fast(tcet->engine, addr, &l), ==,
                    !tcet->table);
    g_assert_cmphex(l.tce, ==, tcet->table ? 1 : want);
    assert_tce(m, tcet->liobn, tcet->bus_offset + (index << 12), want);
}

/* What the "spapr_iommu" section says of entry index (4 KiB window at 0). */
static uint64_t stream_entry(SpaprTceTable *tcet, uint64_t index)
{
    GByteArray *f = qemu_savevm_section("spapr_iommu", tcet->liobn, NULL);
    uint64_t tce = 0;
    /* liobn, mig_nb_table, bypass, then the entries */
    guint at = 4 + 4 + 1 + index * 8;
    int i;

    g_assert_cmpuint(f->len, >=, at + 8);
    for (i = 0; i < 8; i++) {
        tce = tce << 8 | f->data[at + i];
    }
    g_byte_array_unref(f);
    return tce;
}

/* ---- Reads and writes ------------------------------------------------------ */

static void test_kernel_writes(void)
{
    HostMachine m;
    SpaprTceTable *tcet;
    uint64_t *kernel;
    Recorder rec;
    GArray *walk, *hook;

    kvm_start(&m, true);
    tcet = host_table(PCI_LIOBN);
    kernel = kernel_of(tcet);
    /* A VIO table is in the kernel too. */
    g_assert_nonnull(kernel_of(host_table(VIO_LIOBN)));

    kernel_put(kernel, 5, 0x123000 | 3);
    kernel_put(kernel, 7, 0x456000 | 1);
    kernel_put(kernel, 0x3ffff, 0x789000 | 2);
    assert_reads(&m, tcet, 5, 0x123003);
    assert_reads(&m, tcet, 7, 0x456001);
    assert_reads(&m, tcet, 0x3ffff, 0x789002);
    assert_reads(&m, tcet, 6, 0);
    /* The kernel's table is the kernel's: the engine holds none of it. */
    g_assert_cmpuint(swifttce_table_storage_bytes(tcet->engine), ==, 0);

    /* Replay scans it, and gives exactly what QEMU's walk gives. */
    walk = host_generic_walk(tcet);
    hook = host_hook_replay(tcet);
    g_assert_cmpuint(hook->len, ==, 3);
    g_assert_cmphex(g_array_index(hook, IOMMUTLBEntry, 0).iova, ==, 5 << 12);
    g_assert_cmphex(g_array_index(hook, IOMMUTLBEntry, 2).iova, ==,
                    0x3ffffULL << 12);
    assert_tlb_entries_eq(hook, walk);
    g_array_unref(walk);
    g_array_unref(hook);

    /* And so does the migration stream. */
    g_assert_cmphex(stream_entry(tcet, 5), ==, 0x123003);
    g_assert_cmphex(stream_entry(tcet, 0x3ffff), ==, 0x789002);
    g_assert_cmphex(stream_entry(tcet, 6), ==, 0);

    /* A listener (the kernel's table is VFIO's: it stays there). */
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu(tcet), &rec.n, NULL), ==, 0);
    g_assert_true(kernel_of(tcet) == kernel);

    /* The guest's hypercalls write the kernel's table, and notify. */
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 9 << 12, 0xabc003), ==, H_SUCCESS);
    g_assert_cmphex(kernel_get(kernel, 9), ==, 0xabc003);
    g_assert_cmpint(host_stuff(&m, PCI_LIOBN, 5 << 12, 0, 3), ==, H_SUCCESS);
    g_assert_cmphex(kernel_get(kernel, 5), ==, 0);
    g_assert_cmphex(kernel_get(kernel, 7), ==, 0);
    {
        uint64_t tces[] = { 0x111003, 0x222001 };

        g_assert_cmpint(host_indirect(&m, PCI_LIOBN, 20 << 12, LIST_GPA, tces,
                                      2), ==, H_SUCCESS);
        g_assert_cmphex(kernel_get(kernel, 21), ==, 0x222001);
    }
    /* put, three from stuff, two from indirect */
    g_assert_cmpuint(rec.entries->len, ==, 6);
    g_assert_cmphex(recorder_entry(&rec, 0)->translated_addr, ==, 0xabc000);
    g_assert_cmpint(recorder_entry(&rec, 1)->perm, ==, IOMMU_NONE);
    assert_reads(&m, tcet, 21, 0x222001);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu(tcet), &rec.n);
    recorder_destroy(&rec);

    /* The device reset zeroes the kernel's table as QEMU's memset does. */
    spapr_tce_reset(tcet);
    g_assert_cmphex(kernel_get(kernel, 9), ==, 0);
    g_assert_cmphex(kernel_get(kernel, 0x3ffff), ==, 0);
    kvm_stop(&m);
}

/* ---- Moving in and out of the kernel --------------------------------------- */

/* A few entries, written by the guest and by the kernel where it can. */
static void fill_pattern(HostMachine *m, SpaprTceTable *tcet)
{
    uint64_t i;

    for (i = 0; i < 64; i++) {
        g_assert_cmpint(host_put(m, tcet->liobn, (i * 37) << 12,
                                 ((0x1000 + i) << 12) | (i % 3 + 1)), ==,
                        H_SUCCESS);
    }
}

static void assert_pattern(HostMachine *m, SpaprTceTable *tcet)
{
    uint64_t i;

    for (i = 0; i < 64; i++) {
        assert_reads(m, tcet, i * 37, ((0x1000 + i) << 12) | (i % 3 + 1));
        assert_reads(m, tcet, i * 37 + 1, 0);
    }
}

/* No VFIO in the kernel: QEMU moves a table VFIO watches to userspace. */
static void test_need_vfio_out_of_kernel(void)
{
    HostMachine m;
    SpaprTceTable *tcet;
    unsigned live;
    Recorder rec;

    kvm_start(&m, false);
    tcet = host_table(PCI_LIOBN);
    fill_pattern(&m, tcet);
    kernel_put(kernel_of(tcet), 2, 0x5000 | 3);
    live = kvm_tce_tables_live();

    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu(tcet), &rec.n, NULL), ==, 0);
    /* The kernel's table is gone (unmapped at once), every entry kept. */
    g_assert_null(tcet->table);
    g_assert_null(swifttce_table_entries(tcet->engine));
    g_assert_cmpuint(kvm_tce_tables_live(), ==, live - 1);
    assert_pattern(&m, tcet);
    assert_reads(&m, tcet, 2, 0x5003);
    /* Nothing was notified by the move; the engine's storage is in use. */
    g_assert_cmpuint(rec.entries->len, ==, 0);
    g_assert_cmpuint(swifttce_table_storage_bytes(tcet->engine), >, 0);
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 3 << 12, 0x6003), ==, H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, 1);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu(tcet), &rec.n);
    recorder_destroy(&rec);
    kvm_stop(&m);
}

/* A table in userspace that VFIO is to see moves into a kernel table. */
static void test_need_vfio_into_kernel(void)
{
    HostMachine m;
    SpaprTceTable *tcet;
    uint64_t *kernel;
    Recorder rec;
    uint64_t i;

    host_machine_start(&m, SHAPE);
    tcet = host_table(PCI_LIOBN);
    g_assert_null(tcet->table);
    fill_pattern(&m, tcet);

    kvm_allowed = true;
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu(tcet), &rec.n, NULL), ==, 0);
    kernel = kernel_of(tcet);
    /* Every entry came across, zeros too. */
    for (i = 0; i < tcet->nb_table; i++) {
        uint64_t want = i % 37 == 0 && i / 37 < 64 ?
            ((0x1000 + i / 37) << 12) | (i / 37 % 3 + 1) : 0;

        g_assert_cmphex(kernel_get(kernel, i), ==, want);
    }
    assert_pattern(&m, tcet);
    g_assert_cmpuint(swifttce_table_storage_bytes(tcet->engine), ==, 0);
    /* From now on the kernel's writes are seen. */
    kernel_put(kernel, 1, 0x7000 | 1);
    assert_reads(&m, tcet, 1, 0x7001);
    g_assert_cmpuint(rec.entries->len, ==, 0);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu(tcet), &rec.n);
    recorder_destroy(&rec);
    kvm_stop(&m);
}

/* ---- Letting go ------------------------------------------------------------- */

/* The harness unmaps the kernel's table as soon as disable returns. */
static void test_disable_unmaps(void)
{
    HostMachine m;
    SpaprTceTable *tcet;
    unsigned live;
    IOMMUTLBEntry e;
    GArray *replayed;
    uint64_t tce;

    kvm_start(&m, true);
    tcet = host_table(VIO_LIOBN);
    kernel_put(kernel_of(tcet), 3, 0x9000 | 3);
    live = kvm_tce_tables_live();
    spapr_tce_table_disable(tcet);
    g_assert_cmpuint(kvm_tce_tables_live(), ==, live - 1);
    e = host_translate(tcet, 3 << 12);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    g_assert_cmphex(e.addr_mask, ==, ~0ULL);
    g_assert_cmpint(host_get(&m, VIO_LIOBN, 3 << 12, &tce), ==, H_PARAMETER);
    replayed = host_hook_replay(tcet);
    g_assert_cmpuint(replayed->len, ==, 0);
    g_array_unref(replayed);
    kvm_stop(&m);
}

/* The engine alone: a window over an array the test unmaps at once. */
static void test_engine_external_lifecycle(void)
{
    static const SwiftTCEHostOps ops = { .size = sizeof(SwiftTCEHostOps) };
    const size_t len = 1024 * 8;
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);
    uint64_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SwiftTCEMapping mt;
    uint64_t tce;

    g_assert_true(a != MAP_FAILED && b != MAP_FAILED);
    /* What the array holds is the window's. */
    a[10] = 0x10003;
    g_assert_cmpint(swifttce_table_enable_external(t, 12, 0x8000000, 1024, a,
                                                   NULL), ==, 0);
    g_assert_true(swifttce_table_entries(t) == a);
    g_assert_cmpint(swifttce_get_tce(t, 0x800a000, &tce), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x10003);

    /* To another array: every entry written, zeros too; the old one goes. */
    memset(b, 0xff, len);
    g_assert_cmpint(swifttce_table_set_storage(t, b, NULL), ==, 0);
    g_assert_true(swifttce_table_entries(t) == b);
    g_assert_cmpint(munmap(a, len), ==, 0);
    g_assert_cmphex(b[10], ==, 0x10003);
    g_assert_cmphex(b[11], ==, 0);
    g_assert_cmphex(b[1023], ==, 0);
    /* Where it is already: nothing to do. */
    g_assert_cmpint(swifttce_table_set_storage(t, b, NULL), ==, 0);

    /* To the engine's own, and back into a fresh array. */
    g_assert_cmpint(swifttce_table_set_storage(t, NULL, NULL), ==, 0);
    g_assert_null(swifttce_table_entries(t));
    b[10] = 0xdead;         /* the engine no longer reads it */
    swifttce_translate(t, 0xa000, &mt);
    g_assert_cmphex(mt.translated_addr, ==, 0x10000);
    g_assert_cmpint(swifttce_table_set_storage(t, NULL, NULL), ==, 0);
    a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    g_assert_true(a != MAP_FAILED);
    g_assert_cmpint(swifttce_table_set_storage(t, a, NULL), ==, 0);
    g_assert_cmphex(a[10], ==, 0x10003);
    g_assert_cmpint(swifttce_put_tce(t, 0x800b000, 0x20001), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(a[11], ==, 0x20001);

    /* free lets go too: the array may go right after. */
    swifttce_table_free(t);
    g_assert_cmpint(munmap(a, len), ==, 0);
    g_assert_cmpint(munmap(b, len), ==, 0);
}

/* A window too big for a flat array moves into the engine's tree. */
static void test_engine_external_tree(void)
{
    static const SwiftTCEHostOps ops = { .size = sizeof(SwiftTCEHostOps) };
    const uint32_t nb = (1u << 22) + 1;
    const size_t len = (size_t)nb * 8;
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);
    uint64_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    uint64_t tce;

    g_assert_true(a != MAP_FAILED);
    a[0] = 0x1003;
    a[nb - 1] = 0x2003;
    g_assert_cmpint(swifttce_table_enable_external(t, 16, 0, nb, a, NULL), ==,
                    0);
    g_assert_cmpint(swifttce_table_set_storage(t, NULL, NULL), ==, 0);
    g_assert_cmpint(munmap(a, len), ==, 0);
    g_assert_cmpuint(swifttce_table_storage_bytes(t), >, 0);
    g_assert_cmpint(swifttce_get_tce(t, (uint64_t)(nb - 1) << 16, &tce), ==,
                    SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x2003);
    g_assert_cmpint(swifttce_get_tce(t, 0, &tce), ==, SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x1003);
    swifttce_table_free(t);
}

/* ---- Errors ------------------------------------------------------------------ */

static unsigned errors_seen;

static void count_error(void *host_errp, const char *msg)
{
    errors_seen++;
}

static void test_engine_external_errors(void)
{
    static const SwiftTCEHostOps ops = {
        .size = sizeof(SwiftTCEHostOps), .set_error = count_error,
    };
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);
    uint64_t *a = g_new0(uint64_t, 17);
    uint64_t tce;

    g_assert_cmpint(swifttce_table_enable_external(NULL, 12, 0, 16, a, NULL),
                    ==, -EINVAL);
    g_assert_cmpint(swifttce_table_enable_external(t, 12, 0, 16, NULL, NULL),
                    ==, -EINVAL);
    g_assert_cmpint(swifttce_table_enable_external(
                        t, 12, 0, 16, (uint64_t *)((char *)a + 4), NULL), ==,
                    -EINVAL);
    g_assert_cmpint(swifttce_table_enable_external(t, 0, 0, 16, a, NULL), ==,
                    -EINVAL);
    g_assert_cmpint(swifttce_table_enable_external(t, 12, 0, 0, a, NULL), ==,
                    -EINVAL);
    g_assert_cmpint(swifttce_table_set_storage(t, a, NULL), ==, -EINVAL);
    g_assert_cmpint(swifttce_table_set_storage(NULL, a, NULL), ==, -EINVAL);
    g_assert_cmpuint(errors_seen, ==, 5);
    g_assert_cmpuint(swifttce_table_nb_table(t), ==, 0);

    g_assert_cmpint(swifttce_table_enable_external(t, 12, 0, 16, a, NULL), ==,
                    0);
    g_assert_cmpint(swifttce_table_enable_external(t, 12, 0, 16, a, NULL), ==,
                    -EINVAL);
    g_assert_cmpint(swifttce_table_enable(t, 12, 0, 16, NULL), ==, -EINVAL);
    a[3] = 0x3003;
    /* A misaligned new array: refused, the table as it was. */
    g_assert_cmpint(swifttce_table_set_storage(t, (uint64_t *)((char *)a + 4),
                                               NULL), ==, -EINVAL);
    g_assert_true(swifttce_table_entries(t) == a);
    g_assert_cmpint(swifttce_get_tce(t, 0x3000, &tce), ==, SWIFTTCE_H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x3003);
    g_assert_cmpuint(errors_seen, ==, 8);
    swifttce_table_disable(t);
    g_assert_null(swifttce_table_entries(t));
    g_assert_null(swifttce_table_entries(NULL));
    swifttce_table_free(t);
    g_free(a);
}

/* ---- Migration ---------------------------------------------------------------- */

/* The stream's window is the table's: its entries go into the kernel's. */
static void test_load_in_place(void)
{
    HostMachine m;
    SpaprTceTable *tcet;
    uint64_t *kernel, *table;
    GByteArray *f;

    kvm_start(&m, true);
    tcet = host_table(PCI_LIOBN);
    table = tcet->table;
    kernel = kernel_of(tcet);
    kernel_put(kernel, 4, 0x4000 | 3);
    fill_pattern(&m, tcet);
    f = qemu_savevm_section("spapr_iommu", PCI_LIOBN, NULL);

    kernel_put(kernel, 4, 0);
    kernel_put(kernel, 5, 0x5000 | 1);
    g_assert_cmpint(qemu_loadvm_section("spapr_iommu", PCI_LIOBN, 3, f->data,
                                        f->len, NULL), ==, 0);
    /* The same kernel table, holding the stream's entries and only them. */
    g_assert_true(tcet->table == table);
    g_assert_cmphex(kernel_get(kernel, 4), ==, 0x4003);
    g_assert_cmphex(kernel_get(kernel, 5), ==, 0);
    assert_pattern(&m, tcet);
    g_byte_array_unref(f);
    kvm_stop(&m);
}

/* Another window: the engine takes the entries, then a new kernel table. */
static void test_load_other_window(void)
{
    HostMachine m;
    SpaprTceTable *tcet;
    uint32_t rets[4];
    GByteArray *f;
    unsigned live;
    uint64_t *kernel;

    kvm_start(&m, true);
    host_ddw_create(&m, PHB_BUID, 16, 30, rets);
    g_assert_cmpint(rtas_status(rets), ==, RTAS_OUT_SUCCESS);
    g_assert_cmphex(rets[1], ==, DDW_LIOBN);
    tcet = host_table(DDW_LIOBN);
    kernel = kernel_of(tcet);
    kernel_put(kernel, 3, 0x30000 | 3);
    f = qemu_savevm_section("spapr_iommu", DDW_LIOBN, NULL);

    /* The guest removes the window; the stream brings it back. */
    g_assert_cmpint(host_ddw_remove(&m, DDW_LIOBN), ==, RTAS_OUT_SUCCESS);
    g_assert_null(tcet->table);
    live = kvm_tce_tables_live();
    g_assert_cmpint(qemu_loadvm_section("spapr_iommu", DDW_LIOBN, 3, f->data,
                                        f->len, NULL), ==, 0);
    g_assert_cmpuint(kvm_tce_tables_live(), ==, live + 1);
    kernel = kernel_of(tcet);
    g_assert_cmphex(kernel_get(kernel, 3), ==, 0x30003);
    g_assert_cmpuint(tcet->page_shift, ==, 16);
    g_byte_array_unref(f);

    /* A stream of the default window into the DDW table: another size. */
    f = qemu_savevm_section("spapr_iommu", PCI_LIOBN, NULL);
    f->data[0] = DDW_LIOBN >> 24;
    f->data[3] = DDW_LIOBN & 0xff;
    g_assert_cmpint(qemu_loadvm_section("spapr_iommu", DDW_LIOBN, 3, f->data,
                                        f->len, NULL), ==, 0);
    /*
     * The old kernel table went, a new one of the stream's size came (with
     * the table's page size and offset: the stream has no subsection).
     */
    g_assert_cmpuint(kvm_tce_tables_live(), ==, live + 1);
    g_assert_cmpuint(tcet->nb_table, ==, 0x40000);
    g_assert_cmpuint(tcet->page_shift, ==, 16);
    g_assert_cmphex(kernel_get(kernel_of(tcet), 3), ==, 0);
    g_byte_array_unref(f);
    kvm_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/kvm/kernel-writes", test_kernel_writes);
    g_test_add_func("/host/kvm/need-vfio/out-of-kernel",
                    test_need_vfio_out_of_kernel);
    g_test_add_func("/host/kvm/need-vfio/into-kernel",
                    test_need_vfio_into_kernel);
    g_test_add_func("/host/kvm/disable-unmaps", test_disable_unmaps);
    g_test_add_func("/host/kvm/engine/lifecycle",
                    test_engine_external_lifecycle);
    g_test_add_func("/host/kvm/engine/tree", test_engine_external_tree);
    g_test_add_func("/host/kvm/engine/errors", test_engine_external_errors);
    g_test_add_func("/host/kvm/load/in-place", test_load_in_place);
    g_test_add_func("/host/kvm/load/other-window", test_load_other_window);
    return g_test_run();
}
