/*
 * SwiftTCE hypercalls: H_PUT_TCE, H_GET_TCE, H_STUFF_TCE,
 * H_PUT_TCE_INDIRECT and the opcode dispatcher, against QEMU's checks:
 * LIOBN lookup (upper half too), ioba masked with the table's own page size,
 * the range check (with the unsigned wrap below the bus offset), the 512-entry
 * and alignment limits of the indirect list, loops that stop at the first
 * failure, and one MAP or UNMAP notification per written entry carrying the
 * fields QEMU sends. Random sequences are compared with a flat-array model.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "swifttce.h"
#include "test-util.h"

#define TEST_SEED 0x4ca11500u
#define LIOBN 0x72000010u

/* A table with two recorders: one for MAP events, one for UNMAP events. */
typedef struct Win {
    SpaprTceTable *t;
    uint32_t shift;
    uint64_t bus;
    uint32_t nb;
    Recorder map, unmap;
} Win;

static void win_init(Win *w, uint32_t liobn, uint32_t shift, uint64_t bus,
                     uint32_t nb)
{
    Error *err = NULL;

    w->t = spapr_tce_new_table(NULL, liobn, &err);
    g_assert_nonnull(w->t);
    g_assert_cmpint(spapr_tce_table_enable(w->t, shift, bus, nb, &err), ==, 0);
    w->shift = shift;
    w->bus = bus;
    w->nb = nb;
    recorder_init(&w->map, IOMMU_NOTIFIER_MAP, 0, HWADDR_MAX, 0);
    recorder_init(&w->unmap, IOMMU_NOTIFIER_UNMAP, 0, HWADDR_MAX, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(w->t), &w->map.n, &err), ==, 0);
    g_assert_cmpint(memory_region_register_iommu_notifier(
                        spapr_tce_get_iommu_mr(w->t), &w->unmap.n, &err), ==, 0);
    g_assert_null(err);
}

static void win_destroy(Win *w)
{
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(w->t),
                                            &w->map.n);
    memory_region_unregister_iommu_notifier(spapr_tce_get_iommu_mr(w->t),
                                            &w->unmap.n);
    recorder_destroy(&w->map);
    recorder_destroy(&w->unmap);
    spapr_tce_table_free(w->t);
}

static void win_clear(Win *w)
{
    recorder_clear(&w->map);
    recorder_clear(&w->unmap);
}

/*
 * A bus address that reaches entry index. The hypercalls mask the ioba with
 * the page mask before subtracting the bus offset, so with an offset inside
 * a page the entry's own bus address is rounded up to the next page.
 */
static uint64_t ioba_of(const Win *w, uint64_t index)
{
    uint64_t page = 1ULL << w->shift;

    return (w->bus + (index << w->shift) + page - 1) & ~(page - 1);
}

static uint64_t raw(const Win *w, uint64_t index)
{
    uint64_t tce = 0xdeadULL;

    g_assert_cmpint(spapr_h_get_tce(spapr_tce_get_liobn(w->t),
                                    ioba_of(w, index), &tce), ==, H_SUCCESS);
    return tce;
}

/* The event QEMU sends for a write of tce at index. */
static IOMMUTLBEntry expected_event(const Win *w, uint64_t index, uint64_t tce)
{
    uint64_t page_mask = ~((1ULL << w->shift) - 1);

    return test_entry(index << w->shift, tce & page_mask, ~page_mask,
                      (IOMMUAccessFlags)(tce & 3));
}

static void assert_no_events(Win *w)
{
    g_assert_cmpuint(w->map.entries->len, ==, 0);
    g_assert_cmpuint(w->unmap.entries->len, ==, 0);
}

/* ---- H_PUT_TCE / H_GET_TCE ------------------------------------------- */

