/*
 * pseries-demo: a pseries-like machine on SwiftTCE.
 *
 * A guest with RAM and one PCI host bridge creates a 64-bit dynamic DMA
 * window through RTAS, maps a framebuffer and DMA buffers into it with
 * H_PUT_TCE_INDIRECT; a VFIO-like container hotplugs, replays the window
 * and mirrors every later mapping; a display device scans the framebuffer
 * out through translate and pixman composes the picture. Then replay time
 * and table storage are measured by window size, SwiftTCE against a flat
 * table, and plotted. The report is measured, and the exit status says
 * whether every check held.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "display.h"
#include "draw.h"
#include "guest.h"
#include "image-file.h"
#include "machine.h"
#include "options.h"
#include "plot.h"
#include "replay-sweep.h"
#include "trace-log.h"

static char *size_str(uint64_t v)
{
    return g_format_size_full(v, G_FORMAT_SIZE_IEC_UNITS);
}

static char *checksum(const void *data, size_t len)
{
    char *full = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);

    full[16] = '\0';
    return full;
}

/* Which of the PHB's windows a table is; SPAPR_PCI_DMA_MAX_WINDOWS if none. */
static unsigned window_number(PseriesMachine *m, SpaprTceTable *tcet)
{
    unsigned n;

    for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
        if (spapr_phb_get_window(m->phb, n) == tcet) {
            break;
        }
    }
    return n;
}

