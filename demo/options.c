/*
 * pseries-demo: the command line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "guest.h"
#include "options.h"
#include "sizes.h"

#define DEFAULT_WINDOW   "128T"
#define DEFAULT_PAGE     "64K"
#define DEFAULT_RAM      "256M"
#define DEFAULT_MAPPINGS 64
#define MAX_MAPPINGS     1000000
#define MIN_RAM          (16ULL << 20)
#define DEFAULT_PLOT     "replay-vs-window"

/*
 * ibm,create-pe-dma-window gives the table 1 << (window_shift - page_shift)
 * entries in a 32-bit count: 2^31 TCEs is the largest window it makes.
 */
#define DDW_MAX_TCE_SHIFT 31

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/*
 * What each page size the PHB offers allows, as --help and the refusals
 * list it: the page sizes ("4K, 64K, 2M or 16M"), the largest window of
 * each, the framebuffer's pages in each, and the page sizes that need more
 * guest RAM than the minimum.
 */
typedef struct PageLimits {
    GString *pages, *windows, *fb, *ram;
} PageLimits;

static void page_limits_init(PageLimits *l)
{
    uint64_t mask = machine_page_sizes();
    unsigned n = __builtin_popcountll(mask), i = 0;
    g_autofree char *min_ram = size_str_short(MIN_RAM);
    uint32_t shift;

    l->pages = g_string_new(NULL);
    l->windows = g_string_new(NULL);
    l->fb = g_string_new(NULL);
    l->ram = g_string_new(min_ram);
    for (shift = 0; shift < 64; shift++) {
        uint64_t page = 1ULL << shift;
        g_autofree char *page_s = NULL, *win_s = NULL;
        const char *sep = i == 0 ? "" : ", ";

        if (!(mask & page)) {
            continue;
        }
        page_s = size_str_short(page);
        win_s = size_str_short(1ULL << (shift + DDW_MAX_TCE_SHIFT));
        g_string_append_printf(l->pages, "%s%s",
                               i == 0 ? "" : i + 1 < n ? ", " : " or ",
                               page_s);
        g_string_append_printf(l->windows, "%s%s of %s", sep, win_s, page_s);
        g_string_append_printf(l->fb, "%s%" PRIu64 " of %s", sep,
                               guest_fb_pages(page), page_s);
        if (guest_ram_needed(page) > MIN_RAM) {
            g_autofree char *ram_s = size_str_short(guest_ram_needed(page));

            g_string_append_printf(l->ram, ", %s with %s pages", ram_s,
                                   page_s);
        }
        i++;
    }
}

static void page_limits_cleanup(PageLimits *l)
{
    g_string_free(l->pages, TRUE);
    g_string_free(l->windows, TRUE);
    g_string_free(l->fb, TRUE);
    g_string_free(l->ram, TRUE);
}