static void test_put_get_basic(void)
{
    Win w;
    IOMMUTLBEntry e;

    win_init(&w, LIOBN, 12, 0x10000000, 1024);
    /* All 64 bits are stored; H_GET_TCE returns them raw. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 5), 0xfedc0000abcd1ffaULL),
                    ==, H_SUCCESS);
    g_assert_cmphex(raw(&w, 5), ==, 0xfedc0000abcd1ffaULL);
    g_assert_cmpuint(w.map.entries->len, ==, 1);
    g_assert_cmpuint(w.unmap.entries->len, ==, 0);
    e = expected_event(&w, 5, 0xfedc0000abcd1ffaULL);
    assert_tlb_entry_eq(recorder_entry(&w.map, 0), &e);
    /* iova is relative to the region, not the bus address. */
    g_assert_cmphex(recorder_entry(&w.map, 0)->iova, ==, 5 << 12);
    g_assert_cmpint(recorder_entry(&w.map, 0)->perm, ==, IOMMU_WO);
    win_clear(&w);

    /* Overwriting a valid entry with another: one MAP, no UNMAP. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 5), 0x7000001), ==,
                    H_SUCCESS);
    g_assert_cmpuint(w.map.entries->len, ==, 1);
    g_assert_cmpuint(w.unmap.entries->len, ==, 0);
    g_assert_cmpint(recorder_entry(&w.map, 0)->perm, ==, IOMMU_RO);
    win_clear(&w);

    /* A TCE with an address but no perm: UNMAP, translated_addr kept. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 5), 0x9000000), ==,
                    H_SUCCESS);
    g_assert_cmpuint(w.map.entries->len, ==, 0);
    g_assert_cmpuint(w.unmap.entries->len, ==, 1);
    e = expected_event(&w, 5, 0x9000000);
    assert_tlb_entry_eq(recorder_entry(&w.unmap, 0), &e);
    g_assert_cmphex(recorder_entry(&w.unmap, 0)->translated_addr, ==,
                    0x9000000);
    g_assert_cmphex(raw(&w, 5), ==, 0x9000000);
    win_clear(&w);

    /* First and last entries of the window. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 0), 3), ==, H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 1023), 0x3003), ==,
                    H_SUCCESS);
    g_assert_cmphex(raw(&w, 1023), ==, 0x3003);
    win_destroy(&w);
}

static void test_put_errors(void)
{
    Win w;
    uint64_t tce = 0x1234;

    win_init(&w, LIOBN, 12, 0x10000000, 1024);
    /* Unknown LIOBN. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN + 1, ioba_of(&w, 0), 3), ==,
                    H_PARAMETER);
    /* A known LIOBN with upper bits set is not that table. */
    g_assert_cmpint(spapr_h_put_tce((1ULL << 32) | LIOBN, ioba_of(&w, 0), 3),
                    ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce(~0ULL, ioba_of(&w, 0), 3), ==,
                    H_PARAMETER);
    /* Below the bus offset: the index wraps and fails the range check. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, w.bus - 0x1000, 3), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce(LIOBN, 0, 3), ==, H_PARAMETER);
    /* Just past the end. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 1024), 3), ==,
                    H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ~0ULL, 3), ==, H_PARAMETER);
    assert_no_events(&w);
    for (uint64_t i = 0; i < 1024; i++) {
        g_assert_cmphex(raw(&w, i), ==, 0);
    }

    /* H_GET_TCE: the same failures, and *tce is not written. */
    g_assert_cmpint(spapr_h_get_tce(LIOBN + 1, ioba_of(&w, 0), &tce), ==,
                    H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce((1ULL << 32) | LIOBN, ioba_of(&w, 0), &tce),
                    ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, w.bus - 1, &tce), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, ioba_of(&w, 1024), &tce), ==,
                    H_PARAMETER);
    g_assert_cmphex(tce, ==, 0x1234);

    /* A disabled table answers H_PARAMETER to everything. */
    spapr_tce_table_disable(w.t);
    g_assert_cmpint(spapr_h_put_tce(LIOBN, 0, 3), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0, &tce), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, 0, 3, 1), ==, H_PARAMETER);
    assert_no_events(&w);
    win_destroy(&w);
}

/* ioba is masked with the table's page size, not with 4 KiB. */
static void test_ioba_masking(void)
{
    Win w;
    uint64_t tce = 0;

    win_init(&w, LIOBN, 16, 0x20000000, 64);
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 3) + 0xf123, 0x50001),
                    ==, H_SUCCESS);
    g_assert_cmphex(raw(&w, 3), ==, 0x50001);
    g_assert_cmphex(raw(&w, 4), ==, 0);
    /* The event's iova is the masked one. */
    g_assert_cmphex(recorder_entry(&w.map, 0)->iova, ==, 3 << 16);
    g_assert_cmphex(recorder_entry(&w.map, 0)->addr_mask, ==, 0xffff);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, ioba_of(&w, 3) + 0x1000, &tce), ==,
                    H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x50001);
    /* The last page's last byte is still in; the masked end is not. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 64) - 1, 1), ==,
                    H_SUCCESS);
    g_assert_cmphex(raw(&w, 63), ==, 1);
    win_destroy(&w);
}

/*
 * With a bus offset that is not a multiple of the page size, QEMU's masking
 * shows: the ioba is masked first, then the offset subtracted, so the first
 * page's own bus address lands below the window.
 */