static void say(GString *rep, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* One more line (or part of one) of the report. */
static void say(GString *rep, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(rep, fmt, ap);
    va_end(ap);
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "NO";
}

/*
 * The second picture: replay time and storage by window size, measured
 * now with the demo's page size, reported and plotted to opt->plot.
 */
static bool demo_plot(const DemoOptions *opt, GString *rep, GString *layout)
{
    g_autoptr(GError) err = NULL;
    ReplaySweep sweep;
    pixman_image_t *img;
    bool written;

    if (!replay_sweep_run(&sweep, opt->page_shift, &err)) {
        say(rep, "sweep:     FAILED: %s\n", err->message);
        return false;
    }
    replay_sweep_report(&sweep, rep);
    draw_log_open(layout, "plot");
    img = plot_replay_sweep(&sweep);
    draw_log_open(NULL, NULL);
    written = image_file_write(img, opt->plot, opt->plot_format, &err);
    if (written) {
        say(rep, "plot:      %s (%dx%d %s)\n", opt->plot,
            pixman_image_get_width(img), pixman_image_get_height(img),
            opt->plot_format->name);
    } else {
        say(rep, "plot:      NOT written: %s\n", err->message);
    }
    pixman_image_unref(img);
    return written;
}

int main(int argc, char **argv)
{
    DemoOptions opt;
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) img_err = NULL;
    uint32_t window_shift, page_shift;
    uint64_t ram_size, page_size, fb_bytes, fb_pages, pool_pages, slot, usable;
    uint64_t buf_pages_total = 0, unmapped_pages = 0, live_tces, flat_bytes;
    hwaddr fb_gpa, pool_gpa;
    PseriesMachine *m;
    GuestDriver g;
    VfioContainer *c;
    DmaDisplay d;
    ContainerCheck check;
    SpaprTceTable *ddw;
    pixman_image_t *img;
    g_autofree StatusCell *cells = NULL;
    bool written;
    g_autofree char *fb_sum = NULL, *scan_sum = NULL;
    unsigned unmapped_bufs = 0, hotplug_tces, mismatched_cells = 0, n;
    size_t storage;
    bool state_ok, frame_ok, cells_ok, reset_ok, plotted, traced = true;
    bool laid_out = true;
    g_autoptr(GString) layout = NULL;
    TraceLog trace;
    unsigned detached, attached, ddw_n;
    GString *rep;
    int i;

    if (!demo_options_parse(&opt, argc, argv, &err)) {
        g_printerr("pseries-demo: %s\n", err->message);
        return 2;
    }
    /* --dump-layout: what the pictures draw, where (draw_log_open). */
    layout = opt.layout ? g_string_new(NULL) : NULL;
    window_shift = opt.window_shift;
    page_shift = opt.page_shift;
    ram_size = opt.ram_size;
    page_size = 1ULL << page_shift;

    /* ---- The machine ---------------------------------------------------- */
    if (opt.trace && !trace_log_start(&trace, opt.trace, ram_size,
                                      machine_page_sizes(), &err)) {
        g_printerr("pseries-demo: %s\n", err->message);
        return 2;
    }
    m = machine_new(ram_size, &err);
    if (!m && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOMEM)) {
        g_printerr("pseries-demo: --ram=%s cannot be allocated on this host\n",
                   opt.ram_arg);
        return 2;
    }
    if (!m) {
        g_printerr("pseries-demo: %s\n", err->message);
        return 1;
    }
    guest_init(&g, m);

    /* ---- The guest asks for a 64-bit window ----------------------------- */
    if (!guest_create_ddw(&g, page_shift, window_shift, &err)) {
        g_printerr("pseries-demo: guest: %s\n", err->message);
        machine_free(m);
        return 1;
    }
    ddw = spapr_tce_find_by_liobn(g.liobn);

    /* ---- Its framebuffer, drawn in guest RAM, mapped for the device ----- */
    fb_bytes = GUEST_FB_BYTES;
    fb_pages = guest_fb_pages(page_size);
    fb_gpa = guest_alloc(&g, fb_pages << page_shift, page_size, &err);
    pool_pages = 0;
    if (fb_gpa) {
        pool_pages = MIN(GUEST_POOL_PAGES,
                         (ram_size - g.alloc_next) >> page_shift) &
                     ~(uint64_t)(GUEST_BUF_PAGES - 1);
    }
    pool_gpa = pool_pages ? guest_alloc(&g, pool_pages << page_shift, page_size,
                                        &err) : 0;
    if (!fb_gpa || !pool_gpa) {
        g_printerr("pseries-demo: %s\n", err ? err->message
                   : "guest RAM too small for the DMA buffers");
        machine_free(m);
        return 1;
    }
    guest_draw_framebuffer(machine_ram_ptr(m, fb_gpa, fb_bytes), GUEST_FB_WIDTH,
                           GUEST_FB_HEIGHT, page_size);
    if (!guest_map(&g, 0, fb_gpa, fb_pages, TCE_PCI_READ, &err)) {
        g_printerr("pseries-demo: guest: %s\n", err->message);
        machine_free(m);
        return 1;
    }

    /*
     * ---- DMA buffers, spread over the whole window ----------------------
     * Buffer i has 1 + i % 4 pages at window page fb_pages + i * slot; the
     * first half is mapped before the container arrives, the rest after.
     */
    /* At least GUEST_BUF_PAGES each: the options checked the window. */
    usable = g.nb_pages - fb_pages;
    slot = usable / (uint64_t)opt.mappings;
    c = container_new(m);
    hotplug_tces = 0;
    for (i = 0; i < opt.mappings; i++) {
        uint64_t pages = 1 + i % GUEST_BUF_PAGES;
        uint64_t pool_index = ((uint64_t)i * GUEST_BUF_PAGES) % pool_pages;
        hwaddr gpa = pool_gpa + (pool_index << page_shift);
        uint64_t perm = i % 2 ? TCE_PCI_READ : TCE_PCI_READ | TCE_PCI_WRITE;

        if (i == opt.mappings / 2) {
            /* A VFIO device is hotplugged: it attaches with a replay. */
            hotplug_tces = g.tces_written;
            if (!container_attach(c, &err)) {
                g_printerr("pseries-demo: %s\n", err->message);
                return 1;
            }
        }
        if (!guest_map(&g, fb_pages + i * slot, gpa, pages, perm, &err)) {
            g_printerr("pseries-demo: guest: %s\n", err->message);
            return 1;
        }
        buf_pages_total += pages;
    }
    if (opt.mappings == 1) {
        hotplug_tces = g.tces_written;
        if (!container_attach(c, &err)) {
            g_printerr("pseries-demo: %s\n", err->message);
            return 1;
        }
    }
    /* The guest's driver frees every third buffer. */
    for (i = 2; i < opt.mappings; i += 3) {
        uint64_t pages = 1 + i % GUEST_BUF_PAGES;

        if (!guest_unmap(&g, fb_pages + i * slot, pages, &err)) {
            g_printerr("pseries-demo: guest: %s\n", err->message);
            return 1;
        }
        unmapped_bufs++;
        unmapped_pages += pages;
    }
    live_tces = fb_pages + buf_pages_total - unmapped_pages;

    /* ---- The display scans the framebuffer out through translate -------- */
    display_init(&d, m, guest_bus_addr(&g, 0), GUEST_FB_WIDTH, GUEST_FB_HEIGHT);
    frame_ok = display_scanout(&d);
    fb_sum = checksum(machine_ram_ptr(m, fb_gpa, fb_bytes), fb_bytes);
    scan_sum = checksum(d.scanout, fb_bytes);
    frame_ok = frame_ok && strcmp(fb_sum, scan_sum) == 0;

    /* ---- The container against the tables -------------------------------- */
    state_ok = container_check(c, &check) && check.table_entries == live_tces;

    /* One status cell per buffer: table (H_GET_TCE) vs mirror vs the script. */
    cells = g_new(StatusCell, opt.mappings);
    for (i = 0; i < opt.mappings; i++) {
        uint64_t bus = guest_bus_addr(&g, fb_pages + i * slot);
        uint64_t args[4] = { g.liobn, bus };
        bool want = i % 3 != 2;
        bool in_table = spapr_hcall_tce(H_GET_TCE, args, &m->mem) ==
                        H_SUCCESS && (args[0] & 3) != 0;
        const MirrorEntry *me = container_lookup(c, bus);
        bool agree = in_table == want && (me != NULL) == want &&
                     (!me || me->gpa == (args[0] & ~(page_size - 1)));

        cells[i] = !agree ? STATUS_MISMATCH
                   : want ? STATUS_MAPPED_OK : STATUS_UNMAPPED_OK;
        mismatched_cells += !agree;
    }
    cells_ok = mismatched_cells == 0;

    storage = spapr_tce_table_storage_bytes(ddw);
    flat_bytes = (uint64_t)spapr_tce_get_nb_table(ddw) * sizeof(uint64_t);
    {
        DisplayStatus status = {
            .cells = cells,
            .ncells = opt.mappings,
            .window_bytes = g.nb_pages << page_shift,
            .page_size = page_size,
            .storage_bytes = storage,
            .flat_bytes = flat_bytes,
        };

        draw_log_open(layout, "frame");
        img = display_compose(&d, &status);
        draw_log_open(NULL, NULL);
    }
    written = image_file_write(img, opt.output, opt.output_format, &img_err);

    /* ---- The report, as of now ------------------------------------------ */
    rep = g_string_new(NULL);
    ddw_n = window_number(m, ddw);
    {
        g_autofree char *ram_s = size_str(ram_size);
        g_autofree char *storage_s = size_str(storage);
        g_autofree char *flat_s = size_str(flat_bytes);
        g_autofree char *slot_s = size_str(slot << page_shift);
        g_autofree char *ddw_s = size_str(g.nb_pages << page_shift);

        say(rep, "pseries-demo: pseries-like machine, %s guest "
            "RAM, PHB 0 (BUID 0x%" PRIx64 ")\n", ram_s,
            spapr_phb_get_buid(m->phb));
        say(rep, "windows:\n");
        for (n = 0; n < SPAPR_PCI_DMA_MAX_WINDOWS; n++) {
            SpaprTceTable *t = spapr_phb_get_window(m->phb, n);
            uint32_t nb = t ? spapr_tce_get_nb_table(t) : 0;
            g_autofree char *win_s = NULL, *page_s = NULL;

            if (!t || nb == 0) {
                say(rep, "  %u  (disabled)\n", n);
                continue;
            }
            win_s = size_str((uint64_t)nb << spapr_tce_get_page_shift(t));
            page_s = size_str(1ULL << spapr_tce_get_page_shift(t));
            say(rep, "  %u  LIOBN 0x%08x  bus 0x%016" PRIx64
                "  %9s, %8s pages, %10u TCEs  ", n,
                spapr_tce_get_liobn(t),
                spapr_tce_get_bus_offset(t), win_s, page_s, nb);
            if (t == ddw) {
                g_autofree char *sizes =
                    guest_page_mask_str(g.page_size_mask);

                say(rep, "(DDW by RTAS; %u window free before, "
                    "page mask 0x%x: %s pages offered)\n",
                    g.windows_available, g.page_size_mask, sizes);
            } else {
                say(rep, "(default)\n");
            }
        }
        say(rep, "mappings:  framebuffer %dx%d = %" PRIu64
            " TCEs, %d buffers = %" PRIu64 " TCEs (one every "
            "%s),\n", GUEST_FB_WIDTH, GUEST_FB_HEIGHT, fb_pages,
            opt.mappings, buf_pages_total, slot_s);
        say(rep, "           %u TCEs in %u H_PUT_TCE_INDIRECT; "
            "%u buffers (%" PRIu64 " TCEs) unmapped by "
            "H_STUFF_TCE; %" PRIu64 " TCEs live\n",
            g.tces_written, g.indirect_calls, unmapped_bufs,
            unmapped_pages, live_tces);
        say(rep, "replay:    container hotplugged after %u "
            "TCEs: %s window replayed in %.3f ms (%u "
            "entries)\n", hotplug_tces, ddw_s,
            c->replay_ns[ddw_n] / 1e6, c->replayed[ddw_n]);
        say(rep, "           at the end, every window "
            "replayed in %.3f ms (%u entries)\n",
            check.replay_ns / 1e6, check.table_entries);
        say(rep, "storage:   %zu bytes (%s) for the DDW's table "
            "vs %s flat (%u TCEs x 8 bytes): %.0fx smaller\n",
            storage, storage_s, flat_s,
            spapr_tce_get_nb_table(ddw),
            (double)flat_bytes / (double)MAX(storage, 1));
        say(rep, "container: state == table state: %s (%u "
            "mirrored, %u in the tables, %u agree with "
            "H_GET_TCE;\n", yes_no(state_ok && cells_ok),
            check.mirrored, check.table_entries,
            check.get_tce_checked);
        say(rep, "           %u MAP + %u UNMAP mirrored after "
            "attaching; %u/%d buffers as the guest left "
            "them)\n",
            c->maps - c->replayed[0] - c->replayed[1],
            c->unmaps, opt.mappings - mismatched_cells,
            opt.mappings);
        say(rep, "display:   %dx%d scanned out through "
            "translate (%u translations, %u faults) == guest "
            "framebuffer: %s\n", GUEST_FB_WIDTH, GUEST_FB_HEIGHT,
            d.translations, d.faults, yes_no(frame_ok));
    }

    /*
     * ---- The guest resets its DMA windows and asks again -----------------
     * The container follows through the PHB's window listener: it forgets
     * the DDW as it goes, and attaches to the new one from inside
     * ibm,create-pe-dma-window, where replay is skipped (the window is new).
     */
    detached = c->windows_detached;
    attached = c->windows_attached;
    reset_ok = guest_reset_ddw(&g, &err) && container_check(c, &check) &&
               check.mirrored == 0 && check.table_entries == 0;
    if (reset_ok) {
        say(rep, "reset:     ibm,reset-pe-dma-window: the "
            "container left %u window(s) and rejoined %u; "
            "mirror %u == tables %u: yes\n",
            c->windows_detached - detached,
            c->windows_attached - attached, check.mirrored,
            check.table_entries);
        attached = c->windows_attached;
        reset_ok = guest_create_ddw(&g, page_shift, window_shift, &err);
    }
    if (reset_ok) {
        ddw = spapr_tce_find_by_liobn(g.liobn);
        n = window_number(m, ddw);
        reset_ok = n < SPAPR_PCI_DMA_MAX_WINDOWS &&
                   c->windows_attached > attached && c->replayed[n] == 0 &&
                   container_check(c, &check);
    }
    if (reset_ok) {
        say(rep, "           DDW created again: the container "
            "attached inside the RTAS call, replay skipped "
            "(%u entries, %.3f ms)\n", c->replayed[n],
            c->replay_ns[n] / 1e6);
    } else {
        say(rep, "reset:     FAILED: %s\n",
            err ? err->message
            : "container and tables disagree");
    }

    say(rep, "machine:   the guest made %u hypercalls (%u "
        "failed) and %u RTAS calls\n", m->hcalls,
        m->hcalls_failed, m->rtas_calls);
    if (written) {
        say(rep, "frame:     %s (%dx%d %s)\n", opt.output,
            pixman_image_get_width(img), pixman_image_get_height(img),
            opt.output_format->name);
    } else {
        say(rep, "frame:     NOT written: %s\n",
            img_err->message);
    }
    pixman_image_unref(img);
    display_cleanup(&d);
    container_free(c);
    machine_free(m);
    if (opt.trace) {
        g_autoptr(GError) trace_err = NULL;

        traced = trace_log_stop(&trace, &trace_err);
        if (traced) {
            say(rep, "trace:     %s (%" PRIu64 " events)\n", opt.trace,
                trace.lines);
        } else {
            say(rep, "trace:     %s NOT complete: %s\n", opt.trace,
                trace_err->message);
        }
    }

    plotted = !opt.plot || demo_plot(&opt, rep, layout);
    if (layout) {
        g_autoptr(GError) layout_err = NULL;

        laid_out = g_file_set_contents(opt.layout, layout->str,
                                       (gssize)layout->len, &layout_err);
        if (laid_out) {
            unsigned lines = 0;
            const char *c;

            for (c = layout->str; *c; c++) {
                lines += *c == '\n';
            }
            say(rep, "layout:    %s (%u lines)\n", opt.layout, lines);
        } else {
            say(rep, "layout:    NOT written: %s\n", layout_err->message);
        }
    }
    fputs(rep->str, stdout);
    g_string_free(rep, TRUE);
    demo_options_cleanup(&opt);
    return state_ok && cells_ok && frame_ok && reset_ok && written &&
           plotted && traced && laid_out ? 0 : 1;
}