static bool refuse(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Sets the one sentence that refuses the command line; returns false. */
static bool refuse(GError **errp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(errp, g_error_new_valist(G_OPTION_ERROR,
                                               G_OPTION_ERROR_BAD_VALUE,
                                               fmt, ap));
    va_end(ap);
    return false;
}

/* --name=arg as a byte count, or refused. */
static bool option_size(const char *name, const char *arg, uint64_t *v,
                        GError **errp)
{
    if (!size_parse(arg, v)) {
        return refuse(errp, "--%s=%s is not a size: a number below 2^64 with "
                      "an optional K, M, G, T, P or E", name, arg);
    }
    return true;
}

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static bool check_page(DemoOptions *opt, const PageLimits *l, GError **errp)
{
    uint64_t v;

    if (!option_size("page-size", opt->page_arg, &v, errp)) {
        return false;
    }
    if (!is_pow2(v) || !(machine_page_sizes() & v)) {
        return refuse(errp, "--page-size=%s is not a page size the PHB "
                      "offers (%s)", opt->page_arg, l->pages->str);
    }
    opt->page_shift = __builtin_ctzll(v);
    return true;
}

static bool check_mappings(DemoOptions *opt, GError **errp)
{
    if (opt->mappings < 1 || opt->mappings > MAX_MAPPINGS) {
        return refuse(errp, "--mappings=%d is not in 1 to %d", opt->mappings,
                      MAX_MAPPINGS);
    }
    return true;
}

static bool check_window(DemoOptions *opt, GError **errp)
{
    uint64_t page = 1ULL << opt->page_shift, pages, needed, v;
    g_autofree char *largest =
        size_str_short(1ULL << (opt->page_shift + DDW_MAX_TCE_SHIFT));

    if (!option_size("window-size", opt->window_arg, &v, errp)) {
        return false;
    }
    if (!is_pow2(v)) {
        return refuse(errp, "--window-size=%s is not a power of two (such as "
                      "1G or 128T)", opt->window_arg);
    }
    opt->window_shift = __builtin_ctzll(v);
    if (opt->window_shift < opt->page_shift) {
        return refuse(errp, "--window-size=%s is smaller than one page of "
                      "--page-size=%s", opt->window_arg, opt->page_arg);
    }
    if (opt->window_shift - opt->page_shift > DDW_MAX_TCE_SHIFT) {
        return refuse(errp, "--window-size=%s with --page-size=%s needs 2^%u "
                      "TCEs; a DDW holds at most 2^%u, %s of %s pages",
                      opt->window_arg, opt->page_arg,
                      opt->window_shift - opt->page_shift, DDW_MAX_TCE_SHIFT,
                      largest, opt->page_arg);
    }
    /* Each buffer gets a slot of GUEST_BUF_PAGES pages at least. */
    pages = 1ULL << (opt->window_shift - opt->page_shift);
    needed = guest_fb_pages(page) + (uint64_t)opt->mappings * GUEST_BUF_PAGES;
    if (pages < needed) {
        return refuse(errp, "--window-size=%s holds %" PRIu64 " page%s of "
                      "--page-size=%s, fewer than the %" PRIu64 " that the "
                      "framebuffer (%" PRIu64 ") and %d for each of "
                      "--mappings=%d need", opt->window_arg, pages,
                      plural(pages), opt->page_arg, needed,
                      guest_fb_pages(page), GUEST_BUF_PAGES, opt->mappings);
    }
    return true;
}

static bool check_ram(DemoOptions *opt, GError **errp)
{
    uint64_t needed = MAX(MIN_RAM, guest_ram_needed(1ULL << opt->page_shift));
    g_autofree char *needed_s = size_str_short(needed);

    if (!option_size("ram", opt->ram_arg, &opt->ram_size, errp)) {
        return false;
    }
    if (opt->ram_size < needed) {
        return refuse(errp, "--ram=%s is less than the %s the guest needs "
                      "with --page-size=%s", opt->ram_arg, needed_s,
                      opt->page_arg);
    }
    return true;
}

/* --name=path names a picture the demo writes, or is refused. */
static bool check_picture(const char *name, const char *path,
                          const char *or_else, const ImageFormat **format,
                          GError **errp)
{
    g_autofree char *formats = image_format_list();

    *format = image_format_for(path);
    if (!*format) {
        return refuse(errp, "--%s=%s is not a picture the demo writes: name "
                      "a %s file%s", name, path, formats, or_else);
    }
    return true;
}

/* By default the sweep's picture goes beside the frame, in its format. */
static bool check_pictures(DemoOptions *opt, GError **errp)
{
    g_autofree char *dir = NULL;

    if (!check_picture("output", opt->output, "", &opt->output_format,
                       errp)) {
        return false;
    }
    if (!opt->plot) {
        dir = g_path_get_dirname(opt->output);
        opt->plot = strcmp(dir, ".") == 0
            ? g_strconcat(DEFAULT_PLOT, opt->output_format->extension, NULL)
            : g_strconcat(dir, "/" DEFAULT_PLOT,
                          opt->output_format->extension, NULL);
    }
    if (strcmp(opt->plot, "none") == 0) {
        g_clear_pointer(&opt->plot, g_free);
        return true;
    }
    return check_picture("plot", opt->plot, " or none", &opt->plot_format,
                         errp);
}

bool demo_options_parse(DemoOptions *opt, int argc, char **argv,
                        GError **errp)
{
    g_autofree char *formats = image_format_list();
    g_autofree char *default_output =
        g_strconcat("frame", image_format_default()->extension, NULL);
    PageLimits l;
    g_autofree char *window_help = NULL, *page_help = NULL;
    g_autofree char *output_help = NULL, *plot_help = NULL;
    g_autofree char *description = NULL;
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- a pseries-like machine on SwiftTCE");
    bool ok;
    int i;

    *opt = (DemoOptions) { .mappings = DEFAULT_MAPPINGS };
    page_limits_init(&l);
    window_help = g_strdup_printf("64-bit DMA window the guest creates: a "
                                  "power of two, 1 to 2^%u pages (default "
                                  DEFAULT_WINDOW ")", DDW_MAX_TCE_SHIFT);
    page_help = g_strdup_printf("Its IOMMU page size: %s (default "
                                DEFAULT_PAGE ")", l.pages->str);
    output_help = g_strdup_printf("Picture of the display: a %s file "
                                  "(default %s)", formats, default_output);
    plot_help = g_strdup_printf("Replay and storage by window size: a %s "
                                "file, or none (default " DEFAULT_PLOT
                                " beside --output, in its format)", formats);
    description = g_strdup_printf(
        "Limits, from the PHB and ibm,create-pe-dma-window:\n"
        "  --page-size    the sizes the PHB offers: %s\n"
        "  --window-size  at most 2^%u TCEs: %s;\n"
        "                 at least the framebuffer (pages: %s)\n"
        "                 and %d pages for each of --mappings\n"
        "  --ram          at least %s\n"
        "SIZE is a number with an optional K, M, G, T, P or E (powers of "
        "1024).\n\n"
        "Prints a report of windows, mappings, replay time, table storage "
        "and\nthe container's state, and writes the display's frame. Then "
        "measures replay\ntime and table storage by window size, SwiftTCE "
        "against a flat table,\nand plots them (--plot). Exit status 0 when "
        "the container, the tables\nand the display all agree, 2 when the "
        "command line is refused.\n",
        l.pages->str, DDW_MAX_TCE_SHIFT, l.windows->str, l.fb->str,
        GUEST_BUF_PAGES, l.ram->str);
    {
        GOptionEntry entries[] = {
            { "window-size", 'w', 0, G_OPTION_ARG_STRING, &opt->window_arg,
              window_help, "SIZE" },
            { "page-size", 'p', 0, G_OPTION_ARG_STRING, &opt->page_arg,
              page_help, "SIZE" },
            { "mappings", 'n', 0, G_OPTION_ARG_INT, &opt->mappings,
              "DMA buffers of 1 to 4 pages the guest maps: 1 to "
              G_STRINGIFY(MAX_MAPPINGS) " (default "
              G_STRINGIFY(DEFAULT_MAPPINGS) ")", "N" },
            { "ram", 'r', 0, G_OPTION_ARG_STRING, &opt->ram_arg,
              "Guest RAM: 16M or more, see below (default " DEFAULT_RAM ")",
              "SIZE" },
            { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt->output,
              output_help, "FILE" },
            { "plot", 0, 0, G_OPTION_ARG_FILENAME, &opt->plot, plot_help,
              "FILE" },
            { "trace", 0, 0, G_OPTION_ARG_FILENAME, &opt->trace,
              "Write the machine's spapr_iommu_* events, as QEMU 7.2's -trace "
              "prints them, to FILE (build/bin/tce-trace-check checks it)",
              "FILE" },
            { "dump-layout", 0, 0, G_OPTION_ARG_FILENAME, &opt->layout,
              "Write where the pictures' texts, ticks and marks are drawn to "
              "FILE, a line each (Tests/demo-check.sh reads it)", "FILE" },
            /* Every field: clang's -Wmissing-field-initializers wants them. */
            { NULL, 0, 0, 0, NULL, NULL, NULL }
        };

        g_option_context_add_main_entries(ctx, entries, NULL);
        g_option_context_set_description(ctx, description);
        ok = g_option_context_parse(ctx, &argc, &argv, errp);
    }
    /* GLib leaves a "--" in argv: what follows it is refused all the same. */
    for (i = 1; ok && i < argc && strcmp(argv[i], "--") == 0; i++) {
        continue;
    }
    if (ok && i < argc) {
        ok = refuse(errp, "unexpected argument \"%s\": the demo takes only "
                    "the options --help lists", argv[i]);
    }
    if (ok) {
        opt->window_arg = opt->window_arg ?: g_strdup(DEFAULT_WINDOW);
        opt->page_arg = opt->page_arg ?: g_strdup(DEFAULT_PAGE);
        opt->ram_arg = opt->ram_arg ?: g_strdup(DEFAULT_RAM);
        opt->output = opt->output ?: g_steal_pointer(&default_output);
        ok = check_page(opt, &l, errp) && check_mappings(opt, errp) &&
             check_window(opt, errp) && check_ram(opt, errp) &&
             check_pictures(opt, errp);
    }
    page_limits_cleanup(&l);
    return ok;
}

void demo_options_cleanup(DemoOptions *opt)
{
    g_free(opt->window_arg);
    g_free(opt->page_arg);
    g_free(opt->ram_arg);
    g_free(opt->output);
    g_free(opt->plot);
    g_free(opt->trace);
    g_free(opt->layout);
}
