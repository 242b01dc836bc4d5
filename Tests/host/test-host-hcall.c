/*
 * The QEMU-shaped host's TCE hypercalls: guest traffic through
 * spapr_hypercall (map, unmap, stuff, indirect), what a device then
 * translates, the notifications a listener gets, and the spapr_iommu_*
 * lines QEMU 7.2 prints for each call (formats as in Tests/traces/).
 */
#include "host-test.h"

#define PCI_LIOBN SPAPR_PCI_LIOBN(0, 0)   /* the default window: 1 GiB, 4 KiB */
#define VIO_LIOBN 0x71000002u              /* 256 MiB, 4 KiB */
#define SHAPE     "phbs=1 vio=0x71000002:0x10000000"
#define LIST_GPA  0x20000

static void test_put_get_translate(void)
{
    static const char *const want[] = {
        "spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x2003 ret=0",
        "spapr_iommu_pci_get liobn=0x80000000 ioba=0x1000 ret=0 tce=0x2003",
        "spapr_iommu_xlate liobn=0x80000000 0x1234 -> 0x2000 perm=3 mask=0xfff",
        /* the ioba is masked to the page, the TCE is as the guest gave it */
        "spapr_iommu_pci_put liobn=0x80000000 ioba=0x5000 tce=0x9abc1 ret=0",
        "spapr_iommu_xlate liobn=0x80000000 0x5008 -> 0x9a000 perm=1 mask=0xfff",
        "spapr_iommu_put liobn=0x71000002 ioba=0x0 tce=0x7002 ret=0",
        NULL
    };
    HostMachine m;
    GPtrArray *lines;
    IOMMUTLBEntry e;
    uint64_t tce;

    host_machine_start(&m, SHAPE);
    lines = host_trace_start();
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x1000, 0x2003), ==, H_SUCCESS);
    g_assert_cmpint(host_get(&m, PCI_LIOBN, 0x1000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x2003);
    e = host_translate(host_table(PCI_LIOBN), 0x1234);
    g_assert_true(e.target_as == &address_space_memory);
    g_assert_cmphex(e.iova, ==, 0x1000);
    g_assert_cmphex(e.translated_addr, ==, 0x2000);
    g_assert_cmphex(e.addr_mask, ==, 0xfff);
    g_assert_cmpint(e.perm, ==, IOMMU_RW);
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x5fff, 0x9abc1), ==, H_SUCCESS);
    e = host_translate(host_table(PCI_LIOBN), 0x5008);
    g_assert_cmphex(e.translated_addr, ==, 0x9a000);
    g_assert_cmpint(e.perm, ==, IOMMU_RO);
    g_assert_cmpint(host_put(&m, VIO_LIOBN, 0, 0x7002), ==, H_SUCCESS);
    e = host_translate(host_table(VIO_LIOBN), 0xfff);
    g_assert_cmphex(e.translated_addr, ==, 0x7000);
    g_assert_cmpint(e.perm, ==, IOMMU_WO);
    g_ptr_array_remove_index(lines, lines->len - 1);   /* that last xlate */
    host_trace_expect(lines, want);
    host_trace_stop(lines);
    host_machine_stop(&m);
}

/*
 * swifttce_lookup (two registers) and swifttce_translate (memory) give the
 * same mapping: in and out of a flat window and a tree one, disabled, NULL.
 */
static void assert_lookup_is_translate(const SwiftTCETable *t, uint64_t addr)
{
    SwiftTCEMapping a, b = swifttce_lookup_mapping(swifttce_lookup(t, addr), addr);

    swifttce_translate(t, addr, &a);
    g_assert_cmphex(a.iova, ==, b.iova);
    g_assert_cmphex(a.translated_addr, ==, b.translated_addr);
    g_assert_cmphex(a.addr_mask, ==, b.addr_mask);
    g_assert_cmpuint(a.perm, ==, b.perm);
}

