/*
 * The host libraries must never call a host's functions of QEMU's names:
 * this program defines every one of them (every function and object the
 * QEMU-shaped host's headers in Tests/host/ and the standalone library's
 * headers declare, from decoy-names.h, which mk/host.mk generates) as a
 * function that aborts, links one host library (mk/host.mk builds it
 * against libswifttce-host.a and, with -rdynamic so that its definitions
 * would interpose, against libswifttce-host.so), and runs a table through
 * everything: enable, put, translate, replay, stuff, indirect, vmstate save
 * and load (whole and in steps), and a PHB's dynamic DMA windows. Linking the archive fails if it
 * defines one of those names; calling one aborts. Output is TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swifttce/host.h"

static void decoy_called(const char *name)
{
    printf("Bail out! the host library called %s\n", name);
    fflush(stdout);
    abort();
}

#define SWIFTTCE_DECOY(name) \
    void name(void);         \
    void name(void)          \
    {                        \
        decoy_called(#name); \
    }
#include "decoy-names.h"

/* ---- TAP ------------------------------------------------------------------ */

static int tests, failures;

static void tap(int ok, const char *what)
{
    printf("%sok %d - %s\n", ok ? "" : "not ", ++tests, what);
    failures += !ok;
}

/* ---- The host's side ------------------------------------------------------ */

static unsigned notified, errors;
static uint64_t guest_list[8];      /* big-endian, as the guest writes them */

static void notify(void *host_table, const SwiftTCEMapping *m)
{
    (void)host_table;
    (void)m;
    notified++;
}

static bool read_guest(void *guest, uint64_t gpa, void *buf, size_t len)
{
    (void)guest;
    if (gpa != 0x1000 || len > sizeof(guest_list)) {
        return false;
    }
    memcpy(buf, guest_list, len);
    return true;
}

static void set_error(void *host_errp, const char *msg)
{
    (void)host_errp;
    (void)msg;
    errors++;
}

static const SwiftTCEHostOps ops = {
    .size = sizeof(SwiftTCEHostOps),
    .notify = notify,
    .read_guest = read_guest,
    .set_error = set_error,
};

static SwiftTCETable *windows[2];

static void enable_window(void *host_phb, unsigned n, uint32_t page_shift,
                          uint64_t bus_offset, uint32_t nb_table,
                          bool creating)
{
    (void)host_phb;
    (void)creating;
    swifttce_table_enable(windows[n], page_shift, bus_offset, nb_table, NULL);
}

static void disable_window(void *host_phb, unsigned n)
{
    (void)host_phb;
    swifttce_table_disable(windows[n]);
}

static const SwiftTCEPhbOps phb_ops = {
    .size = sizeof(SwiftTCEPhbOps),
    .enable_window = enable_window,
    .disable_window = disable_window,
};

static void count_mapping(void *opaque, const SwiftTCEMapping *m)
{
    (void)m;
    (*(unsigned *)opaque)++;
}

/* ---- A table through everything --------------------------------------------- */

