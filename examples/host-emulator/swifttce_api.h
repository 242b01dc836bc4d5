/*
 * How the emulator reaches SwiftTCE. Linked (meson, pkg-config): the
 * functions of <swifttce/host.h> themselves. Built with
 * -DHOST_EMULATOR_DLOPEN: the same names, each a pointer that
 * swifttce_api_open fills from libswifttce-host.so (dlvsym, version node
 * SWIFTTCE_0.3), so the rest of the code reads the same either way.
 */
#ifndef HOST_EMULATOR_SWIFTTCE_API_H
#define HOST_EMULATOR_SWIFTTCE_API_H

#include <swifttce/host.h>

/*
 * Checks the library's swifttce_version() against the SWIFTTCE_VERSION the
 * emulator was built with (the README's ABI rules: the same major version,
 * a minor at least as new), after loading it from path in the dlopen
 * build. Returns 0, or -1 having said why on stderr.
 */
int swifttce_api_open(const char *path);

/* Every host.h function the emulator calls. */
#define SWIFTTCE_API_FUNCTIONS(X)                                            \
    X(swifttce_version) X(swifttce_table_new) X(swifttce_table_free)         \
    X(swifttce_table_enable) X(swifttce_table_disable)                       \
    X(swifttce_table_nb_table) X(swifttce_table_page_shift)                  \
    X(swifttce_table_bus_offset) X(swifttce_table_read_entries)              \
    X(swifttce_translate) X(swifttce_replay) X(swifttce_put_tce)             \
    X(swifttce_get_tce) X(swifttce_put_tce_indirect) X(swifttce_stuff_tce)   \
    X(swifttce_table_vmstate_save) X(swifttce_table_vmstate_load)            \
    X(swifttce_phb_new) X(swifttce_phb_free) X(swifttce_phb_dma_reset)       \
    X(swifttce_phb_window_def_win) X(swifttce_rtas_query_pe_dma_window)      \
    X(swifttce_rtas_create_pe_dma_window)                                    \
    X(swifttce_rtas_remove_pe_dma_window)                                    \
    X(swifttce_rtas_reset_pe_dma_window)

#ifdef HOST_EMULATOR_DLOPEN
#define SWIFTTCE_API_POINTER(f) extern __typeof__(&f) f##_dl;
SWIFTTCE_API_FUNCTIONS(SWIFTTCE_API_POINTER)
/* (A macro cannot define macros: one line a function.) */
#define swifttce_version (*swifttce_version_dl)
#define swifttce_table_new (*swifttce_table_new_dl)
#define swifttce_table_free (*swifttce_table_free_dl)
#define swifttce_table_enable (*swifttce_table_enable_dl)
#define swifttce_table_disable (*swifttce_table_disable_dl)
#define swifttce_table_nb_table (*swifttce_table_nb_table_dl)
#define swifttce_table_page_shift (*swifttce_table_page_shift_dl)
#define swifttce_table_bus_offset (*swifttce_table_bus_offset_dl)
#define swifttce_table_read_entries (*swifttce_table_read_entries_dl)
#define swifttce_translate (*swifttce_translate_dl)
#define swifttce_replay (*swifttce_replay_dl)
#define swifttce_put_tce (*swifttce_put_tce_dl)
#define swifttce_get_tce (*swifttce_get_tce_dl)
#define swifttce_put_tce_indirect (*swifttce_put_tce_indirect_dl)
#define swifttce_stuff_tce (*swifttce_stuff_tce_dl)
#define swifttce_table_vmstate_save (*swifttce_table_vmstate_save_dl)
#define swifttce_table_vmstate_load (*swifttce_table_vmstate_load_dl)
#define swifttce_phb_new (*swifttce_phb_new_dl)
#define swifttce_phb_free (*swifttce_phb_free_dl)
#define swifttce_phb_dma_reset (*swifttce_phb_dma_reset_dl)
#define swifttce_phb_window_def_win (*swifttce_phb_window_def_win_dl)
#define swifttce_rtas_query_pe_dma_window (*swifttce_rtas_query_pe_dma_window_dl)
#define swifttce_rtas_create_pe_dma_window (*swifttce_rtas_create_pe_dma_window_dl)
#define swifttce_rtas_remove_pe_dma_window (*swifttce_rtas_remove_pe_dma_window_dl)
#define swifttce_rtas_reset_pe_dma_window (*swifttce_rtas_reset_pe_dma_window_dl)
#endif

#endif /* HOST_EMULATOR_SWIFTTCE_API_H */
