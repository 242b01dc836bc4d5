/*
 * pseries-demo: the trace file.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <swifttce.h>

#include "trace-log.h"

static void trace_log_line(void *opaque, const char *line)
{
    TraceLog *log = opaque;

    if (fprintf(log->file, "%s\n", line) < 0) {
        log->failed = true;
    }
    log->lines++;
}

bool trace_log_start(TraceLog *log, const char *path, uint64_t ram_size,
                     uint64_t page_sizes, GError **errp)
{
    memset(log, 0, sizeof(*log));
    log->file = fopen(path, "w");
    if (!log->file) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "--trace=%s cannot be written: %s", path, strerror(errno));
        return false;
    }
    /* One PHB with QEMU's defaults (DDW on), no VIO device. */
    fprintf(log->file, "# machine: ram=%" PRIu64 " ddw=on pgsz=0x%" PRIx64
            " phbs=1\n# made by pseries-demo --trace\n", ram_size, page_sizes);
    spapr_tce_set_trace_hook(trace_log_line, log);
    return true;
}

bool trace_log_stop(TraceLog *log, GError **errp)
{
    spapr_tce_set_trace_hook(NULL, NULL);
    if (fclose(log->file) != 0) {
        log->failed = true;
    }
    log->file = NULL;
    if (log->failed) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_IO,
                    "the trace file is incomplete: a write failed");
        return false;
    }
    return true;
}