static void test_ioba_masking_unaligned_bus(void)
{
    Win w;
    uint64_t tce = 0;

    win_init(&w, LIOBN, 16, 0x1000, 8);
    g_assert_cmpint(spapr_h_put_tce(LIOBN, 0x1000, 3), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0x1000, &tce), ==, H_PARAMETER);
    assert_no_events(&w);
    /* 0x11000 masks to 0x10000: index (0x10000 - 0x1000) >> 16 = 0. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, 0x11000, 0x70003), ==, H_SUCCESS);
    g_assert_cmpuint(w.map.entries->len, ==, 1);
    g_assert_cmphex(recorder_entry(&w.map, 0)->iova, ==, 0);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0x1ffff, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x70003);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0x20000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0);
    /* Stuff and indirect mask the same way. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, 0x21000, 0x80001, 2), ==,
                    H_SUCCESS);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0x20000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x80001);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0x30000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0x80001);
    g_assert_cmpint(spapr_h_get_tce(LIOBN, 0x40000, &tce), ==, H_SUCCESS);
    g_assert_cmphex(tce, ==, 0);
    win_destroy(&w);
}

/* ---- H_STUFF_TCE ----------------------------------------------------- */

static void test_stuff(void)
{
    Win w;

    win_init(&w, LIOBN, 12, 0x1000000, 100);
    /* Every page written and notified, in order. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, ioba_of(&w, 10) + 0x123,
                                      0xabc003, 5), ==, H_SUCCESS);
    g_assert_cmpuint(w.map.entries->len, ==, 5);
    for (uint64_t i = 0; i < 5; i++) {
        IOMMUTLBEntry e = expected_event(&w, 10 + i, 0xabc003);
        assert_tlb_entry_eq(recorder_entry(&w.map, i), &e);
        g_assert_cmphex(raw(&w, 10 + i), ==, 0xabc003);
    }
    g_assert_cmphex(raw(&w, 9), ==, 0);
    g_assert_cmphex(raw(&w, 15), ==, 0);
    win_clear(&w);

    /* Clearing: UNMAP events. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, ioba_of(&w, 10), 0, 5), ==,
                    H_SUCCESS);
    g_assert_cmpuint(w.unmap.entries->len, ==, 5);
    g_assert_cmpuint(w.map.entries->len, ==, 0);
    win_clear(&w);

    /* The whole table in one call (npages == nb_table). */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, w.bus, 1, 100), ==, H_SUCCESS);
    g_assert_cmpuint(w.map.entries->len, ==, 100);
    win_clear(&w);
    win_destroy(&w);
}

static void test_stuff_errors(void)
{
    Win w;

    win_init(&w, LIOBN, 12, 0x1000000, 100);
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN + 1, w.bus, 3, 1), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_stuff_tce((1ULL << 32) | LIOBN, w.bus, 3, 1), ==,
                    H_PARAMETER);
    /* More pages than the table has: refused before writing anything. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, w.bus, 3, 101), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, w.bus, 3, ~0ULL), ==, H_PARAMETER);
    /* npages 0: QEMU's initial answer stands. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, w.bus, 3, 0), ==, H_PARAMETER);
    /* Starting below the window: fails on the first page. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, w.bus - 0x2000, 3, 4), ==,
                    H_PARAMETER);
    assert_no_events(&w);
    for (uint64_t i = 0; i < 100; i++) {
        g_assert_cmphex(raw(&w, i), ==, 0);
    }

    /* Running off the end: the pages before it stay written and notified. */
    g_assert_cmpint(spapr_h_stuff_tce(LIOBN, ioba_of(&w, 97), 0x5003, 6), ==,
                    H_PARAMETER);
    g_assert_cmpuint(w.map.entries->len, ==, 3);
    g_assert_cmphex(raw(&w, 97), ==, 0x5003);
    g_assert_cmphex(raw(&w, 99), ==, 0x5003);
    g_assert_cmphex(raw(&w, 96), ==, 0);
    win_destroy(&w);
}

/* ---- H_PUT_TCE_INDIRECT ---------------------------------------------- */

