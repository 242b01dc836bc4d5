/*
 * pseries-demo: the command line. Every option is checked against the
 * limits of the machine and the library before the machine exists, so
 * that a refusal is one sentence naming the option and its limit, not a
 * status code from deep inside a hypercall.
 */
#ifndef PSERIES_DEMO_OPTIONS_H
#define PSERIES_DEMO_OPTIONS_H

#include <glib.h>

#include "image-file.h"

typedef struct DemoOptions {
    /* The sizes as given (or defaulted), for messages. */
    char *window_arg;
    char *page_arg;
    char *ram_arg;

    uint32_t window_shift;
    uint32_t page_shift;
    uint64_t ram_size;
    int mappings;
    char *output;                       /* the frame */
    const ImageFormat *output_format;
    char *plot;                         /* the sweep's; NULL: none */
    char *trace;                        /* the events' file; NULL: none */
    char *layout;                       /* --dump-layout's; NULL: none */
    const ImageFormat *plot_format;
} DemoOptions;

/*
 * Parses and checks argv (--help prints and exits). False with one
 * sentence in *errp when the command line is refused.
 */
bool demo_options_parse(DemoOptions *opt, int argc, char **argv,
                        GError **errp);
void demo_options_cleanup(DemoOptions *opt);

#endif /* PSERIES_DEMO_OPTIONS_H */