static void run_table(void)
{
    SwiftTCETable *t = swifttce_table_new(&ops, NULL);
    SwiftTCETable *copy = swifttce_table_new(&ops, NULL);
    SwiftTCECallTrace trace;
    SwiftTCEMapping m;
    uint8_t *buf;
    uint64_t tce = 0;
    unsigned i, replayed = 0;
    size_t size;
    bool def_win = false;
    uint64_t entries[8];
    SwiftTCELoadResult result;
    SwiftTCELoad *load;

    tap(t && swifttce_table_enable(t, 12, 0, 1024, NULL) == 0, "enable");
    tap(swifttce_put_tce(t, 0x5000, 0x9003) == SWIFTTCE_H_SUCCESS &&
        notified == 1, "put, notified");
    tap(swifttce_get_tce(t, 0x5000, &tce) == SWIFTTCE_H_SUCCESS &&
        tce == 0x9003, "get");
    swifttce_translate(t, 0x5008, &m);
    tap(m.translated_addr == 0x9000 && m.perm == 3 && m.addr_mask == 0xfff,
        "translate");
    swifttce_replay(t, UINT64_MAX, count_mapping, &replayed);
    tap(replayed == 1, "replay");
    tap(swifttce_stuff_tce_trace(t, 0x10000, 0x7001, 4, &trace) ==
        SWIFTTCE_H_SUCCESS && trace.ioba == 0x14000, "stuff");
    for (i = 0; i < 8; i++) {
        guest_list[i] = __builtin_bswap64((0x20000 + i * 0x1000) | 2);
    }
    tap(swifttce_put_tce_indirect_trace(t, 0x20000, 0x1000, 8, NULL, &trace) ==
        SWIFTTCE_H_SUCCESS && trace.index == 7, "indirect, through read_guest");
    size = swifttce_table_vmstate_save(t, 0x80000000, false, true, NULL, 0,
                                       NULL);
    buf = malloc(size);
    tap(buf && swifttce_table_vmstate_save(t, 0x80000000, false, true, buf,
                                           size, NULL) == size,
        "vmstate save");
    tap(swifttce_table_enable(copy, 12, 0, 16, NULL) == 0 &&
        swifttce_table_vmstate_load(copy, 0x80000000, 3, buf, size, NULL,
                                    &def_win, &result, NULL) == 0 &&
        def_win && result.dropped && result.made &&
        swifttce_get_tce(copy, 0x27000, &tce) == SWIFTTCE_H_SUCCESS &&
        tce == 0x27002, "vmstate load");
    tap(swifttce_table_vmstate_load(copy, 0x80000001, 3, buf, size, NULL,
                                    NULL, NULL, NULL) < 0 && errors == 1,
        "a refused load, through set_error");
    tap(swifttce_table_read_entries(t, 0x20, entries, 8) == 8 &&
        entries[0] == 0x20002 && entries[7] == 0x27002, "read entries");
    load = swifttce_load_new(copy, 1024, NULL);
    tap(load && swifttce_load_entries(load, 0, entries, 8, NULL) == 0 &&
        swifttce_load_entries(load, 9, entries, 8, NULL) < 0 && errors == 2,
        "a load's entries, out of order refused");
    tap(swifttce_load_commit(load, 12, 0, &result, NULL) < 0 &&
        errors == 3 && !result.dropped, "a short load's commit refused");
    free(buf);
    swifttce_table_free(copy);
    swifttce_table_free(t);
}

/* A PHB's dynamic DMA windows through the four RTAS calls' cells. */
static void run_ddw(void)
{
    const SwiftTCEPhbConfig cfg = {
        .dma_liobn = { 0x80000000, 0x80000001 },
        .dma_win_size = 0x40000000,
        .dma64_win_addr = 0x800000000000000ULL,
        .pgsz = (1ULL << 12) | (1ULL << 16),
        .ddw = true,
    };
    uint32_t query[] = { 0, 0x8000000, 0x20000000 }, rets[6];
    uint32_t create[] = { 0, 0x8000000, 0x20000000, 16, 30 };
    SwiftTCEPhb *phb;
    bool reset = false;

    windows[0] = swifttce_table_new(&ops, NULL);
    windows[1] = swifttce_table_new(&ops, NULL);
    phb = swifttce_phb_new(&cfg, &phb_ops, NULL, windows, 2, NULL);
    tap(phb != NULL, "PHB");
    swifttce_phb_dma_reset(phb);
    tap(swifttce_table_nb_table(windows[0]) == 0x40000 &&
        swifttce_phb_window_def_win(phb, 0), "DMA reset: the default window");
    swifttce_rtas_query_pe_dma_window(phb, 3, query, 5, rets);
    tap(rets[0] == 0 && rets[1] == 1 && rets[3] == 0x3, "query");
    swifttce_rtas_create_pe_dma_window(phb, 5, create, 4, rets);
    tap(rets[0] == 0 && rets[1] == 0x80000001 &&
        swifttce_table_page_shift(windows[1]) == 16, "create");
    swifttce_rtas_remove_pe_dma_window(phb, 1, &rets[1], 1, rets, &reset);
    tap(rets[0] == 0 && !reset && swifttce_table_nb_table(windows[1]) == 0,
        "remove");
    swifttce_rtas_reset_pe_dma_window(phb, 3, query, 1, rets);
    tap(rets[0] == 0, "reset");
    swifttce_phb_free(phb);
    swifttce_table_free(windows[0]);
    swifttce_table_free(windows[1]);
}

int main(void)
{
    run_table();
    run_ddw();
    printf("1..%d\n", tests);
    return failures != 0;
}