static void test_indirect(void)
{
    Win w;
    GuestBuf g;
    const SpaprGuestMemory *mem = &g.mem;

    win_init(&w, LIOBN, 12, 0x40000000, 2048);
    guest_buf_init(&g, 0x7770000, 512);
    for (size_t i = 0; i < 512; i++) {
        guest_buf_set(&g, i, 0x0102030405000000ULL + (i << 12) + (i % 4));
    }
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, ioba_of(&w, 100) + 0x42,
                                             g.base, 512, mem), ==, H_SUCCESS);
    /* One read of the whole list. */
    g_assert_cmpuint(g.reads, ==, 1);
    g_assert_cmphex(g.last_addr, ==, g.base);
    g_assert_cmpuint(g.last_len, ==, 512 * 8);
    for (uint64_t i = 0; i < 512; i++) {
        g_assert_cmphex(raw(&w, 100 + i), ==,
                        0x0102030405000000ULL + (i << 12) + (i % 4));
    }
    /* One event per entry, MAP or UNMAP by its perm, in list order. */
    g_assert_cmpuint(w.map.entries->len, ==, 384);
    g_assert_cmpuint(w.unmap.entries->len, ==, 128);
    for (uint64_t i = 0, m = 0, u = 0; i < 512; i++) {
        uint64_t tce = 0x0102030405000000ULL + (i << 12) + (i % 4);
        IOMMUTLBEntry e = expected_event(&w, 100 + i, tce);
        assert_tlb_entry_eq(i % 4 ? recorder_entry(&w.map, m++)
                                  : recorder_entry(&w.unmap, u++),
                            &e);
    }
    guest_buf_free(&g);
    win_destroy(&w);
}

static void test_indirect_errors(void)
{
    Win w;
    GuestBuf g;
    const SpaprGuestMemory *mem = &g.mem;
    SpaprGuestMemory no_reader = { &g, NULL };

    win_init(&w, LIOBN, 12, 0x40000000, 16);
    guest_buf_init(&g, 0x8000000, 513);
    for (size_t i = 0; i < 513; i++) {
        guest_buf_set(&g, i, ((i + 1) << 12) | 3);
    }
    /* Refused before the list is read. */
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN + 1, w.bus, g.base, 1, mem),
                    ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect((1ULL << 32) | LIOBN, w.bus,
                                             g.base, 1, mem), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base, 513, mem),
                    ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base + 8, 1, mem),
                    ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base + 0x800, 1,
                                             mem), ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base, 0, mem),
                    ==, H_PARAMETER);
    g_assert_cmpuint(g.reads, ==, 0);
    /* No guest memory at all (the caller's mistake): nothing written. */
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base, 4, NULL),
                    ==, H_PARAMETER);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base, 4,
                                             &no_reader), ==, H_PARAMETER);
    g_assert_cmpuint(g.reads, ==, 0);
    assert_no_events(&w);
    for (uint64_t i = 0; i < 16; i++) {
        g_assert_cmphex(raw(&w, i), ==, 0);
    }

    /* Starting below the window: the first entry fails, nothing written. */
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus - 0x1000, g.base, 4,
                                             mem), ==, H_PARAMETER);
    assert_no_events(&w);
    /* Running off the end: the entries before it stay, and are notified. */
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, ioba_of(&w, 13), g.base, 8,
                                             mem), ==, H_PARAMETER);
    g_assert_cmpuint(w.map.entries->len, ==, 3);
    g_assert_cmphex(raw(&w, 13), ==, (1 << 12) | 3);
    g_assert_cmphex(raw(&w, 15), ==, (3 << 12) | 3);

    /*
     * A list the reader cannot read is the guest's doing: it reads as zeros,
     * as QEMU's ldq_be_phys reads unassigned memory. The entries are
     * cleared, each notified, and the call succeeds.
     */
    g.fail = true;
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, ioba_of(&w, 13), g.base, 3,
                                             mem), ==, H_SUCCESS);
    g_assert_cmpuint(g.reads, ==, 3);
    g_assert_cmpuint(w.map.entries->len, ==, 3);
    g_assert_cmpuint(w.unmap.entries->len, ==, 3);
    for (uint64_t i = 0; i < 3; i++) {
        IOMMUTLBEntry e = expected_event(&w, 13 + i, 0);

        assert_tlb_entry_eq(recorder_entry(&w.unmap, i), &e);
        g_assert_cmphex(raw(&w, 13 + i), ==, 0);
    }
    g.fail = false;
    /* One that is not all in guest memory: all of it reads as zeros. */
    g_assert_cmpint(spapr_h_put_tce(LIOBN, ioba_of(&w, 0), 0x9003), ==,
                    H_SUCCESS);
    g_assert_cmpint(spapr_h_put_tce_indirect(LIOBN, w.bus, g.base + 0x1000, 2,
                                             mem), ==, H_SUCCESS);
    g_assert_cmphex(raw(&w, 0), ==, 0);
    g_assert_cmphex(raw(&w, 1), ==, 0);
    g_assert_cmpuint(w.unmap.entries->len, ==, 5);
    guest_buf_free(&g);
    win_destroy(&w);
}