static void test_lookup(void)
{
    static const SwiftTCEHostOps ops = { .size = sizeof(SwiftTCEHostOps) };
    static const uint64_t addrs[] = { 0, 0x1008, 0x5fff, 0xfffff, 0x100000,
                                      1ULL << 40, UINT64_MAX };
    SwiftTCETable *flat = swifttce_table_new(&ops, NULL);
    SwiftTCETable *tree = swifttce_table_new(&ops, NULL);
    SwiftTCELookup l;

    g_assert_cmpint(swifttce_table_enable(flat, 12, 0, 256, NULL), ==, 0);
    g_assert_cmpint(swifttce_table_enable(tree, 16, 0, 1u << 23, NULL), ==, 0);
    g_assert_cmpint(swifttce_put_tce(flat, 0x1000, 0xabc003), ==, H_SUCCESS);
    g_assert_cmpint(swifttce_put_tce(flat, 0x5000, 0x123001), ==, H_SUCCESS);
    g_assert_cmpint(swifttce_put_tce(tree, 0x100000, 0x7770002), ==, H_SUCCESS);
    for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
        assert_lookup_is_translate(flat, addrs[i]);
        assert_lookup_is_translate(tree, addrs[i]);
        assert_lookup_is_translate(NULL, addrs[i]);
    }
    l = swifttce_lookup(flat, 0x1008);
    g_assert_cmphex(l.tce, ==, 0xabc003);
    g_assert_cmphex(l.page_mask, ==, ~0xfffULL);
    l = swifttce_lookup(tree, 0x10ffff);
    g_assert_cmphex(l.tce, ==, 0x7770002);
    g_assert_cmphex(l.page_mask, ==, ~0xffffULL);
    /* Outside the window: both 0, which is QEMU's unmapped entry. */
    l = swifttce_lookup(flat, 256 << 12);
    g_assert_cmphex(l.tce, ==, 0);
    g_assert_cmphex(l.page_mask, ==, 0);
    swifttce_table_disable(flat);
    assert_lookup_is_translate(flat, 0x1008);
    g_assert_cmphex(swifttce_lookup(flat, 0x1008).page_mask, ==, 0);
    swifttce_table_free(flat);
    swifttce_table_free(tree);
}

/* Refused calls answer H_PARAMETER; QEMU traces those that found a table. */
static void test_refusals(void)
{
    static const char *const want[] = {
        "spapr_iommu_pci_put liobn=0x80000000 ioba=0x40000000 tce=0x3 ret=-4",
        "spapr_iommu_pci_get liobn=0x80000000 ioba=0x40000000 ret=-4 tce=0x0",
        "spapr_iommu_get liobn=0x71000002 ioba=0x10000000 ret=-4 tce=0x0",
        "spapr_iommu_xlate liobn=0x80000000 0x40000000 -> 0x0 perm=0 mask=0xffffffff",
        NULL
    };
    HostMachine m;
    GPtrArray *lines;
    IOMMUTLBEntry e;
    target_ulong args[4] = { 0 };
    uint64_t tce;

    host_machine_start(&m, SHAPE);
    lines = host_trace_start();
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x40000000, 3), ==, H_PARAMETER);
    g_assert_cmpint(host_get(&m, PCI_LIOBN, 0x40000000, &tce), ==, H_PARAMETER);
    /* a failed H_GET_TCE leaves the guest's register alone */
    g_assert_cmphex(tce, ==, PCI_LIOBN);
    g_assert_cmpint(host_get(&m, VIO_LIOBN, 0x10000000, &tce), ==, H_PARAMETER);
    /* no such table, or a LIOBN with its upper half set: nothing traced */
    g_assert_cmpint(host_put(&m, 0x80000055, 0, 3), ==, H_PARAMETER);
    g_assert_cmpint(host_put(&m, 0x100000000ULL | PCI_LIOBN, 0, 3), ==,
                    H_PARAMETER);
    g_assert_cmpint(host_hcall(&m, 0x44, args), ==, H_FUNCTION);
    e = host_translate(host_table(PCI_LIOBN), 0x40000000);
    g_assert_cmphex(e.iova, ==, 0);
    g_assert_cmphex(e.translated_addr, ==, 0);
    g_assert_cmphex(e.addr_mask, ==, ~0ULL);
    g_assert_cmpint(e.perm, ==, IOMMU_NONE);
    host_trace_expect(lines, want);
    host_trace_stop(lines);
    host_machine_stop(&m);
}

