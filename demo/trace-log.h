/*
 * pseries-demo --trace: the library's spapr_iommu_* events (QEMU 7.2's, as
 * its -trace prints them) written to a file under the "# machine:" line
 * that build/bin/tce-trace-check reads, so that a run of the demo can be
 * checked as a run of QEMU is.
 */
#ifndef PSERIES_DEMO_TRACE_LOG_H
#define PSERIES_DEMO_TRACE_LOG_H

#include <glib.h>
#include <stdio.h>

typedef struct TraceLog {
    FILE *file;
    uint64_t lines;
    bool failed;        /* a write failed: the file is incomplete */
} TraceLog;

/*
 * Opens path and sends the events there from now on (one hook per
 * process). ram_size and page_sizes (the PHB's pgsz) describe the machine.
 */
bool trace_log_start(TraceLog *log, const char *path, uint64_t ram_size,
                     uint64_t page_sizes, GError **errp);
/* Stops the events and closes the file; false when a write failed. */
bool trace_log_stop(TraceLog *log, GError **errp);

#endif /* PSERIES_DEMO_TRACE_LOG_H */