/* ---- The dispatcher --------------------------------------------------- */

static void test_dispatch(void)
{
    Win w;
    GuestBuf g;
    const SpaprGuestMemory *mem = &g.mem;
    uint64_t args[4];

    win_init(&w, LIOBN, 12, 0, 64);
    guest_buf_init(&g, 0x10000, 2);
    guest_buf_set(&g, 0, 0xa003);
    guest_buf_set(&g, 1, 0xb001);

    args[0] = LIOBN; args[1] = 0x3000; args[2] = 0x5003; args[3] = 0;
    g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE, args, mem), ==, H_SUCCESS);
    g_assert_cmphex(raw(&w, 3), ==, 0x5003);

    args[0] = LIOBN; args[1] = 0x3abc;
    g_assert_cmpint(spapr_hcall_tce(H_GET_TCE, args, mem), ==, H_SUCCESS);
    g_assert_cmphex(args[0], ==, 0x5003);
    /* On failure the return register keeps the LIOBN. */
    args[0] = LIOBN; args[1] = 64 << 12;
    g_assert_cmpint(spapr_hcall_tce(H_GET_TCE, args, mem), ==, H_PARAMETER);
    g_assert_cmphex(args[0], ==, LIOBN);

    args[0] = LIOBN; args[1] = 0x10000; args[2] = 0x7001; args[3] = 4;
    g_assert_cmpint(spapr_hcall_tce(H_STUFF_TCE, args, mem), ==, H_SUCCESS);
    g_assert_cmphex(raw(&w, 19), ==, 0x7001);
    g_assert_cmphex(raw(&w, 20), ==, 0);

    args[0] = LIOBN; args[1] = 0x20000; args[2] = g.base; args[3] = 2;
    g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE_INDIRECT, args, mem), ==,
                    H_SUCCESS);
    g_assert_cmphex(raw(&w, 32), ==, 0xa003);
    g_assert_cmphex(raw(&w, 33), ==, 0xb001);

    /* Not a TCE call: H_FUNCTION, whatever the arguments. */
    args[0] = LIOBN; args[1] = 0; args[2] = 3; args[3] = 1;
    g_assert_cmpint(spapr_hcall_tce(0x04, args, mem), ==, H_FUNCTION);
    g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE + 4, args, mem), ==, H_FUNCTION);
    g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE | (1ULL << 32), args, mem), ==,
                    H_FUNCTION);
    g_assert_cmpint(spapr_hcall_tce(0x99, NULL, NULL), ==, H_FUNCTION);
    g_assert_cmphex(raw(&w, 0), ==, 0);
    /* A TCE call without its registers. */
    g_assert_cmpint(spapr_hcall_tce(H_PUT_TCE, NULL, mem), ==, H_PARAMETER);
    guest_buf_free(&g);
    win_destroy(&w);
}

/* ---- Random sequences against a flat-array model --------------------- */

typedef struct Model {
    uint32_t shift;
    uint64_t bus;
    uint32_t nb;
    uint64_t *t;
    unsigned maps, unmaps;
} Model;

static int64_t model_put(Model *m, uint64_t ioba, uint64_t tce)
{
    uint64_t index = (ioba - m->bus) >> m->shift;

    if (index >= m->nb) {
        return H_PARAMETER;
    }
    m->t[index] = tce;
    if (tce & 3) {
        m->maps++;
    } else {
        m->unmaps++;
    }
    return H_SUCCESS;
}