static void assert_tce(HostMachine *m, uint64_t liobn, uint64_t ioba,
                       uint64_t want)
{
    uint64_t tce;

    g_assert_cmpint(host_get(m, liobn, ioba, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, want);
}

/* QEMU's stuff event shows the ioba its loop stopped at. */
static void test_stuff(void)
{
    static const char *const want[] = {
        "spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x14000 tcevalue=0x5003 npages=4 ret=0",
        "spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x10000 tcevalue=0x0 npages=0 ret=-4",
        /* from the last page: one written, then the window ends */
        "spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x40000000 tcevalue=0x1 npages=2 ret=-4",
        "spapr_iommu_stuff liobn=0x71000002 ioba=0x3000 tcevalue=0x0 npages=3 ret=0",
        NULL
    };
    HostMachine m;
    GPtrArray *lines;
    uint64_t i;

    host_machine_start(&m, SHAPE);
    g_assert_cmpint(host_put(&m, VIO_LIOBN, 0x1000, 0x8003), ==, H_SUCCESS);
    lines = host_trace_start();
    g_assert_cmpint(host_stuff(&m, PCI_LIOBN, 0x10000, 0x5003, 4), ==,
                    H_SUCCESS);
    g_assert_cmpint(host_stuff(&m, PCI_LIOBN, 0x10000, 0, 0), ==, H_PARAMETER);
    g_assert_cmpint(host_stuff(&m, PCI_LIOBN, 0x3ffff000, 1, 2), ==,
                    H_PARAMETER);
    /* more pages than the window has: refused before QEMU's trace point */
    g_assert_cmpint(host_stuff(&m, PCI_LIOBN, 0, 0, 0x40001), ==, H_PARAMETER);
    g_assert_cmpint(host_stuff(&m, VIO_LIOBN, 0, 0, 3), ==, H_SUCCESS);
    host_trace_expect(lines, want);
    host_trace_stop(lines);
    for (i = 0; i < 4; i++) {
        assert_tce(&m, PCI_LIOBN, 0x10000 + i * 0x1000, 0x5003);
    }
    assert_tce(&m, PCI_LIOBN, 0x14000, 0);
    assert_tce(&m, PCI_LIOBN, 0x3ffff000, 1);
    assert_tce(&m, VIO_LIOBN, 0x1000, 0);
    host_machine_stop(&m);
}

/* QEMU's indirect event: the call's ioba, the last entry written, its TCE. */
static void test_indirect(void)
{
    static const char *const want[] = {
        "spapr_iommu_pci_indirect liobn=0x80000000 ioba=0x100010 tcelist=0x20000 iobaN=0xf tceN=0x10f003 ret=0",
        /* the third entry is past the window: the one before it is traced */
        "spapr_iommu_pci_indirect liobn=0x80000000 ioba=0x3fffe000 tcelist=0x20000 iobaN=0x1 tceN=0x202003 ret=-4",
        /*
         * a list outside guest memory reads as zeros, as QEMU's
         * ldq_be_phys reads unassigned memory: the entries are cleared
         */
        "spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x7003 ret=0",
        "spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x8000000 iobaN=0x1 tceN=0x0 ret=0",
        NULL
    };
    uint64_t tces[16];
    target_ulong args[4];
    HostMachine m;
    GPtrArray *lines;
    unsigned i;

    host_machine_start(&m, SHAPE);
    for (i = 0; i < 16; i++) {
        tces[i] = (0x100000 + i * 0x1000) | 3;
    }
    lines = host_trace_start();
    g_assert_cmpint(host_indirect(&m, PCI_LIOBN, 0x100010, LIST_GPA, tces, 16),
                    ==, H_SUCCESS);
    tces[0] = 0x200003;
    tces[1] = 0x201003;
    tces[2] = 0x202003;
    g_assert_cmpint(host_indirect(&m, PCI_LIOBN, 0x3fffe000, LIST_GPA, tces, 3),
                    ==, H_PARAMETER);
    g_assert_cmpint(host_put(&m, VIO_LIOBN, 0x1000, 0x7003), ==, H_SUCCESS);
    args[0] = VIO_LIOBN;
    args[1] = 0;
    args[2] = HOST_RAM_SIZE * 2;
    args[3] = 2;
    g_assert_cmpint(host_hcall(&m, H_PUT_TCE_INDIRECT, args), ==, H_SUCCESS);
    /* a misaligned list, or more than a page of TCEs: no trace point */
    args[0] = PCI_LIOBN;
    args[2] = LIST_GPA + 8;
    g_assert_cmpint(host_hcall(&m, H_PUT_TCE_INDIRECT, args), ==, H_PARAMETER);
    args[2] = LIST_GPA;
    args[3] = 513;
    g_assert_cmpint(host_hcall(&m, H_PUT_TCE_INDIRECT, args), ==, H_PARAMETER);
    host_trace_expect(lines, want);
    host_trace_stop(lines);
    for (i = 0; i < 16; i++) {
        assert_tce(&m, PCI_LIOBN, 0x100000 + i * 0x1000,
                   (0x100000 + i * 0x1000) | 3);
    }
    assert_tce(&m, PCI_LIOBN, 0x3fffe000, 0x200003);
    assert_tce(&m, PCI_LIOBN, 0x3ffff000, 0x201003);
    assert_tce(&m, VIO_LIOBN, 0x1000, 0);
    host_machine_stop(&m);
}

/*
 * Each written entry is one event on the region (MAP, or UNMAP for perm
 * 0), as QEMU's put_tce_emu sends it; the table reports writes only while
 * a notifier is registered (QEMU: need_vfio).
 */
static void test_notifications(void)
{
    SpaprTceTable *tcet;
    IOMMUTLBEntry *e;
    uint64_t tces[2] = { 0x31003, 0x32001 };
    HostMachine m;
    Recorder rec;

    host_machine_start(&m, SHAPE);
    tcet = host_table(PCI_LIOBN);
    g_assert_false(tcet->need_vfio);
    recorder_init(&rec, IOMMU_NOTIFIER_IOTLB_EVENTS, 0,
                  memory_region_size(spapr_tce_get_iommu(tcet)) - 1, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu(tcet), &rec.n, NULL), ==, 0);
    g_assert_true(tcet->need_vfio);
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x7000, 0x1234003), ==, H_SUCCESS);
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x7000, 0), ==, H_SUCCESS);
    g_assert_cmpint(host_indirect(&m, PCI_LIOBN, 0x8000, LIST_GPA, tces, 2), ==,
                    H_SUCCESS);
    g_assert_cmpint(host_stuff(&m, PCI_LIOBN, 0x8000, 0, 1), ==, H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, 5);
    e = recorder_entry(&rec, 0);
    g_assert_true(e->target_as == &address_space_memory);
    g_assert_cmphex(e->iova, ==, 0x7000);
    g_assert_cmphex(e->translated_addr, ==, 0x1234000);
    g_assert_cmphex(e->addr_mask, ==, 0xfff);
    g_assert_cmpint(e->perm, ==, IOMMU_RW);
    e = recorder_entry(&rec, 1);
    g_assert_cmphex(e->iova, ==, 0x7000);
    g_assert_cmpint(e->perm, ==, IOMMU_NONE);
    e = recorder_entry(&rec, 3);
    g_assert_cmphex(e->iova, ==, 0x9000);
    g_assert_cmphex(e->translated_addr, ==, 0x32000);
    g_assert_cmpint(e->perm, ==, IOMMU_RO);
    e = recorder_entry(&rec, 4);
    g_assert_cmphex(e->iova, ==, 0x8000);
    g_assert_cmpint(e->perm, ==, IOMMU_NONE);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu(tcet), &rec.n);
    g_assert_false(tcet->need_vfio);
    g_assert_cmpint(host_put(&m, PCI_LIOBN, 0x7000, 0x1234003), ==, H_SUCCESS);
    g_assert_cmpuint(rec.entries->len, ==, 5);
    recorder_destroy(&rec);
    host_machine_stop(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/hcall/put-get-translate", test_put_get_translate);
    g_test_add_func("/host/hcall/lookup", test_lookup);
    g_test_add_func("/host/hcall/refusals", test_refusals);
    g_test_add_func("/host/hcall/stuff", test_stuff);
    g_test_add_func("/host/hcall/indirect", test_indirect);
    g_test_add_func("/host/hcall/notifications", test_notifications);
    return g_test_run();
}