static void random_vs_model(uint64_t bus, guint32 seed)
{
    GRand *r = test_rand_new(seed);
    Win w;
    Model m = { 16, bus, 300, NULL, 0, 0 };
    GuestBuf g;
    const SpaprGuestMemory *mem = &g.mem;
    uint64_t page_mask = ~((1ULL << m.shift) - 1);

    win_init(&w, LIOBN, m.shift, m.bus, m.nb);
    g_assert_cmphex(ioba_of(&w, 0) - m.bus, <, 1ULL << m.shift);
    m.t = g_new0(uint64_t, m.nb);
    guest_buf_init(&g, 0x100000, 600);
    for (int step = 0; step < 5000; step++) {
        /* Mostly in the window, sometimes around or far outside it. */
        uint64_t index = g_rand_int_range(r, 0, m.nb + 40);
        uint64_t ioba = m.bus + (index << m.shift) - (20ULL << m.shift) +
                        (g_rand_int(r) & 0xffff);
        uint64_t tce = g_rand_boolean(r) ? 0 : test_rand_u64(r);
        uint64_t npages = g_rand_int_range(r, 0, 40);
        int64_t want = H_PARAMETER, got;

        if (g_rand_int_range(r, 0, 50) == 0) {
            ioba = test_rand_u64(r);
        }
        switch (g_rand_int_range(r, 0, 4)) {
        case 0:
            want = model_put(&m, ioba & page_mask, tce);
            got = spapr_h_put_tce(LIOBN, ioba, tce);
            break;
        case 1:
            if (npages <= m.nb) {
                for (uint64_t i = 0; i < npages; i++) {
                    want = model_put(&m, (ioba & page_mask) + (i << m.shift),
                                     tce);
                    if (want) {
                        break;
                    }
                }
            }
            got = spapr_h_stuff_tce(LIOBN, ioba, tce, npages);
            break;
        case 2: {
            uint64_t list = g.base + (g_rand_int_range(r, 0, 2) << 12);
            for (uint64_t i = 0; i < 600; i++) {
                guest_buf_set(&g, i, g_rand_boolean(r) ? 0 : test_rand_u64(r));
            }
            for (uint64_t i = 0; i < npages; i++) {
                uint64_t v = guest_buf_get(&g, (list - g.base) / 8 + i);

                want = model_put(&m, (ioba & page_mask) + (i << m.shift), v);
                if (want) {
                    break;
                }
            }
            got = spapr_h_put_tce_indirect(LIOBN, ioba, list, npages, mem);
            break;
        }
        default: {
            uint64_t a = 0, b = 0xabc;
            uint64_t idx = ((ioba & page_mask) - m.bus) >> m.shift;
            want = idx < m.nb ? H_SUCCESS : H_PARAMETER;
            if (want == H_SUCCESS) {
                a = m.t[idx];
            }
            got = spapr_h_get_tce(LIOBN, ioba, &b);
            if (want == H_SUCCESS) {
                g_assert_cmphex(b, ==, a);
            } else {
                g_assert_cmphex(b, ==, 0xabc);
            }
            break;
        }
        }
        if (got != want) {
            g_error("step %d: got %" PRId64 ", want %" PRId64, step, got, want);
        }
    }
    for (uint64_t i = 0; i < m.nb; i++) {
        g_assert_cmphex(raw(&w, i), ==, m.t[i]);
    }
    g_assert_cmpuint(w.map.entries->len, ==, m.maps);
    g_assert_cmpuint(w.unmap.entries->len, ==, m.unmaps);
    g_free(m.t);
    guest_buf_free(&g);
    win_destroy(&w);
    g_rand_free(r);
}

static void test_random_vs_model(void)
{
    random_vs_model(0x30000000, TEST_SEED);
    /* A bus offset inside a page: masking before subtracting matters. */
    random_vs_model(0x30001000, TEST_SEED + 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hcall/put-get/basic", test_put_get_basic);
    g_test_add_func("/hcall/put-get/errors", test_put_errors);
    g_test_add_func("/hcall/put-get/ioba-masking", test_ioba_masking);
    g_test_add_func("/hcall/put-get/ioba-masking-unaligned-bus",
                    test_ioba_masking_unaligned_bus);
    g_test_add_func("/hcall/stuff/basic", test_stuff);
    g_test_add_func("/hcall/stuff/errors", test_stuff_errors);
    g_test_add_func("/hcall/indirect/basic", test_indirect);
    g_test_add_func("/hcall/indirect/errors", test_indirect_errors);
    g_test_add_func("/hcall/dispatch", test_dispatch);
    g_test_add_func("/hcall/random-vs-model", test_random_vs_model);
    return g_test_run();
}
